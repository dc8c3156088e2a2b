"""The topic taxonomy (`data/topics.toml`) and matching a text against it.

Text and terms are compared through one canonical key, `match_key`:
- Unicode NFC, then case folding (then NFC again: folding can leave a decomposed sequence);
- zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM) removed; every run of whitespace, line breaks
  and NBSP included, becomes one space;
- one tone placement, `tone_key`: in an open syllable ending in oa, oe or uy the tone sits on the first
  vowel ("hòa", "khỏe", "thủy"), the style of `normalize.canonical_tones`; "hoà", "khoẻ", "thuỷ" map to it.
  The u of "qu" belongs to the consonant: "quý" keeps its tone on the y and a stray "qúy" becomes "quý".

A term matches only as whole words. Letters (Vietnamese letters included), digits, the underscore and
combining marks are word characters, so a term must not be preceded or followed by one of them: "cá độ"
does not match "các độ", "interpol" does not match "interpolation", "điều 174" does not match
"điều 1745". There is no stemming: "hacker" does not match "hackers"; the taxonomy lists such a form as
its own term when news text uses it. Punctuation is a boundary: "nghị định 13" matches
"Nghị định 13/2023/NĐ-CP".

Every occurrence of every term is found, overlapping ones included: "lừa đảo chiếm đoạt tài sản" reports
both that term and "chiếm đoạt tài sản". The matcher is one Aho–Corasick automaton per taxonomy
(pyahocorasick: every occurrence of every term key in one pass over the text), each occurrence kept when
no word character stands on either side; it is built on first use and cached on the `Taxonomy`.

Not handled: text written without diacritics ("lua dao"), words split by a hyphen or a soft hyphen,
misspellings, and case-folding quirks outside Vietnamese (a Turkish dotless "ı" does not fold to "i").
"""

from __future__ import annotations

import re
import tomllib

import ahocorasick
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

from .normalize import canonical_tones, collapse_canonical, collapse_whitespace

__all__ = ["Topic", "Taxonomy", "load_taxonomy", "default_taxonomy", "match_topics", "match_key", "tone_key"]

_ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff"
_ZERO_WIDTH = re.compile(f"[{_ZERO_WIDTH_CHARS}]")
_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_TOPIC_KEYS = {"id", "label_vi", "label_en", "description", "terms"}


# One place for the tone-placement rule: normalize.canonical_tones ("hoà" → "hòa", "qúy" → "quý").
tone_key = canonical_tones


def match_key(s: str) -> str:
    """The canonical form text and terms are compared in: NFC, case-folded, zero-width characters removed,
    whitespace runs collapsed to one space, tone placement made canonical (`tone_key`). (Each step is skipped
    where a quick look shows it would change nothing: a whole body goes through here.)"""
    s = unicodedata.normalize("NFC", unicodedata.normalize("NFC", s).casefold())
    if any(c in s for c in _ZERO_WIDTH_CHARS):  # removing one may leave a pair NFC composes: tone_key's NFC does
        return tone_key(collapse_whitespace(_ZERO_WIDTH.sub("", s)))
    return collapse_canonical(s)  # = tone_key(collapse_whitespace(s)) of this NFC text




def _is_word_char(ch: str) -> bool:  # letters (Vietnamese included), digits, "_", combining marks
    return ch.isalnum() or ch == "_" or "\u0300" <= ch <= "\u036f"


@dataclass(frozen=True)
class Topic:
    id: str
    label_vi: str
    label_en: str
    description: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class _Matcher:
    automaton: ahocorasick.Automaton | None  # term key -> (term key, its length)
    owners: dict[str, tuple[tuple[int, str], ...]]  # term key -> (topic index, term as written)


@dataclass(frozen=True)
class Taxonomy:
    version: int
    topics: tuple[Topic, ...]

    @cached_property
    def _matcher(self) -> _Matcher:  # built on first use, then kept on the instance (not a field)
        return _build_matcher(self)

    def topic(self, topic_id: str) -> Topic:
        for t in self.topics:
            if t.id == topic_id:
                return t
        raise KeyError(topic_id)


def _build_matcher(taxonomy: Taxonomy) -> _Matcher:
    owners: dict[str, list[tuple[int, str]]] = {}
    for i, topic in enumerate(taxonomy.topics):
        for term in topic.terms:
            key = match_key(term).strip()
            if key and (i, term) not in owners.setdefault(key, []):
                owners[key].append((i, term))
    if not owners:
        return _Matcher(None, {})
    automaton = ahocorasick.Automaton()
    for key in sorted(owners):
        automaton.add_word(key, (key, len(key)))
    automaton.make_automaton()
    return _Matcher(automaton, {k: tuple(v) for k, v in owners.items()})


