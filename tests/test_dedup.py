"""Exact and near-duplicate clusters: planted duplicates are found, one record per cluster stays."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vncyberdata import dedup, ids
from vncyberdata.build import build
from vncyberdata.loading import load_split
from vncyberdata.synthetic import generate

BODY = " ".join(
    f"Câu thứ {i} nói về thủ đoạn lừa đảo chiếm đoạt tài sản qua mạng xã hội của các đối tượng giả danh cán bộ."
    for i in range(30)
)


def test_clusters_exact_near_and_distinct():
    near = BODY.replace("Câu thứ 7 nói", "Câu thứ bảy nói")
    tone = BODY.replace("hòa", "hoà") + " Hoà giải."  # other tone style
    other = " ".join(f"Đoạn {i} viết về một chủ đề hoàn toàn khác, thời tiết và giao thông ngày lễ." for i in range(30))
    groups, how = dedup.clusters([("a", BODY), ("b", near), ("c", BODY.upper()), ("d", other), ("e", tone + "")])
    assert groups["a"] == ["a", "b", "c", "e"] and groups["d"] == ["d"]
    assert how["c"] == "exact" and how["b"] == "near" and how["d"] == "single"


def test_clusters_are_deterministic_whatever_the_input_order():
    docs = [(f"id{i}", BODY.replace("Câu thứ 3", f"Câu số {i}")) for i in range(6)] + [("z", "khác hẳn " * 40)]
    assert dedup.clusters(docs) == dedup.clusters(list(reversed(docs)))


def test_candidate_pairs_judged_in_blocks_give_the_same_clusters(monkeypatch):
    """Pairs are judged PAIRS_AT_ONCE at a time (their signatures read per block): one pair a block gives
    what one block for all gives, chains of near duplicates across blocks included."""
    docs = [(f"id{i}", BODY.replace(f"Câu thứ {i} nói", f"Câu số {i} kể")) for i in range(8)]
    docs += [("w", BODY), ("x", BODY.upper()), ("z", "khác hẳn " * 40)]
    whole = dedup.clusters(docs)
    assert len(whole[0]["id0"]) == 10 and whole[1]["x"] == "exact" and whole[1]["id3"] == "near"
    monkeypatch.setattr(dedup, "PAIRS_AT_ONCE", 1)
    assert dedup.clusters(docs) == whole


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted")
    paths = generate(300, folder / "raw", seed=7, near_duplicates=0.1)
    report = build(folder / "raw", folder / "dataset")
    return folder, paths, report


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2)), max_size=30))
def test_exact_duplicates_are_found_by_prefix_and_confirmed_on_the_whole_hash(picks):
    """Hashes drawn from a few that share their first 8 bytes (as 2^-64 collisions would): each record points
    at the first record with the same whole hash, as a plain grouping of the 32 bytes gives."""
    heads = [bytes([p]) * 8 for p in range(4)]
    tails = [bytes([t + 10]) * 24 for t in range(3)]
    hashes = np.array([heads[p] + tails[t] for p, t in picks], dtype="S32")
    expected = [next(j for j, other in enumerate(picks) if other == pick) for pick in picks]
    assert dedup.first_of_equal(hashes).tolist() == expected


def test_planted_near_duplicates_are_clustered_and_dropped(planted):
    folder, paths, report = planted
    copies = {p.name for p in paths if p.stem.endswith("_copy")}
    assert len(copies) >= 15
    pairs = {name: name.replace("_copy", "") for name in copies}
    dropped = {d["raw_path"]: d for d in report["drops"]}
    assert len(dropped) == len(pairs), "one page of each planted pair is dropped, nothing else"
    for copy, original in pairs.items():
        (loser,) = {copy, original} & set(dropped)
        winner = original if loser == copy else copy
        drop = dropped[loser]
        assert drop["reason"] in ("near_duplicate", "exact_duplicate")
        assert winner in drop["message"], drop["message"]
    rows = [r for d in load_split(folder / "dataset").values() for r in d]
    assert len(rows) == 300
    sizes = {r["raw_path"]: r["cluster_size"] for r in rows}
    for copy, original in pairs.items():
        assert sizes.get(original, sizes.get(copy)) == 2
    assert sum(1 for size in sizes.values() if size == 1) == 300 - len(pairs)


def test_no_cluster_spans_two_splits(planted):
    folder, _paths, _report = planted
    for split, ds in load_split(folder / "dataset").items():
        for row in ds:
            assert row["cluster_id"] == row["id"], "the kept record is its cluster's canonical record"
            assert ids.split_for(row["cluster_id"]) == split


def test_dedup_build_is_byte_identical(planted, tmp_path):
    folder, _paths, _report = planted
    build(folder / "raw", tmp_path / "again")
    for path in (folder / "dataset" / "data").rglob("*.parquet"):
        twin = tmp_path / "again" / path.relative_to(folder / "dataset")
        assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(twin.read_bytes()).digest()
    assert re.sub(r"\s", "", (folder / "dataset" / "README.md").read_text()) == re.sub(r"\s", "", (tmp_path / "again" / "README.md").read_text())
