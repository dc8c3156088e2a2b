"""The build: raw folder → records → dataset folder.

The pipeline is a list of steps, each taking what the previous one gave and the build report: the first,
parse_files, streams the raw files to the workers, which read each file and its sidecar, pin them (size,
sha256) and parse them (FILE_STEPS), writing the records and their facts to chunks (chunks.py) that the
driver loads into the build's database (database.py); every later step is a query over the facts of
every record there (steps.py), and the writers read the kept rows back in id order (gather.py). The
driver itself never reads a raw file. A step that drops an item records why in the report (a reason
code, the file, the line and a hint) instead of raising: one bad raw file never stops the others.
"""

from __future__ import annotations

import functools
import sys
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from . import database, gather, steps, tasks, write
from .. import memory
from ..model import schemas
from .build_report import Report
from .chunks import FILES_PER_CHUNK, runs
from .database import Store
from .drops import Drops
from .kept import KeptRows
from .fingerprints import chunk_fingerprint, fingerprint, shard_fingerprint
from ..engines import make_engine, prestart
from ..errors import UserError
from ..intake.raw import RawFile, discover
from .rows import Rows
from .shards import Earlier
from .steps import Facts

# A step takes what the previous one gave and the report: parse_files takes the raw files, every later step
# takes and returns the facts of the records still in (a table of the build's database).
Step = Callable[[Iterable | Facts, Report], Facts]


@dataclass(frozen=True)
class Options:
    """How the build runs; none of it changes the output bytes."""

    workers: int = 1
    cache_dir: Path | None = None
    verify: bool = False  # with a cache: read and hash every raw file, even those whose stats are unchanged
    progress: bool = False
    engine: str = "local"  # or "ray" (engines.py)
    ray_address: str | None = None
    files_per_chunk: int = FILES_PER_CHUNK  # raw files a worker task parses, on average
    stage_rows: int = gather.STAGE_ROWS  # rows the gather copies out of the chunks before writing them on
    database: database.Limits = field(default_factory=database.Limits)
    layout: write.Layout = field(default_factory=write.Layout)  # shards and row groups: tests only (format)


# What a worker does to each file, in order; the report counts files in and out of each (build-report.json
# "steps"), before the steps that run on the facts of every record.
FILE_STEPS = ("read_sidecars", "parse_files")


def parse_files(files: Iterable[RawFile], report: Report, options: Options, store: Store, total: int = 0) -> Facts:
    """Read every file with its sidecar and parse it on the chosen engine (a local process pool, or Ray),
    the records going to chunks the store loads in input order; returns the facts of every record, so
    the output depends neither on the engine nor on the number of workers. The workers also pin every
    file they read (path, size, sha256): the report's inputs. `total` (files) sizes the progress bar and,
    without a cache, the last runs (chunks.runs).

    The step counts itself: one entry in the report's steps per FILE_STEPS step."""
    cache_dir = str(options.cache_dir) if options.cache_dir else None
    # the cache's fingerprint is taken once, here: workers use it even if the sources change mid-build
    fp = fingerprint() if cache_dir else None
    sidecars, parsing = counts = [{"step": step, "in": 0, "out": 0} for step in FILE_STEPS]
    report.steps += counts
    chunk_fp = chunk_fingerprint() if cache_dir else None
    jobs = ((str(f.root), f.rel, f.format, cache_dir, fp) for f in files)
    chunks = ((str(store.chunk_folder), run, store.schema, chunk_fp, options.verify)
              for run in runs(jobs, options.files_per_chunk, None if cache_dir or not total else total))
    engine = make_engine(options.engine, options.workers, options.ray_address)
    progress = _progress(options.progress, total)
    try:
        for chunk, drops, parsed, cached in engine.map(tasks.parse_chunk, chunks):
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
        store.flush()
    finally:
        if progress is not None:
            progress.close()
    report.inputs = _inputs(store)
    parsing["out"] = store.count
    return steps.facts_of(store)
parse_files.counts_itself = True


def _inputs(store: Store) -> Rows:
    """The pins of every file read, in path order (equal paths, a sidecar two raw files share, in the order
    read), as write.INPUT_ROWS tables."""

    sql = "SELECT path, size, lower(hex(sha256)) AS sha256 FROM pins ORDER BY path, seq"
    return Rows(store.pins, lambda: database.tables(store.db, sql, write.INPUT_ROWS))


def _progress(show: bool, total: int):
    """A progress bar (rate and ETA) on stderr when `show`, else None."""
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit=" files", desc="parsing", file=sys.stderr)


def pipeline(store: Store, options: Options = Options(), total: int = 0) -> list[Step]:
    """The build's steps in order. parse_files reads and parses the raw files in the workers (FILE_STEPS),
    turning pages into facts, their records going to `store`; the steps after it decide on facts alone.
    Options say how to run, never what to produce."""
    return [
        _bind(parse_files, options=options, store=store, total=total),
        _bind(steps.keep_vietnamese, store=store),
        _bind(steps.drop_duplicate_ids, store=store),
        _bind(steps.drop_near_duplicates, store=store),
    ]


