"""Checking a release folder against its manifest (`vncyberdata verify`) and comparing two folders record by
record (`vncyberdata diff`: their record tables joined in DuckDB, the differences streamed out)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

from . import records
from ..errors import UserError
from ..intake.raw import sha256_file


def verify(folder: Path) -> list[str]:
    """Problems with a release folder against its manifest: tampered, missing or extra files."""
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise UserError(f"{folder}: no manifest.json", "pass a release folder (build/releases/vncyberdata-X.Y.Z)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    listed = {row["path"]: row for row in manifest["outputs"]}
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json"}
    problems = []
    for name in sorted(listed):
        if name not in present:
            problems.append(f"missing: {name}")
        elif sha256_file(folder / name) != listed[name]["sha256"]:
            problems.append(f"tampered: {name} (sha256 differs from the manifest)")
    problems += [f"extra: {name} (not in the manifest)" for name in sorted(present - set(listed))]
    return problems


class Differences:
    """The record differences of two folders. Iterating yields `config<TAB>kind<TAB>id` lines (kind: added,
    removed, changed or moved) in config, kind and id order, read from the database a batch at a time;
    `len()` is their number. The record tables and the database live in a temporary folder until `close()`
    (or until the object goes)."""

    def __init__(self, old: Path, new: Path) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="vncyberdata-diff-")
        folder = Path(self._scratch.name)
        try:
            records.write(old, folder / "old.parquet")
            records.write(new, folder / "new.parquet")
            self._comparison = records.Comparison(folder / "old.parquet", folder / "new.parquet", folder / "db")
        except BaseException:
            self._scratch.cleanup()
            raise

    def __len__(self) -> int:
        return len(self._comparison)

    def __iter__(self) -> Iterator[str]:
        return self._comparison.lines()

    def close(self) -> None:
        self._comparison.close()
        self._scratch.cleanup()

    def __enter__(self) -> Differences:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def diff(old: Path, new: Path) -> Differences:
    """Record-level differences between two release (or build) folders, streamed (see Differences)."""
    return Differences(Path(old), Path(new))
