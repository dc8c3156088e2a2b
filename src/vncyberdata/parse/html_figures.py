"""The figures of an HTML page and their captions as dump lines: "caption text (Ảnh: credit)", or the caption
twice when it has no credit (the text parser reads two equal lines in a row as image alt text + visible
caption). Used by html_dump, which places the figures between the paragraphs where they stand.

A figure is a <figure>, a block with a caption class holding an image, a small table of an image and its
caption cell, or an image-only block followed by an all-italic short paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .credits import FIGURE_CREDIT_ONLY, FIGURE_CREDITS, FIGURE_ILLUSTRATION, MAX_CAPTION, MINH_HOA
from .html_text import add_subtree, attr_words, collapse, tag_of, text_of
from .normalize import key_text

_CAPTION_ATTR = re.compile(r"caption|chu-?thich|photo-?desc|image-?desc|img-?desc|desc-?image|note-?image",
                           re.IGNORECASE)
_CREDIT_WORDS_ATTR = {"credit", "author", "source", "copyright", "tacgia", "nguon", "photographer", "byline"}

_TRAILING_SEP = re.compile(r"[\s\-–—|,;:]+$")


@dataclass
class Figure:
    elements: list  # the elements that make up the figure on the page (image block, caption block)
    lines: list[str]  # its dump lines


def find_figures(body, chrome: set) -> list[Figure]:
    """The figures of the page's body, outside the `chrome` elements, in the order they are found."""
    figures: list[Figure] = []
    done: set = set()

    def add(elements: list, caption_el, alt: str | None) -> None:
        for e in elements:
            add_subtree(done, e)
        lines = caption_lines(caption_el, alt) if caption_el is not None else []
        figures.append(Figure(elements, lines))

    for fig in body.iter("figure"):
        if fig in done or fig in chrome:
            continue
        caption = next(iter(fig.iter("figcaption")), None)
        if caption is None:
            caption = next((e for e in fig.iter() if isinstance(e.tag, str) and _CAPTION_ATTR.search(
                f"{e.get('class') or ''} {e.get('id') or ''}")), None)
        add([fig], caption, _first_alt(fig))
    for el in body.iter():
        if not isinstance(el.tag, str) or el in done or el in chrome:
            continue
        if not _CAPTION_ATTR.search(f"{el.get('class') or ''} {el.get('id') or ''}"):
            continue
        caption_text = text_of(el)
        if not caption_text or tag_of(el) in ("body", "html"):
            continue
        box = el if el.find(".//img") is not None else None
        node = el
        for _ in range(0 if box is not None else 4):
            node = node.getparent()
            if node is None or node is body:
                break
            if node.find(".//img") is not None:
                box = node
                break
        if box is None or len(text_of(box)) > len(caption_text) + 200:
            continue
        add([box], el, _first_alt(box))
    for tbl in body.iter("table"):
        if tbl in done or tbl in chrome or tbl.find(".//img") is None or tbl.find(".//table") is not None:
            continue
        rows = tbl.xpath(".//tr")
        text = text_of(tbl)
        if not text or len(rows) > 4 or len(text) > MAX_CAPTION:
            continue
        cells = [c for c in tbl.xpath(".//td|.//th") if c.find(".//img") is None and text_of(c)]
        if cells:
            add([tbl], cells[-1], _first_alt(tbl))
    # An image-only block followed by an all-italic short paragraph: the paragraph is its caption.
    for img in list(body.iter("img")):
        if img in done or img in chrome:
            continue
        block = img.getparent()
        while block is not None and tag_of(block) in ("a", "span", "picture", "strong", "b", "em", "i"):
            block = block.getparent()
        if block is None or tag_of(block) not in ("p", "div", "center") or block in done or text_of(block):
            continue
        nxt = block.getnext()
        if nxt is None or tag_of(nxt) not in ("p", "div") or nxt in done or nxt in chrome:
            continue
        text = text_of(nxt)
        italic = "".join(text_of(i) for i in nxt.iter("em", "i"))
        if text and len(text) <= MAX_CAPTION and key_text(italic) == key_text(text):
            add([block, nxt], nxt, img.get("alt"))
    return figures


def _first_alt(el) -> str | None:
    for img in el.iter("img"):
        alt = collapse(img.get("alt") or img.get("title") or "")
        if alt:
            return alt
    return None


def caption_lines(caption_el, alt: str | None) -> list[str]:
    """A figure's caption as dump lines: "text (Ảnh: credit)", "text (Ảnh minh họa)", or the text twice."""
    credit_el = None
    for node in caption_el.iter():
        if node is caption_el or not isinstance(node.tag, str):
            continue
        if tag_of(node) == "cite" or attr_words(node) & _CREDIT_WORDS_ATTR:
            credit_el = node
            break
    word = credit = None
    if credit_el is not None:
        text = text_of(caption_el, skip={credit_el})
        credit_text = text_of(credit_el)
        m = FIGURE_CREDIT_ONLY.match(credit_text)
        word, credit = (m.group("word"), m.group("credit")) if m else ("Ảnh", credit_text)
    else:
        text = text_of(caption_el)
        if len(text) > MAX_CAPTION:
            return [text]  # too long to be read as a caption: a paragraph, once
        for pattern in FIGURE_CREDITS:
            m = pattern.match(text)
            if m and m.group("credit").strip():
                text, word, credit = m.group("text"), m.group("word"), m.group("credit")
                break
        else:
            m = FIGURE_ILLUSTRATION.match(text)
            if m:
                # "(Ảnh minh họa)" carries no credit. The text parser's own pattern for it misses the
                # canonical "họa" spelling, so the caption goes out as a plain caption: text, then text again.
                text = _TRAILING_SEP.sub("", m.group("text"))
                return [text, text] if text and len(text) <= MAX_CAPTION else []
    text = _TRAILING_SEP.sub("", text or "")
    if not text:
        return []  # a credit with no caption: nothing to place
    if credit:
        credit = collapse(credit).strip(" .")
    if credit and len(credit) <= 80 and not re.search(r"[()\[\]]", credit):
        # "Ảnh minh họa: X" is written "Ảnh: X", a credit word the text parser reads
        word = "Ảnh" if re.search(MINH_HOA, word or "", re.IGNORECASE) else collapse(word)
        line = f"{text} ({word}: {credit})"
        if len(line) <= MAX_CAPTION:
            return [line]
    full = text_of(caption_el)
    if len(full) > MAX_CAPTION:
        return [full]  # too long to be read as a caption: a paragraph, once
    first = alt if alt and key_text(alt) == key_text(full) else full
    return [first, full]
