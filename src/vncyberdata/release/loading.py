"""Loading a built dataset folder with `datasets`, without stale rows and with empty splits.

`datasets` keys its cache on the folder's base name, not its contents, when the card declares `configs`:
a rebuilt folder at the same path would be served from the old cache. The cache used here lives in a
directory named after a fingerprint of the folder's files, so new bytes always mean a new cache.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from ..model import schemas
from ..errors import UserError
from ..offline import ensure_offline
from ..model.record import CONFIGS, SPLITS


def report_rows(folder: Path, table: str) -> list[dict]:
    """The rows of a built folder's report table, "inputs" (every raw file and sidecar read: path, size,
    sha256) or "drops" (every dropped file: step, raw_path, reason, line, message, hint), as dicts.
    The files are `report/<table>.parquet`; DuckDB or pandas read them as well."""
    path = Path(folder) / "report" / f"{table}.parquet"
    if not path.is_file():
        raise UserError(f"{path}: no such report table", "pass a folder written by `vncyberdata build`")
    return pq.read_table(path).to_pylist()


READ_ROWS = 1_000  # a scan turns a batch into Python dicts, many times a row's Arrow size: kept small


def row_groups(folder: Path, config: str, columns: list[str] | None = None,
               splits=SPLITS) -> Iterator[tuple[str, pa.Table]]:
    """A built folder's rows of `config` as (split, one Parquet row group) in split, file and id order: the
    tools that scan a whole dataset (the gate, the statistics, the release's record hashes) hold a row group
    at a time, never a split. (`iter_batches` reads row groups ahead, which raises the peak; see
    docs/benchmarks.md.)"""
    for split in splits:
        for path in sorted((Path(folder) / "data" / config).glob(f"{split}-*.parquet")):
            parquet = pq.ParquetFile(path)
            for group in range(parquet.num_row_groups):
                yield split, parquet.read_row_group(group, columns=columns)


def batches(folder: Path, config: str, columns: list[str] | None = None, splits=SPLITS,
            rows: int = READ_ROWS) -> Iterator[tuple[str, pa.RecordBatch]]:
    """`row_groups` cut into batches of at most `rows` rows (for scans that make Python objects of them)."""
    for split, table in row_groups(folder, config, columns, splits):
        for batch in table.to_batches(max_chunksize=rows):
            yield split, batch


def _fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and (path.suffix == ".parquet" or path.name == "README.md"):
            stat = path.stat()
            digest.update(f"{path.relative_to(folder).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def declared_splits(folder: Path, config: str) -> list[str]:
    card = (folder / "README.md").read_text(encoding="utf-8")
    if not card.startswith("---\n"):
        raise UserError(f"{folder}/README.md has no YAML front matter", "rebuild the folder with `vncyberdata build`")
    meta = yaml.safe_load(card.split("---\n", 2)[1])
    for entry in meta.get("configs", []):
        if entry["config_name"] == config:
            return [f["split"] for f in entry.get("data_files", [])]
    return []


def load_split(path: str | os.PathLike, config: str = "articles", split: str | None = None):
    """A `datasets.Dataset` (one split) or `DatasetDict` (all three splits, empty ones included)."""
    folder = Path(path)
    if config not in CONFIGS:
        raise UserError(f"unknown config {config!r}", f"use one of {', '.join(CONFIGS)}")
    if split is not None and split not in SPLITS:
        raise UserError(f"unknown split {split!r}", f"use one of {', '.join(SPLITS)}")
    if not (folder / "README.md").is_file():
        raise UserError(f"{folder} is not a dataset folder (no README.md)", "build one with `vncyberdata build`")
    ensure_offline()
    import datasets

    cache_dir = Path(os.environ.get("VNCYBERDATA_CACHE", Path.home() / ".cache" / "vncyberdata")) / _fingerprint(folder)
    present = declared_splits(folder, config)
    features = schemas.features(config)

    def one(name: str):
        if name not in present:
            return datasets.Dataset.from_dict({k: [] for k in features}, features=features, split=name)
        return datasets.load_dataset(str(folder), config, split=name, cache_dir=str(cache_dir))

    if split is not None:
        return one(split)
    return datasets.DatasetDict({name: one(name) for name in SPLITS})


PREFIX = "vncyberdata-"  # a published release is the folder PREFIX + version under the releases folder


def parse_version(text: str) -> tuple[int, int, int]:
    parts = text.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise UserError(f"version {text!r} is not MAJOR.MINOR.PATCH", "give a semantic version such as 1.2.0", 2)
    return int(parts[0]), int(parts[1]), int(parts[2])


def release_folder(version: str | None = None, releases_dir: str | os.PathLike = "build/releases") -> Path:
    """The folder of a published release: the given version, or the highest one present."""
    base = Path(releases_dir)
    if version is not None:
        folder = base / f"{PREFIX}{version}"
        if not (folder / "manifest.json").is_file():
            raise UserError(f"release {version} is not in {base}", "run `make release` (it rebuilds a recorded release)")
        return folder
    found = [p for p in base.glob(f"{PREFIX}*") if (p / "manifest.json").is_file()]
    if not found:
        raise UserError(f"no release in {base}", "run `make release` first")
    return max(found, key=lambda p: parse_version(p.name[len(PREFIX) :]))


def load(version: str | None = None, config: str = "articles", split: str | None = None, releases_dir="build/releases"):
    """A published release as `datasets` objects: the latest by default; never stale cached rows."""
    return load_split(release_folder(version, releases_dir), config, split)
