"""Read-only sequences whose rows live off the Python heap (an Arrow column, batches in a temporary file)
and become Python objects only when read: the build's discovered files, pinned inputs and drop log."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence


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
