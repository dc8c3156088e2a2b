"""An HTML news page (bytes) → a text dump in the conventions `parse.py` reads. Pure: no I/O.

The text parser does the real work (line classes, captions, byline, dates, redaction); this module only
lays the page out the way a text dump of it would look:

    title
    date line                      (when the page shows one; else from its publication-date metadata)
    lead / sapo
    body paragraphs, in page order (list items "- item" or "1. item"; subheadings as their own line),
    with each figure where it stands: "caption text (Ảnh: credit)", or a caption line given twice when it
    has no credit (the text parser reads two equal lines in a row as image alt text + visible caption)
    author line                    (a byline of the article)
    "Theo X" / "Nguồn: X" line     (an attribution of the article)
    related-list header            ("Tin liên quan", ...) followed by "- headline" lines, one box after another

Who does what:
- trafilatura (`bare_extraction`, run by html_extract) finds the main text: it drops navigation, footers,
  share bars, forms and comments, and gives paragraphs, headings, lists and quotes in order. Its metadata
  (title, author, date, site name) is a fallback only: on real pages it takes the site's top-bar date or a
  commenter's name.
- lxml reads what trafilatura drops or gets wrong: here the site chrome, the <h1> title, the marked sapo and
  bylines; in html_dates the date element; in html_figures figures and their captions with credits; in
  html_boxes related-news boxes (a header from data/chrome.toml with role "related" followed by a list of
  links) and headerless related cards. Those parts are cut out of the tree trafilatura sees, so nothing is
  emitted twice. Layout tables (old portals) are turned into plain blocks first.
- A position map of the page's text (`html_stream.Stream`) puts figures and the subheadings trafilatura
  dropped back between the paragraphs where they stand, and tells which figures belong to the article.
- html_meta reads the JSON-LD and <meta> tags and weighs them against what the page shows: the title, date
  and author lines come from the page first, from metadata when the page shows none (`read_page` returns
  that evidence with the dump).
- html_text holds the element-text helpers all of them share. Imports run one way: html_dump uses the
  html_* modules, never the reverse.
"""

from __future__ import annotations

import codecs
import re
from typing import TYPE_CHECKING

from .byline import attribution_source, author_and_date, author_name
from .chrome import ChromeTable, default_table
from .html_boxes import related_boxes, related_cards
from .html_dates import DATE_ATTR, page_dates
from .html_extract import body_lines, main_text
from .html_figures import find_figures
from .html_meta import (PageEvidence, authors_value, closing_author, date_line, meta_content, page_evidence,
                        page_title, read_meta)
from .html_stream import Stream, merge
from .html_text import HEADINGS, add_subtree, attr_words, collapse, follows, tag_of, text_of
from .normalize import key_text, nfc, word_count

if TYPE_CHECKING:  # pragma: no cover
    from lxml.html import HtmlElement

EXTRA_HINT = "HTML input needs the optional extra: pip install 'vncyberdata[html]'"


class HtmlError(ValueError):
    """The bytes are not an HTML news page this module can lay out as a text dump."""


# --------------------------------------------------------------------------------------------- entry point


def html_to_dump(data: bytes) -> str:
    """An HTML news page -> a text dump (lines joined by "\\n") in the conventions parse.py understands."""
    return read_page(data)[0]


def read_page(data: bytes) -> tuple[str, PageEvidence]:
    """The page's text dump and the evidence for its title, date, author and publisher (see html_meta).

    Raises HtmlError for bytes that are not HTML or have no article content (no title / no paragraphs).
    """
    try:
        import trafilatura  # noqa: F401  (imported here: the extra is optional)
        from lxml import etree  # noqa: F401
    except ImportError as err:
        raise HtmlError(EXTRA_HINT) from err
    if not isinstance(data, (bytes, bytearray)):
        raise HtmlError(f"expected the page as bytes, got {type(data).__name__}")
    text = decode_html(bytes(data))
    root = _parse_tree(text)
    page = _Page(root, default_table())
    return page.dump(), page.evidence


# ------------------------------------------------------------------------------------------------ decoding

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml\b[^>]*?encoding\s*=\s*["']\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# As browsers do (WHATWG encoding standard): these labels mean windows-1252.
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
                    "ascii": "cp1252", "us-ascii": "cp1252"}
