"""Writing a dataset folder: Parquet shards per config and split, the card, the build report.

Everything is written into a temporary sibling folder that replaces the target by rename only when complete,
so a failed or interrupted build never leaves a half-written dataset where a good one was.
Determinism: rows sorted by id, fixed shard and row-group sizes, fixed compression, schema metadata from
the Features only (no pandas or timestamps), pyarrow pinned in pyproject.toml.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from . import card
from ..model import schemas
from .drops import DROP
from .rows import Rows
from ..errors import UserError
from ..intake.raw import sha256_file
from ..model.record import SPLITS

SHARD_BYTES = 256 * 1024 * 1024  # target in-memory (Arrow) size of one shard; zstd makes it much smaller on disk
ROW_GROUP_ROWS = 5_000


@dataclass(frozen=True)
class Layout:
    """How a split is cut into shards and row groups: part of the dataset's format (other values, other
    bytes), so only tests choose others."""

    shard_bytes: int = SHARD_BYTES
    row_group_rows: int = ROW_GROUP_ROWS
# The shards' encoding, part of the dataset's format: other options, other bytes. PARQUET_ENCODING numbers it
# for the release history (a rebuild at another encoding cannot reproduce a recorded release's checksums):
# 1 = zstd level 9 (release 1.0.0 and the builds of its time), 2 = zstd level 3 (files ~5 % larger, written ~4x faster).
PARQUET_ENCODING = 2
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 3, "use_dictionary": True, "write_statistics": True}
REPORT_NAME = "build-report.json"
# The report's long lists are tables beside it, queryable with DuckDB or pandas: every pinned input (raw file
# or sidecar: path, size, sha256) and every dropped file (step, raw path, reason, line, message, hint).
INPUT_ROWS = pa.schema([("path", pa.string()), ("size", pa.int64()), ("sha256", pa.string())])
REPORT_TABLES = {"inputs": ("report/inputs.parquet", INPUT_ROWS), "drops": ("report/drops.parquet", DROP)}
FIRST_DROPS = 20  # drops repeated in build-report.json, for a reader who opens only the JSON
TABLE_ROWS = 65_536  # rows of a report table turned into Arrow at a time (and one row group each)


def shard_names(split: str, count: int) -> list[str]:
    return [f"{split}-{i:05d}-of-{count:05d}.parquet" for i in range(count)]


def rows_of(config: str, records: Sequence[BaseModel]) -> dict[str, Rows]:
    """In-memory records (validated models) as Rows per split."""
    schema = schemas.write_schema(config)
    by_split: dict[str, list[dict]] = {}
    for record in sorted(records, key=lambda r: r.id):
        by_split.setdefault(record.split, []).append(record.model_dump(mode="python"))
    tables = {split: pa.Table.from_pylist(rows, schema=schema) for split, rows in by_split.items()}
    return {split: Rows(t.num_rows, lambda t=t: [t]) for split, t in tables.items()}


def write_config(folder: Path, config: str, splits: dict[str, Rows] | Sequence[BaseModel],
                 layout: Layout = Layout()) -> dict[str, dict]:
    """Write `data/<config>/<split>-NNNNN-of-NNNNN.parquet`; return per-split {num_examples, num_bytes, files}.

    Shards are consecutive slices of the id order holding about `layout.shard_bytes` of Arrow data each, in whole
    row groups: a first pass sums the Arrow size of the split's row groups (a function of the content
    only), the second writes.
    The first pass is skipped when the source's upper bound shows the split fits in one shard.
    A split with no records gets no file: datasets 5.2 cannot load a zero-row split (docs/dataset.md).
    """
    if not isinstance(splits, dict):
        splits = rows_of(config, splits)
    schema = schemas.write_schema(config)
    info: dict[str, dict] = {}
    target = folder / "data" / config
    target.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        rows = splits.get(split)
        if rows is None or rows.count == 0:
            continue
        if rows.max_bytes is not None and rows.max_bytes <= layout.shard_bytes:
            per_shard = rows.count  # what the sizing pass would find (size <= shard_bytes), without it
        else:
            nbytes = 0
            for table in rows.groups([*range(0, rows.count, layout.row_group_rows), rows.count]):
                nbytes += table.nbytes
                del table  # not held while the next row group is read
            per_shard = max(1, layout.shard_bytes // max(1, nbytes // rows.count))
            if per_shard > layout.row_group_rows:  # whole row groups: a row group is gathered from one partition
                per_shard -= per_shard % layout.row_group_rows
        count = math.ceil(rows.count / per_shard)
        files, nbytes = [], 0
        # row groups of layout.row_group_rows from the start of each shard, read in one pass
        groups = rows.groups(_group_bounds(rows.count, per_shard, layout.row_group_rows))
        for i, name in enumerate(shard_names(split, count)):
            shard_rows = min(rows.count, (i + 1) * per_shard) - i * per_shard
            with pq.ParquetWriter(target / name, schema, **PARQUET_OPTIONS) as writer:
                for _ in range(-(-shard_rows // layout.row_group_rows)):
                    table = next(groups)
                    writer.write_table(table, row_group_size=layout.row_group_rows)
                    nbytes += table.nbytes
                    del table  # not held while the next row group is read
            files.append(f"data/{config}/{name}")
        groups.close()
        info[split] = {"num_examples": rows.count, "num_bytes": nbytes, "files": files}
    return info


def _group_bounds(count: int, per_shard: int, group_rows: int) -> Iterator[int]:
    """Where the row groups of a split begin and end: every `group_rows` rows from each shard's start."""
    yield 0
    for start in range(0, count, per_shard):
        stop = min(count, start + per_shard)
        yield from range(start + group_rows, stop, group_rows)
        yield stop


