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
from collections.abc import Iterable
from functools import lru_cache

import numba
import numpy as np

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
    if (len(text) > 64 and not needs_cleaning(text)) or not _needs_work(text):
        return text  # nothing to rewrite (a long text is looked at in one compiled walk)
    decomposed = unicodedata.normalize("NFD", text)
    fixed = _QU_TONE.sub(r"\1\3\2", _NEW_STYLE.sub(lambda m: m.group(1)[0] + m.group(2) + m.group(1)[1], decomposed))
    return unicodedata.normalize("NFC", fixed)


def split_lines(text: str) -> list[str]:
    """Lines as an editor numbers them: CRLF, CR and LF all end a line; a final newline adds no line."""
    lines = text.split("\n") if "\r" not in text else _LINE_BREAK.split(text)  # most dumps: LF alone, split in C
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def clean_line(line: str) -> str:
    """NFC, zero-width characters removed, space runs collapsed, ends stripped, canonical tone placement."""
    line = nfc(line)
    if len(line) > 64 and not needs_cleaning(line):  # a long text (a body) is checked in one compiled walk
        return line.strip()
    if "  " in line or _ODD_SPACE.search(line):  # most lines hold neither: scanned, not rebuilt
        line = _SPACE_RUN.sub(" ", _ZERO_WIDTH.sub("", line))
    return canonical_tones(line.strip())


def clean_lines(text: str) -> list[str]:
    """`clean_line` of every line of `text` (as split_lines cuts it), with the checks made once for the whole
    text: a text with no odd space, no zero-width character, no double space and no spelling to rewrite (most
    dumps) only has its lines stripped."""
    text = nfc(text)
    if needs_cleaning(text):
        return [clean_line(line) for line in split_lines(text)]
    return [line.strip() for line in split_lines(text)]


def needs_cleaning(text: str) -> bool:
    """Whether `text` holds a double space, an `_ODD_SPACE` character or a spelling `_needs_work` finds.

    The three searches are one compiled walk over the text's UTF-16 code units, each character's classes
    read from a table of the Basic Multilingual Plane that the patterns themselves made (`_classes`): the
    walk answers as they do (a test compares them). A text with a character beyond that plane is left to
    the patterns."""
    codes = bmp_codes(text)
    if codes is None:
        return "  " in text or _ODD_SPACE.search(text) is not None or _needs_work(text)
    return bool(_needs_cleaning(codes, _classes()))


def bmp_codes(text: str) -> np.ndarray | None:
    """A text's UTF-16 code units, for the compiled walks over a table of the Basic Multilingual Plane; None
    when a character lies beyond that plane (two code units: the walks leave such a text to the patterns)."""
    data = text.encode("utf-16-le", errors="surrogatepass")
    return np.frombuffer(data, dtype=np.uint16) if len(data) == 2 * len(text) else None


def plane_table(classes: Iterable[tuple[str, int]], dtype=np.uint16) -> np.ndarray:
    """A table of the Basic Multilingual Plane's characters: for each (character class as a pattern, bit),
    the bit set on every character the class matches (found as the runs the class makes over the plane,
    not one character at a time)."""
    table = np.zeros(0x10000, dtype=dtype)
    plane = "".join(map(chr, range(0x10000)))
    for pattern, bit in classes:
        for run in re.finditer(f"(?:{pattern})+", plane):
            table[run.start():run.end()] |= bit
    return table


_ODD, _WORDISH, _Q, _O, _U, _TONED_U_BIT, _TONED_AE_BIT, _TONED_Y_BIT, _WORD, _WHITE = (1 << k for k in range(10))


@lru_cache(maxsize=1)
def _classes() -> np.ndarray:
    """Each BMP character's classes as `needs_cleaning`'s patterns see it, and whether str.split() splits at it."""
    wordish = _WORD_END.replace("(?!", "(?:")  # what does not end a word: \w or a combining mark
    table = plane_table(((_ODD_SPACE.pattern, _ODD), (wordish, _WORDISH), (r"\s", _WHITE),
                         (WORDS.pattern.removesuffix("+"), _WORD)))
    for letters, bit in (("qQ", _Q), ("oO", _O), ("uU", _U), (_TONED_U, _TONED_U_BIT), (_TONED_AE, _TONED_AE_BIT),
                         (_TONED_Y, _TONED_Y_BIT)):
        for c in letters:
            table[ord(c)] |= bit
    return table


