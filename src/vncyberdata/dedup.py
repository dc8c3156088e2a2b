"""Exact and near-duplicate clusters of articles (re-scrapes, syndicated copies of one story).

- Exact duplicates: the same content hash (sha256 of the canonical, case-folded, punctuation-free body).
- Near duplicates: MinHash (datasketch, 128 permutations, fixed seed) over word 5-shingles of that same
  text (minhash.py: what the workers compute), candidates from LSH banding at Jaccard threshold 0.8 (datasketch's bands), each candidate pair
  confirmed by its estimated Jaccard. Clusters are the connected components.
- One canonical record per cluster stays: the most complete text (longest body, then longest lead), ties by
  the smaller id. The others are dropped with a reason. The cluster id is the canonical record's id, so the
  whole cluster lives in that record's split.
Everything is deterministic: records are visited in id order and every set is sorted before use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .minhash import (  # noqa: F401  (re-exported: the names callers know dedup by)
    BAND_ROWS, BANDS, NUM_PERM, SCHEME, SEED, SHINGLE_WORDS, THRESHOLD, band_keys, band_ranges, content_hash,
    minhash, shingles, signature,
)

HOW = ("single", "exact", "near")
PAIRS_AT_ONCE = 1_024  # candidate pairs judged at a time: at most 2,048 signatures (2 MB) in memory


def clusters(records: Iterable[tuple]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(id, body) or (id, body, signature) tuples → ({cluster root: sorted member ids},
    {id: "exact" | "near" | "single"}). The root is the smallest id of the cluster; the caller picks the
    canonical member."""
    rows = sorted(records, key=lambda r: r[0])
    matrix = np.array(
        [given[0] if given else signature(body) for _, body, *given in rows], dtype=np.uint64
    ).reshape(len(rows), NUM_PERM)
    hashes = np.array([bytes.fromhex(content_hash(r[1])) for r in rows], dtype="S32")
    bands = band_keys(matrix)
    root, how = cluster_keys(hashes, np.arange(len(rows)), lambda b: bands[:, b], lambda at: matrix[at])
    names = [r[0] for r in rows]
    groups: dict[str, list[str]] = {}
    for pos, r in enumerate(root.tolist()):
        groups.setdefault(names[r], []).append(names[pos])
    return groups, {name: HOW[h] for name, h in zip(names, how.tolist())}


def cluster_keys(
    hashes: np.ndarray, rows: np.ndarray, band: Callable[[int], np.ndarray], signatures: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Clusters of N records given in ascending id order: their content hashes (N fixed-size byte strings),
    `rows` (where each record's band keys and signature are stored), `band(b)` (band b's key of every
    stored record) and `signatures(rows)` (their MinHash values). Returns per record the position of its
    cluster's root (the smallest position, i.e. id, of the cluster) and an index into HOW.

    A record whose content hash an earlier record has is an exact duplicate of it. The others are
    candidates of each other when one LSH band of their signatures is equal (datasketch's banding for
    THRESHOLD, done here with numpy one band at a time, so no index of every key lives in memory) and
    neighbours when their estimated Jaccard is at least THRESHOLD. A record is "near" when it has a
    neighbour with a smaller id. Memory: a few integer arrays of N, whatever the corpus."""
    n = len(hashes)
    rows = np.asarray(rows, dtype=np.int64)
    parent = first_of_equal(hashes)  # exact duplicates point at the first of their hash
    how = np.where(parent != np.arange(n), 1, 0).astype(np.int8)
    reps = np.flatnonzero(parent == np.arange(n))
    codes = []  # candidate pairs (a, b), a < b, as a * n + b, an array a band: no Python tuple a pair
    for b in range(BANDS):
        band_codes = []
        keys = band(b)[rows[reps]] if len(reps) else np.zeros(0, dtype=np.uint64)
        order = np.argsort(keys, kind="stable")  # stable: members of a bucket stay ascending
        same = keys[order][1:] == keys[order][:-1]  # only buckets of two or more records are visited
        starts = np.flatnonzero(same & ~np.r_[False, same[:-1]])
        for start in starts.tolist():
            stop = start + 1
            while stop < len(same) and same[stop]:
                stop += 1
            members = reps[order[start : stop + 1]]
            first, second = np.triu_indices(len(members), 1)
            band_codes.append(members[first] * n + members[second])
        if band_codes:
            codes.append(np.unique(np.concatenate(band_codes)))
    codes = np.unique(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)  # sorted: (a, b) order
    for at in range(0, len(codes), PAIRS_AT_ONCE):  # the signatures of a block of pairs in memory at a time
        a, b = np.divmod(codes[at : at + PAIRS_AT_ONCE], n)
        involved = np.unique(np.r_[a, b])
        sig = signatures(rows[involved])
        equal = np.count_nonzero(sig[np.searchsorted(involved, a)] == sig[np.searchsorted(involved, b)], axis=1)
        for x, y in zip(a[equal / NUM_PERM >= THRESHOLD].tolist(), b[equal / NUM_PERM >= THRESHOLD].tolist()):
            rx, ry = _find(parent, x), _find(parent, y)
            if rx != ry:
                parent[max(rx, ry)] = min(rx, ry)
            how[y] = 2
    while True:  # every record straight to its root
        jumped = parent[parent]
        if np.array_equal(jumped, parent):
            return parent, how
        parent = jumped


def first_of_equal(hashes: np.ndarray) -> np.ndarray:
    """For N content hashes (S32), the position of the first one equal to each. Grouped on the hashes'
    first 8 bytes (sha256: uniform), sorting 8 bytes a record instead of 32 (np.unique over 32-byte strings
    held ~100 bytes a record, the driver's peak at 3 x 10^5 articles); the full hashes of each group are
    then compared, and a prefix shared by different hashes (never seen: 2^-64 a pair) falls back to the
    exact grouping."""
    n = len(hashes)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    hashes = np.ascontiguousarray(hashes)
    prefix = hashes.view(np.uint64).reshape(n, -1)[:, 0]
    _, first, inverse = np.unique(prefix, return_index=True, return_inverse=True)  # stable: the first is the smallest
    parent = first[inverse.ravel()].astype(np.int64)
    dup = np.flatnonzero(parent != np.arange(n))
    if not np.array_equal(hashes[dup], hashes[parent[dup]]):
        _, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
        parent = first[inverse.ravel()].astype(np.int64)
    return parent


def _find(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = int(parent[x])
    return x
