"""Record hashes: a short content hash of every record of a built folder, kept as a Parquet table, and the
comparison of two such tables (what a release adds, removes, changes or moves).

The table has one row per record, columns config, split, id and hash (the first 12 hex digits of the sha256
of the row's canonical JSON), sorted by config and id, and has the same bytes for the same rows. It is written
from the built folder's shards a batch at a time: each split is hashed on its own into a narrow file (id,
hash) in the split's order, which is id order, and merging a config's narrow files gives the config in id
order without holding it (merging the wide rows of three splits at once would hold a row group of each).
Two tables are compared in DuckDB (a full outer join on config and id) within the database's memory limit,
spilling to a scratch folder. What a comparison keeps in Python is, per config and kind of change, the count
and the first ids; `Comparison.lines` streams every difference.

A release's history record (format 3) names its table, `releases/<version>.records.parquet`, with its row
count and sha256; format 2 and earlier held the hashes in the JSON as config → split → {id: hash}, which
`from_nested` turns into the same table.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import itertools
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..build.database import Limits, connect, query, registered, tables, user_errors
from ..errors import UserError
from .loading import batches
from ..intake.raw import sha256_file
from ..model.record import MODELS, SPLITS

COLUMNS = pa.schema([("config", pa.string()), ("split", pa.string()), ("id", pa.string()), ("hash", pa.string())])
KINDS = ("added", "removed", "changed", "moved")  # moved: the id changed split, never allowed
SAMPLE = 20  # ids kept per config and kind: the release notes show up to 20
GROUP_ROWS = 65_536  # rows per row group of the table (fixed: part of its bytes)
# ids and hashes are random hex: no dictionary; sorted ids share their first digits (delta encoding)
PARQUET_OPTIONS = {
    "compression": "zstd",
    "compression_level": 9,
    "use_dictionary": ["config", "split"],
    "column_encoding": {"id": "DELTA_BYTE_ARRAY", "hash": "DELTA_LENGTH_BYTE_ARRAY"},
    "write_statistics": True,
}


def row_hash(row: dict) -> str:
    """First 12 hex digits of the sha256 of the row's canonical JSON (as every release has recorded it)."""
    text = json.dumps(row, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


# ---------------------------------------------------------------- writing


NARROW = pa.schema([("id", pa.string()), ("hash", pa.string())])


def _hash_split(folder: Path, config: str, split: str, path: Path) -> None:
    """(id, hash) of one split's rows, in file order (= id order), to an Arrow stream file at `path`."""
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, NARROW) as writer:
        for _split, batch in batches(folder, config, splits=(split,)):
            rows = batch.to_pylist()
            writer.write_batch(pa.record_batch([[r["id"] for r in rows], [row_hash(r) for r in rows]], schema=NARROW))
            del rows


def _hashed(path: Path, split: str) -> Iterator[tuple[str, str, str]]:
    """(id, split, hash) from a split's narrow file, a batch at a time."""
    with pa.OSFile(str(path), "rb") as source:
        for batch in pa.ipc.open_stream(source):
            yield from zip(batch.column(0).to_pylist(), itertools.repeat(split), batch.column(1).to_pylist())


def _groups(folder: Path, scratch: Path) -> Iterator[pa.Table]:
    """The record table of a built folder, GROUP_ROWS rows at a time, in (config, id) order."""
    columns: tuple[list, list, list, list] = ([], [], [], [])
    for config in sorted(MODELS):
        for split in SPLITS:
            _hash_split(folder, config, split, scratch / f"{config}-{split}.arrows")
        last = ""
        # ties (an id in two splits: the gate refuses it) fall to split and hash: the order stays total
        for rid, split, digest in heapq.merge(*(_hashed(scratch / f"{config}-{s}.arrows", s) for s in SPLITS)):
            if rid < last:
                raise UserError(f"{folder}/data/{config}: id {rid} comes after {last}: the shards are not in id order",
                                "rebuild the folder with `vncyberdata build` (it writes each split sorted by id)")
            last = rid
            for column, value in zip(columns, (config, split, rid, digest)):
                column.append(value)
            if len(columns[0]) == GROUP_ROWS:
                yield pa.table(list(columns), schema=COLUMNS)
                columns = ([], [], [], [])
    if columns[0]:
        yield pa.table(list(columns), schema=COLUMNS)


