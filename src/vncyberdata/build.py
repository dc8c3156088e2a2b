"""The build: raw folder → records → dataset folder.

The pipeline is a list of steps; each step takes an iterator of items and the build report and yields
items. A step that drops an item records why in the report (a reason code, the file, the line and a hint)
instead of raising: one bad raw file never stops the others.
"""

from __future__ import annotations

import functools
import hashlib
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import __version__, dedup, ids, schemas, write
from .cache import ParseCache, fingerprint
from .engines import make_engine
from .errors import UserError
from .parse import PARSER_VERSION, Parsed, Rejection, parse
from .raw import SIDECAR_SUFFIX, RawFile, SidecarError, checksums, discover, read_sidecar
from .record import LINE_CLASSES, SPLITS, RawMeta
from .spill import FILES_PER_CHUNK, Fact, Item, Placed, Store, write_chunk


@dataclass
class Report:
    """What the build saw and did; written to `build-report.json` (deterministic: no times, no absolute paths)."""

    inputs: list[dict] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)
    drops: list[dict] = field(default_factory=list)
    line_classes: Counter = field(default_factory=Counter)
    lines_total: int = 0
    cache_hits: int = 0  # how the build ran, not what it produced: kept out of build-report.json

    def drop(self, step: str, raw_path: str, code: str, message: str, hint: str, line: int | None = None) -> None:
        self.drops.append(
            {"step": step, "raw_path": raw_path, "reason": code, "line": line, "message": message, "hint": hint}
        )

    def to_dict(self) -> dict:
        return {
            "package_version": __version__,
            "parser_version": PARSER_VERSION,
            "inputs": self.inputs,
            "ignored": self.ignored,
            "steps": self.steps,
            "dropped": dict(sorted(Counter(d["reason"] for d in self.drops).items())),
            "drops": self.drops,
            "lines": {
                "total": self.lines_total,
                "by_class": {c: self.line_classes.get(c, 0) for c in LINE_CLASSES},
            },
        }


Step = Callable[[Iterable, Report], Iterator]


def read_sidecars(files: Iterable[RawFile], report: Report) -> Iterator[tuple[RawFile, RawMeta]]:
    for f in files:
        meta = read_sidecar(f.sidecar)
        if isinstance(meta, SidecarError):
            report.drop("read_sidecars", f.rel, meta.code, f"{f.sidecar.name}: {meta.message}", meta.hint, meta.line)
        else:
            yield f, meta


@dataclass(frozen=True)
class Options:
    """How the build runs; none of it changes the output bytes."""

    workers: int = 1
    cache_dir: Path | None = None
    progress: bool = False
    engine: str = "local"  # or "ray" (engines.py)
    ray_address: str | None = None


def _parse_one(job: tuple[str, str, str, str, str | None, str | None, str | None]) -> tuple[str, Item | Rejection, bool]:
    """Parse one raw file (in a worker process when workers > 1): (raw path, result, whether it was cached).
    Everything per-record that the global steps need (signature, content hash, headline ids) is computed
    here, where the work is spread over the workers. With the sha256 the build already took of the file,
    a cache hit does not even read the file."""
    path, rel, raw_format, sidecar_text, cache_dir, known_sha, cache_fingerprint = job
    cache = ParseCache(Path(cache_dir), cache_fingerprint) if cache_dir else None
    sidecar = sidecar_text.encode("utf-8")
    if cache and known_sha and (result := cache.get(ParseCache.key(known_sha, sidecar, rel))) is not None:
        return rel, result, True
    raw = Path(path).read_bytes()
    result = parse(raw, RawMeta.model_validate_json(sidecar_text), rel, raw_format=raw_format)
    if isinstance(result, Parsed):
        result = Item.of(result)
    if cache:  # keyed by the bytes parsed, in case the file changed since it was checksummed
        cache.put(ParseCache.key(hashlib.sha256(raw).hexdigest(), sidecar, rel), result)
    return rel, result, False


