"""The release gate: expectation suites derived from the record model, the floors file and the chrome table,
run with great-expectations over a built dataset folder in batches (memory stays flat), plus the checks that
span batches (ids unique across shards and splits, row counts per split, dates against retrieval).

Outputs: `results.json` (every expectation with its observed value, unexpected count and a few offending
ids, over all batches), `gx_results.json` (great-expectations' own validation results, one per batch),
`report.md` and `report.html` (self-contained, open offline), `data_docs/` (great-expectations'
own Data Docs; they load CSS/JS from CDNs and look unstyled offline).
"""

from __future__ import annotations

import datetime as dt
import heapq
import html
import json
import shutil
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import loading, rowchecks
from .. import memory
from ..model import schemas
from ..parse.chrome import ChromeTable, default_table
from ..offline import ensure_offline
from ..model.record import MODELS, SPLITS

# Rows per great-expectations batch, assembled from whole row groups across shard and split boundaries. Every
# checkpoint run has a fixed cost of GX's own work whatever its size, so batches are not small; but the batch,
# not the corpus, sets the gate's memory (a pandas frame that GX copies per expectation), so they are not
# large either. Figures behind these sizes: docs/benchmarks.md.
GX_BATCH_ROWS = {"articles": 5_000, "headlines": 50_000}
SAMPLE_IDS = 5
BUILD_DATE = {"$PARAMETER": "build_date"}  # filled in at run time: the checked-in suite does not change daily
SUITE_DIR = "expectations"


# ---------------------------------------------------------------- floors


def load_floors(path: Path) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def lowered_floors(old: dict, new: dict) -> list[str]:
    """Floors made more permissive from `old` to `new`, as readable lines ('articles.body_min_chars: 200 → 100')."""
    out = []
    for config, values in old.items():
        if not isinstance(values, dict):
            continue
        for key, before in values.items():
            after = new.get(config, {}).get(key)
            looser = (
                after is None
                or (key.endswith("_min") or key.endswith("_min_chars")) and after < before
                or (key.endswith("_max") or key.endswith("_max_chars") or key.endswith("_max_count")) and after > before
                or isinstance(before, list) and not set(after) <= set(before)
            )
            if looser and after != before:
                out.append(f"{config}.{key}: {before!r} → {after!r}")
    return out


# ---------------------------------------------------------------- suites


# What a text browser leaves of a page's furniture (see locate.py): a bulleted or numbered label of a few
# words, "(BUTTON) ...", "[icon]", a meta-refresh or link-relation line.
TITLE_RESIDUE = (
    r"^(?:[•*·▪►◦○●■□▸+\-–—]|\d{1,2}[.)])\s*(?:\S+\s){0,3}[^\s.:;,!?]+$"
    r"|\(BUTTON\)|^\[[^\]]*\]|^Refresh \(\d+ sec\)|^REFRESH\(|^#\w|^\W*$"
)
BODY_RESIDUE = r"(?m)^(?:[•*·▪►◦○●■□▸]|\d{1,2}[.)])[ ]*(?:\S+ ){0,3}[^\s.:;,!?]+$|\(BUTTON\)|^Refresh \(\d+ sec\)$"


def chrome_regex(table: ChromeTable) -> str:
    """A paragraph that is exactly a chrome marker (the body holds paragraphs separated by blank lines)."""
    parts = []
    for m in table.markers:
        escaped = _escape(m.key)
        parts.append(escaped if m.match == "exact" else f"{escaped}.{{0,{max(0, (m.max_len or 0) - len(m.key))}}}")
    return "(?im)^(?:" + "|".join(parts) + ")$"


def _escape(text: str) -> str:
    return "".join("\\" + ch if ch in ".^$*+?{}[]\\|()" else ch for ch in text)


def _e(kind: str, why: str, **kwargs) -> dict:
    return {"type": kind, "kwargs": kwargs, "meta": {"why": why}}


