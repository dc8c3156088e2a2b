"""The rows the driver loaded of the chunks of earlier cached builds, kept between builds.

A build's driver loads every chunk's facts, sightings and pins into the build's database (database.Store).
A run the chunk cache serves whole gives the same rows at every build: its chunk key fixes its files and
so its rows. A cached build keeps them in a DuckDB file beside the chunk cache (`KeptRows`), keyed by the
chunk key (rows-<chunk fingerprint>-duckdb<version>.duckdb in the cache folder). The next build copies the rows of every served chunk it finds there, one statement a table,
instead of reading each chunk's files and inserting them again, and then saves the rows of the chunks it
loaded from files.

Rows are appended and never deleted in place. When the rows of chunks the last build did not use outnumber
the rows it used, the file is written afresh with the used ones only, so it stays within about twice a
build's rows. Like the caches it is only an optimisation. If another process holds the file, the build
reads the chunks' files as it does without a cache, and saves nothing. If the file is not a database (it
is damaged, or another DuckDB version wrote it: the version is in its name), it is set aside and made
afresh.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pyarrow as pa

from .chunks import BAND_COLUMNS, FACTS

_ALIAS = "kept_rows"  # the file, attached to the build's database
# the file's tables: per chunk key its counts, and the rows of the build's tables of the same names, with the
# chunk key and the row's number within the chunk (record, pin) in place of its number within the build
TABLES = ("chunks", "facts", "sightings", "pins")
ARRIVALS = pa.schema([("key", pa.string()), ("at", pa.int32()), ("first_idx", pa.int64()), ("first_seq", pa.int64()),
                      ("records", pa.int32()), ("pins", pa.int64())])
_BANDS = ", ".join(BAND_COLUMNS)
_FACTS = ", ".join(FACTS.names)


class KeptRows:
    """The kept rows of the chunks of one chunk fingerprint in the cache folder `root`, for one build's database.

    `open(db)` attaches the file read-only and returns {chunk key: (records, pins)} of what it holds;
    `copy_into(db, arrivals)` inserts the rows of the given chunks into the build's tables and detaches the
    file; `save(db, fresh,
    used)` appends the rows of the chunks loaded from files and, when the unused rows outnumber the used,
    writes the file afresh."""

    def __init__(self, root: Path, chunk_fingerprint: str) -> None:
        import duckdb

        self.path = Path(root) / f"rows-{chunk_fingerprint}-duckdb{duckdb.__version__}.duckdb"
        self.damaged = False

    def open(self, db) -> dict[str, tuple[int, int]]:
        import duckdb

        if not self.path.exists():
            return {}
        try:
            db.execute(f"ATTACH ? AS {_ALIAS} (READ_ONLY)", [str(self.path)])
        except duckdb.Error as err:
            self.damaged = not _held(err)
            return {}
        try:
            rows = db.sql(f"SELECT key, records, pins FROM {_ALIAS}.chunks").fetchall()
        except duckdb.Error:  # attached but not ours (no such table): made afresh at the save
            self.damaged = True
            self._detach(db)
            return {}
        return {key: (records, pins) for key, records, pins in rows}

    def copy_into(self, db, arrivals: pa.Table) -> None:
        """Insert into the build's facts, sightings and pins the kept rows of the chunks in `arrivals`
        (ARRIVALS: a chunk's key, its number among the chunks with records, its first record and pin numbers)."""
        if not arrivals.num_rows:
            self._detach(db)
            return
        db.register("arrivals", arrivals)
        try:
            db.execute(f"""INSERT INTO facts SELECT a.first_idx + k.row, a.at, k.row, {_FACTS}, {_BANDS}
                           FROM {_ALIAS}.facts k JOIN arrivals a USING (key)""")
            db.execute(f"""INSERT INTO sightings SELECT a.first_idx + k.record, k.* EXCLUDE (key, record)
                           FROM {_ALIAS}.sightings k JOIN arrivals a USING (key)""")
            db.execute(f"""INSERT INTO pins SELECT a.first_seq + k.seq, k.* EXCLUDE (key, seq)
                           FROM {_ALIAS}.pins k JOIN arrivals a USING (key)""")
        finally:
            db.unregister("arrivals")
            self._detach(db)  # attached again by `save`

    def save(self, db, fresh: pa.Table, used: list[str]) -> None:
        """Append the rows of the chunks in `fresh` (ARRIVALS: loaded from files by this build) from the build's
        tables, then write the file afresh if the chunks not in `used` (this build's keys) hold more records
        than those in it. Does nothing if another process holds the file; a failure (a full disk) leaves the
        file as it was, and the next build reads those chunks' files again."""
        import duckdb

        self._detach(db)
        if self.damaged:
            _set_aside(self.path)
        try:
            db.execute(f"ATTACH ? AS {_ALIAS}", [str(self.path)])
        except duckdb.Error as err:
            if not _held(err):
                _set_aside(self.path)  # made afresh at the next build
            return
        try:
            self._save(db, fresh, used)
        except (duckdb.Error, OSError):
            pass
        finally:
            self._detach(db)

    def _save(self, db, fresh: pa.Table, used: list[str]) -> None:
        _create_tables(db)
        known = {key for (key,) in db.sql(f"SELECT key FROM {_ALIAS}.chunks").fetchall()}
        # another build may have saved some of them meanwhile
        fresh = fresh.filter(pa.array([key not in known for key in fresh.column("key").to_pylist()], pa.bool_()))
        db.register("fresh", fresh)
        db.register("used", pa.table({"key": pa.array(used, pa.string())}))
        try:
            self._append(db)
            used_records, all_records = db.sql(f"""
                SELECT coalesce(sum(records) FILTER (WHERE key IN (SELECT key FROM used)), 0), coalesce(sum(records), 0)
                FROM {_ALIAS}.chunks""").fetchall()[0]
            if all_records - used_records > used_records:
                self._write_afresh(db)
        finally:
            db.unregister("fresh")
            db.unregister("used")

    def _append(self, db) -> None:
        """The rows of the chunks in `fresh`, in one transaction (a chunk is in the file whole or not at all)."""
        db.execute("BEGIN TRANSACTION")
        try:
            db.execute(f"INSERT INTO {_ALIAS}.chunks SELECT key, records, pins FROM fresh")
            db.execute(f"""INSERT INTO {_ALIAS}.facts SELECT n.key, f.row, {_FACTS}, {_BANDS}
                           FROM facts f JOIN fresh n ON f.chunk = n.at""")
            db.execute(f"""INSERT INTO {_ALIAS}.sightings SELECT n.key, f.row, s.* EXCLUDE (idx)
                           FROM sightings s JOIN facts f USING (idx) JOIN fresh n ON f.chunk = n.at""")
            db.execute(f"""INSERT INTO {_ALIAS}.pins SELECT n.key, p.seq - n.first_seq, p.* EXCLUDE (seq)
                           FROM pins p JOIN fresh n ON p.seq >= n.first_seq AND p.seq < n.first_seq + n.pins""")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _write_afresh(self, db) -> None:
        """The used chunks' rows to a new file that replaces this one."""
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        _set_aside(tmp, remove=True)
        try:
            db.execute("ATTACH ? AS afresh", [str(tmp)])
            try:
                for table in TABLES:
                    db.execute(f"CREATE TABLE afresh.{table} AS SELECT * FROM {_ALIAS}.{table} SEMI JOIN used USING (key)")
            finally:
                db.execute("DETACH afresh")
            self._detach(db)
            os.replace(tmp, self.path)
        finally:
            _set_aside(tmp, remove=True)

    def _detach(self, db) -> None:
        with contextlib.suppress(Exception):
            db.execute(f"DETACH {_ALIAS}")


def _create_tables(db) -> None:
    """The kept file's tables, made (empty) from the build's own when the file is new."""
    db.execute(f"CREATE TABLE IF NOT EXISTS {_ALIAS}.chunks (key VARCHAR, records INTEGER, pins BIGINT)")
    db.execute(f"CREATE TABLE IF NOT EXISTS {_ALIAS}.facts AS SELECT ''::VARCHAR AS key, row, {_FACTS}, {_BANDS} FROM facts LIMIT 0")
    db.execute(f"""CREATE TABLE IF NOT EXISTS {_ALIAS}.sightings AS SELECT ''::VARCHAR AS key, idx AS record,
                   * EXCLUDE (idx) FROM sightings LIMIT 0""")
    db.execute(f"CREATE TABLE IF NOT EXISTS {_ALIAS}.pins AS SELECT ''::VARCHAR AS key, * FROM pins LIMIT 0")


def _held(err: Exception) -> bool:
    """Whether a DuckDB error says another process holds the file (a lock), rather than that it is unreadable."""
    return "lock" in str(err).lower()


def _set_aside(path: Path, remove: bool = False) -> None:
    for suffix in ("", ".wal"):
        with contextlib.suppress(OSError):
            target = Path(f"{path}{suffix}")
            if remove:
                target.unlink()
            elif target.exists():
                os.replace(target, f"{path}.damaged{suffix}")
