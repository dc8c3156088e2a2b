"""An HTML page's metadata (JSON-LD and <meta> tags) as evidence for its title, date, author and publisher,
and the rule that weighs it against what the page shows. Pure: an lxml tree in, frozen dataclasses out.

Sources, each field listing them in precedence order (the first that gives a value is chosen):

    title      visible (the article's <h1>) > jsonld (headline) > meta (og:title) > html_title (<title>,
               a trailing " - Site" / " | Site" removed)
    date       visible (a date element of the article: beside the title, outside header/nav chrome)
               > jsonld (datePublished) > meta (article:published_time, pubdate, itemprop datePublished,
               dc.date, ...) > time (another date element or <time datetime> of the page; else trafilatura's)
    author     visible (a byline printed in the article) > jsonld (author: a Person, a list, a string)
               > meta (article:author unless a URL, name=author, dc.creator)
    publisher  jsonld (publisher.name) > meta (og:site_name)

html_dump finds the visible values (and the "time" fallback) in the page; this module reads the metadata
and weighs them all. A page's own text comes first because metadata is written by templates: it names the
site as the author, carries the date of the last edit, or a headline shortened for search engines.
Metadata fills the gaps.
A publisher or site name is never an author, and an author is kept only when it reads as a byline name
(`byline.author_name`), so "admin" or a profile URL is no evidence.

When a source that was not chosen gives another value (text compared by `key_text`, author lists as sets of
names, dates by calendar day), the evidence records a stable code "<field>_<source>_differs", e.g.
"author_jsonld_differs" or "date_meta_differs". The "time" source is left out of that comparison: it is a
last resort made of the page's other dates (a top bar's today, related items), which differ by nature.
JSON-LD that does not parse is skipped, never raised.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .byline import attribution_source, author_name
from .dates import calendar_day, date_line
from .normalize import key_text

PRECEDENCE: dict[str, tuple[str, ...]] = {
    "title": ("visible", "jsonld", "meta", "html_title"),
    "date": ("visible", "jsonld", "meta", "time"),
    "author": ("visible", "jsonld", "meta"),
    "publisher": ("jsonld", "meta"),
}

_ARTICLE_TYPES = frozenset(
    "newsarticle article reportagenewsarticle blogposting analysisnewsarticle opinionnewsarticle "
    "backgroundnewsarticle reviewnewsarticle liveblogposting".split()
)
_ORGANIZATION_TYPES = frozenset("organization newsmediaorganization corporation".split())
_META_DATES = (
    "article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate", "publish-date",
    "dc.date.issued", "dc.date", "date",
)
_META_AUTHORS = ("article:author", "author", "dc.creator")
_NAME_SPLIT = re.compile(r"\s*[,;]\s*|\s+[-–]\s+|\s+và\s+")
_URLISH = re.compile(r"^(?:https?:|www\.|/)|\.(?:vn|com|net|org)\b", re.IGNORECASE)
_WRAPPER = re.compile(r"^\s*(?://\s*)?(?:<!\[CDATA\[|<!--)|(?://\s*)?(?:\]\]>|-->)\s*$")
_TITLE_SEP = re.compile(r"\s+[-–—|:]{1,2}\s+|\s*\|\s*")
_MAX_NODES = 200  # JSON-LD objects looked at per page


# ------------------------------------------------------------------------------------------ the metadata


@dataclass(frozen=True)
class HeadMeta:
    """What a page's JSON-LD and <meta> tags say about the article. Absent values are None or ()."""

    jsonld_title: str | None = None
    jsonld_date: str | None = None  # as written (ISO 8601 mostly)
    jsonld_authors: tuple[str, ...] = ()
    jsonld_publisher: str | None = None
    og_title: str | None = None
    site_name: str | None = None  # og:site_name
    meta_date: str | None = None  # as written
    meta_authors: tuple[str, ...] = ()
    html_title: str | None = None  # <title> as written


