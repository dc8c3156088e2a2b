"""The build: raw folder → records → dataset folder.

The pipeline is a list of steps, each taking what the previous one gave and the build report: the first,
parse_files, streams the raw files to the workers, which read each file and its sidecar, pin them (size,
sha256) and parse them (FILE_STEPS), writing the records and their facts to the spill store; it returns
the facts (a row per record) as blocks read from the store, and every later step reads and writes them
a bucket at a time (buckets.py), the corpus's facts never held at once. The driver itself never
reads a raw file. A step that drops an item records why in the report (a reason code, the file, the line
and a hint) instead of raising: one bad raw file never stops the others.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import __version__, buckets, dedup, ids, memory, minhash, schemas, write
from .buckets import Arrays, Blocks, Tables
from .cache import ChunkCache, ParseCache, chunk_fingerprint, fingerprint
from .drops import Drops
from .engines import make_engine
from .errors import UserError
from .parse import PARSER_VERSION, Parsed, Rejection, parse
from .raw import Inputs, RawFile, SidecarError, discover, open_raw, pins_table, sorted_inputs
from .record import LINE_CLASSES, SPLITS
from .item import Item
from .spill import FILES_PER_CHUNK, PLACED, Chunk, Store, canonical, chunk_name, write_chunk, write_pins


@dataclass
class Report:
    """What the build saw and did; written to `build-report.json` (deterministic: no times, no absolute paths)."""

    inputs: Inputs = field(default_factory=lambda: sorted_inputs([]))
    ignored: list[str] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)
    drops: Drops = field(default_factory=Drops)  # on disk but the last few: thousands in a large corpus
    line_classes: Counter = field(default_factory=Counter)
    lines_total: int = 0
    evidence: Counter = field(default_factory=Counter)  # parse.Parsed.evidence codes, over every record
    cache_hits: int = 0  # how the build ran, not what it produced: kept out of build-report.json

    def drop(self, step: str, raw_path: str, code: str, message: str, hint: str, line: int | None = None) -> None:
        self.drops.append(
            {"step": step, "raw_path": raw_path, "reason": code, "line": line, "message": message, "hint": hint}
        )

    def to_dict(self) -> dict:
        return {
            "package_version": __version__,
            "parser_version": PARSER_VERSION,
            "signature_version": minhash.SIGNATURE_VERSION,
            "inputs": self.inputs,
            "ignored": self.ignored,
            "steps": self.steps,
            "dropped": dict(sorted(self.drops.reasons.items())),
            "drops": self.drops,
            "lines": {
                "total": self.lines_total,
                "by_class": {c: self.line_classes.get(c, 0) for c in LINE_CLASSES},
            },
            "evidence": _evidence_counts(self.evidence),
        }


def _evidence_counts(codes: Counter) -> dict:
    """{"title": {"words_in_article": n, ...}, "author": {...}, "differs": {...}}: records per evidence code."""
    out: dict[str, dict[str, int]] = {}
    for code, n in sorted(codes.items()):
        group, _, name = code.partition(":")
        out.setdefault(group, {})[name] = n
    return out


# A step takes what the previous one gave and the report: parse_files takes the raw files, every later step
# takes and returns the facts (one row per record, spill.PLACED) on disk, read a table at a time.
Step = Callable[[Iterable | Blocks | Tables, Report], Blocks | Tables]


@dataclass(frozen=True)
class Options:
    """How the build runs; none of it changes the output bytes."""

    workers: int = 1
    cache_dir: Path | None = None
    progress: bool = False
    engine: str = "local"  # or "ray" (engines.py)
    ray_address: str | None = None


# What a worker does to each file, in order; the report counts files in and out of each (build-report.json
# "steps"), before the steps that run on the facts of every record.
FILE_STEPS = ("read_sidecars", "parse_files")


def _parse_one(job: tuple[str, str, str, str | None, str | None]) -> tuple[str, str, Item | Rejection | SidecarError, bool, list]:
    """Read one raw file and its sidecar and parse them (in a worker process when workers > 1): (raw path,
    the file step it ended at, its result, whether the parse came from the cache, the pins of the files
    read). Everything per-record that the global steps need (signature, content hash, headline ids) is
    computed here, where the work is spread over the workers."""
    root, rel, raw_format, cache_dir, cache_fingerprint = job
    raw, meta, pins = open_raw(root, rel)
    if isinstance(meta, SidecarError):
        return rel, "read_sidecars", meta, False, pins
    cache = ParseCache(Path(cache_dir), cache_fingerprint) if cache_dir else None
    key = ParseCache.key(pins[0][2].hex(), meta.model_dump_json().encode("utf-8"), rel) if cache else None
    if cache and (result := cache.get(key)) is not None:
        return rel, "parse_files", result, True, pins
    result = parse(raw, meta, rel, raw_format=raw_format)
    if isinstance(result, Parsed):
        result = Item.of(result)
    if cache:
        cache.put(key, result)
    return rel, "parse_files", result, False, pins


def _parse_chunk(job: tuple[str, list, pa.Schema, str | None]) -> tuple[Chunk, list[tuple[str, str, Rejection | SidecarError]], int, int]:
    """One worker task: read and parse a run of files and write what came of them to one chunk of the
    store's folder (spill.write_chunk: records, facts, signatures, sightings, and the pins of every file
    read). Returns the chunk's counts, the dropped files as (raw path, file step, why), how many files
    reached the parse and how many parses were cached: nothing per record travels back to the driver.

    With a cache, a run whose files are all unchanged since a cached build is served whole from the chunk
    cache (cache.ChunkCache): its files are read and pinned, not parsed nor written again. On a miss they
    are read a second time to parse (one file's bytes in memory at a time), and the run is cached only if
    both reads pinned the same bytes."""
    chunk_folder, file_jobs, schema, chunk_fp = job
    name = chunk_name(file_jobs[0][1])
    chunks = key = read = None
    if chunk_fp:
        read = [open_raw(root, rel)[1:] for root, rel, *_rest in file_jobs]  # (meta, pins): the bytes let go
        # an unreadable file's message holds the system's words of the moment: such runs are not cached
        if not any(isinstance(meta, SidecarError) and meta.code == "unreadable_file" for meta, _pins in read):
            chunks = ChunkCache(Path(file_jobs[0][3]), chunk_fp)
            read = [pin for _meta, file_pins in read for pin in file_pins]
            key = ChunkCache.key([(rel, raw_format) for _root, rel, raw_format, *_rest in file_jobs], read)
            if (hit := chunks.get(key, Path(chunk_folder), name)) is not None:
                write_pins(Path(chunk_folder), name, pins_table(read))
                chunk, drops, parsed = hit
                return chunk, drops, parsed, parsed
    done = [_parse_one(tuple(j)) for j in file_jobs]
    items = [result for _rel, _step, result, _cached, _pins in done if isinstance(result, Item)]
    pins = [pin for *_rest, file_pins in done for pin in file_pins]
    chunk = write_chunk(Path(chunk_folder), name, items, schema, pins_table(pins))
    drops = [(rel, step, result) for rel, step, result, _cached, _pins in done if not isinstance(result, Item)]
    parsed = sum(step == "parse_files" for _rel, step, _result, _cached, _pins in done)
    cached = sum(c for _rel, _step, _result, c, _pins in done)
    if chunks is not None and pins == read:  # the files did not change between the two reads
        chunks.put(key, Path(chunk_folder), name, (chunk, drops, parsed))
    return chunk, drops, parsed, cached


def _runs(jobs: Iterable[tuple], size: int) -> Iterator[list]:
    """The files in runs for the worker tasks, cut after a file whose path hashes to a multiple of `size`
    (so `size` files a run on average, and at most 4 × size): a cut depends on the path it follows only,
    so a file added or removed changes the run it falls in and no other, and the chunk cache serves the
    rest of a rebuild."""
    run: list = []
    for job in jobs:
        run.append(job)
        cut = int.from_bytes(hashlib.sha256(job[1].encode("utf-8")).digest()[:8], "big") % size == 0
        if cut or len(run) >= 4 * size:
            yield run
            run = []
    if run:
        yield run


def parse_files(files: Iterable[RawFile], report: Report, options: Options, store: Store, total: int = 0) -> pa.Table:
    """Read every file with its sidecar and parse it on the chosen engine (a local process pool, or Ray),
    the records going to the store's chunks; returns the facts of every record (spill.PLACED) in input
    order, so the output depends neither on the engine nor on the number of workers. The workers also pin
    every file they read (path, size, sha256): the report's inputs. `total` (files) sizes the progress bar.

    The step counts itself: one entry in the report's steps per FILE_STEPS step."""
    cache_dir = str(options.cache_dir) if options.cache_dir else None
    # the cache's fingerprint is taken once, here: workers use it even if the sources change mid-build
    fp = fingerprint() if cache_dir else None
    sidecars, parsing = counts = [{"step": step, "in": 0, "out": 0} for step in FILE_STEPS]
    report.steps += counts
    chunk_fp = chunk_fingerprint() if cache_dir else None
    jobs = ((str(f.root), f.rel, f.format, cache_dir, fp) for f in files)
    chunks = ((str(store.chunk_folder), run, store.schema, chunk_fp) for run in _runs(jobs, FILES_PER_CHUNK))
    engine = make_engine(options.engine, options.workers, options.ray_address)
    progress = _progress(options.progress, total)
    try:
        for chunk, drops, parsed, cached in engine.map(_parse_chunk, chunks):
            for rel, step, why in drops:
                report.drop(step, rel, why.code, why.message, why.hint, why.line)
            files_in = parsed + sum(step == "read_sidecars" for _rel, step, _why in drops)
            sidecars["in"] += files_in
            sidecars["out"] += parsed
            parsing["in"] += parsed
            report.cache_hits += cached
            report.lines_total += sum(chunk.line_classes.values())
            report.line_classes.update(chunk.line_classes)
            report.evidence.update(chunk.evidence)
            store.add(chunk)
            if progress is not None:
                progress.update(files_in)
    finally:
        if progress is not None:
            progress.close()
    report.inputs = store.inputs()
    parsing["out"] = store.count
    return Blocks(store.count, store.placed)
parse_files.counts_itself = True


def _progress(show: bool, total: int):
    """A progress bar (rate and ETA) on stderr when `show`, else None."""
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit=" files", desc="parsing", file=sys.stderr)


