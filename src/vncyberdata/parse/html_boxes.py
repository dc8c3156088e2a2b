"""Related-news boxes of an HTML page: a header the chrome table knows (role "related") followed by link
lists, and related cards without a header standing between the article's paragraphs. Each goes out as a
header line and "- headline" lines after the article; its elements are never article text.
Used by html_dump.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from .chrome import ChromeTable
from .html_meta import meta_content
from .html_text import BLOCK, SKIP, add_subtree, collapse, tag_of, text_of
from .locate import is_headline, is_prose
from .normalize import key_text, word_count

# A related card inside the body: its button label ("ĐỌC NGAY", "Xem thêm") and its one-sentence summary.
_CARD_BUTTON_WORDS, _CARD_SUMMARY_WORDS = 3, 30
_CARD_HEADER = "Tin liên quan"  # the header its headlines go out under (a "related" marker of the chrome table)
# A sentence end followed by the start of another sentence (its capital letter is checked apart).
_SENTENCE_BREAK = re.compile(r"[.!?…][\"'”’)\]»]*\s+[\"'“‘(]*([^\W\d_])")
_NOT_A_PAGE = re.compile(r"^(?:#|javascript:|mailto:|tel:)|\.(?:jpe?g|png|gif|webp|avif|svg|bmp)$", re.IGNORECASE)


@dataclass
class Box:
    header: str
    headlines: list[str]
    elements: list


def related_boxes(body, table: ChromeTable) -> list[Box]:
    """A related-list header (chrome table, role "related") and the link lists right after it."""
    boxes: list[Box] = []
    used: set = set()
    for el in body.iter():
        tag = tag_of(el)
        if not tag or tag in SKIP or tag == "li" or el in used or not el.text:
            continue
        if tag == "a" and any(tag_of(a) == "li" for a in el.iterancestors()):
            continue  # a menu entry, not a box header
        header = collapse(el.text)
        marker = table.match(header) if header else None
        if marker is None or marker.role != "related" or _is_nav(el):
            continue
        if collapse(text_of(el)) != header and key_text(text_of(el)) != key_text(header):
            continue  # more than the header inside: a sentence that starts like one
        block = el
        while True:
            parent = block.getparent()
            if parent is None or parent is body or key_text(text_of(parent)) != key_text(header):
                break
            block = parent
        lists: list = []
        level = block
        for _ in range(3):
            lists = _link_blocks_after(level)
            if lists:
                break
            parent = level.getparent()
            # climb only past wrappers that hold nothing after the header
            if parent is None or parent is body or any(text_of(s) for s in level.itersiblings()):
                break
            level = parent
        headlines = _headlines(lists, table)
        if not headlines:
            continue
        elements = [block, *lists]
        for e in elements:
            add_subtree(used, e)
        boxes.append(Box(header, headlines, elements))
    return boxes


def _is_nav(el) -> bool:
    for node in [el, *el.iterancestors()]:
        tag = tag_of(node)
        if tag in ("nav", "menu") or (node.get("role") or "").lower() == "navigation":
            return True
    return False


def _link_blocks_after(block) -> list:
    found = []
    for sib in block.itersiblings():
        tag = tag_of(sib)
        if not tag or tag in SKIP:
            continue
        text = text_of(sib)
        if not text:
            continue
        if _is_link_block(sib, text):
            found.append(sib)
            continue
        break
    return found


def _is_link_block(el, text: str) -> bool:
    links = [text_of(a) for a in el.iter("a")]
    linked = sum(len(t) for t in links)
    return linked > 0 and linked >= 0.6 * len(text)


def _headlines(blocks: list, table: ChromeTable) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for block in blocks:
        items = [li for li in block.iter("li")] or [block]
        for item in items:
            anchors = [t for t in (text_of(a) for a in item.iter("a")) if t]
            candidates = [max(anchors, key=len)] if items != [block] and anchors else anchors
            if not anchors and items != [block]:
                candidates = [text_of(item)]
            for text in candidates:
                key = key_text(text)
                if word_count(text) < 2 or key in seen or table.match(text) is not None:
                    continue
                seen.add(key)
                out.append(text)
    return out


def related_cards(root, body, chrome: set, boxes: list[Box]) -> list[Box]:
    """Related cards without a header, standing between the article's paragraphs (a "Tin liên quan" box).

    A card is judged as a reader would: a block whose text is a headline-shaped link to another page on a
    line of its own, with at most an image, a short button label ("ĐỌC NGAY") and a one-sentence summary
    besides, all its labelled links going to that page, and prose paragraphs before and after it. A link
    inside a sentence is article text; the card's summary, image and button are dropped with it. Headlines
    already in `boxes` are not repeated.
    """
    declared = [*root.xpath("//link[@rel='canonical']/@href"), meta_content(root, "og:url")]
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
        if tag_of(el) == "figure" or el.find(".//figcaption") is not None:
            return False  # a photo with its caption, even when the image links somewhere
        anchors = list(el.iter("a"))
        for a in anchors:
            label = text_of(a)
            if a is not link and label and (page(a.get("href")) != target or word_count(label) > _CARD_BUTTON_WORDS):
                return False
        rest = text_of(el, skip=set(anchors))  # the text no link holds: the summary, if any
        breaks = sum(m.group(1).isupper() for m in _SENTENCE_BREAK.finditer(rest))
        return word_count(rest) <= _CARD_SUMMARY_WORDS and breaks == 0

    def prose(el) -> bool:
        return tag_of(el) == "p" and el not in chrome and is_prose(text_of(el))

    own = {page(u) for u in own_urls} - {None}
    seen = {key_text(h) for box in boxes for h in box.headlines}
    headlines: list[str] = []
    cards: list = []
    for link in body.iter("a"):
        target, text = page(link.get("href")), text_of(link)
        if target is None or target in own or link in chrome or any(link in c.iter() for c in cards):
            continue
        line = next((n for n in link.iterancestors() if tag_of(n) in BLOCK), None)
        if line is None or key_text(text_of(line)) != key_text(text) or not is_headline(text):
            continue  # not a line of its own (a link inside a sentence), or not shaped like a headline
        card, node = None, line
        while node is not None and node is not body and card_shaped(node, link, target):
            card, node = node, node.getparent()
        if card is None or not (any(prose(s) for s in card.itersiblings(preceding=True))
                                and any(prose(s) for s in card.itersiblings())):
            continue
        cards.append(card)
        if key_text(text) not in seen:
            seen.add(key_text(text))
            headlines.append(text)
    return [Box(_CARD_HEADER, headlines, cards)] if cards else []
