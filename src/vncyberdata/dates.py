"""Vietnamese publication dates: date lines, dates opening a paragraph, and year inference.

Numeric dates are day-first. A yearless date ("Chiều 6/11") gets a year only from stated evidence: the
sidecar's `retrieved_at` (the latest such day not after retrieval), and the record says so.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

_WEEKDAY = r"(?:thứ\s*(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s*nhật|cn|t[2-7])"
_PREFIX = r"(?:ngày\s+cập\s+nhật|cập\s+nhật|ngày\s+đăng|đăng\s+ngày|đăng\s+lúc|xuất\s+bản|thời\s+gian|ngày)\s*:?"
_NUMERIC = r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?!\d)"
_WORDS = r"(?:ngày\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:năm|,)\s*(\d{4})(?!\d)"
_TIME = r"(?<!\d)(\d{1,2})\s*(?::|h|g)\s*(\d{2})(?!\d)(?:\s*(am|pm|sa|ch)\b)?"
_ZONE = r"\(?\s*(?:gmt|utc)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\s*\)?"
_FILLER = re.compile(r"[\s,|\-–—()/]+|\blúc\b", re.IGNORECASE)

_RE_NUMERIC = re.compile(_NUMERIC)
_RE_WORDS = re.compile(_WORDS, re.IGNORECASE)
_RE_TIME = re.compile(_TIME, re.IGNORECASE)
_RE_ZONE = re.compile(_ZONE, re.IGNORECASE)
_RE_WEEKDAY = re.compile(r"^\s*" + _WEEKDAY + r"\b", re.IGNORECASE)
_RE_PREFIX = re.compile(r"^\s*" + _PREFIX, re.IGNORECASE)

# A date that opens a paragraph: "Chiều 6/11, ...", "Sáng 25/2/2025, ...", "Ngày 8 tháng 7 năm 2025, ...".
_PART_OF_DAY = r"(?:rạng\s+sáng|sáng\s+sớm|sáng|trưa|chiều\s+tối|chiều|tối|đêm|khuya)(?:\s+nay)?(?:\s+ngày)?"
_RE_OPENING = re.compile(
    r"^(?:(?:" + _PART_OF_DAY + r")|ngày|hôm\s+nay)\s+"
    r"(?:(\d{1,2})/(\d{1,2})(?:/(\d{4}))?(?![\d/])|(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s+năm\s+(\d{4}))?)",
    re.IGNORECASE,
)

MAX_DATE_LINE = 80


@dataclass(frozen=True)
class FoundDate:
    day: int
    month: int
    year: int | None
    evidence: str
    source: str  # "date_line" or "in_text"
    time: str | None = None
    utc_offset: str | None = None
    year_inferred: bool = False

    def as_date(self) -> dt.date | None:
        return dt.date(self.year, self.month, self.day) if self.year is not None else None


def _valid(day: int, month: int, year: int | None) -> bool:
    try:
        dt.date(year if year is not None else 2000, month, day)  # 2000 is a leap year: 29/2 stays possible
    except ValueError:
        return False
    return year is None or 1900 <= year <= 2100


def parse_date_line(line: str) -> FoundDate | None:
    """A `FoundDate` when the whole line is a date (with optional weekday, time, zone, 'Cập nhật:' prefix)."""
    found = _date_and_rest(line)
    if found is None or _FILLER.sub("", found[1]):
        return None  # other words on the line: a sentence that mentions a date, not a date line
    return found[0]


def parse_labelled_date_line(line: str) -> FoundDate | None:
    """A date line that also names the page's section, as a page's header prints it beside its headline
    ("Kinh tế số 17-09-2025 - 10:42 AM", "14-11-2025 - 06:30 AM | Pháp luật"): the date, and at most
    `LABEL_MAX_WORDS` words without digits or sentence punctuation. Only read next to a headline."""
    found = _date_and_rest(line)
    if found is None:
        return None
    rest = _FILLER.sub(" ", found[1]).split()
    if len(rest) > LABEL_MAX_WORDS or any(not w.isalpha() for w in rest):
        return None
    return found[0]


LABEL_MAX_WORDS = 4


def _date_and_rest(line: str) -> tuple[FoundDate, str] | None:
    """The first date of a short line and what is left of the line around it (weekday, prefix, time and
    zone taken out)."""
    if not line or len(line) > MAX_DATE_LINE:
        return None
    match = _RE_NUMERIC.search(line) or _RE_WORDS.search(line)
    if match is None:
        return None
    day, month, year = (int(g) for g in match.groups())
    if not _valid(day, month, year):
        return None
    rest = line[: match.start()] + " " + line[match.end() :]
    rest = _RE_PREFIX.sub(" ", rest, count=1)
    rest = _RE_WEEKDAY.sub(" ", rest.lstrip(" ,|-"), count=1)
    time = zone = None
    if m := _RE_ZONE.search(rest):
        sign, hours, minutes = m.groups()
        zone = f"{sign}{int(hours):02d}:{int(minutes or 0):02d}"
        rest = rest[: m.start()] + " " + rest[m.end() :]
    if m := _RE_TIME.search(rest):
        hours, minutes, half = int(m.group(1)), int(m.group(2)), (m.group(3) or "").casefold()
        if half in ("pm", "ch") and 1 <= hours < 12:
            hours += 12  # "02:15 PM", "02:15 CH" (chiều)
        elif half in ("am", "sa") and hours == 12:
            hours = 0
        if hours < 24 and minutes < 60:
            time = f"{hours:02d}:{minutes:02d}"
            rest = rest[: m.start()] + " " + rest[m.end() :]
    return FoundDate(day, month, year, line.strip(), "date_line", time, zone), rest


def find_opening_date(paragraph: str) -> FoundDate | None:
    """A date that opens a paragraph ("Chiều 6/11, tại ..."); None when the paragraph opens otherwise."""
    match = _RE_OPENING.match(paragraph)
    if match is None:
        return None
    groups = match.groups()
    day, month, year = groups[0:3] if groups[0] is not None else groups[3:6]
    day_i, month_i, year_i = int(day), int(month), int(year) if year else None
    if not _valid(day_i, month_i, year_i):
        return None
    return FoundDate(day_i, month_i, year_i, match.group(0), "in_text")


def infer_year(found: FoundDate, retrieved: dt.date | None) -> FoundDate:
    """Give a yearless date the year of its latest occurrence not after `retrieved`; unchanged otherwise."""
    if found.year is not None or retrieved is None:
        return found
    for year in range(retrieved.year, retrieved.year - 9, -1):  # 29/2 can be up to 8 years back
        try:
            candidate = dt.date(year, found.month, found.day)
        except ValueError:
            continue
        if candidate <= retrieved:
            return replace(found, year=year, year_inferred=True)
    return found
