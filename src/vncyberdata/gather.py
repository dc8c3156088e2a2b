"""Gathering the kept records for the writers, as queries over the build's database: the article rows of
each split in id order, and the table of related headlines (one row per headline id, with where it was
seen). DuckDB sorts out of core within its memory limit; the writer reads a row group at a time."""

from __future__ import annotations

import pyarrow as pa

from . import schemas
from .database import Store, query, tables
from .rows import Rows
from .steps import Facts
from .write import ROW_GROUP_ROWS


def _split_counts(store: Store, sql: str) -> dict[str, int]:
    counts = query(store.db, sql)
    return dict(zip(counts.column("split").to_pylist(), counts.column("n").to_pylist()))


def _reader(store: Store, sql: str, split: str, schema: pa.Schema):
    return lambda: tables(store.db, sql, schema, [split], ROW_GROUP_ROWS)


def article_rows(store: Store, kept: Facts) -> dict[str, Rows]:
    """The kept articles as Rows per split in id order; a kept record's cluster id is its own id."""
    schema = store.schema
    counts = _split_counts(store, f"SELECT split, count(*) AS n FROM articles SEMI JOIN {kept.table} USING (idx) GROUP BY split")
    sql = f"""SELECT a.* EXCLUDE (idx) REPLACE (a.id AS cluster_id, k.cluster_size::INTEGER AS cluster_size)
              FROM articles a JOIN {kept.table} k USING (idx) WHERE a.split = ? ORDER BY a.id"""
    # the rows are a subset of the stored rows; each row group adds at most an offset and a bitmap byte per
    # column to what the chunks measured
    return {split: Rows(count, _reader(store, sql, split, schema),
                        store.nbytes + 4096 * (count // ROW_GROUP_ROWS + 1))
            for split, count in counts.items()}


def headline_rows(store: Store, kept: Facts) -> dict[str, Rows]:
    """One row per distinct related headline on the kept articles, per split in id order; the spelling kept
    is the one on the smallest article id, and `seen_on` lists every sighting by article id and position."""
    schema = schemas.write_schema("headlines")
    seen = f"(SELECT * FROM sightings SEMI JOIN {kept.table} USING (idx))"
    counts = _split_counts(store, f"SELECT split, count(DISTINCT headline_id) AS n FROM {seen} GROUP BY split")
    sql = f"""SELECT headline_id AS id, first(text ORDER BY article_id, position) AS text,
                     list({{'article_id': article_id, 'position': position}} ORDER BY article_id, position) AS seen_on,
                     any_value(split) AS split
              FROM {seen} WHERE split = ? GROUP BY headline_id ORDER BY headline_id"""
    # a headline row holds its id and text once (as the sightings do) and per sighting an article id, a
    # position and list/struct offsets: within three times the sightings' size plus 64 bytes a row
    return {split: Rows(count, _reader(store, sql, split, schema),
                        3 * store.sightings_bytes + 64 * count + 4096 * (count // ROW_GROUP_ROWS + 1))
            for split, count in counts.items()}
