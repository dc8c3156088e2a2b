"""Releases: immutable, versioned dataset folders that pass the gate, with a small history that git keeps.

`release()` validates raw/, builds into a hidden staging folder, runs the quality gate and the checks
against the previous release (record hashes and their comparison: records.py), records the release in
`releases/<version>.records.parquet` then `releases/<version>.json` (the commit point), then renames the
staging folder to `build/releases/vncyberdata-<version>/`. A crash at any point leaves either nothing visible
or a recorded release whose folder a rerun rebuilds and proves byte-identical.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..build import card
from . import croissant, gate, stats
from ..model import schemas
from ..build.build import Options, build
from ..build.database import Limits
from ..errors import UserError
from .loading import PREFIX, parse_version
from ..intake.raw import sha256_file
from ..model.record import MODELS
from .records import Changes, compare, recorded
from .records import write as write_records

REPRODUCIBLE = ("README.md", "croissant.json")  # plus everything under data/: byte-identical on a rebuild
# 2: "inputs" is the inputs.parquet summary (file, count, sha256), not every row; 3: "records" is the record
# hashes' table, releases/<version>.records.parquet (file, rows, sha256), not every hash
HISTORY_FORMAT = 3
RECORDS_SUFFIX = ".records.parquet"


# ---------------------------------------------------------------- versions


def bump(previous: str | None, level: str) -> str:
    if previous is None:
        return "1.0.0"
    major, minor, patch = parse_version(previous)
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


# ---------------------------------------------------------------- history


@dataclass
class Paths:
    root: Path  # the repository (history, floors, retractions, changelog)
    raw: Path
    releases: Path  # where release folders are built: build/releases

    @property
    def history(self) -> Path:
        return self.root / "releases"

    @property
    def floors(self) -> Path:
        return self.root / "schema" / "floors.toml"

    @property
    def retractions(self) -> Path:
        return self.root / "releases" / "retractions.toml"

    @property
    def changelog(self) -> Path:
        return self.root / "CHANGELOG.md"


def recorded_versions(paths: Paths) -> list[str]:
    versions = [p.stem for p in paths.history.glob("*.json") if p.stem.count(".") == 2]
    return sorted(versions, key=parse_version)


def load_record(paths: Paths, version: str) -> dict:
    return json.loads((paths.history / f"{version}.json").read_text(encoding="utf-8"))


def _clean_history(paths: Paths) -> None:
    """Remove what a killed run left in the history folder: temporary files, and a records table written
    before its JSON (the commit point) was: no release refers to it, and the rerun writes its own."""
    if not paths.history.is_dir():
        return
    for path in paths.history.glob(f".*{RECORDS_SUFFIX}.tmp-*"):
        path.unlink(missing_ok=True)
    for path in paths.history.glob(".*.json.tmp-*"):
        path.unlink(missing_ok=True)
    for path in paths.history.glob(f"*{RECORDS_SUFFIX}"):
        if not path.with_name(path.name[: -len(RECORDS_SUFFIX)] + ".json").exists():
            path.unlink()


def load_retractions(paths: Paths) -> dict[str, dict]:
    if not paths.retractions.exists():
        return {}
    with open(paths.retractions, "rb") as fh:
        rows = tomllib.load(fh).get("retraction", [])
    for i, row in enumerate(rows):
        missing = {"id", "date", "reason"} - set(row)
        if missing:
            raise UserError(
                f"{paths.retractions}: retraction #{i + 1} lacks {', '.join(sorted(missing))}",
                "each [[retraction]] needs id, date and reason",
            )
    return {row["id"]: row for row in rows}


def _file_rows(folder: Path, names: list[str]) -> list[dict]:
    return [{"path": n, "size": (folder / n).stat().st_size, "sha256": sha256_file(folder / n)} for n in names]


def reproducible_files(folder: Path) -> list[str]:
    names = [p.relative_to(folder).as_posix() for p in sorted((folder / "data").rglob("*.parquet"))]
    return names + [n for n in REPRODUCIBLE if (folder / n).exists()]


# ---------------------------------------------------------------- the release


@dataclass
class Outcome:
    status: str  # published | unchanged | rematerialised | refused
    version: str | None
    lines: list[str]
    folder: Path | None = None


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _staging(paths: Paths) -> Path:
    paths.releases.mkdir(parents=True, exist_ok=True)
    for old in paths.releases.glob(".staging-*"):  # left by a killed run: never visible as a release
        shutil.rmtree(old, ignore_errors=True)
    stage = paths.releases / f".staging-{os.getpid()}"
    stage.mkdir()
    return stage


def release(
    paths: Paths,
    version: str | None = None,
    allow_lower_floors: bool = False,
    today: dt.date | None = None,
    checkpoint=lambda name: None,
    workers: int = 0,
    database: Limits = Limits(),
) -> Outcome:
    """Publish a new release, or say why not. `checkpoint(name)` is a hook for the crash-safety tests.
    Validation and the build run in `workers` processes (default: one per CPU core); the build's database and
    the comparison with the previous release work within `database`."""
    from ..intake.validate import validate

    today = today or dt.date.today()
    git_state = _git_state(paths)  # before this run touches CHANGELOG.md, DATASHEET.md or releases/
    _clean_history(paths)
    versions = recorded_versions(paths)
    previous = load_record(paths, versions[-1]) if versions else None
    old_records = recorded(paths.history, previous) if previous else None  # checked before the long build
    if version is not None:
        parse_version(version)
        if (paths.history / f"{version}.json").exists() or (paths.releases / f"{PREFIX}{version}").exists():
            raise UserError(f"version {version} already exists", "releases are immutable: pick a higher version", 2)

    workers = workers or os.cpu_count() or 1
    result = validate(paths.raw, workers=workers)
    errors = [f for f in result.findings if f.severity == "error"]
    if errors:
        lines = ["refused: raw files fail validation (vncyberdata validate):"]
        lines += [f"  {paths.raw}/{f.location()}: {f.code} {f.message} (hint: {f.hint})" for f in errors]
        return Outcome("refused", None, lines)
    checkpoint("validated")

    stage = _staging(paths)
    try:
        dataset = stage / "dataset"
        report = build(paths.raw, dataset, Options(workers=workers, database=database))
        checkpoint("built")
        records_file = stage / "records.parquet"  # beside the dataset: not a file of the release folder
        record_rows = write_records(dataset, records_file)
        features = {c: schemas.features_yaml_list(c) for c in MODELS}
        floors = gate.load_floors(paths.floors)
        if previous is None:
            changes, level = None, "major"
        else:
            changes = compare(old_records, records_file, previous["features"], features,
                              retracted=load_retractions(paths), scratch=stage / "compare", limits=database)
            level = changes.level() or _reencoded(previous, report)
        if previous is not None and level is None and floors == previous["floors"]:
            return _unchanged(paths, previous, stage)

        minimum = bump(previous["version"] if previous else None, level or "patch")
        chosen = version or minimum
        if parse_version(chosen) < parse_version(minimum):
            why = "; ".join(changes.reasons()) if changes else "first release"
            return Outcome("refused", None, [f"refused: version {chosen} is below the minimum {minimum} ({why})"])

        blockers = _release_checks(paths, previous, changes, floors, allow_lower_floors)
        gate_result = gate.run_gate(dataset, report["splits"], floors, dataset / "gate", build_date=today)
        checkpoint("gated")
        if blockers or not gate_result.success:
            lines = ["refused: the release does not pass the gate"] + blockers + gate.summary_lines(gate_result)
            report_copy = paths.releases / "last-refused-gate"
            shutil.rmtree(report_copy, ignore_errors=True)
            shutil.copytree(dataset / "gate", report_copy)
            lines.append(f"full report: {report_copy}/report.html (also report.md, results.json)")
            return Outcome("refused", chosen, lines)

        figures = finish_folder(dataset, chosen, today.isoformat(), report)
        notes = _release_notes(chosen, previous, changes, floors, today, gate_result, report)
        (dataset / "RELEASE_NOTES.md").write_text(notes, encoding="utf-8")
        record = {
            "format": HISTORY_FORMAT,
            "version": chosen,
            "date": today.isoformat(),
            "package_version": __version__,
            "parser_version": report["parser_version"],
            "signature_version": report["signature_version"],
            "parquet_encoding": report["parquet_encoding"],
            "inputs": _inputs_summary(report),
            "splits": report["splits"],
            "features": features,
            "floors": floors,
            "records": {"file": f"{chosen}{RECORDS_SUFFIX}", "rows": record_rows, "sha256": sha256_file(records_file)},
            "reproducible": _file_rows(dataset, reproducible_files(dataset)),
        }
        _update_datasheet(paths, dataset, chosen, figures)  # idempotent too: it replaces its own section
        _write_manifest(git_state, dataset, chosen, report, gate_result, today)
        checkpoint("manifested")
        _prepend_changelog(paths, chosen, notes)  # idempotent: a rerun after a crash replaces the section
        # the records table goes first: a JSON without its table would be a broken history; a table without
        # its JSON is removed (or overwritten) by the next run
        _copy_atomic(records_file, paths.history / record["records"]["file"])
        checkpoint("recording")
        _write_atomic(paths.history / f"{chosen}.json", json.dumps(record, ensure_ascii=False, indent=1) + "\n")
        checkpoint("recorded")  # the commit point: from here a rerun re-materialises instead of re-deciding
        target = paths.releases / f"{PREFIX}{chosen}"
        os.replace(dataset, target)
        checkpoint("published")
        lines = [f"published {target}"] + gate.summary_lines(gate_result)[:1]
        if changes:
            lines += [f"  {r}" for r in changes.reasons()]
        return Outcome("published", chosen, lines, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _release_checks(paths: Paths, previous: dict | None, changes: Changes | None, floors: dict, allow_lower: bool) -> list[str]:
    """Checks against the previous release: no silent loss, no split moves, no quiet lowering of floors."""
    if previous is None or changes is None:
        return []
    out = []
    # headlines are derived from articles: one leaves when the last page listing it leaves, so only
    # articles need a retraction; any removal still makes the release a major version
    silent = changes.unretracted["articles"]  # counted by the comparison against every retracted id
    if silent:
        out.append(f"  FAILED articles: {len(silent)} records of {previous['version']} are gone and not in "
                   f"{paths.retractions.name} (e.g. {', '.join(silent.sample[:5])}); restore them or retract them with a reason")
    for config, ids in changes.moved.items():
        if ids:
            out.append(f"  FAILED {config}: {len(ids)} records changed split (e.g. {', '.join(ids.sample[:5])}); ids never change split")
    lowered = gate.lowered_floors(previous["floors"], floors)
    if lowered and not allow_lower:
        out.append(f"  FAILED floors lowered without --allow-lower-floors: {'; '.join(lowered)}")
    return out


def _unchanged(paths: Paths, previous: dict, stage: Path) -> Outcome:
    """Nothing changed since the latest release: publish nothing; re-materialise it if it is not built here."""
    version = previous["version"]
    target = paths.releases / f"{PREFIX}{version}"
    if target.exists():
        return Outcome("unchanged", version, [f"nothing changed since {version}: nothing published ({target} is up to date)"], target)
    dataset = stage / "dataset"
    report = json.loads((dataset / "build-report.json").read_text(encoding="utf-8"))
    figures = finish_folder(dataset, version, previous["date"], report)
    differ = []
    for row in previous["reproducible"]:
        path = dataset / row["path"]
        if not path.exists():
            differ.append(f"  {row['path']}: missing from the rebuild")
        elif sha256_file(path) != row["sha256"]:
            differ.append(f"  {row['path']}: sha256 {sha256_file(path)} differs from the recorded {row['sha256']}")
    if differ:
        return Outcome("refused", version, [f"refused: rebuilding {version} does not reproduce the recorded files:"] + differ)
    floors = previous["floors"]
    gate_result = gate.run_gate(dataset, previous["splits"], floors, dataset / "gate", build_date=dt.date.fromisoformat(previous["date"]))
    (dataset / "RELEASE_NOTES.md").write_text(_notes_from_changelog(paths, version), encoding="utf-8")
    _copy_datasheet(paths, dataset, version, figures)
    _write_manifest(_git_state(paths), dataset, version, report, gate_result, dt.date.fromisoformat(previous["date"]))
    os.replace(dataset, target)
    n = len(previous["reproducible"])
    return Outcome("rematerialised", version, [f"re-materialised {version} into {target}: {n} files byte-identical to the recorded checksums"], target)


def finish_folder(dataset: Path, version: str, date: str, report: dict) -> dict:
    """Release-only files: statistics and plots, the versioned card, croissant.json. Deterministic."""
    figures = stats.compute(dataset)
    stats.plot(figures, dataset / "stats")
    (dataset / "README.md").write_text(card.render(report["split_info"], report, version, figures, date), encoding="utf-8")
    description = "Vietnamese news articles about cybercrime, parsed from raw page dumps into records with provenance."
    (dataset / "croissant.json").write_text(croissant.render(dataset, version, date, description), encoding="utf-8")
    return figures


def _update_datasheet(paths: Paths, dataset: Path, version: str, figures: dict) -> None:
    """Regenerate the statistics section of the repository's DATASHEET.md and ship a copy in the release."""
    sheet = paths.root / "DATASHEET.md"
    if sheet.exists():
        rel = os.path.relpath(paths.releases / f"{PREFIX}{version}" / "stats", paths.root)
        stats.update_datasheet(sheet, stats.markdown(figures, version, rel + "/"))
    _copy_datasheet(paths, dataset, version, figures)


