"""The raw folder: discovering raw files, reading their sidecars, checksumming inputs."""

from __future__ import annotations

import hashlib
import os
import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from .record import RawMeta

RAW_SUFFIXES = {".txt": "text", ".html": "html", ".htm": "html"}
SIDECAR_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class RawFile:
    root: Path
    rel: str  # POSIX path relative to root: the record's raw_path
    format: str

    @property
    def path(self) -> Path:
        return self.root / self.rel

    @property
    def sidecar(self) -> Path:
        return sidecar_for(self.path)


@dataclass(frozen=True)
class SidecarError:
    code: str  # missing_sidecar | sidecar_json | sidecar_schema
    message: str
    hint: str
    line: int | None = None


def sidecar_for(path: Path) -> Path:
    return path.with_name(path.name[: -len(path.suffix)] + SIDECAR_SUFFIX)


def discover(root: Path) -> tuple[list[RawFile], list[str]]:
    """Raw files under `root` in sorted order, and the other files found (relative paths) for the report.

    Symlinks (to files or folders) are not followed: they are listed as ignored. Hidden files and folders
    (.gitkeep, editor swap files) are not inputs. One `scandir` per folder, no stat per file beyond it:
    discovery of 10^5 files must not cost seconds.
    """
    root = Path(root)
    found: list[RawFile] = []
    ignored: list[str] = []
    pending = [""]
    while pending:
        prefix = pending.pop()
        with os.scandir(root / prefix if prefix else root) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                rel = f"{prefix}{entry.name}"
                if entry.is_symlink():
                    ignored.append(rel)
                elif entry.is_dir(follow_symlinks=False):
                    pending.append(rel + "/")
                elif not rel.endswith(SIDECAR_SUFFIX):
                    fmt = RAW_SUFFIXES.get(os.path.splitext(entry.name)[1].lower())
                    if fmt is None:
                        ignored.append(rel)
                    else:
                        found.append(RawFile(root, rel, fmt))
    found.sort(key=lambda f: f.rel)
    ignored.sort()
    return found, ignored


def checksums(root: Path, files: list[RawFile]) -> list[dict]:
    """Sorted {path, size, sha256} for every raw file and its sidecar: the build's pinned inputs."""
    rows = []
    for f in files:
        for path in (f.path, f.sidecar):
            try:
                size, digest = path.stat().st_size, sha256_file(path)
            except FileNotFoundError:
                continue  # a missing sidecar is reported by read_sidecars, with its fix
            rows.append({"path": path.relative_to(root).as_posix(), "size": size, "sha256": digest})
    return sorted(rows, key=lambda r: r["path"])


def read_sidecar(path: Path) -> RawMeta | SidecarError:
    if not path.exists():
        return SidecarError(
            "missing_sidecar",
            f"no sidecar {path.name}",
            f"create {path.name} with at least publisher and license (schema/raw-meta.schema.json)",
        )
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        return SidecarError("sidecar_json", f"invalid JSON: {err.msg} (column {err.colno})", "fix the JSON syntax", err.lineno)
    try:
        return RawMeta.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(top)'}: {e['msg']}" for e in err.errors())
        return SidecarError("sidecar_schema", problems, "make the sidecar match schema/raw-meta.schema.json")


def sha256_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