def read_meta(root) -> HeadMeta:
    """The JSON-LD article object and the meta tags of a parsed page."""
    article = _jsonld_article(root)
    site = meta_content(root, "og:site_name")
    publisher = _publisher(article.get("publisher"), article.get("_index", {})) if article else None
    not_authors = {key_text(s) for s in (site, publisher) if s}
    jsonld_authors = _authors(article.get("author"), article.get("_index", {}), not_authors) if article else ()
    meta_authors: list[str] = []
    for name in _META_AUTHORS:
        for value in meta_values(root, name):
            meta_authors += [n for n in _clean_names([value], not_authors) if n not in meta_authors]
    meta_date = next((v for name in _META_DATES for v in meta_values(root, name) if date_line(v)), None)
    titles = root.xpath("//title")
    return HeadMeta(
        jsonld_title=_string(article.get("headline")) if article else None,
        jsonld_date=_string(article.get("datePublished")) if article else None,
        jsonld_authors=jsonld_authors,
        jsonld_publisher=publisher,
        og_title=meta_content(root, "og:title"),
        site_name=site,
        meta_date=meta_date,
        meta_authors=tuple(meta_authors),
        html_title=_collapse(titles[0].text_content()) or None if titles else None,
    )


def meta_values(root, name: str) -> list[str]:
    """The content of every <meta> whose property, name or itemprop is `name` (case-insensitive)."""
    out = []
    for el in root.iter("meta"):
        label = (el.get("property") or el.get("name") or el.get("itemprop") or "").lower()
        if label == name and el.get("content") and (value := _collapse(el.get("content"))):
            out.append(value)
    return out


def meta_content(root, name: str) -> str | None:
    values = meta_values(root, name)
    return values[0] if values else None


def page_title(head: HeadMeta) -> str | None:
    """The <title> without a trailing site name: " - Site" when it names the site, any " | Site" (a bar
    rarely stands inside a headline, so the part after the last one is taken for the site's name)."""
    title = head.html_title
    if not title:
        return None
    sites = {key_text(s) for s in (head.site_name, head.jsonld_publisher) if s}
    seps = list(_TITLE_SEP.finditer(title))
    if not seps:
        return title
    last = seps[-1]
    tail, rest = title[last.end() :], title[: last.start()].strip()
    if rest and (key_text(tail) in sites or ("|" in last.group() and len(rest.split()) >= 3)):
        return rest
    return title


# -------------------------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class FieldEvidence:
    """One field: the value each source gave (in precedence order) and the source chosen."""

    values: tuple[tuple[str, str], ...] = ()
    chosen: str | None = None

    @property
    def value(self) -> str | None:
        return self.get(self.chosen) if self.chosen else None

    def get(self, source: str) -> str | None:
        return next((v for s, v in self.values if s == source), None)


@dataclass(frozen=True)
class PageEvidence:
    """Where a page's title, date, author and publisher came from, and which sources disagreed."""

    title: FieldEvidence = FieldEvidence()
    date: FieldEvidence = FieldEvidence()
    author: FieldEvidence = FieldEvidence()
    publisher: FieldEvidence = FieldEvidence()
    disagreements: tuple[str, ...] = ()


def weigh(field: str, given: dict[str, str | None]) -> tuple[FieldEvidence, list[str]]:
    """The field's evidence (the first source in PRECEDENCE[field] with a value is chosen) and its codes."""
    values = tuple((s, given[s]) for s in PRECEDENCE[field] if given.get(s))
    if not values:
        return FieldEvidence(), []
    chosen, value = values[0]
    codes = []
    norm = _NORMS[field]
    want = norm(value)
    for source, other in values[1:]:
        if source in _NOT_COMPARED:
            continue
        got = norm(other)
        if want is not None and got is not None and got != want:
            codes.append(f"{field}_{source}_differs")
    return FieldEvidence(values, chosen), codes


