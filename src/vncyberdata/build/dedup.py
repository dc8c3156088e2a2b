"""Exact and near-duplicate clusters of articles (re-scrapes, syndicated copies of one story).

- Exact duplicates: the same content hash (sha256 of the canonical, case-folded, punctuation-free body).
- Near duplicates: MinHash (128 permutations, fixed seed; numpy, minhash.py's SIGNATURE_VERSION) over word
  5-shingles of that same text (sketch.py: what the workers compute), candidates from LSH banding at Jaccard
  threshold 0.8 (datasketch's bands), each candidate pair confirmed by its estimated Jaccard. Clusters are the connected components.
- One canonical record per cluster stays: the most complete text (longest body, then longest lead), ties by
  the smaller id. The others are dropped with a reason. The cluster id is the canonical record's id, so the
  whole cluster lives in that record's split.
Everything is deterministic: records are visited in id order and every set is sorted before use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .minhash import (  # noqa: F401  (re-exported: the names callers know dedup by)
    BAND_ROWS, BANDS, NUM_PERM, SCHEME, SEED, SHINGLE_WORDS, THRESHOLD, band_keys, band_ranges,
)

HOW = ("single", "exact", "near")
PAIRS_AT_ONCE = 1_024  # candidate pairs judged at a time: at most 2,048 signatures (about 2 MB) in memory


def clusters(records: Iterable[tuple], pairs_at_once: int = PAIRS_AT_ONCE) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(id, body) or (id, body, signature) tuples → ({cluster root: sorted member ids},
    {id: "exact" | "near" | "single"}). The root is the smallest id of the cluster; the caller picks the
    canonical member. Candidate pairs are judged `pairs_at_once` at a time. The bodies' signatures and
    content hashes are computed here (sketch.py, loaded on first use: the build's driver imports this
    module and does without the compiled kernels)."""
    from . import sketch

    rows = sorted(records, key=lambda r: r[0])
    matrix = np.array(
        [given[0] if given else sketch.signature(body) for _, body, *given in rows], dtype=np.uint64
    ).reshape(len(rows), NUM_PERM)
    hashes = np.array([bytes.fromhex(sketch.content_hash(r[1])) for r in rows], dtype="S32")
    bands = band_keys(matrix)
    root, how = cluster_keys(hashes, np.arange(len(rows)), lambda b: bands[:, b], lambda at: matrix[at], pairs_at_once)
    names = [r[0] for r in rows]
    groups: dict[str, list[str]] = {}
    for pos, r in enumerate(root.tolist()):
        groups.setdefault(names[r], []).append(names[pos])
    return groups, {name: HOW[h] for name, h in zip(names, how.tolist())}


def cluster_keys(
    hashes: np.ndarray, rows: np.ndarray, band: Callable[[int], np.ndarray], signatures: Callable[[np.ndarray], np.ndarray],
    pairs_at_once: int = PAIRS_AT_ONCE,
) -> tuple[np.ndarray, np.ndarray]:
    """Clusters of N records held in memory, given in ascending id order: their content hashes (N
    fixed-size byte strings), `rows` (where each record's band keys and signature are stored), `band(b)`
    (band b's key of every stored record) and `signatures(rows)` (their MinHash values). Returns per record
    the position of its cluster's root (the smallest position, i.e. id, of the cluster) and an index into
    HOW. The build does the same with queries over its database for the exact duplicates and the pairs,
    and judge and links_to_clusters here (steps.drop_near_duplicates)."""
    n = len(hashes)
    rows = np.asarray(rows, dtype=np.int64)
    positions = np.arange(n)
    dups, firsts = exact_links(hashes, positions)
    reps = np.setdiff1d(positions, dups)
    codes = [band_pairs(band(b)[rows[reps]], reps, n) for b in range(BANDS)]
    near = judge(np.unique(np.concatenate(codes)), n, lambda at: signatures(rows[at]), pairs_at_once)
    members, roots, hows = links_to_clusters(dups, firsts, *near)
    root, how = positions.copy(), np.zeros(n, dtype=np.int8)
    root[members], how[members] = roots, hows
    return root, how