_LOOKS_HTML = re.compile(
    r"<\s*(?:!doctype\s+html|html|head|body|title|meta|article|main|section|div|p|h[1-6]|table|span|ul|ol|br|a)\b",
    re.IGNORECASE,
)
_XML_DECL = re.compile(r"^\s*<\?xml\b[^>]*\?>")
# Characters no XML/HTML tree can hold as text (lxml refuses them): C0 controls but tab/LF/CR, DEL, U+FFFE/FFFF.
# Form feed and vertical tab count as spaces; the rest go.
_NOT_XML = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def decode_html(data: bytes) -> str:
    """Bytes → text by the BOM, else the declared charset (meta or XML declaration), else UTF-8. Strict."""
    encoding, declared, start = None, False, 0
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding, declared, start = name, True, len(bom)
            break
    if encoding is None:
        head = data[:4096]
        m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
        if m:
            label = m.group(1).decode("ascii").lower()
            try:
                encoding = codecs.lookup(_CHARSET_ALIASES.get(label, label)).name
            except LookupError:
                raise HtmlError(f"the page declares an unknown charset {label!r}") from None
            if encoding.startswith(("utf-16", "utf-32")):
                encoding = "utf-8"  # the declaration was readable as ASCII, so the bytes are not UTF-16
            declared = True
        else:
            encoding = "utf-8"
    if not encoding.startswith("utf-16") and b"\x00" in data:
        raise HtmlError("the file contains NUL bytes: it is binary, not an HTML page")
    try:
        text = data[start:].decode(encoding)
    except UnicodeDecodeError as err:
        said = f"declares {encoding}" if declared else f"declares no charset and is not valid {encoding}"
        raise HtmlError(f"the page {said}, but byte {err.start + start} does not decode as {encoding}") from None
    if "\x00" in text:
        raise HtmlError("the page contains NUL characters: it is binary, not an HTML page")
    # NFC once, here, so that every pattern below (credits, dates, bylines) sees composed Vietnamese, as the
    # text parser does; legacy charsets such as windows-1258 decode to combining tone marks.
    # Control characters go first: lxml parses them but refuses them when a tree is edited.
    text = nfc(_NOT_XML.sub(lambda m: " " if m.group() in "\x0b\x0c" else "", text))
    if not _LOOKS_HTML.search(text[:65536]):
        raise HtmlError("no HTML markup found: this is not an HTML page")
    return text


def _parse_tree(text: str) -> HtmlElement:
    from lxml import etree
    from lxml import html as lhtml

    text = _XML_DECL.sub("", text, count=1)  # lxml refuses str input that declares an encoding
    parser = lhtml.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    try:
        root = lhtml.document_fromstring(text, parser=parser)
    except (etree.LxmlError, ValueError) as err:
        raise HtmlError(f"the page cannot be parsed as HTML: {err}") from None
    if root is None or not isinstance(root.tag, str):
        raise HtmlError("the page cannot be parsed as HTML: no document element")
    return root


# ------------------------------------------------------------------------------------------- page parts

_SAPO_WORDS = {"sapo", "lead", "description", "desc", "summary", "chapeau", "excerpt", "intro", "tomtat",
               "abstract", "teaser", "lede", "standfirst"}
# Class/id words of site furniture. Comment areas never hold the article; the other words also name page
# wrappers ("has-sidebar", "menu-open"), so they mark chrome only on a block with under half the page's text.
_COMMENT_WORDS = {"comment", "comments", "cmt", "binhluan", "ykien", "disqus"}
_COMMENT_ATTR = re.compile(r"binh-?luan|y-?kien", re.IGNORECASE)
_CHROME_WORDS = {"nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "sidebar", "share", "sharing",
                 "social", "advertisement", "ads"}
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary"}
_PAGE_FURNITURE = {"header", "footer", "aside"}
_TITLE_WORDS = {"title", "headline", "heading", "detail", "entry", "tieude", "tieu", "name"}
_AUTHOR_WORDS = {"author", "byline", "tacgia", "writer", "reporter", "phongvien", "butdanh"}
_SOURCE_WORDS = {"source", "nguon", "origin", "attribution", "nguontin"}


