"""Gathering the kept records for the writers: the article rows of each split in id order, and the table of
related headlines (one row per headline id, with where it was seen).

The database orders the kept records (narrow rows: where each is and its place in its split's id order);
the rows themselves, a few KB each, are copied out of the chunks in one pass over them, in chunk order,
to one file per row group of each split (`partition`), and the writer reads a row group's file at a time,
sorted by id in memory. (DuckDB sorts the narrow rows out of core; sorting or partitioning the wide
article rows within the build's memory limit fails, see docs/scale.md.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..model import schemas
from .database import Store, numbered, query, tables
from .rows import Rows
from .steps import Facts
from .write import Layout

STAGE_ROWS = 4_096  # rows copied out of the chunks before they are appended to their row groups' files
PLACED = pa.schema([("chunk", pa.int32()), ("row", pa.int32()), ("split", pa.string()), ("place", pa.int64()),
                    ("cluster_size", pa.int32())])


def _split_counts(store: Store, sql: str) -> dict[str, int]:
    counts = query(store.db, sql)
    return dict(zip(counts.column("split").to_pylist(), counts.column("n").to_pylist()))


def article_rows(store: Store, kept: Facts, folder: Path, stage_rows: int = STAGE_ROWS,
                 layout: Layout = Layout()) -> dict[str, Rows]:
    """The kept articles as Rows per split in id order; a kept record's cluster id is its own id. The row
    groups' files (`layout.row_group_rows` rows each) go to `folder`, `stage_rows` rows appended at a time."""
    group_rows = layout.row_group_rows
    splits = sorted(_split_counts(store, f"SELECT split, count(*) AS n FROM {kept.table} GROUP BY split").items())
    in_order = tables(store.db, f"SELECT * FROM {placed(store, kept)} ORDER BY chunk, row", PLACED)
    files = partition(store, in_order, Scatter(folder, stage_rows), group_rows)
    return {split: Rows(count, _group_reader(store.schema, files, split, count, group_rows),
                        # the rows are a subset of the stored rows; each row group adds at most an offset and a
                        # bitmap byte per column to what the chunks measured
                        store.nbytes + 4096 * (count // group_rows + 1))
            for split, count in splits}


def placed(store: Store, kept: Facts) -> str:
    """A table of the kept records' (chunk, row, split, place, cluster_size), place being the record's rank
    by id in its split."""
    ordered = f"SELECT chunk, row, split, 0 AS place, cluster_size FROM {kept.table} ORDER BY split, id"
    numbered(store.db, "in_split_order", ordered, PLACED, "place", group="split")
    return "in_split_order"


def partition(store: Store, placed, files: Scatter, group_rows: int) -> dict[str, Path]:
    """Copy the kept rows out of the chunks, given as PLACED tables in (chunk, row) order, each chunk read
    once, to one file per row group ("split/group", group = place // group_rows), with its place."""
    for table in placed:
        chunk = table.column("chunk").to_numpy()
        group = table.column("place").to_numpy() // group_rows
        keys = [f"{s}/{g}" for s, g in zip(table.column("split").to_pylist(), group.tolist())]
        bounds = np.flatnonzero(np.diff(chunk)) + 1
        for start, stop in zip(np.r_[0, bounds].tolist(), np.r_[bounds, len(chunk)].tolist()):
            rows = store.chunk_rows(int(chunk[start])).take(table.column("row").slice(start, stop - start))
            for name in ("place", "cluster_size"):
                rows = rows.append_column(f"_{name}", table.column(name).slice(start, stop - start))
            files.add(rows, keys[start:stop])
    return files.close()


class Scatter:
    """Tables appended, row by row, to one file per key in `folder`: rows are staged until `stage_rows` wait,
    then each key's rows are appended to its file as one Arrow stream, the file open only while it is
    written (whatever the number of keys). `close` returns {key: file}; `read(file)` gives a file back."""

    def __init__(self, folder: Path, stage_rows: int = STAGE_ROWS) -> None:
        self.folder = Path(folder)
        self.stage_rows = stage_rows
        self.folder.mkdir(parents=True, exist_ok=True)
        self.files: dict[str, Path] = {}
        self._staged: list[pa.Table] = []
        self._keys: list[str] = []

    def add(self, rows: pa.Table, keys: list[str]) -> None:
        self._staged.append(rows)
        self._keys += keys
        if len(self._keys) >= self.stage_rows:
            self._flush()

    def _flush(self) -> None:
        if not self._keys:
            return
        rows, keys = pa.concat_tables(self._staged), pa.array(self._keys)
        self._staged.clear()
        self._keys = []
        order = pc.sort_indices(keys)  # stable: a key's rows keep the order they came in
        rows, keys = rows.take(order), keys.take(order).to_pylist()
        bounds = [0] + [i for i in range(1, len(keys)) if keys[i] != keys[i - 1]] + [len(keys)]
        for start, stop in zip(bounds, bounds[1:]):
            path = self.files.setdefault(keys[start], self.folder / f"part-{len(self.files):06d}.arrows")
            with open(path, "ab") as sink, pa.ipc.new_stream(sink, rows.schema) as writer:
                writer.write_table(rows.slice(start, stop - start))

    def close(self) -> dict[str, Path]:
        self._flush()
        return self.files

    @staticmethod
    def read(path: Path) -> pa.Table:
        """Every Arrow stream appended to `path`, as one table (in the order appended)."""
        pieces = []
        with pa.OSFile(str(path)) as source:
            size = source.size()
            while source.tell() < size:
                pieces.append(pa.ipc.open_stream(source).read_all())
        return pa.concat_tables(pieces)


def _group_reader(schema: pa.Schema, files: dict, split: str, count: int, group_rows: int):
    """The row groups of `split` in order, each read from its file and sorted by place (= by id)."""
    cluster_id, cluster_size = schema.get_field_index("cluster_id"), schema.get_field_index("cluster_size")

    def read():
        for group in range(-(-count // group_rows)):
            rows = Scatter.read(files[f"{split}/{group}"])
            rows = rows.take(pc.sort_indices(rows.column("_place")))
            size = rows.column("_cluster_size")
            rows = rows.select(schema.names)
            rows = rows.set_column(cluster_id, schema.field(cluster_id), rows.column("id"))
            yield rows.set_column(cluster_size, schema.field(cluster_size), size)

    return read


SIGHTINGS_PER_FILE = 20_000  # sightings the headline table sorts at a time


def headline_rows(store: Store, kept: Facts, folder: Path, per_file: int = SIGHTINGS_PER_FILE,
                  stage_rows: int = STAGE_ROWS, layout: Layout = Layout()) -> dict[str, Rows]:
    """One row per distinct related headline on the kept articles, per split in id order; the spelling kept
    is the one on the smallest article id, and `seen_on` lists every sighting by article id and position.

    The kept records' sightings go to files by split and headline-id range (ids are uniform hex: the
    first four digits order the ranges), about `per_file` to a file; the writer reads a file at
    a time, sorted by headline id, article id and position, a headline's row being its run of sightings."""
    schema = schemas.write_schema("headlines")
    # the kept records' sightings as a table first: the join and the distinct count in one query need more
    # memory than either alone (at 10^6 articles, more than the database's default limit)
    seen = "kept_sightings"
    store.db.execute(f"CREATE OR REPLACE TABLE {seen} AS SELECT * FROM sightings SEMI JOIN {kept.table} USING (idx)")
    counts = query(store.db, f"SELECT split, count(DISTINCT headline_id) AS n, count(*) AS seen FROM {seen} GROUP BY split ORDER BY split")
    ranges = max(1, -(-sum(counts.column("seen").to_pylist()) // per_file))
    files = Scatter(folder, stage_rows)
    columns = pa.schema([("headline_id", pa.string()), ("text", pa.string()), ("article_id", pa.string()),
                         ("position", pa.int32())])
    sql = f"""SELECT split || '/' || (('0x' || substr(headline_id, 1, 4))::INTEGER * {ranges} // 65536)::VARCHAR AS key,
                     headline_id, text, article_id, position FROM {seen}"""
    for table in tables(store.db, sql, pa.schema([("key", pa.string()), *columns])):
        files.add(table.select(columns.names), table.column("key").to_pylist())
    files = files.close()

    def read(split: str):
        for r in range(ranges):
            if f"{split}/{r}" in files:
                yield _headlines(Scatter.read(files[f"{split}/{r}"]), schema, split)

    # a headline row holds its id and text once (as the sightings do) and per sighting an article id, a
    # position and list/struct offsets: within three times the sightings' size plus 64 bytes a row
    return {split: Rows(count, lambda split=split: read(split),
                        3 * store.sightings_bytes + 64 * count + 4096 * (count // layout.row_group_rows + 1))
            for split, count in zip(counts.column("split").to_pylist(), counts.column("n").to_pylist())}


def _headlines(seen: pa.Table, schema: pa.Schema, split: str) -> pa.Table:
    """The headline rows of sightings: sorted, each run of one headline id is a row (its first text)."""
    seen = seen.sort_by([("headline_id", "ascending"), ("article_id", "ascending"), ("position", "ascending")])
    seen = seen.combine_chunks()
    ids = seen.column("headline_id").chunk(0)
    first = np.flatnonzero(np.r_[True, pc.not_equal(ids[1:], ids[:-1]).to_numpy(zero_copy_only=False)])
    offsets = pa.array(np.r_[first, seen.num_rows], pa.int32())
    seen_on = schema.field("seen_on").type
    sightings = pa.StructArray.from_arrays([seen.column("article_id").chunk(0), seen.column("position").chunk(0)],
                                           fields=list(seen_on.value_type))
    return pa.table([ids.take(pa.array(first)), seen.column("text").chunk(0).take(pa.array(first)),
                     pa.ListArray.from_arrays(offsets, sightings, type=seen_on), pa.array([split] * len(first))],
                    schema=schema)
