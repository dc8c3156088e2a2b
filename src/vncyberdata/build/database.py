"""The build's embedded database: DuckDB in the build's scratch folder, holding what the workers made.

As each chunk arrives (chunks.py) the driver loads its files into three tables: `facts` (per record: id,
raw file, lengths, language, content hash, split, LSH band keys, and where it is: its arrival index,
chunk and row), `sightings` (related headlines seen on a record) and `pins` (every file read: path, size,
sha256). The records' rows stay in the chunks' files. The global steps (steps.py) and the order of the
kept rows (gather.py) are queries over the tables. DuckDB works within `memory_limit`, spilling to a folder inside the scratch folder:
memory holds what a query needs, never the corpus. The scratch folder goes when the build ends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import minhash
from .chunks import BAND_COLUMNS, FACTS, SIGHTINGS, Chunk, read_ipc
from .kept import ARRIVALS, KeptRows
from ..errors import UserError
from ..intake.raw import INPUTS


@dataclass(frozen=True)
class Limits:
    """How much the database may hold in memory and how many threads its queries use; neither changes the
    output."""

    memory: str = "64MB"
    threads: int = 2


def connect(folder: Path, limits: Limits = Limits()):
    """A DuckDB database in `folder` (created) that spills to `folder`/spill within `limits`."""
    import duckdb

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    db = duckdb.connect(str(folder / "build.duckdb"))
    try:
        db.execute("SET memory_limit = ?", [limits.memory])
    except duckdb.Error:
        db.close()
        raise UserError(f"{limits.memory!r} is not a memory size (rule: --db-memory takes a size)",
                        "give a size such as 512MB or 2GB") from None
    db.execute(f"SET threads = {int(limits.threads)}")
    db.execute("SET temp_directory = ?", [str(folder / "spill")])
    db.execute("SET allocator_flush_threshold = '16MB'")  # give back what a query freed, not keep it for the next
    db.execute("SET preserve_insertion_order = false")  # every query that needs an order says which
    # the database lives for one build: compressing its tables at every checkpoint (each insert and each
    # step's CREATE TABLE may trigger one) costs more time than the smaller spill saves
    db.execute("SET force_compression = 'uncompressed'")
    db.execute("SET enable_progress_bar = false")
    return db


def release_memory(db, limits: Limits) -> None:
    """Drop the blocks the database keeps cached (its tables are on disk): the limit lowered, then restored."""
    db.execute("SET memory_limit = '8MB'")
    db.execute("SET memory_limit = ?", [limits.memory])


@contextlib.contextmanager
def user_errors(limits: Limits, where: Callable[[], str] = lambda: "") -> Iterator[None]:
    """The database's errors that the user can fix (its memory limit, a full disk) as a UserError; `where()`
    names the step that was running (the limit a step needs is what a maintainer tunes)."""
    import duckdb

    try:
        yield
    except (duckdb.OutOfMemoryException, duckdb.FatalException) as err:
        # a fatal error is an out-of-memory too when the database ran out while writing a checkpoint
        if isinstance(err, duckdb.FatalException) and "could not allocate" not in str(err):
            raise
        step = where()
        step = f" in {step}" if step else ""
        lines = str(err).splitlines()
        detail = next((line for line in lines if "allocate" in line or "Out of Memory" in line), lines[0])
        raise UserError(
            f"the build's database needed more than its memory limit ({limits.memory}){step}: {detail[:300]}",
            "raise the limit with --db-memory (of `vncyberdata build` or `release`), e.g. --db-memory 1GB",
        ) from None
    except duckdb.IOException as err:
        if "No space left" not in str(err):
            raise
        raise UserError(
            f"the disk is full where the build's scratch folder is (beside the output): {str(err).splitlines()[0]}",
            "free space beside the output folder, then run again; what was built before is left as it was",
        ) from None


def create(db, name: str, schema: pa.Schema) -> None:
    """An empty table `name` with the columns of `schema`."""
    insert(db, name, schema.empty_table(), create=True)


@contextlib.contextmanager
def registered(db, **views: pa.Table) -> Iterator[None]:
    """Arrow tables visible to the queries of the block under the given names, and gone after it."""
    for name, table in views.items():
        db.register(name, table)
    try:
        yield
    finally:
        for name in views:
            db.unregister(name)


def insert(db, name: str, table: pa.Table, create: bool = False) -> None:
    """Append an Arrow table's rows to the table `name` (or create it from them)."""
    with registered(db, incoming=table):
        db.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming" if create else f"INSERT INTO {name} SELECT * FROM incoming")


def query(db, sql: str, parameters: list | None = None) -> pa.Table:
    """A query's result as an Arrow table (small results: counts, the few records a step drops)."""
    return db.sql(sql, params=parameters).to_arrow_table()


