"""The gate's checks that read several columns of a row, run with Arrow compute over a whole row group.

Each check takes a table of the columns in `COLUMNS` and returns two boolean arrays, one entry per row:
`applies` (the row is counted) and `bad` (the row offends). Turning every article into a Python dict was slow
and left the gate's heap fragmented (that scan was the gate's memory peak); here only
rows that may hold personal data become Python objects, for the exact check in `redact`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..parse.redact import MAYBE_PII, find_pii
from ..parse.topics import default_taxonomy

# redact's pre-filter for Arrow's regex engine (RE2), whose \d is ASCII only where Python's is any Unicode
# decimal digit. Derived here, not in redact.py: that file is part of the parse cache's fingerprint.
MAYBE_PII_RE2 = MAYBE_PII.pattern.replace("\\d", "\\p{Nd}")

COLUMNS = {"id", "title", "lead", "body", "text", "related_headlines", "captions", "topics", "topic_terms",
           "published_date", "retrieved_at", "publisher"}  # what the checks read: the scan loads no other column

Verdict = tuple[np.ndarray, np.ndarray]  # (applies, bad), one entry per row


def _mask(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A boolean column as numpy; null is False."""
    return np.asarray(pc.fill_null(values, False), dtype=bool) if len(values) else np.zeros(0, dtype=bool)


def _combined(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """One array; a column of one chunk (a row group's) is not copied, as combine_chunks would."""
    if not isinstance(column, pa.ChunkedArray):
        return column
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _rows_of(values: pa.Array, hits: np.ndarray, rows: int) -> np.ndarray:
    """Rows holding a hit of a list column's flattened values (`values` as returned by list_flatten)."""
    out = np.zeros(rows, dtype=bool)
    out[np.asarray(values)[hits]] = True
    return out


def _texts(table: pa.Table) -> list[tuple[pa.Array, np.ndarray | None]]:
    """Every text of a row: (strings, the row of each string, or None when string i is row i's)."""
    texts: list[tuple[pa.Array, np.ndarray | None]] = []
    for name in ("title", "lead", "body", "text"):
        if name in table.column_names:
            texts.append((_combined(table[name]), None))
    if "related_headlines" in table.column_names:
        related = _combined(table["related_headlines"])
        texts.append((pc.list_flatten(related), np.asarray(pc.list_parent_indices(related))))
    if "captions" in table.column_names:
        captions = _combined(table["captions"])
        parents = np.asarray(pc.list_parent_indices(captions))
        items = pc.list_flatten(captions)
        texts.append((pc.struct_field(items, "text"), parents))
        texts.append((pc.struct_field(items, "credit"), parents))
        variants = pc.struct_field(items, "variants")
        texts.append((pc.list_flatten(variants), parents[np.asarray(pc.list_parent_indices(variants), dtype=np.int64)]))
    return texts


def pii_left(table: pa.Table) -> Verdict:
    """Rows with a phone, e-mail, id, account or card number in any text. Arrow's regex engine pre-filters
    (an "@" or a run of 8+ digits, the same rule as `redact.may_hold_pii`); `redact.find_pii` decides."""
    bad = np.zeros(table.num_rows, dtype=bool)
    for strings, parents in _texts(table):
        hits = np.flatnonzero(_mask(pc.match_substring_regex(strings, MAYBE_PII_RE2)))
        owners = hits if parents is None else parents[hits]
        for row, text in zip(owners.tolist(), strings.take(pa.array(hits, pa.int64())).to_pylist()):
            if not bad[row] and find_pii(text):
                bad[row] = True
    return np.ones(table.num_rows, dtype=bool), bad


def bad_topics(table: pa.Table) -> Verdict:
    """Rows whose topics are not all in the taxonomy, or whose topic_terms do not name the same topics in the
    same order."""
    rows = table.num_rows
    known = pa.array(sorted(t.id for t in default_taxonomy().topics), pa.string())
    topics = _combined(table["topics"])
    terms = _combined(table["topic_terms"])
    unknown = ~_mask(pc.is_in(pc.list_flatten(topics), value_set=known))
    bad = _rows_of(pc.list_parent_indices(topics), unknown, rows)
    lengths = np.asarray(pc.fill_null(pc.list_value_length(topics), 0))
    bad |= lengths != np.asarray(pc.fill_null(pc.list_value_length(terms), 0))
    same = pa.array(~bad)  # equal lengths: the flattened lists line up element by element
    kept_topics, kept_terms = topics.filter(same), terms.filter(same)
    named = pc.struct_field(pc.list_flatten(kept_terms), "topic")
    differ = ~_mask(pc.equal(pc.list_flatten(kept_topics), named))
    rows_kept = np.flatnonzero(~bad)
    bad[rows_kept[np.asarray(pc.list_parent_indices(kept_topics))[differ]]] = True
    return np.ones(rows, dtype=bool), bad


def published_after_retrieved(table: pa.Table) -> Verdict:
    """Rows published after the day their page was fetched; counted only where both dates are known. A
    retrieval time that does not start with a date is an offence here too (there is nothing to compare)."""
    published = table["published_date"]
    retrieved = table["retrieved_at"]
    applies = _mask(pc.and_(pc.is_valid(published), pc.not_equal(pc.fill_null(retrieved, ""), "")))
    text = pc.utf8_slice_codeunits(pc.fill_null(retrieved, ""), 0, 10)
    stamp = pc.strptime(text, "%Y-%m-%d", "s", error_is_null=True)
    # strptime rolls 2024-02-30 over into March and takes one-digit months: a date must print back as it reads
    exact = _mask(pc.equal(pc.strftime(stamp, "%Y-%m-%d"), text))
    later = _mask(pc.greater(published, pc.cast(stamp, pa.date32())))
    unparsed = ~exact
    return applies, applies & (later | unparsed)


def _key(values: pa.Array) -> pa.Array:
    """A comparison key in Arrow: case-folded, punctuation and space runs made one space, ends trimmed
    (as normalize.key_text, for the NFC text the records hold)."""
    folded = pc.utf8_lower(pc.fill_null(values, ""))
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(folded, r"[^\p{L}\p{N}]+", " "))


def title_names_publisher(table: pa.Table) -> Verdict:
    """Rows whose title is the publisher's name, or the name with a slogan after a separator ("Site - Tin
    tức 24/7"): what a whole-page dump gives when its article was not found."""
    title = _combined(table["title"])
    publisher = _key(_combined(table["publisher"]))
    key = _key(title)
    same = _mask(pc.equal(key, publisher))
    head = pc.utf8_trim_whitespace(pc.replace_substring_regex(pc.fill_null(title, ""), r"\s+[-–—|:]\s+.*$", ""))
    named = _mask(pc.and_(pc.equal(_key(head), publisher), pc.not_equal(_key(head), key)))
    return np.ones(table.num_rows, dtype=bool), same | named


Check = tuple[str, str, Callable[[pa.Table], Verdict]]

CHECKS: dict[str, list[Check]] = {
    "articles": [
        ("no_pii_left", "no phone, e-mail, id, account or card number left in the text", pii_left),
        ("topics_in_taxonomy", "topic ids exist in the taxonomy and match topic_terms", bad_topics),
        ("published_not_after_retrieved", "a page cannot be published after it was fetched", published_after_retrieved),
        ("title_not_publisher", "a title is not the site's name or slogan (an article not found in a page dump)", title_names_publisher),
    ],
    "headlines": [
        ("no_pii_left", "no phone, e-mail, id, account or card number left in the text", pii_left),
    ],
}
