"""Tables too large to hold, kept on disk in buckets of a key range: how the build's global steps see
every record while holding one bucket at a time.

A step scatters rows to one file per bucket of their key (a range of a uniform hash, or of a hex id), so
the buckets come out in key order and of about equal size, then reads them back one at a time. `Tables`
holds Arrow tables (an IPC file per bucket, written through open writers); `Arrays` holds fixed-width
numpy records (a raw file per bucket, opened to append and closed again, so any number of buckets can
be written without holding a file descriptor each).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROWS_PER_BUCKET = 32_768  # facts of this many records are what a step holds at a time: its memory, not the corpus's
MAX_BUCKETS = 256  # open writers of one Tables (file descriptors); beyond 256 × ROWS_PER_BUCKET rows (8.4M) buckets grow


def count_for(rows: int, per_bucket: int | None = None, most: int = MAX_BUCKETS) -> int:
    """How many buckets for about `rows` rows, `per_bucket` (default ROWS_PER_BUCKET) in each: one for
    small inputs. The count changes nothing in what the steps produce, only how much they hold at a time."""
    return int(min(most, max(1, -(-rows // (per_bucket or ROWS_PER_BUCKET)))))


def hex_prefix(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The first four hex digits of each string of `column` (lower-case hex ids) as an int in [0, 65536),
    without a Python object per row."""
    four = pc.cast(pc.binary_slice(pc.cast(column, pa.binary()), 0, 4), pa.binary(4))
    if isinstance(four, pa.ChunkedArray):
        four = four.combine_chunks()
    digits = np.frombuffer(four.buffers()[1], dtype=np.uint8, count=4 * len(four), offset=4 * four.offset)
    digits = digits.reshape(-1, 4).astype(np.int64)
    values = np.where(digits >= ord("a"), digits - ord("a") + 10, digits - ord("0"))
    return (values[:, 0] << 12) | (values[:, 1] << 8) | (values[:, 2] << 4) | values[:, 3]


def of_prefix(prefix: np.ndarray, count: int) -> np.ndarray:
    """The bucket of each 16-bit prefix when the prefix range is cut into `count` equal parts."""
    return (np.asarray(prefix, dtype=np.int64) * count) >> 16


def _runs(bucket: np.ndarray) -> tuple[np.ndarray, Iterator[tuple[int, int, int]]]:
    """The stable order that groups rows by bucket, and (bucket, start, stop) of each group in it."""
    order = np.argsort(bucket, kind="stable")
    grouped = bucket[order]
    edges = np.flatnonzero(np.diff(grouped)) + 1
    starts, stops = np.r_[0, edges].tolist(), np.r_[edges, len(grouped)].tolist()
    return order, ((int(grouped[a]), a, b) for a, b in zip(starts, stops) if b > a)


class Blocks:
    """Rows that lie on disk, read `read()` a table at a time, and how many there are (`num_rows`): what
    the build's steps pass each other."""

    def __init__(self, num_rows: int, read: Callable[[], Iterator[pa.Table]]) -> None:
        self.num_rows = num_rows
        self._read = read

    def __iter__(self) -> Iterator[pa.Table]:
        return iter(self._read())


class Tables:
    """Arrow tables in `count` buckets (NAME-BBBB.arrow in `folder`); a bucket keeps the order its rows
    were added in. Iterating closes the writers and reads one bucket at a time, in bucket order."""

    def __init__(self, folder: Path, name: str, schema: pa.Schema, count: int) -> None:
        self.paths = [Path(folder) / f"{name}-{b:04d}.arrow" for b in range(count)]
        self.schema = schema
        self.count = count
        self.num_rows = 0
        self._writers: dict[int, pa.ipc.RecordBatchFileWriter] = {}

    def add(self, table: pa.Table, bucket: np.ndarray | int) -> None:
        """Append the rows of `table` to their buckets (`bucket`: one per row, or one for all)."""
        self.num_rows += table.num_rows
        if isinstance(bucket, int):
            self._write(bucket, table)
            return
        order, runs = _runs(np.asarray(bucket))
        table = table.take(pa.array(order))
        for b, start, stop in runs:
            self._write(b, table.slice(start, stop - start))

    def _write(self, b: int, table: pa.Table) -> None:
        if b not in self._writers:
            self._writers[b] = pa.ipc.new_file(str(self.paths[b]), self.schema)
        self._writers[b].write_table(table)

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()

    def __iter__(self) -> Iterator[pa.Table]:
        self.close()
        for path in self.paths:
            if not path.exists():
                yield self.schema.empty_table()
                continue
            with pa.OSFile(str(path)) as source:  # read, not mapped: mapped pages would count against the process
                yield pa.ipc.open_file(source).read_all()

    def discard(self) -> None:
        """Remove the files (the next step has what it needs)."""
        self.close()
        for path in self.paths:
            path.unlink(missing_ok=True)


class Arrays:
    """Numpy records of a fixed `dtype` in `count` buckets (NAME-BBBB.bin in `folder`), in the order added."""

    def __init__(self, folder: Path, name: str, dtype: np.dtype, count: int) -> None:
        self.paths = [Path(folder) / f"{name}-{b:04d}.bin" for b in range(count)]
        self.dtype = np.dtype(dtype)
        self.count = count

    def add(self, records: np.ndarray, bucket: np.ndarray) -> None:
        order, runs = _runs(np.asarray(bucket))
        records = records[order]
        for b, start, stop in runs:
            with open(self.paths[b], "ab") as fh:
                records[start:stop].tofile(fh)

    def bucket(self, b: int) -> np.ndarray:
        path = self.paths[b]
        return np.fromfile(path, dtype=self.dtype) if path.exists() else np.zeros(0, dtype=self.dtype)

    def discard(self) -> None:
        for path in self.paths:
            path.unlink(missing_ok=True)
