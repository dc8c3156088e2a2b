"""Raw text dump of a news page → `Article`, or a `Rejection` with a reason code. Pure: no I/O.

Two passes over the lines:
1. each line gets a kind on its own (blank, chrome marker, date line, photo-credit line, text);
2. a walk with a little state (before the title / article / inside a related list / after the article's
   end furniture) gives every line exactly one class from `record.LINE_CLASSES`; the article's text lines
   are then grouped into captions, lead, body, author and attribution.
Every line is accounted for: `Parsed.line_classes` has one entry per raw line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

from pydantic import ValidationError

from . import article_check, boxes, byline, credits, dates, ids, langid, locate, redact, topics
from .chrome import ChromeTable, default_table
from .credits import MAX_CAPTION
from .decode import Rejection, decode
from .normalize import clean_lines, key_text, word_count
from ..model.record import Article, Caption, PiiCounts, RawMeta, TopicMatch

PARSER_VERSION = "1.0.0"

CAPTION_MAX_WORDS = 45  # a longer line above a lone credit line is a paragraph; the credit stands alone
PROSE_MIN_WORDS = 15  # a line this long ending in . ! ? is a paragraph, not a listed headline

_BULLET = re.compile(r"^(?:[-–•*·+▪►]\s*)+")


@dataclass(frozen=True)
class Parsed:
    article: Article
    line_classes: tuple[str, ...]
    # why the title, date and author are what they are, as "field:source" codes ("title:words_in_article",
    # "title:visible", "author:jsonld"), and the HTML sources that disagreed ("differs:author_jsonld_differs")
    evidence: tuple[str, ...] = ()
    signature: object = None  # MinHash values of the body, filled by the build's workers (minhash.signature)


@dataclass
class _Unit:
    """A run of article lines that become one paragraph or one caption."""

    lines: list[int]
    text: str
    caption: bool = False
    credit: str | None = None
    variants: list[str] = field(default_factory=list)


@dataclass
class Draft:
    """What `analyse` finds: the article's parts before `parse` redacts them and derives id, language, topics."""

    walk: _Walk  # the clean lines, their classes, the title's index
    units: list[_Unit]  # paragraphs and captions, in order
    lead: _Unit | None
    paras: list[_Unit]  # the body's paragraphs
    byline: tuple[str | None, str | None]  # the author and the source attribution
    printed: dates.FoundDate | None  # the date as printed (no year inferred)
    page: object = None  # an HTML page's evidence (html_meta)


def analyse(raw: bytes, meta: RawMeta, *, table: ChromeTable | None = None, raw_format: str = "text") -> Draft | Rejection:
    """The first half of `parse`: the article found in a raw file (title, lead, paragraphs, captions, byline,
    printed date), or the `Rejection`. Nothing is redacted or derived yet (validate needs no more)."""
    dump, page = raw, None
    if raw_format == "html":
        from .html_dump import HtmlError, read_page

        try:
            text_dump, page = read_page(raw)
            dump = text_dump.encode("utf-8")
        except HtmlError as err:
            return Rejection("bad_html", str(err), "save the whole article page as HTML, or its text as a .txt dump")
    text = decode(dump)
    if isinstance(text, Rejection):
        return text
    lines = clean_lines(text)
    # an HTML page was laid out by html_dump from its structure: the dump starts at the headline
    walk = _Walk(lines, table or default_table(), meta, whole_page=raw_format != "html")
    walk.run()
    place = walk.located
    if place.whole_page and place.title is None:
        return _no_article(lines, place.candidate, "no headline-shaped line stands above the article's paragraphs")
    if walk.title is None:
        return Rejection("no_title", "no title line: every line is blank, chrome, a breadcrumb or a date",
                         "put the headline on its own line before the article text", walk.first_nonblank)
    units = walk.group_units()
    paras = [u for u in units if not u.caption]
    author, attribution = _take_byline(paras, walk.classes)
    author = author or walk.top_author or walk.tail_author
    if not paras:
        return Rejection("no_body", "a title but no article paragraphs after it",
                         "the dump must hold the article's paragraphs after the title, one per line", walk.title + 1)
    for unit in paras:
        for i in unit.lines:
            walk.classes[i] = "body"
    lead = None
    if len(paras) > 1:
        lead = paras.pop(0)
        walk.classes[lead.lines[0]] = "lead"
    problem = article_check.article_problem(
        lines[walk.title], [u.text for u in ([lead] if lead else []) + paras], walk.table, walk.publisher_key
    )
    if problem is not None:
        return _no_article(lines, walk.title, problem)
    found = walk.date or _opening_date([lead] + paras[:2] if lead else paras[:3])
    return Draft(walk, units, lead, paras, (author, attribution), found, page)


