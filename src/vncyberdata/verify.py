"""Checking a release folder against its manifest (`vncyberdata verify`) and comparing two folders record by
record (`vncyberdata diff`)."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import UserError
from .raw import sha256_file
from .record import MODELS
from .release import compare, record_hashes


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


def diff(old: Path, new: Path) -> list[str]:
    """Record-level differences between two release (or build) folders."""
    changes = compare(record_hashes(old), record_hashes(new), {}, {})
    lines = []
    for config in MODELS:
        for name in ("added", "removed", "changed", "moved"):
            for rid in getattr(changes, name)[config]:
                lines.append(f"{config}\t{name}\t{rid}")
    return lines
