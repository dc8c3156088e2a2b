"""Hypothesis properties: the parser never crashes and always accounts for every line; text rules are
idempotent; records survive a Parquet round trip unchanged."""

from __future__ import annotations

import datetime as dt
import json
import string

import pyarrow.parquet as pq
import pytest
from conftest import RAW
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vncyberdata.parse.normalize import clean_line, key_text, split_lines
from vncyberdata.parse.parse import Parsed, Rejection, decode, parse
from vncyberdata.intake.raw import read_sidecar
from vncyberdata.model.record import LINE_CLASSES, Article, Caption, RawMeta
from vncyberdata.build.write import write_config

META = RawMeta(publisher="Báo Mẫu", license="test")
VI = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
vi_text = st.text(alphabet=string.ascii_letters + string.digits + VI + VI.upper() + " .,:;!?-()/|“”\u00a0\u200b", max_size=120)
LINE_KINDS = st.one_of(
    vi_text,
    st.sampled_from(
        ["", " ", "\u00a0", "In", "Chia sẻFacebook", "Tin liên quan", "Bình luận (0)", "Từ khóa: lừa đảo",
         "Trang chủ > Pháp luật", "08/07/2025", "Thứ Hai, 06/11/2025 15:30 (GMT+7)", "Ảnh: TTXVN",
         "Theo nhandan.vn", "Nguồn: Bộ Công an", "Hồng Dũng", "- Không cung cấp mã OTP cho bất kỳ ai;",
         "Chiều 6/11, tại họp báo, người phát ngôn cho biết nhiều nội dung quan trọng về hợp tác quốc tế."]
    ),
)


def _check(result, raw: bytes):
    assert isinstance(result, (Parsed, Rejection))
    if isinstance(result, Rejection):
        assert result.code and result.message and result.hint
        return
    text = decode(raw)
    assert isinstance(text, str)
    assert len(result.line_classes) == len(split_lines(text))
    assert set(result.line_classes) <= set(LINE_CLASSES)
    assert result.line_classes.count("title") == 1


# deadline: a per-input time bound; a parser that hangs or goes quadratic fails here
@settings(max_examples=300, deadline=5000)
@given(st.binary(max_size=2_000))
def test_parser_survives_random_bytes(raw):
    _check(parse(raw, META, "x.txt"), raw)


@settings(max_examples=300, deadline=5000)
@given(st.lists(LINE_KINDS, max_size=40), st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_parser_accounts_for_every_line_of_random_layouts(lines, newline, bom):
    raw = (b"\xef\xbb\xbf" if bom else b"") + newline.join(lines).encode("utf-8")
    _check(parse(raw, META, "x.txt"), raw)


@given(st.text(max_size=200))
def test_text_rules_are_idempotent(text):
    once = clean_line(text)
    assert clean_line(once) == once
    assert key_text(key_text(text)) == key_text(text)


def _seed_article() -> Article:
    path = RAW / "003_5a3d17637f3588e8.txt"
    result = parse(path.read_bytes(), read_sidecar(path.with_name(path.stem + ".meta.json")), path.name)
    return result.article


SEED = _seed_article()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=st.text(min_size=1, max_size=80),
    lead=st.none() | st.text(max_size=80),
    caption_credit=st.none() | st.text(max_size=20),
    day=st.none() | st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)),
)
def test_parquet_round_trip(tmp_path, title, lead, caption_credit, day):
    article = SEED.model_copy(
        update={
            "title": title,
            "lead": lead,
            "captions": [Caption(text="Ảnh", credit=caption_credit, variants=["a", "b"])],
            "published_date": day,
            "published_year": day.year if day else None,
            "published_month": day.month if day else None,
            "published_day": day.day if day else None,
            "date_precision": "day" if day else None,
            "date_source": "date_line" if day else None,
        }
    )
    article = Article.model_validate(article.model_dump())
    info = write_config(tmp_path, "articles", [article])
    (path,) = info[article.split]["files"]
    rows = pq.read_table(tmp_path / path).to_pylist()
    assert [Article.model_validate(r) for r in rows] == [article]


_drop_entries = st.lists(
    st.fixed_dictionaries({
        "step": st.sampled_from(["read_sidecars", "parse_files", "drop_near_duplicates"]),
        "raw_path": st.text(min_size=1, max_size=20),
        "reason": st.sampled_from(["missing_sidecar", "exact_duplicate", "near_duplicate"]),
        "line": st.none() | st.integers(min_value=1, max_value=10**9),
        "message": st.text(max_size=40),
        "hint": st.text(max_size=40),
    }),
    max_size=12,
)


@settings(deadline=None)  # each example opens a DuckDB database: its time depends on the machine's load
@given(_drop_entries)
def test_the_drop_log_gives_back_what_was_appended(entries):
    """Entries inserted into the database in batches (3 here) and the buffered tail read back as one
    list, in the order appended, with the counts per reason."""
    from collections import Counter

    from vncyberdata.build import drops as drops_module

    log = drops_module.Drops(batch_rows=3)
    for entry in entries:
        log.append(dict(reversed(entry.items())))  # the log keeps its own key order
    assert len(log) == len(entries) and list(log) == entries
    assert [list(d) for d in log] == [list(drops_module.DROP.names)] * len(entries)
    assert log.reasons == Counter(e["reason"] for e in entries)
    rows = log.rows()
    assert rows.count == len(entries) and sum(t.num_rows for t in rows.read()) == len(entries)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(JSON_VALUES, max_size=4))
def test_the_gates_streamed_gx_results_are_the_bytes_json_dumps_gives(items):
    """gx_results.json is written a batch's result at a time (the results of thousands of batches are
    not held): the file is what json.dumps of the whole list gives, and nothing is left on a failure."""
    import tempfile
    from pathlib import Path

    from vncyberdata.release.gate import _JsonList

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gx_results.json"
        out = _JsonList(path)
        for item in items:
            out.add(item)
        out.finish()
        out.close()
        assert path.read_text(encoding="utf-8") == json.dumps(items, ensure_ascii=False, indent=1, default=str) + "\n"
        broken = _JsonList(Path(folder) / "broken.json")
        broken.add({"a": 1})
        broken.close()  # the gate failed before finishing
        assert sorted(p.name for p in Path(folder).iterdir()) == ["gx_results.json"]


_CREDIT_PIECES = ["Ảnh", "ảnh", "ẢNH", "Ả", "NH", "nH", "Photo", "photo", "PHOTO", "pHoTo", "p", "P", "hoto", "HOTO", "ı", "İ", "nguồn", "Nguồn", "minh", "họa", "hoạ", "hoa", "chụp", "màn",
                  "hình", ":", " : ", " ", "  ", "(", ")", "[", "]", ".", "-", " – ", "|", "Cảnh sát bắt giữ", "X",
                  "Thanh Tùng", "\u00a0", "hưởng", "2024"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_CREDIT_PIECES), min_size=1, max_size=10).map("".join))
def test_a_line_any_credit_pattern_reads_passes_the_credit_hint(line):
    """credits.may_credit is a pre-filter: every line a caption or credit pattern matches must pass it."""
    import re

    from vncyberdata.parse import credits

    patterns = [v for v in vars(credits).values() if isinstance(v, re.Pattern) and v is not credits._HINT]
    assert len(patterns) >= 10
    if any(p.search(line) for p in patterns):
        assert credits.may_credit(line), line
    assert credits.may_credit(line) == (credits._HINT.search(line) is not None)  # its quick exit loses nothing
