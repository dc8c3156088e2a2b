"""Raw text dump of a news page → `Article`, or a `Rejection` with a reason code. Pure: no I/O.

Two passes over the lines:
1. each line gets a kind on its own (blank, chrome marker, date line, photo-credit line, text);
2. a walk with a little state (before the title / article / inside a related list / after the article's
   end furniture) gives every line exactly one class from `record.LINE_CLASSES`; the article's text lines
   are then grouped into captions, lead, body, author and attribution (walk.py).
Every line is accounted for: `Parsed.line_classes` has one entry per raw line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass

from pydantic import ValidationError

from . import PARSER_VERSION, article_check, byline, dates, ids, langid, locate, redact, topics
from .chrome import ChromeTable, default_table
from .decode import Rejection, decode
from .normalize import clean_lines, key_text
from .walk import Unit, Walk
from ..model.record import Article, Caption, PiiCounts, RawMeta, TopicMatch


@dataclass(frozen=True)
class Parsed:
    article: Article
    line_classes: tuple[str, ...]
    # why the title, date and author are what they are, as "field:source" codes ("title:words_in_article",
    # "title:visible", "author:jsonld"), and the HTML sources that disagreed ("differs:author_jsonld_differs")
    evidence: tuple[str, ...] = ()
    signature: object = None  # MinHash values of the body, filled by the build's workers (sketch.signature)
    headline_keys: tuple[str, ...] = ()  # normalize.key_text of each related headline (the build makes their ids)


@dataclass
class Draft:
    """What `analyse` finds: the article's parts before `parse` redacts them and derives id, language, topics."""

    walk: Walk  # the clean lines, their classes, the title's index
    units: list[Unit]  # paragraphs and captions, in order
    lead: Unit | None
    paras: list[Unit]  # the body's paragraphs
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
    walk = Walk(lines, table or default_table(), meta, whole_page=raw_format != "html")
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
    texts = ([lead] if lead else []) + paras
    problem = article_check.article_problem(lines[walk.title], [u.text for u in texts], walk.table,
                                            walk.publisher_key, _known_prose(walk, texts))
    if problem is not None:
        return _no_article(lines, walk.title, problem)
    found = walk.date or _opening_date([lead] + paras[:2] if lead else paras[:3])
    return Draft(walk, units, lead, paras, (author, attribution), found, page)


def _known_prose(walk: Walk, units: list[Unit]) -> dict[str, bool]:
    """`locate.is_prose` of the paragraphs that are one line of the dump as it stands: the locating judged
    every line of a text dump already (an article line has no chrome marker, so its `prose` is is_prose)."""
    info = walk.located.info
    if not info:
        return {}
    return {u.text: info[u.lines[0]].prose for u in units if len(u.lines) == 1 and u.text is walk.lines[u.lines[0]]}


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
    headline_keys: list[str]  # key_text of each headline (the walk's key where redaction changed nothing)
    found: dates.FoundDate | None  # the date, its year inferred where it can be
    basis: str
    record_id: str
    pii: Counter
    sample: str


def prepare(
    raw: bytes, meta: RawMeta, raw_path: str, *, table: ChromeTable | None = None, raw_format: str = "text",
    raw_sha256: str | None = None,
) -> Prepared | Rejection:
    """The first part of `parse`: the article found, redacted, and its id; or the `Rejection`. `raw_sha256`:
    the hex sha256 of `raw`, when the caller has taken it already (a build worker pins what it reads)."""
    draft = analyse(raw, meta, table=table, raw_format=raw_format)
    if isinstance(draft, Rejection):
        return draft
    walk, units, lead, paras, found = draft.walk, draft.units, draft.lead, draft.paras, draft.printed
    # Redaction happens before anything is derived from the text (id, language, topics).
    pii: Counter[str] = Counter()
    scrub = _scrubber(pii) if _may_hold_pii(walk, units) else _as_is
    captions = [Caption(text=scrub(u.text), credit=scrub(u.credit), variants=[scrub(v) for v in u.variants]) for u in units if u.caption]
    headlines = [scrub(h) for h in walk.headlines]
    headline_keys = [key if text is before else key_text(text)
                     for text, before, key in zip(headlines, walk.headlines, walk.headline_keys, strict=True)]
    for unit in ([lead] if lead else []) + paras:
        unit.text = scrub(unit.text)
    printed, found = found, dates.infer_year(found, _retrieved_date(meta)) if found is not None else None
    title = scrub(walk.lines[walk.title])
    basis, key = article_key(meta, title, printed)
    body = "\n\n".join(u.text for u in paras)
    return Prepared(draft, meta, raw_sha256 or hashlib.sha256(raw).hexdigest(), raw_path, raw_format, title, body,
                    captions, headlines, headline_keys, found, basis, ids.make_id(key), pii,
                    langid.article_sample(title, lead.text if lead else None, body))


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
    return Parsed(article, tuple(walk.classes), _evidence(walk.located, draft.page),  # type: ignore[arg-type]
                  headline_keys=tuple(p.headline_keys))


def _take_byline(paras: list[Unit], classes: list[str | None]) -> tuple[str | None, str | None]:
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


def _opening_date(paras: list[Unit]) -> dates.FoundDate | None:
    for unit in paras:
        found = dates.find_opening_date(unit.text)
        if found is not None:
            return found
    return None


def _may_hold_pii(walk: Walk, units: list[Unit]) -> bool:
    """Whether any text `prepare` redacts may hold what redaction finds: one look at them all, joined by
    newlines (redact.may_hold_pii), instead of one per text; most pages hold nothing to redact."""
    texts = [walk.lines[walk.title], *walk.headlines]
    for unit in units:
        texts.append(unit.text)
        if unit.caption:
            texts += [unit.credit or "", *unit.variants]
    return redact.may_hold_pii("\n".join(texts))


def _as_is(text: str | None) -> str | None:
    return text


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
