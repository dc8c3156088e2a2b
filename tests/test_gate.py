"""The quality gate fails on broken records, names the check and the offending ids, and passes the seeds."""

from __future__ import annotations

import itertools
import json
import shutil
import unicodedata

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO

from vncyberdata.release import gate, loading
from vncyberdata.model import schemas

FLOORS = gate.load_floors(REPO / "schema" / "floors.toml")


def _report(folder):
    return json.loads((folder / "build-report.json").read_text())


@pytest.fixture(scope="module")
def seed_gate(seed_build, tmp_path_factory):
    out = tmp_path_factory.mktemp("gate")
    return gate.run_gate(seed_build, _report(seed_build)["splits"], FLOORS, out), out


def test_seeds_pass_every_check(seed_gate):
    result, out = seed_gate
    assert result.success, gate.summary_lines(result)
    names = {o.type for o in result.outcomes}
    assert {"ids_unique", "row_counts_per_split", "no_pii_left", "topics_in_taxonomy", "expect_column_values_to_not_match_regex"} <= names
    assert json.loads((out / "results.json").read_text())["success"] is True
    native = json.loads((out / "gx_results.json").read_text())
    assert {n["config"] for n in native} == {"articles", "headlines"} and all(n["result"]["success"] for n in native)
    assert "PASSED" in (out / "report.md").read_text()


def _break(seed_build, tmp_path, mutate):
    broken = tmp_path / "broken"
    shutil.copytree(seed_build, broken)
    path = next((broken / "data" / "articles").glob("train-*.parquet"))
    rows = pq.read_table(path).to_pylist()
    mutate(rows[0])
    pq.write_table(pa.Table.from_pylist(rows, schema=schemas.write_schema("articles")), path)
    return broken, rows[0]["id"]


@pytest.mark.parametrize(
    ("mutate", "check"),
    [
        (lambda r: r.update(body=r["body"] + "\n\nChia sẻ"), "no site-chrome paragraph left in the body"),
        (lambda r: r.update(title=unicodedata.normalize("NFD", r["title"])), "title is NFC"),
        (lambda r: r.update(body=r["body"] + "\n\nGọi 0912 345 678 để được hỗ trợ."), "no phone, e-mail, id, account or card number left in the text"),
        (lambda r: r["captions"][0].update(credit="ảnh: lienhe@example.vn"), "no phone, e-mail, id, account or card number left in the text"),
        (lambda r: r["related_headlines"].append("Gọi 0912 345 678"), "no phone, e-mail, id, account or card number left in the text"),
        (lambda r: r.update(body="Quá ngắn."), "body length floor"),
        # residue of a whole-page dump whose article was not found (the parser drops those as no_article)
        (lambda r: r.update(title="• Pháp luật"), "title is not a menu label, bullet, button or browser residue"),
        (lambda r: r.update(title="(BUTTON) Xem thêm"), "title is not a menu label, bullet, button or browser residue"),
        (lambda r: r.update(body=r["body"] + "\n\n* Kinh doanh"), "no menu-label or button paragraph in the body"),
        (lambda r: r.update(title=r["publisher"]), "a title is not the site's name or slogan (an article not found in a page dump)"),
        (lambda r: r.update(title=r["publisher"] + " - Tin tức cập nhật liên tục 24/7"), "a title is not the site's name or slogan (an article not found in a page dump)"),
        (lambda r: r.update(language="en"), "allowed languages"),
        (lambda r: r.update(body=r["body"] + "\n\nHai bên đã hoà giải."), "body has one tone style"),
        (lambda r: r.update(raw_sha256="xyz"), "raw_sha256 is a sha256"),
        (lambda r: r.update(topics=["astrology"]), "topic ids exist in the taxonomy and match topic_terms"),
        (lambda r: r.update(topic_terms=[dict(t, topic="online_fraud" if t["topic"] != "online_fraud" else "impersonation") for t in r["topic_terms"]]),
         "topic ids exist in the taxonomy and match topic_terms"),
        (lambda r: r["captions"][0]["variants"].append("Liên hệ 0912 345 678"), "no phone, e-mail, id, account or card number left in the text"),
        (lambda r: r.update(retrieved_at="2001-01-01T00:00:00Z"), "a page cannot be published after it was fetched"),
        (lambda r: r.update(published_date=__import__("datetime").date(1990, 1, 1), published_year=1990), "publication date not before the floor nor after the build date"),
    ],
)
def test_broken_record_fails_the_named_check_with_its_id(seed_build, tmp_path, mutate, check):
    broken, bad_id = _break(seed_build, tmp_path, mutate)
    result = gate.run_gate(broken, _report(broken)["splits"], FLOORS, tmp_path / "out")
    assert not result.success
    failed = {o.why: o for o in result.failures()}
    assert check in failed, list(failed)
    assert bad_id in failed[check].sample_ids
    html = (tmp_path / "out" / "report.html").read_text()
    assert "FAIL" in html and bad_id in html


