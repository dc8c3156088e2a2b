"""Where the build's driver spends memory and time: one build, with the peak RSS and the seconds of each
phase (discovery, each pipeline step, the gather queries, writing each config (where the database sorts
the rows), the report). A thread samples the driver's RSS every 5 ms; a phase's peak is the largest sample
taken while it ran (what the phases before it left in the heap included). Linux only (/proc).

    .venv/bin/python benchmarks/build_phases.py --raw raw
    .venv/bin/python -c "from vncyberdata.synthetic import generate; generate(100000, 'corpus', near_duplicates=0.05)"
    .venv/bin/python benchmarks/build_phases.py --raw corpus --cache-dir build/phases-cache   # twice: cached

The process is set up as `vncyberdata build` sets itself up (jemalloc for Arrow, glibc's mmap threshold).
"""

from __future__ import annotations

import argparse
import functools
import tempfile
import threading
import time
from pathlib import Path

from vncyberdata import memory

memory.prefer_jemalloc()  # before pyarrow loads, as the CLI does
memory.steady_malloc()


def _rss_mb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


class Phases:
    """A stack of phase names; the sampler charges each RSS sample to the phase on top."""

    def __init__(self) -> None:
        self.stack = ["start"]
        self.peaks: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.order: list[str] = []

    def sample(self) -> None:
        name = self.stack[-1]
        self.peaks[name] = max(self.peaks.get(name, 0), _rss_mb())

    def wrap(self, owner, attribute: str, name=None) -> None:
        """Charge the calls of owner.attribute to a phase (`name(args)` or the attribute's name)."""
        original = getattr(owner, attribute)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            phase = name(args) if name else attribute
            if phase not in self.order:
                self.order.append(phase)
            self.stack.append(phase)
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - start
                self.sample()
                self.stack.pop()

        setattr(owner, attribute, timed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True, help="folder of raw files")
    parser.add_argument("--out", type=Path, help="dataset folder to write (default: a temporary folder)")
    parser.add_argument("--cache-dir", type=Path, help="parse cache (default: none, every file parsed)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db-memory", help="the build database's memory limit (default: the build's, database.Limits)")
    args = parser.parse_args()

    from vncyberdata.build import build, database, write

    phases = Phases()
    phases.wrap(build, "discover", lambda a: "discovery")
    phases.wrap(build, "_counted", lambda a: a[0].__name__)  # each pipeline step
    phases.wrap(build, "_gathered", lambda a: "gather: articles | headlines")  # side by side (two threads)
    phases.wrap(write, "write_config", lambda a: f"writing {a[1]}")
    phases.wrap(write, "write_report", lambda a: "build report")
    stop = threading.Event()

    def sampler() -> None:
        while not stop.is_set():
            phases.sample()
            time.sleep(0.005)

    threading.Thread(target=sampler, daemon=True).start()
    limits = database.Limits(memory=args.db_memory) if args.db_memory else database.Limits()
    with tempfile.TemporaryDirectory(prefix="vncyberdata-phases-") as scratch:
        out = args.out or Path(scratch) / "dataset"
        start = time.perf_counter()
        build.build(args.raw, out, build.Options(workers=args.workers, cache_dir=args.cache_dir, database=limits))
        total = time.perf_counter() - start
    stop.set()
    print(f"{'phase':<28} {'peak RSS':>9} {'seconds':>8}   (database memory limit {limits.memory})")
    for phase in phases.order:
        print(f"{phase:<28} {phases.peaks.get(phase, 0):>6} MB {phases.seconds[phase]:>8.2f}")
    print(f"{'(between the phases above)':<28} {phases.peaks.get('start', 0):>6} MB {'-':>8}")
    print(f"{'whole build':<28} {max(phases.peaks.values()):>6} MB {total:>8.2f}")


if __name__ == "__main__":  # the workers import this file under forkserver: only the parent measures
    main()
