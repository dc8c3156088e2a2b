"""The build's global steps, after the workers: keep Vietnamese pages, one record per id, one record per
cluster of exact or near duplicates. Each is a query over the facts of every record in the build's
database (database.py): it takes a `Facts` table and the report, and returns the `Facts` it keeps; a
dropped record is a report entry with a reason code, never an exception."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import dedup
from .build_report import Report
from .database import BAND_COLUMNS, FACT_COLUMNS, Store, insert, numbered, query, registered


@dataclass(frozen=True)
class Facts:
    """A table of the build's database holding the facts (database.FACT_COLUMNS) of the records still in,
    and how many there are."""

    table: str
    num_rows: int


def facts_of(store: Store) -> Facts:
    return Facts("facts", store.count)


def _count(store: Store, table: str) -> Facts:
    return Facts(table, query(store.db, f"SELECT count(*) AS n FROM {table}").column("n")[0].as_py())


def keep_vietnamese(facts: Facts, report: Report, store: Store) -> Facts:
    """The dataset is Vietnamese: pages identified as another language are dropped, with the score."""
    other = query(store.db, f"SELECT raw_path, language, language_score FROM {facts.table} "
                            "WHERE language IS DISTINCT FROM 'vi' ORDER BY idx")
    for a in other.to_pylist():
        report.drop(
            "keep_vietnamese",
            a["raw_path"],
            "not_vietnamese",
            f"identified as {a['language']!r} (probability {a['language_score']})",
            "only Vietnamese pages belong in raw/; remove the file or save the Vietnamese version of the page",
        )
    # a view, not a copy: writing a copy of every record's facts takes the database more memory than a scan
    store.db.execute(f"CREATE VIEW facts_vi AS SELECT * FROM {facts.table} WHERE language = 'vi'")
    return Facts("facts_vi", facts.num_rows - other.num_rows)


# which of the records sharing an id stays: the most complete (longest body), ties by raw sha256, then path
ID_RANK = "PARTITION BY id ORDER BY body_len DESC, raw_sha256, raw_path"


def drop_duplicate_ids(facts: Facts, report: Report, store: Store) -> Facts:
    """Two files that parse to the same id are one article: keep the most complete (longest body), ties by
    the raw file's sha256, then its path."""
    shared = query(store.db, f"""
        SELECT idx, id, raw_path, kept_path FROM (
            SELECT idx, id, raw_path, row_number() OVER ({ID_RANK}) AS rank, first_value(raw_path) OVER ({ID_RANK}) AS kept_path
            FROM {facts.table} WHERE id IN (SELECT id FROM {facts.table} GROUP BY id HAVING count(*) > 1))
        WHERE rank > 1 ORDER BY id, rank""")
    for a in shared.to_pylist():
        report.drop(
            "drop_duplicate_ids",
            a["raw_path"],
            "duplicate_id",
            f"same article id {a['id']} as {a['kept_path']} (kept: longer body or smaller sha256)",
            "remove one of the two files, or give them distinct sidecar URLs if they are different articles",
        )
    # the kept ones are all but the few dropped (a window ranking every record would hold them in memory),
    # as a view over the previous facts
    insert(store.db, "dropped_ids", shared.select(["idx"]), create=True)
    store.db.execute(f"CREATE VIEW facts_ids AS SELECT * FROM {facts.table} ANTI JOIN dropped_ids USING (idx)")
    return Facts("facts_ids", facts.num_rows - shared.num_rows)


# the facts the near-duplicate step uses, and `pos`: the record's place in id order
PLACED = pa.schema([("pos", pa.int64()), *(FACT_COLUMNS.field(name) for name in (
    "idx", "id", "raw_path", "chunk", "row", "split", "body_len", "lead_len", "content_hash", *BAND_COLUMNS))])


