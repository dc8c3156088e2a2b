"""What a build worker does: read a run of raw files with their sidecars, parse them (or take them from the
parse and chunk caches) and write what came of them to one chunk of the spill store. Only counts go back
to the driver. The chunk cache's fingerprint covers this module, not the driver's steps (cache.py)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pyarrow as pa

from .cache import ChunkCache, ParseCache
from .item import Item
from ..parse import langid
from ..parse.parse import Parsed, Rejection, finish, prepare
from ..intake.raw import SidecarError, open_raw, pins_table, sidecar_rel
from .chunks import Chunk, chunk_name, write_chunk, write_pins


def parse_many(jobs: list[tuple[str, str, str, str | None, str | None]], opened: list | None = None) -> list[tuple]:
    """Read raw files with their sidecars and parse them (in a worker process when workers > 1): per job, in
    order, (raw path, the file step it ended at, its result, whether the parse came from the cache, the
    pins of the files read, and with a cache the parse's key: what the record is a function of besides the
    code, for the shards' digests). Everything per-record that the global steps need (signature, content hash,
    headline ids) is computed here, where the work is spread over the workers. The pages are prepared one
    by one, then their language samples identified one after the other (the language model's tables stay
    in the processor's cache, where the rest of a parse would push them out between two pages), then
    finished. `opened`: what `open_raw` gave for each job, when the caller has read the files already."""
    caches: dict[tuple, ParseCache] = {}  # the parse cache of the jobs' cache folder, opened once for them all
    try:
        return _parse_many(jobs, caches, opened)
    finally:
        for cache in caches.values():
            cache.close()


def _parse_many(jobs: list[tuple], caches: dict[tuple, ParseCache], opened: list | None) -> list[tuple]:
    done: list = [None] * len(jobs)
    waiting = []  # (position, prepared page, cache, key, pins)
    for n, (root, rel, raw_format, cache_dir, cache_fingerprint) in enumerate(jobs):
        raw, meta, pins = opened[n] if opened is not None else open_raw(root, rel)
        if isinstance(meta, SidecarError):
            done[n] = (rel, "read_sidecars", meta, False, pins, None)
            continue
        cache = None
        if cache_dir:
            if (cache_dir, cache_fingerprint) not in caches:
                caches[cache_dir, cache_fingerprint] = ParseCache(Path(cache_dir), cache_fingerprint)
            cache = caches[cache_dir, cache_fingerprint]
        key = ParseCache.key(pins[0][2].hex(), meta.model_dump_json().encode("utf-8"), rel) if cache else None
        if cache and (result := cache.get(key)) is not None:
            done[n] = (rel, "parse_files", result, True, pins, key)
            continue
        prepared = prepare(raw, meta, rel, raw_format=raw_format, raw_sha256=pins[0][2].hex())
        if isinstance(prepared, Rejection):
            _store(cache, key, prepared)
            done[n] = (rel, "parse_files", prepared, False, pins, key)
        else:
            waiting.append((n, prepared, cache, key, pins))
    languages = [langid.identify(prepared.sample) for _n, prepared, *_rest in waiting]
    for (n, prepared, cache, key, pins), language in zip(waiting, languages, strict=True):
        result = finish(prepared, language)
        result = Item.of(result) if isinstance(result, Parsed) else result
        _store(cache, key, result)
        done[n] = (prepared.raw_path, "parse_files", result, False, pins, key)
    return done


def _store(cache: ParseCache | None, key: str | None, result) -> None:
    if cache:
        cache.put(key, result)


HELD_BYTES = 16 * 1024 * 1024  # raw bytes a task keeps from its first read to parse (more: read again)


def parse_chunk(job: tuple[str, list, pa.Schema, str | None]) -> tuple[Chunk, list[tuple[str, str, Rejection | SidecarError]], int, int]:
    """One worker task: read and parse a run of files and write what came of them to one chunk of the
    store's folder (chunks.write_chunk: records, facts, signatures, sightings, and the pins of every file
    read). Returns the chunk's counts, the dropped files as (raw path, file step, why), how many files
    reached the parse and how many parses were cached: nothing per record travels back to the driver.

    With a cache, a run whose files are all unchanged since a cached build is served whole from the chunk
    cache (cache.ChunkCache): its files are read and pinned, not parsed nor written again. On a miss the
    bytes read are parsed, when the run's raw files hold at most HELD_BYTES; a larger run is read a second
    time to parse (one file's bytes in memory at a time), and cached only if both reads pinned the same
    bytes."""
    chunk_folder, file_jobs, schema, chunk_fp, verify = job
    name = chunk_name(file_jobs[0][1])
    chunks = key = read_pins = opened = None
    if chunk_fp:
        chunks = ChunkCache(Path(file_jobs[0][3]), chunk_fp)
        files = [(rel, raw_format) for _root, rel, raw_format, *_rest in file_jobs]
        stats = _stats(file_jobs)
        stats_key = ChunkCache.stats_key(files, stats) if stats is not None else None
        # the files still have the stats they had when read as these pins: served without reading them
        if stats_key and not verify and (known := chunks.known(stats_key)) and (hit := _served(chunks, *known, job)):
            return hit
        files_read, held = [], 0
        for root, rel, *_rest in file_jobs:
            raw, meta, file_pins = open_raw(root, rel)
            held += len(raw)
            files_read.append((raw if held <= HELD_BYTES else b"", meta, file_pins))  # past the budget: bytes let go
        opened = files_read if held <= HELD_BYTES else None
        # an unreadable file's message holds the system's words of the moment: such runs are not cached
        if any(isinstance(meta, SidecarError) and meta.code == "unreadable_file" for _raw, meta, _pins in files_read):
            chunks = None
        else:
            read_pins = [pin for _raw, _meta, file_pins in files_read for pin in file_pins]
            key = ChunkCache.key(files, read_pins)
            if stats_key and _stats(file_jobs) == stats:  # unchanged while read
                chunks.remember(stats_key, key, read_pins)
            if hit := _served(chunks, key, read_pins, job):
                return hit
    done = parse_many([tuple(j) for j in file_jobs], opened)
    made = [(result, source) for _rel, _step, result, _cached, _pins, source in done if isinstance(result, Item)]
    pins = [pin for *_rest, file_pins, _source in done for pin in file_pins]
    chunk = write_chunk(Path(chunk_folder), name, [item for item, _source in made], schema, pins_table(pins),
                        [source for _item, source in made])
    drops = [(rel, step, result) for rel, step, result, *_rest in done if not isinstance(result, Item)]
    parsed = sum(step == "parse_files" for _rel, step, *_rest in done)
    cached = sum(c for _rel, _step, _result, c, *_rest in done)
    if chunks is not None and pins == read_pins:  # parsed what was pinned (or unchanged between two reads)
        chunk = dataclasses.replace(chunk, key=key)
        chunks.put(key, Path(chunk_folder), name, (chunk, drops, parsed))
    return chunk, drops, parsed, cached


def _served(chunks: ChunkCache, key: str, pins: list, job: tuple) -> tuple | None:
    """The task's result from the chunk cache (its files linked into the chunk folder, the pins written
    beside them), or None on a miss."""
    chunk_folder, file_jobs = Path(job[0]), job[1]
    name = chunk_name(file_jobs[0][1])
    if (hit := chunks.get(key, chunk_folder, name)) is None:
        return None
    write_pins(chunk_folder, name, pins_table(pins))
    chunk, drops, parsed = hit
    return dataclasses.replace(chunk, key=key), drops, parsed, parsed


def _stats(file_jobs: list) -> list[tuple] | None:
    """Per raw file of a run and its sidecar: (size, modification ns, change ns, inode, device), None for a
    missing sidecar; None for the run when a raw file cannot be looked at (reading it will say why)."""
    stats = []
    for root, rel, *_rest in file_jobs:
        try:
            raw = os.stat(os.path.join(root, rel))
        except OSError:
            return None
        try:
            side = os.stat(os.path.join(root, sidecar_rel(rel)))
        except OSError:
            side = None
        stats.append(tuple((s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino, s.st_dev) if s else None
                           for s in (raw, side)))
    return stats
