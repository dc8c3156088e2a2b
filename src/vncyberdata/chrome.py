"""The site-chrome table (`data/chrome.toml`) and matching a line against it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
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

    def matches(self, folded_line: str) -> bool:
        if self.match == "exact":
            return folded_line == self.key
        return folded_line.startswith(self.key) and len(folded_line) <= (self.max_len or len(self.key))

    @property
    def key(self) -> str:
        return clean_line(self.text).casefold()


@dataclass(frozen=True)
class ChromeTable:
    version: int
    markers: tuple[Marker, ...]

    def match(self, line: str) -> Marker | None:
        folded = clean_line(line).casefold()
        for marker in self.markers:
            if marker.matches(folded):
                return marker
        return None


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
