"""The build's global steps on the facts of every record (one row per record, spill.PLACED), after the
workers: keep Vietnamese pages, one record per id, one record per cluster of exact or near duplicates.
Each takes the facts and the report and returns the facts it keeps; a dropped record is a report entry
with a reason code, never an exception."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import buckets, dedup
from .buckets import Arrays, Blocks, Tables
from .build_report import Report
from .spill import PLACED, Store


def keep_vietnamese(facts: Blocks, report: Report, store: Store) -> Tables:
    """The dataset is Vietnamese: pages identified as another language are dropped, with the score. The
    others' facts go to buckets of id ranges (in arrival order within a bucket) for the next steps."""
    out = Tables(store.folder, "facts-vi", PLACED, buckets.count_for(facts.num_rows))
    for block in facts:
        vi = pc.fill_null(pc.equal(block.column("language"), "vi"), False)
        if pc.all(vi).as_py() is False:
            other = block.filter(pc.invert(vi)).column("index").to_numpy()
            for a in store.details(other, ["raw_path", "language", "language_score"]).to_pylist():
                report.drop(
                    "keep_vietnamese",
                    a["raw_path"],
                    "not_vietnamese",
                    f"identified as {a['language']!r} (probability {a['language_score']})",
                    "only Vietnamese pages belong in raw/; remove the file or save the Vietnamese version of the page",
                )
            block = block.filter(vi)
        out.add(block, buckets.of_prefix(buckets.hex_prefix(block.column("id")), out.count))
    return out


def drop_duplicate_ids(facts: Tables, report: Report, store: Store) -> Tables:
    """Two files that parse to the same id are one article: keep the most complete (longest body), ties by
    the raw file's sha256, then its path. A bucket of ids at a time; returns the facts in id order."""
    out = Tables(store.folder, "facts-ids", PLACED, facts.count)
    for b, bucket in enumerate(facts):
        out.add(_one_per_id(bucket, report, store), b)
    facts.discard()
    return out


def _one_per_id(facts: pa.Table, report: Report, store: Store) -> pa.Table:
    """drop_duplicate_ids on the facts of one bucket of ids."""
    order = pc.sort_indices(facts, [("id", "ascending"), ("body_len", "descending"), ("index", "ascending")])
    order = order.to_numpy().copy()
    first = run_starts(facts.column("id").take(pa.array(order)))
    if first.all():
        return facts.take(pa.array(order))
    # the records sharing an id, with what breaks their ties read back from the store (few records)
    group = np.cumsum(first) - 1
    shared = np.flatnonzero(np.bincount(group)[group] > 1)
    index = facts.column("index").to_numpy()
    body_len = facts.column("body_len").to_numpy()
    details = store.details(index[order[shared]], ["raw_sha256", "raw_path"]).to_pydict()
    ranked = sorted(range(len(shared)), key=lambda k: (group[shared[k]], -int(body_len[order[shared[k]]]),
                                                      details["raw_sha256"][k], details["raw_path"][k]))
    order[shared] = order[shared][ranked]
    paths = dict(zip(shared.tolist(), (details["raw_path"][k] for k in ranked)))  # position → path, reordered
    ids_ = facts.column("id")
    kept_at = {}
    for at in shared.tolist():
        if first[at]:
            kept_at[group[at]] = paths[at]
            continue
        report.drop(
            "drop_duplicate_ids",
            paths[at],
            "duplicate_id",
            f"same article id {ids_[int(order[at])].as_py()} as {kept_at[group[at]]} (kept: longer body or smaller sha256)",
            "remove one of the two files, or give them distinct sidecar URLs if they are different articles",
        )
    return facts.take(pa.array(order[first]))


def run_starts(column: pa.ChunkedArray) -> np.ndarray:
    """Where a run of equal values begins in a sorted column (a boolean per row)."""
    n = len(column)
    if n < 2:
        return np.ones(n, dtype=bool)
    column = column.combine_chunks()
    return np.r_[True, pc.not_equal(column[1:], column[:-1]).to_numpy(zero_copy_only=False)]


