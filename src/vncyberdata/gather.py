"""Gathering the kept records for the writers: the article rows of each split in id order, and the table of
related headlines (one row per headline id, with where it was seen), read back from the spill store a
partition at a time."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import buckets, ids, schemas, write
from .buckets import Arrays, Tables
from .record import SPLITS
from .spill import Store, canonical
from .steps import run_starts


MAX_PARTS = 128  # partition files per split: the files open at once stay few (3 × 128)
PIECE_ROWS = write.ROW_GROUP_ROWS  # rows sorted at a time when a split's rows are read back from a partition


def _rows_per_partition(largest_split: int) -> int:
    """Rows per partition: whole row groups (one, until a split has more than MAX_PARTS of them), so a row
    group is read from one partition; only a shard boundary inside a row group reads two."""
    groups = max(1, -(-largest_split // write.ROW_GROUP_ROWS))
    return write.ROW_GROUP_ROWS * -(-groups // MAX_PARTS)


PLACES = np.dtype([("chunk", "<i4"), ("row", "<i4"), ("key", "<i8")])


def article_rows(store: Store, kept: Tables) -> dict[str, write.Rows]:
    """The kept articles (their facts in id order, bucket after bucket) as Rows per split in id order.

    Gathering is an external sort: the kept records' places (chunk, row) and partition keys (a run of
    whole row groups of a split, in id order) go to buckets of chunk ranges; one pass over the chunks, in
    order, then copies every kept row to the file of its partition, and the writer reads one partition at
    a time (cut by id into pieces of PIECE_ROWS first where it is larger: beyond MAX_PARTS row groups a
    split), sorts it by id and writes its row groups. Each chunk is read once, each partition once or
    twice; memory holds a bucket of facts, one chunk, one piece, the ids of the partition being cut and
    the rows staged for the partition files, and the cluster sizes above one."""
    counts = np.zeros(len(SPLITS), dtype=np.int64)
    for table in kept:
        counts += np.bincount(_split_codes(table.column("id")), minlength=len(SPLITS))
    per_part = _rows_per_partition(int(counts.max()))
    parts = max(1, -(-int(counts.max()) // per_part))
    chunks = max(1, store.chunks)
    places = Arrays(store.folder, "places", PLACES, buckets.count_for(kept.num_rows))
    seen = np.zeros(len(SPLITS), dtype=np.int64)  # rows of each split placed so far
    clusters: list[list[np.ndarray]] = [[] for _ in SPLITS]  # per split: (position, size) of sizes above one
    for table in kept:
        split_of = _split_codes(table.column("id"))
        position = np.empty(len(split_of), dtype=np.int64)  # each row's place in its split's id order
        for code in range(len(SPLITS)):
            mine = split_of == code
            position[mine] = seen[code] + np.arange(np.count_nonzero(mine))
            seen[code] += np.count_nonzero(mine)
        size = table.column("cluster_size").to_numpy()
        for code in range(len(SPLITS)):
            big = (split_of == code) & (size > 1)
            clusters[code].append(np.stack([position[big], size[big]]))
        records = np.empty(len(split_of), dtype=PLACES)
        records["chunk"], records["row"] = table.column("chunk").to_numpy(), table.column("row").to_numpy()
        records["key"] = split_of.astype(np.int64) * parts + position // per_part
        places.add(records, records["chunk"].astype(np.int64) * places.count // chunks)
    files = store.partition((part["chunk"], part["row"], part["key"]) for part in map(places.bucket, range(places.count)))
    places.discard()
    out = {}
    for code, split in enumerate(SPLITS):
        if not counts[code]:
            continue
        count = int(counts[code])
        sizes = np.concatenate(clusters[code], axis=1)
        offsets = np.r_[np.arange(0, count, per_part), count]  # partition p: offsets[p]..[p+1]
        out[split] = write.Rows(count, _partition_rows(store, store.schema, sizes, offsets, code * parts, files),
                                # gathered row groups hold a subset of the stored rows; each adds at most an
                                # offset and a bitmap byte per column to what the store's chunks measured
                                store.nbytes + 4096 * (count // write.ROW_GROUP_ROWS + 1))
    return out


def _partition_rows(store: Store, schema: pa.Schema, sizes: np.ndarray, offsets: np.ndarray, first_key: int,
                    files: dict) -> Callable[[int, int], pa.Table]:
    """rows(start, stop) of one split, from its partitions, with their clusters: `sizes` holds the split's
    (positions, cluster sizes) of the clusters above one, positions ascending, and a kept record's cluster
    id is its own id. A partition of more than PIECE_ROWS rows is cut into pieces of PIECE_ROWS by id when
    first read (the partitions per split are capped, so they grow with the corpus; a piece does not), and a
    piece is sorted by id when read; the last piece read is kept for the next call while it has rows
    after `stop`."""
    cluster_id, cluster_size = schema.get_field_index("cluster_id"), schema.get_field_index("cluster_size")
    # piece u holds rows [bounds[u], bounds[u + 1]) of the split: the slice `u - first_piece[p]` of partition p
    starts = [np.arange(offsets[p], offsets[p + 1], PIECE_ROWS) for p in range(len(offsets) - 1)]
    first_piece = np.cumsum([0] + [len(s) for s in starts])
    bounds = np.r_[np.concatenate(starts), offsets[-1]]
    part_of = np.repeat(np.arange(len(starts)), [len(s) for s in starts])
    cut: dict[int, list[Path]] = {}
    loaded: dict[int, pa.Table] = {}

    def piece(u: int) -> pa.Table:
        if u not in loaded:
            loaded.clear()
            p = int(part_of[u])
            if first_piece[p + 1] - first_piece[p] == 1:
                path = files[first_key + p]
            else:
                if p not in cut:
                    cut[p] = store.cut_partition(files[first_key + p], PIECE_ROWS)
                path = cut[p][u - first_piece[p]]
            table = store.read_partition(path)
            table = table.take(pc.sort_indices(table, [("id", "ascending")]))
            loaded[u] = canonical(table)
        return loaded[u]

    def rows(start: int, stop: int) -> pa.Table:
        pieces = []
        for u in range(int(np.searchsorted(bounds, start, side="right")) - 1, len(bounds) - 1):
            if bounds[u] >= stop:
                break
            a, b = max(start, bounds[u]) - bounds[u], min(stop, bounds[u + 1]) - bounds[u]
            pieces.append(piece(u).slice(int(a), int(b - a)))
        whole = len(pieces) == 1 and pieces[0].num_rows == len(next(iter(loaded.values())))
        # a whole piece is already canonical (one copy less while a row group is held)
        table = pieces[0] if whole else canonical(pa.concat_tables(pieces))
        pieces.clear()
        if not any(bounds[u + 1] > stop for u in loaded):
            loaded.clear()  # wholly copied out: not held while the writer encodes the row group
        table = table.set_column(cluster_id, schema.field(cluster_id), table.column("id"))
        size_field = schema.field(cluster_size)
        size = np.ones(stop - start, dtype=np.int64)
        a, b = np.searchsorted(sizes[0], [start, stop])
        size[sizes[0][a:b] - start] = sizes[1][a:b]
        return table.set_column(cluster_size, size_field, pa.array(size, size_field.type))

    return rows


SEEN = pa.schema([("headline_id", pa.string()), ("text", pa.string()), ("article_id", pa.string()),
                  ("position", pa.int32())])


def headline_rows(store: Store, kept: Tables) -> dict[str, write.Rows]:
    """One row per distinct related headline on the kept articles, per split in id order; the spelling kept
    is the one on the smallest article id, and `seen_on` lists every sighting by article id and position.

    The store's sighting buckets (ordered by headline id) are sorted one at a time; each bucket's sightings
    go, grouped by headline, to one IPC file per split, and where each headline's run of sightings ends
    to an offsets file per split, so a split's rows are later read back a row group at a time. Memory:
    one bucket and a bit per record (kept or not)."""
    is_kept = np.zeros((store.count + 7) // 8, dtype=np.uint8)  # bit i % 8 of byte i // 8: record i is kept
    for table in kept:
        index = table.column("index").to_numpy()
        np.bitwise_or.at(is_kept, index >> 3, np.left_shift(1, index & 7).astype(np.uint8))
    paths = {split: store.folder / f"headlines-{split}.arrow" for split in SPLITS}
    sightings = dict.fromkeys(SPLITS, 0)
    headlines = dict.fromkeys(SPLITS, 0)
    with contextlib.ExitStack() as stack:  # every file opened is closed, whatever fails
        writers = {split: stack.enter_context(pa.ipc.new_file(str(path), SEEN)) for split, path in paths.items()}
        # offsets file: int64 offsets[g] (g = 0..headlines), the sightings of headline g being offsets[g]..[g + 1]
        ends = {split: stack.enter_context(open(store.folder / f"headlines-{split}.offsets", "wb")) for split in SPLITS}
        for fh in ends.values():
            fh.write(np.zeros(1, dtype=np.int64).tobytes())
        for bucket in store.sighting_buckets():
            record = bucket.column("record").to_numpy()
            mine = pa.array((is_kept[record >> 3] >> (record & 7) & 1).astype(bool))
            seen = pa.table(
                [bucket.column("headline_id").filter(mine), bucket.column("text").filter(mine),
                 bucket.column("article_id").filter(mine), bucket.column("position").filter(mine)],
                schema=SEEN,
            )
            seen = seen.sort_by([("headline_id", "ascending"), ("article_id", "ascending"), ("position", "ascending")])
            seen = seen.combine_chunks()
            starts = np.flatnonzero(run_starts(seen.column("headline_id")))
            counts = np.diff(np.r_[starts, seen.num_rows]).astype(np.int64)
            firsts = seen.column("headline_id").take(pa.array(starts)).to_pylist()
            split_code = np.array([SPLITS.index(ids.split_for(h)) for h in firsts], dtype=np.int8)
            per_row = np.repeat(split_code, counts)
            for code, split in enumerate(SPLITS):
                if np.any(split_code == code):
                    writers[split].write_table(seen.filter(pa.array(per_row == code)))
                    runs = counts[split_code == code]
                    ends[split].write((np.cumsum(runs) + sightings[split]).tobytes())
                    sightings[split] += int(runs.sum())
                    headlines[split] += len(runs)
    schema = schemas.write_schema("headlines")

    def rows_of(split: str, count: int) -> write.Rows:
        seen_on = schema.field("seen_on").type

        def rows(start: int, stop: int) -> pa.Table:
            """Headlines [start, stop): each one's sightings are a run of the split's file, so its row is
            the run's first id and text and the run as its `seen_on` list (no Python object per row)."""
            offsets = np.fromfile(ends[split].name, dtype=np.int64, count=stop - start + 1, offset=8 * start)
            part = _read_rows(paths[split], int(offsets[0]), int(offsets[-1])).combine_chunks()
            local = offsets - offsets[0]
            firsts = pa.array(local[:-1])
            sightings = pa.StructArray.from_arrays(
                [part.column("article_id").chunk(0), part.column("position").chunk(0)], fields=list(seen_on.value_type)
            )
            table = pa.table(
                [part.column("headline_id").take(firsts), part.column("text").take(firsts),
                 pa.ListArray.from_arrays(pa.array(local, pa.int32()), sightings, type=seen_on),
                 pa.array([split] * (stop - start), pa.string())],
                schema=schema,
            )
            return canonical(table)

        # a headline row holds its id and text once (as the sightings do) and per sighting an article id,
        # a position and list/struct offsets: within three times the sightings' size plus 64 bytes a row
        bound = 3 * store.sightings_bytes + 64 * count + 4096 * (count // write.ROW_GROUP_ROWS + 1)
        return write.Rows(count, rows, bound)

    return {split: rows_of(split, headlines[split]) for split in SPLITS if headlines[split]}


def _read_rows(path: Path, start: int, stop: int) -> pa.Table:
    """Rows [start, stop) of an IPC file, reading only the record batches that hold them."""
    with pa.OSFile(str(path)) as source:
        reader = pa.ipc.open_file(source)
        pieces, first = [], 0
        for i in range(reader.num_record_batches):
            if first >= stop:
                break
            batch = reader.get_batch(i)
            last = first + batch.num_rows
            if last > start:
                pieces.append(batch.slice(max(0, start - first), min(stop, last) - max(start, first)))
            first = last
        return pa.Table.from_batches(pieces, schema=reader.schema)


def _split_codes(record_ids: pa.ChunkedArray) -> np.ndarray:
    """Each id's split as its index in SPLITS, converting 8,192 ids to Python strings at a time."""
    codes = np.empty(len(record_ids), dtype=np.int8)
    for at in range(0, len(record_ids), 8_192):
        part = record_ids.slice(at, 8_192).to_pylist()
        codes[at : at + len(part)] = [SPLITS.index(ids.split_for(i)) for i in part]
    return codes
