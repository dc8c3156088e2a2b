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
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from . import card, schemas
from .errors import UserError
from .raw import sha256_file
from .record import SPLITS

SHARD_BYTES = 256 * 1024 * 1024  # target in-memory (Arrow) size of one shard; on disk zstd makes it ~4x smaller
ROW_GROUP_ROWS = 5_000
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 9, "use_dictionary": True, "write_statistics": True}
REPORT_NAME = "build-report.json"


def shard_names(split: str, count: int) -> list[str]:
    return [f"{split}-{i:05d}-of-{count:05d}.parquet" for i in range(count)]


def shard_rows(table: pa.Table, target_bytes: int | None = None) -> int:
    """Rows per shard so that a shard holds about `target_bytes` of Arrow data (a function of the content
    only, so the same records always give the same shards)."""
    per_row = max(1, table.nbytes // max(1, table.num_rows))
    return max(1, (target_bytes or SHARD_BYTES) // per_row)


def write_config(folder: Path, config: str, records: Sequence[BaseModel]) -> dict[str, dict]:
    """Write `data/<config>/<split>-NNNNN-of-NNNNN.parquet`; return per-split {num_examples, num_bytes, files}.

    A split with no records gets no file: datasets 5.2 cannot load a zero-row split (see README).
    """
    schema = schemas.write_schema(config)
    by_split: dict[str, list[dict]] = {s: [] for s in SPLITS}
    for record in sorted(records, key=lambda r: r.id):
        by_split[record.split].append(record.model_dump(mode="python"))
    info: dict[str, dict] = {}
    target = folder / "data" / config
    target.mkdir(parents=True, exist_ok=True)
    for split, rows in by_split.items():
        if not rows:
            continue
        table = pa.Table.from_pylist(rows, schema=schema)
        per_shard = shard_rows(table)
        count = math.ceil(len(rows) / per_shard)
        files = []
        for i, name in enumerate(shard_names(split, count)):
            pq.write_table(
                table.slice(i * per_shard, per_shard), target / name, row_group_size=ROW_GROUP_ROWS, **PARQUET_OPTIONS
            )
            files.append(f"data/{config}/{name}")
        info[split] = {"num_examples": len(rows), "num_bytes": table.nbytes, "files": files}
    return info


def write_dataset(out: Path, records: dict[str, Sequence[BaseModel]], report: dict) -> dict:
    """Build the whole folder at `out` atomically; returns the report with splits and outputs filled in."""
    out = Path(out)
    _check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        splits = {config: write_config(tmp, config, rows) for config, rows in records.items()}
        report["splits"] = {c: {s: v["num_examples"] for s, v in info.items()} for c, info in splits.items()}
        report["split_info"] = {
            c: {s: {"num_examples": v["num_examples"], "num_bytes": v["num_bytes"]} for s, v in info.items()}
            for c, info in splits.items()
        }
        (tmp / "README.md").write_text(card.render(splits, report), encoding="utf-8")
        report["outputs"] = [
            {"path": p.relative_to(tmp).as_posix(), "size": p.stat().st_size, "sha256": sha256_file(p)}
            for p in sorted(tmp.rglob("*.parquet"))
        ]
        (tmp / REPORT_NAME).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return report


def _check_replaceable(out: Path) -> None:
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
