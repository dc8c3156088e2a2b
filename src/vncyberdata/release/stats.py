"""Dataset statistics for the datasheet and the card: counts, date range, lengths, topics; PNG plots.

Computed by streaming the Parquet files column by column, so memory does not grow with the corpus.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .loading import batches
from ..model.record import MODELS, SPLITS

LENGTH_BINS = (0, 500, 1_000, 2_000, 4_000, 8_000, 16_000)
START, END = "<!-- statistics:start -->", "<!-- statistics:end -->"


def _rows(folder: Path, config: str, columns: list[str]):
    for split, batch in batches(folder, config, columns):
        for row in batch.to_pylist():
            yield split, row


def compute(folder: Path) -> dict:
    counts = {c: Counter() for c in MODELS}
    publishers: Counter = Counter()
    topics: Counter = Counter()
    lengths: Counter = Counter()
    first = last = None  # the date range: only its ends are shown
    dated = yearless = 0
    pii: Counter = Counter()
    for split, row in _rows(folder, "articles", ["publisher", "published_date", "published_month", "body", "topics", "pii_redacted"]):
        counts["articles"][split] += 1
        publishers[row["publisher"]] += 1
        topics.update(row["topics"] or ["(none)"])
        lengths[_bin(len(row["body"]))] += 1
        if row["published_date"]:
            day = row["published_date"]
            first, last = (day, day) if first is None else (min(first, day), max(last, day))
            dated += 1
        elif row["published_month"]:
            yearless += 1
        pii.update({k: v for k, v in (row["pii_redacted"] or {}).items() if v})
    for split, _row in _rows(folder, "headlines", ["id"]):
        counts["headlines"][split] += 1
    return {
        "counts": {c: {s: n for s, n in sorted(v.items(), key=lambda kv: SPLITS.index(kv[0]))} for c, v in counts.items()},
        "publishers": dict(publishers.most_common()),
        "topics": dict(topics.most_common()),
        "body_length": {label: lengths.get(label, 0) for label in _labels()},
        "date_range": [first.isoformat(), last.isoformat()] if dated else None,
        "dated": dated,
        "yearless": yearless,
        "pii_redacted": dict(sorted(pii.items())),
    }


def _labels() -> list[str]:
    edges = list(LENGTH_BINS)
    return [f"{a}-{b - 1}" for a, b in zip(edges, edges[1:])] + [f"{edges[-1]}+"]


def _bin(n: int) -> str:
    labels = _labels()
    for i, upper in enumerate(LENGTH_BINS[1:]):
        if n < upper:
            return labels[i]
    return labels[-1]


def plot(stats: dict, out: Path) -> list[str]:
    """Bar charts (PNG) of topics, body lengths and publishers; returns the file names written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, title, data in (
        ("topics.png", "Articles per topic", stats["topics"]),
        ("body_length.png", "Articles per body length (characters)", stats["body_length"]),
        ("publishers.png", "Articles per publisher", stats["publishers"]),
    ):
        fig, ax = plt.subplots(figsize=(8, 0.45 * max(3, len(data)) + 1))
        labels = list(data)[::-1]
        ax.barh(labels, [data[k] for k in labels], color="#3b6ea8")
        ax.set_title(title)
        ax.set_xlabel("articles")
        ax.xaxis.get_major_locator().set_params(integer=True)
        fig.tight_layout()
        fig.savefig(out / name, dpi=80, metadata={"Software": None})  # no version string in the bytes
        plt.close(fig)
        written.append(name)
    return written


def markdown(stats: dict, version: str, plots_prefix: str | None = None) -> str:
    """The statistics section of DATASHEET.md (between the statistics markers)."""
    lines = [f"### Statistics of release {version}", "", "| config | split | records |", "| --- | --- | --- |"]
    for config, per_split in stats["counts"].items():
        for split, n in per_split.items():
            lines.append(f"| {config} | {split} | {n} |")
    lines += ["", "| publisher | articles |", "| --- | --- |"]
    lines += [f"| {p} | {n} |" for p, n in stats["publishers"].items()]
    lines += ["", "| topic | articles |", "| --- | --- |"]
    lines += [f"| {t} | {n} |" for t, n in stats["topics"].items()]
    lines += ["", "| body length (characters) | articles |", "| --- | --- |"]
    lines += [f"| {b} | {n} |" for b, n in stats["body_length"].items()]
    span = " to ".join(stats["date_range"]) if stats["date_range"] else "none"
    lines += [
        "",
        f"Publication dates: {stats['dated']} articles with a full date ({span}); {stats['yearless']} with day and month only.",
        f"Redacted values: {stats['pii_redacted'] or 'none'}.",
    ]
    if plots_prefix is not None:
        lines += ["", f"Plots: ![topics]({plots_prefix}topics.png) ![body length]({plots_prefix}body_length.png) "
                  f"![publishers]({plots_prefix}publishers.png)"]
    return "\n".join(lines) + "\n"


def update_datasheet(path: Path, section: str) -> None:
    """Replace the text between the statistics markers of DATASHEET.md (the rest is written by people)."""
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n## Statistics\n\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _old, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{section}{END}{tail}", encoding="utf-8")
