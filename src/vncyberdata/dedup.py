"""Exact and near-duplicate clusters of articles (re-scrapes, syndicated copies of one story).

- Exact duplicates: the same content hash (sha256 of the canonical, case-folded, punctuation-free body).
- Near duplicates: MinHash (datasketch, 128 permutations, fixed seed) over word 5-shingles of that same
  text, candidates from LSH banding at Jaccard threshold 0.8 (datasketch's bands), each candidate pair
  confirmed by its estimated Jaccard. Clusters are the connected components.
- One canonical record per cluster stays: the most complete text (longest body, then longest lead), ties by
  the smaller id. The others are dropped with a reason. The cluster id is the canonical record's id, so the
  whole cluster lives in that record's split.
Everything is deterministic: records are visited in id order and every set is sorted before use.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

from .normalize import key_text

NUM_PERM = 128
SEED = 1
SCHEME = "affine32"  # datasketch 2.0's default, named so stored signatures are read back the same way
SHINGLE_WORDS = 5
THRESHOLD = 0.8


def content_hash(body: str) -> str:
    return hashlib.sha256(key_text(body).encode("utf-8")).hexdigest()


def shingles(body: str) -> list[bytes]:
    words = key_text(body).split()
    if len(words) <= SHINGLE_WORDS:
        return [" ".join(words).encode("utf-8")]
    return [" ".join(words[i : i + SHINGLE_WORDS]).encode("utf-8") for i in range(len(words) - SHINGLE_WORDS + 1)]


def minhash(body: str, hashvalues=None):
    """The MinHash of a body; from precomputed `hashvalues` (see `signature`) when given."""
    from datasketch import MinHash

    if hashvalues is not None:
        return MinHash(num_perm=NUM_PERM, seed=SEED, hashvalues=hashvalues, scheme=SCHEME)
    m = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    m.update_batch(shingles(body))
    return m


def signature(body: str):
    """The MinHash values of a body: computed where the record is parsed (a worker), used by `clusters`."""
    return minhash(body).hashvalues


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


BANDS, BAND_ROWS = 9, 13  # what datasketch's MinHashLSH picks for THRESHOLD and NUM_PERM (a test checks);
# written down because asking it means importing scipy, a second of every build


def band_ranges() -> list[tuple[int, int]]:
    """The LSH bands (start, end) over a signature."""
    return [(b * BAND_ROWS, (b + 1) * BAND_ROWS) for b in range(BANDS)]


def clusters(records: Iterable[tuple]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(id, body) or (id, body, signature) tuples → ({cluster root: sorted member ids},
    {id: "exact" | "near" | "single"}). The root is the smallest id of the cluster; the caller picks the
    canonical member."""
    rows = sorted(records, key=lambda r: r[0])
    matrix = np.array(
        [given[0] if given else signature(body) for _, body, *given in rows], dtype=np.uint64
    ).reshape(len(rows), NUM_PERM)
    return cluster_signatures([r[0] for r in rows], [content_hash(r[1]) for r in rows], matrix, np.arange(len(rows)))


def cluster_signatures(
    ids: list[str], hashes: list[str], matrix: np.ndarray, rows: np.ndarray
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The clusters of records given in ascending id order, each with its content hash and the row of its
    MinHash signature in `matrix` (which may be a memory map: only one band of the chosen rows is in memory
    at a time).

    A record whose content hash an earlier record has is an exact duplicate of it. The others are
    candidates of each other when one LSH band of their signatures is equal (datasketch's banding for
    THRESHOLD, done here with numpy over the whole matrix rather than one insert at a time, so no index of
    every key lives in memory) and neighbours when their estimated Jaccard is at least THRESHOLD. A record
    is "near" when it has a neighbour with a smaller id."""
    uf = _UnionFind()
    how: dict[str, str] = {}
    first: dict[str, str] = {}
    reps: list[int] = []  # positions (in `ids`) of the first record of each content hash
    for pos, (record_id, digest) in enumerate(zip(ids, hashes, strict=True)):
        uf.find(record_id)
        how[record_id] = "single"
        if digest in first:
            uf.union(record_id, first[digest])
            how[record_id] = "exact"
        else:
            first[digest] = record_id
            reps.append(pos)
    rep_rows = np.asarray(rows, dtype=np.int64)[reps] if reps else np.zeros(0, dtype=np.int64)
    pairs: set[tuple[int, int]] = set()
    for start, end in band_ranges():
        band = np.ascontiguousarray(matrix[rep_rows, start:end]) if len(rep_rows) else np.zeros((0, end - start))
        keys = band.view(np.dtype((np.void, band.dtype.itemsize * (end - start)))).ravel()
        _, label = np.unique(keys, return_inverse=True)
        order = np.argsort(label.ravel(), kind="stable")  # stable: members of a bucket stay ascending
        bounds = np.flatnonzero(np.diff(label.ravel()[order])) + 1
        for members in np.split(order, bounds):
            if len(members) > 1:
                m = members.tolist()
                pairs.update((a, b) for i, a in enumerate(m) for b in m[i + 1 :])
    for a, b in sorted(pairs):
        same = np.count_nonzero(np.asarray(matrix[rep_rows[a]]) == np.asarray(matrix[rep_rows[b]])) / NUM_PERM
        if same >= THRESHOLD:
            uf.union(ids[reps[a]], ids[reps[b]])
            how[ids[reps[b]]] = "near"
    groups: dict[str, list[str]] = {}
    for record_id in sorted(how):
        groups.setdefault(uf.find(record_id), []).append(record_id)
    return groups, how
