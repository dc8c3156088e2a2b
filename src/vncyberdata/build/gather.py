"""Gathering the kept records for the writers: the article rows of each split in id order, and the table of
related headlines (one row per headline id, with where it was seen).

The database orders the kept records (narrow rows: where each is and its place in its split's id order);
the rows themselves, a few KB each, are copied out of the chunks in one pass over them, in chunk order,
to one file per row group of each split (`partition`), and the writer reads a row group's file at a time,
sorted by id in memory. (DuckDB sorts the narrow rows out of core; sorting or partitioning the wide
article rows within the build's memory limit fails, see docs/scale.md.)"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..model import schemas
from . import shards
from .database import Store, equal_runs, query, registered, staged, tables
from .shards import Cutter, Digests, Earlier, Shard, Split
from .steps import Facts
from .write import Layout

STAGE_ROWS = 4_096  # rows copied out of the chunks before they are appended to their row groups' files
PLACED = pa.schema([("chunk", pa.int32()), ("row", pa.int32()), ("split", pa.string()), ("shard", pa.int64()),
                    ("place", pa.int64()), ("cluster_size", pa.int32())])
_KEPT = pa.schema([("chunk", pa.int32()), ("row", pa.int32()), ("split", pa.string()), ("id", pa.string()),
                   ("cluster_size", pa.int32()), ("source", pa.binary(32))])


@dataclass(frozen=True)
class Sharding:
    """How the gather cuts and names shards: the layout, what every digest depends on besides its rows
    (`salt`, without which nothing is reused) and the earlier build's shards (shards.Earlier)."""

    layout: Layout = Layout()
    salt: str | None = None
    earlier: Earlier | None = None

    def shards(self, counts: dict[int, int], digests: Digests | None, split: str) -> list[Shard]:
        out = []
        for shard in range(len(counts)):
            digest = digests.get(split, shard) if digests is not None else None
            found = self.earlier.find(digest) if self.earlier is not None else None
            out.append(Shard(counts[shard], digest, found))
        return out


def article_rows(store: Store, kept: Facts, folder: Path, stage_rows: int = STAGE_ROWS,
                 sharding: Sharding = Sharding()) -> dict[str, Split]:
    """The kept articles per split, cut into shards (shards.py) in id order; a kept record's cluster id is
    its own id. The rows of the shards that have no earlier file to link are copied out of the chunks to
    one file per row group (`layout.row_group_rows` rows from the shard's start) in `folder`, `stage_rows`
    rows appended at a time. Two parts: the database's (`place_articles`), then the pass over the chunks
    (`copy_articles`), which queries nothing and so can run beside another gather's queries."""
    plan, placed = place_articles(store, kept, folder, sharding)
    return copy_articles(store, plan, placed, folder, stage_rows, sharding.layout)


def place_articles(store: Store, kept: Facts, folder: Path, sharding: Sharding = Sharding()
                   ) -> tuple[dict[str, list[Shard]], Path]:
    """The shards of each split (`article_shards`) and, in a file in `folder`, the places (PLACED) of the
    rows of the shards to write, in (chunk, row) order: what `copy_articles` needs of the database."""
    plan = article_shards(store, kept, sharding)
    folder.mkdir(parents=True, exist_ok=True)
    placed = folder / "placed.arrows"
    with registered(store.db, wanted=_wanted(plan)), pa.OSFile(str(placed), "wb") as sink, \
            pa.ipc.new_stream(sink, PLACED) as writer:
        sql = "SELECT * FROM in_split_order SEMI JOIN wanted USING (split, shard) ORDER BY chunk, row"
        for table in tables(store.db, sql, PLACED):
            writer.write_table(table)
    return plan, placed


def copy_articles(store: Store, plan: dict[str, list[Shard]], placed: Path, folder: Path,
                  stage_rows: int = STAGE_ROWS, layout: Layout = Layout()) -> dict[str, Split]:
    """The rows at the places in the file `placed` copied out of the chunks to their row groups' files, and
    the splits' readers of them (a pass over the chunks' files: no database query)."""
    def in_order():
        with pa.OSFile(str(placed)) as source:
            for batch in pa.ipc.open_stream(source):
                yield pa.Table.from_batches([batch])

    files = partition(store, in_order(), Scatter(folder, stage_rows), layout.row_group_rows)
    return {split: Split(shard_list, _group_reader(store.schema, files, split, shard_list, layout.row_group_rows))
            for split, shard_list in plan.items()}


