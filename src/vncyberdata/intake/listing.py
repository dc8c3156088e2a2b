"""A folder's paths (or any many short strings) held compactly, and rows grouped by equal keys: a pass over a
whole corpus keeps a few bytes per file on its driver, not Python objects.

A `Listing` keeps its strings as they were gathered, a block at a time: each block one `bytes` of UTF-8 and
an array of offsets. Sorting computes a permutation (Arrow's sort over the blocks, read in place) rather than
a sorted copy. A path that is not UTF-8 (Python reads its bytes escaped as lone surrogates) is stored with
those surrogates encoded as themselves ("surrogatepass"), so every path round-trips to the same `str`, and
byte order is code point order, the order in which Python sorts strings. No Python object is converted to
Arrow (`pa.array`): that makes pyarrow import pandas, a cost a validation run has no use for.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BLOCK = 16_384  # strings held as Python objects at a time while a listing is gathered


def walk(root: str | os.PathLike) -> Iterator[tuple[str, bool]]:
    """Every path under root as (relative POSIX path, is a symbolic link), in no set order; hidden names are
    skipped. Directory links are listed, not followed (a link loop cannot hang us); as `os.walk`, a directory
    that cannot be read is skipped. Entries stream from `scandir` (a folder of a million files is never a
    list), and the link test reads the directory entry: no extra system call per path."""
    pending = [(os.fspath(root), "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            entries = os.scandir(folder)
        except OSError:
            continue
        with entries:
            while True:
                try:
                    entry = next(entries)
                except (StopIteration, OSError):  # an error part-way: the rest of the folder cannot be read
                    break
                if entry.name.startswith("."):
                    continue
                rel, link = prefix + entry.name, _is_link(entry)
                if link or not _is_dir(entry):
                    yield rel, link
                else:
                    pending.append((entry.path, rel + "/"))


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()  # follows a link, as os.walk does
    except OSError:
        return False


def _is_link(entry: os.DirEntry) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogatepass")


class Listing:
    """Strings gathered a block at a time, read after `close`; `close(sort=True)` also computes `order`: the
    gathering positions of the strings in code point order."""

    def __init__(self, block: int = BLOCK) -> None:
        self.block = block
        self.order = np.empty(0, np.int64)
        self._size = 0  # strings in the flushed blocks
        self._data: list[bytes] = []
        self._offsets: list[np.ndarray] = []
        self._pending: list[bytes] = []

    def append(self, text: str) -> None:
        self._pending.append(encode(text))
        if len(self._pending) == self.block:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            offsets = np.zeros(len(self._pending) + 1, np.int32)  # a block is far under 2 GiB
            np.cumsum([len(value) for value in self._pending], out=offsets[1:])
            self._data.append(b"".join(self._pending))
            self._offsets.append(offsets)
            self._size += len(self._pending)
            self._pending = []

    def close(self, sort: bool = False) -> Listing:
        self._flush()
        if sort and self._data:
            blocks = [_arrow(data, offsets) for data, offsets in zip(self._data, self._offsets)]
            order = pc.sort_indices(pa.chunked_array(blocks, pa.binary()))
            self.order = np.frombuffer(order.buffers()[1], np.uint64)[order.offset : order.offset + len(order)]
        return self

    def __len__(self) -> int:
        return self._size + len(self._pending)

    def __getitem__(self, i: int) -> bytes:
        """The i-th string gathered, as bytes."""
        block, k = divmod(int(i), self.block)
        offsets = self._offsets[block]
        return self._data[block][offsets[k] : offsets[k + 1]]

    def sorted(self, start: int, stop: int) -> list[str]:
        """The strings at positions start to stop of the sorted order."""
        return [decode(self[i]) for i in self.order[start:stop].tolist()]

    def blocks(self) -> Iterator[list[bytes]]:
        """The strings in gathering order, a block at a time."""
        for data, offsets in zip(self._data, self._offsets):
            bounds = offsets.tolist()
            yield [data[a:b] for a, b in zip(bounds, bounds[1:])]

    def lengths(self) -> np.ndarray:
        return np.concatenate([np.diff(offsets) for offsets in self._offsets]) if self._offsets else np.empty(0, np.int32)


def _arrow(data: bytes, offsets: np.ndarray) -> pa.Array:
    """A block as an Arrow array over its own memory (no copy)."""
    return pa.Array.from_buffers(pa.binary(), len(offsets) - 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def hash_values(listing: Listing) -> np.ndarray:
    """A 64-bit hash of each string of a listing, in gathering order (Python's: the same within a process)."""
    out = np.empty(len(listing), np.int64)
    start = 0
    for block in listing.blocks():
        out[start : start + len(block)] = np.fromiter(map(hash, block), np.int64, len(block))
        start += len(block)
    return out


class Index:
    """Which strings some listings hold, answered without a set of them: their hashes sorted, matched by
    binary search, and each match's bytes compared (so a hash collision cannot give a wrong answer)."""

    def __init__(self, *listings: Listing) -> None:
        self.listings = listings
        hashes = np.concatenate([hash_values(listing) for listing in listings])
        self.order = np.argsort(hashes, kind="stable")
        self.hashes = hashes[self.order]

    def _get(self, i: int) -> bytes:
        for listing in self.listings:
            if i < len(listing):
                return listing[i]
            i -= len(listing)
        raise IndexError(i)

    def holds(self, values: list[bytes]) -> np.ndarray:
        """For each value, whether a listing holds it."""
        mine = np.fromiter(map(hash, values), np.int64, len(values))
        low, high = np.searchsorted(self.hashes, mine, "left"), np.searchsorted(self.hashes, mine, "right")
        found = np.zeros(len(values), bool)
        for i in np.flatnonzero(high > low).tolist():
            found[i] = any(self._get(j) == values[i] for j in self.order[low[i] : high[i]].tolist())
        return found


def repeats(hashes: np.ndarray, key: Callable[[int], object], rows: np.ndarray | None = None) -> list[tuple[int, int]]:
    """(row, first) for each row whose key a smaller row has, `first` the smallest row with that key.
    hashes[i] is a hash of key(rows[i]) (rows ascend; row i when `rows` is None): rows are ordered by hash (a
    stable sort keeps the rows of a hash ascending), and only the rows that share a hash have their keys
    compared."""
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    shared = np.flatnonzero(ordered[1:] == ordered[:-1])
    del ordered
    marked = np.zeros(len(order), bool)
    marked[shared] = marked[shared + 1] = True
    candidates = order[marked]
    del order, marked
    out: list[tuple[int, int]] = []
    run, firsts = None, {}
    for h, row in zip(hashes[candidates].tolist(), (candidates if rows is None else rows[candidates]).tolist()):
        if h != run:
            run, firsts = h, {}
        first = firsts.setdefault(key(row), row)
        if first != row:
            out.append((row, first))
    return out
