"""Language identification with py3langid, whose model ships inside its wheel (no download, offline).

Identification runs on the article text (title, lead, body: at most `SAMPLE_CHARS` characters), never on
single short lines: on a word like "In" any identifier guesses at random.

py3langid walks the sample's bytes through its model's automaton in a Python loop, the largest single cost
of a parse. Here the walk is compiled (numba); it yields the same features in the same order, which go to
py3langid's own scoring, so every probability is the same to the bit (tests/test_langid.py compares the two
on real and random text). Without numba the library's own walk runs.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

SAMPLE_CHARS = 1_000


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    walk = _compiled_walk()
    if walk is None:
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    class CompiledWalk(LanguageIdentifier):
        """py3langid's identifier whose feature counts come from the compiled walk."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.next_state = np.frombuffer(self.tk_nextmove, dtype=np.dtype(self.tk_nextmove.typecode))
            self.row_base = np.asarray(self.tk_row, dtype=np.int64) << 8  # as py3langid shifts its rows
            self.state_feature = np.asarray(self.tk_output, dtype=np.int64)

        def _raw_score(self, text):
            if not isinstance(text, bytes):  # _decide gives bytes; anything else takes the library's path
                return super()._raw_score(text)
            features = walk(self.next_state, self.row_base, self.state_feature, np.frombuffer(text, dtype=np.uint8))
            if not len(features):
                return super()._raw_score(text)  # the library's score of a featureless text
            # counts in order of first visit, as the library's Counter holds them: its scoring sums in that order
            found, first, counts = np.unique(features, return_index=True, return_counts=True)
            order = np.argsort(first, kind="stable")
            return self._sparse_score(dict(zip(found[order].tolist(), counts[order].tolist())), self.nb_ptc)

    return CompiledWalk.from_model_file(MODEL_FILE, norm_probs=True)


def _compiled_walk():
    """The automaton walk compiled with numba (cached on disk beside this module), or None without numba."""
    try:
        import numba
    except ImportError:
        return None

    @numba.njit(cache=True, nogil=True)
    def walk(next_state, row_base, state_feature, data):
        features = np.empty(data.shape[0], dtype=np.int64)
        state, n = 0, 0
        for i in range(data.shape[0]):
            state = next_state[row_base[state] + data[i]]
            feature = state_feature[state]
            if feature >= 0:
                features[n] = feature
                n += 1
        return features[:n]

    return walk


def identify(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability rounded to 4 decimals) for a text sample."""
    lang, prob = _identifier().classify(text[:SAMPLE_CHARS])
    return str(lang), round(float(prob), 4)


def article_sample(title: str, lead: str | None, body: str) -> str:
    return "\n".join(part for part in (title, lead, body) if part)[:SAMPLE_CHARS]
