"""The build report as the driver fills it in: inputs, ignored files, steps with their counts, drops, line
classes and evidence codes (`Report.to_dict` is what write.py writes as build-report.json and its tables)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .. import __version__
from . import minhash
from .drops import Drops
from ..parse import PARSER_VERSION
from ..model.record import LINE_CLASSES
from .rows import Rows
from .write import PARQUET_ENCODING


@dataclass
class Report:
    """What the build saw and did; written to `build-report.json` (deterministic: no times, no absolute paths)."""

    inputs: Rows | None = None  # every file read, in path order (write.INPUT_ROWS)
    ignored: list[str] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)
    drops: Drops = field(default_factory=Drops)  # in a database table: thousands in a large corpus
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
            "parquet_encoding": PARQUET_ENCODING,
            "inputs": self.inputs,
            "ignored": self.ignored,
            "steps": self.steps,
            "dropped": dict(sorted(self.drops.reasons.items())),
            "drops": self.drops.rows(),
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
