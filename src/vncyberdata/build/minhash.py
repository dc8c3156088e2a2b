"""The MinHash parameters every build shares, and the LSH band keys of signatures (numpy only).

The workers compute each article's content hash and MinHash signature (sketch.py); the driver groups
records by band keys and judges the candidate pairs on their signatures (dedup.py, steps.py). The driver
imports this module and never the compiled signature kernel: its own start stays short. The parse cache's
fingerprint covers this module and sketch.py (cache.py): a change to how the driver clusters must not
invalidate every cached parse, and a change to either of these does.

The signature (SIGNATURE_VERSION 2), computed in one compiled pass over the text's bytes (numba):
- the key text (normalize.key_text: words joined by single spaces) as UTF-8 bytes; a shingle is the bytes
  from the start of word i to the end of word i + SHINGLE_WORDS - 1 (" ".join of the words, as before), or
  the whole text when it has no more than SHINGLE_WORDS words;
- each shingle's 64-bit hash: the polynomial sum of its bytes c_0..c_m-1, c_j * BASE^j, modulo 2^64, read
  off prefix sums of c_j * BASE^j over the text times BASE^-start; then the MurmurHash3 64-bit finalizer
  (a bijection that spreads every bit) and its high 32 bits, h;
- permutation k maps h to (A_k * h + B_k) modulo 2^32, A_k odd (a bijection of the 32-bit values: two
  shingles share a value only if they share h), as datasketch's "affine32" scheme does; the signature's
  value k is the minimum over the shingles, held in a uint64.
BASE, A and B come from splitmix64 seeded with SEED. Every step is unsigned integer arithmetic that wraps
modulo 2^64 or 2^32, and bytes are read one at a time: the same values on every machine and process.
SIGNATURE_VERSION 1 (the dataset's release 1.0.0) was datasketch 2.0's MinHash: SHA-1 of each
shingle in a Python loop; its values differ, its estimates are as good (benchmarks/dedup_quality.py).
"""

from __future__ import annotations

import numpy as np

NUM_PERM = 128
SEED = 1
SIGNATURE_VERSION = 2  # bump whenever a body's signature values change (see the module docstring)
SCHEME = "affine32"  # the datasketch scheme of the same value width (32 bits), for sketch.minhash's MinHash objects
SHINGLE_WORDS = 5
THRESHOLD = 0.8


def _splitmix64(state: int):
    mask = (1 << 64) - 1
    while True:
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        yield z ^ (z >> 31)


_draws = _splitmix64(SEED)
BASE = next(_draws) | 1  # odd: invertible modulo 2^64
BASE_INVERSE = pow(BASE, -1, 1 << 64)
A = np.array([(next(_draws) & 0xFFFFFFFF) | 1 for _ in range(NUM_PERM)], dtype=np.uint32)
B = np.array([next(_draws) & 0xFFFFFFFF for _ in range(NUM_PERM)], dtype=np.uint32)
del _draws

MASK32 = np.uint64(0xFFFFFFFF)
# MurmurHash3's 64-bit finalizer multipliers (a bijection of 64-bit values): the shingle hash and the band keys
FMIX_1, FMIX_2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)


BANDS, BAND_ROWS = 9, 13  # what datasketch's MinHashLSH picks for THRESHOLD and NUM_PERM (a test checks);
# written down because asking it means importing scipy, a second of every build


def band_ranges() -> list[tuple[int, int]]:
    """The LSH bands (start, end) over a signature."""
    return [(b * BAND_ROWS, (b + 1) * BAND_ROWS) for b in range(BANDS)]


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """(records, BANDS) uint64: a 64-bit hash of each band of each signature. Records share a key where their
    band is equal; two unequal bands share one with a chance of about 2^-64, which only adds a candidate pair
    that the Jaccard estimate then judges. The hash folds a band's values in one at a time, each step the
    MurmurHash3 finalizer (a bijection of 64-bit values) of the running value xor the next, the band's number
    as the start: numpy over every record and band at once (a chunk's keys in a few array operations)."""
    signatures = np.ascontiguousarray(signatures, dtype=np.uint64).reshape(-1, NUM_PERM)
    bands = signatures[:, : BANDS * BAND_ROWS].reshape(-1, BANDS, BAND_ROWS)
    h = np.broadcast_to(np.arange(1, BANDS + 1, dtype=np.uint64), bands.shape[:2]).copy()
    for r in range(BAND_ROWS):
        h ^= bands[:, :, r]
        h ^= h >> np.uint64(33)
        h *= FMIX_1
        h ^= h >> np.uint64(33)
        h *= FMIX_2
        h ^= h >> np.uint64(33)
    return h
