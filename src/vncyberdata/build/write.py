"""Writing a dataset folder: Parquet shards per config and split, the card, the build report.

Everything is written into a temporary sibling folder that replaces the target by rename only when complete,
so a failed or interrupted build never leaves a half-written dataset where a good one was.
Determinism: rows sorted by id, shards cut where the ids say (shards.py), fixed row-group sizes, fixed
compression, schema metadata from the Features only (no pandas or timestamps), pyarrow pinned in
pyproject.toml. A shard the earlier build into the same folder wrote with the same digest is linked, not
written again: the same bytes.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from . import card
from ..model import schemas
from .drops import DROP
from .rows import Rows, canonical
from .shards import Cutter, Earlier, Shard, Split
from ..errors import UserError
from ..intake.raw import sha256_file
from ..model.record import SPLITS

# rows a shard holds on average (shards.py: cut where the ids say, at most 4x as many): an article shard
# ~6 MB on disk, a headline shard (rows of ~200 bytes) ~3 MB
SHARD_ROWS = 2_048
HEADLINE_SHARD_ROWS = 16_384
ROW_GROUP_ROWS = 5_000
WRITERS = 2  # threads writing shards at once (the build's machine has two cores)


@dataclass(frozen=True)
class Layout:
    """How a split is cut into shards and row groups: part of the dataset's format (other values, other
    bytes), so only tests choose others."""

    shard_rows: int = SHARD_ROWS
    headline_shard_rows: int = HEADLINE_SHARD_ROWS
    row_group_rows: int = ROW_GROUP_ROWS

    def rows_for(self, config: str) -> int:
        """The average rows of a shard of `config`."""
        return self.headline_shard_rows if config == "headlines" else self.shard_rows
# The shards' encoding, part of the dataset's format: other options, other bytes. PARQUET_ENCODING numbers it
# for the release history (a rebuild at another encoding cannot reproduce a recorded release's checksums):
# 1 = zstd level 9 (release 1.0.0 and the builds of its time), 2 = zstd level 3 (files ~5 % larger, written
# ~4x faster), 3 = shards cut where the ids say (shards.py), of ~2,048 articles or ~16,384 headlines,
# instead of ~256 MB slices.
PARQUET_ENCODING = 3
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


def format_of(code: str, layout: Layout) -> str:
    """What a shard's bytes depend on besides its rows and schema: the code that made the records (`code`),
    the layout, the encoding and pyarrow's version (shards.salt_of)."""
    return json.dumps([code, layout.shard_rows, layout.headline_shard_rows, layout.row_group_rows,
                       PARQUET_ENCODING, PARQUET_OPTIONS, pa.__version__])


def rows_of(config: str, records: Sequence[BaseModel], layout: Layout = Layout()) -> dict[str, Split]:
    """In-memory records (validated models) per split, cut into shards (none reusable)."""
    schema = schemas.write_schema(config)
    by_split: dict[str, list[dict]] = {}
    for record in sorted(records, key=lambda r: r.id):
        by_split.setdefault(record.split, []).append(record.model_dump(mode="python"))
    out = {}
    for split, rows in by_split.items():
        table = pa.Table.from_pylist(rows, schema=schema)
        shard, _place = Cutter(layout.rows_for(config)).feed(table.column("id").combine_chunks())
        sizes = np.bincount(shard).tolist()
        bounds = np.r_[0, np.cumsum(sizes)].tolist()

        def groups(n: int, table=table, bounds=bounds):
            start, stop = bounds[n], bounds[n + 1]
            for at in range(start, stop, layout.row_group_rows):
                yield canonical(table.slice(at, min(stop, at + layout.row_group_rows) - at))

        out[split] = Split([Shard(n) for n in sizes], groups)
    return out


