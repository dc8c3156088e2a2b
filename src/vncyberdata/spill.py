"""The build's scratch store: records are written to disk where they are parsed; the driver keeps columns.

A worker task parses `FILES_PER_CHUNK` pages and writes their article rows to one uncompressed Arrow IPC
chunk in the store's folder (memory-mapped when read back, so gathering rows in id order touches only
the pages of those rows). What the global steps need comes back as columns (`Chunk`): per record its facts
(id, path, lengths, language, content hash) as an Arrow batch, its MinHash signature and LSH band keys as
numpy rows, its related-headline sightings as an Arrow batch. The driver keeps the facts as Arrow columns
(~150 bytes a record), appends signatures and band keys to flat files, and files each sighting under a
bucket of headline ids (an IPC file per bucket, buckets ordered by id) so the headline step can sort one
bucket at a time. A record is known by its arrival index and located by (chunk, row). The folder is a
temporary directory that the build removes when it ends, whatever happens; with a Ray cluster it must be
on storage every node sees (it sits beside the output folder).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from . import dedup, ids

FILES_PER_CHUNK = 256
FACTS = pa.schema([
    ("id", pa.string()), ("raw_path", pa.string()), ("raw_sha256", pa.string()), ("body_len", pa.int64()),
    ("lead_len", pa.int64()), ("language", pa.string()), ("language_score", pa.float64()),
    ("content_hash", pa.binary(32)),
])
PLACED = pa.schema([*FACTS, ("index", pa.int64()), ("chunk", pa.int32()), ("row", pa.int32())])
SIGHTINGS = pa.schema(
    [("record", pa.int64()), ("position", pa.int32()), ("headline_id", pa.string()), ("text", pa.string())]
)
STAGE_ROWS = 4_096  # rows copied out of the chunks before they are sorted into the partition files
SIGHTINGS_PER_BUCKET = 20_000  # about 4 MB of Arrow: what the headline step sorts at a time


@dataclass(frozen=True)
class Item:
    """One parsed page as a worker hands it over: the article as Arrow-ready Python values, its line classes,
    and what the global steps need computed where the page was parsed."""

    row: dict
    line_classes: tuple[str, ...]
    signature: np.ndarray
    content_hash: str
    headline_ids: tuple[str, ...]

    @classmethod
    def of(cls, parsed) -> "Item":
        article = parsed.article
        return cls(
            article.model_dump(mode="python"),
            tuple(parsed.line_classes),
            np.asarray(dedup.signature(article.body), dtype=np.uint64),
            dedup.content_hash(article.body),
            tuple(ids.headline_id(text) for text in article.related_headlines),
        )


@dataclass(frozen=True)
class Chunk:
    """What a worker returns for the records it wrote to one chunk (row i of every part is record i)."""

    name: str  # "" when the run of files gave no record
    nbytes: int  # Arrow size of the chunk's rows
    facts: pa.RecordBatch  # FACTS
    signatures: np.ndarray  # (records, dedup.NUM_PERM) uint64
    bands: np.ndarray  # (records, dedup.BANDS) uint64
    sightings: pa.RecordBatch  # SIGHTINGS, `record` being the row in this chunk
    line_classes: Counter

    def __len__(self) -> int:
        return self.facts.num_rows


def write_chunk(folder: Path, items: list[Item], schema: pa.Schema) -> Chunk:
    """Write the items' rows as one chunk in `folder` (run by a worker); the name is derived from the first
    page's path, unique within a build."""
    rows = [item.row for item in items]
    facts = pa.RecordBatch.from_pydict(
        {
            "id": [r["id"] for r in rows],
            "raw_path": [r["raw_path"] for r in rows],
            "raw_sha256": [r["raw_sha256"] for r in rows],
            "body_len": [len(r["body"]) for r in rows],
            "lead_len": [len(r["lead"] or "") for r in rows],
            "language": [r["language"] for r in rows],
            "language_score": [r["language_score"] for r in rows],
            "content_hash": [bytes.fromhex(item.content_hash) for item in items],
        },
        schema=FACTS,
    )
    signatures = np.array([item.signature for item in items], dtype=np.uint64).reshape(len(items), dedup.NUM_PERM)
    seen: dict[str, list] = {name: [] for name in SIGHTINGS.names}
    for i, item in enumerate(items):
        for position, (hid, text) in enumerate(zip(item.headline_ids, item.row["related_headlines"], strict=True)):
            for name, value in zip(SIGHTINGS.names, (i, position, hid, text)):
                seen[name].append(value)
    lines = Counter()
    for item in items:
        lines.update(item.line_classes)
    name, nbytes = "", 0
    if items:
        table = pa.Table.from_pylist(rows, schema=schema)
        name = "articles-" + hashlib.sha256(rows[0]["raw_path"].encode()).hexdigest()[:20] + ".arrow"
        tmp = Path(folder) / f".{name}.tmp"
        with pa.ipc.new_file(str(tmp), schema) as writer:
            writer.write_table(table)
        tmp.rename(Path(folder) / name)
        nbytes = table.nbytes
    return Chunk(name, nbytes, facts, signatures, dedup.band_keys(signatures),
                 pa.RecordBatch.from_pydict(seen, schema=SIGHTINGS), lines)


