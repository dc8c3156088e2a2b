"""Deterministic ids and split assignment.

Article id = first 16 hex digits of sha256 over a key:
- `url:<canonical url>` when the sidecar gives a URL (scheme and host lower-cased, "www." dropped, http and
  https the same, fragment, tracking parameters and trailing slash dropped, remaining query sorted);
- otherwise `tpd:<title key>|<publisher key>|<date>` where keys are `normalize.key_text` and the date is
  ISO `YYYY-MM-DD`, `--MM-DD` when only day and month are printed, or empty.
Nothing about the file (its name, folder or bytes) enters the key, so renames, moves and re-scrapes of the
same article keep their id.

Split = a bucket of sha256("split:" + id): 0-79 train, 80-89 validation, 90-99 test. It depends on the id
alone, so adding articles never moves an existing one.
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .normalize import clean_line, key_text

_TRACKING = ("utm_", "fbclid", "gclid", "zarsrc", "mc_", "ref", "cmpid")
SPLIT_BUCKETS = (("train", 80), ("validation", 90), ("test", 100))


def _hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_url(url: str) -> str:
    parts = urlsplit(clean_line(url))
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith(_TRACKING)
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", host, path, urlencode(query), ""))


def article_key(*, url: str | None, title: str, publisher: str, date_key: str) -> tuple[str, str]:
    """(basis, key) for an article; see the module docstring."""
    if url:
        return "url", "url:" + canonical_url(url)
    return "title_publisher_date", f"tpd:{key_text(title)}|{key_text(publisher)}|{date_key}"


def date_key(year: int | None, month: int | None, day: int | None) -> str:
    if month is None or day is None:
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}" if year is not None else f"--{month:02d}-{day:02d}"


def make_id(key: str) -> str:
    return _hex(key)[:16]


def headline_id(text: str, key: str | None = None) -> str:
    """A related headline's id; `key`: its key_text, when the caller has it already."""
    return make_id("headline:" + (key_text(text) if key is None else key))


def split_for(record_id: str) -> str:
    bucket = int(_hex("split:" + record_id)[:8], 16) % 100
    for name, upper in SPLIT_BUCKETS:
        if bucket < upper:
            return name
    raise AssertionError("unreachable: buckets cover 0-99")