def _bind(step: Callable, **kwargs) -> Step:
    bound = functools.partial(step, **kwargs)
    functools.update_wrapper(bound, step)
    return bound


def run_pipeline(files: Iterable[RawFile], report: Report, steps: list[Step], at: dict | None = None) -> Facts:
    """Run the steps in order; `at["step"]` names the one running (a database error names it)."""
    data: Iterable | Facts = files
    for step in steps:
        if at is not None:
            at["step"] = f"step {step.__name__}"
        data = _counted(step, data, report)
    return data


def _counted(step: Step, data: Iterable | Facts, report: Report) -> Facts:
    """Run `step`, recording how many records went in and came out (the step over files counts itself)."""
    if getattr(step, "counts_itself", False):
        return step(data, report)
    counts = {"step": step.__name__, "in": data.num_rows, "out": 0}
    report.steps.append(counts)
    out = step(data, report)
    counts["out"] = out.num_rows
    return out


def build(raw_dir: Path, out_dir: Path, options: Options = Options()) -> dict:
    """Build the dataset folder `out_dir` from `raw_dir`; returns the report (also written to the folder).

    What the workers make waits in the build's database, in a scratch folder beside the output, until it
    is written, a row group at a time, in id order; the scratch folder goes when the build ends, whatever
    happens. The report's `cache_hits` (not written to the folder: it would make the report depend on
    the cache) says how many parses came from the cache."""
    with memory.lean_pool():
        return _build(Path(raw_dir), Path(out_dir), options)


def _sharding(options: Options, out_dir: Path) -> gather.Sharding:
    """How the shards are cut, and with a cache, the earlier build's shards to link (shards.py): their
    digests depend on the code that made the records and the shards (fingerprints.shard_fingerprint) and the format."""
    if options.cache_dir is None:
        return gather.Sharding(options.layout)
    return gather.Sharding(options.layout, write.format_of(shard_fingerprint(), options.layout),
                           Earlier.load(options.cache_dir, out_dir))


def _gathered(store: Store, kept: Facts, scratch: Path, stage_rows: int, sharding: gather.Sharding) -> dict:
    """The kept article rows and headline rows for the writers. The database's part of the article gather
    runs first; then its pass over the chunks' files (Arrow, without the interpreter's lock for most of it)
    runs beside the headline gather's queries, in a thread. The database never runs two gathers' queries at
    once: at 10^6 articles they would not fit its default memory together (benchmarks/database_scale.py)."""
    groups = scratch / "groups"
    plan, placed = gather.place_articles(store, kept, groups, sharding)
    with ThreadPoolExecutor(1) as pool:
        headlines = pool.submit(gather.headline_rows, store, kept, scratch / "headlines", stage_rows, sharding)
        articles = gather.copy_articles(store, plan, placed, groups, stage_rows, sharding.layout)
        return {"articles": articles, "headlines": headlines.result()}


def _build(raw_dir: Path, out_dir: Path, options: Options) -> dict:
    if not raw_dir.is_dir():
        raise UserError(f"raw folder {raw_dir} does not exist", "pass --raw DIR pointing at the folder of raw files")
    write.check_replaceable(out_dir)
    if options.engine == "local":
        prestart(options.workers)
    files, ignored = discover(raw_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    at = {"step": "step parse_files"}  # what runs now, named in a database error
    with (tempfile.TemporaryDirectory(prefix=f".{out_dir.name}.scratch-", dir=out_dir.parent) as scratch,
          database.user_errors(options.database, lambda: at["step"])):
        db = database.connect(Path(scratch) / "db", options.database)
        try:
            report = Report(ignored=ignored, drops=Drops(db))
            rows = KeptRows(options.cache_dir, chunk_fingerprint()) if options.cache_dir is not None else None
            store = Store(db, Path(scratch) / "chunks", schemas.write_schema("articles"), kept=rows)
            listing, total = iter(files), len(files)
            del files  # the listing goes once parse_files has read it through
            kept = run_pipeline(listing, report, pipeline(store, options, total=total), at)
            at["step"] = "the gathering of the kept rows"
            database.release_memory(db, options.database)
            memory.release_unused()  # what Arrow's pool kept of the chunks read
            sharding = _sharding(options, out_dir)
            sources = _gathered(store, kept, Path(scratch), options.stage_rows, sharding)
            database.release_memory(db, options.database)  # the writers need it more than the cache
            memory.release_unused()
            at["step"] = "the writing of the dataset folder"
            written = write.write_dataset(out_dir, sources, report.to_dict(), options.layout, sharding.earlier)
            at["step"] = "the saving of the chunks' rows for the next build"
            store.keep()
        finally:
            db.close()
    return {**written, "cache_hits": report.cache_hits}
