"""Releases: publish, refuse, bump, retract, re-materialise, verify, diff, and survive SIGKILL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pyarrow.parquet as pq
import pytest
from conftest import PAGES, RAW, REPO

from vncyberdata.release import gate, records
from vncyberdata.build import minhash, write
from vncyberdata.errors import UserError
from vncyberdata.release.loading import report_rows
from vncyberdata.intake.raw import sha256_file
from vncyberdata.release.records import Changes, compare, from_nested
from vncyberdata.release.release import HISTORY_FORMAT, Paths, bump, release
from vncyberdata.release.verify import diff, verify

SCHEMA = REPO / "schema"


def _repo(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(RAW, root / "raw")
    shutil.copytree(SCHEMA, root / "schema")
    shutil.copy(REPO / "DATASHEET.md", root / "DATASHEET.md")
    return Paths(root=root, raw=root / "raw", releases=root / "build" / "releases")


@pytest.fixture(scope="session")
def first_release(tmp_path_factory):
    """A repository copy with 1.0.0 of the seed corpus released (made once, copied by tests)."""
    paths = _repo(tmp_path_factory.mktemp("first"))
    outcome = release(paths)
    assert outcome.status == "published" and outcome.version == "1.0.0", outcome.lines
    return paths


@pytest.fixture
def released(first_release, tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(first_release.root, root, symlinks=True)
    return Paths(root=root, raw=root / "raw", releases=root / "build" / "releases")


def _add_page(paths, name):
    for suffix in (".txt", ".meta.json"):
        shutil.copy(PAGES / f"{name}{suffix}", paths.raw / f"{name}{suffix}")


def test_first_release_is_published_recorded_and_verified(first_release):
    folder = first_release.releases / "vncyberdata-1.0.0"
    assert verify(folder) == []
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["version"] == "1.0.0" and manifest["gate"]["success"] and manifest["gate"]["failed"] == 0
    inputs = report_rows(folder, "inputs")
    assert [r["path"] for r in inputs] == sorted(r["path"] for r in inputs) and len(inputs) == manifest["raw_inputs"]["count"]
    assert manifest["raw_inputs"]["sha256"] == sha256_file(folder / "report" / "inputs.parquet")
    assert {"data/articles/train-00000-of-00001.parquet", "gate/report.html", "gate/results.json"} <= {
        r["path"] for r in manifest["outputs"]
    }
    assert any(p.name == "index.html" for p in (folder / "gate" / "data_docs").rglob("*.html"))
    record = json.loads((first_release.root / "releases" / "1.0.0.json").read_text())
    assert record["format"] == HISTORY_FORMAT == 3 and record["reproducible"]
    table_file = first_release.root / "releases" / record["records"]["file"]
    assert record["records"] == {"file": "1.0.0.records.parquet", "rows": 2 + 31, "sha256": sha256_file(table_file)}
    table = pq.read_table(table_file)
    assert table.schema == records.COLUMNS
    keys = list(zip(table.column("config").to_pylist(), table.column("id").to_pylist()))
    assert keys == sorted(keys) and table.column("config").to_pylist().count("articles") == 2
    assert "## 1.0.0 " in (first_release.root / "CHANGELOG.md").read_text()
    report = (folder / "gate" / "report.html").read_text()
    assert "<link" not in report and "<script" not in report, "the self-contained report must open offline"


def test_nothing_changed_publishes_nothing(released):
    before = sorted(p.name for p in released.releases.iterdir())
    outcome = release(released)
    assert outcome.status == "unchanged" and "nothing published" in outcome.lines[0]
    assert sorted(p.name for p in released.releases.iterdir()) == before


def test_the_same_records_in_another_parquet_encoding_are_a_patch_release(released):
    # 1.0.0 as if written at an older encoding (before the field was recorded: 1); the raw folder is unchanged
    history = released.root / "releases" / "1.0.0.json"
    record = json.loads(history.read_text())
    assert record["parquet_encoding"] == write.PARQUET_ENCODING != 1
    del record["parquet_encoding"]
    history.write_text(json.dumps(record))
    outcome = release(released)
    assert outcome.status == "published" and outcome.version == "1.0.1", outcome.lines
    notes = (released.releases / "vncyberdata-1.0.1" / "RELEASE_NOTES.md").read_text()
    assert f"Parquet encoding of the shards: version 1 -> {write.PARQUET_ENCODING}" in notes
    assert "records changed" not in notes and "records added" not in notes


def test_rematerialise_is_byte_identical_or_names_the_file(released):
    shutil.rmtree(released.releases / "vncyberdata-1.0.0")
    outcome = release(released)
    assert outcome.status == "rematerialised", outcome.lines
    assert verify(released.releases / "vncyberdata-1.0.0") == []
    shutil.rmtree(released.releases / "vncyberdata-1.0.0")
    history = released.root / "releases" / "1.0.0.json"
    record = json.loads(history.read_text())
    record["reproducible"][0]["sha256"] = "0" * 64
    history.write_text(json.dumps(record))
    outcome = release(released)
    assert outcome.status == "refused"
    assert record["reproducible"][0]["path"] in "\n".join(outcome.lines)
    assert not (released.releases / "vncyberdata-1.0.0").exists()


def test_added_records_need_a_minor_bump(released):
    _add_page(released, "inline_related_box")
    refused = release(released, version="1.0.1")
    assert refused.status == "refused" and "below the minimum 1.1.0" in refused.lines[0]
    assert "records added" in refused.lines[0]
    outcome = release(released)
    assert outcome.status == "published" and outcome.version == "1.1.0", outcome.lines
    assert verify(released.releases / "vncyberdata-1.0.0") == [], "older releases are never touched"
    lines = diff(released.releases / "vncyberdata-1.0.0", released.releases / "vncyberdata-1.1.0")
    listed = list(lines)
    order = [line.split("\t") for line in listed]
    assert len(listed) == len(lines) > 0 and order == sorted(order, key=lambda c: (c[0], records.KINDS.index(c[1]), c[2]))
    assert any(line.startswith("articles\tadded\t") for line in listed)
    lines.close()
    notes = (released.releases / "vncyberdata-1.1.0" / "RELEASE_NOTES.md").read_text()
    assert "records added" in notes
    with pytest.raises(UserError, match="already exists"):
        release(released, version="1.1.0")


def test_release_notes_say_when_the_signatures_changed(released):
    """A release built with another MinHash (or parser) version says so: near-duplicate clusters may differ."""
    history = released.root / "releases" / "1.0.0.json"
    record = json.loads(history.read_text())
    assert record["signature_version"] == minhash.SIGNATURE_VERSION
    del record["signature_version"]  # as 1.0.0 was recorded, before signatures were versioned: datasketch's, 1
    history.write_text(json.dumps(record))
    _add_page(released, "inline_related_box")
    outcome = release(released)
    assert outcome.status == "published", outcome.lines
    notes = (released.releases / f"vncyberdata-{outcome.version}" / "RELEASE_NOTES.md").read_text()
    assert f"near-duplicate signatures (MinHash): version 1 -> {minhash.SIGNATURE_VERSION}" in notes
    assert "- parser: version" not in notes  # the parser did not change


def _recorded_rows(paths, version):
    record = json.loads((paths.root / "releases" / f"{version}.json").read_text())
    return pq.read_table(paths.root / "releases" / record["records"]["file"]).to_pylist()


def test_silent_loss_is_refused_and_retraction_allows_a_major(released):
    gone_id = next(r["id"] for r in _recorded_rows(released, "1.0.0") if r["config"] == "articles" and r["split"] == "test")
    (released.raw / "000_950e53a0e89c16ec.txt").unlink()
    (released.raw / "000_950e53a0e89c16ec.meta.json").unlink()
    refused = release(released, version="2.0.0")
    assert refused.status == "refused"
    assert any("are gone and not in retractions.toml" in line and gone_id in line for line in refused.lines)
    (released.root / "releases" / "retractions.toml").write_text(
        f'[[retraction]]\nid = "{gone_id}"\ndate = "2026-11-23"\nreason = "takedown request (test)"\n'
    )
    assert release(released, version="1.1.0").status == "refused"  # removal is a major change
    outcome = release(released)
    assert outcome.status == "published" and outcome.version == "2.0.0", outcome.lines


def test_lowered_floor_needs_the_flag(released):
    floors = released.root / "schema" / "floors.toml"
    floors.write_text(floors.read_text().replace("body_min_chars = 200", "body_min_chars = 100"))
    refused = release(released)
    assert refused.status == "refused" and any("--allow-lower-floors" in line for line in refused.lines)
    outcome = release(released, allow_lower_floors=True)
    assert outcome.status == "published" and outcome.version == "1.0.1"
    assert "floor lowered: articles.body_min_chars: 200 → 100" in (released.releases / "vncyberdata-1.0.1" / "RELEASE_NOTES.md").read_text()


def test_broken_record_blocks_the_release_with_a_readable_report(released):
    # an article, but shorter than the body floor (a dump of a few short lines is not an article: no_article)
    short = "Tin ngắn về lừa đảo qua mạng\nCông an cảnh báo người dân không chuyển tiền cho người lạ qua mạng xã hội.\n"
    (released.raw / "short.txt").write_text(short)
    (released.raw / "short.meta.json").write_text('{"publisher": "Báo Mẫu", "license": "test"}')
    refused = release(released)
    text = "\n".join(refused.lines)
    assert refused.status == "refused" and "quality gate: FAILED" in text
    assert "body length floor" in text and "e.g. ids" in text
    assert (released.releases / "last-refused-gate" / "report.html").exists()
    assert sorted(p.name for p in released.releases.glob("vncyberdata-*")) == ["vncyberdata-1.0.0"]


def test_bump_and_compare_rules():
    assert bump(None, "major") == "1.0.0"
    assert [bump("1.4.2", lvl) for lvl in ("major", "minor", "patch")] == ["2.0.0", "1.5.0", "1.4.3"]
    old = from_nested({"articles": {"train": {"a": "1", "b": "2"}}})
    feats = {"articles": [{"name": "id", "dtype": "string"}]}
    assert compare(old, old, feats, feats).level() is None
    assert compare(old, from_nested({"articles": {"train": {"a": "1", "b": "3"}}}), feats, feats).level() == "patch"
    assert compare(old, from_nested({"articles": {"train": {"a": "1", "b": "2", "c": "4"}}}), feats, feats).level() == "minor"
    more = {"articles": feats["articles"] + [{"name": "x", "dtype": "int32"}]}
    assert compare(old, old, feats, more).level() == "minor"
    assert compare(old, old, more, feats).level() == "major"
    assert compare(old, from_nested({"articles": {"train": {"a": "1"}}}), feats, feats).level() == "major"
    moved = compare(old, from_nested({"articles": {"test": {"a": "1"}, "train": {"b": "2"}}}), feats, feats)
    assert moved.moved["articles"].sample == ("a",) and len(moved.moved["articles"]) == 1
    assert isinstance(moved, Changes) and not moved.changed["articles"] and not moved.moved["headlines"]


def test_compare_counts_exactly_and_samples_the_first_ids(tmp_path):
    """Counts are exact, samples are the first 20 ids; the retraction check counts every removed id."""
    old = {"articles": {"train": {f"{i:04d}": "h" for i in range(100)}}, "headlines": {"test": {"x": "1"}}}
    new = {"articles": {"train": {f"{i:04d}": ("g" if i % 2 else "h") for i in range(50, 150)}}, "headlines": {}}
    retracted = {f"{i:04d}" for i in range(0, 50, 5)}  # 10 of the 50 removed
    changes = compare(from_nested(old), from_nested(new), {}, {}, retracted=retracted, scratch=tmp_path / "db")
    added, removed, changed = changes.added["articles"], changes.removed["articles"], changes.changed["articles"]
    assert (len(added), len(removed), len(changed)) == (50, 50, 25)
    assert added.sample == tuple(f"{i:04d}" for i in range(100, 120))
    assert changed.sample == tuple(f"{i:04d}" for i in range(51, 91, 2))
    assert added.shown(20).endswith(", 0119 and 30 more") and len(changes.removed["headlines"]) == 1
    silent = changes.unretracted["articles"]
    assert len(silent) == 40 and silent.sample[:3] == ("0001", "0002", "0003")
    assert changes.level() == "major" and "articles: 50 records removed" in changes.reasons()


def test_floor_lowering_detection():
    old = {"articles": {"body_min_chars": 200, "title_max_chars": 300, "languages": ["vi"]}}
    assert gate.lowered_floors(old, old) == []
    looser = {"articles": {"body_min_chars": 100, "title_max_chars": 400, "languages": ["vi", "en"]}}
    assert len(gate.lowered_floors(old, looser)) == 3
    stricter = {"articles": {"body_min_chars": 300, "title_max_chars": 200, "languages": ["vi"]}}
    assert gate.lowered_floors(old, stricter) == []


def test_checked_in_expectation_suites_match_the_model_and_floors():
    floors = gate.load_floors(SCHEMA / "floors.toml")
    for name, text in gate.suite_files(floors).items():
        assert (SCHEMA / name).read_text(encoding="utf-8") == text, f"{name} drifted: run `make schema`"
    suite = json.loads((SCHEMA / "expectations" / "articles.json").read_text())
    from vncyberdata.model.record import Article

    assert suite[0]["kwargs"]["column_list"] == list(Article.model_fields)


CHECKPOINTS = ["built", "gated", "recording", "recorded", "published"]


@pytest.mark.parametrize("point", CHECKPOINTS)
def test_sigkill_at_any_point_leaves_releases_intact(released, point):
    _add_page(released, "bullet_list_body")
    env = {**os.environ, "VNCYBERDATA_KILL_AT": point}
    cmd = [sys.executable, "-m", "vncyberdata.cli", "release", "--root", str(released.root),
           "--raw", str(released.raw), "--releases", str(released.releases)]
    killed = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr
    assert verify(released.releases / "vncyberdata-1.0.0") == []
    for folder in released.releases.glob("vncyberdata-*"):
        assert verify(folder) == [], f"a visible release must be complete: {folder}"
    rerun = subprocess.run(cmd, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert "release: validated (" in rerun.stderr and "release: built (" in rerun.stderr  # it says where it is
    assert verify(released.releases / "vncyberdata-1.1.0") == []
    assert not list(released.releases.glob(".staging-*"))
    assert (released.root / "CHANGELOG.md").read_text().count("## 1.1.0 ") == 1
    history = released.root / "releases"
    assert sorted(p.name for p in history.iterdir()) == ["1.0.0.json", "1.0.0.records.parquet", "1.1.0.json", "1.1.0.records.parquet"]
    record = json.loads((history / "1.1.0.json").read_text())
    assert sha256_file(history / "1.1.0.records.parquet") == record["records"]["sha256"]


def test_a_records_table_left_without_its_record_is_removed(released):
    """A run killed between the records table and the JSON leaves a table no release refers to: the next
    run removes it, whatever version it then releases."""
    history = released.root / "releases"
    shutil.copy(history / "1.0.0.records.parquet", history / "1.3.0.records.parquet")
    (history / ".1.3.0.records.parquet.tmp-1").write_bytes(b"part")
    assert release(released).status == "unchanged"
    assert sorted(p.name for p in history.iterdir()) == ["1.0.0.json", "1.0.0.records.parquet"]


def test_a_format_2_history_record_still_compares(released):
    """Records of format 2 and earlier hold the hashes in the JSON: they compare as the table would."""
    history = released.root / "releases"
    record = json.loads((history / "1.0.0.json").read_text())
    nested = {}
    for row in _recorded_rows(released, "1.0.0"):
        nested.setdefault(row["config"], {}).setdefault(row["split"], {})[row["id"]] = row["hash"]
    (history / "1.0.0.records.parquet").unlink()
    (history / "1.0.0.json").write_text(json.dumps({**record, "format": 2, "records": nested}, indent=1))
    assert release(released).status == "unchanged"
    _add_page(released, "inline_related_box")
    outcome = release(released)
    assert outcome.status == "published" and outcome.version == "1.1.0", outcome.lines
    assert not any("removed" in line or "changed" in line for line in outcome.lines)
    new = json.loads((history / "1.1.0.json").read_text())
    assert new["format"] == 3 and (history / new["records"]["file"]).is_file()


def test_the_checked_in_format_2_record_reads_as_a_table(first_release):
    """releases/1.0.0.json of this repository (the hashes in the JSON) becomes the table shape and compares
    with a record table written by this code."""
    record = json.loads((REPO / "releases" / "1.0.0.json").read_text())
    assert record["format"] <= 2
    old = records.recorded(REPO / "releases", record)
    assert old.schema == records.COLUMNS
    assert old.num_rows == sum(n for per_split in record["splits"].values() for n in per_split.values())
    keys = list(zip(old.column("config").to_pylist(), old.column("id").to_pylist()))
    assert keys == sorted(keys)
    new = first_release.root / "releases" / "1.0.0.records.parquet"
    changes = compare(old, new, record["features"], record["features"])
    for config in ("articles", "headlines"):
        assert len(changes.added[config]) - len(changes.removed[config]) == (
            pq.read_table(new).column("config").to_pylist().count(config) - old.column("config").to_pylist().count(config))
    assert not any(changes.moved.values())


def test_a_tampered_or_missing_records_table_is_refused_by_name(released):
    table_file = released.root / "releases" / "1.0.0.records.parquet"
    data = bytearray(table_file.read_bytes())
    data[len(data) // 2] ^= 1
    table_file.write_bytes(bytes(data))
    with pytest.raises(UserError, match="1.0.0.records.parquet: sha256 .* differs") as err:
        release(released)
    assert "git checkout" in err.value.hint
    table_file.unlink()
    with pytest.raises(UserError, match="1.0.0.records.parquet: missing") as err:
        release(released)
    assert not list(released.releases.glob(".staging-*"))


def test_load_a_release_by_version_or_latest(released, tmp_path, monkeypatch):
    import vncyberdata

    monkeypatch.setenv("VNCYBERDATA_CACHE", str(tmp_path / "cache"))
    latest = vncyberdata.load(releases_dir=released.releases)
    assert sum(len(d) for d in latest.values()) == 2
    heads = vncyberdata.load("1.0.0", "headlines", "train", releases_dir=released.releases)
    assert len(heads) > 0 and heads.features == vncyberdata.model.schemas.features("headlines")
    with pytest.raises(UserError, match="not in"):
        vncyberdata.load("9.9.9", releases_dir=released.releases)


def test_release_documents_itself(first_release):
    import yaml

    folder = first_release.releases / "vncyberdata-1.0.0"
    card = (folder / "README.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(card.split("---\n", 2)[1])
    for key in ("pretty_name", "license", "language", "task_categories", "size_categories", "configs", "dataset_info"):
        assert key in meta, key
    for section in ("## Dataset description", "## Uses", "## Dataset structure", "## Dataset creation",
                    "## Bias, risks and limitations", "## Citation", "Personal and sensitive information", "Out-of-scope use"):
        assert section in card, section
    assert "(release 1.0.0)" in card
    sheet = (first_release.root / "DATASHEET.md").read_text(encoding="utf-8")
    for section in ("## Motivation", "## Composition", "## Collection process", "## Preprocessing",
                    "## Uses", "## Distribution", "## Maintenance", "### Statistics of release 1.0.0"):
        assert section in sheet, section
    assert "| articles | train |" in sheet and "stats/topics.png" in sheet
    for png in ("topics.png", "body_length.png", "publishers.png"):
        assert (folder / "stats" / png).read_bytes().startswith(b"\x89PNG")
    assert "### Statistics of release 1.0.0" in (folder / "DATASHEET.md").read_text(encoding="utf-8")


def test_croissant_file_is_valid_and_reads_the_records(first_release):
    mlc = pytest.importorskip("mlcroissant")
    folder = first_release.releases / "vncyberdata-1.0.0"
    doc = json.loads((folder / "croissant.json").read_text())
    files = {d["@id"]: d for d in doc["distribution"] if d["@type"] == "cr:FileObject"}
    manifest = {r["path"]: r["sha256"] for r in json.loads((folder / "manifest.json").read_text())["outputs"]}
    assert files and all(manifest[path] == d["sha256"] for path, d in files.items())
    dataset = mlc.Dataset(jsonld=str(folder / "croissant.json"))
    assert len(list(dataset.records("articles"))) == 2
    assert len(list(dataset.records("headlines"))) == 31


def test_manifest_records_the_commit_and_a_clean_tree(tmp_path):
    paths = _repo(tmp_path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=paths.root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=paths.root, check=True)
    subprocess.run([*git, "commit", "-qm", "seed"], cwd=paths.root, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.root, capture_output=True, text=True).stdout.strip()
    assert release(paths).status == "published"
    manifest = json.loads((paths.releases / "vncyberdata-1.0.0" / "manifest.json").read_text())
    assert manifest["git_commit"] == head and manifest["git_dirty"] is False