def article_key(meta: RawMeta, title: str, printed: dates.FoundDate | None) -> tuple[str, str]:
    """(id basis, id key) of an article with this (redacted) title and printed date; see ids.article_key."""
    date_key = ids.date_key(printed.year, printed.month, printed.day) if printed else ""
    return ids.article_key(url=meta.url, title=title, publisher=meta.publisher, date_key=date_key)


def parse(
    raw: bytes, meta: RawMeta, raw_path: str, *, table: ChromeTable | None = None, raw_format: str = "text"
) -> Parsed | Rejection:
    """Parse one raw file: a text dump, or (raw_format "html") an HTML page, which html_dump first lays out
    as a text dump. `raw_path` is recorded as provenance only: it never changes the result's text or id.
    For HTML, `line_classes` describe the lines of that dump. (`prepare`, then `finish` with the language
    of the prepared sample: a caller with many pages may identify their samples one after the other.)"""
    prepared = prepare(raw, meta, raw_path, table=table, raw_format=raw_format)
    if isinstance(prepared, Rejection):
        return prepared
    return finish(prepared, langid.identify(prepared.sample))


@dataclass
class Prepared:
    """A page parsed up to its language: redacted, its id derived; `sample` is the text to identify."""

    draft: Draft
    meta: RawMeta
    raw_sha256: str
    raw_path: str
    raw_format: str
    title: str
    body: str
    captions: list[Caption]
    headlines: list[str]
    found: dates.FoundDate | None  # the date, its year inferred where it can be
    basis: str
    record_id: str
    pii: Counter
    sample: str


def prepare(
    raw: bytes, meta: RawMeta, raw_path: str, *, table: ChromeTable | None = None, raw_format: str = "text"
) -> Prepared | Rejection:
    """The first part of `parse`: the article found, redacted, and its id; or the `Rejection`."""
    draft = analyse(raw, meta, table=table, raw_format=raw_format)
    if isinstance(draft, Rejection):
        return draft
    walk, units, lead, paras, found = draft.walk, draft.units, draft.lead, draft.paras, draft.printed
    # Redaction happens before anything is derived from the text (id, language, topics).
    pii: Counter[str] = Counter()
    scrub = _scrubber(pii)
    captions = [Caption(text=scrub(u.text), credit=scrub(u.credit), variants=[scrub(v) for v in u.variants]) for u in units if u.caption]
    headlines = [scrub(h) for h in walk.headlines]
    for unit in ([lead] if lead else []) + paras:
        unit.text = scrub(unit.text)
    printed, found = found, dates.infer_year(found, _retrieved_date(meta)) if found is not None else None
    title = scrub(walk.lines[walk.title])
    basis, key = article_key(meta, title, printed)
    body = "\n\n".join(u.text for u in paras)
    return Prepared(draft, meta, hashlib.sha256(raw).hexdigest(), raw_path, raw_format, title, body, captions, headlines,
                    found, basis, ids.make_id(key), pii, langid.article_sample(title, lead.text if lead else None, body))


def finish(p: Prepared, language: tuple[str, float]) -> Parsed | Rejection:
    """The rest of `parse`, given the language of `p.sample` (langid.identify): topics, and the record."""
    draft, meta, found, record_id, title, body = p.draft, p.meta, p.found, p.record_id, p.title, p.body
    lead, walk, (author, attribution) = draft.lead, draft.walk, draft.byline
    taxonomy = topics.default_taxonomy()
    matched = topics.match_topics("\n".join(t for t in (title, lead.text if lead else None, body) if t), taxonomy)
    try:
        article = Article(
            id=record_id,
            id_basis=p.basis,
            title=title,
            lead=lead.text if lead else None,
            body=body,
            captions=p.captions,
            related_headlines=p.headlines,
            published_date=found.as_date() if found else None,
            published_year=found.year if found else None,
            published_month=found.month if found else None,
            published_day=found.day if found else None,
            published_time=found.time if found else None,
            published_utc_offset=found.utc_offset if found else None,
            date_source=found.source if found else None,
            date_evidence=found.evidence if found else None,
            date_year_inferred=found.year_inferred if found else False,
            date_precision=_precision(found),
            author=author,
            source_attribution=attribution,
            publisher=meta.publisher,
            url=meta.url,
            retrieved_at=meta.retrieved_at.isoformat() if meta.retrieved_at else None,
            license=meta.license,
            language=language[0],
            language_score=language[1],
            cluster_id=record_id,  # a cluster of one until the build's dedup step says otherwise
            cluster_size=1,
            pii_redacted=PiiCounts(**{kind.lower(): p.pii[kind] for kind in redact.PII_TYPES}),
            topics=[topic for topic, _ in matched],
            topic_terms=[TopicMatch(topic=topic, terms=terms) for topic, terms in matched],
            taxonomy_version=taxonomy.version,
            raw_path=p.raw_path,
            raw_sha256=p.raw_sha256,
            raw_format=p.raw_format,
            parser_version=PARSER_VERSION,
            split=ids.split_for(record_id),
        )
    except ValidationError as err:
        first = err.errors()[0]
        return Rejection("invalid_record", f"the parsed record breaks the schema at {'.'.join(map(str, first['loc']))}: {first['msg']}",
                         "check the raw file and its sidecar against schema/article.schema.json")
    assert None not in walk.classes, "every line must be classified"
    return Parsed(article, tuple(walk.classes), _evidence(walk.located, draft.page))  # type: ignore[arg-type]