def test_duplicate_ids_across_splits_and_wrong_counts_fail(seed_build, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(seed_build, broken)
    src = next((broken / "data" / "articles").glob("train-*.parquet"))
    shutil.copy(src, broken / "data" / "articles" / "validation-00000-of-00001.parquet")
    result = gate.run_gate(broken, _report(broken)["splits"], FLOORS, tmp_path / "out")
    failed = {o.type for o in result.failures() if o.config == "articles"}
    assert {"ids_unique", "row_counts_per_split"} <= failed


def test_dataset_scans_read_small_batches_in_file_order(seed_build):
    """loading.batches (the gate's, the statistics' and the release hashes' reader) gives every row once, in
    split and file order, in batches of at most `rows`, with the columns asked for."""
    got = list(loading.batches(seed_build, "headlines", ["id", "split"], rows=3))
    assert all(b.num_rows <= 3 for _split, b in got) and all(b.schema.names == ["id", "split"] for _s, b in got)
    assert all(row["split"] == split for split, b in got for row in b.to_pylist())
    expected = [r for split in ("train", "validation", "test")
                for path in sorted((seed_build / "data" / "headlines").glob(f"{split}-*.parquet"))
                for r in pq.read_table(path, columns=["id", "split"]).to_pylist()]
    assert [r for _s, b in got for r in b.to_pylist()] == expected and len(expected) == 31


def test_gx_batches_are_whole_row_groups_across_shards_and_splits_and_lose_no_row(seed_build, tmp_path, monkeypatch):
    """GX runs cost about a second each whatever their size, so batches span files and splits; a batch holds
    whole row groups (a group cut in two stays in memory for both batches), every row is in exactly one batch,
    in file order, and each batch names the splits it holds."""
    folder = tmp_path / "small-groups"
    shutil.copytree(seed_build, folder)
    bounds, seen = set(), 0
    for split in ("train", "validation", "test"):
        for path in sorted((folder / "data" / "headlines").glob(f"{split}-*.parquet")):
            table = pq.read_table(path)
            pq.write_table(table, path, row_group_size=3)
            for start in range(0, table.num_rows, 3):
                seen += min(3, table.num_rows - start)
                bounds.add(seen)
    monkeypatch.setitem(gate.GX_BATCH_ROWS, "headlines", 5)
    batches = list(gate._gx_batches(folder, "headlines"))
    everything = [r for split in ("train", "validation", "test")
                  for path in sorted((folder / "data" / "headlines").glob(f"{split}-*.parquet"))
                  for r in pq.read_table(path).to_pylist()]
    assert [r for _label, t in batches for r in t.to_pylist()] == everything and len(everything) == 31
    ends = list(itertools.accumulate(t.num_rows for _label, t in batches))
    assert set(ends) <= bounds, "every batch ends at a row group's end"
    assert all(t.num_rows <= 6 for _label, t in batches), "a group that would pass 1.2 x the size starts a batch"
    assert all(t.num_rows >= 5 for _label, t in batches[:-1]) and len(batches) >= 31 // 6
    assert any("+" in label for label, _t in batches), "a batch that straddles two splits names both"
    assert [label.split("+")[0] for label, _t in batches] == sorted(
        (label.split("+")[0] for label, _t in batches), key=["train", "validation", "test"].index
    )
