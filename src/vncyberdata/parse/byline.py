"""Bylines: who wrote an article and whom it credits as its source. Pure functions shared by the text
parser and the HTML reader, so both paths read a byline by the same rules.

Each function reads one line of text:
- `attribution_source`: "Theo X" / "(Nguồn: X)" → X;
- `author_name`: a name line ("Hải Minh", "Bài và ảnh: Minh Châu", "PV"), also when it closes with a note
  of compilation ("Ngọc Lan (tổng hợp)", "Ngọc Lan (theo Reuters)") → the name alone;
- `author_and_date`: a name and a date on one line, as bylines beside the date are printed
  ("Minh Châu - 07/03/2026 08:47", "Minh Châu | ...", "Minh Châu • ...") → (name, date text).
A place name or a weekday in front of a date ("Hà Nội - 07/03/2026") is a dateline, not a byline; that check
applies to the compilation and name-and-date forms only, so a bare name line reads as it always has.
"""

from __future__ import annotations

import re

from .dates import parse_date_line
from .normalize import key_text, word_count

MAX_AUTHOR = 50  # characters; a longer line is prose, not a name

_ATTRIBUTION = re.compile(r"^\(?\s*(?:theo|nguồn)\s*:?\s+(?P<src>[^,;:()]{2,60}?)\s*\)?\s*\.?$", re.IGNORECASE)
_AUTHOR_PREFIX = re.compile(
    r"^(?:tác\s+giả|bài\s*(?:và|,|&|\+)\s*ảnh|bài|phóng\s+viên|nhóm\s+phóng\s+viên)\s*:\s*", re.IGNORECASE
)
_AUTHOR_ABBREVIATIONS = {"pv", "nhóm pv", "ctv", "p.v"}
# "Name (tổng hợp)", "Name (T/H)", "Name (tổng hợp theo X)", "Name (theo X)": the writer compiled the piece.
_COMPILED = re.compile(
    r"^(?P<name>.+?)\s*[(\[]\s*(?:tổng\s+hợp(?:\s+(?:theo|từ)\s+[^()\[\]]{2,60})?|t\s*/\s*h|theo\s+[^()\[\]]{2,60})"
    r"\s*[)\]]\s*\.?$",
    re.IGNORECASE,
)
# The first separator between a name and a date: a spaced dash, or a bar or bullet.
_NAME_DATE_SEP = re.compile(r"\s+[-–—]\s+|\s*[|•·]\s*")
_BULLETS = re.compile(r"[•·]")

# Words that open a dateline rather than a byline: weekdays, and places a dateline names (provinces and
# large cities, as printed). Compared by key_text.
_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
_PLACES = (
    "An Giang", "Bà Rịa Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh", "Bến Tre", "Bình Dương",
    "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Cần Thơ", "Đà Nẵng", "Đắk Lắk", "Đắk Nông",
    "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương",
    "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu",
    "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ",
    "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La",
    "Tây Ninh", "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Tiền Giang", "Trà Vinh",
    "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái", "TP HCM", "TPHCM", "TP Hồ Chí Minh", "Hồ Chí Minh",
    "Sài Gòn", "TP Hà Nội", "TP Huế", "Vũng Tàu", "Nha Trang", "Đà Lạt", "Buôn Ma Thuột", "Biên Hòa", "Hạ Long",
    "Phú Quốc", "Quy Nhơn", "Bắc Kinh", "New York", "Hoa Kỳ", "Hàn Quốc", "Nhật Bản", "Trung Quốc",
)
_DATELINE_WORDS = frozenset(key_text(w) for w in (*_WEEKDAYS, *_PLACES))


def attribution_source(text: str) -> str | None:
    m = _ATTRIBUTION.match(text)
    if m and word_count(m.group("src")) <= 8:
        return m.group("src").strip()
    return None


def author_name(text: str) -> str | None:
    """The writer's name when the whole line is a byline; None for any other line."""
    if len(text) > MAX_AUTHOR:
        compiled = _COMPILED.match(text)
        return _compiled_name(compiled.group("name")) if compiled else None
    name = _plain_name(text)
    if name is None and (compiled := _COMPILED.match(text)):
        return _compiled_name(compiled.group("name"))
    return name


def author_and_date(text: str) -> tuple[str, str] | None:
    """("Minh Châu", "07/03/2026 08:47") from "Minh Châu - 07/03/2026 08:47" (or "|", "•", "," between
    them, or only a space before a weekday: "Tùng Lâm Thứ Năm, 12/11/2026 14:35", "Hạ An, 20:15 18/11/2026").

    The date text is as printed, bullets turned into spaces, so that it reads as a date line. None unless
    the part before the date is a name (not a place or a weekday) and the rest is a date line.
    """
    if len(text) > MAX_AUTHOR + 80 or not _HAS_DIGIT.search(text):
        return None
    tokens = _BAR.sub(r" \1 ", text).split()
    for k in range(1, min(len(tokens), 7)):
        head = tokens[:k]
        tail = " ".join(tokens[k:])
        if not tail or not (_NAME_DATE_SEP.match(" " + tail) or _DATE_START.match(tail) or _SEP_END.search(head[-1])):
            continue
        name_text = _SEP_END.sub("", " ".join(head)).strip()
        date = " ".join(_BULLETS.sub(" ", _SEP_START.sub("", tail)).split())
        if not name_text or not date or parse_date_line(date) is None:
            continue
        if key_text(name_text) in _DATELINE_WORDS:
            return None
        name = author_name(name_text)
        if name is None or key_text(name) in _DATELINE_WORDS:
            return None
        return name, date
    return None


_HAS_DIGIT = re.compile(r"\d")
_BAR = re.compile(r"\s*([|•·])\s*")
# Where a date may start right after a name with no separator: a weekday, a time or a number.
_DATE_START = re.compile(r"(?:thứ\s|chủ\s+nhật|\d)", re.IGNORECASE)
_SEP_END = re.compile(r"\s*[,|•·\-–—]+$")
_SEP_START = re.compile(r"^[\s,|•·\-–—]+")


def _compiled_name(head: str) -> str | None:
    name = _plain_name(head.strip())
    if name is None or key_text(name) in _DATELINE_WORDS:
        return None
    return name


def _plain_name(text: str) -> str | None:
    if len(text) > MAX_AUTHOR:
        return None
    prefix = _AUTHOR_PREFIX.match(text)
    name = text[prefix.end() :].strip() if prefix else text
    name = _FOLLOW.sub("", name)
    if name.casefold() in _AUTHOR_ABBREVIATIONS:
        return name
    if (outlet := _OUTLET.search(name)) and not prefix:
        name = name[: outlet.start()]  # "Hoàng Quân/VOV.VN": the writer, then the outlet's name
        if key_text(name) in _DATELINE_WORDS:
            return None
    tokens = name.split()
    min_tokens = 1 if prefix else 2
    if not min_tokens <= len(tokens) <= 5:
        return None
    if all(t[0].isupper() and t.replace(".", "").replace("-", "").isalpha() for t in tokens):
        return name
    return None


# A follow button printed after the writer's name ("Đình Huy Theo dõi", "Đình Huy + Follow").
_FOLLOW = re.compile(r"\s+(?:\(BUTTON\)\s*)?\+?\s*(?:theo\s+dõi|follow)$", re.IGNORECASE)
# "/VOV.VN", "/TTXVN", "/Báo Tin tức": the outlet after a slash, capitalised words or a domain.
_OUTLET = re.compile(r"\s*/\s*(?:[A-ZĐ][\w.\-]*)(?:\s+[A-ZĐ][\w.\-]*){0,3}$")
