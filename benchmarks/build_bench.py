"""Benchmark the build on a SYNTHETIC corpus (vncyberdata.synthetic): prints, for each size, the full build's
articles/s and MB/s and an I/O-only baseline in the same run (read every raw file, write its bytes to zstd
Parquet: no parsing), their ratio, the quality gate's time, a one-file incremental rebuild, and peak RSS.

    .venv/bin/python benchmarks/build_bench.py                      # 10,000 articles
    .venv/bin/python benchmarks/build_bench.py --articles 10000 100000
    .venv/bin/python benchmarks/build_bench.py --articles 1000000   # about 3.5 GB of raw files in a temp folder

Each size runs in fresh child processes: one writes the corpus and times the baseline, another runs the
build, the gate and the rebuild, so the build's driver starts as clean as `vncyberdata build` does (what
generating 10^5 pages leaves in a process's heap is not the build's). Peak RSS is reported per phase: the
build's driver process (the peak is reset before each phase through /proc/self/clear_refs, so Linux only),
the largest parse worker, and the quality gate (great-expectations' pandas batches, in the same process
after the build, as in `make release`).
"""

from __future__ import annotations

import argparse
import json
import os
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


def _reset_peak() -> None:
    """Reset this process's peak RSS (VmHWM), so each phase reports its own (Linux 4.0+)."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def _peak_mb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return -1


class WorkerPeak:
    """The largest peak RSS (VmHWM) among this process's descendants (parse workers, the fork server),
    sampled twice a second while running: workers are not all our children, so getrusage cannot say."""

    def __init__(self) -> None:
        import threading

        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for pid in descendants(os.getpid()):
                try:
                    with open(f"/proc/{pid}/status") as fh:
                        for line in fh:
                            if line.startswith("VmHWM:"):
                                self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                except OSError:
                    pass

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return round(self.peak_kb / 1024)


def descendants(root: int) -> list[int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        children = [c for c, p in parents.items() if p == pid]
        found += children
        frontier += children
    return found


def prepare(tmp: Path, n: int, seed: int) -> dict:
    """Write the corpus (raw/) and the file a rebuild adds (extra/), and time the I/O-only baseline."""
    from vncyberdata.synthetic import generate

    raw = tmp / "raw"
    generate(n, raw, seed=seed)
    generate(1, tmp / "extra", seed=seed + 1)  # the "one new file" (another seed: not a page of raw/)
    mb = sum(p.stat().st_size for p in raw.glob("*.txt")) / 1e6
    return {"raw_mb": mb, "baseline_s": _baseline(raw, tmp / "baseline.parquet")}


def run_one(n: int, workers: int, seed: int) -> dict:
    from vncyberdata.release import gate
    from vncyberdata.build.build import Options, build

    tmp = Path(tempfile.mkdtemp(prefix="vncyberdata-bench-"))
    try:
        done = subprocess.run([sys.executable, __file__, "--prepare", str(tmp), "--articles", str(n), "--seed", str(seed)],
                              capture_output=True, text=True, check=True)
        prepared = json.loads(done.stdout.strip().splitlines()[-1])
        raw, extra, mb, base_s = tmp / "raw", tmp / "extra", prepared["raw_mb"], prepared["baseline_s"]
        options = Options(workers=workers, cache_dir=tmp / "cache")
        _reset_peak()
        worker_peak = WorkerPeak()
        start = time.perf_counter()
        report = build(raw, tmp / "dataset", options)
        build_s = time.perf_counter() - start
        build_rss = _peak_mb()
        floors = gate.load_floors(Path(__file__).resolve().parent.parent / "schema" / "floors.toml")
        _reset_peak()
        start = time.perf_counter()
        gate.run_gate(tmp / "dataset", report["splits"], floors, tmp / "gate")
        gate_s = time.perf_counter() - start
        gate_rss = _peak_mb()
        for suffix in (".txt", ".meta.json"):  # added under a name raw/ does not have yet
            shutil.copy(extra / f"synthetic_0000000{suffix}", raw / f"synthetic_{n:07d}{suffix}")
        start = time.perf_counter()
        again = build(raw, tmp / "dataset", options)
        incr_s = time.perf_counter() - start
        workers_rss = worker_peak.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "articles": n, "workers": workers, "raw_mb": round(mb, 1),
        "build_s": round(build_s, 2), "build_articles_per_s": round(n / build_s), "build_mb_per_s": round(mb / build_s, 2),
        "baseline_s": round(base_s, 2), "baseline_articles_per_s": round(n / base_s), "baseline_mb_per_s": round(mb / base_s, 2),
        "build_vs_baseline": round(base_s / build_s, 4),
        "gate_s": round(gate_s, 2), "gate_vs_build": round(gate_s / build_s, 3),
        "incremental_s": round(incr_s, 2), "incremental_vs_build": round(incr_s / build_s, 3),
        "incremental_cache_hits": again["cache_hits"],
        "build_rss_mb": build_rss, "gate_rss_mb": gate_rss, "worker_rss_mb": workers_rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[10_000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        from vncyberdata import memory

        memory.prefer_jemalloc()  # the baseline's Arrow runs on the build's pool
        print(json.dumps(prepare(args.prepare, args.articles[0], args.seed)))
        return
    if args.child:
        from vncyberdata import memory

        memory.prefer_jemalloc()  # as the CLI does, before pyarrow loads
        memory.steady_malloc()  # as the CLI does
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
        print(f"  peak RSS       build (driver) {r['build_rss_mb']} MB, largest worker {r['worker_rss_mb']} MB, "
              f"gate {r['gate_rss_mb']} MB")


if __name__ == "__main__":
    main()
