"""The site-chrome table (`data/chrome.toml`) and matching a line against it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Literal

from .normalize import clean_line

Role = Literal["related", "tail", "nav"]


@dataclass(frozen=True)
class Marker:
    text: str
    match: Literal["exact", "prefix"]
    role: Role
    max_len: int | None = None
    key: str = field(init=False, repr=False)  # the cleaned, case-folded text, computed once

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", clean_line(self.text).casefold())

    def matches(self, folded_line: str) -> bool:
        if self.match == "exact":
            return folded_line == self.key
        return len(folded_line) <= (self.max_len or len(self.key)) and folded_line.startswith(self.key)


@dataclass(frozen=True)
class ChromeTable:
    version: int
    markers: tuple[Marker, ...]
    _exact: dict[str, Marker] = field(init=False, repr=False, compare=False)
    _prefix: tuple[Marker, ...] = field(init=False, repr=False, compare=False)
    _longest: int = field(init=False, repr=False, compare=False)  # no marker matches a longer line
    _by_first: dict = field(init=False, repr=False, compare=False)  # prefix markers by their first character
    _prefix_keys: tuple[str, ...] = field(init=False, repr=False, compare=False)  # every prefix marker's key
    _rank: dict = field(init=False, repr=False, compare=False)  # id(marker) -> the row of its first equal

    def __post_init__(self) -> None:
        exact: dict[str, Marker] = {}
        for m in self.markers:
            if m.match == "exact":
                exact.setdefault(m.key, m)  # the first row wins, as in a top-down read of the table
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_prefix", tuple(m for m in self.markers if m.match == "prefix"))
        by_first: dict[str, tuple[Marker, ...]] = {}
        for m in self._prefix:
            by_first[m.key[:1]] = by_first.get(m.key[:1], ()) + (m,)
        object.__setattr__(self, "_by_first", by_first)
        object.__setattr__(self, "_prefix_keys", tuple(m.key for m in self._prefix))
        first: dict[Marker, int] = {}
        for row, m in enumerate(self.markers):
            first.setdefault(m, row)
        object.__setattr__(self, "_rank", {id(m): first[m] for m in self.markers})  # markers.index, by identity
        longest = [m.max_len or len(m.key) for m in self._prefix] + [len(k) for k in exact]
        object.__setattr__(self, "_longest", max(longest, default=0))

    def match(self, line: str) -> Marker | None:
        """The first marker (in table order) that matches `line`, or None."""
        return self.match_clean(clean_line(line))

    def match_clean(self, line: str) -> Marker | None:
        """`match` for a line that is already clean (`normalize.clean_line`), as the parser's lines are."""
        if len(line) > self._longest:
            return None  # longer than any marker's line (casefolding never shortens a line)
        folded = line.casefold()
        if folded not in self._exact and not folded.startswith(self._prefix_keys):
            return None  # most lines: one dictionary look-up and one scan of the prefixes
        hits = [m for m in self._by_first.get(folded[:1], ()) if m.matches(folded)]
        if folded in self._exact:
            hits.append(self._exact[folded])
        return min(hits, key=lambda m: self._rank[id(m)]) if hits else None


def parse_table(text: str) -> ChromeTable:
    data = tomllib.loads(text)
    markers = []
    for i, row in enumerate(data.get("marker", [])):
        if row.get("match") not in ("exact", "prefix") or row.get("role") not in ("related", "tail", "nav"):
            raise ValueError(f"chrome table marker #{i + 1} ({row.get('text')!r}): bad match or role")
        if row["match"] == "prefix" and not row.get("max_len"):
            raise ValueError(f"chrome table marker #{i + 1} ({row['text']!r}): a prefix marker needs max_len")
        markers.append(Marker(row["text"], row["match"], row["role"], row.get("max_len")))
    return ChromeTable(int(data["version"]), tuple(markers))


@lru_cache(maxsize=1)
def default_table() -> ChromeTable:
    text = resources.files("vncyberdata").joinpath("data/chrome.toml").read_text(encoding="utf-8")
    return parse_table(text)
