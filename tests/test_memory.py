"""Arrow's memory pool: the CLI and the build run with jemalloc when pyarrow has it (it keeps far less of
what a phase frees than the default mimalloc: see memory.py), a pool the user chose is kept, and the
caller's pool is what it was after a build."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa
import pytest

from conftest import RAW
from vncyberdata.build import build as build_module
from vncyberdata import memory


def _has_jemalloc() -> bool:
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        return False
    return sys.platform == "linux"


needs_jemalloc = pytest.mark.skipif(not _has_jemalloc(), reason="this pyarrow has no jemalloc pool")

PROBE = (
    "from vncyberdata import memory; memory.prefer_jemalloc(); "
    "import pyarrow as pa; print(pa.default_memory_pool().backend_name)"
)


def _probe(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != memory.ENV}
    done = subprocess.run([sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@needs_jemalloc
def test_a_fresh_process_gets_jemalloc_for_arrow_and_its_internals():
    assert _probe() == "jemalloc"


def test_a_pool_the_user_chose_is_kept():
    assert _probe(**{memory.ENV: "system"}) == "system"


def test_importing_the_cli_does_not_load_pyarrow():
    """Otherwise `prefer_jemalloc` in cli.main would come too late to reach Arrow's C++ internals."""
    code = "import sys; import vncyberdata.cli; print('pyarrow' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@needs_jemalloc
def test_build_runs_on_jemalloc_and_gives_the_callers_pool_back(tmp_path, monkeypatch):
    monkeypatch.delenv(memory.ENV, raising=False)
    before = pa.default_memory_pool()
    seen = []
    discover = build_module.discover

    def spy(root):
        seen.append(pa.default_memory_pool().backend_name)
        return discover(root)

    monkeypatch.setattr(build_module, "discover", spy)
    build_module.build(RAW, tmp_path / "dataset")
    assert seen == ["jemalloc"]
    assert pa.default_memory_pool().backend_name == before.backend_name


def test_a_build_does_not_import_datasets(tmp_path):
    """`datasets` costs ~60 MB and a second in the driver and in every worker: the build derives the write
    schema and the card's features itself (tests/test_schema.py checks they equal what datasets makes)."""
    code = (
        "import sys; from pathlib import Path; from vncyberdata.build.build import build, Options; "
        f"build(Path({str(RAW)!r}), Path({str(tmp_path / 'dataset')!r}), Options(workers=2)); "
        "print('datasets' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"
    assert (tmp_path / "dataset" / "README.md").exists()


HEAP_PROBE = """
import sys
import numpy as np
from vncyberdata import memory
if sys.argv[1] == "fixed":
    assert memory.steady_malloc()
big = np.ones(1 << 18)  # 2 MB: mmapped, and freeing it raises glibc's default threshold to 2 MB
del big
kept = np.ones(1 << 17)  # 1 MB
address = kept.ctypes.data
for line in open("/proc/self/maps"):
    low, high = (int(x, 16) for x in line.split()[0].split("-"))
    if low <= address < high:
        print(line.split()[5] if len(line.split()) > 5 else "anonymous")
"""


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's malloc")
def test_with_a_steady_malloc_a_large_array_is_mapped_not_taken_from_the_heap():
    """After a 2 MB block is freed, glibc by default serves a 1 MB array from the heap (where fragmentation
    keeps what is freed); with `steady_malloc` it gets its own mapping, returned when freed."""
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("glibc's malloc")
    clean = {k: v for k, v in os.environ.items() if k != memory.MMAP_ENV}
    where = {
        mode: subprocess.run([sys.executable, "-c", HEAP_PROBE, mode], env=clean, capture_output=True, text=True,
                             check=True).stdout.strip()
        for mode in ("default", "fixed")
    }
    assert where == {"default": "[heap]", "fixed": "anonymous"}
    # the processes it starts (the build's workers) get the same threshold
    parent = ("import subprocess, sys; from vncyberdata import memory; memory.steady_malloc(); "
              f"print(subprocess.run([sys.executable, '-c', {HEAP_PROBE!r}, 'default'], capture_output=True, "
              "text=True, check=True).stdout.strip())")
    child = subprocess.run([sys.executable, "-c", parent], env=clean, capture_output=True, text=True, check=True)
    assert child.stdout.strip() == "anonymous"


SCAN_PROBE = """
import sys
from vncyberdata import memory
memory.prefer_jemalloc()
if sys.argv[1] == "steady":
    memory.steady_malloc()
import pyarrow as pa
with memory.scan_pool():
    inside = pa.default_memory_pool().backend_name
print(inside, pa.default_memory_pool().backend_name)
"""


@needs_jemalloc
def test_the_gate_reads_on_glibcs_allocator_only_when_its_mmap_threshold_is_fixed():
    """With `steady_malloc`, the system pool returns each freed batch to the system (the gate stays flat);
    without it, glibc's heap would keep them, and the gate runs on jemalloc. A pool the user chose is kept,
    and the previous pool is back after the block."""
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("glibc's malloc")
    clean = {k: v for k, v in os.environ.items() if k not in (memory.ENV, memory.MMAP_ENV)}

    def probe(mode, **env):
        return subprocess.run([sys.executable, "-c", SCAN_PROBE, mode], env={**clean, **env}, capture_output=True,
                              text=True, check=True).stdout.split()

    assert probe("steady") == ["system", "jemalloc"]
    assert probe("plain") == ["jemalloc", "jemalloc"]
    assert probe("steady", **{memory.ENV: "mimalloc"}) == ["mimalloc", "mimalloc"]