def suite_spec(config: str, floors: dict, table: ChromeTable | None = None) -> list[dict]:
    """The expectation suite of a config as plain data (checked in under schema/expectations/)."""
    fields = MODELS[config].model_fields
    arrow = schemas.arrow_schema(config)
    f = floors[config]
    spec = [_e("expect_table_columns_to_match_ordered_list", "columns are exactly the record model's", column_list=list(fields))]
    for name in fields:
        if not arrow.field(name).nullable:
            spec.append(_e("expect_column_values_to_not_be_null", "the model does not allow null", column=name))
    spec += [
        _e("expect_column_values_to_match_regex", "ids are 16 hex digits", column="id", regex=r"^[0-9a-f]{16}$"),
        _e("expect_column_values_to_be_unique", "ids are unique (across batches too: see ids_unique)", column="id"),
        _e("expect_column_values_to_be_in_set", "split names are fixed", column="split", value_set=list(SPLITS)),
    ]
    nfc = r"[\u0300-\u036f]"  # NFC Vietnamese has precomposed letters only: a combining mark means NFD text
    # the other tone-placement style ("hoà", "khoẻ", "thuỷ") at a word end: normalize.canonical_tones rewrites it
    new_style = r"(?i)(?<!q)(?:o[àáảãạèéẻẽẹ]|u[ỳýỷỹỵ])(?!\w)"
    if config == "articles":
        chrome = chrome_regex(table or default_table())
        spec += [
            _e("expect_column_value_lengths_to_be_between", "title length floor", column="title", min_value=f["title_min_chars"], max_value=f["title_max_chars"]),
            _e("expect_column_value_lengths_to_be_between", "lead length floor", column="lead", min_value=1, max_value=f["lead_max_chars"]),
            _e("expect_column_value_lengths_to_be_between", "body length floor", column="body", min_value=f["body_min_chars"], max_value=f["body_max_chars"]),
            _e("expect_column_values_to_not_match_regex", "no site-chrome paragraph left in the body", column="body", regex=chrome),
            _e("expect_column_values_to_not_match_regex", "title is not a menu label, bullet, button or browser residue", column="title", regex=TITLE_RESIDUE, mostly=1 - f["residue_share_max"]),
            _e("expect_column_values_to_not_match_regex", "no menu-label or button paragraph in the body", column="body", regex=BODY_RESIDUE, mostly=1 - f["residue_share_max"]),
            _e("expect_column_values_to_not_match_regex", "title is NFC", column="title", regex=nfc),
            _e("expect_column_values_to_not_match_regex", "lead is NFC", column="lead", regex=nfc),
            _e("expect_column_values_to_not_match_regex", "body is NFC", column="body", regex=nfc),
            _e("expect_column_values_to_not_match_regex", "title has one tone style", column="title", regex=new_style),
            _e("expect_column_values_to_not_match_regex", "lead has one tone style", column="lead", regex=new_style),
            _e("expect_column_values_to_not_match_regex", "body has one tone style", column="body", regex=new_style),
            _e("expect_column_values_to_match_regex", "raw_sha256 is a sha256", column="raw_sha256", regex=r"^[0-9a-f]{64}$"),
            _e("expect_column_values_to_match_regex", "url is http(s) when known", column="url", regex=r"^https?://\S+$"),
            _e("expect_column_values_to_be_in_set", "raw formats", column="raw_format", value_set=["text", "html"]),
            _e("expect_column_values_to_be_in_set", "allowed languages", column="language", value_set=f["languages"]),
            _e("expect_column_values_to_be_between", "language score floor", column="language_score", min_value=f["language_score_min"], max_value=1),
            _e("expect_column_values_to_be_between", "publication date not before the floor nor after the build date", column="published_date", min_value=f["published_date_min"], max_value=BUILD_DATE),
        ]
    else:
        spec += [
            _e("expect_column_value_lengths_to_be_between", "headline length floor", column="text", min_value=f["text_min_chars"], max_value=f["text_max_chars"]),
            _e("expect_column_values_to_not_match_regex", "text is NFC", column="text", regex=nfc),
            _e("expect_column_values_to_not_match_regex", "text has one tone style", column="text", regex=new_style),
        ]
    return spec


def suite_files(floors: dict) -> dict[str, str]:
    return {
        f"{SUITE_DIR}/{config}.json": json.dumps(suite_spec(config, floors), ensure_ascii=False, indent=2) + "\n"
        for config in MODELS
    }


# ---------------------------------------------------------------- running


@dataclass
class Outcome:
    """One expectation (or cross-batch check) aggregated over every batch of a config."""

    config: str
    type: str
    kwargs: dict
    why: str
    engine: str = "great_expectations"
    success: bool = True
    observed: object = None
    unexpected_count: int = 0
    element_count: int = 0
    sample_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class GateResult:
    outcomes: list[Outcome]
    build_date: str

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success]

    def as_dict(self) -> dict:
        return {"success": self.success, "build_date": self.build_date, "outcomes": [o.as_dict() for o in self.outcomes]}