def drop_near_duplicates(facts: Facts, report: Report, store: Store) -> Facts:
    """One record per cluster of exact or near duplicates (see dedup.py); the kept record carries its
    cluster (`cluster_size`; its cluster id is its own id). A record is named by its position in id order.

    Exact duplicates: records whose content hash an earlier one has. Candidate pairs: records (no exact
    duplicate) sharing a band key, by a self-join of the band keys; the pairs are judged on their
    signatures and the clusters formed over the records named by a link only (numpy: dedup.py)."""
    db = store.db
    n = facts.num_rows
    numbered(db, "placed", f"SELECT 0 AS pos, {', '.join(PLACED.names[1:])} FROM {facts.table} ORDER BY id", PLACED, "pos")
    db.execute("""CREATE TABLE exact AS SELECT pos, first_pos FROM (
        SELECT pos, min(pos) OVER (PARTITION BY content_hash) AS first_pos FROM placed) WHERE pos <> first_pos""")
    exact = query(db, "SELECT pos, first_pos FROM exact ORDER BY pos")
    dups, firsts = (exact.column(c).to_numpy().astype(np.int64) for c in ("pos", "first_pos"))
    db.execute(f"""CREATE TABLE keys AS SELECT pos, band, key FROM (
        UNPIVOT (SELECT * FROM placed ANTI JOIN exact USING (pos)) ON {', '.join(BAND_COLUMNS)}
        INTO NAME band VALUE key)""")
    codes = query(db, f"""SELECT DISTINCT a.pos * {n} + b.pos AS code FROM keys a JOIN keys b
        ON a.band = b.band AND a.key = b.key AND a.pos < b.pos ORDER BY code""").column("code").to_numpy()
    db.execute("DROP TABLE keys")
    named = np.unique(np.r_[codes // max(n, 1), codes % max(n, 1)]) if len(codes) else codes
    where = _rows(db, named, "chunk, row")
    chunk, row = where.column("chunk").to_numpy(), where.column("row").to_numpy()
    near = dedup.judge(codes, n, lambda p: store.signatures(chunk[np.searchsorted(named, p)],
                                                             row[np.searchsorted(named, p)]))
    members, root, how = dedup.links_to_clusters(dups, firsts, *near)
    dropped, size = _report_near_duplicates(db, members, root, how, report)
    with registered(db, clustered=pa.table({"pos": members, "size": size}), dropped=pa.table({"pos": dropped})):
        db.execute("""CREATE TABLE kept AS SELECT p.idx, p.id, p.chunk, p.row, p.split, coalesce(c.size, 1) AS cluster_size
            FROM placed p LEFT JOIN clustered c USING (pos) ANTI JOIN dropped d USING (pos)""")
    return Facts("kept", n - len(dropped))


def _rows(db, positions: np.ndarray, columns: str) -> pa.Table:
    """`columns` of the placed records at sorted `positions`, in that order."""
    with registered(db, wanted=pa.table({"pos": np.asarray(positions, dtype=np.int64)})):
        return query(db, f"SELECT {columns} FROM placed SEMI JOIN wanted USING (pos) ORDER BY pos")


def _report_near_duplicates(db, members: np.ndarray, root: np.ndarray, how: np.ndarray, report: Report
                            ) -> tuple[np.ndarray, np.ndarray]:
    """Keep the most complete text of each cluster (longest body, then lead), ties by the smaller id
    (position); report the others. `members` (sorted positions) are the records in a cluster of two or
    more. Returns the dropped positions (sorted) and each member's cluster size."""
    size = np.bincount(np.searchsorted(members, root), minlength=len(members))[np.searchsorted(members, root)]
    if not len(members):
        return members, size
    got = _rows(db, members, "id, raw_path, body_len, lead_len")
    body_len, lead_len = got.column("body_len").to_numpy(), got.column("lead_len").to_numpy()
    local = np.arange(len(members))
    ranked = local[np.lexsort((local, -lead_len, -body_len, root))]
    roots = root[ranked]
    heads = np.r_[True, roots[1:] != roots[:-1]]  # the first (most complete) member of each cluster
    kept_at = ranked[np.maximum.accumulate(np.where(heads, np.arange(len(ranked)), 0))]
    dropped, kept = ranked[~heads], kept_at[~heads]
    paths, ids_ = got.column("raw_path"), got.column("id")
    path_of = paths.take(pa.array(dropped)).to_pylist()
    kept_path = paths.take(pa.array(kept)).to_pylist()
    kept_id = ids_.take(pa.array(kept)).to_pylist()
    for i, (at, other) in enumerate(zip(dropped.tolist(), kept.tolist())):
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
