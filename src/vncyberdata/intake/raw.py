"""The raw folder: discovering raw files, reading their sidecars, checksumming inputs."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from pydantic import ValidationError

from ..errors import UserError
from ..model.record import RawMeta

RAW_SUFFIXES = {".txt": "text", ".html": "html", ".htm": "html"}
SIDECAR_SUFFIX = ".meta.json"
INPUTS = pa.schema([("path", pa.string()), ("size", pa.int64()), ("sha256", pa.binary(32))])


@dataclass(frozen=True, slots=True)
class RawFile:
    root: Path
    rel: str  # POSIX path relative to root: the record's raw_path
    format: str

    @property
    def path(self) -> Path:
        return self.root / self.rel

    @property
    def sidecar(self) -> Path:
        return self.root / sidecar_rel(self.rel)


@dataclass(frozen=True)
class SidecarError:
    code: str  # missing_sidecar | sidecar_json | sidecar_schema | unreadable_file
    message: str
    hint: str
    line: int | None = None


def sidecar_for(path: Path) -> Path:
    return path.with_name(sidecar_rel(path.name))


def sidecar_rel(rel: str) -> str:
    """The sidecar's relative path of a raw file's (string work: the build does it for every file)."""
    return os.path.splitext(rel)[0] + SIDECAR_SUFFIX


FORMATS = tuple(dict.fromkeys(RAW_SUFFIXES.values()))  # a raw file's format, stored as its index here
DISCOVERY_BLOCK = 65_536  # paths held as Python strings at a time while a raw folder is listed
LISTED = pa.schema([("path", pa.string()), ("format", pa.int8())])  # a discovered raw file: path, FORMATS index


def discover(root: Path, block: int = DISCOVERY_BLOCK) -> tuple[RawFiles, list[str]]:
    """Raw files under `root` in sorted order, and the other files found (relative paths) for the report.

    Symlinks (to files or folders) are not followed: they are listed as ignored. Hidden files and folders
    (.gitkeep, editor swap files) are not inputs. One `scandir` per folder, no stat per file beyond it:
    discovery of 10^5 files must not cost seconds. The listing is an Arrow table (no Python object per
    file beyond a `block` of paths), sorted in code point order (UTF-8 bytes), as Python sorts strings.
    """
    root = Path(root)
    blocks: list[pa.Table] = []
    rels: list[str] = []
    codes: list[int] = []
    ignored: list[str] = []

    def add_block() -> None:
        blocks.append(pa.table([pa.array(rels, pa.string()), pa.array(codes, pa.int8())], schema=LISTED))
        rels.clear()
        codes.clear()

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
                        continue
                    rels.append(_utf8_name(root, rel))
                    codes.append(FORMATS.index(fmt))
                    if len(rels) >= block:
                        add_block()
    add_block()
    listed = pa.concat_tables(blocks)
    listed = listed.sort_by([("path", "ascending")]).combine_chunks()
    ignored.sort()
    return RawFiles(root, listed), ignored


def _utf8_name(root: Path, rel: str) -> str:
    """A raw file's relative path, which must be UTF-8: it becomes the record's raw_path."""
    if not rel.isascii():
        try:
            rel.encode("utf-8")
        except UnicodeEncodeError:
            shown = os.fsencode(rel).decode("utf-8", errors="backslashreplace")
            raise UserError(
                f"{root / shown}: the file name is not valid UTF-8 (rule: a raw file's path becomes its records' raw_path)",
                "rename the file to a UTF-8 name; `vncyberdata validate` lists every such file",
            ) from None
    return rel


class RawFiles:
    """Discovered raw files in path order, as (path, format code) rows of an Arrow table; a RawFile is
    made when read."""

    def __init__(self, root: Path, listed: pa.Table) -> None:
        self.root = Path(root)
        self._listed = listed

    def __len__(self) -> int:
        return self._listed.num_rows

    def __iter__(self) -> Iterator[RawFile]:
        for batch in self._listed.to_batches(max_chunksize=1_024):
            for rel, code in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist()):
                yield RawFile(self.root, rel, FORMATS[code])


def open_raw(root: str, rel: str) -> tuple[bytes, RawMeta | SidecarError, list[tuple[str, int, bytes]]]:
    """Read a raw file and its sidecar, once each (in the worker that parses the file): the bytes to parse,
    the sidecar's metadata or why it is unusable, and the (path, size, sha256) pins of the files read. The
    pins and the parse come from the same bytes, so a file changed mid-build cannot make them disagree."""
    try:
        raw = read_bytes(os.path.join(root, rel))
    except OSError as err:  # removed since discovery, unreadable, or a disk error: this file only is dropped
        return b"", _unreadable(rel, err), []
    pins = [(rel, len(raw), hashlib.sha256(raw).digest())]
    side = sidecar_rel(rel)
    data = _sidecar_bytes(os.path.join(root, side))
    if isinstance(data, SidecarError):  # a missing sidecar (or a folder in its place) is not an input
        return raw, _naming(side, data), pins
    pins.append((side, len(data), hashlib.sha256(data).digest()))
    meta = sidecar_meta(data)
    return raw, _naming(side, meta) if isinstance(meta, SidecarError) else meta, pins


def _naming(side: str, err: SidecarError) -> SidecarError:
    """The drop is filed under the raw file: its message names the sidecar (the line is the sidecar's)."""
    return dataclasses.replace(err, message=f"{os.path.basename(side)}: {err.message}")


def pins_table(pins: list[tuple[str, int, bytes]]) -> pa.Table:
    """(path, size, sha256) rows as an INPUTS table."""
    paths, sizes, digests = (list(column) for column in zip(*pins)) if pins else ([], [], [])
    return pa.table([pa.array(paths, pa.string()), pa.array(sizes, pa.int64()), pa.array(digests, pa.binary(32))],
                    schema=INPUTS)


def read_sidecar(path: Path) -> RawMeta | SidecarError:
    data = _sidecar_bytes(path)
    return data if isinstance(data, SidecarError) else sidecar_meta(data)


def _sidecar_bytes(path: str | Path) -> bytes | SidecarError:
    name = os.path.basename(path)
    try:
        return read_bytes(path)
    except FileNotFoundError:
        return SidecarError(
            "missing_sidecar",
            f"no sidecar {name}",
            f"create {name} with at least publisher and license (schema/raw-meta.schema.json)",
        )
    except IsADirectoryError:
        return SidecarError(
            "missing_sidecar",
            f"{name} is a folder, not a sidecar file",
            f"rename the folder and create {name} as a JSON file with at least publisher and license",
        )
    except OSError as err:
        return _unreadable(name, err)


def _unreadable(name: str, err: OSError) -> SidecarError:
    return SidecarError(
        "unreadable_file",
        f"cannot read {name}: {err.strerror or err}",
        "check that the file still exists and is readable (permissions, disk), then build again",
    )


def sidecar_meta(data: bytes) -> RawMeta | SidecarError:
    """A sidecar's bytes as metadata, or the JSON or schema problem (with its line when JSON says)."""
    text = data.decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        return SidecarError("sidecar_json", f"invalid JSON: {err.msg} (column {err.colno})", "fix the JSON syntax", err.lineno)
    try:
        return RawMeta.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(top)'}: {e['msg']}" for e in err.errors())
        return SidecarError("sidecar_schema", problems, "make the sidecar match schema/raw-meta.schema.json")


def read_bytes(path: str | Path, limit: int | None = None) -> bytes | int:
    """A file's bytes, read with the system's calls alone (an open file object costs more than the read of
    a page); its size instead when that is over `limit`. Anything but a regular file (a named pipe, a
    socket, a device) is an OSError: opened without waiting, it is never read, so it cannot block a build."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a named pipe, a socket or a device)", str(path))
        size = info.st_size
        if limit is not None and size > limit:
            return size
        parts = [os.read(fd, size + 1)]
        if len(parts[0]) == size:
            return parts[0]  # a regular file's read stops short only at its end: the size fstat gave
        while parts[-1]:  # it changed since: until the end of the file, wherever it is now
            parts.append(os.read(fd, max(size, 1 << 16)))
        return parts[0] if len(parts) == 2 else b"".join(parts)
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    return _size_and_digest(path)[1].hex()


def _size_and_digest(path: str | Path) -> tuple[int, bytes]:
    """One open: the file's size and sha256. A small file is hashed in one read (`file_digest` allocates a
    256 KB buffer per call, most of the cost for a 3 KB page)."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size <= 1 << 24:
            return size, hashlib.sha256(fh.read()).digest()
        return size, hashlib.file_digest(fh, "sha256").digest()
