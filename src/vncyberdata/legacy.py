"""Legacy Vietnamese encodings: decode, encode, detect and repair.

Four legacy encodings are known here (`LEGACY_ENCODINGS`), and three ways UTF-8 text gets mangled on its
way to us (`MISDECODINGS`): UTF-8, TCVN3 or VNI bytes that someone decoded as Windows-1252 and saved again
as UTF-8. `repair(data, name)` undoes any of the seven names (`REPAIRS`); `detect_bytes` and `detect_text`
say which one a file most likely needs, and where the first evidence is.

Only cp1258 has a Python codec. TCVN3, VNI and VIQR are implemented here from their tables (below), each
with the standard or document it follows. Every decoder returns NFC text.

Detection works on words. A word counts as evidence for a candidate when the candidate's repair turns it
into well-formed Vietnamese syllables (`_is_syllable`: initial consonant + rhyme from a fixed list, one tone
mark at most, a stop-final syllable only with the acute or dot-below tone, one consistent letter case) while
the word as it stands is not; a word that is well-formed Vietnamese as it stands but that the candidate
cannot improve counts against it. See `detect_text` and `detect_bytes` for the thresholds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

LEGACY_ENCODINGS = ("cp1258", "tcvn3", "vni", "viqr")
MISDECODINGS = ("utf8-as-cp1252", "tcvn3-as-cp1252", "vni-as-cp1252")
REPAIRS = LEGACY_ENCODINGS + MISDECODINGS

# Detection reads at most this much of a file: a news page is far smaller, and a huge file stays cheap.
_SCAN_LIMIT = 2_000_000


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# ---------------------------------------------------------------------------------------------------------
# The Vietnamese letters, as (base letter, vowel mark, tone). Computed from Unicode's own decompositions,
# so no table here can disagree with Unicode about which precomposed character is which.

_TONE_MARKS = {"grave": "\u0300", "acute": "\u0301", "hook": "\u0309", "tilde": "\u0303", "dot": "\u0323"}
_VOWEL_MARKS = {"breve": "\u0306", "circumflex": "\u0302", "horn": "\u031b"}
_TAKES_MARK = {"breve": "aA", "circumflex": "aeoAEO", "horn": "ouOU"}
_VOWELS = "aeiouyAEIOUY"

_COMPOSE: dict[tuple[str, str, str], str] = {}
for _base in _VOWELS:
    for _mark in ("", *_VOWEL_MARKS):
        if _mark and _base not in _TAKES_MARK[_mark]:
            continue
        for _tone in ("", *_TONE_MARKS):
            _COMPOSE[(_base, _mark, _tone)] = _nfc(_base + _VOWEL_MARKS.get(_mark, "") + _TONE_MARKS.get(_tone, ""))
_COMPOSE[("d", "stroke", "")] = "\u0111"  # đ
_COMPOSE[("D", "stroke", "")] = "\u0110"  # Đ
del _base, _mark, _tone
_LETTERS = {ch: key for key, ch in _COMPOSE.items()}  # letter -> (base, mark, tone); includes plain aeiouy
# The 134 letters Vietnamese adds to ASCII (67 lowercase, 67 uppercase).
_VIETNAMESE_LETTERS = frozenset(ch for ch in _LETTERS if ord(ch) > 0x7F)
assert len(_VIETNAMESE_LETTERS) == 134 and all(len(ch) == 1 for ch in _COMPOSE.values())


def _combine(state: tuple[str, str, str] | None, mark: str, tone: str) -> tuple[str, str, str] | None:
    """A vowel in state (base, mark, tone) with one more mark and/or tone, or None when that is no letter."""
    if state is None or state[1] == "stroke":
        return None
    base, mark0, tone0 = state
    if (mark and mark0) or (tone and tone0):
        return None
    new = (base, mark or mark0, tone or tone0)
    return new if new in _COMPOSE else None


# ---------------------------------------------------------------------------------------------------------
# Windows-1252, as the mis-decoding tools apply it. Python's cp1252 leaves 0x81 0x8D 0x8F 0x90 0x9D
# undefined; tools that fall back to ISO-8859-1 turn them (and any 0x80-0x9F byte) into the C1 control
# with the same number, so both spellings map back to the byte.

_CP1252 = {}
for _b in range(0x80, 0x100):
    try:
        _CP1252[_b] = bytes([_b]).decode("cp1252")
    except UnicodeDecodeError:
        pass
_CP1252_BYTE = {ch: b for b, ch in _CP1252.items()}
for _b in range(0x80, 0xA0):
    _CP1252_BYTE.setdefault(chr(_b), _b)
del _b
# The Windows punctuation row 0x80-0x9F (quotes, dashes, ellipsis, bullet, ...). The Windows fonts for
# TCVN3 (.VnTime and the other ABC fonts) and VNI (VNI-Times, ...) are "ANSI" fonts that keep these glyphs,
# so text typed in them contains these bytes; both encodings here read and write them as Windows-1252.
_CP1252_PUNCT = {b: ch for b, ch in _CP1252.items() if b < 0xA0}


def _cp1252_view(data: bytes) -> str:
    """Bytes as a Windows editor shows a file it takes for ANSI: Windows-1252, U+FFFD where undefined."""
    return "".join(chr(b) if b < 0x80 else _CP1252.get(b, "\ufffd") for b in data)


# ---------------------------------------------------------------------------------------------------------
# cp1258 (Windows-1258): Python's codec. It stores tones as combining marks after the letter; decoding then
# NFC composes them. Encoding writes a precomposed letter when cp1258 has one, else the letter without its
# tone followed by the combining tone mark.

_CP1258_TONE_BYTE = {tone: mark.encode("cp1258") for tone, mark in _TONE_MARKS.items()}  # CC EC D2 DE F2


def _encode_cp1258_char(ch: str) -> bytes | None:
    try:
        return ch.encode("cp1258")
    except UnicodeEncodeError:
        pass
    key = _LETTERS.get(ch)
    if key is None or not key[2]:
        return None
    base, mark, tone = key
    try:
        return _COMPOSE[(base, mark, "")].encode("cp1258") + _CP1258_TONE_BYTE[tone]
    except UnicodeEncodeError:
        return None


# ---------------------------------------------------------------------------------------------------------
# TCVN3 = TCVN 5712:1993 "VN3" (VSCII-3, the ".VnTime"/ABC fonts): ASCII, plus in the upper half the 67
# lowercase letters, the 7 uppercase letters without tone (Ă Â Ê Ô Ơ Ư Đ) and NBSP. Uppercase letters with a
# tone have no code: TCVN3 users switch to an all-capitals font (".VnTimeH") and type the lowercase codes.
# Checked against Wikipedia's "VSCII" article and the position table of glibc's TCVN5712-1 converter
# (`iconv -f TCVN5712-1`), whose VN1 set agrees with VN3 on every position below.
_TCVN3 = {
    0xA0: "\u00a0",
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}  # fmt: skip
# Read, never written: the 16 uppercase letters with a tone that TCVN 5712:1993 VN2 (VSCII-2) puts in the
# 21 positions VN3 leaves empty in 0xA0-0xFF (the other 5 are the combining tone marks, below).
_TCVN3_VN2_UPPER = {
    0xAF: "Ằ", 0xBA: "Ẳ", 0xBF: "Ẵ", 0xC0: "Ắ", 0xC1: "Ầ", 0xC2: "Ẩ", 0xC3: "Ẫ", 0xC4: "Ấ",
    0xC5: "Ề", 0xCD: "Ể", 0xD9: "Ễ", 0xDA: "Ế", 0xDB: "Ồ", 0xE0: "Ổ", 0xF0: "Ỗ", 0xFF: "Ố",
}  # fmt: skip
# VN2's combining tone marks 0xB0-0xB4. Read as a tone only right after a vowel it can go on; elsewhere the
# byte is the Windows-1252 sign a VN3 font shows there (° ± ² ³ ´, as in "30°C").
_TCVN3_VN2_TONES = {0xB0: "grave", 0xB1: "hook", 0xB2: "tilde", 0xB3: "acute", 0xB4: "dot"}

_TCVN3_DECODE = {**_CP1252_PUNCT, **_TCVN3, **_TCVN3_VN2_UPPER}
_TCVN3_ENCODE = {ch: b for b, ch in {**_CP1252_PUNCT, **_TCVN3}.items()}


# ---------------------------------------------------------------------------------------------------------
# VNI = VNI-Windows (VNI Software Co., the "VNI-Times" fonts): a letter is its ASCII base letter followed by
# one byte carrying its diacritics; đ, ơ, ư, the i's with a tone and ỵ have a byte of their own. Bytes are
# given with the Windows-1252 character they show as ("aø" = à). Checked against the VNI column of the
# Vietnamese charset comparison tables (e.g. "Bảng đối chiếu encoding các bộ chữ hiện hành với Unicode",
# and the legacy-encodings table on dothanhlong.org) and the uppercase/lowercase VNI lists of xvnkb.
_VNI_LETTERS = {
    0xF1: "đ", 0xD1: "Đ",  # ñ Ñ
    0xF4: "ơ", 0xD4: "Ơ",  # ô Ô
    0xF6: "ư", 0xD6: "Ư",  # ö Ö
    0xED: "í", 0xCD: "Í",  # í Í
    0xEC: "ì", 0xCC: "Ì",  # ì Ì
    0xE6: "ỉ", 0xC6: "Ỉ",  # æ Æ
    0xF3: "ĩ", 0xD3: "Ĩ",  # ó Ó
    0xF2: "ị", 0xD2: "Ị",  # ò Ò
    0xEE: "ỵ", 0xCE: "Ỵ",  # î Î
}
# Diacritic bytes for lowercase letters: (vowel mark, tone).
_VNI_MARKS_LOWER = {
    0xF9: ("", "acute"), 0xF8: ("", "grave"), 0xFB: ("", "hook"), 0xF5: ("", "tilde"), 0xEF: ("", "dot"),  # ù ø û õ ï
    0xE2: ("circumflex", ""), 0xE1: ("circumflex", "acute"), 0xE0: ("circumflex", "grave"),  # â á à
    0xE5: ("circumflex", "hook"), 0xE3: ("circumflex", "tilde"), 0xE4: ("circumflex", "dot"),  # å ã ä
    0xEA: ("breve", ""), 0xE9: ("breve", "acute"), 0xE8: ("breve", "grave"),  # ê é è
    0xFA: ("breve", "hook"), 0xFC: ("breve", "tilde"), 0xEB: ("breve", "dot"),  # ú ü ë
}  # fmt: skip
# The same diacritics for uppercase letters sit 0x20 lower, as Windows-1252's capitals do (Ù Ø Û Õ Ï ...).
_VNI_MARKS_UPPER = {b - 0x20: v for b, v in _VNI_MARKS_LOWER.items()}
_VNI_MARKS = {**_VNI_MARKS_LOWER, **_VNI_MARKS_UPPER}
# Everything else VNI reads as Windows-1252: the punctuation row, the signs 0xA0-0xBF, × and ÷. The letters
# left over (Ç Ð Ý Þ ß ç ð ý þ ÿ) have no VNI meaning and no mapping.
_VNI_OTHER = {b: ch for b, ch in _CP1252.items() if b < 0xC0 or b in (0xD7, 0xF7)}
_VNI_ENCODE_OTHER = {ch: b for b, ch in _VNI_OTHER.items()}
_VNI_MARK_BYTE = {(v, False): b for b, v in _VNI_MARKS_LOWER.items()} | {(v, True): b for b, v in _VNI_MARKS_UPPER.items()}
_VNI_LETTER_BYTE = {ch: b for b, ch in _VNI_LETTERS.items()}
assert not set(_VNI_LETTERS) & set(_VNI_MARKS) and not set(_VNI_OTHER) & (set(_VNI_LETTERS) | set(_VNI_MARKS))


# ---------------------------------------------------------------------------------------------------------
# VIQR = RFC 1456 (Viet-Std, 1993), "VIetnamese Quoted-Readable": ASCII, a vowel followed by its marks:
# ( breve, ^ circumflex, + horn, then ' acute, ` grave, ? hook, ~ tilde, . dot below; DD or Dd for Đ and dd
# for đ. A mark character is a mark if and only if it combines with the letter before it into a Vietnamese
# letter; a backslash before it keeps it literal ("gi`\?"). Read here also: "d-"/"D-" for đ/Đ at the start
# of a word (the form some converters write, e.g. "d-a?o"), marks in either order, and a backslash before
# d, D, - or a backslash. Written: the RFC order (vowel mark, then tone), "dd"/"DD" for đ/Đ.
_VIQR_VOWEL_MARK = {"(": "breve", "^": "circumflex", "+": "horn"}
_VIQR_TONE = {"'": "acute", "`": "grave", "?": "hook", "~": "tilde", ".": "dot"}
_VIQR_MARK_CHAR = {v: k for k, v in {**_VIQR_VOWEL_MARK, **_VIQR_TONE}.items()}
_VIQR_ESCAPABLE = frozenset("(^+'`?~.-\\dD")


def _viqr_step(state: tuple[str, str, str] | None, ch: str) -> tuple[str, str, str] | None:
    """The letter the decoder makes of `state` and the mark character ch, or None when ch is literal."""
    if ch in _VIQR_VOWEL_MARK:
        return _combine(state, _VIQR_VOWEL_MARK[ch], "")
    if ch in _VIQR_TONE:
        return _combine(state, "", _VIQR_TONE[ch])
    return None


def _viqr_decode(text: str) -> str:
    out: list[str] = []
    state = None  # (base, mark, tone) of out[-1] while it is a vowel marks may still go on
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in _VIQR_ESCAPABLE:
            out.append(text[i + 1])
            state = None
            i += 2
            continue
        new = _viqr_step(state, ch)
        if new is not None:
            out[-1] = _COMPOSE[new]
            state = new
            i += 1
            continue
        if ch in "dD" and i + 1 < n:
            nxt = text[i + 1]
            if (ch == "d" and nxt == "d") or (ch == "D" and nxt in "dD"):
                out.append(_COMPOSE[(ch, "stroke", "")])
                state = None
                i += 2
                continue
            word_start = i == 0 or not text[i - 1].isalnum()
            if nxt == "-" and word_start and i + 2 < n and text[i + 2].isascii() and text[i + 2].isalpha():
                out.append(_COMPOSE[(ch, "stroke", "")])
                state = None
                i += 2
                continue
        out.append(ch)
        state = (ch, "", "") if ch in _VOWELS else None
        i += 1
    return _nfc("".join(out))


def _viqr_encode(text: str) -> str:
    out: list[str] = []
    state = None  # what the decoder will hold after reading out so far
    for i, ch in enumerate(text):
        key = _LETTERS.get(ch) if ord(ch) > 0x7F else None
        if key is not None:
            base, mark, tone = key
            if mark == "stroke":
                out.append(base * 2)
                state = None
            else:
                out.append(base + _VIQR_MARK_CHAR.get(mark, "") + _VIQR_MARK_CHAR.get(tone, ""))
                state = key
            continue
        if ord(ch) > 0x7F:
            raise ValueError(f"viqr: character {ch!r} (U+{ord(ch):04X}) at index {i} cannot be written in VIQR")
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if ch == "\\" or (ch in "dD" and nxt in "dD-\u0111\u0110") or _viqr_step(state, ch) is not None:
            out.append("\\" + ch)
            state = None
        else:
            out.append(ch)
            state = (ch, "", "") if ch in _VOWELS else None
    return "".join(out)


# ---------------------------------------------------------------------------------------------------------
# Decoding and encoding.


def _offset_error(encoding: str, data: bytes, offset: int, why: str) -> ValueError:
    line = _line_of(data, offset)
    col = offset - _line_start(data, offset) + 1
    return ValueError(f"{encoding}: byte 0x{data[offset]:02X} at offset {offset} (line {line}, column {col}) {why}")


def _decode_tcvn3(data: bytes, errors: str) -> str:
    out: list[str] = []
    state = None
    for i, b in enumerate(data):
        if b < 0x80:
            ch = chr(b)
        elif b in _TCVN3_VN2_TONES:
            new = _combine(state, "", _TCVN3_VN2_TONES[b])
            if new is not None:
                out[-1] = _COMPOSE[new]
                state = None
                continue
            ch = _CP1252[b]
        elif b in _TCVN3_DECODE:
            ch = _TCVN3_DECODE[b]
        elif errors == "strict":
            raise _offset_error("tcvn3", data, i, "has no mapping in TCVN3")
        else:
            ch = _CP1252.get(b, chr(b)) if errors == "keep" else "\ufffd"
        out.append(ch)
        state = _LETTERS.get(ch)
    return _nfc("".join(out))


def _decode_vni(data: bytes, errors: str) -> str:
    out: list[str] = []
    state = None
    for i, b in enumerate(data):
        if b < 0x80:
            ch = chr(b)
        elif b in _VNI_LETTERS:
            ch = _VNI_LETTERS[b]
        elif b in _VNI_MARKS:
            mark, tone = _VNI_MARKS[b]
            new = _combine(state, mark, tone)
            if new is not None:
                out[-1] = _COMPOSE[new]
                state = new
                continue
            # A diacritic with no vowel to go on: the VNI font draws it over the previous character, which
            # is what the combining marks do ("keep" leaves the Windows-1252 character, for text repair).
            ch = _CP1252[b] if errors == "keep" else _VOWEL_MARKS.get(mark, "") + _TONE_MARKS.get(tone, "")
        elif b in _VNI_OTHER:
            ch = _VNI_OTHER[b]
        elif errors == "strict":
            raise _offset_error("vni", data, i, "has no mapping in VNI")
        else:
            ch = _CP1252.get(b, chr(b)) if errors == "keep" else "\ufffd"
        out.append(ch)
        state = _LETTERS.get(ch)
    return _nfc("".join(out))


def _decode_cp1258(data: bytes, errors: str) -> str:
    if errors == "strict":
        try:
            return _nfc(data.decode("cp1258"))
        except UnicodeDecodeError as err:
            raise _offset_error("cp1258", data, err.start, "has no mapping in cp1258") from None
    return _nfc(data.decode("cp1258", errors="replace"))


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _offset_error(what, data, err.start, "is not valid UTF-8") from None


def _decode(data: bytes, encoding: str, errors: str = "strict") -> str:
    if encoding == "cp1258":
        return _decode_cp1258(data, errors)
    if encoding == "tcvn3":
        return _decode_tcvn3(data, errors)
    if encoding == "vni":
        return _decode_vni(data, errors)
    if encoding == "viqr":
        return _viqr_decode(_utf8(data, "viqr"))
    raise ValueError(f"unknown legacy encoding {encoding!r}; known: {', '.join(LEGACY_ENCODINGS)}")


def decode_legacy(data: bytes, encoding: str) -> str:
    """Bytes in a legacy encoding -> NFC str. Raises ValueError naming the byte offset if a byte has no mapping.

    VIQR is ASCII; its reader also accepts UTF-8 and passes other characters through unchanged.
    """
    return _decode(data, encoding, "strict")


def encode_legacy(text: str, encoding: str) -> bytes:
    """NFC str -> bytes in the legacy encoding. ValueError on characters the encoding cannot write.

    TCVN3 writes no uppercase letter with a tone (see `_TCVN3`); VIQR writes ASCII only.
    """
    text = _nfc(text)
    if encoding == "viqr":
        return _viqr_encode(text).encode("ascii")
    out = bytearray()
    for i, ch in enumerate(text):
        if ord(ch) < 0x80:
            out.append(ord(ch))
            continue
        if encoding == "cp1258":
            got = _encode_cp1258_char(ch)
        elif encoding == "tcvn3":
            got = bytes([_TCVN3_ENCODE[ch]]) if ch in _TCVN3_ENCODE else None
        elif encoding == "vni":
            got = _encode_vni_char(ch)
        else:
            raise ValueError(f"unknown legacy encoding {encoding!r}; known: {', '.join(LEGACY_ENCODINGS)}")
        if got is None:
            raise ValueError(f"{encoding}: character {ch!r} (U+{ord(ch):04X}) at index {i} has no {encoding} code")
        out += got
    return bytes(out)


def _encode_vni_char(ch: str) -> bytes | None:
    if ch in _VNI_LETTER_BYTE:
        return bytes([_VNI_LETTER_BYTE[ch]])
    if ch in _VNI_ENCODE_OTHER:
        return bytes([_VNI_ENCODE_OTHER[ch]])
    key = _LETTERS.get(ch)
    if key is None:
        return None
    base, mark, tone = key
    if mark == "horn":  # ơ ư have a byte of their own, the tone follows
        head = bytes([_VNI_LETTER_BYTE[_COMPOSE[(base, mark, "")]]])
        return head + (bytes([_VNI_MARK_BYTE[(("", tone), base.isupper())]]) if tone else b"")
    return base.encode("ascii") + bytes([_VNI_MARK_BYTE[((mark, tone), base.isupper())]])


# ---------------------------------------------------------------------------------------------------------
# Undoing a Windows-1252 mis-decoding.

_CP1252_CLASS = "".join(re.escape(ch) for ch in sorted(_CP1252_BYTE))


def _byte_class(lo: int, hi: int) -> str:
    return "[" + "".join(re.escape(ch) for ch, b in sorted(_CP1252_BYTE.items()) if lo <= b <= hi) + "]"


_CONT = _byte_class(0x80, 0xBF)
_UTF8_MOJIBAKE = re.compile(
    f"{_byte_class(0xF0, 0xF4)}{_CONT}{{3}}|{_byte_class(0xE0, 0xEF)}{_CONT}{{2}}|{_byte_class(0xC2, 0xDF)}{_CONT}"
)
_CP1252_RUN = re.compile(f"[\\x00-\\x7f{_CP1252_CLASS}]+")


# What a mis-decoded sequence may stand for: Latin letters, combining marks, Vietnamese, punctuation,
# currency and letterlike signs. Anything else ("…”" after "thì" reads as a Hangul syllable) is left alone.
_PLAUSIBLE = re.compile("[\u0080-\u024f\u0300-\u036f\u1e00-\u1eff\u2000-\u206f\u20a0-\u20cf\u2100-\u214f]")


def _fix_utf8(text: str) -> tuple[str, int]:
    """UTF-8 that was read as Windows-1252, put right sequence by sequence; (text, sequences of 3+ chars)."""
    long_ones = 0

    def fix(m: re.Match) -> str:
        nonlocal long_ones
        try:
            ch = bytes(_CP1252_BYTE[c] for c in m.group()).decode("utf-8")
        except UnicodeDecodeError:
            return m.group()
        if not _PLAUSIBLE.match(ch):
            return m.group()
        long_ones += len(m.group()) >= 3
        return ch

    return _UTF8_MOJIBAKE.sub(fix, text), long_ones


def _via_cp1252(text: str, encoding: str) -> str:
    """Text whose `encoding` bytes were read as Windows-1252: each run of such characters re-read properly."""
    return _CP1252_RUN.sub(
        lambda m: _decode(bytes(ord(c) if ord(c) < 0x80 else _CP1252_BYTE[c] for c in m.group()), encoding, "keep"),
        text,
    )


_CAPS_WORD = re.compile(r"[^\W\d_]{2,}")


def _restore_caps(text: str) -> str:
    """TCVN3 has no capitals with a tone: a word with capitals, no ASCII lowercase letter and not in title
    case ("TRùC", "®¶O") was typed in capitals, so its lowercase letters become capitals too."""

    def fix(m: re.Match) -> str:
        w = m.group()
        if any(c.isupper() for c in w) and not any(c.isascii() and c.islower() for c in w) and not w.istitle():
            return w.upper()
        return w

    return _CAPS_WORD.sub(fix, text)


def repair(data: bytes, encoding: str) -> str:
    """Convert a whole file to NFC str.

    An encoding in LEGACY_ENCODINGS decodes the bytes; "utf8-as-cp1252", "tcvn3-as-cp1252" and
    "vni-as-cp1252" undo the mis-decoding of UTF-8 text (re-encode as cp1252, then decode properly).
    Raises ValueError naming the byte offset when the bytes do not fit.

    Beyond a plain decode: TCVN3 words otherwise in capitals get their toned letters in capitals too
    ("TRùC" -> "TRỰC"); "utf8-as-cp1252" rewrites only the mis-decoded sequences, so a file that is
    partly right stays right; VIQR leaves a word as it is when reading it as VIQR would not give
    Vietnamese syllables ("e.g.", "example.vn", an e-mail address).
    """
    if encoding in ("cp1258", "vni"):
        return decode_legacy(data, encoding)
    if encoding == "tcvn3":
        return _restore_caps(decode_legacy(data, encoding))
    if encoding not in REPAIRS:
        raise ValueError(f"unknown encoding {encoding!r}; known: {', '.join(REPAIRS)}")
    text = _utf8(data, encoding)
    if encoding == "viqr":
        return _nfc(_TOKEN.sub(lambda m: _viqr_word(m.group()), text))
    if encoding == "utf8-as-cp1252":
        return _nfc(_fix_utf8(text)[0])
    legacy = encoding.split("-")[0]
    fixed = _via_cp1252(text, legacy)
    return _nfc(_restore_caps(fixed) if legacy == "tcvn3" else fixed)


def _viqr_word(word: str) -> str:
    """A word read as VIQR; but when that gives a malformed Vietnamese word and the word has no vowel mark
    and no đ, its tone marks were punctuation ("e.g.", "example.vn", "a.m.") and it stays as it is."""
    if not word.isascii():
        return word
    decoded = _viqr_decode(word)
    if decoded == word or _quality(decoded)[1] == 0 or _VIQR_UNMISTAKABLE.search(word):
        return decoded
    return word


_VIQR_UNMISTAKABLE = re.compile(r"[aeoAEO]\^|[aA]\(|[ouOU]\+|(?:^|[^A-Za-z])(?:[dD][dD]|[dD]-[A-Za-z])")


# ---------------------------------------------------------------------------------------------------------
# Is this a Vietnamese syllable?

_INITIALS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx]"
# Every rhyme (vần) of standard Vietnamese, without its tone; and "ăk" of the Central Highlands names
# (Đắk Lắk, Đắk Nông).
_RHYMES = """
a ai ao au ay ac ach am an ang anh ap at    ăc ăm ăn ăng ăp ăt ăk    âc âm ân âng âp ât âu ây
e eo ec em en eng ep et    ê êu êch êm ên ênh êp êt
i ia iu ich im in inh ip it    iêc iêm iên iêng iêp iêt iêu
o oi oc om on ong op ot ooc oong    ô ôi ôc ôm ôn ông ôp ôt    ơ ơi ơm ơn ơp ơt
u ua ui uc um un ung up ut    uôi uôc uôm uôn uông uôt
ư ưa ưi ưu ưc ưm ưn ưng ưt    ươi ươu ươc ươm ươn ương ươp ươt
y ych ynh yt yêu yêm yên yêng yêt
oa oai oao oay oac oach oam oan oang oanh oap oat    oăc oăm oăn oăng oăt    oe oeo oem oen oet
uân uâng uât uây    uê uêch uênh    uơ    uy uya uyu uych uynh uyp uyt uyên uyêt
""".split()
_SYLLABLE = re.compile(f"(?:{_INITIALS})?(?P<rhyme>{'|'.join(sorted(_RHYMES, key=len, reverse=True))})")
_TONE_OF = {mark: tone for tone, mark in _TONE_MARKS.items()}
_syllable_cache: dict[str, bool] = {}


def _is_syllable(word: str) -> bool:
    """A well-formed Vietnamese syllable in one consistent case (either tone placement is accepted)."""
    hit = _syllable_cache.get(word)
    if hit is None:
        hit = _syllable_cache[word] = _check_syllable(word)
        if len(_syllable_cache) > 100_000:
            _syllable_cache.clear()
    return hit


def _check_syllable(word: str) -> bool:
    decomposed = unicodedata.normalize("NFD", word)
    tones = [_TONE_OF[c] for c in decomposed if c in _TONE_OF]
    if len(tones) > 1:
        return False
    base = _nfc("".join(c for c in decomposed if c not in _TONE_OF))
    if not base.isalpha():
        return False
    if not (base.islower() or base.isupper() or (base[0].isupper() and base[1:].islower())):
        return False
    m = _SYLLABLE.fullmatch(base.lower())
    if m is None:
        return False
    if tones and m.group("rhyme").endswith(("c", "ch", "p", "t", "k")):
        return tones[0] in ("acute", "dot")  # a stop-final syllable takes no other tone
    return True


_LETTER_RUN = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")
# Non-ASCII punctuation (and the invisible BOM and zero-width characters) that may touch a word without
# making it suspect.
_NEUTRAL = frozenset("\u00a0“”‘’‚„«»‹›–—…•·°′″¡¿€\ufeff\u200b\u200c\u200d\u2060")


def _has_vowel(word: str) -> bool:
    return any(unicodedata.normalize("NFD", c)[0] in _VOWELS for c in word)


def _quality(token: str) -> tuple[int, int, int]:
    """(well-formed Vietnamese words, malformed ones, length of the longest well-formed one) in a token.

    Only words with a non-ASCII letter and a vowel count (an acronym such as "HĐND" is neither); "đ" alone
    (the abbreviation of đồng) is well-formed; a non-ASCII sign stuck to a letter ("®¶o") is malformed.
    """
    good = bad = longest = 0
    for m in _LETTER_RUN.finditer(token):
        w = m.group()
        if w.isascii():
            continue
        if _is_syllable(w) or w in ("đ", "Đ"):
            good += 1
            longest = max(longest, len(w))
        elif _has_vowel(w):
            bad += 1
    if not token.isascii():
        n = len(token)
        for i, c in enumerate(token):
            if ord(c) > 0x7F and c not in _NEUTRAL and not (c.isalpha() or unicodedata.combining(c)):
                if (i > 0 and token[i - 1].isalpha()) or (i + 1 < n and token[i + 1].isalpha()):
                    bad += 1
    return good, bad, longest


# ---------------------------------------------------------------------------------------------------------
# Detection.


@dataclass(frozen=True)
class Detection:
    encoding: str  # a name from REPAIRS: pass it to repair()
    confidence: float  # 0..1
    line: int  # 1-based line of the first evidence
    column: int  # 1-based column (characters for text, bytes+1 for bytes) of the first evidence
    sample: str  # a short excerpt of the evidence as the user would see it in an editor


_TOKEN = re.compile(r"[^ \t\r\n\f\v]+")
_VIQR_HINT = re.compile(r"[(^+'`?~.\\-]|[dD][dD]")
# A VIQR word is evidence only when its marks cannot be English punctuation: a vowel mark, đ, or a tone
# mark followed by a letter ("tru+.c", "d-a?o", "la`m"); not "so?", "me.", "I'm", "a.m.", "e.g.".
_VIQR_STRONG = re.compile(_VIQR_UNMISTAKABLE.pattern + r"|[aeiouyAEIOUY]['`?~.][A-Za-z]")
_VIQR_NOT_EVIDENCE = re.compile(r"(?:[A-Za-z]\.){2,}|[Ii]'m")


def _transform(token: str, candidate: str) -> tuple[str | None, bool]:
    """The token as `candidate`'s repair would make it (None: the candidate cannot apply), and whether the
    change is one a genuine text cannot produce by accident."""
    if candidate == "utf8-as-cp1252":
        fixed, long_ones = _fix_utf8(token)
        return fixed, long_ones > 0
    if candidate == "viqr":
        if not token.isascii():
            return None, False
        decoded = _viqr_decode(token)
        ok = _VIQR_STRONG.search(token) is not None and _VIQR_NOT_EVIDENCE.fullmatch(token.strip(",;:!?()\"")) is None
        return decoded, ok
    m = _CP1252_RUN.fullmatch(token)
    if m is None:
        return None, False
    return _via_cp1252(token, candidate.split("-")[0]), True


def _judge(token: str, candidate: str) -> str:
    """What the token says about the candidate: 'for', 'sure' (for, and no accident of genuine text),
    'against', 'unexplained' or 'neutral'."""
    good, bad, _ = _quality(token)
    as_is = good > 0 and bad == 0
    new, strong = _transform(token, candidate)
    if new is None or new == token:
        return "against" if as_is else ("unexplained" if bad else "neutral")
    ngood, nbad, longest = _quality(new)
    if candidate == "utf8-as-cp1252" and strong and not nbad:
        return "sure"  # a 3-byte sequence put right: "á»«" is ừ, "â€œ" is “
    if nbad or not ngood:
        return "against" if as_is else "unexplained"
    if as_is or longest < 2 or (candidate == "viqr" and not strong):
        return "neutral"
    return "for"


_ORDER = ("utf8-as-cp1252", "tcvn3-as-cp1252", "vni-as-cp1252", "viqr")


@lru_cache(maxsize=262_144)
def _verdicts(token: str) -> tuple[str, ...]:
    """A word's verdict for each text candidate. Cached across texts: news vocabulary repeats a lot."""
    return tuple(_judge(token, name) for name in _ORDER)