def match_topics(text: str, taxonomy: Taxonomy | None = None) -> list[tuple[str, list[str]]]:
    """[(topic_id, sorted distinct matched terms)] in taxonomy order, only topics with at least one match."""
    tax = default_taxonomy() if taxonomy is None else taxonomy
    m = tax._matcher
    if m.automaton is None or not text:
        return []
    key_text = match_key(text)
    last = len(key_text) - 1
    hit_keys: set[str] = set()
    for end, (key, size) in m.automaton.iter(key_text):
        if key in hit_keys:
            continue
        start = end - size + 1
        # a whole-word occurrence: no word character just before or just after it
        if (start == 0 or not _is_word_char(key_text[start - 1])) and (end == last or not _is_word_char(key_text[end + 1])):
            hit_keys.add(key)
    by_topic: dict[int, set[str]] = {}
    for key in hit_keys:
        for i, term in m.owners[key]:
            by_topic.setdefault(i, set()).add(term)
    return [(tax.topics[i].id, sorted(by_topic[i])) for i in sorted(by_topic)]


# --- loading and validation ---


def _text_field(row: dict, name: str, where: str) -> str:
    value = row.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: {name!r} must be a non-empty string")
    return value


def _check_term(term: object, where: str) -> str:
    if not isinstance(term, str) or not term.strip():
        raise ValueError(f"{where}: term {term!r} must be a non-empty string")
    if not unicodedata.is_normalized("NFC", term):
        raise ValueError(f"{where}: term {term!r} is not NFC")
    if term != term.lower():
        raise ValueError(f"{where}: term {term!r} is not lower case")
    if term != " ".join(term.split()):
        raise ValueError(f"{where}: term {term!r} has leading, trailing or repeated whitespace")
    if not (_is_word_char(term[0]) and _is_word_char(term[-1])):
        raise ValueError(f"{where}: term {term!r} must start and end with a letter or digit")
    return term


def parse_taxonomy(text: str) -> Taxonomy:
    """Parse and validate a taxonomy TOML document; ValueError (naming the topic and term) if it is bad."""
    data = tomllib.loads(text)  # TOMLDecodeError is a ValueError
    unknown = set(data) - {"version", "topic"}
    if unknown:
        raise ValueError(f"taxonomy: unknown top-level key(s) {sorted(unknown)}")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"taxonomy: 'version' must be a positive integer, got {version!r}")
    rows = data.get("topic")
    if not isinstance(rows, list) or not rows:
        raise ValueError("taxonomy: no [[topic]] tables")
    topics: list[Topic] = []
    seen_ids: set[str] = set()
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise ValueError(f"taxonomy topic #{n}: not a table")
        topic_id = row.get("id")
        if not isinstance(topic_id, str) or not _ID.fullmatch(topic_id):
            raise ValueError(f"taxonomy topic #{n}: id {topic_id!r} is not snake_case")
        where = f"taxonomy topic {topic_id!r}"
        if topic_id in seen_ids:
            raise ValueError(f"{where}: duplicate topic id {topic_id!r}")
        seen_ids.add(topic_id)
        unknown = set(row) - _TOPIC_KEYS
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}")
        terms = row.get("terms")
        if not isinstance(terms, list) or not terms:
            raise ValueError(f"{where}: empty terms (a topic needs at least one term)")
        by_key: dict[str, str] = {}
        for term in terms:
            _check_term(term, where)
            key = match_key(term)
            if key in by_key:
                same = "listed twice" if by_key[key] == term else f"the same term as {by_key[key]!r}"
                raise ValueError(f"{where}: term {term!r} is {same}")
            by_key[key] = term
        topics.append(
            Topic(
                id=topic_id,
                label_vi=_text_field(row, "label_vi", where),
                label_en=_text_field(row, "label_en", where),
                description=_text_field(row, "description", where),
                terms=tuple(terms),
            )
        )
    return Taxonomy(version, tuple(topics))


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    """The packaged taxonomy, `data/topics.toml`, loaded once."""
    return parse_taxonomy(resources.files("vncyberdata").joinpath("data/topics.toml").read_text(encoding="utf-8"))


def load_taxonomy(text: str | None = None) -> Taxonomy:
    """The taxonomy in `text` (TOML), or the packaged one when `text` is None; validated (see parse_taxonomy)."""
    return default_taxonomy() if text is None else parse_taxonomy(text)
