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
- trafilatura (`bare_extraction`) finds the main text: it drops navigation, footers, share bars, forms and
  comments, and gives paragraphs, headings, lists and quotes in order. Its metadata (title, author, date,
  site name) is a fallback only: on real pages it takes the site's top-bar date or a commenter's name.
- lxml reads what trafilatura drops or gets wrong: the <h1> title, the marked sapo, the date element,
  figures and their captions with credits, bylines, related-news boxes (a header from data/chrome.toml with
  role "related" followed by a list of links). Those parts are cut out of the tree trafilatura sees, so
  nothing is emitted twice. Layout tables (old portals) are turned into plain blocks first.
- A position map of the page's text (`_Stream`) puts figures and the subheadings trafilatura dropped back
  between the paragraphs where they stand, and tells which figures belong to the article.
- html_meta reads the JSON-LD and <meta> tags and weighs them against what the page shows: the title, date
  and author lines come from the page first, from metadata when the page shows none (`read_page` returns
  that evidence with the dump).
"""

from __future__ import annotations

import codecs
import math
import re
import unicodedata
from bisect import bisect_right
from copy import deepcopy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from .chrome import ChromeTable, default_table
from .credits import MAX_CAPTION
from .dates import MAX_DATE_LINE, parse_date_line
from .normalize import key_text, nfc
from .byline import attribution_source, author_and_date, author_name
from .locate import is_headline, is_prose
from .html_meta import (PageEvidence, authors_value, closing_author, date_line, iso_line, meta_content, page_evidence,
                        page_title, read_meta, text_date_line)

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


# ------------------------------------------------------------------------------------------ text helpers

# Elements whose text is never page text.
_SKIP = frozenset(
    "script style noscript template svg math iframe object embed canvas video audio select option textarea "
    "button input head title meta link map area".split()
)
_BLOCK = frozenset(
    "address article aside blockquote br caption center dd details dialog div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr li main menu nav ol p pre section summary table tbody td tfoot th "
    "thead tr ul".split()
)
_HEADINGS = ("h2", "h3", "h4", "h5", "h6")


def _tag(el) -> str:
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _text(el, skip: set | frozenset = frozenset()) -> str:
    """The visible text of `el` on one line: blocks and <br> become spaces; scripts and `skip` are left out."""
    from lxml import etree

    parts: list[str] = []
    walker = etree.iterwalk(el, events=("start", "end"))
    for event, node in walker:
        tag = _tag(node)
        if event == "start":
            if not tag or tag in _SKIP or node in skip:
                walker.skip_subtree()
                continue
            if tag in _BLOCK:
                parts.append(" ")
            if node.text:
                parts.append(node.text)
        else:
            if tag in _BLOCK:
                parts.append(" ")
            if node is not el and node.tail:
                parts.append(node.tail)
    return _collapse("".join(parts))


def _attr_words(el) -> set[str]:
    """class and id split into words at spaces, hyphens and underscores, lower-cased."""
    value = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return set(re.split(r"[\s_\-]+", value)) - {""}


def _is_sep(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch)[0] in "PSZ"


def _words(text: str) -> int:
    return len(text.split())


# --------------------------------------------------------------------------------------- the text stream


class _Stream:
    """The body's visible text as one comparison string (in `key_text` form), with every element's span.

    Item texts from trafilatura are found in it by their key, which gives their place on the page and the
    element that holds them; figures and headings are placed against those positions.
    """

    def __init__(self, body) -> None:
        from lxml import etree

        self.parts: list[str] = []
        self.length = 0
        self._space = True
        self.span: dict[Any, tuple[int, int]] = {}
        self.depth: dict[Any, int] = {}
        self._owner_at: list[int] = []  # start offsets of text pieces
        self._owner: list[Any] = []  # the element whose text (or whose tail's parent) the piece is
        starts: dict[Any, int] = {}
        stack: list[Any] = []
        walker = etree.iterwalk(body, events=("start", "end"))
        for event, node in walker:
            tag = _tag(node)
            if event == "start":
                if not tag or tag in _SKIP:
                    walker.skip_subtree()
                    starts[node] = self.length
                    continue
                starts[node] = self.length
                self.depth[node] = len(stack)
                stack.append(node)
                if tag in _BLOCK:
                    self._add(" ", None)
                if node.text:
                    self._add(node.text, node)
            else:
                if stack and stack[-1] is node:
                    stack.pop()
                    if tag in _BLOCK:
                        self._add(" ", None)
                self.span[node] = (starts.get(node, self.length), self.length)
                if node is not body and node.tail:
                    self._add(node.tail, stack[-1] if stack else body)
        self.text = "".join(self.parts)

    def _add(self, raw: str, owner) -> None:
        key = key_text(raw)
        if key:
            piece = (" " if _is_sep(raw[0]) else "") + key + (" " if _is_sep(raw[-1]) else "")
        else:
            piece = " " if raw else ""
        if self._space:
            piece = piece.lstrip(" ")
        if not piece:
            return
        if owner is not None:
            self._owner_at.append(self.length)
            self._owner.append(owner)
        self.parts.append(piece)
        self.length += len(piece)
        self._space = piece.endswith(" ")

    def find(self, text: str, start: int = 0) -> int:
        """Where the text (its key, at most its first 80 characters) starts, searching from `start`; -1 if absent."""
        key = key_text(text)[:80].strip()
        if not key:
            return -1
        return self.text.find(key, start)

    def owner(self, pos: int):
        i = bisect_right(self._owner_at, pos) - 1
        return self._owner[i] if i >= 0 else None

    def start(self, el) -> int | None:
        span = self.span.get(el)
        return span[0] if span else None


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
_DATE_ATTR = re.compile(r"date|time|ngay|publish|posted|thoi-?gian", re.IGNORECASE)
_AUTHOR_WORDS = {"author", "byline", "tacgia", "writer", "reporter", "phongvien", "butdanh"}
_SOURCE_WORDS = {"source", "nguon", "origin", "attribution", "nguontin"}
_CAPTION_ATTR = re.compile(r"caption|chu-?thich|photo-?desc|image-?desc|img-?desc|desc-?image|note-?image",
                           re.IGNORECASE)
_CREDIT_WORDS_ATTR = {"credit", "author", "source", "copyright", "tacgia", "nguon", "photographer", "byline"}

# "minh họa" in every tone placement: "họa" (what clean_line writes), "hoạ", "hoa".
_MINH_HOA = r"minh\s+h(?:ọa|oạ|oa)"
_WORD = r"(?P<word>ảnh\s+" + _MINH_HOA + r"|nguồn\s+ảnh|ảnh|photo)"
_PAREN_CREDIT = re.compile(r"^(?P<text>.*?)\s*[(\[]\s*" + _WORD + r"\s*:\s*(?P<credit>[^()\[\]]+?)\s*[)\]]\s*\.?$",
                           re.IGNORECASE)
_BARE_CREDIT = re.compile(
    r"^(?P<text>(?:.*?[.!?…\"'”’]|.*?\s[-–—|]|))\s*" + _WORD + r"\s*:\s*(?P<credit>[^()\[\]]+?)\s*\.?$", re.IGNORECASE
)
_ILLUSTRATION = re.compile(
    r"^(?P<text>.*?)[\s\-–—|]*(?:[(\[]\s*ảnh\s+" + _MINH_HOA + r"\s*[)\]]|(?<=[.!?…\s])ảnh\s+" + _MINH_HOA + r")\s*\.?$",
    re.IGNORECASE,
)
_CREDIT_ONLY = re.compile(r"^[(\[]?\s*" + _WORD + r"\s*:\s*(?P<credit>.+?)\s*[)\]]?\.?$", re.IGNORECASE)
_TRAILING_SEP = re.compile(r"[\s\-–—|,;:]+$")

_DATE_ABOVE, _DATE_BELOW = 250, 1000  # characters of page text: the article's header around its title
# A related card inside the body: its button label ("ĐỌC NGAY", "Xem thêm") and its one-sentence summary.
_CARD_BUTTON_WORDS, _CARD_SUMMARY_WORDS = 3, 30
_CARD_HEADER = "Tin liên quan"  # the header its headlines go out under (a "related" marker of the chrome table)
# A sentence end followed by the start of another sentence (its capital letter is checked apart).
_SENTENCE_BREAK = re.compile(r"[.!?…][\"'”’)\]»]*\s+[\"'“‘(]*([^\W\d_])")
_NOT_A_PAGE = re.compile(r"^(?:#|javascript:|mailto:|tel:)|\.(?:jpe?g|png|gif|webp|avif|svg|bmp)$", re.IGNORECASE)


@dataclass
class _Figure:
    elements: list  # the elements that make up the figure on the page (image block, caption block)
    lines: list[str]  # its dump lines


@dataclass
class _Box:
    header: str
    headlines: list[str]
    elements: list


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
        self.boxes = self._related_boxes()
        for box in self.boxes:
            for el in box.elements:
                self._add_subtree(self.chrome, el)
        for box in (cards := self._related_cards()):
            for el in box.elements:
                self._add_subtree(self.chrome, el)
        self.boxes += cards
        self.figures = self._figures()
        for fig in self.figures:
            for el in fig.elements:
                self._add_subtree(self.taken, el)
        self.title_el, title = self._title_element()
        self.sapo_el = self._sapo()
        self.byline_el, author, self.byline_date = self._byline()
        self.source_el, source = self._source()
        for el in (self.title_el, self.sapo_el, self.byline_el, self.source_el):
            if el is not None:
                self._add_subtree(self.taken, el)

        doc = self._trafilatura()
        head = self.head
        titles = {"visible": title, "jsonld": head.jsonld_title, "meta": head.og_title, "html_title": page_title(head)}
        title = next((t for t in titles.values() if t), None)  # in precedence order (html_meta.PRECEDENCE)
        if not title:
            raise HtmlError("no title: the page has no <h1>, JSON-LD headline, og:title or <title> text")
        lead = _text(self.sapo_el) if self.sapo_el is not None else None
        skip = {key_text(title), key_text(lead or "")}
        items = [line for line in self._items(doc) if key_text(line) not in skip]

        self.stream = _Stream(self.body)
        title_pos = self.stream.start(self.title_el) if self.title_el is not None else self.stream.find(title)
        positions = self._place(items)
        container = self._container(positions)
        lead = lead or self._meta_lead(title, items)
        visible_date, other_date = self._dates(title_pos, positions, doc)
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
        positions = self._place(items)

        anchors = self._anchors(title_pos, positions, container, skip | {key_text(line) for line in items})
        body_lines = self._merge(items, positions, anchors)
        if not body_lines and not lead:
            raise HtmlError("no article content: the page has a title but no paragraphs")
        lines = [title, dated, lead, *body_lines, *ends]
        for box in self.boxes:
            lines.append(box.header)
            lines += [f"- {h}" for h in box.headlines]
        return "\n".join(c for c in (_collapse(line or "") for line in lines) if c)

    # ------------------------------------------------------------------------------------ chrome areas

    def _mark_chrome(self) -> None:
        """Navigation, the page's header/footer/aside (outside <article>/<main>), share bars, comment areas."""
        from lxml import etree

        walker = etree.iterwalk(self.root, events=("start", "end"))
        in_article = 0
        page_length: int | None = None
        for event, el in walker:
            tag = _tag(el)
            if event == "end":  # also sent for an element whose subtree was skipped
                if tag in ("article", "main"):
                    in_article -= 1
                continue
            if tag in ("article", "main"):
                in_article += 1
            if not tag or tag in ("html", "body"):
                continue
            role = (el.get("role") or "").lower()
            words = _attr_words(el)
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
                        page_length = len(_text(self.body))
                    by_class = len(_text(el)) < 0.5 * page_length
            if tag in ("nav", "menu") or role in _CHROME_ROLES or furniture or by_class:
                self._add_subtree(self.chrome, el)
                walker.skip_subtree()

    @staticmethod
    def _add_subtree(target: set, el) -> None:
        target.update(e for e in el.iter() if isinstance(e.tag, str))

    def _free(self, el) -> bool:
        return el not in self.chrome and el not in self.taken

    def _is_nav(self, el) -> bool:
        for node in [el, *el.iterancestors()]:
            tag = _tag(node)
            if tag in ("nav", "menu") or (node.get("role") or "").lower() == "navigation":
                return True
        return False

    # ---------------------------------------------------------------------------------- related boxes

    def _related_boxes(self) -> list[_Box]:
        """A related-list header (chrome table, role "related") and the link lists right after it."""
        boxes: list[_Box] = []
        used: set = set()
        for el in self.body.iter():
            tag = _tag(el)
            if not tag or tag in _SKIP or tag == "li" or el in used or not el.text:
                continue
            if tag == "a" and any(_tag(a) == "li" for a in el.iterancestors()):
                continue  # a menu entry, not a box header
            header = _collapse(el.text)
            marker = self.table.match(header) if header else None
            if marker is None or marker.role != "related" or self._is_nav(el):
                continue
            if _collapse(_text(el)) != header and key_text(_text(el)) != key_text(header):
                continue  # more than the header inside: a sentence that starts like one
            block = el
            while True:
                parent = block.getparent()
                if parent is None or parent is self.body or key_text(_text(parent)) != key_text(header):
                    break
                block = parent
            lists: list = []
            level = block
            for _ in range(3):
                lists = self._link_blocks_after(level)
                if lists:
                    break
                parent = level.getparent()
                # climb only past wrappers that hold nothing after the header
                if parent is None or parent is self.body or any(_text(s) for s in level.itersiblings()):
                    break
                level = parent
            headlines = self._headlines(lists)
            if not headlines:
                continue
            elements = [block, *lists]
            for e in elements:
                self._add_subtree(used, e)
            boxes.append(_Box(header, headlines, elements))
        return boxes

    def _link_blocks_after(self, block) -> list:
        found = []
        for sib in block.itersiblings():
            tag = _tag(sib)
            if not tag or tag in _SKIP:
                continue
            text = _text(sib)
            if not text:
                continue
            if self._is_link_block(sib, text):
                found.append(sib)
                continue
            break
        return found

    @staticmethod
    def _is_link_block(el, text: str) -> bool:
        links = [_text(a) for a in el.iter("a")]
        linked = sum(len(t) for t in links)
        return linked > 0 and linked >= 0.6 * len(text)

    def _headlines(self, blocks: list) -> list[str]:
        out: list[str] = []
        seen: set[str] = set()
        for block in blocks:
            items = [li for li in block.iter("li")] or [block]
            for item in items:
                anchors = [t for t in (_text(a) for a in item.iter("a")) if t]
                candidates = [max(anchors, key=len)] if items != [block] and anchors else anchors
                if not anchors and items != [block]:
                    candidates = [_text(item)]
                for text in candidates:
                    key = key_text(text)
                    if _words(text) < 2 or key in seen or self.table.match(text) is not None:
                        continue
                    seen.add(key)
                    out.append(text)
        return out

    def _related_cards(self) -> list[_Box]:
        """Related cards without a header, standing between the article's paragraphs (a "Tin liên quan" box).

        A card is judged as a reader would: a block whose text is a headline-shaped link to another page on a
        line of its own, with at most an image, a short button label ("ĐỌC NGAY") and a one-sentence summary
        besides, all its labelled links going to that page, and prose paragraphs before and after it. A link
        inside a sentence is article text; the card's summary, image and button are dropped with it.
        """
        declared = [*self.root.xpath("//link[@rel='canonical']/@href"), meta_content(self.root, "og:url")]
        own_urls = [u.strip() for u in declared if u and u.strip()]  # the page's own address
        base = own_urls[0] if own_urls else ""

        def page(href: str | None):
            """The page a link goes to (host, path, query), or None for anchors, scripts and image files."""
            href = (href or "").strip()
            if not href or _NOT_A_PAGE.search(href):
                return None
            parts = urlsplit(urljoin(base, href))
            if _NOT_A_PAGE.search(parts.path):
                return None
            return parts.netloc.lower().removeprefix("www."), parts.path.rstrip("/"), parts.query

        def card_shaped(el, link, target) -> bool:
            if _tag(el) == "figure" or el.find(".//figcaption") is not None:
                return False  # a photo with its caption, even when the image links somewhere
            anchors = list(el.iter("a"))
            for a in anchors:
                label = _text(a)
                if a is not link and label and (page(a.get("href")) != target or _words(label) > _CARD_BUTTON_WORDS):
                    return False
            rest = _text(el, skip=set(anchors))  # the text no link holds: the summary, if any
            breaks = sum(m.group(1).isupper() for m in _SENTENCE_BREAK.finditer(rest))
            return _words(rest) <= _CARD_SUMMARY_WORDS and breaks == 0

        def prose(el) -> bool:
            return _tag(el) == "p" and el not in self.chrome and is_prose(_text(el))

        own = {page(u) for u in own_urls} - {None}
        seen = {key_text(h) for box in self.boxes for h in box.headlines}
        headlines: list[str] = []
        cards: list = []
        for link in self.body.iter("a"):
            target, text = page(link.get("href")), _text(link)
            if target is None or target in own or link in self.chrome or any(link in c.iter() for c in cards):
                continue
            line = next((n for n in link.iterancestors() if _tag(n) in _BLOCK), None)
            if line is None or key_text(_text(line)) != key_text(text) or not is_headline(text):
                continue  # not a line of its own (a link inside a sentence), or not shaped like a headline
            card, node = None, line
            while node is not None and node is not self.body and card_shaped(node, link, target):
                card, node = node, node.getparent()
            if card is None or not (any(prose(s) for s in card.itersiblings(preceding=True))
                                    and any(prose(s) for s in card.itersiblings())):
                continue
            cards.append(card)
            if key_text(text) not in seen:
                seen.add(key_text(text))
                headlines.append(text)
        return [_Box(_CARD_HEADER, headlines, cards)] if cards else []

    # ----------------------------------------------------------------------------------------- figures

    def _figures(self) -> list[_Figure]:
        figures: list[_Figure] = []
        done: set = set()

        def add(elements: list, caption_el, alt: str | None) -> None:
            for e in elements:
                self._add_subtree(done, e)
            lines = _caption_lines(caption_el, alt) if caption_el is not None else []
            figures.append(_Figure(elements, lines))

        for fig in self.body.iter("figure"):
            if fig in done or fig in self.chrome:
                continue
            caption = next(iter(fig.iter("figcaption")), None)
            if caption is None:
                caption = next((e for e in fig.iter() if isinstance(e.tag, str) and _CAPTION_ATTR.search(
                    f"{e.get('class') or ''} {e.get('id') or ''}")), None)
            add([fig], caption, _first_alt(fig))
        for el in self.body.iter():
            if not isinstance(el.tag, str) or el in done or el in self.chrome:
                continue
            if not _CAPTION_ATTR.search(f"{el.get('class') or ''} {el.get('id') or ''}"):
                continue
            caption_text = _text(el)
            if not caption_text or _tag(el) in ("body", "html"):
                continue
            box = el if el.find(".//img") is not None else None
            node = el
            for _ in range(0 if box is not None else 4):
                node = node.getparent()
                if node is None or node is self.body:
                    break
                if node.find(".//img") is not None:
                    box = node
                    break
            if box is None or len(_text(box)) > len(caption_text) + 200:
                continue
            add([box], el, _first_alt(box))
        for tbl in self.body.iter("table"):
            if tbl in done or tbl in self.chrome or tbl.find(".//img") is None or tbl.find(".//table") is not None:
                continue
            rows = tbl.xpath(".//tr")
            text = _text(tbl)
            if not text or len(rows) > 4 or len(text) > MAX_CAPTION:
                continue
            cells = [c for c in tbl.xpath(".//td|.//th") if c.find(".//img") is None and _text(c)]
            if cells:
                add([tbl], cells[-1], _first_alt(tbl))
        # An image-only block followed by an all-italic short paragraph: the paragraph is its caption.
        for img in list(self.body.iter("img")):
            if img in done or img in self.chrome:
                continue
            block = img.getparent()
            while block is not None and _tag(block) in ("a", "span", "picture", "strong", "b", "em", "i"):
                block = block.getparent()
            if block is None or _tag(block) not in ("p", "div", "center") or block in done or _text(block):
                continue
            nxt = block.getnext()
            if nxt is None or _tag(nxt) not in ("p", "div") or nxt in done or nxt in self.chrome:
                continue
            text = _text(nxt)
            italic = "".join(_text(i) for i in nxt.iter("em", "i"))
            if text and len(text) <= MAX_CAPTION and key_text(italic) == key_text(text):
                add([block, nxt], nxt, img.get("alt"))
        return figures

    # ------------------------------------------------------------------------------- title, sapo, byline

    def _title_element(self):
        h1s = [h for h in self.body.iter("h1") if h not in self.chrome and _text(h)]
        site = key_text(self.sitename)
        h1s = [h for h in h1s if not site or key_text(_text(h)) != site]
        if not h1s:
            return None, None
        best = next((h for h in h1s if _attr_words(h) & _TITLE_WORDS), h1s[0])
        return best, _text(best)

    def _sapo(self):
        found = []
        for el in self.body.iter():
            if not isinstance(el.tag, str) or not self._free(el) or _tag(el) in ("body", "html", "meta"):
                continue
            if not _attr_words(el) & _SAPO_WORDS:
                continue
            text = _text(el)
            if _words(text) >= 8 and len(text) <= 1500:
                found.append(el)
        # the innermost: drop a wrapper that holds another candidate
        inner = [el for el in found if not any(o is not el and el in o.iterancestors() for o in found)]
        if not inner:
            return None
        if self.title_el is not None:
            after = [el for el in inner if _follows(el, self.title_el)]
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
            marks = _attr_words(el) | {(el.get("itemprop") or "").lower(), (el.get("rel") or "").lower()}
            by_author = bool(marks & _AUTHOR_WORDS)
            if not by_author and not _DATE_ATTR.search(f"{el.get('class') or ''} {el.get('id') or ''}"):
                continue
            text = _text(el)
            if not text or key_text(text) == site:
                continue
            if by_author and author_name(text):
                return el, text, None
            if (pair := author_and_date(text)) and key_text(pair[0]) != site:
                return el, pair[0], pair[1]
        return None, None, None

    def _source(self):
        for el in self.body.iter():
            if not isinstance(el.tag, str) or not self._free(el) or not _attr_words(el) & _SOURCE_WORDS:
                continue
            text = _text(el)
            if text and attribution_source(text):
                return el, text
        return None, None

    def _fallback_author(self, doc, title: str) -> str | None:
        """trafilatura's author, when it reads as a name, is not the site and is printed in the article."""
        name = _collapse(getattr(doc, "author", None) or "")
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
        if not desc or _words(desc) < 12 or desc.rstrip().endswith(("...", "…")):
            return None
        key = key_text(desc)
        site = key_text(self.sitename)
        if key == key_text(title) or (site and site in key):
            return None
        if any(key in key_text(t) for t in items):
            return None  # already in the body: the body's first paragraph is the lead
        return desc

    # ------------------------------------------------------------------------------------ trafilatura

    def _trafilatura(self):
        """trafilatura on a copy of the page without the parts emitted from lxml, layout tables unwrapped."""
        import trafilatura

        cut = self.taken | self.chrome
        marked = [el for el in cut if el.getparent() not in cut]
        for el in marked:
            el.set("data-vncd-cut", "1")
        try:
            tree = deepcopy(self.root)
        finally:
            for el in marked:
                el.attrib.pop("data-vncd-cut", None)
        for el in tree.xpath("//*[@data-vncd-cut]"):
            if el.getparent() is not None:
                el.drop_tree()
        _unwrap_layout_tables(tree)
        try:
            return trafilatura.bare_extraction(
                tree,
                include_comments=False,
                include_tables=False,
                include_images=False,
                include_formatting=False,
                include_links=False,
                with_metadata=True,
                date_extraction_params={"original_date": True, "extensive_search": False, "max_date": "2100-12-31"},
            )
        except Exception:  # noqa: BLE001 - a third-party failure on odd markup means no main text
            return None

    def _items(self, doc) -> list[str]:
        """trafilatura's body as lines, in its order; lines the chrome table knows are left out."""
        body = getattr(doc, "body", None)
        if body is None:
            return []
        out: list[str] = []
        for child in body:
            lines = _list_lines(child) if _tag(child) == "list" else _xml_lines(child)
            out += [line for line in lines if self.table.match(line) is None]
        return out

    # --------------------------------------------------------------------------------------- placement

    def _place(self, items: list[str]) -> list[int]:
        """Each item's position in the stream: searched forward from the previous one; never decreasing."""
        positions: list[int] = []
        cursor = 0
        last = -1
        for text in items:
            pos = self.stream.find(text, cursor)
            if pos < 0:
                pos = last
            else:
                cursor = pos + 1
            last = max(pos, last)
            positions.append(last)
        return positions

    def _container(self, positions: list[int]):
        """The deepest element holding at least 80% of the placed items: the article's text block."""
        found = sorted({p for p in positions if p >= 0})
        if not found:
            return None
        counts: dict[Any, int] = {}
        for pos in found:
            owner = self.stream.owner(pos)
            if owner is None:
                continue
            for node in [owner, *owner.iterancestors()]:
                counts[node] = counts.get(node, 0) + 1
        need = max(1, math.ceil(0.8 * len(found)))
        best = None
        for node, count in counts.items():
            if count >= need and (best is None or self.stream.depth.get(node, 0) > self.stream.depth.get(best, 0)):
                best = node
        return best

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
            for h in container.iter(*_HEADINGS):
                if not self._free(h):
                    continue
                text = _text(h)
                pos = self.stream.start(h)
                if not text or len(text) > 200 or pos is None or not first < pos < last:
                    continue
                if key_text(text) in known or self.table.match(text) is not None:
                    continue
                out.append((pos, [text]))
        return sorted(out, key=lambda a: a[0])

    @staticmethod
    def _merge(items: list[str], positions: list[int], anchors: list[tuple[int, list[str]]]) -> list[str]:
        """Body lines in trafilatura's order, each anchor's lines just before the first item placed after it."""
        lines: list[str] = []
        next_anchor = 0
        for text, pos in zip(items, positions):
            while next_anchor < len(anchors) and anchors[next_anchor][0] < pos:
                lines += anchors[next_anchor][1]
                next_anchor += 1
            lines.append(text)
        for _, extra in anchors[next_anchor:]:
            lines += extra
        return lines

    # -------------------------------------------------------------------------------------------- dates

    def _dates(self, title_pos, positions: list[int], doc) -> tuple[str | None, str | None]:
        """(the article's date line, another date line of the page), for html_meta's precedence.

        The article's date is the date element nearest the title within its header: from a little above the
        title (a date over the headline, with no navigation between them) to the first body paragraph; there a
        short element counts when its whole text is a date, whatever its class. Date elements elsewhere (a top
        bar, related items) give the other line, the one nearest the title; failing those, any <time datetime>,
        then trafilatura's date.
        """
        anchor = title_pos if title_pos is not None and title_pos >= 0 else next((p for p in positions if p >= 0), 0)
        low, high = anchor - _DATE_ABOVE, next((p for p in positions if p > anchor), anchor + _DATE_BELOW)
        chrome = sorted(self.stream.span[el][0] for el in self.chrome if el in self.stream.span)

        def beside(pos: int) -> bool:
            return low <= pos <= high and (pos >= anchor or bisect_right(chrome, pos) == bisect_right(chrome, anchor))

        near: list[tuple[int, str]] = []
        far: list[tuple[int, str]] = []
        if self.byline_date and (pos := self.stream.start(self.byline_el)) is not None:
            (near if beside(pos) else far).append((pos, self.byline_date))
        for el in self.body.iter():
            tag = _tag(el)
            span = self.stream.span.get(el)
            if not tag or el in self.chrome or el in self.taken or span is None:
                continue
            inside = beside(span[0])
            attrs = " ".join(el.get(a) or "" for a in ("class", "id", "itemprop", "data-role"))
            if tag == "time" or _DATE_ATTR.search(attrs):
                line = _element_date_line(el)
            elif inside and span[1] - span[0] <= MAX_DATE_LINE and tag not in ("body", "html"):
                line = text if (text := _text(el)) and parse_date_line(text) else None
            else:
                continue
            if line:
                (near if inside else far).append((span[0], line))

        def nearest(found: list[tuple[int, str]]) -> str | None:
            return min(found, key=lambda c: (abs(c[0] - anchor), c[0]))[1] if found else None

        other = nearest(far) or next((line for el in self.root.iter("time") if el.get("datetime") and el not in
                                      self.chrome and (line := iso_line(el.get("datetime")))), None)
        value = getattr(doc, "date", None)
        return nearest(near), other or (iso_line(value) if value else None)