def _gx_batches(folder: Path, config: str) -> Iterator[tuple[str, pa.Table]]:
    """The config's rows in batches of whole row groups, about GX_BATCH_ROWS[config] rows each, with the
    splits each holds ("train", "train+validation", ...). Whole groups: a batch cut inside a row group kept
    the rest of the group alive too (two or three groups held per batch instead of one). A batch
    closes once it reaches the size, unless what would be left is under a fifth of a batch (a checkpoint run
    costs about as much time over a few rows as over a full batch)."""
    size = GX_BATCH_ROWS[config]
    left = sum(pq.ParquetFile(p).metadata.num_rows for p in (folder / "data" / config).glob("*.parquet"))
    pending: list[tuple[str, pa.Table]] = []
    held = 0
    for split, group in loading.row_groups(folder, config):
        if pending and held + group.num_rows > size + size // 5:
            yield _joined(pending)
            pending, held = [], 0
        pending.append((split, group))
        held += group.num_rows
        left -= group.num_rows
        del group  # the batch holds it: gone with the batch, not alive while the next group is read
        if held >= size and not 0 < left * 5 < size:
            yield _joined(pending)
            pending, held = [], 0
    if pending:
        yield _joined(pending)


def _joined(pending: list[tuple[str, pa.Table]]) -> tuple[str, pa.Table]:
    splits = "+".join(dict.fromkeys(split for split, _ in pending))
    return splits, pa.concat_tables([t for _, t in pending])


DATE_COLUMNS = ("published_date",)


def _resolve(kwargs: dict, params: dict) -> dict:
    """Fill run-time parameters; date bounds become Timestamps to compare with the datetime column."""
    import pandas as pd

    out = {k: params[v["$PARAMETER"]] if isinstance(v, dict) and "$PARAMETER" in v else v for k, v in kwargs.items()}
    if out.get("column") in DATE_COLUMNS:
        for key in ("min_value", "max_value"):
            if isinstance(out.get(key), str):
                out[key] = pd.Timestamp(out[key])
    return out


def _to_frame(batch):
    import pandas as pd

    # Nested columns (captions, topics, ...) stay Arrow arrays: as Python lists of dicts, a batch makes many
    # small objects, and the fragments they leave raise the gate's peak batch after batch. The suites only
    # test them for nulls. Strings are Arrow already.
    df = batch.to_pandas(types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_nested(t) else None)
    if "published_date" in df:
        df["published_date"] = pd.to_datetime(df["published_date"])  # GX compares datetimes, not date objects
    return df


def run_gate(
    folder: Path,
    expected_counts: dict[str, dict[str, int]],
    floors: dict,
    out: Path,
    build_date: dt.date | None = None,
) -> GateResult:
    """Validate the dataset folder; write results.json, report.md, report.html and data_docs/ into `out`."""
    with memory.scan_pool():
        return _run_gate(folder, expected_counts, floors, out, build_date)


class _JsonList:
    """A JSON list written to `path` an item at a time: the bytes of `json.dumps(items, ensure_ascii=False,
    indent=1, default=str)` and a newline. Written under a temporary name, renamed by `finish`; `close`
    without `finish` removes it."""

    def __init__(self, path: Path) -> None:
        self.path, self.tmp = path, path.with_name(f".{path.name}.tmp")
        self.fh = open(self.tmp, "w", encoding="utf-8")
        self.count = 0

    def add(self, item) -> None:
        text = json.dumps(item, ensure_ascii=False, indent=1, default=str)
        self.fh.write(("," if self.count else "[") + "\n " + text.replace("\n", "\n "))
        self.count += 1

    def finish(self) -> None:
        self.fh.write("\n]\n" if self.count else "[]\n")
        self.fh.close()
        self.tmp.replace(self.path)

    def close(self) -> None:
        if not self.fh.closed:
            self.fh.close()
            self.tmp.unlink(missing_ok=True)


