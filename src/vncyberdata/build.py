"""The build: raw folder → records → dataset folder.

The pipeline is a list of steps; each step takes an iterator of items and the build report and yields
items. A step that drops an item records why in the report (a reason code, the file, the line and a hint)
instead of raising: one bad raw file never stops the others.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, dedup, ids, write
from .errors import UserError
from .parse import PARSER_VERSION, Parsed, Rejection, parse
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


def parse_files(items: Iterable[tuple[RawFile, RawMeta]], report: Report) -> Iterator[Parsed]:
    for f, meta in items:
        result = parse(f.path.read_bytes(), meta, f.rel)
        if isinstance(result, Rejection):
            report.drop("parse_files", f.rel, result.code, result.message, result.hint, result.line)
            continue
        report.lines_total += len(result.line_classes)
        report.line_classes.update(result.line_classes)
        yield result


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
    groups, how = dedup.clusters((rid, p.article.body) for rid, p in parsed.items())
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
        yield Parsed(article, kept.line_classes)


PIPELINE: list[Step] = [read_sidecars, parse_files, keep_vietnamese, drop_duplicate_ids, drop_near_duplicates]


def run_pipeline(files: Iterable[RawFile], report: Report, steps: list[Step] = PIPELINE) -> list[Parsed]:
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


def build(raw_dir: Path, out_dir: Path) -> dict:
    """Build the dataset folder `out_dir` from `raw_dir`; returns the report (also written to the folder)."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise UserError(f"raw folder {raw_dir} does not exist", "pass --raw DIR pointing at the folder of raw files")
    files, ignored = discover(raw_dir)
    report = Report(inputs=checksums(raw_dir, files), ignored=ignored)
    parsed = run_pipeline(files, report)
    articles = sorted((p.article for p in parsed), key=lambda a: a.id)
    records = {"articles": articles, "headlines": collect_headlines(articles)}
    return write.write_dataset(out_dir, records, report.to_dict())