class _Walk:
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
        key = key_text(text)
        if key and key not in self._headline_keys:
            self._headline_keys.add(key)
            self.headlines.append(text)

    def group_units(self) -> list[_Unit]:
        """Article lines → paragraphs and captions (credit lines, caption pairs, '(Ảnh: X)' endings)."""
        units: list[_Unit] = []
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
                and self._adjacent(prev, i)
                and len(prev.text) <= MAX_CAPTION
                and abs(len(prev.text) - len(text)) <= 8 + len(text) // 4  # cheap first: keys of texts this far apart differ
                and locate.same_fold(prev.text, text)  # the lines are clean: fold is their key_text
            ):
                # The same caption twice in a row (image alt text, then the visible caption): keep the later one.
                if prev.text != text and prev.text not in prev.variants:
                    prev.variants.append(prev.text)
                prev.text, prev.caption = text, True
                prev.credit = credit or prev.credit
                prev.lines.append(i)
                continue
            units.append(_Unit([i], text, is_caption, credit))
        for unit in units:
            if unit.caption:
                for i in unit.lines:
                    self.classes[i] = "caption"
        return units

    def _adjacent(self, unit: _Unit, i: int) -> bool:
        return all(not self.lines[j] for j in range(unit.lines[-1] + 1, i))


def _take_byline(paras: list[_Unit], classes: list[str | None]) -> tuple[str | None, str | None]:
    """Author and attribution lines closing the article, taken off the end of `paras`."""
    author = attribution = None
    while len(paras) > 1:
        unit = paras[-1]
        if attribution is None and (src := byline.attribution_source(unit.text)):
            attribution, cls = src, "attribution"
        elif author is None and (name := byline.author_name(unit.text)):
            author, cls = name, "author"
        else:
            break
        paras.pop()
        for i in unit.lines:
            classes[i] = cls
    return author, attribution


NO_ARTICLE_HINT = (
    "save the page as HTML (the HTML reader uses the page's structure and metadata), or cut the dump down to "
    "the article: headline, date line, paragraphs"
)


def _no_article(lines: list[str], candidate: int | None, why: str) -> Rejection:
    """The dump holds no article the parser can vouch for: say which line came closest and why it fails."""
    where = f"; the best title candidate is line {candidate + 1}: {lines[candidate][:80]!r}" if candidate is not None else ""
    return Rejection("no_article", f"no article found: {why}{where}", NO_ARTICLE_HINT, candidate + 1 if candidate is not None else None)


def _evidence(place: locate.Located, page) -> tuple[str, ...]:
    """The record's evidence codes (see `Parsed.evidence`): the text dump's title evidence, or the HTML
    page's chosen sources and disagreements (html_meta.PageEvidence)."""
    if page is None:
        return tuple(f"title:{why}" for why in (place.evidence or ("first_line",)))
    chosen = [f"{name}:{getattr(page, name).chosen}" for name in ("title", "date", "author") if getattr(page, name).chosen]
    return (*chosen, *(f"differs:{code}" for code in page.disagreements))


def _caption_sized(text: str) -> bool:
    return len(text) <= MAX_CAPTION and word_count(text) <= CAPTION_MAX_WORDS


def _is_prose(line: str) -> bool:
    return not _BULLET.match(line) and word_count(line) >= PROSE_MIN_WORDS and bool(locate.SENTENCE_STOP.search(line))


def _opening_date(paras: list[_Unit]) -> dates.FoundDate | None:
    for unit in paras:
        found = dates.find_opening_date(unit.text)
        if found is not None:
            return found
    return None


def _scrubber(counts: Counter):
    """A function that redacts one text (None passes through) and adds what it replaced to `counts`."""

    def scrub(text: str | None) -> str | None:
        if text is None:
            return None
        clean, found = redact.redact(text)
        if clean is not text:  # something was replaced (else every count is 0)
            counts.update(found)
        return clean

    return scrub


def _precision(found: dates.FoundDate | None) -> str | None:
    return None if found is None else "month_day" if found.year is None else "minute" if found.time else "day"


def _retrieved_date(meta: RawMeta) -> dt.date | None:
    return meta.retrieved_at.date() if isinstance(meta.retrieved_at, dt.datetime) else meta.retrieved_at