HASHES = np.dtype([("hash", "S32"), ("position", "<i8")])
KEYS = np.dtype([("key", "<u8"), ("position", "<i8"), ("index", "<i8")])
KEYS_PER_BUCKET = 65_536  # band keys sorted at a time (24 bytes each: about 1.5 MB)
REPORT_SLICE = 4_096  # dropped duplicates whose report lines are made at a time


def drop_near_duplicates(facts: Tables, report: Report, store: Store) -> Tables:
    """One record per cluster of exact or near duplicates (see dedup.py); the kept record carries its
    cluster (`cluster_size`; its cluster id is its own id). Facts come and go in id order, a record's
    position in that order naming it.

    One pass over the facts scatters each record's content hash to a bucket of hash ranges and its band
    keys to buckets of (band, key range). Exact duplicates are found a hash bucket at a time; candidate
    pairs a key bucket at a time, among the records that are no exact duplicate; the pairs are judged on
    their signatures and the clusters formed over the records named by a link only. Memory: a bucket, and
    the duplicates."""
    n = facts.num_rows
    hashes = Arrays(store.folder, "hashes", HASHES, buckets.count_for(n))
    per_band = buckets.count_for(n, KEYS_PER_BUCKET, most=1 << 16)
    keys = Arrays(store.folder, "bands", KEYS, dedup.BANDS * per_band)
    first = 0
    for table in facts:
        m = table.num_rows
        position = np.arange(first, first + m, dtype=np.int64)
        first += m
        digest = _fixed(table.column("content_hash"), 32)
        records = np.empty(m, dtype=HASHES)
        records["hash"], records["position"] = digest.view("S32").ravel(), position
        hashes.add(records, buckets.of_prefix(digest[:, 0].astype(np.int64) << 8 | digest[:, 1], hashes.count))
        bands = _fixed(table.column("bands"), 8 * dedup.BANDS).view("<u8")
        records = np.empty(m, dtype=KEYS)
        records["position"], records["index"] = position, table.column("index").to_numpy()
        for b in range(dedup.BANDS):
            records["key"] = bands[:, b]
            keys.add(records, b * per_band + buckets.of_prefix(bands[:, b] >> np.uint64(48), per_band))
    links = [dedup.exact_links(part["hash"], part["position"]) for part in map(hashes.bucket, range(hashes.count))]
    hashes.discard()
    dups, firsts = (np.concatenate(side) for side in zip(*links))
    by_dup = np.argsort(dups)
    dups, firsts = dups[by_dup], firsts[by_dup]
    codes, named, index_of = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for b in range(keys.count):
        part = keys.bucket(b)
        part = part[~np.isin(part["position"], dups)]  # exact duplicates are judged by their first
        pairs = dedup.band_pairs(part["key"], part["position"], n)
        if len(pairs):
            codes.append(pairs)
            mine = np.isin(part["position"], np.r_[pairs // n, pairs % n])
            named.append(part["position"][mine])
            index_of.append(part["index"][mine])
    keys.discard()
    codes = np.unique(np.concatenate(codes))
    named, at = np.unique(np.concatenate(named), return_index=True)
    index_of = np.concatenate(index_of)[at]  # the arrival index of each record in a candidate pair
    near = dedup.judge(codes, n, lambda p: store.signature_rows(index_of[np.searchsorted(named, p)]))
    members, root, how = dedup.links_to_clusters(dups, firsts, *near)
    dropped, size_of = _report_near_duplicates(facts, members, root, how, report, store)
    out = Tables(store.folder, "facts-kept", KEPT_FACTS, facts.count)
    first = 0
    for b, table in enumerate(facts):
        position = np.arange(first, first + table.num_rows, dtype=np.int64)
        first += table.num_rows
        size = np.ones(table.num_rows, dtype=np.int64)
        mine = (members >= position[0]) & (members < first) if table.num_rows else np.zeros(0, dtype=bool)
        size[members[mine] - position[0]] = size_of[mine]
        keep = ~np.isin(position, dropped)
        table = table.select(list(KEPT_FACTS.names[:-1])).append_column("cluster_size", pa.array(size))
        out.add(table.filter(pa.array(keep)), b)
    facts.discard()
    return out


def _fixed(column: pa.ChunkedArray, width: int) -> np.ndarray:
    """A fixed-size binary column as a (rows, width) uint8 array."""
    array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    data = np.frombuffer(array.buffers()[1], dtype=np.uint8, count=width * len(array), offset=width * array.offset)
    return data.reshape(len(array), width)


def _report_near_duplicates(facts: Tables, members: np.ndarray, root: np.ndarray, how: np.ndarray,
                            report: Report, store: Store) -> tuple[np.ndarray, np.ndarray]:
    """Keep the most complete text of each cluster (longest body, then lead), ties by the smaller id
    (position); report the others. `members` (sorted positions) are the records in a cluster of two or
    more. Returns the dropped positions (sorted) and each member's cluster size."""
    size = np.bincount(np.searchsorted(members, root), minlength=len(members))[np.searchsorted(members, root)]
    if not len(members):
        return members, size
    got = _at_positions(facts, members, ["id", "index", "body_len", "lead_len"])
    body_len, lead_len = got.column("body_len").to_numpy(), got.column("lead_len").to_numpy()
    local = np.arange(len(members))
    ranked = local[np.lexsort((local, -lead_len, -body_len, root))]
    roots = root[ranked]
    heads = np.r_[True, roots[1:] != roots[:-1]]  # the first (most complete) member of each cluster
    kept_at = ranked[np.maximum.accumulate(np.where(heads, np.arange(len(ranked)), 0))]
    dropped, kept = ranked[~heads], kept_at[~heads]
    named = np.unique(np.r_[dropped, kept])
    index = got.column("index").to_numpy()
    # the paths stay one Arrow column (~30 bytes a record); Python strings are made a slice at a time
    paths = store.details(index[named], ["raw_path"]).column("raw_path")
    ids_ = got.column("id")
    for start in range(0, len(dropped), REPORT_SLICE):
        these, theirs = dropped[start:start + REPORT_SLICE], kept[start:start + REPORT_SLICE]
        path_of = paths.take(pa.array(np.searchsorted(named, these))).to_pylist()
        kept_path = paths.take(pa.array(np.searchsorted(named, theirs))).to_pylist()
        kept_id = ids_.take(pa.array(theirs)).to_pylist()
        for i, (at, other) in enumerate(zip(these.tolist(), theirs.tolist())):
            kind = dedup.HOW[how[at] if how[at] else how[other]]
            report.drop(
                "drop_near_duplicates",
                path_of[i],
                f"{kind}_duplicate",
                f"{'same text' if kind == 'exact' else 'nearly the same text'} as {kept_path[i]} "
                f"(kept: id {kept_id[i]}, the most complete text of a cluster of {size[at]})",
                "nothing to do if it is a re-scrape or a syndicated copy; otherwise make the texts differ",
            )
    return np.sort(members[dropped]), size


def _at_positions(facts: Tables, positions: np.ndarray, columns: list[str]) -> pa.Table:
    """The `columns` of the records at sorted `positions` (in id order across the buckets), in that order."""
    pieces, first = [], 0
    for table in facts:
        stop = first + table.num_rows
        mine = positions[(positions >= first) & (positions < stop)]
        if len(mine):
            pieces.append(table.select(columns).take(pa.array(mine - first)))
        first = stop
    return pa.concat_tables(pieces).combine_chunks()


# What the writers need of a kept record: where it is and its cluster (ids in order, bucket after bucket).
KEPT_FACTS = pa.schema([PLACED.field(name) for name in ("id", "index", "chunk", "row")] + [("cluster_size", pa.int64())])
