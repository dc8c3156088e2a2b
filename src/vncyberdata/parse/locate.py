"""Where the article stands in a text dump of a whole page. Pure: lines in, line indexes out.

A maintainer's dump of a page holds the article somewhere in the middle of menus, headers, banners,
"most read" boxes, comment forms and footers. The article is found by evidence, not by position:

1. Every line is judged on its own (jusText-style): is it **prose** (long enough, Vietnamese stopwords at a
   real density, ends like a sentence), **headline-shaped** (a line of 5-40 words, mostly Vietnamese words,
   with no final full stop, not a menu label, bullet, button, date, credit, the publisher's name or an
   all-capitals banner), or **residue** of a text browser ("(BUTTON) ...", "[icon]", "Refresh (1800 sec)",
   "#alternate", numbered or bulleted menu labels).
2. The **main block** is the run of prose lines with the most prose characters, where two prose lines may
   be separated by a few other lines (captions, subheadings, an inline related box) but not by end-of-article
   furniture (a "tail" marker of the chrome table: share, comments, tags).
3. The **title** is the headline-shaped line above the main block with the best evidence: followed by the
   article (nothing headline-shaped between it and the block), a date line next to it, the same text
   elsewhere in the dump ("Title - Site" of the page's title, a self-link in a box). A caption (a line that
   carries a photo credit or repeats next to itself) is not a title.
4. The **end** of the article is the main block's last prose line, plus the closing lines that belong to an
   article: short sentences, list items, captions and credits, the author and "Theo X" lines.

When nothing before the title is article-like (the dump starts at the headline, as cleaned dumps and the
HTML reader's dumps do), `whole_page` is False and the text parser reads the dump exactly as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import byline, credits, dates
from .chrome import ChromeTable
from .normalize import WORDS, nfc, words
from . import wordshare
from .wordshare import vietnamese_share


# Frequent Vietnamese function words (syllables). A paragraph of prose has several per twenty syllables;
# menus, titles of boxes and banners have few or none.
STOPWORDS = frozenset(
    "là và của một được trong có các này đã người cho với không những đến khi từ theo để tại về ra sau "
    "đó thì cũng nhưng như vào đang bị sẽ nhiều hơn lại nên nếu vì do mà rằng đây còn trên dưới đều "
    "phải qua làm cùng nhau việc họ chỉ rất nào năm tháng hiện nay cả thêm mới vẫn chưa hoặc bằng tới trước "
    "lên ở".split()
)

PROSE_MIN_WORDS = 12
PROSE_MIN_STOPWORDS = 0.05  # share of a paragraph's syllables that are stopwords
HEADLINE_WORDS = (5, 40)
HEADLINE_MAX_CHARS = 250
TITLE_WINDOW = 14  # non-blank lines above the main block searched for the title
BLOCK_GAP = 4  # other lines allowed between two prose lines of one block
TOOLBAR_MAX_CHARS = 200  # a share bar or toolbar on one line is shorter

_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’)\]»]*$")
_STOP_END = re.compile(r"[.:;,][\"'”’)\]»]*$")
# Residue a text browser leaves: buttons, icons, meta refresh, link relations, form fields.
# At the start of a line, or (an icon or image placeholder) anywhere: two patterns, so that the one that may
# match anywhere is searched only in lines with a "[".
_RESIDUE_START = re.compile(
    r"\(BUTTON\)|\[[^\]]{0,40}\]|REFRESH\(|Refresh \(\d+ sec\)|#\w|\(IFRAME\)|\(Submit\)|_{3,}|IFRAME:", re.IGNORECASE
)
_RESIDUE_TAG = re.compile(r"\[(?:icon|IMG|image|INLINE|BUTTON)[^\]]*\]", re.IGNORECASE)
# A menu or list label: a bullet or a number, then a few words.
_LABEL = re.compile(r"^(?:[•*·▪►◦○●■□▸+\-–—]|\d{1,2}[.)])\s*\S")
_CREDIT = re.compile(r"(?:^|[\s(\-–—])(?:ảnh|nguồn\s+ảnh|photo)\s*:", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s+[-–—|]\s+")
_BREADCRUMB_SEP = re.compile(r"\s*(?:>|»|›|/|\|)\s*")
# a sentence's end (a colon or a semicolon is not one), closing quotes or brackets after it
SENTENCE_STOP = re.compile(r"[.!?…][\"'”’)\]]*$")


@dataclass(frozen=True)
class Line:
    """What one line looks like on its own."""

    words: int
    prose: bool
    headline: bool
    residue: bool
    label: bool  # a bulleted or numbered label of at most four words (a menu item)


@dataclass(frozen=True)
class Located:
    """The article's place in a dump. `title` and `end` are line indexes (end excluded); `evidence` says why
    this title was chosen; `candidate` is the best headline-shaped line when no article was found."""

    title: int | None
    end: int
    start: int | None = None  # the main block's first prose line
    whole_page: bool = False
    evidence: tuple[str, ...] = ()
    candidate: int | None = None
    info: tuple[Line, ...] = ()  # each line as judged (the lines near the main block fully)
    markers: tuple = ()  # each line's chrome-table marker, or None




def fold(text: str) -> str:
    """`normalize.key_text` for a line that is already clean (NFC, canonical tones): case-folded (and NFC
    again: a few characters fold to a decomposed pair), punctuation and space runs made one space. The
    parser's lines are cleaned once; this keeps from cleaning them again."""
    return " ".join(words(nfc(text.casefold())))


