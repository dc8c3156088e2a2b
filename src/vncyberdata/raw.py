"""The raw folder: discovering raw files, reading their sidecars, checksumming inputs."""

from __future__ import annotations

import hashlib
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

    Symlinks and files that resolve outside `root` are not followed: they are listed as ignored.
    """
    root = Path(root)
    real_root = root.resolve()
    found: list[RawFile] = []
    ignored: list[str] = []
    for path in sorted(root.rglob("*"), key=lambda p: p.relative_to(root).as_posix()):
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue  # hidden files and folders (.gitkeep, editor swap files) are not inputs
        if path.is_symlink() or not path.resolve().is_relative_to(real_root):
            ignored.append(rel)
            continue
        if path.is_dir() or rel.endswith(SIDECAR_SUFFIX):
            continue
        fmt = RAW_SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            ignored.append(rel)
        else:
            found.append(RawFile(root, rel, fmt))
    return found, ignored


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
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def checksums(root: Path, files: list[RawFile]) -> list[dict]:
    """Sorted {path, size, sha256} for every raw file and its sidecar: the build's pinned inputs."""
    rows = []
    for f in files:
        for path in (f.path, f.sidecar):
            if path.exists():
                rows.append(
                    {"path": path.relative_to(root).as_posix(), "size": path.stat().st_size, "sha256": sha256_file(path)}
                )
    return sorted(rows, key=lambda r: r["path"])