def bucket_count(records: int) -> int:
    """Headline buckets for a corpus of about `records` pages (~5 headlines a page): one for small corpora.
    The count changes nothing in the output, only how much the headline step holds at a time."""
    return int(min(256, max(1, records * 5 // SIGHTINGS_PER_BUCKET)))


class Store:
    def __init__(self, folder: Path, schema: pa.Schema, expected_records: int = 0) -> None:
        self.folder = Path(folder)
        self.chunk_folder = self.folder / "chunks"
        self.chunk_folder.mkdir(parents=True, exist_ok=True)
        self.schema = schema
        self.count = 0
        self.nbytes = 0  # Arrow size of every row stored
        self.sightings_bytes = 0
        self._paths: list[Path] = []
        self._facts: list[pa.RecordBatch] = []
        self._signatures = open(self.folder / "signatures.u64", "wb")
        self._bands = open(self.folder / "bands.u64", "wb")
        self.buckets = bucket_count(expected_records)
        self._bucket_writers = [
            pa.ipc.new_file(str(self.folder / f"sightings-{b:03d}.arrow"), SIGHTINGS) for b in range(self.buckets)
        ]
        self._closed = False

    def add(self, chunk: Chunk) -> pa.RecordBatch:
        """Take in one chunk's results; returns its facts with each record's index, chunk number and row."""
        first = self.count
        number = len(self._paths)
        if chunk.name:
            self._paths.append(self.chunk_folder / chunk.name)
            self.nbytes += chunk.nbytes
        n = len(chunk)
        self.count += n
        self._signatures.write(np.ascontiguousarray(chunk.signatures, dtype=np.uint64).tobytes())
        self._bands.write(np.ascontiguousarray(chunk.bands, dtype=np.uint64).tobytes())
        self._file_sightings(chunk.sightings, first)
        placed = pa.RecordBatch.from_arrays(
            [*chunk.facts.columns, pa.array(np.arange(first, first + n, dtype=np.int64)),
             pa.array(np.full(n, number, dtype=np.int32)), pa.array(np.arange(n, dtype=np.int32))],
            schema=PLACED,
        )
        self._facts.append(placed)
        return placed

    def _file_sightings(self, seen: pa.RecordBatch, first: int) -> None:
        """Each sighting goes to the bucket of its headline id (ids are uniform hex: the first four digits
        order the buckets)."""
        if not seen.num_rows:
            return
        seen = pa.RecordBatch.from_arrays(
            [pa.array(seen.column(0).to_numpy() + first), *seen.columns[1:]], schema=SIGHTINGS
        )
        self.sightings_bytes += seen.nbytes
        if self.buckets == 1:
            self._bucket_writers[0].write_batch(seen)
            return
        prefix = np.array([int(h[:4], 16) for h in seen.column(2).to_pylist()], dtype=np.int64)
        bucket = prefix * self.buckets >> 16
        order = np.argsort(bucket, kind="stable")
        seen = seen.take(pa.array(order))
        bucket = bucket[order]
        bounds = np.flatnonzero(np.diff(bucket)) + 1
        for start, stop in zip(np.r_[0, bounds], np.r_[bounds, len(bucket)]):
            self._bucket_writers[int(bucket[start])].write_batch(seen.slice(int(start), int(stop - start)))

    def close(self) -> None:
        """Finish writing; the store is read-only afterwards. Reading anything closes it first."""
        if self._closed:
            return
        self._closed = True
        self._signatures.close()
        self._bands.close()
        for writer in self._bucket_writers:
            writer.close()

    def facts(self) -> pa.Table:
        """Every record's facts (PLACED), in arrival order, as one contiguous table. The store hands them
        over (it keeps no copy), so this is called once."""
        self.close()
        table = pa.Table.from_batches(self._facts, schema=PLACED).combine_chunks()
        self._facts = []
        return table

    def band(self, b: int) -> np.ndarray:
        """Band `b`'s key of every record, read a block of records at a time (not memory-mapped: the
        mapped pages of the whole file would count against the build's memory)."""
        self.close()
        out = np.empty(self.count, dtype=np.uint64)
        block = 1 << 16
        with open(self.folder / "bands.u64", "rb") as fh:
            for start in range(0, self.count, block):
                rows = np.fromfile(fh, dtype=np.uint64, count=min(block, self.count - start) * dedup.BANDS)
                out[start : start + len(rows) // dedup.BANDS] = rows.reshape(-1, dedup.BANDS)[:, b]
        return out

    def signature_rows(self, indices: np.ndarray) -> np.ndarray:
        """The MinHash signatures of the records at `indices` (arrival order), one read each."""
        self.close()
        out = np.empty((len(indices), dedup.NUM_PERM), dtype=np.uint64)
        width = dedup.NUM_PERM * 8
        with open(self.folder / "signatures.u64", "rb") as fh:
            for i, index in enumerate(np.asarray(indices, dtype=np.int64).tolist()):
                fh.seek(index * width)
                out[i] = np.frombuffer(fh.read(width), dtype=np.uint64)
        return out

    def partition(self, chunk: np.ndarray, row: np.ndarray, keys: np.ndarray) -> dict[int, Path]:
        """Copy the rows at (`chunk`, `row`) out of the chunks into one IPC file per key in `keys` (a
        partition), reading each chunk once, in order, mapped only while its rows are copied out. Copied rows
        are staged until STAGE_ROWS wait, then sorted by key (one copy) and appended to the partitions' files
        one batch per partition: few, large tables in memory, never thousands of tiny ones. Returns {key:
        file}; within a file rows are in chunk order (the caller sorts)."""
        self.close()
        order = np.lexsort((row, chunk))
        chunk, row, keys = chunk[order], row[order], keys[order]
        files: dict[int, Path] = {}
        writers: dict[int, pa.ipc.RecordBatchFileWriter] = {}
        staged: list[pa.Table] = []
        staged_keys: list[np.ndarray] = []

        def flush() -> None:
            table, where = pa.concat_tables(staged), np.concatenate(staged_keys)
            staged.clear()
            staged_keys.clear()
            by_key = np.argsort(where, kind="stable")
            table, where = table.take(pa.array(by_key)), where[by_key]
            edges = np.flatnonzero(np.diff(where)) + 1
            for a, b in zip(np.r_[0, edges].tolist(), np.r_[edges, len(where)].tolist()):
                key = int(where[a])
                if key not in writers:
                    files[key] = self.folder / f"part-{key:05d}.arrow"
                    writers[key] = pa.ipc.new_file(str(files[key]), self.schema)
                writers[key].write_table(table.slice(a, b - a))

        try:
            bounds = np.flatnonzero(np.diff(chunk)) + 1
            for start, stop in zip(np.r_[0, bounds].tolist(), np.r_[bounds, len(chunk)].tolist()):
                if start == stop:
                    continue
                with pa.memory_map(str(self._paths[int(chunk[start])])) as source:
                    staged.append(pa.ipc.open_file(source).read_all().take(pa.array(row[start:stop])))
                staged_keys.append(keys[start:stop])
                if sum(len(k) for k in staged_keys) >= STAGE_ROWS:
                    flush()
            if staged:
                flush()
        finally:
            for writer in writers.values():
                writer.close()
        return files

    def read_partition(self, path: Path) -> pa.Table:
        """A partition file, read into memory (not mapped)."""
        with pa.OSFile(str(path)) as source:
            return pa.ipc.open_file(source).read_all()

    def sighting_buckets(self) -> Iterator[pa.Table]:
        """The related-headline sightings a bucket at a time, buckets in headline-id order (ids within a
        bucket unordered). Read into memory, not mapped: the files are gone with the store."""
        self.close()
        for b in range(self.buckets):
            with pa.OSFile(str(self.folder / f"sightings-{b:03d}.arrow")) as source:
                yield pa.ipc.open_file(source).read_all()

    def sightings(self) -> pa.Table:
        """Every sighting (tests and small corpora)."""
        return pa.concat_tables(list(self.sighting_buckets()))


def canonical(table: pa.Table) -> pa.Table:
    """A fresh, contiguous copy: the concatenation (with an empty piece, so that even one chunk is copied)
    drops the validity bitmaps `take` adds to columns without nulls, so the Arrow size the shards and the
    card report does not depend on how the rows were gathered."""
    return pa.concat_tables([table, table.slice(0, 0)]).combine_chunks()
