"""The build's scratch store: parsed records go to disk as they arrive, memory keeps compact facts only.

Articles are appended to uncompressed Arrow IPC files of `CHUNK_ROWS` rows (memory-mapped when read back,
so gathering rows in id order touches only the pages of those rows); each record's MinHash signature goes
to one flat file read as a matrix by the near-duplicate step; each related-headline sighting goes to an IPC
file of (record, position, headline id, text). A record is known by its arrival index. The folder is a
temporary directory that the build removes when it ends, whatever happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from . import dedup, ids

CHUNK_ROWS = 2048
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
class Fact:
    """What the global steps need to know about one parsed record (its text stays on disk)."""

    index: int  # arrival order: where the record is in the store
    id: str
    raw_path: str
    raw_sha256: str
    body_len: int
    lead_len: int
    language: str
    language_score: float
    content_hash: str
    cluster_id: str = ""
    cluster_size: int = 1


class Store:
    def __init__(self, folder: Path, schema: pa.Schema) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.schema = schema
        self.count = 0
        self.nbytes = 0  # Arrow size of every row stored
        self._rows: list[dict] = []
        self._chunks = 0
        self._signatures = open(self.folder / "signatures.u64", "wb")
        self._sightings = pa.ipc.new_file(str(self.folder / "sightings.arrow"), SIGHTINGS)
        self._seen: dict[str, list] = {name: [] for name in SIGHTINGS.names}
        self._sightings_bytes = 0

    def add(self, item: Item) -> Fact:
        """Store one parsed page; returns its facts."""
        index = self.count
        self.count += 1
        row = item.row
        self._rows.append(row)
        self._signatures.write(item.signature.tobytes())
        for position, (hid, text) in enumerate(zip(item.headline_ids, row["related_headlines"], strict=True)):
            for name, value in zip(SIGHTINGS.names, (index, position, hid, text)):
                self._seen[name].append(value)
        if len(self._rows) == CHUNK_ROWS:
            self._flush()
        return Fact(
            index, row["id"], row["raw_path"], row["raw_sha256"], len(row["body"]), len(row["lead"] or ""),
            row["language"], row["language_score"], item.content_hash,
        )

    def _flush(self) -> None:
        if self._rows:
            table = pa.Table.from_pylist(self._rows, schema=self.schema)
            self.nbytes += table.nbytes
            with pa.ipc.new_file(str(self._chunk_path(self._chunks)), self.schema) as writer:
                writer.write_table(table)
            self._chunks += 1
            self._rows = []
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

    def _chunk_path(self, chunk: int) -> Path:
        return self.folder / f"articles-{chunk:06d}.arrow"

    def signatures(self) -> np.ndarray:
        """All signatures as a (records × permutations) matrix, memory-mapped."""
        self.close()
        if self.count == 0:
            return np.zeros((0, dedup.NUM_PERM), dtype=np.uint64)
        return np.memmap(self.folder / "signatures.u64", dtype=np.uint64, mode="r", shape=(self.count, dedup.NUM_PERM))

    def take(self, indices: list[int]) -> pa.Table:
        """The article rows at `indices`, in that order, copied out of memory-mapped chunks that are unmapped
        again before returning, so the pages stay resident no longer than one gather. Rows are cut as
        slices and concatenated (not `Table.take`, which adds validity bitmaps to columns without nulls
        and so changes the Arrow size the shards and the card report)."""
        self.close()
        if not len(indices):
            return self.schema.empty_table()
        maps: dict[int, tuple] = {}
        pieces = []
        try:
            run_start = prev = indices[0]
            for index in [*indices[1:], None]:
                if index is not None and index == prev + 1 and index // CHUNK_ROWS == prev // CHUNK_ROWS:
                    prev = index
                    continue
                chunk = run_start // CHUNK_ROWS
                if chunk not in maps:
                    source = pa.memory_map(str(self._chunk_path(chunk)))
                    maps[chunk] = (source, pa.ipc.open_file(source).read_all())
                pieces.append(maps[chunk][1].slice(run_start % CHUNK_ROWS, prev - run_start + 1))
                run_start = prev = index
            # an empty piece more makes combine_chunks copy even a single slice (no offsets left behind)
            return pa.concat_tables([*pieces, pieces[0].slice(0, 0)]).combine_chunks()
        finally:
            pieces.clear()
            for source, _ in maps.values():
                source.close()

    def sightings(self) -> pa.Table:
        """Every related-headline sighting, read into memory (not mapped: the file is gone with the store)."""
        self.close()
        with pa.OSFile(str(self.folder / "sightings.arrow")) as source:
            return pa.ipc.open_file(source).read_all()