def keep_vietnamese(facts: Blocks, report: Report, store: Store) -> Tables:
    """The dataset is Vietnamese: pages identified as another language are dropped, with the score. The
    others' facts go to buckets of id ranges (in arrival order within a bucket) for the next steps."""
    out = Tables(store.folder, "facts-vi", PLACED, buckets.count_for(facts.num_rows))
    for block in facts:
        vi = pc.fill_null(pc.equal(block.column("language"), "vi"), False)
        if pc.all(vi).as_py() is False:
            other = block.filter(pc.invert(vi)).column("index").to_numpy()
            for a in store.details(other, ["raw_path", "language", "language_score"]).to_pylist():
                report.drop(
                    "keep_vietnamese",
                    a["raw_path"],
                    "not_vietnamese",
                    f"identified as {a['language']!r} (probability {a['language_score']})",
                    "only Vietnamese pages belong in raw/; remove the file or save the Vietnamese version of the page",
                )
            block = block.filter(vi)
        out.add(block, buckets.of_prefix(buckets.hex_prefix(block.column("id")), out.count))
    return out


def drop_duplicate_ids(facts: Tables, report: Report, store: Store) -> Tables:
    """Two files that parse to the same id are one article: keep the most complete (longest body), ties by
    the raw file's sha256, then its path. A bucket of ids at a time; returns the facts in id order."""
    out = Tables(store.folder, "facts-ids", PLACED, facts.count)
    for b, bucket in enumerate(facts):
        out.add(_one_per_id(bucket, report, store), b)
    facts.discard()
    return out


