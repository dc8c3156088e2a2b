"""Whole-page fixtures (tests/fixtures/sites/<site>/): score the parser's title, date, author and body.

Each site folder holds a page written by the team in the layout of a real Vietnamese news site
(`page.html`), its renderings as a maintainer would paste them (`dump.w3m.txt`, `dump.lynx.txt`: text
browsers; `dump.chromium.txt`: a browser's select-all copy), the sidecar and `expect.json`.
Run `python tests/sites.py` for the table of checks per site and form.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from vncyberdata.parse.normalize import clean_line
from vncyberdata.parse.parse import Parsed, parse
from vncyberdata.intake.raw import read_sidecar

SITES = Path(__file__).resolve().parent / "fixtures" / "sites"
DUMPS = ("w3m", "lynx", "chromium")
FORMS = (*DUMPS, "html")
CHECKS = ("title", "date", "author", "body")
# Pinned floors: the share of right checks the parser must keep (raise them as it improves, never lower).
DUMP_FLOOR = 0.98
HTML_FLOOR = 0.96


def site_names() -> list[str]:
    return sorted(p.name for p in SITES.iterdir() if (p / "expect.json").exists())


def run(site: str, form: str) -> Parsed | object:
    folder = SITES / site
    meta = read_sidecar(folder / "page.meta.json")
    if form == "html":
        return parse((folder / "page.html").read_bytes(), meta, f"{site}.html", raw_format="html")
    return parse((folder / f"dump.{form}.txt").read_bytes(), meta, f"{site}.{form}.txt")


def score(site: str, form: str) -> dict[str, str | None]:
    """Check name → None when right, else what was wrong."""
    expect = json.loads((SITES / site / "expect.json").read_text(encoding="utf-8"))
    result = run(site, form)
    if not isinstance(result, Parsed):
        return {c: f"rejected: {result.code} {result.message}" for c in CHECKS}
    a = result.article
    out: dict[str, str | None] = {}
    title = clean_line(expect["title"])
    out["title"] = None if a.title == title else f"title {a.title!r}"
    want = expect["published"]
    got = (a.published_year, a.published_month, a.published_day)
    if want is None:
        out["date"] = None if a.published_month is None else f"date {got} where the page shows none"
    else:
        ok = (a.published_month, a.published_day) == (want["month"], want["day"]) and a.published_year in (want["year"], None)
        out["date"] = None if ok and a.published_year == want["year"] else f"date {got}"
    author = expect.get("dump_author", expect["author"]) if form in DUMPS else expect["author"]
    author = clean_line(author) if author else None
    out["author"] = None if a.author == author else f"author {a.author!r}"
    text = "\n\n".join(t for t in (a.lead, a.body) if t)
    missing = [s for s in expect["body_present"] if clean_line(s) not in a.body]
    leaked = [s for s in expect["body_absent"] if clean_line(s) in text]
    out["body"] = None if not missing and not leaked else f"body missing {missing[:2]} leaked {leaked[:3]}"
    return out


def table() -> dict[tuple[str, str], dict[str, str | None]]:
    return {(site, form): score(site, form) for site in site_names() for form in FORMS}


def main() -> None:
    results = table()
    for (site, form), checks in results.items():
        bad = {k: v for k, v in checks.items() if v}
        print(f"{site:12} {form:9} {4 - len(bad)}/4  " + "; ".join(f"{k}: {v}" for k, v in bad.items())[:300])
    for group, forms in (("dumps", DUMPS), ("html", ("html",))):
        cells = [v for (s, f), c in results.items() if f in forms for v in c.values()]
        print(f"{group}: {sum(v is None for v in cells)}/{len(cells)} checks right ({sum(v is None for v in cells) / max(1, len(cells)):.1%})")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