def write_config(folder: Path, config: str, splits: dict[str, Split] | Sequence[BaseModel],
                 layout: Layout = Layout(), earlier: Earlier | None = None,
                 written: dict[str, dict] | None = None) -> dict[str, dict]:
    """Write `data/<config>/<split>-NNNNN-of-NNNNN.parquet`; return per-split {num_examples, num_bytes, files}.

    Each split is cut into shards where its ids say (shards.py), each shard in row groups of
    `layout.row_group_rows` rows from its start. A shard the earlier build wrote (`Shard.earlier`) is linked
    from it instead of written; each of the others is read and written by one of WRITERS threads (the rows
    of at most WRITERS shards in memory at once).
    `written` gets, per file, its digest, its sha256 and its Arrow size. A split with no records gets no
    file: datasets 5.2 cannot load a zero-row split (docs/dataset.md).
    """
    if not isinstance(splits, dict):
        splits = rows_of(config, splits, layout)
    schema = schemas.write_schema(config)
    written = {} if written is None else written
    info: dict[str, dict] = {}
    target = folder / "data" / config
    target.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(WRITERS) as pool:
        for split in SPLITS:
            part = splits.get(split)
            if part is None or part.count == 0:
                continue
            files = []
            pending: deque = deque()  # shards handed to the writers: (rel, digest, future), in order
            try:
                for n, (shard, name) in enumerate(zip(part.shards, shard_names(split, len(part.shards)), strict=True)):
                    rel = f"data/{config}/{name}"
                    files.append(rel)
                    if shard.earlier is not None:
                        _link(earlier, shard.earlier, target / name)
                        written[rel] = {"digest": shard.digest, "sha256": shard.earlier["sha256"],
                                        "nbytes": shard.earlier["nbytes"]}
                        continue
                    # the writer reads the shard's rows itself: reading one shard's goes on beside writing another's
                    pending.append((rel, shard.digest, pool.submit(_write_shard, target / name, schema,
                                                                    functools.partial(part.groups, n),
                                                                    layout.row_group_rows)))
                    while len(pending) > 2 * WRITERS:  # a few shards queued ahead (a queued shard holds no rows)
                        _written(written, *pending.popleft())
                while pending:
                    _written(written, *pending.popleft())
            finally:
                for *_rest, future in pending:
                    future.cancel()
            info[split] = {"num_examples": part.count, "num_bytes": sum(written[f]["nbytes"] for f in files),
                           "files": files}
    return info


def _write_shard(path: Path, schema: pa.Schema, groups: Callable[[], Iterable[pa.Table]],
                 row_group_rows: int) -> tuple[int, str]:
    """Read and write one shard's row groups (run in a writer thread: Arrow reads, sorts, encodes and
    compresses without the interpreter's lock); its Arrow size and its file's sha256, read back while the
    file is in the page cache."""
    size = 0
    with pq.ParquetWriter(path, schema, **PARQUET_OPTIONS) as writer:
        for table in groups():
            writer.write_table(table, row_group_size=row_group_rows)
            size += table.nbytes
    return size, sha256_file(path)


def _written(written: dict[str, dict], rel: str, digest: str | None, future) -> None:
    size, sha256 = future.result()
    written[rel] = {"digest": digest, "sha256": sha256, "nbytes": size}


def _link(earlier: Earlier, entry: dict, target: Path) -> None:
    try:
        earlier.link(entry, target)
    except OSError as err:
        raise UserError(f"the earlier build's shard {entry['file']} went away while this build ran ({err.strerror})",
                        "run the build again (it writes what it cannot link)") from None


def write_dataset(out: Path, records: dict[str, dict[str, Split] | Sequence[BaseModel]], report: dict,
                  layout: Layout = Layout(), earlier: Earlier | None = None) -> dict:
    """Build the whole folder at `out` atomically; returns the report with splits and outputs filled in.
    With `earlier`, the shards written are recorded for the next build (shards.Earlier.save)."""
    out = Path(out)
    check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        written: dict[str, dict] = {}
        splits = {config: write_config(tmp, config, rows, layout, earlier, written) for config, rows in records.items()}
        report["splits"] = {c: {s: v["num_examples"] for s, v in info.items()} for c, info in splits.items()}
        report["split_info"] = {
            c: {s: {"num_examples": v["num_examples"], "num_bytes": v["num_bytes"]} for s, v in info.items()}
            for c, info in splits.items()
        }
        (tmp / "report").mkdir()
        for key, (name, schema) in REPORT_TABLES.items():
            report[key] = _table_file(tmp, name, report.get(key), schema, key)
        (tmp / "README.md").write_text(card.render(splits, report), encoding="utf-8")
        report["outputs"] = []
        for p in sorted(tmp.rglob("*.parquet")):
            rel = p.relative_to(tmp).as_posix()
            shard = written.get(rel, {})
            shard["sha256"] = shard.get("sha256") or sha256_file(p)  # a shard's is known (written or linked)
            report["outputs"].append({"path": rel, "size": p.stat().st_size, "sha256": shard["sha256"]})
        write_report(tmp / REPORT_NAME, report)
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if earlier is not None:
        earlier.save(written)
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
