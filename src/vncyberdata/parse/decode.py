"""Raw bytes to text, and the `Rejection` a file gets when it yields no article: the first thing a parse does
and the type every stage of it returns on failure (parse.py re-exports both)."""

from __future__ import annotations

from dataclasses import dataclass

from .normalize import BOM, WORDS, clean_line, nfc


@dataclass(frozen=True)
class Rejection:
    """Why a raw file yields no article: a stable code, the 1-based line when there is one, and the fix."""

    code: str
    message: str
    hint: str
    line: int | None = None


def decode(raw: bytes) -> str | Rejection:
    """UTF-8 bytes → NFC text without BOM; a `Rejection` for empty, binary or non-UTF-8 input."""
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        return Rejection("binary", "the file contains NUL bytes: it is binary, not a text dump", _HINT_TEXT, line)
    if raw.startswith(BOM.encode("utf-8")):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        return Rejection("not_utf8", f"byte {err.start} is not valid UTF-8",
                         "save the file as UTF-8; a legacy Vietnamese encoding (cp1258, TCVN3, VNI) must be converted first", line)
    if not _has_text(text):
        return Rejection("empty", "the file is empty or holds only whitespace", "add the article text or remove the file")
    return nfc(text)


def _has_text(text: str) -> bool:
    """Something visible in the file: a letter or a digit (which cleaning keeps), found at once in a page;
    else whatever cleaning leaves (the start is looked at first: cleaning a whole file costs)."""
    if WORDS.search(text):
        return True
    return any(clean_line(part.replace("\n", " ").replace("\r", " ")) for part in (text[:256], text))


_HINT_TEXT = "raw files are UTF-8 text dumps of one article; remove the file or replace it with the page's text"
