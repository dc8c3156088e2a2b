"""Text rules shared by the parser, ids and checks. Pure functions on `str`.

This is the only place that decides what a line, a blank, a space or a comparable key is.
"""

from __future__ import annotations

import re
import unicodedata

BOM = "\ufeff"
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# NBSP, the fixed-width spaces and tabs count as ordinary spaces; runs collapse to one.
_SPACE_RUN = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def nfc(text: str) -> str:
    # is_normalized is a fast check; most input is already NFC
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def split_lines(text: str) -> list[str]:
    """Lines as an editor numbers them: CRLF, CR and LF all end a line; a final newline adds no line."""
    lines = _LINE_BREAK.split(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def clean_line(line: str) -> str:
    """NFC, zero-width characters removed, space runs collapsed, ends stripped."""
    return _SPACE_RUN.sub(" ", _ZERO_WIDTH.sub("", nfc(line))).strip()


def is_blank(line: str) -> bool:
    return clean_line(line) == ""


def key_text(text: str) -> str:
    """A comparison key: cleaned, case-folded, punctuation removed, single spaces.

    Two strings with the same key differ only in case, punctuation or spacing ("phòng chống" and
    "phòng, chống" share a key).
    """
    folded = clean_line(text).casefold()
    kept = "".join(" " if unicodedata.category(ch)[0] in "PSZ" else ch for ch in folded)
    return " ".join(kept.split())


def word_count(text: str) -> int:
    return len(text.split())