class _Page:
    def __init__(self, root: HtmlElement, table: ChromeTable) -> None:
        self.root = root
        self.table = table
        bodies = root.xpath("//body")
        self.body = bodies[0] if bodies else root
        self.head = read_meta(root)
        self.sitename = self.head.site_name or ""
        self.chrome: set = set()  # elements (with their subtrees) that are never article text
        self.taken: set = set()  # elements this module emits itself (cut from trafilatura's tree)

    # -------------------------------------------------------------------------------------- the dump

    def dump(self) -> str:
        self._mark_chrome()
        self.boxes = related_boxes(self.body, self.table)
        for box in self.boxes:
            for el in box.elements:
                add_subtree(self.chrome, el)
        for box in (cards := related_cards(self.root, self.body, self.chrome, self.boxes)):
            for el in box.elements:
                add_subtree(self.chrome, el)
        self.boxes += cards
        self.figures = find_figures(self.body, self.chrome)
        for fig in self.figures:
            for el in fig.elements:
                add_subtree(self.taken, el)
        self.title_el, title = self._title_element()
        self.sapo_el = self._sapo()
        self.byline_el, author, self.byline_date = self._byline()
        self.source_el, source = self._source()
        for el in (self.title_el, self.sapo_el, self.byline_el, self.source_el):
            if el is not None:
                add_subtree(self.taken, el)

        doc = main_text(self.root, self.taken | self.chrome)
        head = self.head
        titles = {"visible": title, "jsonld": head.jsonld_title, "meta": head.og_title, "html_title": page_title(head)}
        title = next((t for t in titles.values() if t), None)  # in precedence order (html_meta.PRECEDENCE)
        if not title:
            raise HtmlError("no title: the page has no <h1>, JSON-LD headline, og:title or <title> text")
        lead = text_of(self.sapo_el) if self.sapo_el is not None else None
        skip = {key_text(title), key_text(lead or "")}
        items = [line for line in body_lines(doc, self.table) if key_text(line) not in skip]

        self.stream = Stream(self.body)
        title_pos = self.stream.start(self.title_el) if self.title_el is not None else self.stream.find(title)
        positions = self.stream.place(items)
        container = self.stream.container(positions)
        lead = lead or self._meta_lead(title, items)
        visible_date, other_date = page_dates(
            self.stream, self.root, self.body, chrome=self.chrome, taken=self.taken, title_pos=title_pos,
            positions=positions, byline=(self.byline_el, self.byline_date), doc_date=getattr(doc, "date", None))
        dates = {"visible": visible_date, "jsonld": head.jsonld_date if date_line(head.jsonld_date) else None,
                 "meta": head.meta_date, "time": other_date}
        author = author or self._fallback_author(doc, title)
        seen = author_name(author) if author else closing_author(items)
        authors = {"visible": seen, "jsonld": authors_value(head.jsonld_authors), "meta": authors_value(head.meta_authors)}
        self.evidence = page_evidence(title=titles, date=dates, author=authors,
                                      publisher={"jsonld": head.jsonld_publisher, "meta": head.site_name})
        dated = date_line(self.evidence.date.value)
        if not seen and self.evidence.author.chosen:  # no byline printed: the metadata's first writer
            author = (head.jsonld_authors or head.meta_authors)[0]
        ends = [line for line in (author, source) if line]
        # what goes out on its own line is not repeated in the body
        skip |= {key_text(line) for line in [lead, dated, *ends] if line}
        items = [line for line in items if key_text(line) not in skip]
        positions = self.stream.place(items)

        anchors = self._anchors(title_pos, positions, container, skip | {key_text(line) for line in items})
        paragraphs = merge(items, positions, anchors)
        if not paragraphs and not lead:
            raise HtmlError("no article content: the page has a title but no paragraphs")
        lines = [title, dated, lead, *paragraphs, *ends]
        for box in self.boxes:
            lines.append(box.header)
            lines += [f"- {h}" for h in box.headlines]
        return "\n".join(c for c in (collapse(line or "") for line in lines) if c)

    # ------------------------------------------------------------------------------------ chrome areas

    def _mark_chrome(self) -> None:
        """Navigation, the page's header/footer/aside (outside <article>/<main>), share bars, comment areas."""
        from lxml import etree

        walker = etree.iterwalk(self.root, events=("start", "end"))
        in_article = 0
        page_length: int | None = None
        for event, el in walker:
            tag = tag_of(el)
            if event == "end":  # also sent for an element whose subtree was skipped
                if tag in ("article", "main"):
                    in_article -= 1
                continue
            if tag in ("article", "main"):
                in_article += 1
            if not tag or tag in ("html", "body"):
                continue
            role = (el.get("role") or "").lower()
            words = attr_words(el)
            furniture = tag in _PAGE_FURNITURE and not in_article and not (tag == "header" and el.find(".//h1") is not None)
            by_class = False
            if (words & (_COMMENT_WORDS | _CHROME_WORDS) or _COMMENT_ATTR.search(f"{el.get('class')} {el.get('id')}")) and (
                tag != "article" and el.find(".//h1") is None and el.find(".//article") is None
            ):
                comments = bool(words & _COMMENT_WORDS) or bool(_COMMENT_ATTR.search(f"{el.get('class')} {el.get('id')}"))
                if comments:
                    by_class = True
                else:
                    if page_length is None:
                        page_length = len(text_of(self.body))
                    by_class = len(text_of(el)) < 0.5 * page_length
            if tag in ("nav", "menu") or role in _CHROME_ROLES or furniture or by_class:
                add_subtree(self.chrome, el)
                walker.skip_subtree()

    def _free(self, el) -> bool:
        return el not in self.chrome and el not in self.taken

    # ------------------------------------------------------------------------------- title, sapo, byline

    def _title_element(self):
        h1s = [h for h in self.body.iter("h1") if h not in self.chrome and text_of(h)]
        site = key_text(self.sitename)
        h1s = [h for h in h1s if not site or key_text(text_of(h)) != site]
        if not h1s:
            return None, None
        best = next((h for h in h1s if attr_words(h) & _TITLE_WORDS), h1s[0])
        return best, text_of(best)

    def _sapo(self):
        found = []
        for el in self.body.iter():
            if not isinstance(el.tag, str) or not self._free(el) or tag_of(el) in ("body", "html", "meta"):
                continue
            if not attr_words(el) & _SAPO_WORDS:
                continue
            text = text_of(el)
            if word_count(text) >= 8 and len(text) <= 1500:
                found.append(el)
        # the innermost: drop a wrapper that holds another candidate
        inner = [el for el in found if not any(o is not el and el in o.iterancestors() for o in found)]
        if not inner:
            return None
        if self.title_el is not None:
            after = [el for el in inner if follows(el, self.title_el)]
            if after:
                return after[0]
        return inner[0]

    def _byline(self):
        """(element, author line, date text): an author element holding a name, or an author or date element
        holding a name and a date on one line ("Minh Châu - 07/03/2026 08:47", byline.author_and_date)."""
        site = key_text(self.sitename)
        for el in self.body.iter():
            if not isinstance(el.tag, str) or not self._free(el):
                continue
            marks = attr_words(el) | {(el.get("itemprop") or "").lower(), (el.get("rel") or "").lower()}
            by_author = bool(marks & _AUTHOR_WORDS)
            if not by_author and not DATE_ATTR.search(f"{el.get('class') or ''} {el.get('id') or ''}"):
                continue
            text = text_of(el)
            if not text or key_text(text) == site:
                continue
            if by_author and author_name(text):
                return el, text, None
            if (pair := author_and_date(text)) and key_text(pair[0]) != site:
                return el, pair[0], pair[1]
        return None, None, None

    def _source(self):
        for el in self.body.iter():
            if not isinstance(el.tag, str) or not self._free(el) or not attr_words(el) & _SOURCE_WORDS:
                continue
            text = text_of(el)
            if text and attribution_source(text):
                return el, text
        return None, None

    def _fallback_author(self, doc, title: str) -> str | None:
        """trafilatura's author, when it reads as a name, is not the site and is printed in the article."""
        name = collapse(getattr(doc, "author", None) or "")
        if not name or not author_name(name):
            return None
        key = key_text(name)
        if key in {key_text(self.sitename), key_text(title)}:
            return None
        spot = self.stream.find(name)
        if spot < 0:
            return None
        owner = self.stream.owner(spot)
        if owner is None or owner in self.chrome:
            return None
        return name

    # ---------------------------------------------------------------------------------------- metadata

    def _meta_lead(self, title: str, items: list[str]) -> str | None:
        """The meta description as the lead, when the page marks none and it reads as one."""
        desc = meta_content(self.root, "description") or meta_content(self.root, "og:description")
        if not desc or word_count(desc) < 12 or desc.rstrip().endswith(("...", "…")):
            return None
        key = key_text(desc)
        site = key_text(self.sitename)
        if key == key_text(title) or (site and site in key):
            return None
        if any(key in key_text(t) for t in items):
            return None  # already in the body: the body's first paragraph is the lead
        return desc

    # --------------------------------------------------------------------------------------- placement

    def _in(self, el, container) -> bool:
        return container is not None and (el is container or container in el.iterancestors())

    def _anchors(self, title_pos: int, positions: list[int], container, known: set[str]) -> list[tuple[int, list[str]]]:
        """Figures and the subheadings trafilatura dropped, each with its position, inside the article."""
        first = next((p for p in positions if p >= 0), None)
        last = max(positions) if positions else -1
        out: list[tuple[int, list[str]]] = []
        for fig in self.figures:
            if not fig.lines:
                continue
            el = fig.elements[0]
            pos = self.stream.start(el)
            if pos is None:
                continue
            inside = self._in(el, container)
            on_top = title_pos is not None and title_pos >= 0 and title_pos <= pos and (first is None or pos < first)
            if inside or on_top:
                out.append((pos, fig.lines))
        if container is not None and first is not None:
            for h in container.iter(*HEADINGS):
                if not self._free(h):
                    continue
                text = text_of(h)
                pos = self.stream.start(h)
                if not text or len(text) > 200 or pos is None or not first < pos < last:
                    continue
                if key_text(text) in known or self.table.match(text) is not None:
                    continue
                out.append((pos, [text]))
        return sorted(out, key=lambda a: a[0])