def same_fold(a: str, b: str) -> bool:
    """fold(a) == fold(b), settled by the first words where they differ (most pairs of lines)."""
    first_a, first_b = WORDS.search(a.casefold()), WORDS.search(b.casefold())
    if (first_a and first_a.group()) != (first_b and first_b.group()):
        return False
    return fold(a) == fold(b)


def _labels(table: ChromeTable) -> dict[int, frozenset[tuple[str, ...]]]:
    """The chrome table's labels as word sequences, by length (cached on the table object)."""
    cached = getattr(table, "_label_words", None)
    if cached is None:
        by_len: dict[int, set[tuple[str, ...]]] = {}
        for m in table.markers:
            words = tuple(m.key.rstrip(":").split())
            if words and len(words) <= 4:
                by_len.setdefault(len(words), set()).add(words)
        cached = {n: frozenset(v) for n, v in by_len.items()}
        object.__setattr__(table, "_label_words", cached)
    return cached


def chrome_share(text: str, table: ChromeTable) -> float:
    """The share of a line's words that are chrome labels ("Chia sẻ", "Zalo", "Lưu", "A+") or counters
    ("12", "(3)"): a share bar or a toolbar rendered on one line is made of little else."""
    words = [w.strip("()[]|•·,").casefold() for w in text.split()]
    words = [w for w in words if w]
    if not words:
        return 0.0
    labels = _labels(table)
    covered = i = 0
    while i < len(words):
        if words[i].isdigit():
            covered, i = covered + 1, i + 1
            continue
        for n in (4, 3, 2, 1):
            if tuple(words[i : i + n]) in labels.get(n, ()):
                covered, i = covered + n, i + n
                break
        else:
            i += 1
    return covered / len(words)


def stopword_share(text: str) -> float:
    """The share of a text's words that are stopwords (a word is counted with the punctuation around it):
    the runs of word characters (\\w) that are a stopword, over the whitespace-separated words (counted
    in one compiled pass: wordshare.py)."""
    return wordshare.stopword_share(text, STOPWORDS)


def is_prose(text: str) -> bool:
    """A paragraph of running text: long, with stopwords, ending like a sentence (or very long)."""
    if len(text) < 2 * PROSE_MIN_WORDS - 1 or is_residue(text):
        return False  # too short to hold PROSE_MIN_WORDS words
    if text.count(" ") < PROSE_MIN_WORDS - 1 and text.isprintable():
        return False  # " " is the only whitespace a printable text holds: fewer words than PROSE_MIN_WORDS
    words, stops = wordshare.word_counts(text, STOPWORDS)  # the words and the stopwords, in one pass
    if words < PROSE_MIN_WORDS or not (_SENTENCE_END.search(text) or words >= 30):
        return False
    return stops / words >= PROSE_MIN_STOPWORDS