def page_evidence(**fields: dict[str, str | None]) -> PageEvidence:
    """PageEvidence from each field's {source: value}; fields are title, date, author, publisher."""
    out: dict[str, FieldEvidence] = {}
    codes: list[str] = []
    for field in PRECEDENCE:
        out[field], found = weigh(field, fields.get(field, {}))
        codes += found
    return PageEvidence(disagreements=tuple(codes), **out)


def authors_value(names: tuple[str, ...] | list[str]) -> str | None:
    """Several author names as one evidence value."""
    return ", ".join(names) or None


def _names_key(value: str) -> frozenset[str] | None:
    return frozenset(key_text(n) for n in value.split(", ") if key_text(n)) or None


def _text_key(value: str) -> str | None:
    return key_text(value) or None


_NOT_COMPARED = frozenset({"time"})
_NORMS = {"title": _text_key, "date": calendar_day, "author": _names_key, "publisher": _text_key}


# ---------------------------------------------------------------------------------------------- JSON-LD


def jsonld_objects(root) -> list[dict]:
    """Every object of the page's JSON-LD blocks: top-level, in lists and in "@graph"; bad JSON skipped."""
    out: list[dict] = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = _WRAPPER.sub("", script.text or "").strip()
        try:
            data = json.loads(text, strict=False)
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack and len(out) < _MAX_NODES:
            item = stack.pop(0)
            if isinstance(item, list):
                stack[:0] = item
            elif isinstance(item, dict):
                out.append(item)
                graph = item.get("@graph")
                if isinstance(graph, (list, dict)):
                    stack[:0] = graph if isinstance(graph, list) else [graph]
    return out


def _types(node: dict) -> set[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return {v.strip().lower() for v in values if isinstance(v, str)}


def _jsonld_article(root) -> dict:
    """The article object, with an "_index" of @ids: the first of an article type with a headline, else the
    first of an article type, else a WebPage with a headline."""
    nodes = jsonld_objects(root)
    index = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    articles = [n for n in nodes if _types(n) & _ARTICLE_TYPES]
    article = next((n for n in articles if _string(n.get("headline"))), articles[0] if articles else None)
    if article is None:
        article = next((n for n in nodes if "webpage" in _types(n) and _string(n.get("headline"))), None)
    return {**article, "_index": index} if article is not None else {}


def _resolve(value: Any, index: dict) -> Any:
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in index:
        return index[value["@id"]]
    return value


def _string(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    return _collapse(value) or None if isinstance(value, str) else None


def _publisher(value: Any, index: dict) -> str | None:
    value = _resolve(value, index)
    if isinstance(value, list):
        value = _resolve(value[0], index) if value else None
    if isinstance(value, dict):
        return _string(value.get("name"))
    return _string(value)


def _authors(value: Any, index: dict, not_authors: set[str]) -> tuple[str, ...]:
    raw: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        item = _resolve(item, index)
        if isinstance(item, dict):
            if _types(item) & _ORGANIZATION_TYPES:
                continue  # a newsroom, not a writer
            name = item.get("name")
            raw += [n for n in (name if isinstance(name, list) else [name]) if isinstance(n, str)]
        elif isinstance(item, str):
            raw.append(item)
    return _clean_names(raw, not_authors)


def _clean_names(raw: list[str], not_authors: set[str]) -> tuple[str, ...]:
    """Names that read as bylines, split where one value lists several; URLs and site names left out."""
    out: list[str] = []
    for value in raw:
        value = _collapse(value)
        if not value or _URLISH.search(value):
            continue
        for part in [value] if author_name(value) else _NAME_SPLIT.split(value):
            name = author_name(part.strip())
            if name and key_text(name) not in not_authors and name not in out:
                out.append(name)
    return tuple(out)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def closing_author(lines: list[str]) -> str | None:
    """The name on a byline line closing the article's body ("Hải Minh", "Ngọc Lan (tổng hợp)"), read as
    the text parser reads the end of an article: past "Theo X" lines, never the only line."""
    rest = list(lines)
    while len(rest) > 1:
        line = rest.pop()
        if name := author_name(line):
            return name
        if not attribution_source(line):
            return None
    return None