def _parse_chunk(job: tuple[str, list]) -> tuple[str, int, list[tuple[str, Placed | Rejection, bool]]]:
    """One worker task: parse a run of files, write their records to one chunk of the store's folder, and
    return (chunk name, its Arrow size, per file (raw path, Placed or Rejection, cached)). Only the compact
    Placed results travel back to the driver, never the text."""
    chunk_folder, file_jobs, schema = job
    parsed = [_parse_one(tuple(j)) for j in file_jobs]
    items = [result for _rel, result, _cached in parsed if isinstance(result, Item)]
    name, nbytes, placed = write_chunk(Path(chunk_folder), items, schema)
    placed_iter = iter(placed)
    outcomes = [(rel, next(placed_iter) if isinstance(r, Item) else r, cached) for rel, r, cached in parsed]
    return name, nbytes, outcomes


def parse_files(
    items: Iterable[tuple[RawFile, RawMeta]], report: Report, options: Options, store: Store
) -> Iterator[Fact]:
    """Parse every file on the chosen engine (a local process pool, or Ray), the records going to the
    store's chunks; yields each record's facts. Results come back in input order, so the output depends
    neither on the engine nor on the number of workers."""
    known = {row["path"]: row["sha256"] for row in report.inputs if not row["path"].endswith(SIDECAR_SUFFIX)}
    cache_dir = str(options.cache_dir) if options.cache_dir else None
    # the cache's fingerprint is taken once, here: workers use it even if the sources change mid-build
    fp = fingerprint() if cache_dir else None
    jobs = ((str(f.path), f.rel, f.format, meta.model_dump_json(), cache_dir, known.get(f.rel), fp) for f, meta in items)
    chunks = ((str(store.chunk_folder), batch, store.schema) for batch in _batched(jobs, FILES_PER_CHUNK))
    engine = make_engine(options.engine, options.workers, options.ray_address)
    progress = _progress(options.progress, sum(not r["path"].endswith(SIDECAR_SUFFIX) for r in report.inputs))
    try:
        for name, nbytes, outcomes in engine.map(_parse_chunk, chunks):
            if name:
                store.add_chunk(name, nbytes)
            for rel, result, cached in outcomes:
                report.cache_hits += cached
                if isinstance(result, Rejection):
                    report.drop("parse_files", rel, result.code, result.message, result.hint, result.line)
                    continue
                report.lines_total += len(result.line_classes)
                report.line_classes.update(result.line_classes)
                yield store.add(result)
            if progress is not None:
                progress.update(len(outcomes))
    finally:
        if progress is not None:
            progress.close()


def _batched(items: Iterable, size: int) -> Iterator[list]:
    items = iter(items)
    while batch := list(islice(items, size)):
        yield batch


def _progress(show: bool, total: int):
    """A progress bar (rate and ETA) on stderr when `show`, else None."""
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit=" files", desc="parsing", file=sys.stderr)


def drop_duplicate_ids(items: Iterable[Fact], report: Report) -> Iterator[Fact]:
    """Two files that parse to the same id are one article: keep the most complete, ties by sha256."""
    by_id: dict[str, list[Fact]] = {}
    for item in items:
        by_id.setdefault(item.id, []).append(item)
    for record_id in sorted(by_id):
        group = sorted(by_id[record_id], key=lambda f: (-f.body_len, f.raw_sha256, f.raw_path))
        kept = group[0]
        for other in group[1:]:
            report.drop(
                "drop_duplicate_ids",
                other.raw_path,
                "duplicate_id",
                f"same article id {record_id} as {kept.raw_path} (kept: longer body or smaller sha256)",
                "remove one of the two files, or give them distinct sidecar URLs if they are different articles",
            )
        yield kept


def keep_vietnamese(items: Iterable[Fact], report: Report) -> Iterator[Fact]:
    """The dataset is Vietnamese: pages identified as another language are dropped, with the score."""
    for a in items:
        if a.language == "vi":
            yield a
        else:
            report.drop(
                "keep_vietnamese",
                a.raw_path,
                "not_vietnamese",
                f"identified as {a.language!r} (probability {a.language_score})",
                "only Vietnamese pages belong in raw/; remove the file or save the Vietnamese version of the page",
            )


