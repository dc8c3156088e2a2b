"""Vietnamese publication dates: date lines, dates opening a paragraph, and year inference.

Numeric dates are day-first. A yearless date ("Chiều 6/11") gets a year only from stated evidence: the
sidecar's `retrieved_at` (the latest such day not after retrieval), and the record says so.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import lru_cache

_WEEKDAY = r"(?:thứ\s*(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s*nhật|cn|t[2-7])"
_PREFIX = r"(?:ngày\s+cập\s+nhật|cập\s+nhật|ngày\s+đăng|đăng\s+ngày|đăng\s+lúc|xuất\s+bản|thời\s+gian|ngày)\s*:?"
_NUMERIC = r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?!\d)"
_WORDS = r"(?:ngày\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:năm|,)\s*(\d{4})(?!\d)"
_TIME = r"(?<!\d)(\d{1,2})\s*(?::|h|g)\s*(\d{2})(?!\d)(?:\s*(am|pm|sa|ch)\b)?"
_ZONE = r"\(?\s*(?:gmt|utc)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\s*\)?"
_FILLER = re.compile(r"[\s,|\-–—()/]+|\blúc\b", re.IGNORECASE)

_RE_NUMERIC = re.compile(_NUMERIC)
_RE_YEAR = re.compile(r"\d{4}")  # what both patterns hold: a line without one is no date line (one fast scan)
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
    if not line or len(line) > MAX_DATE_LINE or not _RE_YEAR.search(line):
        return None  # too long, or no run of four digits: neither pattern can match
    return _short_date_and_rest(line)


@lru_cache(maxsize=4096)  # a parse asks of a line more than once, and pages repeat their header lines
def _short_date_and_rest(line: str) -> tuple[FoundDate, str] | None:
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


# Dates as page metadata states them (HTML pages: meta tags, JSON-LD, <time>, date labels), rewritten as
# the date lines the text parser reads.
_RE_ISO = re.compile(
    r"^\s*(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[T\s](?P<H>\d{1,2}):(?P<M>\d{2})(?::\d{2}(?:\.\d+)?)?"
    r"\s*(?P<z>Z|[+-]\d{2}:?\d{2})?)?"
)
_RE_CLOCK = re.compile(r"(?<!\d)(\d{1,2})\s*[:h]\s*(\d{2})(?!\d)")  # a label's 24-hour time


def iso_line(value: str) -> str | None:
    """An ISO 8601 date(-time) → "dd/mm/yyyy[ HH:MM][ (GMT+h)]", as stated (no time-zone conversion)."""
    m = _RE_ISO.match(value or "")
    if not m:
        return None
    line = f"{int(m.group('d')):02d}/{int(m.group('m')):02d}/{m.group('y')}"
    if m.group("H") is not None:
        line += f" {int(m.group('H')):02d}:{m.group('M')}"
        zone = m.group("z")
        if zone == "Z":
            line += " (GMT+0)"
        elif zone:
            sign, digits = zone[0], zone[1:].replace(":", "")
            hours, minutes = int(digits[:2]), digits[2:]
            line += f" (GMT{sign}{hours}" + (f":{minutes}" if minutes and minutes != "00" else "") + ")"
    return line if parse_date_line(line) else None


def text_date_line(text: str) -> str | None:
    """A date line rebuilt from the date, time and zone found in a longer label
    ("Cập nhật lúc 15:30 ngày 6/11/2025")."""
    m = _RE_NUMERIC.search(text)
    if not m:
        return None
    day, month, year = m.groups()
    line = f"{int(day):02d}/{int(month):02d}/{year}"
    rest = text[: m.start()] + " " + text[m.end() :]
    if t := _RE_CLOCK.search(rest):
        line += f" {int(t.group(1)):02d}:{t.group(2)}"
    if z := _RE_ZONE.search(rest):
        line += f" (GMT{z.group(1)}{int(z.group(2))}" + (f":{z.group(3)}" if z.group(3) and z.group(3) != "00" else "") + ")"
    return line if parse_date_line(line) else None


def date_line(value: str | None) -> str | None:
    """A metadata date as a date line the text parser reads: ISO 8601 rewritten, a printed date kept."""
    if not value:
        return None
    return iso_line(value) or (value if parse_date_line(value) else None)


def calendar_day(value: str | None) -> tuple[int, int, int] | None:
    """(year, month, day) of a date as written (ISO 8601 or a date line); None when it names no full day."""
    line = date_line(value)
    found = parse_date_line(line) if line else None
    if found is None or found.year is None:
        return None
    return found.year, found.month, found.day