def _run_gate(folder: Path, expected_counts: dict, floors: dict, out: Path, build_date: dt.date | None) -> GateResult:
    ensure_offline()
    import great_expectations as gx
    import great_expectations.expectations as gxe
    import pandas as pd
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every pandas batch (a pickle and an md5 of the whole frame, a real share of the gate's
    # time) for a batch marker this gate never reads; frames above HASH_THRESHOLD bytes are not fingerprinted.
    if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
        pandas_execution_engine.HASH_THRESHOLD = 0

    build_date = build_date or dt.date.today()
    params = {"build_date": pd.Timestamp(build_date)}
    out.mkdir(parents=True, exist_ok=True)
    project = Path(tempfile.mkdtemp(prefix="vncyberdata-gx-"))
    # GX's own validation results, one per batch, go to gx_results.json as they come: held to the end,
    # they would grow the gate's memory with the number of batches, that is with the corpus
    native = _JsonList(out / "gx_results.json")
    try:
        ctx = gx.get_context(mode="file", project_root_dir=str(project))
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = ctx.data_sources.add_pandas("dataset")
        outcomes: list[Outcome] = []
        for config in MODELS:
            spec = suite_spec(config, floors)
            suite = gx.ExpectationSuite(name=config)
            for item in spec:
                cls = getattr(gxe, "".join(part.title() for part in item["type"].split("_")))
                suite.add_expectation(cls(**_resolve(item["kwargs"], params)))
            suite = ctx.suites.add(suite)
            position = {e.id: i for i, e in enumerate(suite.expectations)}  # results come back in another order
            definition = source.add_dataframe_asset(config).add_batch_definition_whole_dataframe("batch")
            validation = ctx.validation_definitions.add(gx.ValidationDefinition(name=config, data=definition, suite=suite))
            checkpoint = ctx.checkpoints.add(
                gx.Checkpoint(
                    name=config,
                    validation_definitions=[validation],
                    actions=[],  # Data Docs are built once at the end, not after every batch
                    result_format={"result_format": "COMPLETE"},
                )
            )
            agg = [Outcome(config, e["type"], e["kwargs"], e["meta"]["why"]) for e in spec]
            seen_batches = 0
            for _split, batch in _gx_batches(folder, config):
                df = _to_frame(batch)
                seen_batches += 1
                run = checkpoint.run(batch_parameters={"dataframe": df})
                (result,) = run.run_results.values()
                native.add({"config": config, "splits": _split, "batch": seen_batches, "result": result.to_json_dict()})
                for r in result.results:
                    _merge(agg[position[r.expectation_config.id]], r, df)
                del df, batch, run, result  # not alive while the next batch is read
            if seen_batches == 0:
                for outcome in agg:
                    outcome.observed = "no rows"
            outcomes += agg
            outcomes += _cross_batch_checks(folder, config, expected_counts.get(config, {}))
        ctx.build_data_docs()
        native.finish()
        docs = project / "gx" / "uncommitted" / "data_docs" / "local_site"
        if docs.exists():
            shutil.copytree(docs, out / "data_docs", dirs_exist_ok=True)
    finally:
        native.close()
        shutil.rmtree(project, ignore_errors=True)
    result = GateResult(outcomes, build_date.isoformat())
    (out / "results.json").write_text(json.dumps(result.as_dict(), ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    (out / "report.md").write_text(render_markdown(result), encoding="utf-8")
    (out / "report.html").write_text(render_html(result), encoding="utf-8")
    return result


def _merge(outcome: Outcome, r, df) -> None:
    res = r.result or {}
    outcome.success = outcome.success and bool(r.success)
    info = r.exception_info or {}
    if info.get("raised_exception"):  # an expectation that could not run is a failure, with GX's reason
        outcome.observed = f"error: {info.get('exception_message')}"
        return
    count = res.get("unexpected_count")
    if count:
        outcome.unexpected_count += int(count)
    outcome.element_count += int(res.get("element_count") or 0)
    if res.get("observed_value") is not None:
        outcome.observed = res["observed_value"]
    if not r.success and "id" in df:
        for index in (res.get("unexpected_index_list") or [])[: SAMPLE_IDS - len(outcome.sample_ids)]:
            if isinstance(index, int) and 0 <= index < len(df):
                outcome.sample_ids.append(str(df["id"].iloc[index]))


def _cross_batch_checks(folder: Path, config: str, expected: dict[str, int]) -> list[Outcome]:
    """Checks GX cannot do batch by batch: ids unique over all shards and splits, rows per split, dates."""
    unique = Outcome(config, "ids_unique", {"column": "id"}, "no id twice in a config, across shards and splits", "vncyberdata")
    streams = [_ids(folder, config, split) for split in SPLITS]
    previous = None
    for record_id in heapq.merge(*streams):
        unique.element_count += 1
        if record_id == previous:
            unique.success = False
            unique.unexpected_count += 1
            if len(unique.sample_ids) < SAMPLE_IDS:
                unique.sample_ids.append(record_id)
        previous = record_id
    counts = Outcome(config, "row_counts_per_split", {"expected": expected}, "rows per split as the build reported", "vncyberdata")
    actual = {s: sum(pq.ParquetFile(p).metadata.num_rows for p in (folder / "data" / config).glob(f"{s}-*.parquet")) for s in SPLITS}
    actual = {s: n for s, n in actual.items() if n}
    counts.observed = actual
    counts.success = actual == {s: n for s, n in expected.items() if n}
    return [unique, counts, *_scan(folder, config, rowchecks.CHECKS[config])]


def _scan(folder: Path, config: str, checks: list[rowchecks.Check]) -> list[Outcome]:
    """The row checks (rowchecks.CHECKS), all in one pass over the data, a row group at a time."""
    outcomes = [(Outcome(config, name, {}, why, "vncyberdata"), check) for name, why, check in checks]
    columns = [c for c in schemas.arrow_schema(config).names if c in rowchecks.COLUMNS]
    for _split, table in loading.row_groups(folder, config, columns):
        for outcome, check in outcomes:
            applies, bad = check(table)
            outcome.element_count += int(applies.sum())
            offending = np.flatnonzero(applies & bad)
            if offending.size:
                outcome.success = False
                outcome.unexpected_count += int(offending.size)
                room = SAMPLE_IDS - len(outcome.sample_ids)
                if room > 0:
                    outcome.sample_ids += table["id"].take(pa.array(offending[:room])).to_pylist()
        del table  # not alive while the next group is read
    return [outcome for outcome, _check in outcomes]


def _ids(folder: Path, config: str, split: str) -> Iterator[str]:
    """The ids of one split in file order (files are sorted by id, so the stream is sorted)."""
    for _split, batch in loading.batches(folder, config, ["id"], (split,), rows=10_000):
        yield from batch.column("id").to_pylist()


# ---------------------------------------------------------------- reports


def _kwargs_text(kwargs: dict) -> str:
    text = ", ".join(f"{k}={v}" for k, v in kwargs.items() if k != "column_list")
    return text if len(text) < 160 else text[:157] + "..."


def summary_lines(result: GateResult) -> list[str]:
    failures = result.failures()
    lines = [f"quality gate: {'PASSED' if result.success else 'FAILED'} ({len(result.outcomes) - len(failures)}/{len(result.outcomes)} checks passed)"]
    for o in failures:
        ids = f"; e.g. ids {', '.join(o.sample_ids)}" if o.sample_ids else ""
        lines.append(f"  FAILED {o.config}: {o.type}({_kwargs_text(o.kwargs)}): {o.why}; unexpected {o.unexpected_count}, observed {o.observed}{ids}")
    return lines


def render_markdown(result: GateResult) -> str:
    rows = ["| config | check | parameters | why | result | observed | unexpected | example ids |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for o in result.outcomes:
        cells = [o.config, f"`{o.type}`", _kwargs_text(o.kwargs), o.why, "pass" if o.success else "**FAIL**", str(o.observed if o.observed is not None else ""), str(o.unexpected_count), ", ".join(o.sample_ids)]
        rows.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    head = "\n".join(summary_lines(result))
    return f"# Quality gate report\n\nBuild date: {result.build_date}\n\n```\n{head}\n```\n\n" + "\n".join(rows) + "\n"


def render_html(result: GateResult) -> str:
    """A single HTML file with inline CSS: opens offline, unlike GX's Data Docs."""
    rows = []
    for o in result.outcomes:
        cls = "ok" if o.success else "fail"
        cells = [o.config, o.type, _kwargs_text(o.kwargs), o.why, "pass" if o.success else "FAIL", "" if o.observed is None else str(o.observed), str(o.unexpected_count), ", ".join(o.sample_ids)]
        rows.append(f'<tr class="{cls}">' + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    summary = html.escape("\n".join(summary_lines(result)))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>vncyberdata quality gate</title>\n"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:4px 6px;font-size:13px;vertical-align:top}tr.fail{background:#fdd}tr.ok td:nth-child(5){color:#070}"
        "pre{background:#f4f4f4;padding:1em}</style></head><body>\n"
        f"<h1>Quality gate report</h1><p>Build date: {html.escape(result.build_date)}</p><pre>{summary}</pre>\n"
        "<table><tr><th>config</th><th>check</th><th>parameters</th><th>why</th><th>result</th><th>observed</th>"
        "<th>unexpected</th><th>example ids</th></tr>\n" + "\n".join(rows) + "\n</table></body></html>\n"
    )
