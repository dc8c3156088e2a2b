"""Where a split's shards are cut, what each is made of, and the earlier build's shards reused.

A split's rows, in id order, are cut into shards after every row whose id (16 hex digits) ends in a number,
its last eight digits, that is a multiple of `shard_rows`: a cut depends on that one id, so a record added
or dropped changes the shard it falls in and leaves every other shard as it was (content-defined cuts,
as a chunking backup tool cuts a file). A shard that reaches `MOST` × `shard_rows` rows without a cut is cut
there, the count starting again after it; the next natural cut brings the shards back in step.

Each shard gets a digest of what its bytes are a function of: the format (encoding, layout, schema,
pyarrow's version), the code that made the records (the chunk fingerprint) and, per row in order, the
record's source (the parse cache's key: the raw file's sha256, the sidecar, the path) and what the global
steps set on it (or, for a headline, the sighting's position). When the
build runs with a cache, the digests of the shards it wrote are kept in the cache folder beside their
files' stats (`Earlier`); the next build into the same folder links a shard whose digest it finds, and
whose file still has the stats it was written with, instead of gathering and writing its rows again. A
shard with a record parsed without a cache has no digest and is always written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..model import schemas

MOST = 4  # a shard holds at most MOST x shard_rows rows
# the hex digits' values, by byte: the ids' last eight digits read as numbers without a Python loop
_HEX = np.full(256, 0, dtype=np.uint64)
for _i, _c in enumerate(b"0123456789abcdef"):
    _HEX[_c] = _i


def id_numbers(ids: pa.Array | pa.ChunkedArray | list[str]) -> np.ndarray:
    """The number each id's last eight hex digits write (ids are 16 lowercase hex digits: model.record)."""
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks() if ids.num_chunks else pa.array([], pa.string())
    ids = pa.array(ids, pa.string()) if isinstance(ids, list) else ids.cast(pa.string())
    if len(ids) == 0:
        return np.zeros(0, dtype=np.uint64)
    data = np.frombuffer(ids.buffers()[2], dtype=np.uint8)
    offsets = np.frombuffer(ids.buffers()[1], dtype=np.int32)[ids.offset: ids.offset + len(ids) + 1]
    ends = offsets[1:].astype(np.int64)
    digits = _HEX[data[ends[:, None] - np.arange(8, 0, -1)]]
    return (digits << (np.arange(7, -1, -1, dtype=np.uint64) * np.uint64(4))).sum(axis=1, dtype=np.uint64)