def is_residue(text: str) -> bool:
    """A text browser's residue anywhere in the line: "(BUTTON)", "[icon]", "Refresh (N sec)", "#alternate"."""
    return _RESIDUE_START.match(text) is not None or ("[" in text and _RESIDUE_TAG.search(text) is not None)


def parts(line: str) -> list[str]:
    """A line cut at its " - ", " – ", " | " separators ("Site - slogan", "Title | Site")."""
    return _SEPARATORS.split(line)


def ends_sentence(text: str) -> bool:
    """The line ends like a sentence (or a clause: ".", "!", "?", "…", ":", ";"), closing quotes allowed."""
    return bool(_SENTENCE_END.search(text))


def is_label(text: str) -> bool:
    """A menu item as a text browser renders it: a bullet or a number and one to four words."""
    return bool(_LABEL.match(text)) and len(text.split()) <= 5 and not _STOP_END.search(text)


def is_headline(text: str, publisher_key: str = "") -> bool:
    """Shaped like a news headline: see the module docstring. Checked before any evidence is weighed."""
    words = text.split()
    if not HEADLINE_WORDS[0] <= len(words) <= HEADLINE_WORDS[1] or len(text) > HEADLINE_MAX_CHARS:
        return False
    if _STOP_END.search(text) or _LABEL.match(text) or is_residue(text) or _CREDIT.search(text):
        return False
    if "http" in text or "@" in text or text.count("|") or len(_SEPARATORS.findall(text)) > 1 or is_breadcrumb(text):
        return False
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 10 and all(c.isupper() for c in letters):
        return False  # a banner ("HOTLINE ... ĐẶT MUA BÁO"); headlines are written in sentence case
    if vietnamese_share(text) < 0.3:
        return False
    if publisher_key and publisher_key in fold(text):
        return False  # the site's name or slogan
    return dates.parse_date_line(text) is None


def describe(text: str, table: ChromeTable, publisher_key: str = "", marker: object = False) -> Line:
    """A line judged on its own. `marker` is the chrome table's match when the caller has it already."""
    if not text:
        return Line(0, False, False, False, False)
    if marker is False:
        marker = table.match(text)
    toolbar = len(text) <= TOOLBAR_MAX_CHARS and chrome_share(text, table) >= 0.5
    return Line(
        words=len(text.split()),
        prose=marker is None and is_prose(text),
        headline=marker is None and not toolbar and is_headline(text, publisher_key),
        residue=toolbar or is_residue(text),
        label=is_label(text),
    )


def _quick(text: str, marker) -> Line:
    """What the block search needs of every line (prose, residue, label); `headline` is judged later, only
    for the lines near the block."""
    if not text:
        return Line(0, False, False, False, False)
    return Line(len(text.split()), marker is None and is_prose(text), False, is_residue(text), is_label(text))


def is_breadcrumb(line: str) -> bool:
    """"Trang chủ > Pháp luật > An ninh trật tự": short parts between separators, no sentence end."""
    if len(line) > 120 or not ("/" in line or ">" in line or "|" in line or "»" in line or "›" in line):
        return False  # most lines: no separator (scanned for in C, before the pattern splits the line)
    parts = [p for p in _BREADCRUMB_SEP.split(line) if p]
    return (
        len(parts) >= 2
        and len(line) <= 120
        and all(len(p.split()) <= 5 for p in parts)
        and bool(_BREADCRUMB_SEP.search(line))
        and not SENTENCE_STOP.search(line)
    )


def is_publisher(line: str, publisher_key: str) -> bool:
    # length first: folding walks every character, and a dump can hold one enormous line
    return bool(publisher_key) and len(line) <= 2 * len(publisher_key) + 10 and fold(line) == publisher_key


def is_furniture(line: str, table: ChromeTable, publisher_key: str) -> bool:
    """What may stand above the title of an article-only dump without being its title: a breadcrumb, the
    publisher's name, a photo credit (date lines and chrome markers are told apart before this)."""
    return is_breadcrumb(line) or is_publisher(line, publisher_key) or bool(credits.CREDIT_LINE.match(line))


