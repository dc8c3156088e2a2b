"""Bylines: who wrote an article and whom it credits as its source. Pure functions shared by the text
parser and the HTML reader, so both paths read a byline by the same rules."""

from __future__ import annotations

import re

from .normalize import word_count

MAX_AUTHOR = 50  # characters; a longer line is prose, not a name

_ATTRIBUTION = re.compile(r"^\(?\s*(?:theo|nguồn)\s*:?\s+(?P<src>[^,;:()]{2,60}?)\s*\)?\s*\.?$", re.IGNORECASE)
_AUTHOR_PREFIX = re.compile(
    r"^(?:tác\s+giả|bài\s*(?:và|,|&|\+)\s*ảnh|bài|phóng\s+viên|nhóm\s+phóng\s+viên)\s*:\s*", re.IGNORECASE
)
_AUTHOR_ABBREVIATIONS = {"pv", "nhóm pv", "ctv", "p.v"}


def attribution_source(text: str) -> str | None:
    m = _ATTRIBUTION.match(text)
    if m and word_count(m.group("src")) <= 8:
        return m.group("src").strip()
    return None


def author_name(text: str) -> str | None:
    if len(text) > MAX_AUTHOR:
        return None
    prefix = _AUTHOR_PREFIX.match(text)
    name = text[prefix.end() :].strip() if prefix else text
    if name.casefold() in _AUTHOR_ABBREVIATIONS:
        return name
    tokens = name.split()
    min_tokens = 1 if prefix else 2
    if not min_tokens <= len(tokens) <= 5:
        return None
    if all(t[0].isupper() and t.replace(".", "").replace("-", "").isalpha() for t in tokens):
        return name
    return None
