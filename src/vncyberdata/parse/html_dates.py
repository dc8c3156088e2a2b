"""The dates an HTML page shows near its title: the article's date line and another date line of the page,
for html_meta's precedence. What reads as a date is decided by dates.py (`parse_date_line`, `text_date_line`,
`iso_line`); this module only decides which elements of the page to read.
Used by html_dump.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from .dates import MAX_DATE_LINE, iso_line, parse_date_line, text_date_line
from .html_stream import Stream
from .html_text import tag_of, text_of

# Class/id/itemprop words of an element that holds a date.
DATE_ATTR = re.compile(r"date|time|ngay|publish|posted|thoi-?gian", re.IGNORECASE)
_DATE_ABOVE, _DATE_BELOW = 250, 1000  # characters of page text: the article's header around its title


def page_dates(stream: Stream, root, body, *, chrome: set, taken: set, title_pos: int | None, positions: list[int],
               byline: tuple[object, str | None], doc_date: str | None) -> tuple[str | None, str | None]:
    """(the article's date line, another date line of the page), for html_meta's precedence.

    The article's date is the date element nearest the title within its header: from a little above the
    title (a date over the headline, with no navigation between them) to the first body paragraph; there a
    short element counts when its whole text is a date, whatever its class. Date elements elsewhere (a top
    bar, related items) give the other line, the one nearest the title; failing those, any <time datetime>,
    then trafilatura's date (`doc_date`). `byline` is the byline element and the date printed in it, if any;
    `chrome` and `taken` are elements that are not read (chrome also bounds the header above the title).
    """
    byline_el, byline_date = byline
    anchor = title_pos if title_pos is not None and title_pos >= 0 else next((p for p in positions if p >= 0), 0)
    low, high = anchor - _DATE_ABOVE, next((p for p in positions if p > anchor), anchor + _DATE_BELOW)
    chrome_starts = sorted(stream.span[el][0] for el in chrome if el in stream.span)

    def beside(pos: int) -> bool:
        return low <= pos <= high and (pos >= anchor or bisect_right(chrome_starts, pos) == bisect_right(chrome_starts, anchor))

    near: list[tuple[int, str]] = []
    far: list[tuple[int, str]] = []
    if byline_date and (pos := stream.start(byline_el)) is not None:
        (near if beside(pos) else far).append((pos, byline_date))
    for el in body.iter():
        tag = tag_of(el)
        span = stream.span.get(el)
        if not tag or el in chrome or el in taken or span is None:
            continue
        inside = beside(span[0])
        attrs = " ".join(el.get(a) or "" for a in ("class", "id", "itemprop", "data-role"))
        if tag == "time" or DATE_ATTR.search(attrs):
            line = element_date_line(el)
        elif inside and span[1] - span[0] <= MAX_DATE_LINE and tag not in ("body", "html"):
            line = text if (text := text_of(el)) and parse_date_line(text) else None
        else:
            continue
        if line:
            (near if inside else far).append((span[0], line))

    def nearest(found: list[tuple[int, str]]) -> str | None:
        return min(found, key=lambda c: (abs(c[0] - anchor), c[0]))[1] if found else None

    other = nearest(far) or next((line for el in root.iter("time") if el.get("datetime") and el not in
                                  chrome and (line := iso_line(el.get("datetime")))), None)
    return nearest(near), other or (iso_line(doc_date) if doc_date else None)


def element_date_line(el) -> str | None:
    """The date line an element holds: its text when that is a date line or holds a date, else the
    machine-readable value of its datetime/content/title attribute."""
    text = text_of(el)
    if text and len(text) <= 120:
        if parse_date_line(text):
            return text
        line = text_date_line(text)
        if line:
            return line
    value = el.get("datetime") or el.get("content") or el.get("title")
    return iso_line(value) if value else None