# ------------------------------------------------------------------------------------------ free helpers


def _follows(el, ref) -> bool:
    """True when `el` comes after `ref` in document order."""
    for node in ref.iterdescendants():
        if node is el:
            return False
    for node in ref.itersiblings():
        if node is el or el in node.iterdescendants():
            return True
    for anc in ref.iterancestors():
        for node in anc.itersiblings():
            if node is el or el in node.iterdescendants():
                return True
    return False


def _first_alt(el) -> str | None:
    for img in el.iter("img"):
        alt = _collapse(img.get("alt") or img.get("title") or "")
        if alt:
            return alt
    return None


def _caption_lines(caption_el, alt: str | None) -> list[str]:
    """A figure's caption as dump lines: "text (Ảnh: credit)", "text (Ảnh minh họa)", or the text twice."""
    credit_el = None
    for node in caption_el.iter():
        if node is caption_el or not isinstance(node.tag, str):
            continue
        if _tag(node) == "cite" or _attr_words(node) & _CREDIT_WORDS_ATTR:
            credit_el = node
            break
    word = credit = None
    if credit_el is not None:
        text = _text(caption_el, skip={credit_el})
        credit_text = _text(credit_el)
        m = _CREDIT_ONLY.match(credit_text)
        word, credit = (m.group("word"), m.group("credit")) if m else ("Ảnh", credit_text)
    else:
        text = _text(caption_el)
        if len(text) > MAX_CAPTION:
            return [text]  # too long to be read as a caption: a paragraph, once
        for pattern in (_PAREN_CREDIT, _BARE_CREDIT):
            m = pattern.match(text)
            if m and m.group("credit").strip():
                text, word, credit = m.group("text"), m.group("word"), m.group("credit")
                break
        else:
            m = _ILLUSTRATION.match(text)
            if m:
                # "(Ảnh minh họa)" carries no credit. The text parser's own pattern for it misses the
                # canonical "họa" spelling, so the caption goes out as a plain caption: text, then text again.
                text = _TRAILING_SEP.sub("", m.group("text"))
                return [text, text] if text and len(text) <= MAX_CAPTION else []
    text = _TRAILING_SEP.sub("", text or "")
    if not text:
        return []  # a credit with no caption: nothing to place
    if credit:
        credit = _collapse(credit).strip(" .")
    if credit and len(credit) <= 80 and not re.search(r"[()\[\]]", credit):
        # "Ảnh minh họa: X" is written "Ảnh: X", a credit word the text parser reads
        word = "Ảnh" if re.search(_MINH_HOA, word or "", re.IGNORECASE) else _collapse(word)
        line = f"{text} ({word}: {credit})"
        if len(line) <= MAX_CAPTION:
            return [line]
    full = _text(caption_el)
    if len(full) > MAX_CAPTION:
        return [full]  # too long to be read as a caption: a paragraph, once
    first = alt if alt and key_text(alt) == key_text(full) else full
    return [first, full]