def write_dataset(out: Path, records: dict[str, dict[str, Rows] | Sequence[BaseModel]], report: dict,
                  layout: Layout = Layout()) -> dict:
    """Build the whole folder at `out` atomically; returns the report with splits and outputs filled in."""
    out = Path(out)
    check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        splits = {config: write_config(tmp, config, rows, layout) for config, rows in records.items()}
        report["splits"] = {c: {s: v["num_examples"] for s, v in info.items()} for c, info in splits.items()}
        report["split_info"] = {
            c: {s: {"num_examples": v["num_examples"], "num_bytes": v["num_bytes"]} for s, v in info.items()}
            for c, info in splits.items()
        }
        (tmp / "report").mkdir()
        for key, (name, schema) in REPORT_TABLES.items():
            report[key] = _table_file(tmp, name, report.get(key), schema, key)
        (tmp / "README.md").write_text(card.render(splits, report), encoding="utf-8")
        report["outputs"] = [
            {"path": p.relative_to(tmp).as_posix(), "size": p.stat().st_size, "sha256": sha256_file(p)}
            for p in sorted(tmp.rglob("*.parquet"))
        ]
        write_report(tmp / REPORT_NAME, report)
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return report


def _table_file(folder: Path, name: str, rows: Rows | None, schema: pa.Schema, key: str) -> dict:
    """Write `rows` (in row groups of TABLE_ROWS) to the Parquet file `name` under `folder`; what the JSON
    report says of it instead: the file, the row count, and for the drops the first FIRST_DROPS."""
    first: list[dict] = []
    with pq.ParquetWriter(str(folder / name), schema, **PARQUET_OPTIONS) as writer:
        if rows is None or not rows.count:
            writer.write_table(schema.empty_table(), row_group_size=TABLE_ROWS)
        else:
            for table in rows.groups([*range(0, rows.count, TABLE_ROWS), rows.count]):
                if key == "drops" and not first:
                    first = table.slice(0, FIRST_DROPS).to_pylist()
                writer.write_table(table.cast(schema), row_group_size=TABLE_ROWS)
    summary = {"file": name, "count": rows.count if rows is not None else 0}
    return {**summary, "first": first} if key == "drops" else summary


def write_report(path: Path, report: dict) -> None:
    """`report` as indented JSON (its long lists are the Parquet tables beside it, see REPORT_TABLES)."""
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def check_replaceable(out: Path) -> None:
    if out.exists() and not (out / REPORT_NAME).exists():
        raise UserError(
            f"refusing to write into {out}: it exists and is not a vncyberdata build folder (no {REPORT_NAME})",
            "pass an --out folder that does not exist yet, or one an earlier build wrote",
        )


def _replace(tmp: Path, out: Path) -> None:
    """Swap the finished folder in: at every moment `out` is either the old build or the new one."""
    if not out.exists():
        os.replace(tmp, out)
        return
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    os.replace(out, old)
    os.replace(tmp, out)
    shutil.rmtree(old, ignore_errors=True)
