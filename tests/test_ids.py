"""Ids are deterministic, stable and unique; splits depend on the id alone."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from vncyberdata.parse import ids


def test_canonical_url_ignores_noise():
    base = ids.canonical_url("https://example.vn/phap-luat/bai-viet-123.html")
    for variant in (
        "http://www.Example.vn/phap-luat/bai-viet-123.html",
        "https://example.vn/phap-luat/bai-viet-123.html/",
        "https://example.vn/phap-luat/bai-viet-123.html#binh-luan",
        "https://example.vn/phap-luat/bai-viet-123.html?utm_source=fb&fbclid=abc",
    ):
        assert ids.canonical_url(variant) == base
    assert ids.canonical_url("https://example.vn/a?b=2&a=1") == ids.canonical_url("https://example.vn/a?a=1&b=2")
    assert ids.canonical_url("https://example.vn/a?id=1") != ids.canonical_url("https://example.vn/a?id=2")


def test_title_key_ignores_case_spacing_punctuation_and_unicode_form():
    import unicodedata

    title = "Cảnh giác thủ đoạn lừa đảo, chiếm đoạt tài sản"
    k1 = ids.article_key(url=None, title=title, publisher="Báo A", date_key="2025-07-08")
    k2 = ids.article_key(
        url=None, title=unicodedata.normalize("NFD", "  cảnh giác thủ đoạn lừa  đảo chiếm đoạt tài sản "),
        publisher="báo a", date_key="2025-07-08",
    )
    assert k1 == k2 and k1[0] == "title_publisher_date"
    assert ids.article_key(url=None, title=title, publisher="Báo B", date_key="2025-07-08") != k1
    assert ids.article_key(url=None, title=title, publisher="Báo A", date_key="2025-07-09") != k1


def test_date_key_forms():
    assert ids.date_key(2025, 7, 8) == "2025-07-08"
    assert ids.date_key(None, 11, 6) == "--11-06"
    assert ids.date_key(None, None, None) == ""


def test_split_proportions_and_stability():
    record_ids = [ids.make_id(f"url:https://example.vn/{i}") for i in range(20_000)]
    counts = Counter(ids.split_for(i) for i in record_ids)
    assert abs(counts["train"] / 20_000 - 0.8) < 0.02
    assert abs(counts["validation"] / 20_000 - 0.1) < 0.01
    assert abs(counts["test"] / 20_000 - 0.1) < 0.01
    assert len(set(record_ids)) == len(record_ids)


@given(st.text(min_size=1, max_size=40))
def test_split_depends_on_the_id_only(record_id):
    assert ids.split_for(record_id) == ids.split_for(str(record_id))
    assert ids.split_for(record_id) in ("train", "validation", "test")