def locate(lines: list[str], table: ChromeTable, publisher_key: str = "") -> Located:
    """Find the article in `lines` (cleaned, one per raw line). See the module docstring."""
    markers = [table.match_clean(text) if text else None for text in lines]
    first = _first_content(lines, markers, publisher_key)
    if first is not None and _starts_with_article(lines, markers, first):
        # an article-only dump: the headline, then (maybe a date line) the lead; read as before
        return Located(first, len(lines), None, whole_page=False, evidence=("first_line",), markers=tuple(markers))
    info = [_quick(text, m) for text, m in zip(lines, markers)]
    block = _main_block(lines, info, markers)
    if block is None:
        # no prose at all: the dump is either a very short article or not an article
        return Located(first, len(lines), None, whole_page=False, evidence=("first_line",), candidate=first,
                       markers=tuple(markers))
    start, last = block
    lo = max(0, start - 4 * TITLE_WINDOW)
    for i in range(lo, start + 1):
        if lines[i]:
            info[i] = describe(lines[i], table, publisher_key, markers[i])
    title, evidence = _title(lines, info, start, publisher_key)
    if title is None:
        candidate = next((i for i in range(start - 1, lo - 1, -1) if info[i].headline), None)
        return Located(None, len(lines), start, whole_page=True, candidate=candidate if candidate is not None else start,
                       info=tuple(info), markers=tuple(markers))
    whole_page = title != first or _has_chrome_before(lines, info, title, table)
    end = _end(lines, info, markers, last) if whole_page else len(lines)
    return Located(title, end, start, whole_page, evidence, info=tuple(info), markers=tuple(markers))


def _first_content(lines: list[str], markers: list, publisher_key: str) -> int | None:
    """The line an article-only dump starts its article with (the text parser's reading of such a dump)."""
    for i, text in enumerate(lines):
        if text and markers[i] is None and dates.parse_date_line(text) is None:
            if not (is_breadcrumb(text) or is_publisher(text, publisher_key) or credits.CREDIT_LINE.match(text)):
                return i
    return None


def _starts_with_article(lines: list[str], markers: list, first: int) -> bool:
    """The first content line is headline-shaped and the next text line (past date lines) is prose."""
    if not is_headline(lines[first]):
        return False
    for j in range(first + 1, min(len(lines), first + 6)):
        text = lines[j]
        if not text or dates.parse_date_line(text) is not None:
            continue
        return markers[j] is None and is_prose(text)
    return False


def _has_chrome_before(lines: list[str], info: list[Line], title: int, table: ChromeTable) -> bool:
    return any(
        info[i].residue or info[i].label or (0 < len(lines[i]) <= TOOLBAR_MAX_CHARS and chrome_share(lines[i], table) >= 0.5)
        for i in range(title)
    )


def _main_block(lines: list[str], info: list[Line], markers: list) -> tuple[int, int] | None:
    """(first, last) prose line of the run of prose with the most characters."""
    best: tuple[int, int, int] | None = None  # (score, first, last)
    i, n = 0, len(lines)
    while i < n:
        if not info[i].prose:
            i += 1
            continue
        first = last = i
        score = len(lines[i])
        gap, related = 0, False
        j = i + 1
        while j < n:
            text = lines[j]
            if not text:
                j += 1
                continue
            marker = markers[j]
            if marker is not None and marker.role == "tail":
                break
            if info[j].prose:
                first_of_box = related
                related = False
                if first_of_box and gap > BLOCK_GAP * 3:
                    break
                last, gap = j, 0
                score += len(text)
            elif marker is not None and marker.role == "related":
                related = True
            elif not related:
                gap += 1
                if gap > BLOCK_GAP:
                    break
            else:
                gap += 1
            j += 1
        if best is None or score > best[0]:
            best = (score, first, last)
        i = last + 1
    return (best[1], best[2]) if best else None