def tables(db, sql: str, schema: pa.Schema, parameters: list | None = None, rows: int = 65_536):
    """A query's result as Arrow tables of up to `rows` rows cast to `schema`, read as they are used.
    (A relation's reader streams the result in its ORDER BY; the reader of `execute` copies the whole
    result first and, with preserve_insertion_order off, may give the batches out of order.)"""
    reader = db.sql(sql, params=parameters).to_arrow_reader(rows)
    try:
        for batch in reader:
            yield pa.Table.from_batches([batch]).cast(schema)
    finally:
        reader.close()


@contextlib.contextmanager
def _single_threaded(db) -> Iterator[None]:
    """Every query of the database on one thread while the block runs (the setting is the database's, not a
    connection's), the earlier number restored after it."""
    threads = query(db, "SELECT current_setting('threads') AS n").column("n")[0].as_py()
    try:
        db.execute("SET threads = 1")
        yield
    finally:
        db.execute(f"SET threads = {threads}")


def numbered(db, name: str, sql: str, schema: pa.Schema, number: str, group: str | None = None) -> None:
    """A view `name` (columns `schema`) of the rows of `sql`, whose column `number` is replaced by the row's
    place (from 0) in the query's order, counted per run of equal `group` values when a group is given. `sql`
    orders its rows (by `group` first)."""
    at = schema.get_field_index(number)
    state = {"current": None, "before": 0}

    def fill(table: pa.Table) -> pa.Table:
        numbers = np.empty(table.num_rows, dtype=np.int64)
        values = table.column(group).to_numpy(zero_copy_only=False) if group is not None else None
        for start, stop in equal_runs(values) if group is not None else [(0, table.num_rows)]:
            if group is not None and values[start] != state["current"]:
                state["current"], state["before"] = values[start], 0
            numbers[start:stop] = np.arange(state["before"], state["before"] + stop - start)
            state["before"] += stop - start
        return table.set_column(at, schema.field(number), pa.array(numbers, schema.field(number).type))

    staged(db, name, sql, schema, fill)


def _quoted(path: Path) -> str:
    """A path as the inside of an SQL string literal (a view's definition cannot take a parameter)."""
    return str(path).replace("'", "''")


