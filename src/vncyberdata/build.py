"""The build: raw folder → records → dataset folder.

The pipeline is a list of steps; each step takes an iterator of items and the build report and yields
items. A step that drops an item records why in the report (a reason code, the file, the line and a hint)
instead of raising: one bad raw file never stops the others.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, dedup, ids, write
from .errors import UserError
from .parse import PARSER_VERSION, Parsed, Rejection, parse
from .cache import ParseCache
from .engines import make_engine
from .raw import RawFile, SidecarError, checksums, discover, read_sidecar
from .record import LINE_CLASSES, Article, Headline, RawMeta, Sighting


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


def _parse_one(job: tuple[str, str, str, str, str | None]) -> tuple[str, Parsed | Rejection, bool]:
    """Parse one raw file (in a worker process when workers > 1): (raw path, result, whether it was cached)."""
    path, rel, raw_format, sidecar_text, cache_dir = job
    raw = Path(path).read_bytes()
    meta = RawMeta.model_validate_json(sidecar_text)
    cache = ParseCache(Path(cache_dir)) if cache_dir else None
    key = ParseCache.key(hashlib.sha256(raw).hexdigest(), sidecar_text.encode("utf-8"), rel) if cache else ""
    cached = bool(cache) and (result := cache.get(key)) is not None
    if not cached:
        result = parse(raw, meta, rel, raw_format=raw_format)
        if isinstance(result, Parsed):  # the MinHash is computed here, in the worker, not in the global step
            result = Parsed(result.article, result.line_classes, dedup.signature(result.article.body))
        if cache:
            cache.put(key, result)
    return rel, result, cached


def parse_files(items: Iterable[tuple[RawFile, RawMeta]], report: Report, options: Options = Options()) -> Iterator[Parsed]:
    """Parse every file on the chosen engine (a local process pool, or Ray); results come back in input order,
    so the output depends neither on the engine nor on the number of workers."""
    jobs = (
        (str(f.path), f.rel, f.format, meta.model_dump_json(), str(options.cache_dir) if options.cache_dir else None)
        for f, meta in items
    )
    engine = make_engine(options.engine, options.workers, options.ray_address)
    for rel, result, cached in _with_progress(engine.map(_parse_one, jobs), options.progress):
        report.cache_hits += cached
        if isinstance(result, Rejection):
            report.drop("parse_files", rel, result.code, result.message, result.hint, result.line)
            continue
        report.lines_total += len(result.line_classes)
        report.line_classes.update(result.line_classes)
        yield result


def _with_progress(results: Iterable, show: bool) -> Iterator:
    """The results, unchanged; with a progress bar (rate and ETA) on stderr when `show`."""
    if not show:
        yield from results
        return
    from tqdm import tqdm

    yield from tqdm(results, unit=" files", desc="parsing", file=sys.stderr)


def drop_duplicate_ids(items: Iterable[Parsed], report: Report) -> Iterator[Parsed]:
    """Two files that parse to the same id are one article: keep the most complete, ties by sha256."""
    by_id: dict[str, list[Parsed]] = {}
    for item in items:
        by_id.setdefault(item.article.id, []).append(item)
    for record_id in sorted(by_id):
        group = sorted(by_id[record_id], key=lambda p: (-len(p.article.body), p.article.raw_sha256, p.article.raw_path))
        kept = group[0]
        for other in group[1:]:
            report.drop(
                "drop_duplicate_ids",
                other.article.raw_path,
                "duplicate_id",
                f"same article id {record_id} as {kept.article.raw_path} (kept: longer body or smaller sha256)",
                "remove one of the two files, or give them distinct sidecar URLs if they are different articles",
            )
        yield kept


def keep_vietnamese(items: Iterable[Parsed], report: Report) -> Iterator[Parsed]:
    """The dataset is Vietnamese: pages identified as another language are dropped, with the score."""
    for item in items:
        a = item.article
        if a.language == "vi":
            yield item
        else:
            report.drop(
                "keep_vietnamese",
                a.raw_path,
                "not_vietnamese",
                f"identified as {a.language!r} (probability {a.language_score})",
                "only Vietnamese pages belong in raw/; remove the file or save the Vietnamese version of the page",
            )


def drop_near_duplicates(items: Iterable[Parsed], report: Report) -> Iterator[Parsed]:
    """One record per cluster of exact or near duplicates (see dedup.py); the cluster is recorded on it."""
    parsed = {p.article.id: p for p in items}
    groups, how = dedup.clusters((rid, p.article.body, p.signature) for rid, p in parsed.items())
    for root in sorted(groups):
        members = [parsed[m] for m in groups[root]]
        members.sort(key=lambda p: (-len(p.article.body), -len(p.article.lead or ""), p.article.id))
        kept = members[0]
        for other in members[1:]:
            kind = how[other.article.id] if how[other.article.id] != "single" else how[kept.article.id]
            report.drop(
                "drop_near_duplicates",
                other.article.raw_path,
                f"{kind}_duplicate",
                f"{'same text' if kind == 'exact' else 'nearly the same text'} as {kept.article.raw_path} "
                f"(kept: id {kept.article.id}, the most complete text of a cluster of {len(members)})",
                "nothing to do if it is a re-scrape or a syndicated copy; otherwise make the texts differ",
            )
        article = kept.article.model_copy(update={"cluster_id": kept.article.id, "cluster_size": len(members)})
        yield Parsed(article, kept.line_classes, kept.signature)


def pipeline(options: Options = Options()) -> list[Step]:
    """The build's steps in order. Only parse_files takes options: how to run, never what to produce."""
    parse_step = functools.partial(parse_files, options=options)
    functools.update_wrapper(parse_step, parse_files)
    return [read_sidecars, parse_step, keep_vietnamese, drop_duplicate_ids, drop_near_duplicates]


def run_pipeline(files: Iterable[RawFile], report: Report, steps: list[Step] | None = None) -> list[Parsed]:
    stream: Iterable = files
    for step in steps if steps is not None else pipeline():
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


def collect_headlines(articles: Iterable[Article]) -> list[Headline]:
    """One row per distinct related headline; the spelling kept is the one on the smallest article id."""
    seen: dict[str, tuple[str, list[Sighting]]] = {}
    for article in sorted(articles, key=lambda a: a.id):
        for position, text in enumerate(article.related_headlines):
            hid = ids.headline_id(text)
            entry = seen.setdefault(hid, (text, []))
            entry[1].append(Sighting(article_id=article.id, position=position))
    return [
        Headline(id=hid, text=text, seen_on=sightings, split=ids.split_for(hid))
        for hid, (text, sightings) in sorted(seen.items())
    ]


def build(raw_dir: Path, out_dir: Path, options: Options = Options()) -> dict:
    """Build the dataset folder `out_dir` from `raw_dir`; returns the report (also written to the folder).

    The report's `cache_hits` (not written to the folder: it would make the report depend on the cache)
    says how many parses came from the cache."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise UserError(f"raw folder {raw_dir} does not exist", "pass --raw DIR pointing at the folder of raw files")
    files, ignored = discover(raw_dir)
    report = Report(inputs=checksums(raw_dir, files), ignored=ignored)
    parsed = run_pipeline(files, report, pipeline(options))
    articles = sorted((p.article for p in parsed), key=lambda a: a.id)
    records = {"articles": articles, "headlines": collect_headlines(articles)}
    written = write.write_dataset(out_dir, records, report.to_dict())
    return {**written, "cache_hits": report.cache_hits}