def _element_date_line(el) -> str | None:
    text = _text(el)
    if text and len(text) <= 120:
        if parse_date_line(text):
            return text
        line = text_date_line(text)
        if line:
            return line
    value = el.get("datetime") or el.get("content") or el.get("title")
    return iso_line(value) if value else None


def _xml_lines(el) -> list[str]:
    """The lines of one trafilatura block (<lb/> and nested blocks break lines)."""
    from lxml import etree

    parts: list[str] = []
    for event, node in etree.iterwalk(el, events=("start", "end")):
        tag = _tag(node)
        if event == "start":
            if tag in ("lb", "p", "head", "item", "list", "quote", "row", "cell", "code"):
                parts.append("\n")
            if node.text:
                parts.append(node.text)
        else:
            if tag in ("p", "head", "item", "list", "quote", "row", "cell", "code"):
                parts.append("\n")
            if node is not el and node.tail:
                parts.append(node.tail)
    return [line for line in (_collapse(x) for x in "".join(parts).split("\n")) if line]


def _list_lines(el) -> list[str]:
    """A trafilatura <list>: "- item" lines ("1. item" for an ordered list); nested lists follow their item."""
    lines: list[str] = []
    ordered = (el.get("rend") or "").lower() == "ol"
    n = 0
    for item in el:
        if _tag(item) != "item":
            lines += _xml_lines(item)
            continue
        nested = [c for c in item if _tag(c) == "list"]
        shallow = deepcopy(item)
        for c in list(shallow):
            if _tag(c) == "list":
                tail = c.tail
                shallow.remove(c)
                if tail:
                    shallow.text = (shallow.text or "") + " " + tail
        text = " ".join(_xml_lines(shallow))
        if text:
            n += 1
            lines.append(f"{n}. {text}" if ordered else f"- {text}")
        for sub in nested:
            lines += _list_lines(sub)
    return lines


_LAYOUT_CONTENT = ".//p|.//div|.//table|.//ul|.//ol|.//h1|.//h2|.//h3|.//h4|.//h5|.//h6|.//blockquote|.//form|.//section|.//article"


def _unwrap_layout_tables(tree) -> None:
    """Tables used for page layout (cells holding blocks or long text) become plain <div>s, so that
    trafilatura sees paragraphs, not a table it drops; data tables are left alone (and left out)."""
    for table in list(tree.iter("table")):
        cells = table.xpath("./tr/td|./tr/th|./*/tr/td|./*/tr/th")
        layout = (table.get("role") or "").lower() in ("presentation", "none") or any(
            c.xpath(_LAYOUT_CONTENT) or len(c.text_content()) > 400 for c in cells
        )
        if not layout:
            continue
        for node in [table, *table.xpath("./tr|./*|./*/tr"), *cells]:
            if _tag(node) in ("table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption"):
                node.tag = "div"