def _relevant(token: str) -> bool:
    return not token.isascii() or _VIQR_HINT.search(token) is not None


def _line_of(data, offset: int) -> int:
    """1-based line of offset in str or bytes; CRLF, CR and LF each end a line."""
    nl = "\n" if isinstance(data, str) else b"\n"
    cr = "\r" if isinstance(data, str) else b"\r"
    return data.count(nl, 0, offset) + data.count(cr, 0, offset) - data.count(cr + nl, 0, offset) + 1


def _line_start(data, offset: int) -> int:
    nl = "\n" if isinstance(data, str) else b"\n"
    cr = "\r" if isinstance(data, str) else b"\r"
    return max(data.rfind(nl, 0, offset), data.rfind(cr, 0, offset)) + 1


def _excerpt(line: str, start: int, width: int = 40) -> str:
    """From `start` to about `width` characters on, ending at a word boundary."""
    piece = line[start : start + width]
    if start + width < len(line) and " " in piece.strip():
        piece = piece[: piece.rstrip().rfind(" ")]
    return piece.strip()


def _decide(counts: dict[str, dict[str, int]], order: tuple[str, ...]) -> tuple[str, float] | None:
    best = None
    for name in order:
        c = counts[name]
        s, against, unexplained = c["for"] + c["sure"], c["against"], c["unexplained"]
        if not ((s >= 2 and s >= against and s >= unexplained) or c["sure"] >= 2):
            continue
        confidence = s / (s + against + unexplained) * (1 - 0.5**s)
        confidence = round(max(confidence, 1 - 0.5 ** c["sure"]), 3)  # a 3-byte mis-decoding is no accident
        if best is None or (s, confidence) > best[2]:
            best = (name, confidence, (s, confidence))
    return None if best is None else best[:2]


