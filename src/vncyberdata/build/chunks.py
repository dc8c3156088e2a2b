"""A chunk: what a build worker makes of a run of raw files, written to disk where it is made.

A worker task parses a run of about `FILES_PER_CHUNK` files and writes one chunk to the build's scratch
folder: the article rows as an Arrow IPC file, and beside it per record its facts (id, path, lengths,
language, content hash), MinHash signature and LSH band keys, related-headline sightings, and the pins of
the files read (`write_chunk`). Only counts travel back (`Chunk`); the driver loads the files into the
build's database (database.py). Row i of every file of a chunk is record i of the chunk.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from . import minhash

if TYPE_CHECKING:
    from .item import Item

FILES_PER_CHUNK = 256
FACTS = pa.schema([
    ("id", pa.string()), ("raw_path", pa.string()), ("raw_sha256", pa.binary(32)), ("body_len", pa.int64()),
    ("lead_len", pa.int64()), ("language", pa.string()), ("language_score", pa.float64()),
    ("content_hash", pa.binary(32)), ("split", pa.string()),
    ("source", pa.binary(32)),  # what the record is a function of besides the code (the parse cache's key), or null
])
BAND_COLUMNS = [f"band{b}" for b in range(minhash.BANDS)]  # a record's LSH band keys, one column a band
# A related headline seen on a record: the record's row in the chunk, the headline's position on it, its id,
# text and split (a headline's row lives in the split of its id, as an article's does), and the record's
# source (FACTS), which a headline shard's digest takes of each sighting: carried here, the headline
# gather sorts the sightings alone, with no join to the facts (at 10^6 the join and the sort together need
# more than the database's default memory).
SIGHTINGS = pa.schema([("record", pa.int64()), ("position", pa.int32()), ("headline_id", pa.string()),
                       ("text", pa.string()), ("split", pa.string()), ("source", pa.binary(32))])


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
    key: str | None = None  # with a cache: the chunk cache's key of the run (its files' paths and pins)

    def __len__(self) -> int:
        return self.records


def chunk_name(first_path: str) -> str:
    """A run of files' chunk name, from its first file's path (unique within a build)."""
    return "chunk-" + hashlib.sha256(first_path.encode()).hexdigest()[:20]


def write_chunk(folder: Path, name: str, items: list[Item], schema: pa.Schema, pins: pa.Table,
                sources: list[str | None] | None = None) -> Chunk:
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
    record_sources = [bytes.fromhex(s) if s else None for s in (sources or [None] * len(items))]
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
            "split": [r["split"] for r in rows],
            "source": record_sources,
        },
        schema=FACTS,
    )
    sightings = [(i, position, hid, text, split, record_sources[i]) for i, item in enumerate(items)
                 for position, (hid, text, split) in enumerate(zip(item.headline_ids, item.row["related_headlines"],
                                                                   item.headline_splits, strict=True))]
    columns = [list(column) for column in zip(*sightings)] if sightings else [[] for _ in SIGHTINGS.names]
    seen = dict(zip(SIGHTINGS.names, columns, strict=True))
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


def read_ipc(path: Path) -> pa.Table:
    """An IPC file read into Arrow's pool (not mapped: mapped pages would count against the driver)."""
    with pa.OSFile(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.rename(path)


def runs(jobs: Iterable[tuple], size: int, total: int | None = None) -> Iterator[list]:
    """The files in runs for the worker tasks. Without `total`: cut after a file whose path hashes to a
    multiple of `size` (so `size` files a run on average, and at most 4 × size): a cut depends on the path it
    follows only, so a file added or removed changes the run it falls in and no other, and the chunk cache
    serves the rest of a rebuild. With `total` (the number of jobs; a build without a cache, where no run
    is reused): runs of `size` files, shrinking towards the end to a quarter of what remains (at least
    TAIL_RUN), so that no worker is left alone with a long last run while the others wait. The runs never
    change the output (records are numbered in input order, whatever the cuts)."""
    if total is not None:
        yield from _tapered(jobs, size, total)
        return
    run: list = []
    for job in jobs:
        run.append(job)
        cut = int.from_bytes(hashlib.sha256(job[1].encode("utf-8")).digest()[:8], "big") % size == 0
        if cut or len(run) >= 4 * size:
            yield run
            run = []
    if run:
        yield run


TAIL_RUN = 16  # the shortest run of a build without a cache (a task has a fixed cost: its chunk's files)


def _tapered(jobs: Iterable[tuple], size: int, total: int) -> Iterator[list]:
    jobs, left = iter(jobs), total
    while run := list(islice(jobs, max(1, min(size, max(TAIL_RUN, left // 4))))):
        left -= len(run)
        yield run
