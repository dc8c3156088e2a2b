"""What the build's workers compute of each article for duplicate detection (dedup.py clusters them).

The content hash (sha256 of the canonical, case-folded, punctuation-free body), the MinHash signature
(datasketch, NUM_PERM permutations, fixed seed) over word SHINGLE_WORDS-shingles of that same text, and its
LSH band keys. A module of its own because the parse cache's fingerprint covers it (cache.py): a change to
how the driver clusters must not invalidate every cached parse.
"""

from __future__ import annotations

import hashlib

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


BANDS, BAND_ROWS = 9, 13  # what datasketch's MinHashLSH picks for THRESHOLD and NUM_PERM (a test checks);
# written down because asking it means importing scipy, a second of every build


def band_ranges() -> list[tuple[int, int]]:
    """The LSH bands (start, end) over a signature."""
    return [(b * BAND_ROWS, (b + 1) * BAND_ROWS) for b in range(BANDS)]


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """(records, BANDS) uint64: a 64-bit BLAKE2b of each band of each signature. Records share a key where
    their band is equal (a collision of two unequal bands, ~2^-64 a pair, only adds a candidate pair that
    the Jaccard estimate then judges)."""
    signatures = np.ascontiguousarray(signatures, dtype=np.uint64).reshape(-1, NUM_PERM)
    out = np.empty((len(signatures), BANDS), dtype=np.uint64)
    for i, row in enumerate(signatures):
        for b, (start, end) in enumerate(band_ranges()):
            out[i, b] = int.from_bytes(hashlib.blake2b(row[start:end].tobytes(), digest_size=8).digest(), "little")
    return out