def _one_per_id(facts: pa.Table, report: Report, store: Store) -> pa.Table:
    """drop_duplicate_ids on the facts of one bucket of ids."""
    order = pc.sort_indices(facts, [("id", "ascending"), ("body_len", "descending"), ("index", "ascending")])
    order = order.to_numpy().copy()
    first = _starts(facts.column("id").take(pa.array(order)))
    if first.all():
        return facts.take(pa.array(order))
    # the records sharing an id, with what breaks their ties read back from the store (few records)
    group = np.cumsum(first) - 1
    shared = np.flatnonzero(np.bincount(group)[group] > 1)
    index = facts.column("index").to_numpy()
    body_len = facts.column("body_len").to_numpy()
    details = store.details(index[order[shared]], ["raw_sha256", "raw_path"]).to_pydict()
    ranked = sorted(range(len(shared)), key=lambda k: (group[shared[k]], -int(body_len[order[shared[k]]]),
                                                      details["raw_sha256"][k], details["raw_path"][k]))
    order[shared] = order[shared][ranked]
    paths = dict(zip(shared.tolist(), (details["raw_path"][k] for k in ranked)))  # position → path, reordered
    ids_ = facts.column("id")
    kept_at = {}
    for at in shared.tolist():
        if first[at]:
            kept_at[group[at]] = paths[at]
            continue
        report.drop(
            "drop_duplicate_ids",
            paths[at],
            "duplicate_id",
            f"same article id {ids_[int(order[at])].as_py()} as {kept_at[group[at]]} (kept: longer body or smaller sha256)",
            "remove one of the two files, or give them distinct sidecar URLs if they are different articles",
        )
    return facts.take(pa.array(order[first]))


def _starts(column: pa.ChunkedArray) -> np.ndarray:
    """Where a run of equal values begins in a sorted column (a boolean per row)."""
    n = len(column)
    if n < 2:
        return np.ones(n, dtype=bool)
    column = column.combine_chunks()
    return np.r_[True, pc.not_equal(column[1:], column[:-1]).to_numpy(zero_copy_only=False)]


