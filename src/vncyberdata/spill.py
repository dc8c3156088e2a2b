"""The build's scratch store: what the workers make of the raw files is written to disk where it is made.

A worker task parses `FILES_PER_CHUNK` files and writes one chunk to the store's folder: the article rows
as an uncompressed Arrow IPC file (memory-mapped when read back, so gathering rows in id order touches
only the pages of those rows) and beside it per record its facts (id, path, lengths, language, content
hash), MinHash signature and LSH band keys, related-headline sightings, and the pins of the files read
(`write_chunk`). Only counts travel back (`Chunk`). As a chunk arrives the driver files its sightings,
with their article's id, under buckets of headline ids (an IPC file per bucket, buckets ordered by id, so
the headline step sorts one bucket at a time) and appends its facts and band keys to one file, which the
global steps read a block at a time (`placed`); the pins of the files read are sorted by path 32,768 at a
time into runs of a temporary file, merged only when the report is written. A record is known by its
arrival index and located by (chunk, row). The folder is a temporary directory that the build removes when it
ends, whatever happens; with a Ray cluster it must be on storage every node sees (it sits beside the
output folder).
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import buckets, minhash
from .item import Item
from .lazy import append_run
from .raw import INPUTS, Inputs

FILES_PER_CHUNK = 256
FACTS = pa.schema([
    ("id", pa.string()), ("raw_path", pa.string()), ("raw_sha256", pa.binary(32)), ("body_len", pa.int64()),
    ("lead_len", pa.int64()), ("language", pa.string()), ("language_score", pa.float64()),
    ("content_hash", pa.binary(32)),
])
# The store's facts file: a record's facts and its LSH band keys (BANDS uint64 values as one binary value).
BANDS_FIELD = pa.field("bands", pa.binary(8 * minhash.BANDS))
STORED = FACTS.append(BANDS_FIELD)
# What the global steps carry of each record (the rest, its raw file's path and sha256 and its language
# score, is read back by index for the few records a step drops: `Store.details`), and where the record
# is: its arrival index, chunk and row.
KEPT = ("id", "body_len", "lead_len", "language", "content_hash")
PLACED = pa.schema([*(FACTS.field(name) for name in KEPT), BANDS_FIELD, ("index", pa.int64()),
                    ("chunk", pa.int32()), ("row", pa.int32())])
PLACED_ROWS = 32_768  # facts read from the store at a time
SIGHTINGS = pa.schema(
    [("record", pa.int64()), ("position", pa.int32()), ("headline_id", pa.string()), ("text", pa.string())]
)
STAGE_ROWS = 4_096  # rows copied out of the chunks before they are sorted into the partition files
PIN_RUN_ROWS = 32_768  # pins (two a raw file) sorted in memory at a time: a bounded run, whatever the corpus
PIN_BATCH_ROWS = 1_024  # pins read at a time from each sorted run when the report is written (a batch per run held)
# A sighting as the store files it: with its record's arrival index (not its row in the chunk) and id.
FILED = SIGHTINGS.append(pa.field("article_id", pa.string()))
SIGHTINGS_BLOCK = 65_536  # sightings filed to their buckets at a time: a bounded block, whatever the corpus
SIGHTINGS_PER_BUCKET = 20_000  # what the headline step sorts at a time: its memory, not the corpus's


@dataclass(frozen=True)
class Chunk:
    """What a worker returns for a run of files: its counts. The columns are in files beside the chunk's
    rows (see `write_chunk`), read by the driver from disk into Arrow's pool: nothing per record travels
    back pickled, so the driver's own heap does not grow with the corpus."""

    name: str
    records: int
    nbytes: int  # Arrow size of the chunk's rows
    sightings: int
    line_classes: Counter
    evidence: Counter = field(default_factory=Counter)  # parse.Parsed.evidence codes of its records

    def __len__(self) -> int:
        return self.records


def chunk_name(first_path: str) -> str:
    """A run of files' chunk name, from its first file's path (unique within a build)."""
    return "chunk-" + hashlib.sha256(first_path.encode()).hexdigest()[:20]


