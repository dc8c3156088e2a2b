"""What stands inside a located article, or just after it, and is not its text.

A whole page puts boxes into the article's flow: a "related news" box between two paragraphs (a list of
headlines, or one headline card with its summary), the image's alt text printed above its caption, and
after the last paragraph, under another box of headlines, the writer's name. `locate` finds the article;
this module reads the lines between its paragraphs. A run of lines between two prose paragraphs is judged
as a whole:

- a line that is the page's title again (an image's alt text, "Title - Ảnh 1.") is figure residue;
- a run holding a chrome marker ("Tin liên quan", "Đọc ngay") and a headline-shaped line is a box;
- a run holding two or more headline-length lines is a box (a subheading stands alone and is short; the
  last short line of the run, right above a paragraph, stays as the subheading it is);
- a long headline with a short line under it, or under a thumbnail's alt text, is a card; the one short
  sentence after a box's last headline is that card's summary;
- a short line right above a caption, with no blank line between them, is the image's alt text;
- a bulleted run right after a line ending in ":" is the article's own list, never a box.

Only whole-page dumps are read this way: an article-only dump has no boxes to cut.
"""

from __future__ import annotations

import re

from . import byline, credits
from .locate import Line, ends_sentence, fold, is_headline, is_prose

LONG_HEADLINE = 8  # words: a related headline is written to stand alone; a subheading is shorter
CARD_HEADLINE = 10  # words: a lone headline this long, with a short line under it, is a card
ALT_MAX_WORDS = 15
SUMMARY_MAX_WORDS = 30
CLOSING_WINDOW = 12  # non-blank lines after the article searched for the writer's name

# Bullets and a text browser's image residue ("[ma_doc-176]") in front of a box item.
_MARKS = re.compile(r"^\s*(?:[-–•*·+▪►]\s*|\[[^\]]{0,40}\]\s*)+")
_BULLETED = re.compile(r"^\s*[-–•*·+▪►]\s")
# "Title - Ảnh 1.", "Title - 2": the alt text a page gives its images.
_IMAGE_NUMBER = re.compile(r"\s*[-–]\s*(?:ảnh\s*)?\d{1,2}\s*\.?$", re.IGNORECASE)
_SENTENCE = re.compile(r"[.!?…](?:\s|$)")
_ASCII_ALT = re.compile(r"^[a-z0-9][a-z0-9 _\-]{2,60}$")


def strip_marks(line: str) -> str:
    return _MARKS.sub("", line).strip()


def inline_boxes(
    lines: list[str], info: tuple[Line, ...], markers: tuple, title: int, start: int, end: int, publisher_key: str = ""
) -> dict[int, str]:
    """Line index → class ("related_headline" or "chrome") for the lines of [start, end) that belong to
    a box or to an image rather than to the article."""
    title_key = fold(lines[title])
    out: dict[int, str] = {}
    run: list[int] = []
    before: int | None = None
    for i in range(start, end + 1):
        if i < end and not lines[i]:
            continue
        if i < end and (not info[i].prose or _alt_of_title(lines[i], title_key)):
            run.append(i)
            continue
        if run:
            out.update(_judge(run, lines, markers, title_key, before, i if i < end else None, publisher_key))
        run, before = [], i
    return out


def _judge(
    run: list[int], lines: list[str], markers: tuple, title_key: str, before: int | None, next_prose: int | None,
    publisher_key: str,
) -> dict[int, str]:
    marks = {i: "chrome" for i in run if _alt_of_title(lines[i], title_key) or _ASCII_ALT.match(lines[i])}
    for i in run:
        # an image's alt text printed on the line right above its caption
        if i + 1 < len(lines) and credits.is_caption(lines[i + 1]) and not credits.is_caption(lines[i]):
            if len(lines[i].split()) <= ALT_MAX_WORDS and not ends_sentence(lines[i]):
                marks[i] = "chrome"
    rest = [i for i in run if i not in marks and not credits.is_caption(lines[i])]
    if not rest or (before is not None and lines[before].endswith(":")):
        return marks  # a figure, or the article's own list under "...:"
    heads = [i for i in rest if markers[i] is None and is_headline(strip_marks(lines[i]), publisher_key)]
    words = {i: len(strip_marks(lines[i]).split()) for i in heads}
    long = [i for i in heads if words[i] >= LONG_HEADLINE]
    # evidence of a box: a chrome marker ("Tin liên quan", "Đọc ngay"), or a bulleted headline (an
    # article's own bulleted list follows a line ending in ":", which returned above)
    marked = any(markers[i] is not None or (i in heads and _MARKS.match(lines[i])) for i in rest)
    # a card: a thumbnail's alt text or nothing above a long headline, a short summary under it
    card = len(long) == 1 and rest[0] == long[0] and words[long[0]] >= CARD_HEADLINE
    thumbnail = card and any(i < long[0] and i in marks for i in run)
    if marked and heads:
        box = True
    elif len(long) >= 2:
        box = True
    else:
        box = card and (len(rest) >= 2 or thumbnail)
    if not box:
        return marks
    last = rest[-1]
    keep = last if next_prose is not None and last in heads and _subheading(lines, run, last, words[last]) else None
    for i in rest:
        if i != keep:
            marks[i] = "related_headline" if i in heads else "chrome"
    if keep is None and last in heads and next_prose is not None and _summary(lines[next_prose]):
        marks[next_prose] = "chrome"  # the card's summary under its headline
    return marks


def _summary(text: str) -> bool:
    """One short sentence: what a box prints under a headline (an article's paragraph is longer)."""
    return len(text.split()) <= SUMMARY_MAX_WORDS and len(_SENTENCE.findall(text)) <= 1


def _subheading(lines: list[str], run: list[int], last: int, words: int) -> bool:
    """The last line of a box run, right above a paragraph, is the article's own subheading when it is
    shorter than a headline, or set apart from the box: the items are bulleted, it is not, and a blank
    line stands between them."""
    if _MARKS.match(lines[last]):
        return False
    if words < LONG_HEADLINE:
        return True
    items = [i for i in run if i != last]
    return bool(items) and not lines[last - 1] and any(_BULLETED.match(lines[i]) for i in items)


def _alt_of_title(line: str, title_key: str) -> bool:
    key = fold(line)
    if key == title_key:
        return True
    cut = _IMAGE_NUMBER.sub("", line)
    if cut == line:
        return False
    key = fold(cut)
    return bool(key) and (title_key.startswith(key) or key.startswith(title_key[: max(20, len(key) // 2)]))


def closing_author(lines: list[str], markers: tuple, end: int) -> int | None:
    """The line after a whole page's article that holds its writer's name ("Minh Khang", "Hoàng
    Quân/VOV.VN"), past figures and a box of headlines; None at the first line that is neither."""
    seen = 0
    for j in range(end, len(lines)):
        text = lines[j]
        if not text:
            continue
        seen += 1
        if seen > CLOSING_WINDOW or (markers[j] is not None and markers[j].role == "tail") or is_prose(text):
            return None
        if text[0].isalnum() and byline.author_name(text):
            return j
        if markers[j] is None and not (credits.is_caption(text) or is_headline(strip_marks(text))):
            if len(text.split()) > 12:
                return None
    return None