class Cutter:
    """Cuts one split's rows, fed in id order a table at a time, into shards: `feed` gives each row's shard
    (from 0) and its place in the shard."""

    def __init__(self, shard_rows: int) -> None:
        self.every = np.uint64(shard_rows)
        self.most = MOST * shard_rows
        self.shard = 0  # the shard the current run of rows since the last natural cut starts in
        self.run = 0  # rows since the last natural cut

    def feed(self, ids: pa.Array | pa.ChunkedArray | list[str]) -> tuple[np.ndarray, np.ndarray]:
        numbers = id_numbers(ids)
        shard = np.empty(len(numbers), dtype=np.int64)
        place = np.empty(len(numbers), dtype=np.int64)
        start = 0
        for stop in [*(np.flatnonzero(numbers % self.every == 0) + 1).tolist(), None]:
            end = len(numbers) if stop is None else stop
            at = np.arange(self.run, self.run + end - start)
            shard[start:end] = self.shard + at // self.most
            place[start:end] = at % self.most
            self.run += end - start
            if stop is not None:  # a natural cut after this row
                self.shard += -(-self.run // self.most)
                self.run = 0
            start = end
        return shard, place

    @property
    def count(self) -> int:
        """Shards cut so far, the one open included."""
        return self.shard + -(-self.run // self.most)


def sources(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A fixed-size binary(32) column of record sources as (rows of 32 bytes, zeros for a null; known)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], pa.binary(32))
    known = column.is_valid().to_numpy(zero_copy_only=False)
    filled = column.fill_null(b"\0" * 32) if column.null_count else column
    data = np.frombuffer(filled.buffers()[1], dtype=np.uint8)[filled.offset * 32:(filled.offset + len(filled)) * 32]
    return data.reshape(len(filled), 32), known


class Digests:
    """Per shard of each split, a digest of its rows' sources fed in order (`feed`); a shard with a row of
    unknown source (parsed without a cache) has none."""

    def __init__(self, salt: str) -> None:
        self.salt = salt.encode()
        self._open: dict[tuple[str, int], object | None] = {}  # a sha256 object, None once a source is unknown

    def feed(self, split: str, shard: np.ndarray, source: pa.Array, *columns: np.ndarray) -> None:
        """Rows of `split` with their shard (ascending), their records' sources (`sources`) and further
        integer columns, all in the split's order."""
        if not len(shard):
            return
        keys, known = sources(source)
        payload = np.concatenate([keys, *(np.ascontiguousarray(c, dtype="<i8").view(np.uint8).reshape(len(c), 8)
                                          for c in columns)], axis=1)
        bounds = np.r_[0, np.flatnonzero(np.diff(shard)) + 1, len(shard)]
        for start, stop in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            at = (split, int(shard[start]))
            if at not in self._open:
                self._open[at] = hashlib.sha256(self.salt + f"\0{split}\0{at[1]}\0".encode())
            if self._open[at] is not None:
                if known[start:stop].all():
                    self._open[at].update(payload[start:stop].tobytes())
                else:
                    self._open[at] = None

    def get(self, split: str, shard: int) -> str | None:
        digest = self._open.get((split, shard))
        return digest.hexdigest() if digest is not None else None


def salt_of(base: str, config: str) -> str:
    """What every shard of `config` depends on besides its rows: `base` (the code that made the records and
    the format of the files, from the build) and the config's schema."""
    return json.dumps([base, config, schemas.write_schema(config).to_string(show_schema_metadata=True)])


@dataclass(frozen=True)
class Shard:
    """A shard to be written: its rows, its digest (None: not reusable) and the earlier build's file with
    the same digest, when there is one to link."""

    rows: int
    digest: str | None = None
    earlier: dict | None = None


@dataclass(frozen=True)
class Split:
    """One split for the writer: its shards in id order, and `groups(n)`, the row groups of shard n (one with
    no earlier file), in order: `row_group_rows` rows from the shard's start. The writer's threads call it,
    each for the shard it writes: a shard's rows are read apart from any other's."""

    shards: list[Shard]
    groups: Callable[[int], Iterable[pa.Table]]

    @property
    def count(self) -> int:
        return sum(shard.rows for shard in self.shards)


@dataclass
class Earlier:
    """The shards the last cached build into `out` wrote, by digest: {file, size, mtime_ns, ino, sha256,
    nbytes}; kept in the cache folder, one record per output folder."""

    path: Path | None  # the record's file (None: no cache, nothing kept)
    out: Path
    shards: dict[str, dict]

    @classmethod
    def load(cls, cache_dir: Path | None, out: Path) -> Earlier:
        out = Path(out).resolve()
        if cache_dir is None:
            return cls(None, out, {})
        name = hashlib.sha256(str(out).encode()).hexdigest()[:16]
        path = Path(cache_dir) / "shards" / f"{name}.json"
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))
            shards = kept["shards"] if kept.get("out") == str(out) and isinstance(kept.get("shards"), dict) else {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            shards = {}  # none or damaged: every shard is written
        return cls(path, out, shards)

    def find(self, digest: str | None) -> dict | None:
        """The earlier file of a shard with this digest, if it is still there as it was written."""
        entry = self.shards.get(digest) if digest else None
        if entry is None:
            return None
        try:
            st = os.stat(self.out / entry["file"])
            same = (st.st_size, st.st_mtime_ns, st.st_ino) == (entry["size"], entry["mtime_ns"], entry["ino"])
        except (OSError, KeyError, TypeError):
            return None
        return entry if same else None

    def link(self, entry: dict, target: Path) -> None:
        """The earlier file as `target` (a hard link; a copy where the file system has none)."""
        source = self.out / entry["file"]
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)

    def save(self, written: dict[str, dict]) -> None:
        """Record the shards just written into `out` ({file: {digest, sha256, nbytes}}), replacing the record."""
        if self.path is None:
            return
        shards = {}
        for file, info in written.items():
            if info["digest"] is None:
                continue
            with contextlib.suppress(OSError):
                st = os.stat(self.out / file)
                shards[info["digest"]] = {"file": file, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                                          "ino": st.st_ino, "sha256": info["sha256"], "nbytes": info["nbytes"]}
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps({"out": str(self.out), "shards": shards}, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:  # the record is an optimisation: the next build writes every shard
            with contextlib.suppress(OSError):
                tmp.unlink()
