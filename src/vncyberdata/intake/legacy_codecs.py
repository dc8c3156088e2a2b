"""Legacy Vietnamese encodings as codecs: decode and encode cp1258, TCVN3, VNI and VIQR, and re-read text
whose UTF-8, TCVN3 or VNI bytes were decoded as Windows-1252.

Only cp1258 has a Python codec. TCVN3, VNI and VIQR are implemented here from their tables, which live in
data/legacy/ (tcvn3.tsv, vni.tsv, viqr.tsv: byte or character -> what it reads as, each with the standard or
document it follows). Every decoder returns NFC text. `legacy` repairs and detects with these, and is where
the public names are imported from.
"""

from __future__ import annotations

import re
import unicodedata
from importlib import resources

LEGACY_ENCODINGS = ("cp1258", "tcvn3", "vni", "viqr")
# text whose bytes in one of these were read as Windows-1252 (`legacy.repair` undoes it)
MISDECODINGS = ("utf8-as-cp1252", "tcvn3-as-cp1252", "vni-as-cp1252")
# every name `legacy.repair` takes (and `vncyberdata fix-encoding --from`: here, so the CLI names them
# without loading the detector)
REPAIRS = LEGACY_ENCODINGS + MISDECODINGS


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def data_lines(name: str) -> list[str]:
    """The lines of data/legacy/<name> that are neither blank nor comments."""
    text = resources.files("vncyberdata").joinpath(f"data/legacy/{name}").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _data_rows(name: str) -> list[list[str]]:
    """The rows of a tab-separated table in data/legacy/, header left out; a field "U+XXXX" is that character."""
    rows = [line.split("\t") for line in data_lines(name)[1:]]
    return [[chr(int(f[2:], 16)) if f.startswith("U+") else f for f in row] for row in rows]


# ---------------------------------------------------------------------------------------------------------
# The Vietnamese letters, as (base letter, vowel mark, tone). Computed from Unicode's own decompositions,
# so no table here can disagree with Unicode about which precomposed character is which.

TONE_MARKS = {"grave": "\u0300", "acute": "\u0301", "hook": "\u0309", "tilde": "\u0303", "dot": "\u0323"}
_VOWEL_MARKS = {"breve": "\u0306", "circumflex": "\u0302", "horn": "\u031b"}
_TAKES_MARK = {"breve": "aA", "circumflex": "aeoAEO", "horn": "ouOU"}
VOWELS = "aeiouyAEIOUY"

_COMPOSE: dict[tuple[str, str, str], str] = {}
for _base in VOWELS:
    for _mark in ("", *_VOWEL_MARKS):
        if _mark and _base not in _TAKES_MARK[_mark]:
            continue
        for _tone in ("", *TONE_MARKS):
            _COMPOSE[(_base, _mark, _tone)] = nfc(_base + _VOWEL_MARKS.get(_mark, "") + TONE_MARKS.get(_tone, ""))
_COMPOSE[("d", "stroke", "")] = "\u0111"  # đ
_COMPOSE[("D", "stroke", "")] = "\u0110"  # Đ
del _base, _mark, _tone
_LETTERS = {ch: key for key, ch in _COMPOSE.items()}  # letter -> (base, mark, tone); includes plain aeiouy
# The 134 letters Vietnamese adds to ASCII (67 lowercase, 67 uppercase).
VIETNAMESE_LETTERS = frozenset(ch for ch in _LETTERS if ord(ch) > 0x7F)
assert len(VIETNAMESE_LETTERS) == 134 and all(len(ch) == 1 for ch in _COMPOSE.values())


def _combine(state: tuple[str, str, str] | None, mark: str, tone: str) -> tuple[str, str, str] | None:
    """A vowel in state (base, mark, tone) with one more mark and/or tone, or None when that is no letter."""
    if state is None or state[1] == "stroke":
        return None
    base, mark0, tone0 = state
    if (mark and mark0) or (tone and tone0):
        return None
    new = (base, mark or mark0, tone or tone0)
    return new if new in _COMPOSE else None