HASHES = np.dtype([("hash", "S32"), ("position", "<i8")])
KEYS = np.dtype([("key", "<u8"), ("position", "<i8"), ("index", "<i8")])
KEYS_PER_BUCKET = 65_536  # band keys sorted at a time (1.5 MB)
REPORT_SLICE = 4_096  # dropped duplicates whose report lines are made at a time


def drop_near_duplicates(facts: Tables, report: Report, store: Store) -> Tables:
    """One record per cluster of exact or near duplicates (see dedup.py); the kept record carries its
    cluster (`cluster_size`; its cluster id is its own id). Facts come and go in id order, a record's
    position in that order naming it.

    One pass over the facts scatters each record's content hash to a bucket of hash ranges and its band
    keys to buckets of (band, key range). Exact duplicates are found a hash bucket at a time; candidate
    pairs a key bucket at a time, among the records that are no exact duplicate; the pairs are judged on
    their signatures and the clusters formed over the records named by a link only. Memory: a bucket, and
    the duplicates."""
    n = facts.num_rows
    hashes = Arrays(store.folder, "hashes", HASHES, buckets.count_for(n))
    per_band = buckets.count_for(n, KEYS_PER_BUCKET, most=1 << 16)
    keys = Arrays(store.folder, "bands", KEYS, dedup.BANDS * per_band)
    first = 0
    for table in facts:
        m = table.num_rows
        position = np.arange(first, first + m, dtype=np.int64)
        first += m
        digest = _fixed(table.column("content_hash"), 32)
        records = np.empty(m, dtype=HASHES)
        records["hash"], records["position"] = digest.view("S32").ravel(), position
        hashes.add(records, buckets.of_prefix(digest[:, 0].astype(np.int64) << 8 | digest[:, 1], hashes.count))
        bands = _fixed(table.column("bands"), 8 * dedup.BANDS).view("<u8")
        records = np.empty(m, dtype=KEYS)
        records["position"], records["index"] = position, table.column("index").to_numpy()
        for b in range(dedup.BANDS):
            records["key"] = bands[:, b]
            keys.add(records, b * per_band + buckets.of_prefix(bands[:, b] >> np.uint64(48), per_band))
    links = [dedup.exact_links(part["hash"], part["position"]) for part in map(hashes.bucket, range(hashes.count))]
    hashes.discard()
    dups, firsts = (np.concatenate(side) for side in zip(*links))
    by_dup = np.argsort(dups)
    dups, firsts = dups[by_dup], firsts[by_dup]
    codes, named, index_of = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for b in range(keys.count):
        part = keys.bucket(b)
        part = part[~np.isin(part["position"], dups)]  # exact duplicates are judged by their first
        pairs = dedup.band_pairs(part["key"], part["position"], n)
        if len(pairs):
            codes.append(pairs)
            mine = np.isin(part["position"], np.r_[pairs // n, pairs % n])
            named.append(part["position"][mine])
            index_of.append(part["index"][mine])
    keys.discard()
    codes = np.unique(np.concatenate(codes))
    named, at = np.unique(np.concatenate(named), return_index=True)
    index_of = np.concatenate(index_of)[at]  # the arrival index of each record in a candidate pair
    near = dedup.judge(codes, n, lambda p: store.signature_rows(index_of[np.searchsorted(named, p)]))
    members, root, how = dedup.links_to_clusters(dups, firsts, *near)
    dropped, size_of = _report_near_duplicates(facts, members, root, how, report, store)
    out = Tables(store.folder, "facts-kept", KEPT_FACTS, facts.count)
    first = 0
    for b, table in enumerate(facts):
        position = np.arange(first, first + table.num_rows, dtype=np.int64)
        first += table.num_rows
        size = np.ones(table.num_rows, dtype=np.int64)
        mine = (members >= position[0]) & (members < first) if table.num_rows else np.zeros(0, dtype=bool)
        size[members[mine] - position[0]] = size_of[mine]
        keep = ~np.isin(position, dropped)
        table = table.select(list(KEPT_FACTS.names[:-1])).append_column("cluster_size", pa.array(size))
        out.add(table.filter(pa.array(keep)), b)
    facts.discard()
    return out


def _fixed(column: pa.ChunkedArray, width: int) -> np.ndarray:
    """A fixed-size binary column as a (rows, width) uint8 array."""
    array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    data = np.frombuffer(array.buffers()[1], dtype=np.uint8, count=width * len(array), offset=width * array.offset)
    return data.reshape(len(array), width)


def _report_near_duplicates(facts: Tables, members: np.ndarray, root: np.ndarray, how: np.ndarray,
                            report: Report, store: Store) -> tuple[np.ndarray, np.ndarray]:
    """Keep the most complete text of each cluster (longest body, then lead), ties by the smaller id
    (position); report the others. `members` (sorted positions) are the records in a cluster of two or
    more. Returns the dropped positions (sorted) and each member's cluster size."""
    size = np.bincount(np.searchsorted(members, root), minlength=len(members))[np.searchsorted(members, root)]
    if not len(members):
        return members, size
    got = _at_positions(facts, members, ["id", "index", "body_len", "lead_len"])
    body_len, lead_len = got.column("body_len").to_numpy(), got.column("lead_len").to_numpy()
    local = np.arange(len(members))
    ranked = local[np.lexsort((local, -lead_len, -body_len, root))]
    roots = root[ranked]
    heads = np.r_[True, roots[1:] != roots[:-1]]  # the first (most complete) member of each cluster
    kept_at = ranked[np.maximum.accumulate(np.where(heads, np.arange(len(ranked)), 0))]
    dropped, kept = ranked[~heads], kept_at[~heads]
    named = np.unique(np.r_[dropped, kept])
    index = got.column("index").to_numpy()
    # the paths stay one Arrow column (~30 bytes a record); Python strings are made a slice at a time
    paths = store.details(index[named], ["raw_path"]).column("raw_path")
    ids_ = got.column("id")
    for start in range(0, len(dropped), REPORT_SLICE):
        these, theirs = dropped[start:start + REPORT_SLICE], kept[start:start + REPORT_SLICE]
        path_of = paths.take(pa.array(np.searchsorted(named, these))).to_pylist()
        kept_path = paths.take(pa.array(np.searchsorted(named, theirs))).to_pylist()
        kept_id = ids_.take(pa.array(theirs)).to_pylist()
        for i, (at, other) in enumerate(zip(these.tolist(), theirs.tolist())):
            kind = dedup.HOW[how[at] if how[at] else how[other]]
            report.drop(
                "drop_near_duplicates",
                path_of[i],
                f"{kind}_duplicate",
                f"{'same text' if kind == 'exact' else 'nearly the same text'} as {kept_path[i]} "
                f"(kept: id {kept_id[i]}, the most complete text of a cluster of {size[at]})",
                "nothing to do if it is a re-scrape or a syndicated copy; otherwise make the texts differ",
            )
    return np.sort(members[dropped]), size


def _at_positions(facts: Tables, positions: np.ndarray, columns: list[str]) -> pa.Table:
    """The `columns` of the records at sorted `positions` (in id order across the buckets), in that order."""
    pieces, first = [], 0
    for table in facts:
        stop = first + table.num_rows
        mine = positions[(positions >= first) & (positions < stop)]
        if len(mine):
            pieces.append(table.select(columns).take(pa.array(mine - first)))
        first = stop
    return pa.concat_tables(pieces).combine_chunks()


# What the writers need of a kept record: where it is and its cluster (ids in order, bucket after bucket).
KEPT_FACTS = pa.schema([PLACED.field(name) for name in ("id", "index", "chunk", "row")] + [("cluster_size", pa.int64())])


def pipeline(store: Store, options: Options = Options(), total: int = 0) -> list[Step]:
    """The build's steps in order. parse_files reads and parses the raw files in the workers (FILE_STEPS),
    turning pages into facts, their records going to `store`; the steps after it decide on facts alone.
    Options say how to run, never what to produce."""
    return [
        _bind(parse_files, options=options, store=store, total=total),
        _bind(keep_vietnamese, store=store),
        _bind(drop_duplicate_ids, store=store),
        _bind(drop_near_duplicates, store=store),
    ]


def _bind(step: Callable, **kwargs) -> Step:
    bound = functools.partial(step, **kwargs)
    functools.update_wrapper(bound, step)
    return bound


def run_pipeline(files: Iterable[RawFile], report: Report, steps: list[Step]) -> Blocks | Tables:
    data: Iterable | Blocks | Tables = files
    for step in steps:
        data = _counted(step, data, report)
    return data


def _counted(step: Step, data: Iterable | Blocks | Tables, report: Report) -> Blocks | Tables:
    """Run `step`, recording how many records went in and came out (the step over files counts itself)."""
    if getattr(step, "counts_itself", False):
        return step(data, report)
    counts = {"step": step.__name__, "in": data.num_rows, "out": 0}
    report.steps.append(counts)
    out = step(data, report)
    counts["out"] = out.num_rows
    return out


MAX_PARTS = 128  # partition files per split: the files open at once stay few (3 × 128)
PIECE_ROWS = write.ROW_GROUP_ROWS  # rows sorted at a time when a split's rows are read back from a partition


def _rows_per_partition(largest_split: int) -> int:
    """Rows per partition: whole row groups (one, until a split has more than MAX_PARTS of them), so a row
    group is read from one partition; only a shard boundary inside a row group reads two."""
    groups = max(1, -(-largest_split // write.ROW_GROUP_ROWS))
    return write.ROW_GROUP_ROWS * -(-groups // MAX_PARTS)


PLACES = np.dtype([("chunk", "<i4"), ("row", "<i4"), ("key", "<i8")])


def article_rows(store: Store, kept: Tables) -> dict[str, write.Rows]:
    """The kept articles (their facts in id order, bucket after bucket) as Rows per split in id order.

    Gathering is an external sort: the kept records' places (chunk, row) and partition keys (a run of
    whole row groups of a split, in id order) go to buckets of chunk ranges; one pass over the chunks, in
    order, then copies every kept row to the file of its partition, and the writer reads one partition at
    a time (cut by id into pieces of PIECE_ROWS first where it is larger: beyond MAX_PARTS row groups a
    split), sorts it by id and writes its row groups. Each chunk is read once, each partition once or
    twice; memory holds a bucket of facts, one chunk, one piece, the ids of the partition being cut and
    the rows staged for the partition files, and the cluster sizes above one."""
    counts = np.zeros(len(SPLITS), dtype=np.int64)
    for table in kept:
        counts += np.bincount(_split_codes(table.column("id")), minlength=len(SPLITS))
    per_part = _rows_per_partition(int(counts.max()))
    parts = max(1, -(-int(counts.max()) // per_part))
    chunks = max(1, store.chunks)
    places = Arrays(store.folder, "places", PLACES, buckets.count_for(kept.num_rows))
    seen = np.zeros(len(SPLITS), dtype=np.int64)  # rows of each split placed so far
    clusters: list[list[np.ndarray]] = [[] for _ in SPLITS]  # per split: (position, size) of sizes above one
    for table in kept:
        split_of = _split_codes(table.column("id"))
        position = np.empty(len(split_of), dtype=np.int64)  # each row's place in its split's id order
        for code in range(len(SPLITS)):
            mine = split_of == code
            position[mine] = seen[code] + np.arange(np.count_nonzero(mine))
            seen[code] += np.count_nonzero(mine)
        size = table.column("cluster_size").to_numpy()
        for code in range(len(SPLITS)):
            big = (split_of == code) & (size > 1)
            clusters[code].append(np.stack([position[big], size[big]]))
        records = np.empty(len(split_of), dtype=PLACES)
        records["chunk"], records["row"] = table.column("chunk").to_numpy(), table.column("row").to_numpy()
        records["key"] = split_of.astype(np.int64) * parts + position // per_part
        places.add(records, records["chunk"].astype(np.int64) * places.count // chunks)
    files = store.partition((part["chunk"], part["row"], part["key"]) for part in map(places.bucket, range(places.count)))
    places.discard()
    out = {}
    for code, split in enumerate(SPLITS):
        if not counts[code]:
            continue
        count = int(counts[code])
        sizes = np.concatenate(clusters[code], axis=1)
        offsets = np.r_[np.arange(0, count, per_part), count]  # partition p: offsets[p]..[p+1]
        out[split] = write.Rows(count, _partition_rows(store, store.schema, sizes, offsets, code * parts, files),
                                # gathered row groups hold a subset of the stored rows; each adds at most an
                                # offset and a bitmap byte per column to what the store's chunks measured
                                store.nbytes + 4096 * (count // write.ROW_GROUP_ROWS + 1))
    return out


def _partition_rows(store: Store, schema: pa.Schema, sizes: np.ndarray, offsets: np.ndarray, first_key: int,
                    files: dict) -> Callable[[int, int], pa.Table]:
    """rows(start, stop) of one split, from its partitions, with their clusters: `sizes` holds the split's
    (positions, cluster sizes) of the clusters above one, positions ascending, and a kept record's cluster
    id is its own id. A partition of more than PIECE_ROWS rows is cut into pieces of PIECE_ROWS by id when
    first read (the partitions per split are capped, so they grow with the corpus; a piece does not), and a
    piece is sorted by id when read; the last piece read is kept for the next call while it has rows
    after `stop`."""
    cluster_id, cluster_size = schema.get_field_index("cluster_id"), schema.get_field_index("cluster_size")
    # piece u holds rows [bounds[u], bounds[u + 1]) of the split: the slice `u - first_piece[p]` of partition p
    starts = [np.arange(offsets[p], offsets[p + 1], PIECE_ROWS) for p in range(len(offsets) - 1)]
    first_piece = np.cumsum([0] + [len(s) for s in starts])
    bounds = np.r_[np.concatenate(starts), offsets[-1]]
    part_of = np.repeat(np.arange(len(starts)), [len(s) for s in starts])
    cut: dict[int, list[Path]] = {}
    loaded: dict[int, pa.Table] = {}

    def piece(u: int) -> pa.Table:
        if u not in loaded:
            loaded.clear()
            p = int(part_of[u])
            if first_piece[p + 1] - first_piece[p] == 1:
                path = files[first_key + p]
            else:
                if p not in cut:
                    cut[p] = store.cut_partition(files[first_key + p], PIECE_ROWS)
                path = cut[p][u - first_piece[p]]
            table = store.read_partition(path)
            table = table.take(pc.sort_indices(table, [("id", "ascending")]))
            loaded[u] = canonical(table)
        return loaded[u]

    def rows(start: int, stop: int) -> pa.Table:
        pieces = []
        for u in range(int(np.searchsorted(bounds, start, side="right")) - 1, len(bounds) - 1):
            if bounds[u] >= stop:
                break
            a, b = max(start, bounds[u]) - bounds[u], min(stop, bounds[u + 1]) - bounds[u]
            pieces.append(piece(u).slice(int(a), int(b - a)))
        whole = len(pieces) == 1 and pieces[0].num_rows == len(next(iter(loaded.values())))
        # a whole piece is already canonical (one copy less while a row group is held)
        table = pieces[0] if whole else canonical(pa.concat_tables(pieces))
        pieces.clear()
        if not any(bounds[u + 1] > stop for u in loaded):
            loaded.clear()  # wholly copied out: not held while the writer encodes the row group
        table = table.set_column(cluster_id, schema.field(cluster_id), table.column("id"))
        size_field = schema.field(cluster_size)
        size = np.ones(stop - start, dtype=np.int64)
        a, b = np.searchsorted(sizes[0], [start, stop])
        size[sizes[0][a:b] - start] = sizes[1][a:b]
        return table.set_column(cluster_size, size_field, pa.array(size, size_field.type))

    return rows


SEEN = pa.schema([("headline_id", pa.string()), ("text", pa.string()), ("article_id", pa.string()),
                  ("position", pa.int32())])


def headline_rows(store: Store, kept: Tables) -> dict[str, write.Rows]:
    """One row per distinct related headline on the kept articles, per split in id order; the spelling kept
    is the one on the smallest article id, and `seen_on` lists every sighting by article id and position.

    The store's sighting buckets (ordered by headline id) are sorted one at a time; each bucket's sightings
    go, grouped by headline, to one IPC file per split, and where each headline's run of sightings ends
    to an offsets file per split, so a split's rows are later read back a row group at a time. Memory:
    one bucket and a bit per record (kept or not)."""
    is_kept = np.zeros((store.count + 7) // 8, dtype=np.uint8)  # bit i % 8 of byte i // 8: record i is kept
    for table in kept:
        index = table.column("index").to_numpy()
        np.bitwise_or.at(is_kept, index >> 3, np.left_shift(1, index & 7).astype(np.uint8))
    paths = {split: store.folder / f"headlines-{split}.arrow" for split in SPLITS}
    sightings = dict.fromkeys(SPLITS, 0)
    headlines = dict.fromkeys(SPLITS, 0)
    with contextlib.ExitStack() as stack:  # every file opened is closed, whatever fails
        writers = {split: stack.enter_context(pa.ipc.new_file(str(path), SEEN)) for split, path in paths.items()}
        # offsets file: int64 offsets[g] (g = 0..headlines), the sightings of headline g being offsets[g]..[g + 1]
        ends = {split: stack.enter_context(open(store.folder / f"headlines-{split}.offsets", "wb")) for split in SPLITS}
        for fh in ends.values():
            fh.write(np.zeros(1, dtype=np.int64).tobytes())
        for bucket in store.sighting_buckets():
            record = bucket.column("record").to_numpy()
            mine = pa.array((is_kept[record >> 3] >> (record & 7) & 1).astype(bool))
            seen = pa.table(
                [bucket.column("headline_id").filter(mine), bucket.column("text").filter(mine),
                 bucket.column("article_id").filter(mine), bucket.column("position").filter(mine)],
                schema=SEEN,
            )
            seen = seen.sort_by([("headline_id", "ascending"), ("article_id", "ascending"), ("position", "ascending")])
            seen = seen.combine_chunks()
            starts = np.flatnonzero(_starts(seen.column("headline_id")))
            counts = np.diff(np.r_[starts, seen.num_rows]).astype(np.int64)
            firsts = seen.column("headline_id").take(pa.array(starts)).to_pylist()
            split_code = np.array([SPLITS.index(ids.split_for(h)) for h in firsts], dtype=np.int8)
            per_row = np.repeat(split_code, counts)
            for code, split in enumerate(SPLITS):
                if np.any(split_code == code):
                    writers[split].write_table(seen.filter(pa.array(per_row == code)))
                    runs = counts[split_code == code]
                    ends[split].write((np.cumsum(runs) + sightings[split]).tobytes())
                    sightings[split] += int(runs.sum())
                    headlines[split] += len(runs)
    schema = schemas.write_schema("headlines")

    def rows_of(split: str, count: int) -> write.Rows:
        seen_on = schema.field("seen_on").type

        def rows(start: int, stop: int) -> pa.Table:
            """Headlines [start, stop): each one's sightings are a run of the split's file, so its row is
            the run's first id and text and the run as its `seen_on` list (no Python object per row)."""
            offsets = np.fromfile(ends[split].name, dtype=np.int64, count=stop - start + 1, offset=8 * start)
            part = _read_rows(paths[split], int(offsets[0]), int(offsets[-1])).combine_chunks()
            local = offsets - offsets[0]
            firsts = pa.array(local[:-1])
            sightings = pa.StructArray.from_arrays(
                [part.column("article_id").chunk(0), part.column("position").chunk(0)], fields=list(seen_on.value_type)
            )
            table = pa.table(
                [part.column("headline_id").take(firsts), part.column("text").take(firsts),
                 pa.ListArray.from_arrays(pa.array(local, pa.int32()), sightings, type=seen_on),
                 pa.array([split] * (stop - start), pa.string())],
                schema=schema,
            )
            return canonical(table)

        # a headline row holds its id and text once (as the sightings do) and per sighting an article id,
        # a position and list/struct offsets: within three times the sightings' size plus 64 bytes a row
        bound = 3 * store.sightings_bytes + 64 * count + 4096 * (count // write.ROW_GROUP_ROWS + 1)
        return write.Rows(count, rows, bound)

    return {split: rows_of(split, headlines[split]) for split in SPLITS if headlines[split]}


def _read_rows(path: Path, start: int, stop: int) -> pa.Table:
    """Rows [start, stop) of an IPC file, reading only the record batches that hold them."""
    with pa.OSFile(str(path)) as source:
        reader = pa.ipc.open_file(source)
        pieces, first = [], 0
        for i in range(reader.num_record_batches):
            if first >= stop:
                break
            batch = reader.get_batch(i)
            last = first + batch.num_rows
            if last > start:
                pieces.append(batch.slice(max(0, start - first), min(stop, last) - max(start, first)))
            first = last
        return pa.Table.from_batches(pieces, schema=reader.schema)


def _split_codes(record_ids: pa.ChunkedArray) -> np.ndarray:
    """Each id's split as its index in SPLITS, converting 8,192 ids to Python strings at a time."""
    codes = np.empty(len(record_ids), dtype=np.int8)
    for at in range(0, len(record_ids), 8_192):
        part = record_ids.slice(at, 8_192).to_pylist()
        codes[at : at + len(part)] = [SPLITS.index(ids.split_for(i)) for i in part]
    return codes


def build(raw_dir: Path, out_dir: Path, options: Options = Options()) -> dict:
    """Build the dataset folder `out_dir` from `raw_dir`; returns the report (also written to the folder).

    Memory holds a bucket of facts at a time, never the corpus: records wait in a spill store next to the
    output until they are written, a row group at a time, in id order. The report's `cache_hits` (not
    written to the folder: it would make the report depend on the cache) says how many parses came from
    the cache."""
    _allow_open_files(OPEN_FILES)
    with memory.lean_pool():
        return _build(Path(raw_dir), Path(out_dir), options)


# Files the build may hold open at once: up to buckets.MAX_BUCKETS writers of headline sightings or of
# facts (never both), the headline writers, the pool's pipes. Some systems start processes with 256 (macOS).
OPEN_FILES = 1024


def _allow_open_files(needed: int) -> None:
    """Raise this process's soft limit of open files to `needed` where it is lower and the hard limit
    allows (it stays raised: a process-wide setting, harmless below the hard limit)."""
    try:
        import resource
    except ImportError:  # not a POSIX system: no such limit to raise
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):  # refused: a build that needs more says so (cli: "too many open files")
        pass


def _build(raw_dir: Path, out_dir: Path, options: Options) -> dict:
    if not raw_dir.is_dir():
        raise UserError(f"raw folder {raw_dir} does not exist", "pass --raw DIR pointing at the folder of raw files")
    write.check_replaceable(out_dir)
    files, ignored = discover(raw_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    report = Report(ignored=ignored, drops=Drops(out_dir.parent))
    with tempfile.TemporaryDirectory(prefix=f".{out_dir.name}.spill-", dir=out_dir.parent) as scratch:
        store = Store(Path(scratch), schemas.write_schema("articles"), expected_records=len(files))
        kept = run_pipeline(iter(files), report, pipeline(store, options, total=len(files)))
        # the writers need only where each kept record is and its cluster
        memory.release_unused()
        sources = {"articles": article_rows(store, kept), "headlines": headline_rows(store, kept)}
        kept.discard()
        memory.release_unused()
        written = write.write_dataset(out_dir, sources, report.to_dict())
    return {**written, "cache_hits": report.cache_hits}