def write_chunk(folder: Path, name: str, items: list[Item], schema: pa.Schema, pins: pa.Table) -> Chunk:
    """Write a run of files' results to `folder` (run by a worker): NAME.pins (the files read, raw.INPUTS)
    and, when the run gave records, NAME.arrow (their rows), NAME.facts (FACTS), NAME.sig and NAME.bands
    (MinHash signatures and LSH band keys as flat uint64 rows) and NAME.seen (SIGHTINGS, `record` being the
    row in the chunk). Row i of every file is record i."""
    folder = Path(folder)
    write_pins(folder, name, pins)
    lines, evidence = Counter(), Counter()
    for item in items:
        lines.update(item.line_classes)
        evidence.update(item.evidence)
    if not items:
        return Chunk(name, 0, 0, 0, lines, evidence)
    rows = [item.row for item in items]
    facts = pa.table(
        {
            "id": [r["id"] for r in rows],
            "raw_path": [r["raw_path"] for r in rows],
            "raw_sha256": [bytes.fromhex(r["raw_sha256"]) for r in rows],
            "body_len": [len(r["body"]) for r in rows],
            "lead_len": [len(r["lead"] or "") for r in rows],
            "language": [r["language"] for r in rows],
            "language_score": [r["language_score"] for r in rows],
            "content_hash": [bytes.fromhex(item.content_hash) for item in items],
        },
        schema=FACTS,
    )
    seen: dict[str, list] = {column: [] for column in SIGHTINGS.names}
    for i, item in enumerate(items):
        for position, (hid, text) in enumerate(zip(item.headline_ids, item.row["related_headlines"], strict=True)):
            for column, value in zip(SIGHTINGS.names, (i, position, hid, text)):
                seen[column].append(value)
    signatures = np.array([item.signature for item in items], dtype=np.uint64).reshape(len(items), minhash.NUM_PERM)
    _write_atomic(folder / f"{name}.sig", signatures.tobytes())
    _write_atomic(folder / f"{name}.bands", minhash.band_keys(signatures).tobytes())
    _write_ipc(folder / f"{name}.facts", facts)
    _write_ipc(folder / f"{name}.seen", pa.table(seen, schema=SIGHTINGS))
    table = pa.Table.from_pylist(rows, schema=schema)
    _write_ipc(folder / f"{name}.arrow", table)
    return Chunk(name, len(items), table.nbytes, len(seen["record"]), lines, evidence)


def write_pins(folder: Path, name: str, pins: pa.Table) -> None:
    """A chunk's NAME.pins: the files its run read (raw.INPUTS)."""
    _write_ipc(Path(folder) / f"{name}.pins", pins)


def _write_ipc(path: Path, table: pa.Table) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with pa.ipc.new_file(str(tmp), table.schema) as writer:
        writer.write_table(table)
    tmp.rename(path)


