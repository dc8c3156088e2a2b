"""The position map of an HTML page's text (`Stream`): where each text trafilatura gives stands on the page,
which element holds the article's text, and the merge that puts figures and headings back between the
paragraphs where they stand. Used by html_dump.
"""

from __future__ import annotations

import math
import unicodedata
from bisect import bisect_right
from typing import Any

from .html_text import BLOCK, SKIP, tag_of
from .normalize import key_text


def _is_sep(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch)[0] in "PSZ"


class Stream:
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
            tag = tag_of(node)
            if event == "start":
                if not tag or tag in SKIP:
                    walker.skip_subtree()
                    starts[node] = self.length
                    continue
                starts[node] = self.length
                self.depth[node] = len(stack)
                stack.append(node)
                if tag in BLOCK:
                    self._add(" ", None)
                if node.text:
                    self._add(node.text, node)
            else:
                if stack and stack[-1] is node:
                    stack.pop()
                    if tag in BLOCK:
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

    def place(self, items: list[str]) -> list[int]:
        """Each item's position in the stream: searched forward from the previous one; never decreasing."""
        positions: list[int] = []
        cursor = 0
        last = -1
        for text in items:
            pos = self.find(text, cursor)
            if pos < 0:
                pos = last
            else:
                cursor = pos + 1
            last = max(pos, last)
            positions.append(last)
        return positions

    def container(self, positions: list[int]):
        """The deepest element holding at least 80% of the placed items: the article's text block."""
        found = sorted({p for p in positions if p >= 0})
        if not found:
            return None
        counts: dict[Any, int] = {}
        for pos in found:
            owner = self.owner(pos)
            if owner is None:
                continue
            for node in [owner, *owner.iterancestors()]:
                counts[node] = counts.get(node, 0) + 1
        need = max(1, math.ceil(0.8 * len(found)))
        best = None
        for node, count in counts.items():
            if count >= need and (best is None or self.depth.get(node, 0) > self.depth.get(best, 0)):
                best = node
        return best


def merge(items: list[str], positions: list[int], anchors: list[tuple[int, list[str]]]) -> list[str]:
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
