"""Parse speed: milliseconds per page for `parse.parse` alone (one core, no build), on a synthetic corpus
and on the whole-page fixtures. Prints figures; compare two checkouts by running each one's copy.

    python benchmarks/parse_bench.py [--articles 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from vncyberdata.parse.parse import parse
from vncyberdata.intake.raw import read_sidecar, sidecar_for
from vncyberdata.synthetic import generate

SITES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "sites"


def _time(pages: list[tuple[bytes, object, str]], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for data, meta, name in pages:
            parse(data, meta, name)
        best = min(best, time.perf_counter() - start)
    return best * 1000 / len(pages)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = generate(args.articles, Path(tmp), seed=1)
        synthetic = [(p.read_bytes(), read_sidecar(sidecar_for(p)), p.name) for p in paths]
    print(f"synthetic article-only dumps ({len(synthetic)}): {_time(synthetic, args.repeat):.3f} ms/page")
    if SITES.exists():
        dumps = [(d.read_bytes(), read_sidecar(d.parent / "page.meta.json"), d.name)
                 for d in sorted(SITES.glob("*/dump.*.txt"))]
        print(f"whole-page dumps ({len(dumps)}): {_time(dumps, max(args.repeat, 5)):.3f} ms/page")


if __name__ == "__main__":
    main()
