"""The main text of an HTML page by trafilatura (`bare_extraction`): run on a copy of the page without the
parts html_dump emits itself, with layout tables unwrapped, and its body read back as lines in order
(paragraphs, headings, "- item" / "1. item" list lines). trafilatura is imported here only when called
(the HTML extra is optional). Used by html_dump.
"""

from __future__ import annotations

from copy import deepcopy

from .chrome import ChromeTable
from .html_text import collapse, tag_of


def main_text(root, cut: set):
    """trafilatura on a copy of the page without the `cut` elements, layout tables unwrapped; None when it fails."""
    import trafilatura

    marked = [el for el in cut if el.getparent() not in cut]
    for el in marked:
        el.set("data-vncd-cut", "1")
    try:
        tree = deepcopy(root)
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


def body_lines(doc, table: ChromeTable) -> list[str]:
    """trafilatura's body as lines, in its order; lines the chrome table knows are left out."""
    body = getattr(doc, "body", None)
    if body is None:
        return []
    out: list[str] = []
    for child in body:
        lines = _list_lines(child) if tag_of(child) == "list" else _xml_lines(child)
        out += [line for line in lines if table.match(line) is None]
    return out


def _xml_lines(el) -> list[str]:
    """The lines of one trafilatura block (<lb/> and nested blocks break lines)."""
    from lxml import etree

    parts: list[str] = []
    for event, node in etree.iterwalk(el, events=("start", "end")):
        tag = tag_of(node)
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
    return [line for line in (collapse(x) for x in "".join(parts).split("\n")) if line]


def _list_lines(el) -> list[str]:
    """A trafilatura <list>: "- item" lines ("1. item" for an ordered list); nested lists follow their item."""
    lines: list[str] = []
    ordered = (el.get("rend") or "").lower() == "ol"
    n = 0
    for item in el:
        if tag_of(item) != "item":
            lines += _xml_lines(item)
            continue
        nested = [c for c in item if tag_of(c) == "list"]
        shallow = deepcopy(item)
        for c in list(shallow):
            if tag_of(c) == "list":
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
            if tag_of(node) in ("table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption"):
                node.tag = "div"
