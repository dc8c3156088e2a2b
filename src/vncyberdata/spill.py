"""The build's scratch store: records are written to disk where they are parsed; the driver keeps facts.

A worker task parses `FILES_PER_CHUNK` pages and writes their article rows to one uncompressed Arrow IPC
chunk in the store's folder (memory-mapped when read back, so gathering rows in id order touches only
the pages of those rows); the driver receives per page only what the global steps need (`Placed`: ids,
lengths, language, content hash, MinHash signature, headline sightings). It appends the signatures to one
flat file read as a matrix by the near-duplicate step and the sightings to an IPC file of (record,
position, headline id, text). A record is known by its arrival index and located by (chunk, row). The
folder is a temporary directory that the build removes when it ends, whatever happens; with a Ray cluster
it must be on storage every node sees (it sits beside the output folder).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from . import dedup, ids

FILES_PER_CHUNK = 256
SIGHTINGS = pa.schema(
    [("record", pa.int64()), ("position", pa.int32()), ("headline_id", pa.string()), ("text", pa.string())]
)


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


@dataclass(slots=True)
class RecordFacts:
    """What the global steps know of a record: enough to drop, rank and cluster it without its text."""

    id: str
    raw_path: str
    raw_sha256: str
    body_len: int
    lead_len: int
    language: str
    language_score: float
    content_hash: str

    @classmethod
    def of(cls, row: dict, content_hash: str) -> "RecordFacts":
        return cls(row["id"], row["raw_path"], row["raw_sha256"], len(row["body"]), len(row["lead"] or ""),
                   row["language"], row["language_score"], content_hash)


@dataclass(frozen=True)
class Placed:
    """One parsed page after its row went into a chunk: what the driver needs, without the text."""

    chunk: str
    row: int
    facts: RecordFacts
    line_classes: tuple[str, ...]
    signature: np.ndarray
    headlines: tuple[tuple[str, str], ...]  # (headline id, text) in page order


def write_chunk(folder: Path, items: list[Item], schema: pa.Schema) -> tuple[str, int, list[Placed]]:
    """Write the items' rows as one chunk in `folder` (run by a worker); returns (chunk name, its Arrow size,
    the items as Placed). The name is derived from the first page's path, unique within a build."""
    if not items:
        return "", 0, []
    table = pa.Table.from_pylist([item.row for item in items], schema=schema)
    name = "articles-" + hashlib.sha256(items[0].row["raw_path"].encode()).hexdigest()[:20] + ".arrow"
    tmp = Path(folder) / f".{name}.tmp"
    with pa.ipc.new_file(str(tmp), schema) as writer:
        writer.write_table(table)
    tmp.rename(Path(folder) / name)
    placed = [
        Placed(name, i, RecordFacts.of(item.row, item.content_hash), item.line_classes, item.signature,
               tuple(zip(item.headline_ids, item.row["related_headlines"], strict=True)))
        for i, item in enumerate(items)
    ]
    return name, table.nbytes, placed


@dataclass(slots=True)
class Fact(RecordFacts):
    """A record's facts with where it is: its arrival index (its row in the signature matrix) and its
    (chunk number, row); the near-duplicate step fills in its cluster."""

    index: int = 0
    chunk: int = 0
    row: int = 0
    cluster_id: str = ""
    cluster_size: int = 1


