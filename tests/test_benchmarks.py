"""The benchmark scripts run (figures are not asserted: speed and memory goals live in docs/benchmarks.md)."""

from __future__ import annotations

import subprocess
import sys

from conftest import RAW, REPO


def test_build_phases_prints_every_phase_of_a_build():
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "build_phases.py"), "--raw", str(RAW), "--workers", "2"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    phases = [line.split("  ")[0].strip() for line in done.stdout.splitlines()[1:]]
    assert phases == [
        "discovery", "parse_files", "keep_vietnamese", "drop_duplicate_ids", "drop_near_duplicates",
        "gather: articles | headlines", "writing articles",
        "writing headlines", "build report", "(between the phases above)", "whole build",
    ]
    assert all(" MB " in line for line in done.stdout.splitlines()[1:])


def test_peer_bench_runs_and_prints_the_ratio_or_how_to_get_the_peer():
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "peer_bench.py"), "--articles", "40"],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "I/O floor" in done.stdout or "floor" in done.stdout
    assert "datatrove / vncyberdata" in done.stdout or "pip install '.[bench]'" in done.stdout + done.stderr
    assert "failed" not in done.stdout, done.stdout
    validate = next(line for line in done.stdout.splitlines() if line.strip().startswith("validate "))
    assert " files/s " in validate and "peak RSS" in validate
    rebuild = next(line for line in done.stdout.splitlines() if line.strip().startswith("rebuild "))
    assert "after one new file" in rebuild and "% of it" in rebuild


def test_database_scale_runs_every_step_on_replicated_facts_or_names_the_one_out_of_memory():
    script = [sys.executable, str(REPO / "benchmarks" / "database_scale.py"), "--articles", "60", "--copies", "3"]
    done = subprocess.run(script, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert any(line.endswith("database memory limit 64MB") for line in lines)
    steps = [line[:24].strip() for line in lines if " MB" in line and "peak" in line]
    assert steps == ["keep_vietnamese", "drop_duplicate_ids", "drop_near_duplicates", "gather: article places",
                     "gather: headline rows"]
    starved = subprocess.run(script + ["--db-memory", "4MB"], capture_output=True, text=True, timeout=300)
    assert starved.returncode == 1 and "FAILED after" in starved.stdout and "Out of Memory" in starved.stdout
