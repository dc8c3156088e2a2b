"""Engines: the Ray Data engine gives the same bytes as the local process pool."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from vncyberdata.build.build import Options, build
from vncyberdata.errors import UserError
from vncyberdata.synthetic import generate


def _sha(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.parquet"))}


def test_ray_engine_is_byte_identical_to_the_local_engine(tmp_path):
    pytest.importorskip("ray")
    raw = tmp_path / "raw"
    generate(40, raw, seed=21, near_duplicates=0.2)
    (raw / "broken.txt").write_bytes(b"\x00\x01")
    (raw / "broken.meta.json").write_text('{"publisher": "X", "license": "L"}')
    local = build(raw, tmp_path / "local", Options(workers=2))
    on_ray = build(raw, tmp_path / "ray", Options(workers=2, engine="ray"))
    assert _sha(tmp_path / "local") == _sha(tmp_path / "ray") and _sha(tmp_path / "local")
    assert (tmp_path / "local" / "build-report.json").read_bytes() == (tmp_path / "ray" / "build-report.json").read_bytes()
    assert local["dropped"] == on_ray["dropped"] and local["dropped"]["binary"] == 1


def test_unknown_engine_is_a_usage_error(tmp_path):
    raw = tmp_path / "raw"
    generate(2, raw, seed=1)
    with pytest.raises(UserError, match="unknown engine"):
        build(raw, tmp_path / "out", Options(engine="spark"))


@pytest.mark.parametrize("preload", ["vncyberdata.build.warm", "vncyberdata.intake.warm"])
def test_a_fork_servers_preload_loads_the_kernels_and_leaves_scipy_and_cffi_importable(preload):
    """What a worker pool's fork server imports (engines.BUILD_WORKERS, CHECK_WORKERS), in a fresh process:
    the workers' task module is there, the kernels are compiled or loaded, scipy.linalg and cffi (hidden
    from numba while they load) were not loaded and import as usual afterwards, and pyarrow converts a list without importing
    pandas (hidden from it once), which still imports when asked for."""
    import subprocess
    import sys

    from vncyberdata import engines

    assert preload in (engines.BUILD_WORKERS, engines.CHECK_WORKERS)
    task = {"vncyberdata.build.warm": "vncyberdata.build.worker", "vncyberdata.intake.warm": "vncyberdata.intake.validate"}[preload]
    code = (
        "import importlib, sys\n"
        f"importlib.import_module({preload!r})\n"
        f"assert {task!r} in sys.modules\n"
        "assert sys.modules.get('scipy.linalg', 0) is not None and 'cffi' not in sys.modules\n"
        "from vncyberdata.parse import langid, normalize\n"
        "assert langid._count.signatures and normalize._needs_cleaning.signatures  # compiled (or loaded) already\n"
        + ("from vncyberdata.intake import legacy_scan\nassert legacy_scan._scan.signatures\n" if "intake" in preload else "")
        + "import scipy.linalg\n"
        "assert scipy.linalg.norm([3.0, 4.0]) == 5.0\n"
        "import cffi\n"
        "assert cffi.FFI().sizeof('int') == 4\n"
        "import pyarrow as pa\n"
        "assert pa.array(['Công an']).to_pylist() == ['Công an'] and 'pandas' not in sys.modules  # not looked for\n"
        "import pandas\n"
        "assert pa.Table.from_pandas(pandas.DataFrame({'a': [1]})).num_rows == 1  # importable when asked for\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_build_commands_driver_loads_neither_the_parser_nor_numba_nor_pandas(tmp_path):
    """`vncyberdata build` with workers, in a fresh process: the driver sends the workers their task by name
    (build/tasks.py) and takes the fingerprints (build/fingerprints.py) without loading the parser, numba,
    the workers' modules or pandas (pyarrow's look for it skipped: memory.skip_pandas_probe), all of which
    its start would pay for; the fork server has the parser loaded. The build itself is complete."""
    import subprocess
    import sys

    raw = Path(__file__).resolve().parents[1] / "raw"
    code = (
        "import sys\n"
        "from vncyberdata import cli\n"
        f"assert cli.main(['build', '--raw', {str(raw)!r}, '--out', {str(tmp_path / 'out')!r}, '--workers', '2',\n"
        f"                 '--cache-dir', {str(tmp_path / 'cache')!r}]) == 0\n"
        "heavy = ('numba', 'pandas', 'vncyberdata.parse.parse', 'vncyberdata.build.worker', 'vncyberdata.build.sketch')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
    assert json.loads((tmp_path / "out" / "build-report.json").read_text())["splits"]["articles"]


def test_a_workers_task_runs_without_the_cyclic_collector_and_frees_its_cycles_after(monkeypatch):
    # build/tasks.py: the collector paused while a task runs, the task's cycles collected at its end, and the
    # collector's state put back (also when the task fails)
    import gc
    import weakref

    from vncyberdata.build import tasks, worker

    class Node:
        pass

    seen = {}

    def task(job):
        seen["collecting"] = gc.isenabled()
        node = Node()
        node.self = node  # a reference cycle: only the collector frees it
        seen["node"] = weakref.ref(node)
        if job == "fail":
            raise ValueError("a failing task")
        return "done"

    monkeypatch.setattr(worker, "parse_chunk", task)
    assert gc.isenabled()
    assert tasks.parse_chunk("job") == "done"
    assert seen["collecting"] is False and seen["node"]() is None and gc.isenabled()
    with pytest.raises(ValueError):
        tasks.parse_chunk("fail")
    assert gc.isenabled()
    gc.disable()
    try:
        tasks.parse_chunk("job")
        assert not gc.isenabled(), "a collector the caller had paused stays paused"
    finally:
        gc.enable()
