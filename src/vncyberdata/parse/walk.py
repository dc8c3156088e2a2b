"""Pass 2 of a parse: the clean lines of a dump classified in order (title, dates, chrome, related
headlines, bylines, article lines), then the article lines grouped into paragraphs and captions. `parse.analyse`
runs it after locating the article in a whole-page dump (locate.py) and judges what it found (article_check.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import boxes, byline, credits, dates, locate
from .chrome import ChromeTable
from .credits import MAX_CAPTION
from .normalize import key_text, word_count
from ..model.record import RawMeta

CAPTION_MAX_WORDS = 45  # a longer line above a lone credit line is a paragraph; the credit stands alone
PROSE_MIN_WORDS = 15  # a line this long ending in . ! ? is a paragraph, not a listed headline

_BULLET = re.compile(r"^(?:[-–•*·+▪►]\s*)+")


@dataclass
class Unit:
    """A run of article lines that become one paragraph or one caption."""

    lines: list[int]
    text: str
    caption: bool = False
    credit: str | None = None
    variants: list[str] = field(default_factory=list)


class Walk:
    """Pass 2: classify lines in order, collecting the title, dates, headlines and article lines."""

    def __init__(self, lines: list[str], table: ChromeTable, meta: RawMeta, whole_page: bool = True) -> None:
        self.may_be_whole_page = whole_page
        self.lines = lines
        self.table = table
        self.publisher_key = key_text(meta.publisher)
        self.classes: list[str | None] = [None] * len(lines)
        self.title: int | None = None
        self.first_nonblank: int | None = None
        self.date: dates.FoundDate | None = None
        self.headlines: list[str] = []
        self.headline_keys: list[str] = []  # each headline's key_text (its id's key), in the same order
        self._headline_keys: set[str] = set()
        self.article_lines: list[int] = []
        self.top_author: str | None = None  # a byline between a whole page's title and its article
        self.tail_author: str | None = None  # the writer's name after a whole page's article
        self.boxed: dict[int, str] = {}
        self.author_line: int | None = None

    def run(self) -> None:
        if self.may_be_whole_page:
            self.located = place = locate.locate(self.lines, self.table, self.publisher_key)
        else:
            self.located = place = locate.Located(None, len(self.lines))
        whole = place.whole_page
        if whole and place.title is not None and place.start is not None:
            self.boxed = boxes.inline_boxes(self.lines, place.info, place.markers, place.title, place.start, place.end,
                                            self.publisher_key)
            self.author_line = boxes.closing_author(self.lines, place.markers, place.end)
        in_related = ended = False
        for i, line in enumerate(self.lines):
            if not line:
                self.classes[i] = "blank"
                continue
            if self.first_nonblank is None:
                self.first_nonblank = i + 1
            if whole and place.title is not None and i < place.title:
                self._before_title(i, line, place.title)
                continue
            if i in self.boxed:
                self._headline(i, line) if self.boxed[i] == "related_headline" else self._chrome(i)
                continue
            if i == self.author_line:
                self.classes[i] = "author"
                self.tail_author = byline.author_name(line)
                continue
            marker = place.markers[i] if place.markers else self.table.match_clean(line)
            if marker is not None:
                self.classes[i] = "chrome"
                if marker.role == "related":
                    in_related = True
                elif marker.role == "tail" and self.article_lines:
                    ended, in_related = True, False
                continue
            found = dates.parse_date_line(line)
            if self.title is None:
                if found is not None:
                    self._date_line(i, found)
                elif locate.is_furniture(line, self.table, self.publisher_key):
                    self.classes[i] = "chrome"
                else:
                    self.classes[i] = "title"
                    self.title = i
                continue
            if whole and place.start is not None and self.title < i < place.start and not in_related:
                self._above_article(i, line, found)
                continue
            if in_related and whole and i >= place.end:
                # after a whole page's article: a box's headlines, until a line that is not one
                if found is None and locate.is_headline(_BULLET.sub("", line).strip(), self.publisher_key):
                    self._headline(i, line)
                else:
                    in_related = False
                    self._chrome(i)
                continue
            if in_related:
                if found is None and not ended and _is_prose(line):
                    in_related = False  # an inline "Tin liên quan" box has ended; the article goes on
                else:
                    self._headline(i, line) if found is None else self._chrome(i)
                    continue
            if ended or (whole and (i >= place.end or self._page_residue(i, line))):
                self.classes[i] = "chrome"
            elif found is not None:
                self._date_line(i, found)
            else:
                self.article_lines.append(i)

    def _before_title(self, i: int, line: str, title: int) -> None:
        """Above the title of a whole-page dump: chrome, but for a date line just above the title."""
        near = sum(1 for j in range(i + 1, title) if self.lines[j]) < 3
        found = (dates.parse_date_line(line) or dates.parse_labelled_date_line(line)) if near else None
        if found is not None:
            self._date_line(i, found)
        else:
            self.classes[i] = "chrome"

    def _above_article(self, i: int, line: str, found: dates.FoundDate | None) -> None:
        """Between a whole page's title and its first paragraph: the date, a byline, a figure; or chrome
        (share buttons, audio players, font-size controls)."""
        split = byline.author_and_date(line) if found is None else None
        if split is not None:
            self.classes[i] = "author"
            self.top_author = self.top_author or split[0]
            if self.date is None:
                self.date = dates.parse_date_line(split[1])
        elif found is not None or (found := dates.parse_labelled_date_line(line)) is not None:
            self._date_line(i, found)
        elif self.top_author is None and (name := byline.author_name(line)):
            self.classes[i] = "author"
            self.top_author = name
        elif credits.is_caption(line):
            self.article_lines.append(i)
        else:
            self.classes[i] = "chrome"

    def _page_residue(self, i: int, line: str) -> bool:
        """In a whole-page dump, a line inside the article that is a browser's residue or a menu label."""
        info = self.located.info[i] if self.located.info else locate.describe(line, self.table, self.publisher_key)
        if info.residue or info.label:
            return True
        return not info.prose and len(line) <= locate.TOOLBAR_MAX_CHARS and locate.chrome_share(line, self.table) >= 0.5

    def _chrome(self, i: int) -> None:
        self.classes[i] = "chrome"

    def _date_line(self, i: int, found: dates.FoundDate) -> None:
        self.classes[i] = "date"
        if self.date is None:
            self.date = found

    def _headline(self, i: int, line: str) -> None:
        self.classes[i] = "related_headline"
        text = _BULLET.sub("", line).strip()
        key = locate.fold(text)  # the line is clean, and so is what follows its bullets: fold is its key_text
        if key and key not in self._headline_keys:
            self._headline_keys.add(key)
            self.headline_keys.append(key)
            self.headlines.append(text)

    def group_units(self) -> list[Unit]:
        """Article lines → paragraphs and captions (credit lines, caption pairs, '(Ảnh: X)' endings)."""
        units: list[Unit] = []
        for i in self.article_lines:
            line = self.lines[i]
            prev = units[-1] if units else None
            hint = credits.may_credit(line)
            credit_line = hint and (credits.CREDIT_LINE.match(line) or credits.ILLUSTRATION_LINE.match(line))
            if credit_line:
                if prev and prev.credit is None and _caption_sized(prev.text) and self._adjacent(prev, i):
                    prev.caption = True
                    prev.credit = credit_line.groupdict().get("credit")
                    prev.lines.append(i)
                    self.classes[i] = "caption"
                else:
                    self.classes[i] = "chrome"  # a credit with no caption line before it
                continue
            text, credit, is_caption = line, None, False
            if hint and len(line) <= MAX_CAPTION:
                m = (
                    credits.CREDIT_IN_PARENS.match(line)
                    or credits.CREDIT_AFTER_SENTENCE.match(line)
                    or credits.CREDIT_AFTER_DASH.match(line)
                    or credits.CREDIT_AFTER_TEXT.match(line)
                    or credits.ILLUSTRATION_MARK.match(line)
                )
                if m:
                    text, credit, is_caption = m.group("text"), m.groupdict().get("credit"), True
            if (
                prev is not None
                and len(prev.text) <= MAX_CAPTION  # cheap first: most units are paragraphs longer than a caption
                and abs(len(prev.text) - len(text)) <= 8 + len(text) // 4  # keys of texts this far apart differ
                and self._adjacent(prev, i)
                and locate.same_fold(prev.text, text)  # the lines are clean: fold is their key_text
            ):
                # The same caption twice in a row (image alt text, then the visible caption): keep the later one.
                if prev.text != text and prev.text not in prev.variants:
                    prev.variants.append(prev.text)
                prev.text, prev.caption = text, True
                prev.credit = credit or prev.credit
                prev.lines.append(i)
                continue
            units.append(Unit([i], text, is_caption, credit))
        for unit in units:
            if unit.caption:
                for i in unit.lines:
                    self.classes[i] = "caption"
        return units

    def _adjacent(self, unit: Unit, i: int) -> bool:
        return all(not self.lines[j] for j in range(unit.lines[-1] + 1, i))


def _caption_sized(text: str) -> bool:
    return len(text) <= MAX_CAPTION and word_count(text) <= CAPTION_MAX_WORDS


def _is_prose(line: str) -> bool:
    return not _BULLET.match(line) and word_count(line) >= PROSE_MIN_WORDS and bool(locate.SENTENCE_STOP.search(line))
