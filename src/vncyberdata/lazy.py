"""Read-only sequences whose rows live off the Python heap (an Arrow column, batches in a temporary file)
and become Python objects only when read: the build's discovered files, pinned inputs and drop log."""

from __future__ import annotations

import heapq
import itertools
import operator
from collections.abc import Callable, Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc


class LazySequence(Sequence):
    """Indexing, slicing and equality for a sequence that gives `__len__`, `__iter__` and `_at(i)` (row i,
    0 <= i < len). A slice is read by iterating (the sources are read in order, a batch at a time)."""

    def _at(self, i: int):
        raise NotImplementedError

    def __getitem__(self, i):
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self))
            return list(itertools.islice(self, start, stop, step)) if step > 0 else list(self)[i]
        i = operator.index(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._at(i)

    def __eq__(self, other) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None


class SortedRuns(LazySequence):
    """Rows kept as runs, each sorted by its first column, in Arrow record batches fetched one at a time
    (`batch(i)`; `runs` holds the batch indices of each run) and merged when read: reading holds a batch
    per run, never every row. A row is a tuple of its values until `_row` makes it what callers see."""

    def __init__(self, batch: Callable[[int], pa.RecordBatch], runs: list[range], count: int) -> None:
        self._batch = batch
        self._runs = runs
        self._count = count

    def __len__(self) -> int:
        return self._count

    def _at(self, i: int):
        return next(itertools.islice(self, i, None))  # merges up to row i: nothing reads these by index

    def __iter__(self) -> Iterator:
        # heapq.merge is stable: equal keys (two raw files sharing a sidecar) keep the order of the runs
        for values in heapq.merge(*(self._rows(run) for run in self._runs), key=operator.itemgetter(0)):
            yield self._row(values)

    def _rows(self, run: range) -> Iterator[tuple]:
        for i in run:
            yield from zip(*(column.to_pylist() for column in self._batch(i).columns))

    def _row(self, values: tuple):
        return values


def append_run(writer: pa.ipc.RecordBatchFileWriter, table: pa.Table, first: int, rows: int) -> range:
    """Sort `table` by its first column (a stable sort) and append it to `writer` in record batches of at
    most `rows` rows, the first of them being batch `first` of the file: a run of a SortedRuns. Returns
    the run's batch indices."""
    table = table.take(pc.sort_indices(table, [(table.schema.names[0], "ascending")]))
    count = 0
    for batch in table.to_batches(max_chunksize=rows):
        writer.write_batch(batch)
        count += 1
    return range(first, first + count)
