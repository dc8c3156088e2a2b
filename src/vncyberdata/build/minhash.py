"""What the build's workers compute of each article for duplicate detection (dedup.py clusters them).

The content hash (sha256 of the canonical, case-folded, punctuation-free body), the MinHash signature
(NUM_PERM permutations, fixed seed) over word SHINGLE_WORDS-shingles of that same text, and its LSH band
keys. A module of its own because the parse cache's fingerprint covers it (cache.py): a change to how the
driver clusters must not invalidate every cached parse.

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

import hashlib

import numba
import numpy as np

from ..parse.normalize import key_text

NUM_PERM = 128
SEED = 1
SIGNATURE_VERSION = 2  # bump whenever a body's signature values change (see the module docstring)
SCHEME = "affine32"  # the datasketch scheme of the same value width (32 bits), for `minhash`'s MinHash objects
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
_BASE_INVERSE = pow(BASE, -1, 1 << 64)
A = np.array([(next(_draws) & 0xFFFFFFFF) | 1 for _ in range(NUM_PERM)], dtype=np.uint32)
B = np.array([next(_draws) & 0xFFFFFFFF for _ in range(NUM_PERM)], dtype=np.uint32)
del _draws

def content_hash(body: str) -> str:
    return key_content_hash(key_text(body))


def key_content_hash(key: str) -> str:
    """The content hash of a key text (a worker computes the key once for the hash and the signature)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def shingles(body: str) -> list[bytes]:
    """The shingles the signature is over, as bytes (what the Jaccard of two bodies is measured on)."""
    words = key_text(body).split()
    if len(words) <= SHINGLE_WORDS:
        return [" ".join(words).encode("utf-8")]
    return [" ".join(words[i : i + SHINGLE_WORDS]).encode("utf-8") for i in range(len(words) - SHINGLE_WORDS + 1)]


_MASK32 = np.uint64(0xFFFFFFFF)
# MurmurHash3's 64-bit finalizer multipliers (a bijection of 64-bit values): the shingle hash and the band keys
_FMIX_1, _FMIX_2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)


@numba.njit(cache=True, nogil=True)
def _signature(data, base, base_inverse, a, b, out):  # pragma: no cover (compiled; tests compare with a reference)
    """The signature of a key text's UTF-8 bytes into `out` (see the module docstring)."""
    n = data.shape[0]
    prefix = np.zeros(n + 1, dtype=np.uint64)  # prefix sums of c_j * BASE^j
    spaces = np.empty(n, dtype=np.int64)
    m = 0
    power = np.uint64(1)
    for j in range(n):
        prefix[j + 1] = prefix[j] + power * np.uint64(data[j])
        power = power * base
        if data[j] == 32:
            spaces[m] = j
            m += 1
    shingles = 1 if m < SHINGLE_WORDS else m - SHINGLE_WORDS + 2
    # the minima as 32-bit values (every text has a shingle, which lowers each from the largest): a loop over
    # the permutations with no branch, which the compiler runs eight lanes at a time
    mins = np.full(out.shape[0], np.uint32(0xFFFFFFFF), dtype=np.uint32)
    inverse = np.uint64(1)  # BASE^-start
    at = 0  # the start that `inverse` is the power of
    for i in range(shingles):
        start = 0 if i == 0 else spaces[i - 1] + 1
        end = spaces[i + SHINGLE_WORDS - 1] if i + SHINGLE_WORDS - 1 < m else n
        while at < start:
            inverse = inverse * base_inverse
            at += 1
        h = (prefix[end] - prefix[start]) * inverse
        h ^= h >> np.uint64(33)  # the MurmurHash3 64-bit finalizer, then the high 32 bits
        h *= _FMIX_1
        h ^= h >> np.uint64(33)
        h *= _FMIX_2
        h ^= h >> np.uint64(33)
        h >>= np.uint64(32)
        for k in range(mins.shape[0]):
            mins[k] = min(mins[k], np.uint32((np.uint64(a[k]) * h + np.uint64(b[k])) & _MASK32))
    for k in range(out.shape[0]):
        out[k] = mins[k]
    return out


def key_signature(key: str) -> np.ndarray:
    """The MinHash values (NUM_PERM uint64) of a key text."""
    out = np.empty(NUM_PERM, dtype=np.uint64)
    return _signature(np.frombuffer(key.encode("utf-8"), dtype=np.uint8), np.uint64(BASE), np.uint64(_BASE_INVERSE), A, B, out)


def signature(body: str) -> np.ndarray:
    """The MinHash values of a body: computed where the record is parsed (a worker), used by `clusters`."""
    return key_signature(key_text(body))


def minhash(body: str, hashvalues=None):
    """The signature of a body (or the given `hashvalues`) as a datasketch MinHash, for datasketch's own
    tools (MinHashLSH, its Jaccard estimate): the values are compared for equality only, so any scheme of
    their width reads them back."""
    from datasketch import MinHash

    values = signature(body) if hashvalues is None else hashvalues
    return MinHash(num_perm=NUM_PERM, seed=SEED, hashvalues=values, scheme=SCHEME)


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
        h *= _FMIX_1
        h ^= h >> np.uint64(33)
        h *= _FMIX_2
        h ^= h >> np.uint64(33)
    return h
