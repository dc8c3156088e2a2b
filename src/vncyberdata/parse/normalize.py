"""Text rules shared by the parser, ids and checks. Pure functions on `str`.

This is the only place that decides what a line, a blank, a space or a comparable key is, and how
Vietnamese text is made canonical:
- Unicode NFC;
- zero-width characters removed; NBSP, tabs and the other fixed-width spaces become one ordinary space;
- one tone-placement style: the traditional one ("hòa", "khỏe", "thủy"), where the tone of an open
  syllable ending in oa, oe or uy sits on the first vowel. News sites and most keyboards write it, so it
  changes the fewest words; "hoà/khoẻ/thuỷ" are rewritten to it. A "u" after "q" belongs to the consonant
  and never carries the tone ("qúy" → "quý"). Syllables with a final consonant ("hoàng") are the same in
  both styles and are left alone;
- quotes, dashes, ellipses and every other character are left as published: they carry no ambiguity for
  matching and changing them would alter quotations.
`clean_line` applies all of these; it is idempotent.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

BOM = "\ufeff"
_ZERO_WIDTHS = "\u200b\u200c\u200d\u2060\ufeff"
_ZERO_WIDTH = re.compile(f"[{_ZERO_WIDTHS}]")
# NBSP, the fixed-width spaces and tabs count as ordinary spaces; runs collapse to one.
# (A run that is one ordinary space already reads as one: only longer runs and other spaces are rewritten,
# so a clean line is scanned, not rebuilt.)
_OTHER_SPACES = "\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_SPACE_RUN = re.compile(f"[ {_OTHER_SPACES}]{{2,}}|[{_OTHER_SPACES}]")
# what makes a line need more than a strip: a space other than " ", or a zero-width character
_ODD_SPACE = re.compile(f"[{_OTHER_SPACES}{_ZERO_WIDTHS}]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# A key's words: runs of letters and digits (NFC Vietnamese letters are all \w); punctuation, symbols,
# spaces and "_" only separate them.
WORDS = re.compile(r"[^\W_]+")

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below (NFD)
# New-style open syllables: the tone on the a/e of "oa"/"oe" or on the y of "uy" (not after q), at a word end.
# (A combining mark after the tone, as in NFD "hoặc" = o a + dot + breve, means the vowel is not a/e/y.)
_NEW_STYLE = re.compile(r"(?<![qQ])([oO][aAeE]|[uU][yY])([" + _TONES + r"])(?![\w\u0300-\u036f])")
# A tone on the u of "qu", which belongs to the consonant: move it to the next vowel.
_QU_TONE = re.compile(r"([qQ][uU])([" + _TONES + r"])([aăâeêioôơuưyAĂÂEÊIOÔƠUƯY][\u0302\u0306\u031b]?)")


def nfc(text: str) -> str:
    # is_normalized is a fast check; most input is already NFC
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


# NFC spellings that need the rewrite: a toned a/e after o, or a toned y after u, not after q and at a word's
# end (no word character, \w, and no combining mark follows), as _NEW_STYLE sees them; or any toned u after q,
# as _QU_TONE does. Searched first because the rewrite (NFD, regex, NFC) costs, and most lines need none.
# The pattern starts with one character class, which the engine scans for; which letter was found picks the
# vowels that may follow (a look-behind on that one letter). A match whose o or u follows a q (the "u" of
# "quý" belongs to the consonant) is passed over in `_needs_work`.
_TONED_AE, _TONED_Y, _TONED_U = "àáảãạèéẻẽẹÀÁẢÃẠÈÉẺẼẸ", "ỳýỷỹỵỲÝỶỸỴ", "ùúủũụÙÚỦŨỤ"
_WORD_END = "(?![\\w\u0300-\u036f])"
_CANDIDATE = re.compile(f"[oOuUqQ](?:(?<=[qQ])[{_TONED_U}]|(?<=[oO])[{_TONED_AE}]{_WORD_END}|(?<=[uU])[{_TONED_Y}]{_WORD_END})")


def _needs_work(text: str) -> bool:
    match = _CANDIDATE.search(text)
    while match is not None:
        start = match.start()
        if text[start] in "qQ" or not start or text[start - 1] not in "qQ":
            return True
        match = _CANDIDATE.search(text, start + 1)
    return False


def canonical_tones(text: str) -> str:
    """Rewrite tone placement to the traditional style (see the module docstring); the result is NFC."""
    if text.isascii():
        return text
    text = nfc(text)
    if not _needs_work(text):
        return text
    decomposed = unicodedata.normalize("NFD", text)
    fixed = _QU_TONE.sub(r"\1\3\2", _NEW_STYLE.sub(lambda m: m.group(1)[0] + m.group(2) + m.group(1)[1], decomposed))
    return unicodedata.normalize("NFC", fixed)


def split_lines(text: str) -> list[str]:
    """Lines as an editor numbers them: CRLF, CR and LF all end a line; a final newline adds no line."""
    lines = _LINE_BREAK.split(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def clean_line(line: str) -> str:
    """NFC, zero-width characters removed, space runs collapsed, ends stripped, canonical tone placement."""
    line = nfc(line)
    if "  " in line or _ODD_SPACE.search(line):  # most lines hold neither: scanned, not rebuilt
        line = _SPACE_RUN.sub(" ", _ZERO_WIDTH.sub("", line))
    return canonical_tones(line.strip())


def clean_lines(text: str) -> list[str]:
    """`clean_line` of every line of `text` (as split_lines cuts it), with the checks made once for the whole
    text: a text with no odd space, no zero-width character, no double space and no spelling to rewrite (most
    dumps) only has its lines stripped."""
    text = nfc(text)
    if "  " in text or _ODD_SPACE.search(text) or (not text.isascii() and _needs_work(text)):
        return [clean_line(line) for line in split_lines(text)]
    return [line.strip() for line in split_lines(text)]


def is_blank(line: str) -> bool:
    return clean_line(line) == ""


def key_text(text: str) -> str:
    """A comparison key: cleaned, case-folded, punctuation removed, single spaces.

    Two strings with the same key differ only in case, punctuation or spacing ("phòng chống" and
    "phòng, chống" share a key).
    """
    # Short texts (headlines, names, labels) come back again and again, within a page and across pages
    return _short_key(text) if len(text) <= SHORT_KEY_CHARS else _key(text)


def _key(text: str) -> str:
    return " ".join(words(nfc(clean_line(text).casefold())))


SHORT_KEY_CHARS = 300
_short_key = lru_cache(maxsize=16_384)(_key)


def words(text: str) -> list[str]:
    """`WORDS.findall(text)`: the runs of letters and digits. Most whitespace-separated tokens are one such
    run whole (str.isalnum is the same test as the pattern's [^\\W_]); only the others go to the pattern."""
    found: list[str] = []
    for token in text.split():
        if token.isalnum():
            found.append(token)
        else:
            found += WORDS.findall(token)
    return found


def word_count(text: str) -> int:
    return len(text.split())