def _diacritics(field: str) -> tuple[str, str]:
    """A table's "+circumflex+acute" -> ("circumflex", "acute"): the vowel mark and the tone it adds."""
    names = field.split("+")[1:]
    assert names and set(names) <= _VOWEL_MARKS.keys() | TONE_MARKS.keys(), field
    return next((n for n in names if n in _VOWEL_MARKS), ""), next((n for n in names if n in TONE_MARKS), "")


# ---------------------------------------------------------------------------------------------------------
# Windows-1252, as the mis-decoding tools apply it. Python's cp1252 leaves 0x81 0x8D 0x8F 0x90 0x9D
# undefined; tools that fall back to ISO-8859-1 turn them (and any 0x80-0x9F byte) into the C1 control
# with the same number, so both spellings map back to the byte.


def _codec_table(codec: str) -> dict[int, str]:
    """Byte -> character, for the bytes 0x80-0xFF that a Python codec defines."""
    table = {}
    for b in range(0x80, 0x100):
        try:
            table[b] = bytes([b]).decode(codec)
        except UnicodeDecodeError:
            pass
    return table


_CP1252 = _codec_table("cp1252")
CP1252_BYTE = {ch: b for b, ch in _CP1252.items()} | {chr(b): b for b in range(0x80, 0xA0)}


def cp1252_view(data: bytes) -> str:
    """Bytes as a Windows editor shows a file it takes for ANSI: Windows-1252, U+FFFD where undefined."""
    return "".join(chr(b) if b < 0x80 else _CP1252.get(b, "\ufffd") for b in data)


# ---------------------------------------------------------------------------------------------------------
# The byte encodings. TCVN3 and VNI come from data/legacy/tcvn3.tsv and vni.tsv: byte -> a character, or the
# (vowel mark, tone) the byte adds to the vowel before it. cp1258 (Windows-1258) is Python's codec: it stores
# tones as combining marks after the letter, which decoding NFC composes.


def _load_table(name: str) -> tuple[dict[int, str | tuple[str, str]], dict[str, bytes], dict]:
    """(byte -> what it reads as, character -> its byte, ((mark, tone), after uppercase) -> its byte)."""
    decode, chars, marks = {}, {}, {}
    for byte, reads, _shown, note in _data_rows(name):
        b = int(byte, 16)
        decode[b] = got = _diacritics(reads) if len(reads) > 1 else reads
        if note == "VN2":  # TCVN3: read, never written
            continue
        if isinstance(got, tuple):
            marks[(got, note == "uppercase")] = bytes([b])
        else:
            chars[got] = bytes([b])
    return decode, chars, marks


def _encoder(chars: dict[str, bytes], marks: dict) -> dict[str, bytes]:
    """Character -> bytes, for every non-ASCII character an encoding writes: its own byte when it has one;
    else the base letter followed by the byte of its diacritics; else (VNI's ơ ư with a tone, cp1258's
    letters with a vowel mark and a tone) the letter without its tone followed by the tone's byte."""
    table = {ch: b for ch, b in chars.items() if ord(ch) > 0x7F}
    for ch, (base, mark, tone) in _LETTERS.items():  # a letter without tone comes before the same with tone
        up, toneless = base.isupper(), _COMPOSE.get((base, mark, ""))
        if ch in table or not (mark or tone) or mark == "stroke":
            continue
        if ((mark, tone), up) in marks:
            table[ch] = base.encode("ascii") + marks[((mark, tone), up)]
        elif tone and toneless in table and (("", tone), up) in marks:
            table[ch] = table[toneless] + marks[(("", tone), up)]
    return table


DECODE: dict[str, dict[int, str | tuple[str, str]]] = {}
_ENCODE: dict[str, dict[str, bytes]] = {}
for _name in ("tcvn3", "vni"):
    DECODE[_name], _chars, _marks = _load_table(f"{_name}.tsv")
    _ENCODE[_name] = _encoder(_chars, _marks)
_chars = {ch: bytes([b]) for b, ch in _codec_table("cp1258").items()}
_marks = {(("", tone), up): mark.encode("cp1258") for tone, mark in TONE_MARKS.items() for up in (False, True)}
_ENCODE["cp1258"] = _encoder(_chars, _marks)  # a precomposed letter when cp1258 has one, else + tone mark
del _name, _chars, _marks


