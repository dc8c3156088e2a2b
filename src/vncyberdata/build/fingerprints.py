"""Fingerprints of the code behind what the caches keep (cache.py) and what a shard's digest covers
(shards.py): a digest of source files, data tables and library versions. Its own module so that the build's
driver, which takes the fingerprints once per build and hands them to the workers, loads neither the parser
nor the caches' stores.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata, resources

from ..parse import PARSER_VERSION

# Modules and data files whose content decides what a cached parse holds: every module of the parse stage
# (a page → a record), the model, what a worker adds (the MinHash signature, the Item) and the data tables.
_PARSE_FOLDER = resources.files("vncyberdata").joinpath("parse")
_PARSE_STAGE = tuple(sorted(f"parse/{e.name}" for e in _PARSE_FOLDER.iterdir() if e.name.endswith(".py")))
SOURCES = _PARSE_STAGE + ("model/record.py", "build/minhash.py", "build/sketch.py", "build/item.py",
                          "data/chrome.toml", "data/topics.toml")
_LIBRARIES = ("pydantic", "py3langid", "datasketch", "numpy", "pyahocorasick")


@lru_cache(maxsize=1)
def fingerprint() -> str:
    digest = hashlib.sha256(PARSER_VERSION.encode())
    package = resources.files("vncyberdata")
    for name in SOURCES:
        digest.update(name.encode() + b"\0" + package.joinpath(name).read_bytes())
    for lib in _LIBRARIES:
        digest.update(f"{lib}=={metadata.version(lib)}".encode())
    return digest.hexdigest()[:16]


# What else shapes a cached chunk besides the parse: the store's formats and the schema (its files), how a
# worker task reads files and counts what it did (raw.py, worker.py: the drops and counts it replays).
_CHUNK_SOURCES = ("build/chunks.py", "model/schemas.py", "intake/raw.py", "build/worker.py")


@lru_cache(maxsize=1)
def chunk_fingerprint() -> str:
    digest = hashlib.sha256(fingerprint().encode())
    package = resources.files("vncyberdata")
    for name in _CHUNK_SOURCES:
        digest.update(name.encode() + b"\0" + package.joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


# what else a shard's bytes depend on: the code that gathers the kept rows and writes them (shards.py)
_SHARD_SOURCES = ("build/gather.py", "build/rows.py", "build/shards.py", "build/write.py")


@lru_cache(maxsize=1)
def shard_fingerprint() -> str:
    """The chunk fingerprint and the code that turns the kept records into shards: a digest of a shard
    (shards.py) covers it, so a change to that code writes every shard again."""
    digest = hashlib.sha256(chunk_fingerprint().encode())
    package = resources.files("vncyberdata")
    for name in _SHARD_SOURCES:
        digest.update(name.encode() + b"\0" + package.joinpath(name).read_bytes())
    return digest.hexdigest()[:16]