def article_shards(store: Store, kept: Facts, sharding: Sharding = Sharding()) -> dict[str, list[Shard]]:
    """The shards of each split of the kept articles (in split order), and the table `in_split_order` of the
    kept records' (chunk, row, split, shard, place in the shard, cluster_size)."""
    digests = Digests(shards.salt_of(sharding.salt, "articles")) if sharding.salt is not None else None
    cutters: dict[str, Cutter] = {}

    def cut(table: pa.Table) -> pa.Table:
        split = table.column("split").to_numpy(zero_copy_only=False)
        shard = np.empty(table.num_rows, dtype=np.int64)
        place = np.empty(table.num_rows, dtype=np.int64)
        for start, stop in equal_runs(split):
            cutter = cutters.setdefault(split[start], Cutter(sharding.layout.rows_for("articles")))
            shard[start:stop], place[start:stop] = cutter.feed(table.column("id").slice(start, stop - start))
            if digests is not None:
                digests.feed(split[start], shard[start:stop], table.column("source").slice(start, stop - start),
                             table.column("cluster_size").to_numpy()[start:stop])
        return pa.table([table.column("chunk"), table.column("row"), table.column("split"), shard, place,
                         table.column("cluster_size")], schema=PLACED)

    staged(store.db, "in_split_order", f"SELECT k.chunk, k.row, k.split, k.id, k.cluster_size, f.source "
           f"FROM {kept.table} k JOIN facts f USING (idx) ORDER BY k.split, k.id",
           _KEPT, cut, PLACED)
    counts = _shard_counts(store, "SELECT split, shard, count(*) AS n FROM in_split_order GROUP BY ALL")
    return {split: sharding.shards(counts[split], digests, split) for split in sorted(counts)}


def _shard_counts(store: Store, sql: str) -> dict[str, dict[int, int]]:
    """{split: {shard: rows}} from a query giving split, shard, n."""
    counts: dict[str, dict[int, int]] = {}
    for row in query(store.db, sql).to_pylist():
        counts.setdefault(row["split"], {})[row["shard"]] = row["n"]
    return counts


def _wanted(plan: dict[str, list[Shard]]) -> pa.Table:
    """The (split, shard) of every shard the writer writes (no earlier file to link)."""
    pairs = [(split, n) for split, shard_list in plan.items() for n, shard in enumerate(shard_list)
             if shard.earlier is None]
    return pa.table({"split": pa.array([p[0] for p in pairs], pa.string()),
                     "shard": pa.array([p[1] for p in pairs], pa.int64())})


def partition(store: Store, placed, files: Scatter, group_rows: int) -> dict[str, Path]:
    """Copy the kept rows out of the chunks, given as PLACED tables in (chunk, row) order, each chunk read
    once, to one file per row group ("split/shard/group", group = place in the shard // group_rows), with
    the row's place."""
    for table in placed:
        chunk = table.column("chunk").to_numpy()
        group = table.column("place").to_numpy() // group_rows
        keys = [f"{s}/{n}/{g}" for s, n, g in zip(table.column("split").to_pylist(),
                                                   table.column("shard").to_pylist(), group.tolist())]
        bounds = np.flatnonzero(np.diff(chunk)) + 1
        for start, stop in zip(np.r_[0, bounds].tolist(), np.r_[bounds, len(chunk)].tolist()):
            rows = store.chunk_rows(int(chunk[start]), table.column("row").slice(start, stop - start))
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