def exact_links(hashes: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact duplicates among records given in ascending position with their content hashes (S32):
    (duplicates, firsts), each record whose hash an earlier one has and the first record with that hash."""
    parent = first_of_equal(hashes)
    dup = np.flatnonzero(parent != np.arange(len(hashes)))
    return positions[dup], positions[parent[dup]]


def band_pairs(keys: np.ndarray, positions: np.ndarray, n: int) -> np.ndarray:
    """Candidate pairs of one band: records (at `positions` < n, no exact duplicate among them) whose band
    `keys` are equal (datasketch's banding for THRESHOLD, done with numpy). Pairs (a, b), a < b, come as
    a * n + b, sorted and unique: an integer a pair, no Python tuple. Only runs of two or more equal keys are
    visited."""
    order = np.lexsort((positions, keys))
    keys, positions = keys[order], np.asarray(positions, dtype=np.int64)[order]
    same = keys[1:] == keys[:-1]
    starts = np.flatnonzero(same & ~np.r_[False, same[:-1]])
    codes = []
    for start in starts.tolist():
        stop = start + 1
        while stop < len(same) and same[stop]:
            stop += 1
        members = positions[start : stop + 1]
        first, second = np.triu_indices(len(members), 1)
        codes.append(members[first] * n + members[second])
    return np.unique(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)


def judge(codes: np.ndarray, n: int, signatures: Callable[[np.ndarray], np.ndarray],
          pairs_at_once: int = PAIRS_AT_ONCE) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs (codes a * n + b, sorted) whose estimated Jaccard is at least THRESHOLD, as
    arrays (a, b); `signatures(positions)` gives the MinHash values of records. The signatures of
    `pairs_at_once` pairs are read at a time."""
    kept_a, kept_b = [], []
    for at in range(0, len(codes), pairs_at_once):
        a, b = np.divmod(codes[at : at + pairs_at_once], n)
        involved = np.unique(np.r_[a, b])
        sig = signatures(involved)
        equal = np.count_nonzero(sig[np.searchsorted(involved, a)] == sig[np.searchsorted(involved, b)], axis=1)
        near = equal / NUM_PERM >= THRESHOLD
        kept_a.append(a[near])
        kept_b.append(b[near])
    if not kept_a:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(kept_a), np.concatenate(kept_b)


def links_to_clusters(dups: np.ndarray, firsts: np.ndarray, near_a: np.ndarray, near_b: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The connected components of the exact links (dup → first) and near pairs (a < b), over the records
    they name only: (members, root, how) with `members` the sorted positions named, each one's root (the
    smallest position of its cluster) and index into HOW (exact: a duplicate of an earlier text; near: it
    has a near neighbour with a smaller position). A record named by no link is a cluster of its own."""
    members = np.unique(np.r_[dups, firsts, near_a, near_b]).astype(np.int64)
    parent = np.arange(len(members))
    how = np.zeros(len(members), dtype=np.int8)
    at_dup = np.searchsorted(members, dups)
    parent[at_dup] = np.searchsorted(members, firsts)  # a first is the earliest of its text: its own root
    how[at_dup] = 1
    for x, y in zip(np.searchsorted(members, near_a).tolist(), np.searchsorted(members, near_b).tolist()):
        rx, ry = _find(parent, x), _find(parent, y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
        how[y] = 2
    while True:  # every member straight to its root
        jumped = parent[parent]
        if np.array_equal(jumped, parent):
            return members, members[parent], how
        parent = jumped


def first_of_equal(hashes: np.ndarray) -> np.ndarray:
    """For N content hashes (S32), the position of the first one equal to each. Grouped on the hashes'
    first 8 bytes (sha256: uniform), sorting 8 bytes a record instead of 32 (np.unique over the 32-byte
    strings held several times their size, enough to set the driver's peak); the full hashes of each group
    are then compared, and a prefix shared by different hashes (never seen: 2^-64 a pair) falls back to the
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