def _copy_datasheet(paths: Paths, dataset: Path, version: str, figures: dict) -> None:
    sheet = paths.root / "DATASHEET.md"
    if sheet.exists():
        shutil.copy(sheet, dataset / "DATASHEET.md")
        stats.update_datasheet(dataset / "DATASHEET.md", stats.markdown(figures, version, "stats/"))


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _copy_atomic(source: Path, path: Path) -> None:
    """Copy a file to `path`, which holds the old bytes or the new ones, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    shutil.copyfile(source, tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _git_state(paths: Paths) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the repository; (None, None) outside a git checkout."""
    commit = _git(paths.root, "rev-parse", "HEAD")
    dirty = _git(paths.root, "status", "--porcelain")
    return commit, (bool(dirty) if dirty is not None and commit else None)


def _write_manifest(git_state: tuple, folder: Path, version: str, report: dict, gate_result, today: dt.date) -> None:
    commit, dirty = git_state
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")
    manifest = {
        "dataset": "vncyberdata",
        "version": version,
        "package_version": __version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "release_date": today.isoformat(),
        "raw_inputs": _inputs_summary(report),
        "outputs": _file_rows(folder, files),
        "gate": {"success": gate_result.success, "checks": len(gate_result.outcomes), "failed": len(gate_result.failures())},
        "splits": report["splits"],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# What changes the records of an unchanged raw folder: the parser, and the near-duplicate signatures (which
# pairs near the threshold are one cluster). A history record without a signature version predates it: 1.
# The same records written another way (write.PARQUET_ENCODING; 1 before it was recorded) are new bytes: a
# patch release, since a rebuild of the recorded one could not reproduce its checksums.
_ENGINE_VERSIONS = (("parser_version", "parser", 0), ("signature_version", "near-duplicate signatures (MinHash)", 1),
                    ("parquet_encoding", "Parquet encoding of the shards", 1))


def _reencoded(previous: dict, report: dict) -> str | None:
    return "patch" if str(previous.get("parquet_encoding", 1)) != str(report["parquet_encoding"]) else None


def _inputs_summary(report: dict) -> dict:
    """The build's pinned inputs as the release records them: the table's file, row count and checksum (the
    rows, one a raw file or sidecar with its size and sha256, are in the release folder's inputs.parquet)."""
    inputs = report["inputs"]
    sha256 = next(row["sha256"] for row in report["outputs"] if row["path"] == inputs["file"])
    return {**inputs, "sha256": sha256}


def _release_notes(version: str, previous: dict | None, changes: Changes | None, floors: dict, today: dt.date, gate_result,
                   report: dict) -> str:
    lines = [f"## {version} ({today.isoformat()})", ""]
    if previous is None or changes is None:
        lines.append("First release.")
    else:
        lines.append(f"Changes since {previous['version']}:")
        for key, what, before in _ENGINE_VERSIONS:
            old, new = previous.get(key, before), report.get(key)
            if new is not None and str(old) != str(new):
                lines.append(f"- {what}: version {old} -> {new}")
        for config in MODELS:
            for name in ("added", "removed", "changed"):
                ids = getattr(changes, name)[config]
                if ids:
                    lines.append(f"- {config}: {len(ids)} records {name}: {ids.shown(20)}")
            if changes.fields_added[config]:
                lines.append(f"- {config}: fields added: {', '.join(changes.fields_added[config])}")
            if changes.fields_broken[config]:
                lines.append(f"- {config}: fields removed or changed: {', '.join(changes.fields_broken[config])}")
        lowered = gate.lowered_floors(previous["floors"], floors)
        for line in lowered:
            lines.append(f"- floor lowered: {line}")
        raised = gate.lowered_floors(floors, previous["floors"])
        for line in raised:
            lines.append(f"- floor raised: {line.split(': ', 1)[0]}")
        if not any(getattr(changes, n)[c] for n in ("added", "removed", "changed", "fields_added", "fields_broken") for c in MODELS):
            lines.append("- records unchanged")
    lines += ["", f"Quality gate: {'passed' if gate_result.success else 'failed'} ({len(gate_result.outcomes)} checks).", ""]
    return "\n".join(lines) + "\n"


def _prepend_changelog(paths: Paths, version: str, notes: str) -> None:
    head = "# Changelog\n\nReleases of the vncyberdata dataset (newest first). Written by `vncyberdata release`.\n\n"
    old = paths.changelog.read_text(encoding="utf-8") if paths.changelog.exists() else head
    body = old[len(head):] if old.startswith(head) else old
    start = body.find(f"## {version} ")
    if start >= 0:  # left by a run that was killed before its commit point
        end = body.find("\n## ", start + 1)
        body = body[:start] + (body[end + 1 :] if end >= 0 else "")
    _write_atomic(paths.changelog, head + notes + "\n" + body)


def _notes_from_changelog(paths: Paths, version: str) -> str:
    text = paths.changelog.read_text(encoding="utf-8") if paths.changelog.exists() else ""
    start = text.find(f"## {version} ")
    if start < 0:
        return f"## {version}\n\nRe-materialised from the recorded release.\n"
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None].rstrip() + "\n"
