"""Rows read in order, a table at a time: how the build hands a split (or a report table) to the writer."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class Rows:
    """The records of one split, in id order, as a count and a function that reads them (Arrow tables of
    any size, in order): the writer takes one row group at a time, so a split never has to fit in memory."""

    count: int
    read: Callable[[], Iterable[pa.Table]]

    def groups(self, bounds: Iterable[int]) -> Iterator[pa.Table]:
        """Rows [a, b) for each pair of consecutive `bounds` (ascending, from 0), as fresh contiguous
        tables (`canonical`): the same bytes however the source cut its tables."""
        bounds = iter(bounds)
        start = next(bounds, None)
        if start != 0:
            return
        stop = next(bounds, None)
        pieces, at = [], 0  # rows of the range [start, stop) read so far, and where the next table starts
        source = iter(self.read())
        try:
            for table in source:
                first = 0
                while stop is not None and first < table.num_rows:
                    take = min(table.num_rows - first, stop - (at + first))
                    pieces.append(table.slice(first, take))
                    first += take
                    if at + first == stop:
                        yield canonical(pa.concat_tables(pieces))
                        pieces.clear()
                        start, stop = stop, next(bounds, None)
                at += table.num_rows
                del table  # not held while the next one is read
        finally:  # a source that holds a query open lets it go, even when the caller stops early
            getattr(source, "close", lambda: None)()


def canonical(table: pa.Table) -> pa.Table:
    """A fresh, contiguous copy: the concatenation (with an empty piece, so that even one chunk is copied)
    drops the validity bitmaps a column without nulls may carry, so the Arrow size the shards and the card
    report does not depend on how the rows were read."""
    return pa.concat_tables([table, table.slice(0, 0)]).combine_chunks()