@numba.njit(cache=True, nogil=True)
def _needs_cleaning(codes, classes):  # pragma: no cover (compiled; a test compares with the patterns)
    n = codes.shape[0]
    for i in range(n):
        kind = classes[codes[i]]
        if kind & 1:  # an odd space or a zero-width character
            return True
        if i + 1 == n:
            break
        after = classes[codes[i + 1]]
        if codes[i] == 32 and codes[i + 1] == 32:
            return True
        if kind & 4 and after & 32:  # a toned u after q
            return True
        if (kind & 8 and after & 64) or (kind & 16 and after & 128):  # a toned a/e after o, a toned y after u
            if i > 0 and classes[codes[i - 1]] & 4:
                continue  # after q: the u of "qu" belongs to the consonant
            if i + 2 == n or not classes[codes[i + 2]] & 2:
                return True  # at a word's end
    return False


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
    return clean_key(clean_line(text))


def clean_key(text: str) -> str:
    """`key_text` of a text made of clean lines (each line as clean_line leaves it, such as a parsed
    article's body: its paragraphs are the dump's clean lines, redacted), without cleaning it again."""
    return joined_words(nfc(text.casefold()))


def joined_words(text: str) -> str:
    """`" ".join(words(text))`. A long text's words are found and joined in one compiled walk over the
    `_classes` table (whose word bit the pattern WORDS itself set: a test compares the two); a short text,
    or one with a character beyond the Basic Multilingual Plane, by `words`."""
    return _rewritten(text, _join_words, lambda t: " ".join(words(t)))


def _rewritten(text: str, kernel, plain) -> str:
    """`kernel(codes, classes, out)` (a compiled walk writing at most one code unit more than it reads, and
    returning how many) over a long BMP text's UTF-16 code units, as a string; `plain(text)` otherwise."""
    walked = _walked(text, kernel)
    return plain(text) if walked is None else walked[0]


def _walked(text: str, kernel) -> tuple[str, np.ndarray] | None:
    """What `_rewritten` does for a long BMP text: the new text and its code units; None for the others."""
    codes = bmp_codes(text) if len(text) > 64 else None
    if codes is None:
        return None
    out = np.empty(len(text) + 1, dtype=np.uint16)
    n = kernel(codes, _classes(), out)
    return out[:n].tobytes().decode("utf-16-le"), out[:n]


@numba.njit(cache=True, nogil=True)
def _join_words(codes, classes, out):  # pragma: no cover (compiled; a test compares with the pattern)
    n = 0
    inside = False
    for code in codes:
        if classes[code] & 256:  # a letter or a digit: in a word
            if not inside and n:
                out[n] = 32  # one space between two words
                n += 1
            out[n] = code
            n += 1
            inside = True
        else:
            inside = False
    return n


def collapse_whitespace(text: str) -> str:
    """Every run of whitespace (str.isspace, as str.split() sees it: line breaks and NBSP too) as one space,
    kept at the ends. A long text is rewritten in one compiled walk over the `_classes` table (a test
    compares it with the pattern `\\s+`); a short one, or one beyond the Basic Multilingual Plane, by
    str.split."""
    return _rewritten(text, _collapse, _collapse_by_split)


def collapse_canonical(text: str) -> str:
    """`canonical_tones(collapse_whitespace(text))` of an NFC text: a long text of the Basic Multilingual
    Plane is encoded once for both (collapsed in one compiled walk, then looked at for spellings to rewrite
    in another, over the same code units). Collapsing spaces keeps a text NFC (no space composes with a
    mark), so a collapsed text with nothing to rewrite is the answer as it stands."""
    walked = _walked(text, _collapse)
    if walked is None:
        return canonical_tones(collapse_whitespace(text))
    collapsed, codes = walked
    if len(codes) > 64 and not _needs_cleaning(codes, _classes()):
        return collapsed
    return canonical_tones(collapsed)


def _collapse_by_split(text: str) -> str:
    tokens = text.split()
    if not tokens:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + " ".join(tokens) + (" " if text[-1].isspace() else "")


@numba.njit(cache=True, nogil=True)
def _collapse(codes, classes, out):  # pragma: no cover (compiled; a test compares with the pattern)
    n = 0
    white = False
    for code in codes:
        if classes[code] & 512:  # whitespace: the run goes on
            white = True
        else:
            if white:
                out[n] = 32
                n += 1
                white = False
            out[n] = code
            n += 1
    if white:
        out[n] = 32
        n += 1
    return n


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
