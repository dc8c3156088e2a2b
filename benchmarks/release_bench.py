"""`vncyberdata release` on a corpus, as `make release` runs it: wall time of each stage and the peak RSS of
the release process and of every other process it starts (validate and parse workers, the fork server).

The release runs in a scratch repository root (a copy of schema/floors.toml, no earlier release), so any
folder of raw files can be released without touching this repository's history. A thread samples the RSS
of every process in the release's tree every 0.2 s; the stage times come from the lines the release prints.

    .venv/bin/python -c "from vncyberdata.synthetic import generate; generate(10**6, 'corpus', near_duplicates=0.05)"
    .venv/bin/python benchmarks/release_bench.py --raw corpus
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from build_bench import descendants  # this folder is on sys.path when a benchmark runs as a script

ROOT = Path(__file__).resolve().parent.parent


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler:
    """Peak RSS of the root process, of its largest descendant, and of the whole tree at once."""

    def __init__(self, root: int) -> None:
        self.root, self.other_kb, self.tree_kb = root, 0, 0
        self.stage = "validate"
        self.driver_kb: dict[str, int] = {}  # stage → the release process's peak
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            pids = [self.root, *descendants(self.root)]
            sizes = {pid: _rss_kb(pid) for pid in pids}
            self.driver_kb[self.stage] = max(self.driver_kb.get(self.stage, 0), sizes.get(self.root, 0))
            others = [kb for pid, kb in sizes.items() if pid != self.root]
            self.other_kb = max([self.other_kb, *others])
            self.tree_kb = max(self.tree_kb, sum(sizes.values()))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


NEXT_STAGE = {"validated": "build", "built": "gate", "gated": "manifest", "manifested": "record",
              "recorded": "publish", "published": "done"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True, help="folder of raw files to release")
    parser.add_argument("--keep", type=Path, help="keep the scratch root here (default: a temporary folder, removed)")
    args = parser.parse_args()
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="vncyberdata-release-"))
    (scratch / "schema").mkdir(parents=True, exist_ok=True)
    (scratch / "releases").mkdir(exist_ok=True)
    shutil.copy(ROOT / "schema" / "floors.toml", scratch / "schema" / "floors.toml")
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", GX_ANALYTICS_ENABLED="false")
    command = [str(Path(sys.executable).parent / "vncyberdata"), "release", "--raw", str(args.raw.resolve()),
               "--releases", str(scratch / "out"), "--root", str(scratch)]
    files = sum(1 for p in os.scandir(args.raw) if p.name.endswith((".txt", ".html", ".htm")))
    start = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    sampler = Sampler(proc.pid)
    stages, last = [], 0.0
    for line in proc.stdout:
        print(line.rstrip(), flush=True)
        if line.startswith("release: "):
            name = line.split()[1]
            now = time.monotonic() - start
            stages.append((name, now - last))
            last = now
            sampler.stage = NEXT_STAGE.get(name, name)
    code = proc.wait()
    wall = time.monotonic() - start
    sampler.stop()
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"raw files: {files}, exit status {code}, wall {wall:.0f} s")
    for name, seconds in stages:
        print(f"  until {name}: {seconds:.0f} s")
    for stage, kb in sampler.driver_kb.items():
        print(f"  release process during {stage}: peak {kb // 1024} MB")
    print(f"peak RSS: release process {max(sampler.driver_kb.values(), default=0) // 1024} MB,"
          f" largest other process {sampler.other_kb // 1024} MB, whole tree at once {sampler.tree_kb // 1024} MB")
    sys.exit(code)


if __name__ == "__main__":
    main()