def detect_text(text: str) -> Detection | None:
    """For valid UTF-8 text: mojibake or legacy text that survived as Unicode, or None.

    Candidates: UTF-8 read as cp1252 ("Lá»«a Ä‘áº£o"), TCVN3 bytes read as cp1252 ("Lõa ®¶o trùc tuyÕn"),
    VNI read as cp1252 ("Löøa ñaûo tröïc tuyeán"), VIQR ("Lu+`a d-a?o tru+.c tuye^'n"). The encoding
    returned is the name `repair` takes: "utf8-as-cp1252", "tcvn3-as-cp1252", "vni-as-cp1252" or "viqr".

    Each word (a run between spaces) is judged for each candidate: *for* when the candidate's repair turns it
    into well-formed Vietnamese (one word of two letters or more) and it is not well-formed as it stands;
    *against* when it is well-formed Vietnamese as it stands and the repair cannot keep it so; *unexplained*
    when it has non-ASCII characters and is well-formed neither way. Words that are well-formed both ways
    ("có", "hòa") and single letters are neutral. A VIQR word counts only with a mark no English
    punctuation makes (see `_VIQR_STRONG`). A candidate is detected with at least 2 words for it and no
    fewer than against it, and no fewer than unexplained; UTF-8 read as cp1252 is also detected on 2
    mis-decoded 3-byte sequences ("á»«", "â€œ") alone, as genuine text has none. The candidate with most
    words for it wins; confidence = for / (for + against + unexplained) x (1 - 0.5^for), for UTF-8 read as
    cp1252 at least 1 - 0.5^(3-byte sequences). Line and column are those of the first changed character of
    the first word for it (the first non-ASCII one for mojibake); the sample starts at that word.
    """
    scan = text[:_SCAN_LIMIT]
    order = _ORDER
    counts = {name: dict.fromkeys(("for", "sure", "against", "unexplained", "neutral"), 0) for name in order}
    first: dict[str, tuple[int, str]] = {}
    for m in _TOKEN.finditer(scan):
        token = m.group()
        if not _relevant(token):
            continue
        for name, verdict in zip(order, _verdicts(token)):
            counts[name][verdict] += 1
            if verdict in ("for", "sure") and name not in first:
                first[name] = (m.start(), token)
    best = _decide(counts, order)
    if best is None:
        return None
    name, confidence = best
    start, token = first[name]
    if name == "viqr":
        new = _viqr_decode(token)
        k = next((i for i, (a, b) in enumerate(zip(token, new)) if a != b), 0)
    else:
        k = next(i for i, c in enumerate(token) if ord(c) > 0x7F)
    pos = start + k
    line_start = _line_start(text, pos)
    column = pos - line_start + 1 - (1 if line_start == 0 and text.startswith("\ufeff") else 0)
    line_end = min((i for i in (text.find("\n", pos), text.find("\r", pos)) if i >= 0), default=len(text))
    sample = _excerpt(text[line_start:line_end], start - line_start)
    return Detection(name, confidence, _line_of(text, pos), column, sample)