def drop_near_duplicates(items: Iterable[Fact], report: Report, store: Store) -> Iterator[Fact]:
    """One record per cluster of exact or near duplicates (see dedup.py); the cluster is recorded on it."""
    facts = {f.id: f for f in items}  # ids are unique here (drop_duplicate_ids)
    order = sorted(facts)
    groups, how = dedup.cluster_signatures(
        order, [facts[i].content_hash for i in order], store.signatures(), np.array([facts[i].index for i in order])
    )
    for root in sorted(groups):
        members = [facts[m] for m in groups[root]]
        members.sort(key=lambda f: (-f.body_len, -f.lead_len, f.id))
        kept = members[0]
        for other in members[1:]:
            kind = how[other.id] if how[other.id] != "single" else how[kept.id]
            report.drop(
                "drop_near_duplicates",
                other.raw_path,
                f"{kind}_duplicate",
                f"{'same text' if kind == 'exact' else 'nearly the same text'} as {kept.raw_path} "
                f"(kept: id {kept.id}, the most complete text of a cluster of {len(members)})",
                "nothing to do if it is a re-scrape or a syndicated copy; otherwise make the texts differ",
            )
        kept.cluster_id, kept.cluster_size = kept.id, len(members)
        yield kept


def pipeline(store: Store, options: Options = Options()) -> list[Step]:
    """The build's steps in order. parse_files turns pages into facts, their records going to `store`; the
    steps after it decide on facts alone. Options say how to run, never what to produce."""
    return [
        read_sidecars,
        _bind(parse_files, options=options, store=store),
        keep_vietnamese,
        drop_duplicate_ids,
        _bind(drop_near_duplicates, store=store),
    ]


def _bind(step: Callable, **kwargs) -> Step:
    bound = functools.partial(step, **kwargs)
    functools.update_wrapper(bound, step)
    return bound


def run_pipeline(files: Iterable[RawFile], report: Report, steps: list[Step]) -> list[Fact]:
    stream: Iterable = files
    for step in steps:
        stream = _counted(step, stream, report)
    return list(stream)


def _counted(step: Step, items: Iterable, report: Report) -> Iterator:
    counts = {"step": step.__name__, "in": 0, "out": 0}
    report.steps.append(counts)

    def counting_in() -> Iterator:
        for item in items:
            counts["in"] += 1
            yield item

    for out in step(counting_in(), report):
        counts["out"] += 1
        yield out


