"""The synthetic generator's vocabulary: word frequencies of the project's own text (the article text of the
whole-page fixtures' HTML pages and of the layout fixture dumps, all written by the team), so that synthetic
articles have real Vietnamese function-word density and a Zipf-like spread, not a flat word list.

    .venv/bin/python benchmarks/synthetic_vocabulary.py --write    # rewrite src/vncyberdata/data/synthetic_words.tsv
    .venv/bin/python benchmarks/synthetic_vocabulary.py --check    # exit 1 if the file is not what the fixtures give
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

from vncyberdata.parse.parse import Parsed, parse
from vncyberdata.intake.raw import read_sidecar, sidecar_for

REPO = Path(__file__).resolve().parent.parent
TARGET = REPO / "src" / "vncyberdata" / "data" / "synthetic_words.tsv"
_WORD = re.compile(r"[^\W\d_]+")


def texts() -> list[str]:
    """Title, lead and body of every fixture article the parser reads (HTML site pages, layout dumps)."""
    out = []
    sites = REPO / "tests" / "fixtures" / "sites"
    pages = [(d / "page.html", d / "page.meta.json", "html") for d in sorted(sites.iterdir()) if (d / "page.html").exists()]
    pages += [(p, sidecar_for(p), "text") for p in sorted((REPO / "tests" / "fixtures" / "pages").glob("*.txt"))]
    for path, meta, raw_format in pages:
        result = parse(path.read_bytes(), read_sidecar(meta), path.name, raw_format=raw_format)
        if isinstance(result, Parsed):
            a = result.article
            out.append(" ".join(t for t in (a.title, a.lead, a.body) if t))
    return out


def table() -> str:
    counts = Counter(w for text in texts() for w in _WORD.findall(text.casefold()))
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    header = "# word\tcount: the project's own fixture text (benchmarks/synthetic_vocabulary.py --write)\n"
    return header + "".join(f"{w}\t{n}\n" for w, n in rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    text = table()
    if args.write:
        TARGET.write_text(text, encoding="utf-8")
        print(f"wrote {TARGET} ({text.count(chr(10)) - 1} words)")
        return 0
    if TARGET.read_text(encoding="utf-8") != text:
        print(f"{TARGET} is not what the fixtures give: run benchmarks/synthetic_vocabulary.py --write", file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
