"""Canonical Vietnamese text: NFC, spaces, one tone-placement style; idempotent and letter-preserving."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vncyberdata.parse.normalize import canonical_tones, clean_line, key_text

TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


@pytest.mark.parametrize(
    ("given_text", "want"),
    [
        ("hoà", "hòa"), ("Hoà Bình", "Hòa Bình"), ("HOÀ", "HÒA"), ("thuỷ", "thủy"), ("uỷ ban", "ủy ban"),
        ("khoẻ", "khỏe"), ("loè loẹt", "lòe loẹt"), ("thoả thuận", "thỏa thuận"), ("hoạ sĩ", "họa sĩ"),
        ("Thanh Hoá", "Thanh Hóa"), ("tuỵ", "tụy"), ("qúy", "quý"), ("qụa", "quạ"),
        # already canonical, or the same in both styles: untouched
        ("hòa", "hòa"), ("hoàng", "hoàng"), ("toán", "toán"), ("quý", "quý"), ("quỳnh", "quỳnh"),
        ("khuỷu", "khuỷu"), ("quà", "quà"), ("thuở", "thuở"), ("hoặc", "hoặc"), ("Hoặc", "Hoặc"),
        ("xoắn", "xoắn"), ("khoảng", "khoảng"), ("thuyền", "thuyền"),
    ],
)
def test_tone_placement(given_text, want):
    assert canonical_tones(given_text) == want
    assert canonical_tones(unicodedata.normalize("NFD", given_text)) == want


def test_both_styles_give_one_text_and_one_key():
    old = "Ủy ban nhân dân tỉnh Thanh Hóa hòa giải, khỏe mạnh, thủy lợi"
    new = "Uỷ ban nhân dân tỉnh Thanh Hoá hoà giải, khoẻ mạnh, thuỷ lợi"
    assert clean_line(new) == clean_line(old) == old
    assert key_text(new) == key_text(old)


def test_whitespace_rules():
    assert clean_line("  a\u00a0\u00a0b\tc\u200bd\u2009e  ") == "a b cd e"
    assert clean_line("“Trích dẫn” – gạch…") == "“Trích dẫn” – gạch…"  # quotes and dashes as published


VI = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯYđĐqQhHtTkKnNgG"
syllables = st.text(alphabet=VI + "".join(TONES) + " \u00a0\u200b\t.,", max_size=60)


@given(st.one_of(st.text(max_size=80), syllables))
def test_idempotent(text):
    once = clean_line(text)
    assert clean_line(once) == once
    assert canonical_tones(canonical_tones(text)) == canonical_tones(text)


def _skeleton(text: str) -> tuple[str, list[str]]:
    """Base letters with quality marks, and the sorted tone marks: what tone placement may not change."""
    nfd = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in nfd if ch not in TONES), sorted(ch for ch in nfd if ch in TONES)


@given(st.one_of(st.text(max_size=80), syllables))
def test_only_moves_tone_marks(text):
    text = unicodedata.normalize("NFC", text)
    assert _skeleton(canonical_tones(text)) == _skeleton(text)