def article_rows(store: Store, kept: list[Fact]) -> write.Rows:
    """The kept articles of one split, in id order, gathered from the store a row group at a time."""
    kept = sorted(kept, key=lambda f: f.id)
    schema = store.schema

    def rows(start: int, stop: int) -> pa.Table:
        part = kept[start:stop]
        table = store.take([(f.chunk, f.row) for f in part])
        for name, values in (("cluster_id", [f.cluster_id for f in part]), ("cluster_size", [f.cluster_size for f in part])):
            i = schema.get_field_index(name)
            table = table.set_column(i, schema.field(i), pa.array(values, schema.field(i).type))
        return table

    # gathered row groups hold a subset of the stored rows; each adds at most an offset and a bitmap byte per
    # column to what the store's chunks measured
    return write.Rows(len(kept), rows, store.nbytes + 4096 * (len(kept) // write.ROW_GROUP_ROWS + 1))


def headline_rows(store: Store, kept: list[Fact]) -> dict[str, write.Rows]:
    """One row per distinct related headline on the kept articles, per split in id order; the spelling kept
    is the one on the smallest article id, and `seen_on` lists every sighting by article id and position.
    The sightings stay an Arrow table; per headline only its first row and its split (one byte) are kept."""
    article_of = [None] * store.count
    for f in kept:
        article_of[f.index] = f.id
    seen = store.sightings()
    article_id = pa.array(article_of, pa.string()).take(seen.column("record"))
    seen = seen.append_column("article_id", article_id).filter(pc.is_valid(article_id))
    seen = seen.sort_by([("headline_id", "ascending"), ("article_id", "ascending"), ("position", "ascending")])
    seen = seen.combine_chunks()
    hid = seen.column("headline_id").chunk(0) if seen.num_rows else pa.array([], pa.string())
    changes = pc.not_equal(hid[1:], hid[:-1]).to_numpy(zero_copy_only=False) if seen.num_rows > 1 else np.zeros(0, bool)
    starts = np.flatnonzero(np.r_[seen.num_rows > 0, changes]).astype(np.int64)
    ends = np.r_[starts[1:], seen.num_rows].astype(np.int64)
    split_code = np.empty(len(starts), dtype=np.int8)
    first = hid.take(pa.array(starts))
    for at in range(0, len(starts), 50_000):  # a slice of Python strings at a time
        split_code[at : at + 50_000] = [SPLITS.index(ids.split_for(h)) for h in first[at : at + 50_000].to_pylist()]
    schema = schemas.write_schema("headlines")

    def rows_of(split: str, groups: np.ndarray) -> write.Rows:
        def rows(start: int, stop: int) -> pa.Table:
            chosen = groups[start:stop]
            lengths = ends[chosen] - starts[chosen]
            # row numbers of every sighting of the chosen headlines: starts[g], starts[g] + 1, ... < ends[g]
            picked = np.repeat(starts[chosen] - np.r_[0, np.cumsum(lengths)[:-1]], lengths) + np.arange(lengths.sum())
            part = seen.take(pa.array(picked)).to_pydict()
            out, at = [], 0
            for n in lengths.tolist():
                out.append({
                    "id": part["headline_id"][at],
                    "text": part["text"][at],
                    "seen_on": [
                        {"article_id": a, "position": p}
                        for a, p in zip(part["article_id"][at : at + n], part["position"][at : at + n])
                    ],
                    "split": split,
                })
                at += n
            return pa.Table.from_pylist(out, schema=schema)

        # a headline row holds its id and text once (as the sightings do) and per sighting an article id,
        # a position and list/struct offsets: within three times the sightings' size plus 64 bytes a row
        bound = 3 * store.sightings_bytes + 64 * len(groups) + 4096 * (len(groups) // write.ROW_GROUP_ROWS + 1)
        return write.Rows(len(groups), rows, bound)

    return {
        split: rows_of(split, np.flatnonzero(split_code == code))
        for code, split in enumerate(SPLITS)
        if np.any(split_code == code)
    }


def build(raw_dir: Path, out_dir: Path, options: Options = Options()) -> dict:
    """Build the dataset folder `out_dir` from `raw_dir`; returns the report (also written to the folder).

    Memory holds compact facts per record, never the corpus: records wait in a spill store next to the
    output until they are written, a row group at a time, in id order. The report's `cache_hits` (not
    written to the folder: it would make the report depend on the cache) says how many parses came from
    the cache."""
    raw_dir = Path(raw_dir)
    out_dir = Path(out_dir)
    if not raw_dir.is_dir():
        raise UserError(f"raw folder {raw_dir} does not exist", "pass --raw DIR pointing at the folder of raw files")
    write.check_replaceable(out_dir)
    files, ignored = discover(raw_dir)
    report = Report(inputs=checksums(raw_dir, files), ignored=ignored)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{out_dir.name}.spill-", dir=out_dir.parent) as scratch:
        store = Store(Path(scratch), schemas.write_schema("articles"))
        kept = run_pipeline(files, report, pipeline(store, options))
        store.close()
        by_split: dict[str, list[Fact]] = {}
        for f in kept:
            by_split.setdefault(ids.split_for(f.id), []).append(f)
        sources = {
            "articles": {split: article_rows(store, facts) for split, facts in by_split.items()},
            "headlines": headline_rows(store, kept),
        }
        written = write.write_dataset(out_dir, sources, report.to_dict())
    return {**written, "cache_hits": report.cache_hits}
