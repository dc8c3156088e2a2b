"""Benchmark `vncyberdata validate` on a SYNTHETIC corpus: prints files/s, MB/s and peak RSS.

    .venv/bin/python benchmarks/validate_bench.py [--files 10000] [--seed 0] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from vncyberdata.synthetic import generate
from vncyberdata.intake.validate import validate

from release_bench import Sampler  # this folder is on sys.path when a benchmark runs as a script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vncyberdata-bench-") as tmp:
        folder = Path(tmp) / "raw"
        t0 = time.perf_counter()
        paths = generate(args.files, folder, args.seed)
        gen_s = time.perf_counter() - t0
        total_mb = sum(p.stat().st_size for p in paths) / 1e6
        sampler = Sampler(os.getpid())  # the pool's workers are the forkserver's children, not ours
        t0 = time.perf_counter()
        result = validate(folder, workers=args.workers)
        secs = time.perf_counter() - t0
        sampler.stop()
    driver_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    errors, warnings = result.counts()
    print(f"raw files           {args.files} (+ {args.files} sidecars), {total_mb:.1f} MB, generated in {gen_s:.1f} s")
    print(f"validate            {args.workers} worker(s), {secs:.2f} s  {args.files / secs:,.0f} files/s  {total_mb / secs:.1f} MB/s")
    print(f"findings            {errors} errors, {warnings} warnings")
    print(f"peak RSS            driver {driver_mb:.0f} MB, largest worker {sampler.other_kb / 1024:.0f} MB"
          f" (sampled every 0.2 s), all at once {sampler.tree_kb / 1024:.0f} MB")


if __name__ == "__main__":
    main()
