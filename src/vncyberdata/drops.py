"""The build's drop log: every file a step dropped, with its reason code, location, message and hint.

A corpus with re-scrapes drops thousands of files (5 % of a synthetic 10^5-article corpus): the entries are
kept in a temporary file as Arrow record batches of BATCH_ROWS, not as dicts in the build's memory, and
read back a batch at a time when the report is written. The per-reason counts stay in memory.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from .lazy import LazySequence

DROP = pa.schema([("step", pa.string()), ("raw_path", pa.string()), ("reason", pa.string()), ("line", pa.int64()),
                  ("message", pa.string()), ("hint", pa.string())])
BATCH_ROWS = 1_000


class Drops(LazySequence):
    """A list of drop entries (dicts with DROP's keys, in that order) that keeps all but the last
    BATCH_ROWS on disk. Entries only ever get appended."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder  # where the temporary file goes (None: the system's temporary folder)
        self._file = None
        self._batches: list[tuple[int, int]] = []  # (offset, size) of each written batch, BATCH_ROWS entries each
        self._buffer: list[dict] = []
        self.reasons: Counter = Counter()

    def append(self, drop: dict) -> None:
        self._buffer.append({name: drop[name] for name in DROP.names})
        self.reasons[drop["reason"]] += 1
        if len(self._buffer) >= BATCH_ROWS:
            self._write_batch()

    def _write_batch(self) -> None:
        """The buffered entries as one IPC stream appended to the temporary file."""
        if self._file is None:
            self._file = tempfile.TemporaryFile(dir=self._folder)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, DROP) as writer:
            writer.write_table(pa.Table.from_pylist(self._buffer, schema=DROP))
        data = sink.getvalue()
        self._file.seek(0, 2)
        self._batches.append((self._file.tell(), data.size))
        self._file.write(data)
        self._buffer.clear()

    def _batch(self, i: int) -> list[dict]:
        offset, size = self._batches[i]
        self._file.seek(offset)
        return pa.ipc.open_stream(self._file.read(size)).read_all().to_pylist()

    def __len__(self) -> int:
        return len(self._batches) * BATCH_ROWS + len(self._buffer)

    def _at(self, i: int) -> dict:
        written = len(self._batches) * BATCH_ROWS
        return dict(self._buffer[i - written]) if i >= written else self._batch(i // BATCH_ROWS)[i % BATCH_ROWS]

    def __iter__(self) -> Iterator[dict]:
        for i in range(len(self._batches)):
            yield from self._batch(i)
        yield from (dict(d) for d in list(self._buffer))