def _read_ipc(path: Path) -> pa.Table:
    """An IPC file read into Arrow's pool (not mapped: mapped pages would count against the driver)."""
    with pa.OSFile(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.rename(path)


def bucket_count(records: int) -> int:
    """Headline buckets for a corpus of about `records` pages (~5 headlines a page): one for small corpora.
    The count changes nothing in the output, only how much the headline step holds at a time."""
    return buckets.count_for(records * 5, SIGHTINGS_PER_BUCKET)


class Store:
    def __init__(self, folder: Path, schema: pa.Schema, expected_records: int = 0) -> None:
        self.folder = Path(folder)
        self.chunk_folder = self.folder / "chunks"
        self.chunk_folder.mkdir(parents=True, exist_ok=True)
        self.schema = schema
        self.count = 0
        self.nbytes = 0  # Arrow size of every row stored
        self.sightings_bytes = 0
        self._paths: list[Path] = []  # the chunks that hold records: their rows
        self._firsts: list[int] = []  # and the arrival index of their first record
        self.buckets = bucket_count(expected_records)
        self._sightings = buckets.Tables(self.folder, "sightings", FILED, self.buckets)
        self._seen: list[pa.Table] = []  # sightings not yet filed
        # every chunk's facts (with its band keys) appended to one file as chunks arrive, read back a
        # block of chunks at a time (`placed`) or a chunk's record batch at a time (`details`)
        self._facts = pa.ipc.new_file(str(self.folder / "facts.arrow"), STORED)
        # the pins are sorted PIN_RUN_ROWS at a time into runs of an unlinked temporary file beside the
        # store (they outlive it: the report holds them), merged when the report is written (raw.Inputs)
        self._pins_file = tempfile.TemporaryFile(dir=self.folder.parent)
        self._pins = pa.ipc.new_file(pa.PythonFile(self._pins_file, mode="w"), INPUTS)
        self._pin_buffer: list[pa.Table] = []
        self._pin_runs: list[range] = []
        self._pin_batches = self._pin_count = 0
        self._closed = False

    def add(self, chunk: Chunk) -> None:
        """Take in one chunk: note where its records are, append its facts and pins to the store's files
        of them and file its sightings under their buckets."""
        self._pin_buffer.append(_read_ipc(self.chunk_folder / f"{chunk.name}.pins"))
        if sum(t.num_rows for t in self._pin_buffer) >= PIN_RUN_ROWS:
            self._write_pin_run()
        if chunk.records:
            self._paths.append(self.chunk_folder / f"{chunk.name}.arrow")
            self._firsts.append(self.count)
            self.nbytes += chunk.nbytes
            facts = _read_ipc(self.chunk_folder / f"{chunk.name}.facts")
            bands = (self.chunk_folder / f"{chunk.name}.bands").read_bytes()
            bands = pa.FixedSizeBinaryArray.from_buffers(BANDS_FIELD.type, facts.num_rows, [None, pa.py_buffer(bands)])
            # one record batch a chunk: batch i of the file holds the records of chunk i (`details`)
            self._facts.write_batch(facts.append_column(BANDS_FIELD, bands).combine_chunks().to_batches()[0])
        if chunk.sightings:
            self._file_sightings(_read_ipc(self.chunk_folder / f"{chunk.name}.seen"), facts.column("id"))
        self.count += chunk.records

    @property
    def chunks(self) -> int:
        """How many chunks hold records."""
        return len(self._paths)

    def _write_pin_run(self) -> None:
        """The buffered pins, sorted by path, as the next run of the pins file."""
        pins = pa.concat_tables(self._pin_buffer) if self._pin_buffer else INPUTS.empty_table()
        self._pin_buffer.clear()
        self._pin_runs.append(append_run(self._pins, pins, self._pin_batches, PIN_BATCH_ROWS))
        self._pin_batches = self._pin_runs[-1].stop
        self._pin_count += pins.num_rows

    def _file_sightings(self, seen: pa.Table, ids: pa.ChunkedArray) -> None:
        """Each sighting goes, with its record's arrival index and id, to the bucket of its headline id
        (ids are uniform hex: the first four digits order the buckets). Sightings wait until
        SIGHTINGS_BLOCK of them are filed at once: a chunk's few per bucket would each be a record
        batch, and a file writer keeps an index entry per batch until it closes (~10^6 at 10^6 pages)."""
        self.sightings_bytes += seen.nbytes
        record = seen.column("record").to_numpy()
        seen = pa.table([pa.array(record + self.count), *seen.columns[1:], ids.take(pa.array(record))], schema=FILED)
        self._seen.append(seen)
        if sum(t.num_rows for t in self._seen) >= SIGHTINGS_BLOCK:
            self._flush_sightings()

    def _flush_sightings(self) -> None:
        if self._seen:
            seen = pa.concat_tables(self._seen)
            self._seen.clear()
            self._sightings.add(seen, buckets.of_prefix(buckets.hex_prefix(seen.column("headline_id")), self.buckets))

    def close(self) -> None:
        """Finish writing; the store is read-only afterwards. Reading anything closes it first."""
        if self._closed:
            return
        self._closed = True
        self._facts.close()
        if self._pin_buffer:
            self._write_pin_run()
        self._pins.close()
        self._flush_sightings()
        self._sightings.close()

    def placed(self, rows: int | None = None) -> Iterator[pa.Table]:
        """Every record's facts (PLACED) in arrival order, whole chunks until at least `rows` (default
        PLACED_ROWS) records at a time, read from the store's facts file (not mapped)."""
        self.close()
        rows = rows or PLACED_ROWS
        firsts = np.asarray(self._firsts, dtype=np.int64)
        with pa.OSFile(str(self.folder / "facts.arrow")) as source:
            reader = pa.ipc.open_file(source)
            pending, first = [], 0
            for i in range(reader.num_record_batches):
                pending.append(reader.get_batch(i))
                if sum(len(b) for b in pending) >= rows or i == reader.num_record_batches - 1:
                    facts = pa.Table.from_batches(pending).select([*KEPT, BANDS_FIELD.name])
                    pending.clear()
                    index = np.arange(first, first + facts.num_rows, dtype=np.int64)
                    chunk = np.searchsorted(firsts, index, side="right") - 1
                    row = (index - firsts[chunk]).astype(np.int32)
                    first += facts.num_rows
                    yield canonical(pa.table([*facts.columns, index, chunk.astype(np.int32), row], schema=PLACED))

    def details(self, indices: np.ndarray, columns: list[str]) -> pa.Table:
        """The FACTS `columns` of the records at arrival `indices`, in that order (the few records a step
        drops: their paths, digests and language scores)."""
        self.close()
        indices = np.asarray(indices, dtype=np.int64)
        # read, not mapped: touching a row of a mapped file maps the pages around it too, and rows spread
        # over the corpus would map most of the file; only the record batches (one a chunk) with a wanted
        # row are read, and taken from one at a time (a take over the file's chunked columns concatenates them)
        with pa.OSFile(str(self.folder / "facts.arrow")) as source:
            reader = pa.ipc.open_file(source)
            starts = np.asarray(self._firsts, dtype=np.int64)
            batch = np.searchsorted(starts, indices, side="right") - 1
            order = np.argsort(batch, kind="stable")
            pieces = [STORED.empty_table().select(columns)]
            bounds = np.flatnonzero(np.diff(batch[order])) + 1
            for a, b in zip(np.r_[0, bounds].tolist(), np.r_[bounds, len(order)].tolist()):
                if b > a:
                    at = order[a:b]
                    rows = reader.get_batch(int(batch[at[0]])).select(columns)
                    pieces.append(pa.Table.from_batches([rows.take(pa.array(indices[at] - starts[batch[at[0]]]))]))
            back = np.empty(len(order), dtype=np.int64)
            back[order] = np.arange(len(order))
            return canonical(pa.concat_tables(pieces).take(pa.array(back)))

    def inputs(self) -> Inputs:
        """The pins of every file the workers read, in path order: the build's pinned inputs. They are
        read from the unlinked pins file a record batch per run at a time, and outlive the store."""
        self.close()
        self._pins_file.flush()
        reader = pa.ipc.open_file(pa.PythonFile(self._pins_file, mode="r"))
        return Inputs(reader.get_batch, list(self._pin_runs), self._pin_count)

    def signature_rows(self, indices: np.ndarray) -> np.ndarray:
        """The MinHash signatures of the records at `indices` (arrival order), one read each."""
        self.close()
        indices = np.asarray(indices, dtype=np.int64)
        out = np.empty((len(indices), minhash.NUM_PERM), dtype=np.uint64)
        chunk = np.searchsorted(np.asarray(self._firsts, dtype=np.int64), indices, side="right") - 1
        width = minhash.NUM_PERM * 8
        for c in np.unique(chunk).tolist():
            mine = np.flatnonzero(chunk == c)
            with open(self._paths[c].with_suffix(".sig"), "rb") as fh:
                for i, row in zip(mine.tolist(), (indices[mine] - self._firsts[c]).tolist()):
                    fh.seek(row * width)
                    out[i] = np.frombuffer(fh.read(width), dtype=np.uint64)
        return out

    def partition(self, blocks: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> dict[int, Path]:
        """Copy the rows at (chunk, row) out of the chunks into one IPC file per key (a partition), given
        as blocks of (chunk, row, key) arrays, every chunk of a block after those of the blocks before it.
        Each chunk is read once, in order, mapped only while its rows are copied out. Copied rows are
        staged until STAGE_ROWS wait, then sorted by key (one copy) and appended to the partitions' files
        one batch per partition: few, large tables in memory, never thousands of tiny ones. Returns {key:
        file}; within a file rows are in chunk order (the caller sorts)."""
        self.close()
        files: dict[int, Path] = {}
        writers: dict[int, pa.ipc.RecordBatchFileWriter] = {}
        staged: list[pa.Table] = []
        staged_keys: list[np.ndarray] = []

        def writer(key: int) -> pa.ipc.RecordBatchFileWriter:
            if key not in writers:
                files[key] = self.folder / f"part-{key:05d}.arrow"
                writers[key] = pa.ipc.new_file(str(files[key]), self.schema)
            return writers[key]

        def flush() -> None:
            table, where = pa.concat_tables(staged), np.concatenate(staged_keys)
            staged.clear()
            staged_keys.clear()
            _scatter(table, where, writer)

        try:
            for chunk, row, keys in blocks:
                order = np.lexsort((row, chunk))
                chunk, row, keys = chunk[order], row[order], keys[order]
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
        return _read_ipc(path)

    def cut_partition(self, path: Path, rows: int) -> list[Path]:
        """Cut a partition file into pieces of `rows` rows by id (the first piece holds the smallest ids),
        a record batch at a time, so that whoever sorts a piece holds `rows` rows, not the partition.
        Only the ids are read whole; within a piece rows keep the file's order. The partition file is
        removed; the pieces are returned in id order."""
        ids_only = pa.ipc.IpcReadOptions(included_fields=[self.schema.get_field_index("id")])
        with pa.OSFile(str(path)) as source:
            reader = pa.ipc.open_file(source, options=ids_only)
            ids = pa.chunked_array([reader.get_batch(i).column(0) for i in range(reader.num_record_batches)],
                                   self.schema.field("id").type)
        piece = np.empty(len(ids), dtype=np.int64)
        piece[pc.sort_indices(ids).to_numpy()] = np.arange(len(ids)) // rows
        del ids
        pieces = [path.with_name(f"{path.stem}-{k:05d}.arrow") for k in range(-(-len(piece) // rows))]
        with contextlib.ExitStack() as stack:
            writers = [stack.enter_context(pa.ipc.new_file(str(p), self.schema)) for p in pieces]
            source = stack.enter_context(pa.OSFile(str(path)))
            reader = pa.ipc.open_file(source)
            first = 0
            for i in range(reader.num_record_batches):
                batch = pa.Table.from_batches([reader.get_batch(i)])
                _scatter(batch, piece[first:first + batch.num_rows], writers.__getitem__)
                first += batch.num_rows
        path.unlink()
        return pieces

    def sighting_buckets(self) -> Iterator[pa.Table]:
        """The related-headline sightings a bucket at a time, buckets in headline-id order (ids within a
        bucket unordered). Read into memory, not mapped: the files are gone with the store."""
        self.close()
        yield from self._sightings

    def sightings(self) -> pa.Table:
        """Every sighting (tests and small corpora)."""
        return pa.concat_tables(list(self.sighting_buckets()))


def _scatter(table: pa.Table, keys: np.ndarray, writer: Callable[[int], pa.ipc.RecordBatchFileWriter]) -> None:
    """Append each row of `table` to the file of its key (`writer(key)`): the rows sorted by key (stable,
    one copy), then a slice per key, so a file receives one batch per call, not one per row."""
    if not len(keys):
        return
    by_key = np.argsort(keys, kind="stable")
    table, keys = table.take(pa.array(by_key)), keys[by_key]
    edges = np.flatnonzero(np.diff(keys)) + 1
    for a, b in zip(np.r_[0, edges].tolist(), np.r_[edges, len(keys)].tolist()):
        writer(int(keys[a])).write_table(table.slice(a, b - a))


def canonical(table: pa.Table) -> pa.Table:
    """A fresh, contiguous copy: the concatenation (with an empty piece, so that even one chunk is copied)
    drops the validity bitmaps `take` adds to columns without nulls, so the Arrow size the shards and the
    card report does not depend on how the rows were gathered."""
    return pa.concat_tables([table, table.slice(0, 0)]).combine_chunks()