def _title(lines: list[str], info: list[Line], start: int, publisher_key: str) -> tuple[int | None, tuple[str, ...]]:
    """The best headline-shaped line above the main block (or its first line, when that is one), with why."""
    keys = _Keys(lines)
    article = " " + " ".join(keys[j] for j in range(start, min(len(lines), start + 40))) + " "
    scored: list[tuple[float, int, tuple[str, ...]]] = []
    seen = between = 0
    for i in range(start, -1, -1):
        if seen > TITLE_WINDOW:
            break
        if not lines[i]:
            continue
        seen += 1
        if not info[i].headline or (i == start and info[i].prose):
            continue
        why: list[str] = []
        score = 0.0
        if between == 0:
            why.append("above_article")
            score += 1
        if _corroborated(keys, i):
            why.append("repeated_in_page")
            score += 3
        shared = shared_bigrams(keys[i], article)
        if shared >= 0.25:
            why.append("words_in_article")
        score += 6 * shared if shared else -2  # a line sharing no word pair with the story is furniture
        if _near_date(lines, i):
            why.append("next_to_date")
            score += 2
        if _is_caption(lines, keys, i):
            score -= 4
        score -= 0.5 * between
        scored.append((score, i, tuple(why)))
        between += 1
    if not scored:
        return None, ()
    score, i, why = max(scored, key=lambda s: (s[0], s[1]))
    if score <= 0:
        return None, ()
    return i, why


class _Keys:
    """Folded lines, computed when first asked for."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.cache: dict[int, str] = {}

    def __getitem__(self, i: int) -> str:
        key = self.cache.get(i)
        if key is None:
            key = self.cache[i] = fold(self.lines[i]) if self.lines[i] else ""
        return key

    def __len__(self) -> int:
        return len(self.lines)


def shared_bigrams(key: str, article: str) -> float:
    """The share of a line's word pairs found in the article's text: a headline sums its own story up."""
    words = key.split()
    pairs = [f" {a} {b} " for a, b in zip(words, words[1:])]
    return sum(1 for p in pairs if p in article) / len(pairs) if pairs else 0.0


def _corroborated(keys: _Keys, i: int) -> bool:
    key = keys[i]
    if len(key) < 15:
        return False
    lines = keys.lines
    first = lines[i].casefold()[:12]
    for j, text in enumerate(lines):
        # a cheap filter first: the other line must hold the candidate's first letters
        if abs(j - i) <= 2 or not text or first not in text.casefold():
            continue
        other = keys[j]
        if other == key or (other.startswith(key) and len(other) - len(key) <= 60):
            return True
    return False


def _near_date(lines: list[str], i: int) -> bool:
    near = [j for j in range(max(0, i - 6), min(len(lines), i + 7)) if lines[j] and j != i]
    above = [j for j in near if j < i][-2:]
    below = [j for j in near if j > i][:3]
    for j in above + below:
        text = lines[j]
        if dates.parse_date_line(text) is not None or byline.author_and_date(text) is not None:
            return True
    return False


def _is_caption(lines: list[str], keys: list[str], i: int) -> bool:
    """A photo caption: repeated on the next line (alt text, then the caption) or followed by a credit."""
    nxt = next((j for j in range(i + 1, min(len(lines), i + 3)) if lines[j]), None)
    prev = next((j for j in range(i - 1, max(-1, i - 3), -1) if lines[j]), None)
    if any(j is not None and keys[j] == keys[i] for j in (nxt, prev)):
        return True
    return nxt is not None and bool(_CREDIT.search(lines[nxt])) and len(lines[nxt].split()) <= 12


def _end(lines: list[str], info: list[Line], markers: list, last: int) -> int:
    """One past the article's last line: the block's last prose line and the closing lines after it."""
    end = last + 1
    j = last + 1
    while j < len(lines):
        text = lines[j]
        if not text:
            j += 1
            continue
        if markers[j] is not None:
            break
        closing = (
            byline.author_name(text)
            or byline.attribution_source(text)
            or byline.author_and_date(text)
            or _CREDIT.search(text)
            or (_SENTENCE_END.search(text) and info[j].words >= 3 and not info[j].label)
        )
        if not closing:
            break
        end = j = j + 1
    return end