# ---------------------------------------------------------------------------------------------------------
# VIQR = RFC 1456 (data/legacy/viqr.tsv: its mark characters). Read here also: "d-"/"D-" for đ/Đ at the
# start of a word (the form some converters write, e.g. "d-a?o"), marks in either order, and a backslash
# before d, D, - or a backslash. Written: the RFC order (vowel mark, then tone), "dd"/"DD" for đ/Đ.
_VIQR_MARKS = {char: _diacritics("+" + mark) for char, mark in _data_rows("viqr.tsv")}  # char -> (mark, tone)
_VIQR_MARK_CHAR = {mark: char for char, mark in _data_rows("viqr.tsv")}
_VIQR_ESCAPABLE = frozenset(_VIQR_MARKS) | frozenset("-\\dD")


def _viqr_step(state: tuple[str, str, str] | None, ch: str) -> tuple[str, str, str] | None:
    """The letter the decoder makes of `state` and the mark character ch, or None when ch is literal."""
    return _combine(state, *_VIQR_MARKS[ch]) if ch in _VIQR_MARKS else None


def viqr_decode(text: str) -> str:
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
            word_start = i == 0 or not text[i - 1].isalnum()
            if (ch == "d" and nxt == "d") or (ch == "D" and nxt in "dD") or (
                nxt == "-" and word_start and i + 2 < n and text[i + 2].isascii() and text[i + 2].isalpha()
            ):
                out.append(_COMPOSE[(ch, "stroke", "")])
                state = None
                i += 2
                continue
        out.append(ch)
        state = (ch, "", "") if ch in VOWELS else None
        i += 1
    return nfc("".join(out))


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
            state = (ch, "", "") if ch in VOWELS else None
    return "".join(out)


# ---------------------------------------------------------------------------------------------------------
# Decoding and encoding.


def line_of(data, offset: int) -> int:
    """1-based line of offset in str or bytes; CRLF, CR and LF each end a line."""
    nl = "\n" if isinstance(data, str) else b"\n"
    cr = "\r" if isinstance(data, str) else b"\r"
    return data.count(nl, 0, offset) + data.count(cr, 0, offset) - data.count(cr + nl, 0, offset) + 1


def start_of_line(data, offset: int) -> int:
    nl = "\n" if isinstance(data, str) else b"\n"
    cr = "\r" if isinstance(data, str) else b"\r"
    return max(data.rfind(nl, 0, offset), data.rfind(cr, 0, offset)) + 1


def _offset_error(encoding: str, data: bytes, offset: int, why: str) -> ValueError:
    line = line_of(data, offset)
    col = offset - start_of_line(data, offset) + 1
    return ValueError(f"{encoding}: byte 0x{data[offset]:02X} at offset {offset} (line {line}, column {col}) {why}")


def _decode_table(data: bytes, encoding: str, errors: str) -> str:
    """TCVN3 or VNI; errors "strict" (raise), "replace" (U+FFFD) or "keep" (the Windows-1252 character)."""
    table = DECODE[encoding]
    out: list[str] = []
    state = None
    for i, b in enumerate(data):
        ch = chr(b) if b < 0x80 else table.get(b)
        if isinstance(ch, tuple):
            new = _combine(state, *ch)
            if new is not None:
                out[-1] = _COMPOSE[new]
                state = new
                continue
            # A diacritic with no vowel to go on: a TCVN3 font shows the Windows-1252 sign ("30°C"); a VNI
            # font draws it over the previous character, as the combining marks do ("keep" leaves the sign).
            mark, tone = ch
            keep = encoding == "tcvn3" or errors == "keep"
            ch = _CP1252[b] if keep else _VOWEL_MARKS.get(mark, "") + TONE_MARKS.get(tone, "")
        elif ch is None:
            if errors == "strict":
                raise _offset_error(encoding, data, i, f"has no mapping in {encoding.upper()}")
            ch = _CP1252.get(b, chr(b)) if errors == "keep" else "\ufffd"
        out.append(ch)
        state = _LETTERS.get(ch)
    return nfc("".join(out))


def utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _offset_error(what, data, err.start, "is not valid UTF-8") from None


