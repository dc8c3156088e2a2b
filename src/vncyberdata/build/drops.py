"""The build's drop log: every file a step dropped, with its reason code, location, message and hint.

A corpus with re-scrapes drops thousands of files: the entries go to a table of the build's database
(database.py) BATCH_ROWS at a time, not to dicts in the build's memory, and are read back in the order
they were logged when the report is written (`rows`). The per-reason counts stay in memory.
"""

from __future__ import annotations

from collections import Counter

import pyarrow as pa

from .database import create, insert, tables
from .rows import Rows

DROP = pa.schema([("step", pa.string()), ("raw_path", pa.string()), ("reason", pa.string()), ("line", pa.int64()),
                  ("message", pa.string()), ("hint", pa.string())])
LOGGED = pa.schema([("seq", pa.int64()), *DROP])
BATCH_ROWS = 4_096


class Drops:
    """Drop entries (dicts with DROP's keys), appended only, kept in the table `drops` of `db` (a DuckDB
    connection; an in-memory database when none is given), `batch_rows` inserted at a time."""

    def __init__(self, db=None, batch_rows: int = BATCH_ROWS) -> None:
        if db is None:
            import duckdb

            db = duckdb.connect()
        self.db = db
        create(db, "drops", LOGGED)
        self._buffer: list[dict] = []
        self._batch_rows = batch_rows
        self.count = 0
        self.reasons: Counter = Counter()

    def append(self, drop: dict) -> None:
        self._buffer.append({"seq": self.count, **{name: drop[name] for name in DROP.names}})
        self.count += 1
        self.reasons[drop["reason"]] += 1
        if len(self._buffer) >= self._batch_rows:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            insert(self.db, "drops", pa.Table.from_pylist(self._buffer, schema=LOGGED))
            self._buffer.clear()

    def __len__(self) -> int:
        return self.count

    def rows(self) -> Rows:
        """The entries in the order they were logged, as DROP tables."""
        self._flush()

        sql = f"SELECT {', '.join(DROP.names)} FROM drops ORDER BY seq"
        return Rows(self.count, lambda: tables(self.db, sql, DROP))

    def __iter__(self):
        """Every entry as a dict (tests and small builds)."""
        for table in self.rows().read():
            yield from table.to_pylist()
