"""Exact and near-duplicate clusters of articles (re-scrapes, syndicated copies of one story).

- Exact duplicates: the same content hash (sha256 of the canonical, case-folded, punctuation-free body).
- Near duplicates: MinHash (datasketch, 128 permutations, fixed seed) over word 5-shingles of that same
  text, candidates from LSH at Jaccard threshold 0.8, each candidate pair confirmed by its estimated
  Jaccard. Clusters are the connected components.
- One canonical record per cluster stays: the most complete text (longest body, then longest lead), ties by
  the smaller id. The others are dropped with a reason. The cluster id is the canonical record's id, so the
  whole cluster lives in that record's split.
Everything is deterministic: records are visited in id order and every set is sorted before use.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

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


def clusters(records: Iterable[tuple]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(id, body) or (id, body, signature) tuples → ({cluster root: sorted member ids},
    {id: "exact" | "near" | "single"}). The root is the smallest id of the cluster; the caller picks the
    canonical member."""
    from datasketch import MinHashLSH

    uf = _UnionFind()
    how: dict[str, str] = {}
    by_hash: dict[str, str] = {}
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    sketches = {}
    for record_id, body, *given in sorted(records, key=lambda r: r[0]):
        uf.find(record_id)
        how[record_id] = "single"
        digest = content_hash(body)
        if digest in by_hash:
            uf.union(record_id, by_hash[digest])
            how[record_id] = "exact"
            continue
        by_hash[digest] = record_id
        sketch = minhash(body, given[0] if given else None)
        for other in sorted(lsh.query(sketch)):
            if sketch.jaccard(sketches[other]) >= THRESHOLD:
                uf.union(record_id, other)
                how[record_id] = "near"
        lsh.insert(record_id, sketch)
        sketches[record_id] = sketch
    groups: dict[str, list[str]] = {}
    for record_id in sorted(how):
        groups.setdefault(uf.find(record_id), []).append(record_id)
    return groups, how
