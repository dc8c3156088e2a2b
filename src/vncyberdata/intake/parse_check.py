"""What validation needs of a parse, without the record: the `Rejection`, or the article's id and language.

`check` runs `parse.analyse`, the part of `parse` that finds the article (or rejects the file), and then derives
only the id and the language judgement, from the same redacted text `parse` derives them from: the title, and
the lead and body paragraphs the language sample reads (`langid.article_sample`). It redacts nothing else and
matches no topics. A page with a yearless date and a sidecar `retrieved_at` is parsed in full: the year
inferred from it is the one part of a record the analysis does not bound, so only `parse` can say whether the
record is valid (`invalid_record`). The answers equal those of `parse` (tests/test_validate.py compares them).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..parse import ids, langid, redact
from ..parse.chrome import ChromeTable
from ..parse.parse import Draft, Rejection, analyse, article_key, parse
from ..model.record import RawMeta


@dataclass(frozen=True)
class Checked:
    """A file that parses to an article: what `parse` would give as its id, language and language score (None
    when the language was proven without scoring: `Pending.vietnamese`)."""

    article_id: str
    language: str
    language_score: float | None


@dataclass(frozen=True)
class Pending:
    """A file that parses to an article, its language not yet identified: the id, and the sample to identify
    (a caller with many files identifies their samples one after the other: see worker.parse_many)."""

    article_id: str
    sample: str

    def checked(self, language: tuple[str, float]) -> Checked:
        return Checked(self.article_id, *language)

    def vietnamese(self) -> Checked | None:
        """The Checked of a sample proven Vietnamese by langid.proven (the score is not computed), or None
        when it is not proven: `langid.identify` decides."""
        return Checked(self.article_id, "vi", None) if langid.proven(self.sample, "vi") else None


def check(
    raw: bytes, meta: RawMeta, raw_path: str, *, table: ChromeTable | None = None, raw_format: str = "text"
) -> Checked | Rejection:
    """`parse(raw, meta, raw_path, ...)` reduced to its rejection, or to the article's id and language."""
    result = prepare_check(raw, meta, raw_path, table=table, raw_format=raw_format)
    return result.checked(langid.identify(result.sample)) if isinstance(result, Pending) else result


def prepare_check(
    raw: bytes, meta: RawMeta, raw_path: str, *, table: ChromeTable | None = None, raw_format: str = "text"
) -> Checked | Rejection | Pending:
    """`check` up to the language: the `Rejection`, the `Checked` of a page parsed in full, or `Pending`."""
    draft = analyse(raw, meta, table=table, raw_format=raw_format)
    if isinstance(draft, Rejection):
        return draft
    if draft.printed is not None and draft.printed.year is None and meta.retrieved_at is not None:
        parsed = parse(raw, meta, raw_path, table=table, raw_format=raw_format)
        if isinstance(parsed, Rejection):
            return parsed
        return Checked(parsed.article.id, parsed.article.language, parsed.article.language_score)
    title = _redacted(draft.walk.lines[draft.walk.title])
    _, key = article_key(meta, title, draft.printed)
    return Pending(ids.make_id(key), _sample(draft, title))


def _sample(draft: Draft, title: str) -> str:
    """`langid.article_sample` of the redacted title, lead and body, redacting only the paragraphs it reads."""
    lead = _redacted(draft.lead.text) if draft.lead else None
    size = len(title) + (len(lead) + 1 if lead else 0)
    body: list[str] = []
    for unit in draft.paras:
        if size >= langid.SAMPLE_CHARS:
            break  # the sample is full: the paragraphs after this one are cut off it
        text = _redacted(unit.text)
        size += len(text) + (2 if body else 1)  # the body's paragraphs are joined by a blank line
        body.append(text)
    return langid.article_sample(title, lead, "\n\n".join(body))


def _redacted(text: str) -> str:
    return redact.redact(text)[0]
