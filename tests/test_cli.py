"""The command line: in-process and as a subprocess, no tracebacks for users (its docs: tests/test_docs.py)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import RAW, REPO

from vncyberdata.cli import main


def test_parse_prints_the_record(capsys):
    assert main(["parse", str(RAW / "003_5a3d17637f3588e8.txt")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["article"]["author"] == "Hồng Dũng"
    assert len(out["line_classes"]) == 140


def test_parse_lines_view(capsys):
    assert main(["parse", str(RAW / "000_950e53a0e89c16ec.txt"), "--lines"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 22 + 1  # one per raw line, then the title's evidence
    assert lines[8].split()[1] == "attribution" and lines[0].split()[1] == "title"
    assert lines[-1] == "evidence: title:first_line"


def test_parse_rejection_names_file_line_and_fix(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Title line\n\xff\xfe broken\n")
    (tmp_path / "bad.meta.json").write_text('{"publisher": "X", "license": "L"}')
    assert main(["parse", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:2: not_utf8" in err and "hint:" in err


def test_missing_sidecar_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("Tiêu đề\nMột.\nHai.\n")
    assert main(["parse", str(tmp_path / "a.txt")]) == 1
    err = capsys.readouterr().err
    assert "missing_sidecar" in err and "a.meta.json" in err and "Traceback" not in err


def test_build_strict_exit_code(tmp_path, capsys):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    (raw / "empty.txt").write_text("   \n")
    (raw / "empty.meta.json").write_text('{"publisher": "X", "license": "L"}')
    out = tmp_path / "out"
    assert main(["build", "--raw", str(raw), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "empty.txt" in captured.err and "empty" in captured.err
    assert "articles: train 1, test 1" in captured.out
    assert main(["build", "--raw", str(raw), "--out", str(out), "--strict"]) == 1


def test_build_lists_the_first_drops_and_points_at_the_report_for_the_rest(tmp_path, capsys):
    from vncyberdata.cli import DROPS_SHOWN

    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    for i in range(DROPS_SHOWN + 5):
        (raw / f"empty{i:02d}.txt").write_text("   \n")
        (raw / f"empty{i:02d}.meta.json").write_text('{"publisher": "X", "license": "L"}')
    out = tmp_path / "out"
    assert main(["build", "--raw", str(raw), "--out", str(out), "--no-cache"]) == 0
    err = capsys.readouterr().err
    listed = [line for line in err.splitlines() if "/empty" in line and ".txt" in line]
    assert len(listed) == DROPS_SHOWN
    assert "... and 5 more dropped files" in err and str(out / "report" / "drops.parquet") in err
    assert json.loads((out / "build-report.json").read_text())["drops"]["count"] == DROPS_SHOWN + 5


def test_schema_check_command(capsys):
    assert main(["schema", "--check", "--dir", str(REPO / "schema")]) == 0


def test_subprocess_errors_have_no_traceback(tmp_path):
    exe = [sys.executable, "-m", "vncyberdata.cli"]
    missing = subprocess.run([*exe, "build", "--raw", str(tmp_path / "nope")], capture_output=True, text=True)
    assert missing.returncode == 1
    assert "error: raw folder" in missing.stderr and "hint:" in missing.stderr and "Traceback" not in missing.stderr
    usage = subprocess.run([*exe, "frobnicate"], capture_output=True, text=True)
    assert usage.returncode == 2


def test_console_script_is_installed():
    exe = shutil.which("vncyberdata", path=str(REPO / ".venv" / "bin")) or shutil.which("vncyberdata")
    assert exe, "pip install -e . must install the vncyberdata console script"
    done = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "build" in done.stdout


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "free space"), (errno.EMFILE, "ulimit -n")])
def test_a_full_disk_or_too_few_file_handles_is_the_machines_error_not_a_bug(tmp_path, capsys, monkeypatch, code, words):
    """The machine's errors get a hint of what to do (not "a bug in vncyberdata"), and the build that
    was there before is kept."""
    from vncyberdata.build import write

    out = tmp_path / "out"
    args = ["build", "--raw", str(RAW), "--out", str(out), "--no-cache"]
    assert main(args) == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def fail(*_args, **_kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(write, "write_dataset", fail)
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: [Errno {code}] {os.strerror(code)}") and words in err
    assert "internal error" not in err and "Traceback" not in err
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_an_unexpected_error_is_reported_as_a_bug_without_a_traceback(tmp_path, capsys, monkeypatch):
    from vncyberdata.build import write

    def fail(*_args, **_kwargs):
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))  # not the machine's ordinary trouble: a bug

    monkeypatch.setattr(write, "write_dataset", fail)
    assert main(["build", "--raw", str(RAW), "--out", str(tmp_path / "out"), "--no-cache"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("internal error: OSError") and "--debug" in err and "Traceback" not in err


def test_the_parser_loads_no_heavy_library():
    """Reading the command line imports neither numba nor pyarrow nor the parse: `build` and `validate` start
    their workers' fork server right after it, so what the parser loads delays every worker's first file
    (and is the whole cost of `--help`)."""
    code = ("import sys; from vncyberdata import cli; cli.make_parser(); "
            "print(sorted(m for m in ('numba', 'pyarrow', 'duckdb', 'pydantic', 'vncyberdata.parse') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