def detect_bytes(data: bytes) -> Detection | None:
    """For bytes that are NOT valid UTF-8: the legacy encoding they most likely are (cp1258, tcvn3, vni),
    or None when nothing fits.

    Each word with a byte >= 0x80 is decoded with each candidate: *for* when that gives well-formed
    Vietnamese (one word of two letters or more, see `_is_syllable`), *against* when it gives a malformed
    word or a byte has no mapping; words of one letter or with no letter beyond ASCII are neutral. A
    candidate fits with a share for/(for + against) of at least 0.6 and at least 2 words for it (1 when
    nothing is against it); the best share wins (then the most words). confidence = share x (1 - 0.5^for).
    Line and column (bytes, 1-based) are those of the first byte >= 0x80 of the first word for it; the
    sample, from that word on, is the line as an editor that reads the file as Windows-1252 shows it.
    """
    scan = data[:_SCAN_LIMIT]
    order = ("cp1258", "tcvn3", "vni")
    counts = {name: [0, 0] for name in order}
    first: dict[str, int] = {}
    seen: dict[bytes, tuple[str, ...]] = {}
    for m in re.finditer(rb"[^ \t\r\n\f\v]+", scan):
        token = m.group()
        if token.isascii():
            continue
        verdicts = seen.get(token)
        if verdicts is None:
            verdicts = tuple(_judge_bytes(token, name) for name in order)
            if len(seen) < 200_000:
                seen[token] = verdicts
        for name, verdict in zip(order, verdicts):
            if verdict == "for":
                counts[name][0] += 1
                first.setdefault(name, m.start() + next(i for i, b in enumerate(token) if b > 0x7F))
            elif verdict == "against":
                counts[name][1] += 1
    best = None
    for name in order:
        s, a = counts[name]
        share = s / (s + a) if s + a else 0.0
        if share < 0.6 or not (s >= 2 or (s >= 1 and a == 0)):
            continue
        if best is None or (share, s) > best[1]:
            best = (name, (share, s))
    if best is None:
        return None
    name, (share, s) = best
    pos = first[name]
    line_start = _line_start(data, pos)
    line_end = min((i for i in (data.find(b"\n", pos), data.find(b"\r", pos)) if i >= 0), default=len(data))
    word_start = max(data.rfind(sep, line_start, pos) for sep in (b" ", b"\t")) + 1
    word_start = max(word_start, line_start)
    sample = _excerpt(_cp1252_view(data[line_start:line_end]), word_start - line_start)
    return Detection(name, round(share * (1 - 0.5**s), 3), _line_of(data, pos), pos - line_start + 1, sample)


def _judge_bytes(token: bytes, encoding: str) -> str:
    text = _decode(token, encoding, "replace")
    good, bad, longest = _quality(text)
    if "\ufffd" in text or bad:
        return "against"
    return "for" if longest >= 2 else "neutral"  # no Vietnamese word ("“OTP”"), or one letter: neutral