def _group_reader(schema: pa.Schema, files: dict, split: str, shard_list: list[Shard], group_rows: int):
    """The row groups of shard n of `split`, in order, each read from its file and sorted by place (= by id)."""
    cluster_id, cluster_size = schema.get_field_index("cluster_id"), schema.get_field_index("cluster_size")

    def groups(n: int):
        for group in range(-(-shard_list[n].rows // group_rows)):
            rows = Scatter.read(files[f"{split}/{n}/{group}"])
            rows = rows.take(pc.sort_indices(rows.column("_place")))
            size = rows.column("_cluster_size")
            rows = rows.select(schema.names)
            rows = rows.set_column(cluster_id, schema.field(cluster_id), rows.column("id"))
            yield rows.set_column(cluster_size, schema.field(cluster_size), size)

    return groups


_SEEN = pa.schema([("split", pa.string()), ("headline_id", pa.string()), ("source", pa.binary(32)),
                   ("position", pa.int32())])
_HEADLINE_SHARDS = pa.schema([("split", pa.string()), ("headline_id", pa.string()), ("shard", pa.int64())])


def headline_rows(store: Store, kept: Facts, folder: Path, stage_rows: int = STAGE_ROWS,
                  sharding: Sharding = Sharding()) -> dict[str, Split]:
    """One row per distinct related headline on the kept articles, per split in id order, cut into shards
    (shards.py); the spelling kept is the one on the smallest article id, and `seen_on` lists every
    sighting by article id and position.

    A pass over the sightings in order (split, headline id, article id, position) cuts the shards and takes
    their digests (a headline row is made of its sightings; a sighting is a record's, at a position); the
    sightings of the shards to write then go to one file per shard, which the writer reads one at a time,
    sorted by headline id, article id and position, a headline's row being its run of sightings."""
    schema = schemas.write_schema("headlines")
    # the kept records' sightings as a table first: the join and the sort in one query need more memory than
    # either alone (at 10^6 articles, more than the database's default limit); a temporary table, kept in
    # memory and spilled only past the limit, not written into the database's file
    seen = "kept_sightings"
    store.db.execute(f"CREATE OR REPLACE TEMP TABLE {seen} AS SELECT * FROM sightings SEMI JOIN {kept.table} USING (idx)")
    digests = Digests(shards.salt_of(sharding.salt, "headlines")) if sharding.salt is not None else None
    cutters: dict[str, Cutter] = {}
    last: dict[str, tuple[str, int]] = {}  # per split, the last headline id seen and its shard

    def cut(table: pa.Table) -> pa.Table:
        table = table.combine_chunks()
        split = table.column("split").to_numpy(zero_copy_only=False)
        ids = table.column("headline_id").chunk(0) if table.num_rows else pa.array([], pa.string())
        values = ids.to_numpy(zero_copy_only=False)
        shard = np.empty(table.num_rows, dtype=np.int64)
        first = np.empty(table.num_rows, dtype=bool)  # a sighting of a headline not seen before
        for start, stop in equal_runs(split):
            name = split[start]
            before, before_shard = last.get(name, (None, 0))
            first[start:stop] = np.r_[values[start] != before, values[start + 1:stop] != values[start:stop - 1]]
            cutter = cutters.setdefault(name, Cutter(sharding.layout.rows_for("headlines")))
            new_shards, _place = cutter.feed(ids.slice(start, stop - start).filter(pa.array(first[start:stop])))
            # a sighting takes its headline's shard (one that goes on from the last table: that headline's)
            runs = np.cumsum(first[start:stop])
            shard[start:stop] = np.r_[before_shard, new_shards][runs]
            last[name] = (values[stop - 1], int(shard[stop - 1]))
            if digests is not None:
                digests.feed(name, shard[start:stop], table.column("source").slice(start, stop - start),
                             table.column("position").to_numpy()[start:stop])
        mask = pa.array(first)
        return pa.table([table.column("split").filter(mask), ids.filter(mask), pa.array(shard).filter(mask)],
                        schema=_HEADLINE_SHARDS)

    staged(store.db, "headline_shards",
           f"""SELECT split, headline_id, source, position FROM {seen}
               ORDER BY split, headline_id, article_id, position""", _SEEN, cut, _HEADLINE_SHARDS)
    counts = _shard_counts(store, "SELECT split, shard, count(*) AS n FROM headline_shards GROUP BY ALL")
    plan = {split: sharding.shards(counts[split], digests, split) for split in sorted(counts)}
    files = Scatter(folder, stage_rows)
    columns = pa.schema([("headline_id", pa.string()), ("text", pa.string()), ("article_id", pa.string()),
                         ("position", pa.int32())])
    with registered(store.db, wanted=_wanted(plan)):
        sql = f"""SELECT s.split || '/' || h.shard::VARCHAR AS key, s.headline_id, s.text, s.article_id, s.position
                  FROM {seen} s JOIN (SELECT * FROM headline_shards SEMI JOIN wanted USING (split, shard)) h
                  USING (split, headline_id)"""
        for table in tables(store.db, sql, pa.schema([("key", pa.string()), *columns])):
            files.add(table.select(columns.names), table.column("key").to_pylist())
    files = files.close()
    group_rows = sharding.layout.row_group_rows

    def read(split: str, n: int):
        rows = _headlines(Scatter.read(files[f"{split}/{n}"]), schema, split)
        for start in range(0, rows.num_rows, group_rows):
            yield rows.slice(start, group_rows)

    return {split: Split(shard_list, functools.partial(read, split)) for split, shard_list in plan.items()}


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
