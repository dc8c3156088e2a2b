"""Benchmark the build on a SYNTHETIC corpus (vncyberdata.synthetic): prints, for each size, the full build's
articles/s and MB/s and an I/O-only baseline in the same run (read every raw file, write its bytes to zstd
Parquet: no parsing), their ratio, the quality gate's time, a one-file incremental rebuild, and peak RSS.

    .venv/bin/python benchmarks/build_bench.py                      # 10,000 articles
    .venv/bin/python benchmarks/build_bench.py --articles 10000 100000
    .venv/bin/python benchmarks/build_bench.py --articles 1000000   # about 3.5 GB of raw files in a temp folder

Each size runs in a fresh child process, so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _baseline(raw: Path, out: Path) -> float:
    """Seconds to read every raw file and write the bytes to one zstd Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    start = time.perf_counter()
    schema = pa.schema([("path", pa.string()), ("data", pa.binary())])
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        batch: dict[str, list] = {"path": [], "data": []}
        for path in sorted(raw.glob("*.txt")):
            batch["path"].append(path.name)
            batch["data"].append(path.read_bytes())
            if len(batch["path"]) == 5_000:
                writer.write_table(pa.table(batch, schema=schema))
                batch = {"path": [], "data": []}
        if batch["path"]:
            writer.write_table(pa.table(batch, schema=schema))
    return time.perf_counter() - start


def run_one(n: int, workers: int, seed: int) -> dict:
    from vncyberdata import gate
    from vncyberdata.build import Options, build
    from vncyberdata.synthetic import generate

    tmp = Path(tempfile.mkdtemp(prefix="vncyberdata-bench-"))
    try:
        raw = tmp / "raw"
        generate(n, raw, seed=seed)
        extra = tmp / "extra"
        generate(n + 1, extra, seed=seed + 1)  # its last page is the "one new file"
        mb = sum(p.stat().st_size for p in raw.glob("*.txt")) / 1e6
        base_s = _baseline(raw, tmp / "baseline.parquet")
        options = Options(workers=workers, cache_dir=tmp / "cache")
        start = time.perf_counter()
        report = build(raw, tmp / "dataset", options)
        build_s = time.perf_counter() - start
        floors = gate.load_floors(Path(__file__).resolve().parent.parent / "schema" / "floors.toml")
        start = time.perf_counter()
        gate.run_gate(tmp / "dataset", report["splits"], floors, tmp / "gate")
        gate_s = time.perf_counter() - start
        last = f"synthetic_{n:07d}"
        for suffix in (".txt", ".meta.json"):
            shutil.copy(extra / f"{last}{suffix}", raw / f"{last}{suffix}")
        start = time.perf_counter()
        again = build(raw, tmp / "dataset", options)
        incr_s = time.perf_counter() - start
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return {
        "articles": n, "workers": workers, "raw_mb": round(mb, 1),
        "build_s": round(build_s, 2), "build_articles_per_s": round(n / build_s), "build_mb_per_s": round(mb / build_s, 2),
        "baseline_s": round(base_s, 2), "baseline_articles_per_s": round(n / base_s), "baseline_mb_per_s": round(mb / base_s, 2),
        "build_vs_baseline": round(base_s / build_s, 4),
        "gate_s": round(gate_s, 2), "gate_vs_build": round(gate_s / build_s, 3),
        "incremental_s": round(incr_s, 2), "incremental_vs_build": round(incr_s / build_s, 3),
        "incremental_cache_hits": again["cache_hits"],
        "peak_rss_mb": round(peak / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[10_000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.articles[0], args.workers, args.seed)))
        return
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; workers {args.workers}; SYNTHETIC corpus")
    for n in args.articles:
        done = subprocess.run(
            [sys.executable, __file__, "--child", "--articles", str(n), "--workers", str(args.workers), "--seed", str(args.seed)],
            capture_output=True, text=True, check=True,
        )
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"\n{n:,} articles ({r['raw_mb']} MB of raw text)")
        print(f"  full build     {r['build_s']:>8} s  {r['build_articles_per_s']:>7,} articles/s  {r['build_mb_per_s']:>6} MB/s")
        print(f"  I/O baseline   {r['baseline_s']:>8} s  {r['baseline_articles_per_s']:>7,} articles/s  {r['baseline_mb_per_s']:>6} MB/s")
        print(f"  build / baseline throughput  {r['build_vs_baseline']:.2%}")
        print(f"  quality gate   {r['gate_s']:>8} s  ({r['gate_vs_build']:.1%} of the build)")
        print(f"  one-file incremental rebuild {r['incremental_s']} s  ({r['incremental_vs_build']:.1%} of the build; "
              f"{r['incremental_cache_hits']} cached parses)")
        print(f"  peak RSS       {r['peak_rss_mb']} MB")


if __name__ == "__main__":
    main()
