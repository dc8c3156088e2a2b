"""What a build worker computes of an article's body for duplicate detection: its content hash (sha256 of the
key text: normalize.key_text, words joined by single spaces) and its MinHash signature over that same
text, in one compiled pass (numba) as minhash.py defines it with its parameters. Only the workers (and the
tools that compare bodies) import this module: it loads the compiled kernels and the parser's normalising.
"""

from __future__ import annotations

import hashlib

import numba
import numpy as np

from ..parse.normalize import key_text
from .minhash import BASE_INVERSE, FMIX_1, FMIX_2, MASK32, A, B, BASE, NUM_PERM, SCHEME, SEED, SHINGLE_WORDS


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
        h *= FMIX_1
        h ^= h >> np.uint64(33)
        h *= FMIX_2
        h ^= h >> np.uint64(33)
        h >>= np.uint64(32)
        for k in range(mins.shape[0]):
            mins[k] = min(mins[k], np.uint32((np.uint64(a[k]) * h + np.uint64(b[k])) & MASK32))
    for k in range(out.shape[0]):
        out[k] = mins[k]
    return out


def key_signature(key: str) -> np.ndarray:
    """The MinHash values (NUM_PERM uint64) of a key text."""
    out = np.empty(NUM_PERM, dtype=np.uint64)
    return _signature(np.frombuffer(key.encode("utf-8"), dtype=np.uint8), np.uint64(BASE), np.uint64(BASE_INVERSE), A, B, out)


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
