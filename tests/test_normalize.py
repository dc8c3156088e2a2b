"""Canonical Vietnamese text: NFC, spaces, one tone-placement style; idempotent and letter-preserving."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
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


def _needs_work_by_candidates(text: str) -> bool:
    """The rule _needs_work implements, spelled out: a toned u after q, or a toned a/e after o or y after u
    that is not after q and is followed by no word character nor combining mark."""
    for i in range(len(text) - 1):
        pair = text[i : i + 2]
        after = text[i + 2] if i + 2 < len(text) else ""
        if pair[0] in "qQ" and pair[1] in "ùúủũụÙÚỦŨỤ":
            return True
        if (pair[0] in "oO" and pair[1] in "àáảãạèéẻẽẹÀÁẢÃẠÈÉẺẼẸ") or (pair[0] in "uU" and pair[1] in "ỳýỷỹỵỲÝỶỸỴ"):
            if i and text[i - 1] in "qQ":
                continue
            if not after or not (after.isalnum() or after == "_" or "\u0300" <= after <= "\u036f"):
                return True
    return False


_PIECES = ["q", "Q", "o", "O", "u", "U", "oà", "oẹ", "Oé", "uý", "Uỵ", "qù", "Qụ", "quý", "hoà", "à", "a", "y",
           "\u0301", "\u0323", " ", "h", "n", "_", "1", ".", "-"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=8).map("".join))
def test_the_search_for_spellings_to_rewrite_follows_the_rule(text):
    from vncyberdata.parse.normalize import _needs_work

    assert _needs_work(text) == _needs_work_by_candidates(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t\n\u00a0\u2003\u200bab\u00e0", max_size=20))
def test_topic_keys_collapse_whitespace_as_one_space(text):
    import re
    import unicodedata

    from vncyberdata.parse.topics import match_key

    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    assert match_key(text) == canonical_tones(re.sub(r"\s+", " ", folded.replace("\u200b", "")))


# Pieces of dumps as they arrive: both tone styles, q/u/o next to toned vowels, every kind of space and line
# break, zero-width characters, punctuation, digits, decomposed marks.
_DUMP_PIECES = [*_PIECES, "\u0301", "\u0323", "hoà", "Thuỷ", "quý", "qúy", "\n", "\r\n", "\r", "  ", "\t", "\u00a0", "\u2003", "\u200b",
                "\ufeff", "\u3000", "\x0b", "\x85", "\u2028", "ư", "ơ", "đ", "Đ", ",", "(", ")", "²", "½", "٣", "A", "z"]


@settings(max_examples=3000, deadline=None)
@given(st.one_of(st.lists(st.sampled_from([*_DUMP_PIECES, "\U0001d400", "oà\U0001d400", "uý\U0001f600"]), max_size=14).map("".join),
                 st.text(max_size=60)))
def test_the_compiled_check_for_cleaning_answers_as_the_patterns(text):
    from vncyberdata.parse.normalize import _ODD_SPACE, _needs_work, needs_cleaning

    assert needs_cleaning(text) == bool("  " in text or _ODD_SPACE.search(text) or _needs_work(text))


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(_DUMP_PIECES), max_size=14).map("".join), st.text(max_size=60)))
def test_a_whole_text_cleans_as_its_lines_do(text):
    from vncyberdata.parse.normalize import clean_lines, split_lines

    assert clean_lines(text) == [clean_line(line) for line in split_lines(text)]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.one_of(st.lists(st.sampled_from(_DUMP_PIECES + ["0912 345 678", "a@b.vn"]), max_size=14)
                          .map("".join), st.text(max_size=60)), max_size=6))
def test_the_key_of_clean_lines_joined_needs_no_cleaning_again(pieces):
    # an article's body: its clean lines, redacted, joined by blank lines
    from vncyberdata.parse.normalize import clean_key
    from vncyberdata.parse.redact import redact

    body = "\n\n".join(redact(clean_line(piece))[0] for piece in pieces)
    assert clean_key(body) == key_text(body)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(_DUMP_PIECES), max_size=14).map("".join), st.text(max_size=60)))
def test_words_are_the_runs_of_letters_and_digits(text):
    import re

    from vncyberdata.parse.normalize import words

    assert words(text) == re.findall(r"[^\W_]+", text)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(_DUMP_PIECES), max_size=14).map("".join), st.text(max_size=60)))
def test_a_text_with_a_letter_or_digit_has_text_as_cleaning_sees_it(text):
    from vncyberdata.parse.decode import _has_text

    expected = any(clean_line(part.replace("\n", " ").replace("\r", " ")) for part in (text[:256], text))
    assert _has_text(text) == expected


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.lists(st.sampled_from([*_DUMP_PIECES, "\U0001d400", "Công an", "1,5", "TP.HCM", "a_b"]),
                          max_size=80).map("".join), st.text(min_size=60, max_size=300)))
def test_the_compiled_join_of_words_is_the_patterns(text):
    import re

    from vncyberdata.parse.normalize import joined_words

    assert joined_words(text) == " ".join(re.findall(r"[^\W_]+", text))


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from([*_DUMP_PIECES, "Công an", "thuỷ", "hoà bình", "\U0001d400"]), max_size=60).map("".join))
def test_a_long_line_cleans_as_the_patterns_clean_it(text):
    import re
    import unicodedata

    from vncyberdata.parse.normalize import canonical_tones, clean_line

    line = unicodedata.normalize("NFC", text)
    line = re.sub("[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+", " ", re.sub("[\u200b\u200c\u200d\u2060\ufeff]", "", line))
    assert clean_line(text) == canonical_tones(line.strip())


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["\n", "\r", "\r\n", "a", "ư", " ", "\u2028", "\x0b"]), max_size=30).map("".join))
def test_split_lines_cuts_at_lf_cr_and_crlf_only(text):
    import re

    from vncyberdata.parse.normalize import split_lines

    expected = re.split(r"\r\n|\r|\n", text)
    if len(expected) > 1 and expected[-1] == "":
        expected.pop()
    assert split_lines(text) == expected


_WHITE_PIECES = ["lừa đảo", "Hòa", "x", ".", " ", "  ", "\n", "\n\n", "\r\n", "\t", "\u00a0", "\u2028", "\u3000", "\x1c",
                 "\x85", "\u200b", "\u1680", "\u202f", "🙂", "a" * 70]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_WHITE_PIECES), max_size=16).map("".join))
def test_collapse_whitespace_is_the_pattern(text):
    """The compiled walk (texts over 64 characters in the BMP) and the split path (the others) both give
    `\\s+` → " "."""
    import re

    from vncyberdata.parse.normalize import collapse_whitespace

    assert collapse_whitespace(text) == re.sub(r"\s+", " ", text)


def test_the_whitespace_bit_of_the_table_is_isspace():
    from vncyberdata.parse.normalize import _WHITE, _classes

    table = _classes()
    assert [bool(table[c] & _WHITE) for c in range(0x10000)] == [chr(c).isspace() for c in range(0x10000)]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from([*_DUMP_PIECES, *_WHITE_PIECES, "Công an tỉnh Hòa Bình", "khoẻ", "QÚY", "thuỷ"]),
                max_size=60).map("".join))
def test_collapsing_and_canonical_tones_in_one_encoding_is_the_two_steps(text):
    """collapse_canonical (the topic key's last steps, over mostly long texts) against the two steps it fuses,
    and the topic key of such texts against its definition by patterns."""
    import re

    from vncyberdata.parse.normalize import collapse_canonical, collapse_whitespace
    from vncyberdata.parse.topics import match_key

    nfc = unicodedata.normalize("NFC", text)
    assert collapse_canonical(nfc) == canonical_tones(collapse_whitespace(nfc))
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    assert match_key(text) == canonical_tones(re.sub(r"\s+", " ", re.sub("[\u200b\u200c\u200d\u2060\ufeff]", "", folded)))
