"""Language identification with py3langid, whose model ships inside its wheel (no download, offline).

Identification runs on the article text (title, lead, body: at most `SAMPLE_CHARS` characters), never on
single short lines: on a word like "In" any identifier guesses at random.
"""

from __future__ import annotations

from functools import lru_cache

SAMPLE_CHARS = 1_000


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability rounded to 4 decimals) for a text sample."""
    lang, prob = _identifier().classify(text[:SAMPLE_CHARS])
    return str(lang), round(float(prob), 4)


def article_sample(title: str, lead: str | None, body: str) -> str:
    return "\n".join(part for part in (title, lead, body) if part)[:SAMPLE_CHARS]