class Store:
    def __init__(self, folder: Path, schema: pa.Schema) -> None:
        self.folder = Path(folder)
        self.chunk_folder = self.folder / "chunks"
        self.chunk_folder.mkdir(parents=True, exist_ok=True)
        self.schema = schema
        self.count = 0
        self.nbytes = 0  # Arrow size of every row stored
        self._chunks: dict[str, int] = {}
        self._signatures = open(self.folder / "signatures.u64", "wb")
        self._sightings = pa.ipc.new_file(str(self.folder / "sightings.arrow"), SIGHTINGS)
        self._seen: dict[str, list] = {name: [] for name in SIGHTINGS.names}
        self._sightings_bytes = 0

    def add_chunk(self, name: str, nbytes: int) -> None:
        """Register a chunk a worker wrote."""
        self._chunks[name] = len(self._chunks)
        self.nbytes += nbytes

    def add(self, placed: Placed) -> Fact:
        """Take in one placed page (its chunk registered); returns its facts."""
        index = self.count
        self.count += 1
        self._signatures.write(np.asarray(placed.signature, dtype=np.uint64).tobytes())
        for position, (hid, text) in enumerate(placed.headlines):
            for name, value in zip(SIGHTINGS.names, (index, position, hid, text)):
                self._seen[name].append(value)
        if len(self._seen["record"]) >= 8 * FILES_PER_CHUNK:
            self._flush()
        f = placed.facts
        return Fact(f.id, f.raw_path, f.raw_sha256, f.body_len, f.lead_len, f.language, f.language_score,
                    f.content_hash, index=index, chunk=self._chunks[placed.chunk], row=placed.row)

    def _flush(self) -> None:
        if self._seen["record"]:
            table = pa.table(self._seen, schema=SIGHTINGS)
            self._sightings_bytes += table.nbytes
            self._sightings.write_table(table)
            self._seen = {name: [] for name in SIGHTINGS.names}

    def close(self) -> None:
        """Finish writing; the store is read-only afterwards. Reading anything closes it first."""
        if self._signatures.closed:
            return
        self._flush()
        self._signatures.close()
        self._sightings.close()
        self.sightings_bytes = self._sightings_bytes
        self._paths = {number: self.chunk_folder / name for name, number in self._chunks.items()}

    def signatures(self) -> np.ndarray:
        """All signatures as a (records × permutations) matrix, memory-mapped."""
        self.close()
        if self.count == 0:
            return np.zeros((0, dedup.NUM_PERM), dtype=np.uint64)
        return np.memmap(self.folder / "signatures.u64", dtype=np.uint64, mode="r", shape=(self.count, dedup.NUM_PERM))

    def take(self, locations: list[tuple[int, int]]) -> pa.Table:
        """The article rows at (chunk, row) `locations`, in that order.

        Each chunk is memory-mapped only while its wanted rows are copied out, so at most one chunk's pages
        are resident at a time (a map holds every page it read ahead until it is closed). The result is
        assembled from slices by one concatenation, which also drops the validity bitmaps `Table.take` adds
        to columns without nulls: the Arrow size the shards and the card report does not depend on how
        the rows were gathered."""
        self.close()
        if not locations:
            return self.schema.empty_table()
        wanted: dict[int, list[int]] = {}
        for chunk, row in locations:
            wanted.setdefault(chunk, []).append(row)
        compact: dict[int, tuple[pa.Table, dict[int, int]]] = {}
        for chunk, rows in wanted.items():
            rows = sorted(set(rows))
            with pa.memory_map(str(self._paths[chunk])) as source:
                table = pa.ipc.open_file(source).read_all()
                # take copies the rows out (its validity bitmaps are dropped again by the final concatenation)
                compact[chunk] = (table.take(pa.array(rows)), {r: i for i, r in enumerate(rows)})
                del table
        runs: list[tuple[pa.Table, int, int]] = []  # (table, start, length), merged when consecutive
        for chunk, row in locations:
            table, where = compact[chunk]
            at = where[row]
            if runs and runs[-1][0] is table and runs[-1][1] + runs[-1][2] == at:
                runs[-1] = (table, runs[-1][1], runs[-1][2] + 1)
            else:
                runs.append((table, at, 1))
        return _copy_rows(runs)

    def sightings(self) -> pa.Table:
        """Every related-headline sighting, read into memory (not mapped: the file is gone with the store)."""
        self.close()
        with pa.OSFile(str(self.folder / "sightings.arrow")) as source:
            return pa.ipc.open_file(source).read_all()


def _copy_rows(runs: list[tuple[pa.Table, int, int]]) -> pa.Table:
    """A fresh, contiguous table of the (table, start, length) runs. The extra empty piece makes
    combine_chunks copy even a single run."""
    pieces = [t.slice(a, n) for t, a, n in runs]
    return pa.concat_tables([*pieces, pieces[0].slice(0, 0)]).combine_chunks()
