"""The gate's row checks, run with Arrow compute, agree with their plain-Python definitions row by row."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from vncyberdata.release import rowchecks
from vncyberdata.model import schemas
from vncyberdata.parse.redact import find_pii
from vncyberdata.release.rowchecks import MAYBE_PII_RE2
from vncyberdata.parse.topics import default_taxonomy

KNOWN = sorted(t.id for t in default_taxonomy().topics)
ARTICLE = schemas.arrow_schema("articles")
# digits of three scripts (Python's \d takes them all), the separators the phone rule allows and one it does not
PII_ALPHABET = "0123456789０１２٣٤ .-\u00a0\u202f\u2009@a\n"


def _table(rows: list[dict], names: list[str]) -> pa.Table:
    schema = pa.schema([ARTICLE.field(n) for n in names])
    return pa.Table.from_pylist(rows, schema=schema)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(PII_ALPHABET, max_size=40), max_size=20))
def test_arrow_prefilter_matches_exactly_what_the_python_prefilter_matches(texts):
    """RE2 (Arrow) and Python's re disagree on what \\d is; the translated pattern must not."""
    python = re.compile(MAYBE_PII_RE2.replace("\\p{Nd}", "\\d"))
    got = pc.match_substring_regex(pa.array(texts, pa.string()), MAYBE_PII_RE2).to_pylist()
    assert got == [python.search(t) is not None for t in texts]


texts = st.text(PII_ALPHABET + "Gọi số", max_size=30)
caption = st.fixed_dictionaries({"text": texts, "credit": st.none() | texts, "variants": st.lists(texts, max_size=2)})
article_texts = st.fixed_dictionaries({
    "id": st.just("0" * 16), "title": texts, "lead": st.none() | texts, "body": texts,
    "related_headlines": st.lists(texts, max_size=3), "captions": st.lists(caption, max_size=2),
})


@settings(max_examples=150, deadline=None)
@given(st.lists(article_texts, max_size=6))
def test_pii_check_flags_a_row_when_any_of_its_texts_holds_personal_data(rows):
    def oracle(row):
        found = [row["title"], row["lead"], row["body"], *row["related_headlines"]]
        for c in row["captions"]:
            found += [c["text"], c["credit"], *c["variants"]]
        return any(find_pii(t) for t in found if t)

    applies, bad = rowchecks.pii_left(_table(rows, list(rows[0]) if rows else ["id", "title"]))
    assert applies.all() and bad.tolist() == [oracle(r) for r in rows]


def test_pii_check_does_not_join_digits_across_texts():
    rows = [{"id": "0" * 16, "title": "Hotline 0912", "lead": "345 678 mới", "body": "Không có gì."},
            {"id": "1" * 16, "title": "Hotline", "lead": None, "body": "Gọi 0912 345 678 để nhận quà."}]
    assert rowchecks.pii_left(_table(rows, ["id", "title", "lead", "body"]))[1].tolist() == [False, True]


topic = st.sampled_from(KNOWN[:3] + ["astrology"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.lists(topic, max_size=3), st.lists(topic, max_size=3)), max_size=8))
def test_topic_check_agrees_with_its_definition(pairs):
    rows = [{"topics": t, "topic_terms": [{"topic": x, "terms": []} for x in terms]} for t, terms in pairs]
    applies, bad = rowchecks.bad_topics(_table(rows, ["topics", "topic_terms"]))
    expected = [not set(t) <= set(KNOWN) or list(terms) != list(t) for t, terms in pairs]
    assert applies.all() and bad.tolist() == expected


retrieved = (st.none() | st.just("") | st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2035, 1, 1)).map(lambda d: d.isoformat() + "Z")
             | st.sampled_from(["garbage", "2024-13-01T00:00:00Z", "2024-02-30T08:00:00Z", "24-01-01"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.none() | st.dates(dt.date(1990, 1, 1), dt.date(2035, 1, 1)), retrieved), max_size=8))
def test_publication_after_retrieval_check_agrees_with_its_definition(pairs):
    def oracle(published, fetched):
        if not (published and fetched):
            return False, False
        try:
            day = dt.datetime.strptime(fetched[:10], "%Y-%m-%d").date()
        except ValueError:
            return True, True  # nothing to compare with: an offence
        return True, published > day

    rows = [{"published_date": p, "retrieved_at": r} for p, r in pairs]
    applies, bad = rowchecks.published_after_retrieved(_table(rows, ["published_date", "retrieved_at"]))
    expected = [oracle(p, r) for p, r in pairs]
    assert applies.tolist() == [a for a, _b in expected] and bad.tolist() == [b for _a, b in expected]


def test_every_check_reads_only_the_columns_the_scan_loads():
    for config, checks in rowchecks.CHECKS.items():
        names = [n for n in schemas.arrow_schema(config).names if n in rowchecks.COLUMNS]
        empty = pa.Table.from_pylist([], schema=pa.schema([schemas.arrow_schema(config).field(n) for n in names]))
        for _name, _why, check in checks:
            applies, bad = check(empty)
            assert isinstance(applies, np.ndarray) and applies.shape == bad.shape == (0,)
