"""Arrow's memory pool for the long phases (the build, the gate).

pyarrow's default pool on Linux is mimalloc, which keeps much of what a phase frees, so the next phase's
peak starts higher. jemalloc gives more of it back, and gives the most when Arrow's C++ internals (the
Parquet writer, IPC reads) use it too, not only Python-level allocations (figures: docs/benchmarks.md).

Only the environment variable ARROW_DEFAULT_MEMORY_POOL, read when pyarrow loads, reaches the C++
internals: processes that run the build or the gate (the CLI, the benchmark) call `prefer_jemalloc` before
anything imports pyarrow. `lean_pool` covers library use, where pyarrow is usually loaded already. A pool
the user chose in ARROW_DEFAULT_MEMORY_POOL is always kept. The same entry points fix glibc's mmap
threshold (`steady_malloc`), so that the driver's numpy arrays do not pile up in a fragmented heap; with
that threshold fixed, the gate's batch-after-batch reads stay flattest on glibc's own allocator
(`scan_pool`), while the build is faster on jemalloc.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.abc
import os
import platform
import sys
from collections.abc import Iterator

ENV = "ARROW_DEFAULT_MEMORY_POOL"
LEAN = "jemalloc"
MMAP_ENV = "MALLOC_MMAP_THRESHOLD_"  # glibc reads it when a process starts: how the workers get it
MMAP_THRESHOLD = 128 * 1024  # glibc's initial value
M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)


_state = {"pool_chosen_here": False, "steady": False}


def prefer_jemalloc() -> None:
    """Make jemalloc Arrow's pool for this process and its workers, if pyarrow is not loaded yet. Linux only:
    pyarrow's Linux wheels ship jemalloc (elsewhere Arrow would warn that the backend is missing)."""
    if sys.platform == "linux" and "pyarrow" not in sys.modules and ENV not in os.environ:
        os.environ[ENV] = LEAN
        _state["pool_chosen_here"] = True


def steady_malloc() -> bool:
    """Keep glibc's mmap threshold at 128 KB in this process (mallopt) and in the processes it starts (the
    environment). By default glibc raises the threshold to the size of each large block freed (up to 32
    MB); from then on numpy's per-record arrays (8 bytes a record: 0.8 MB each at 10^5 articles) come from
    the heap, and the heap keeps what fragmentation holds, so the driver's peak creeps up; the fixed
    threshold avoids that at no cost in time. Linux with glibc only; a threshold the user set in
    MALLOC_MMAP_THRESHOLD_ is kept. Returns whether it applied."""
    if sys.platform != "linux" or platform.libc_ver()[0] != "glibc":
        return False
    os.environ.setdefault(MMAP_ENV, str(MMAP_THRESHOLD))
    try:
        libc = ctypes.CDLL(None)
        _state["steady"] = bool(libc.mallopt(M_MMAP_THRESHOLD, int(os.environ[MMAP_ENV])))
    except (OSError, AttributeError, ValueError):  # no mallopt, or a threshold that is not a number
        return False
    return _state["steady"]


@contextlib.contextmanager
def lean_pool() -> Iterator:
    """Run the block with jemalloc as pyarrow's default pool (Python-level allocations), then restore the
    previous pool. Buffers remember their pool, so what is still alive afterwards is freed correctly."""
    import pyarrow as pa

    previous = pa.default_memory_pool()
    pool = None
    if ENV not in os.environ:
        try:
            pool = pa.jemalloc_memory_pool()
        except NotImplementedError:  # a pyarrow built without jemalloc
            pool = None
    if pool is None or pool.backend_name == previous.backend_name:
        yield previous
        return
    pa.set_memory_pool(pool)
    try:
        yield pool
    finally:
        pa.set_memory_pool(previous)


@contextlib.contextmanager
def scan_pool() -> Iterator:
    """The pool for a phase that reads and frees batches of the same size over and over (the gate): glibc's
    own allocator when `steady_malloc` applied, where every buffer of 128 KB or more is its own mapping and
    goes back to the system when freed, so nothing piles up from batch to batch (jemalloc keeps freed pages
    for reuse, a little more each batch). Without the fixed threshold glibc's heap fragments and does worse
    than jemalloc, so the block then runs like `lean_pool`. A pool the user chose in
    ARROW_DEFAULT_MEMORY_POOL is kept."""
    import pyarrow as pa

    user_chose = ENV in os.environ and not _state["pool_chosen_here"]
    if user_chose or not _state["steady"]:
        with lean_pool() as pool:
            yield pool
        return
    previous = pa.default_memory_pool()
    pool = pa.system_memory_pool()
    pa.set_memory_pool(pool)
    try:
        yield pool
    finally:
        pa.set_memory_pool(previous)


def release_unused() -> None:
    """Hand the memory Arrow's pool keeps for reuse back to the system at the end of a phase: what a phase
    freed must not add to the next phase's peak."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def skip_pandas_probe() -> None:
    """pyarrow looks for pandas the first time it converts a Python list (`pa.array`, `pa.table`), in case the
    list is a pandas object: an import of pandas (a fifth of a second, and ~50 MB) in a process that never
    hands pyarrow a pandas object (a build's workers, the `build` command's driver). Here one conversion
    runs with pandas hidden, by a finder that refuses it (pyarrow's compiled import reads a None in
    sys.modules as the module): pyarrow records that there is none and does not look again. Only for
    processes that never pass pandas objects to pyarrow: an explicit `to_pandas` still imports it, but
    `pa.array` of a pandas Series would be read as a plain sequence. Nothing to do once pandas is loaded."""
    if _PANDAS in sys.modules:
        return
    import pyarrow as pa

    refuse = _Refuse()
    sys.meta_path.insert(0, refuse)
    try:
        pa.array(["x"])
    except Exception:  # noqa: BLE001 - a pyarrow that looks for pandas otherwise: it imports it as before
        pass
    finally:
        sys.meta_path.remove(refuse)


_PANDAS = "pandas"


class _Refuse(importlib.abc.MetaPathFinder):
    """An import finder for which pandas is not installed."""

    def find_spec(self, name, path, target=None):
        if name == _PANDAS:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