def write(folder: Path, path: Path) -> int:
    """Write the record table of the built folder `folder` to `path` (whole or not at all); its row count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    rows = 0
    try:
        with tempfile.TemporaryDirectory(prefix=f".{path.name}.hashes-", dir=path.parent) as scratch, \
                pq.ParquetWriter(tmp, COLUMNS, **PARQUET_OPTIONS) as writer:
            for table in _groups(folder, scratch=Path(scratch)):
                writer.write_table(table, row_group_size=GROUP_ROWS)
                rows += table.num_rows
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return rows


def from_nested(hashes: dict[str, dict[str, dict[str, str]]]) -> pa.Table:
    """config → split → {id: hash} (history format 2 and earlier; small tables in tests) as a record table."""
    rows = sorted((config, rid, split, digest) for config, splits in hashes.items()
                  for split, ids in splits.items() for rid, digest in ids.items())
    columns = [[r[0] for r in rows], [r[2] for r in rows], [r[1] for r in rows], [r[3] for r in rows]]
    return pa.table(columns, schema=COLUMNS)


def recorded(history: Path, record: dict) -> pa.Table | Path:
    """The record table of a history record: its Parquet file (format 3, checked against the recorded
    sha256), or the hashes the JSON holds (format 2 and earlier) as a table."""
    entry = record["records"]
    if record.get("format", 1) <= 2:
        return from_nested(entry)
    path = Path(history) / entry["file"]
    hint = (f"restore the file as {record['version']} recorded it (e.g. `git checkout -- {path}`); "
            "the history of a release is never rewritten")
    if not path.is_file():
        raise UserError(f"{path}: missing; {record['version']}.json records the release's record hashes in it", hint)
    digest = sha256_file(path)
    if digest != entry["sha256"]:
        raise UserError(f"{path}: sha256 {digest} differs from the {entry['sha256']} recorded in {record['version']}.json", hint)
    return path


# ---------------------------------------------------------------- comparing


@dataclass(frozen=True)
class Ids:
    """The records of one kind of change in one config: how many, and the first ids in id order."""

    count: int = 0
    sample: tuple[str, ...] = ()

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def shown(self, n: int = SAMPLE) -> str:
        """Up to `n` ids, then how many more."""
        more = f" and {self.count - n} more" if self.count > n else ""
        return ", ".join(self.sample[:n]) + more


def _per_config() -> dict[str, Ids]:
    return {config: Ids() for config in MODELS}


@dataclass
class Changes:
    added: dict[str, Ids] = field(default_factory=_per_config)
    removed: dict[str, Ids] = field(default_factory=_per_config)
    changed: dict[str, Ids] = field(default_factory=_per_config)
    moved: dict[str, Ids] = field(default_factory=_per_config)  # id changed split: never allowed
    fields_added: dict[str, list[str]] = field(default_factory=dict)
    fields_broken: dict[str, list[str]] = field(default_factory=dict)
    unretracted: dict[str, Ids] = field(default_factory=_per_config)  # removed, and not among the retracted ids

    def level(self) -> str | None:
        if any(self.removed.values()) or any(self.fields_broken.values()):
            return "major"
        if any(self.added.values()) or any(self.fields_added.values()):
            return "minor"
        if any(self.changed.values()):
            return "patch"
        return None

    def reasons(self) -> list[str]:
        out = []
        for name, what in (("removed", "records removed"), ("fields_broken", "fields removed, renamed or retyped"),
                           ("added", "records added"), ("fields_added", "fields added"), ("changed", "records changed")):
            for config, items in getattr(self, name).items():
                if items:
                    out.append(f"{config}: {len(items)} {what}")
        return out


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class Comparison:
    """Two record tables compared in a DuckDB database in `folder`: the table `differences` (config, kind,
    id), one row per record and kind of change (a record can be changed and moved). `retracted` are ids
    whose removal is allowed; `counts` also has the kind "unretracted": removed and not retracted."""

    def __init__(self, old: pa.Table | Path, new: pa.Table | Path, folder: Path, retracted: Iterable[str] = (),
                 limits: Limits = Limits()) -> None:
        self.limits = limits
        self.db = connect(folder, limits)
        try:
            with user_errors(limits):
                self._load(old, new, retracted)
        except BaseException:
            self.db.close()
            raise

    def _load(self, old, new, retracted: Iterable[str]) -> None:
        db = self.db
        arrow = {"retracted": pa.table({"id": pa.array(sorted(set(retracted)), pa.string())})}
        for name, source in (("old_records", old), ("new_records", new)):
            if isinstance(source, pa.Table):
                arrow[name] = source.select(COLUMNS.names).cast(COLUMNS)
            else:
                db.execute(f"CREATE TEMP VIEW {name} AS SELECT config, split, id, hash FROM read_parquet({_quoted(source)})")
        with registered(db, **arrow):
            db.execute("""CREATE OR REPLACE TABLE differences AS
                SELECT config, unnest(kinds) AS kind, id FROM (
                    SELECT coalesce(o.config, n.config) AS config, coalesce(o.id, n.id) AS id,
                        CASE WHEN o.id IS NULL THEN ['added'] WHEN n.id IS NULL THEN ['removed']
                             WHEN o.hash <> n.hash AND o.split <> n.split THEN ['changed', 'moved']
                             WHEN o.hash <> n.hash THEN ['changed'] ELSE ['moved'] END AS kinds
                    FROM old_records o FULL OUTER JOIN new_records n ON o.config = n.config AND o.id = n.id
                    WHERE o.id IS NULL OR n.id IS NULL OR o.hash <> n.hash OR o.split <> n.split)""")
            counted = query(db, f"""
                WITH kinds AS (
                    SELECT config, kind, id FROM differences
                    UNION ALL
                    SELECT config, 'unretracted' AS kind, id FROM differences d
                    WHERE kind = 'removed' AND NOT EXISTS (SELECT 1 FROM retracted r WHERE r.id = d.id))
                SELECT config, kind, count(*) AS n, min(id, {SAMPLE}) AS sample FROM kinds GROUP BY config, kind""")
        self.counts: dict[tuple[str, str], Ids] = {
            (row["config"], row["kind"]): Ids(row["n"], tuple(sorted(row["sample"]))) for row in counted.to_pylist()
        }

    def __len__(self) -> int:
        """How many lines `lines` gives."""
        return sum(ids.count for (config, kind), ids in self.counts.items() if kind in KINDS and config in MODELS)

    def lines(self, rows: int = 65_536) -> Iterator[str]:
        """Every difference as `config<TAB>kind<TAB>id`, in config, kind (as KINDS lists them) and id order."""
        sql = """SELECT config, kind, id FROM differences WHERE list_contains(?, config)
                 ORDER BY list_position(?, config), list_position(?, kind), id"""
        schema = pa.schema([("config", pa.string()), ("kind", pa.string()), ("id", pa.string())])
        with user_errors(self.limits):
            for table in tables(self.db, sql, schema, [list(MODELS), list(MODELS), list(KINDS)], rows):
                for config, kind, rid in zip(*(table.column(n).to_pylist() for n in schema.names)):
                    yield f"{config}\t{kind}\t{rid}"

    def changes(self) -> Changes:
        """The counts and first ids of each kind of change, per config (the fields are left to `compare`)."""
        out = Changes()
        for kind in (*KINDS, "unretracted"):
            per_config = getattr(out, kind)
            for config in MODELS:
                per_config[config] = self.counts.get((config, kind), Ids())
        return out

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Comparison:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def _folder(scratch: Path | None) -> Iterator[Path]:
    if scratch is not None:
        yield Path(scratch)
        return
    with tempfile.TemporaryDirectory(prefix="vncyberdata-compare-") as tmp:
        yield Path(tmp)


def compare(old: pa.Table | Path, new: pa.Table | Path, old_features: dict, new_features: dict,
            retracted: Iterable[str] = (), scratch: Path | None = None, limits: Limits = Limits()) -> Changes:
    """What changed from the record table `old` to `new` (a table or its Parquet file) and from the features
    `old_features` to `new_features`. `retracted`: ids whose removal is allowed (Changes.unretracted counts
    the others). The database goes in `scratch` (a temporary folder if None), within `limits`."""
    with _folder(scratch) as folder, Comparison(old, new, folder, retracted, limits) as comparison:
        changes = comparison.changes()
    for config in MODELS:
        before = {f["name"]: f for f in old_features.get(config, [])}
        after = {f["name"]: f for f in new_features.get(config, [])}
        changes.fields_added[config] = sorted(set(after) - set(before))
        changes.fields_broken[config] = sorted(n for n in before if n not in after or after[n] != before[n])
    return changes