def equal_runs(values: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of equal consecutive values."""
    bounds = np.r_[0, np.flatnonzero(values[1:] != values[:-1]) + 1, len(values)].tolist()
    return list(zip(bounds[:-1], bounds[1:]))


def staged(db, name: str, sql: str, schema: pa.Schema, fill: Callable[[pa.Table], pa.Table],
           out: pa.Schema | None = None) -> None:
    """A view `name` of the rows of `sql` (read as `schema`) as `fill` rewrites them (to `out`, by default
    `schema`), a table at a time in the query's order: for columns that depend on the rows before.

    The rows are written as they stream by to a Parquet file beside the database, which `name` is then a
    view of: a window function numbering rows holds a whole partition in memory, and inserting while the
    sort streams its result leaves the sort no memory to spill with. (A view, not a table: copying the file
    into the database cost as much again as writing it; the file goes with the build's scratch folder.)"""
    folder = Path(query(db, "SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
                  .column("path")[0].as_py()).parent
    path = folder / f"{name}.staged.parquet"
    # a sort of wide rows on two threads needs twice the memory to spill
    with _single_threaded(db), pq.ParquetWriter(path, out or schema, compression="none") as writer:
        for table in tables(db, sql, schema):
            writer.write_table(fill(table))
    db.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{_quoted(path)}')")


# the facts table: FACTS, the band keys (one column a band) and where the record is
FACT_COLUMNS = pa.schema([("idx", pa.int64()), ("chunk", pa.int32()), ("row", pa.int32()), *FACTS,
                          *((name, pa.uint64()) for name in BAND_COLUMNS)])
SEEN_COLUMNS = pa.schema([("idx", pa.int64()), *(SIGHTINGS.field(n) for n in SIGHTINGS.names[1:]),
                          ("article_id", pa.string())])
PIN_COLUMNS = pa.schema([("seq", pa.int64()), *INPUTS])


LOAD_ROWS = 131_072  # rows the store gathers before it inserts them (an insert is a commit: a few ms each)


class Store:
    """The driver's side of the chunks: loads each into the database as it arrives (`add`), numbering the
    records in arrival order (`idx`), and reads signatures back from the chunks' files for the few pairs
    the near-duplicate step judges. Rows are inserted `load_rows` at a time; `flush` inserts the rest (the
    tables are complete only after it).

    With `kept` (kept.py: the rows of an earlier cached build's chunks), a chunk whose key it holds is not
    read: its rows are copied from there by `flush`, in one statement a table; `keep` saves the rows of the
    chunks read from files for the next build."""

    def __init__(self, db, chunk_folder: Path, schema: pa.Schema, load_rows: int = LOAD_ROWS,
                 kept: KeptRows | None = None) -> None:
        self.db = db
        self.load_rows = load_rows
        self.chunk_folder = Path(chunk_folder)
        self.chunk_folder.mkdir(parents=True, exist_ok=True)
        self.schema = schema
        self.count = 0  # records
        self.pins = 0
        self._chunks: list[str] = []  # the chunks that hold records, in arrival order
        self._pending: dict[str, list[pa.Table]] = {"pins": [], "facts": [], "sightings": []}
        self._pending_rows = 0
        for name, columns in (("facts", FACT_COLUMNS), ("sightings", SEEN_COLUMNS), ("pins", PIN_COLUMNS)):
            create(db, name, columns)
        self.kept = kept
        self._held = kept.open(db) if kept is not None else {}  # chunk key: (records, pins)
        self._arrivals: dict[str, list] = {"kept": [], "read": []}  # per chunk with a key: ARRIVALS rows
        self._copied = False  # the kept rows are in the tables

    def add(self, chunk: Chunk) -> None:
        """Load one chunk's pins, and its records, facts and sightings when it has any."""
        at = len(self._chunks) if chunk.records else -1
        if chunk.records:
            self._chunks.append(chunk.name)
        held = self._held.get(chunk.key) if chunk.key is not None else None
        if held is not None and held[0] == chunk.records:
            self._arrivals["kept"].append((chunk.key, at, self.count, self.pins, chunk.records, held[1]))
            self.count += chunk.records
            self.pins += held[1]
            return
        pins = read_ipc(self.chunk_folder / f"{chunk.name}.pins")
        if chunk.key is not None:
            self._arrivals["read"].append((chunk.key, at, self.count, self.pins, chunk.records, pins.num_rows))
        seq = np.arange(self.pins, self.pins + pins.num_rows, dtype=np.int64)
        self.pins += pins.num_rows
        self._insert("pins", pa.table([seq, *pins.columns], schema=PIN_COLUMNS))
        if not chunk.records:
            return
        idx = np.arange(self.count, self.count + chunk.records, dtype=np.int64)
        facts = read_ipc(self.chunk_folder / f"{chunk.name}.facts")
        bands = np.fromfile(self.chunk_folder / f"{chunk.name}.bands", dtype=np.uint64).reshape(chunk.records, -1)
        where = [idx, np.full(chunk.records, at, dtype=np.int32), np.arange(chunk.records, dtype=np.int32)]
        self._insert("facts", pa.table([*where, *facts.columns, *bands.T], schema=FACT_COLUMNS))
        if chunk.sightings:
            seen = read_ipc(self.chunk_folder / f"{chunk.name}.seen")
            record = seen.column("record").to_numpy()
            article_id = facts.column("id").take(pa.array(record))
            self._insert("sightings", pa.table([idx[record], *seen.columns[1:], article_id], schema=SEEN_COLUMNS))
        self.count += chunk.records

    def _insert(self, name: str, table: pa.Table) -> None:
        self._pending[name].append(table)
        self._pending_rows += table.num_rows
        if self._pending_rows >= self.load_rows:
            self.flush(final=False)

    def flush(self, final: bool = True) -> None:
        """Insert the rows gathered since the last insert, and when `final`, the kept rows of the chunks added."""
        for name, pending in self._pending.items():
            if pending:
                insert(self.db, name, pa.concat_tables(pending))
                pending.clear()
        self._pending_rows = 0
        if final and self.kept is not None and not self._copied:
            self.kept.copy_into(self.db, self._arrival_table("kept"))
            self._copied = True

    def keep(self) -> None:
        """Save for the next build the rows of the chunks read from files (after the build: kept.py)."""
        if self.kept is not None:
            used = [row[0] for rows in self._arrivals.values() for row in rows]
            self.kept.save(self.db, self._arrival_table("read"), used)

    def _arrival_table(self, which: str) -> pa.Table:
        rows = self._arrivals[which]
        return pa.table([pa.array([r[i] for r in rows], t) for i, t in enumerate(ARRIVALS.types)], schema=ARRIVALS)

    def chunk_rows(self, chunk: int, rows: pa.Array | None = None) -> pa.Table:
        """The article rows of a chunk (its arrival number among the chunks with records), read whole, or the
        given rows of it in that order: taken from the file mapped into memory, so that only their pages
        are read (a rebuild that writes one shard wants a few rows of every chunk) and copied once."""
        path = self.chunk_folder / f"{self._chunks[chunk]}.arrow"
        if rows is None:
            return read_ipc(path)
        with pa.memory_map(str(path)) as source:
            return pa.ipc.open_file(source).read_all().take(rows)

    def signatures(self, chunk: np.ndarray, row: np.ndarray) -> np.ndarray:
        """The MinHash signatures of the records at (chunk, row), in that order, read from the chunks' files."""
        out = np.empty((len(chunk), minhash.NUM_PERM), dtype=np.uint64)
        width = minhash.NUM_PERM * 8
        for c in np.unique(chunk).tolist():
            mine = np.flatnonzero(chunk == c)
            with open(self.chunk_folder / f"{self._chunks[c]}.sig", "rb") as fh:
                for i, r in zip(mine.tolist(), row[mine].tolist()):
                    fh.seek(r * width)
                    out[i] = np.frombuffer(fh.read(width), dtype=np.uint64)
        return out