def decode_bytes(data: bytes, encoding: str, errors: str = "strict") -> str:
    if encoding == "cp1258":
        try:
            return nfc(data.decode("cp1258", errors="strict" if errors == "strict" else "replace"))
        except UnicodeDecodeError as err:
            raise _offset_error("cp1258", data, err.start, "has no mapping in cp1258") from None
    if encoding in DECODE:
        return _decode_table(data, encoding, errors)
    if encoding == "viqr":
        return viqr_decode(utf8(data, "viqr"))
    raise ValueError(f"unknown legacy encoding {encoding!r}; known: {', '.join(LEGACY_ENCODINGS)}")


def decode_legacy(data: bytes, encoding: str) -> str:
    """Bytes in a legacy encoding -> NFC str. Raises ValueError naming the byte offset if a byte has no mapping.

    VIQR is ASCII; its reader also accepts UTF-8 and passes other characters through unchanged.
    """
    return decode_bytes(data, encoding, "strict")


def encode_legacy(text: str, encoding: str) -> bytes:
    """NFC str -> bytes in the legacy encoding. ValueError on characters the encoding cannot write.

    TCVN3 writes no uppercase letter with a tone (see data/legacy/tcvn3.tsv); VIQR writes ASCII only.
    """
    text = nfc(text)
    if encoding == "viqr":
        return _viqr_encode(text).encode("ascii")
    table = _ENCODE.get(encoding)
    out = bytearray()
    for i, ch in enumerate(text):
        if ord(ch) < 0x80:
            out.append(ord(ch))
            continue
        if table is None:  # (an unknown name passes ASCII text through: checked at the first other character)
            raise ValueError(f"unknown legacy encoding {encoding!r}; known: {', '.join(LEGACY_ENCODINGS)}")
        if ch not in table:
            raise ValueError(f"{encoding}: character {ch!r} (U+{ord(ch):04X}) at index {i} has no {encoding} code")
        out += table[ch]
    return bytes(out)


# ---------------------------------------------------------------------------------------------------------
# Undoing a Windows-1252 mis-decoding.

_CP1252_CLASS = "".join(re.escape(ch) for ch in sorted(CP1252_BYTE))


def byte_class(lo: int, hi: int) -> str:
    return "[" + "".join(re.escape(ch) for ch, b in sorted(CP1252_BYTE.items()) if lo <= b <= hi) + "]"


CONT = byte_class(0x80, 0xBF)
_UTF8_MOJIBAKE = re.compile(
    f"{byte_class(0xF0, 0xF4)}{CONT}{{3}}|{byte_class(0xE0, 0xEF)}{CONT}{{2}}|{byte_class(0xC2, 0xDF)}{CONT}"
)
CP1252_RUN = re.compile(f"[\\x00-\\x7f{_CP1252_CLASS}]+")


# What a mis-decoded sequence may stand for: Latin letters, combining marks, Vietnamese, punctuation,
# currency and letterlike signs. Anything else ("…”" after "thì" reads as a Hangul syllable) is left alone.
_PLAUSIBLE = re.compile("[\u0080-\u024f\u0300-\u036f\u1e00-\u1eff\u2000-\u206f\u20a0-\u20cf\u2100-\u214f]")


def fix_utf8(text: str) -> tuple[str, int]:
    """UTF-8 that was read as Windows-1252, put right sequence by sequence; (text, sequences of 3+ chars)."""
    long_ones = 0

    def fix(m: re.Match) -> str:
        nonlocal long_ones
        try:
            ch = bytes(CP1252_BYTE[c] for c in m.group()).decode("utf-8")
        except UnicodeDecodeError:
            return m.group()
        if not _PLAUSIBLE.match(ch):
            return m.group()
        long_ones += len(m.group()) >= 3
        return ch

    return _UTF8_MOJIBAKE.sub(fix, text), long_ones


def via_cp1252(text: str, encoding: str) -> str:
    """Text whose `encoding` bytes were read as Windows-1252: each run of such characters re-read properly."""
    return CP1252_RUN.sub(
        lambda m: decode_bytes(bytes(ord(c) if ord(c) < 0x80 else CP1252_BYTE[c] for c in m.group()), encoding, "keep"),
        text,
    )
