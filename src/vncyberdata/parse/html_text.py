"""The visible text of an HTML element and the small tree helpers the HTML reader's modules share
(html_dump, html_stream, html_figures, html_boxes, html_dates, html_extract). Pure; lxml is imported only
where a walk needs it (the HTML extra is optional).
"""

from __future__ import annotations

import re

# Elements whose text is never page text.
SKIP = frozenset(
    "script style noscript template svg math iframe object embed canvas video audio select option textarea "
    "button input head title meta link map area".split()
)
BLOCK = frozenset(
    "address article aside blockquote br caption center dd details dialog div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr li main menu nav ol p pre section summary table tbody td tfoot th "
    "thead tr ul".split()
)
HEADINGS = ("h2", "h3", "h4", "h5", "h6")


def tag_of(el) -> str:
    """The element's tag in lower case; "" for comments, processing instructions and entities."""
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


def collapse(text: str) -> str:
    return " ".join(text.split())


def text_of(el, skip: set | frozenset = frozenset()) -> str:
    """The visible text of `el` on one line: blocks and <br> become spaces; scripts and `skip` are left out."""
    from lxml import etree

    parts: list[str] = []
    walker = etree.iterwalk(el, events=("start", "end"))
    for event, node in walker:
        tag = tag_of(node)
        if event == "start":
            if not tag or tag in SKIP or node in skip:
                walker.skip_subtree()
                continue
            if tag in BLOCK:
                parts.append(" ")
            if node.text:
                parts.append(node.text)
        else:
            if tag in BLOCK:
                parts.append(" ")
            if node is not el and node.tail:
                parts.append(node.tail)
    return collapse("".join(parts))


def attr_words(el) -> set[str]:
    """class and id split into words at spaces, hyphens and underscores, lower-cased."""
    value = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return set(re.split(r"[\s_\-]+", value)) - {""}


def add_subtree(target: set, el) -> None:
    """Add `el` and every element below it (not comments) to `target`."""
    target.update(e for e in el.iter() if isinstance(e.tag, str))


def follows(el, ref) -> bool:
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
