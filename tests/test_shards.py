"""Shards cut where the ids say (build/shards.py): the cut depends on the ids only, one id added changes one
shard, and the earlier build's shards are found only while their files are as they were written."""

from __future__ import annotations

import json
import os
import random

import numpy as np
import pyarrow as pa

from vncyberdata.build import shards


def _ids(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return sorted({f"{rng.getrandbits(64):016x}" for _ in range(n)})


def _cut(ids: list[str], every: int, pieces: list[int] | None = None) -> list[tuple[str, ...]]:
    """The shards of `ids` as tuples of ids, fed to one Cutter in tables of the given sizes."""
    cutter, shard = shards.Cutter(every), []
    at = 0
    for size in (pieces or [len(ids)]):
        got, place = cutter.feed(pa.array(ids[at:at + size]))
        shard += got.tolist()
        at += size
    assert at == len(ids) and cutter.count == (max(shard) + 1 if shard else 0)
    out: dict[int, list[str]] = {}
    for i, s in zip(ids, shard):
        out.setdefault(s, []).append(i)
    assert sorted(out) == list(range(len(out))), "shards numbered from 0 without gaps"
    return [tuple(out[s]) for s in sorted(out)]


def test_id_numbers_read_the_last_eight_hex_digits():
    ids = ["0000000000000000", "ffffffff00000010", "0123456789abcdef", "aaaaaaaaffffffff"]
    assert shards.id_numbers(pa.array(ids)).tolist() == [0, 16, 0x89ABCDEF, 0xFFFFFFFF]
    sliced = pa.chunked_array([pa.array(ids[:1]), pa.array(ids[1:])]).slice(1, 2)
    assert shards.id_numbers(sliced).tolist() == [16, 0x89ABCDEF]


def test_cuts_follow_the_ids_and_not_how_they_are_fed():
    ids = _ids(3_000, seed=1)
    whole = _cut(ids, 16)
    rng = random.Random(2)
    pieces = []
    while sum(pieces) < len(ids):
        pieces.append(min(rng.randint(1, 200), len(ids) - sum(pieces)))
    assert _cut(ids, 16, pieces) == whole
    assert [i for shard in whole for i in shard] == ids
    for shard in whole[:-1]:
        assert int(shard[-1][-8:], 16) % 16 == 0 or len(shard) == shards.MOST * 16
    assert max(map(len, whole)) <= shards.MOST * 16
    assert 3_000 / 16 * 0.7 < len(whole) < 3_000 / 16 * 1.3, "about `every` rows a shard"


def _segment(ids: list[str], at: int, every: int) -> set[str]:
    """The ids of the run between two natural cuts that position `at` of `ids` falls in."""
    cuts = [i for i, x in enumerate(ids) if int(x[-8:], 16) % every == 0]
    start = max([c + 1 for c in cuts if c < at], default=0)
    stop = min([c + 1 for c in cuts if c >= at], default=len(ids))
    return set(ids[start:stop])


def test_one_id_added_or_removed_changes_only_the_shards_between_two_natural_cuts_around_it():
    import bisect

    ids = _ids(5_000, seed=3)
    before = set(_cut(ids, 8))
    rng = random.Random(4)
    for _ in range(100):
        new = f"{rng.getrandbits(64):016x}"
        after = set(_cut(sorted(ids + [new]), 8))
        around = _segment(ids, bisect.bisect(ids, new), 8)
        gone, came = before - after, after - before
        assert all(set(s) <= around for s in gone), "only the run the new id falls in changes"
        assert {i for s in came for i in s} == {i for s in gone for i in s} | {new}
        assert len(gone) <= 2 or any(len(s) == shards.MOST * 8 for s in gone), "one shard (two if it spans a forced cut)"
        at = rng.randrange(len(ids))
        after = set(_cut(ids[:at] + ids[at + 1:], 8))
        around = _segment(ids, at, 8) | _segment(ids, at + 1, 8)  # a cut id removed joins two runs
        assert all(set(s) <= around for s in before - after)


def test_digests_cover_every_row_and_none_for_an_unknown_source():
    source = pa.array([bytes([i]) * 32 for i in range(6)], pa.binary(32))
    shard = np.array([0, 0, 1, 1, 1, 2])
    size = np.array([1, 1, 1, 2, 1, 1])

    def digest(source, size, salt="s"):
        d = shards.Digests(salt)
        d.feed("train", shard[:3], source.slice(0, 3), size[:3])  # fed in two tables
        d.feed("train", shard[3:], source.slice(3), size[3:])
        return [d.get("train", n) for n in range(3)]

    first = digest(source, size)
    assert len(set(first)) == 3 and None not in first
    changed = size.copy()
    changed[3] = 1
    assert digest(source, changed) == [first[0], digest(source, changed)[1], first[2]] != first
    assert digest(source, size, salt="other")[0] != first[0]
    unknown = pa.array([bytes([i]) * 32 if i != 4 else None for i in range(6)], pa.binary(32))
    assert digest(unknown, size) == [first[0], None, first[2]]


def test_earlier_shards_are_found_only_as_they_were_written(tmp_path):
    out = tmp_path / "dataset"
    (out / "data").mkdir(parents=True)
    (out / "data" / "a.parquet").write_bytes(b"shard a")
    (out / "data" / "b.parquet").write_bytes(b"shard b")
    earlier = shards.Earlier.load(tmp_path / "cache", out)
    assert earlier.find("d1") is None
    earlier.save({"data/a.parquet": {"digest": "d1", "sha256": "x", "nbytes": 7},
                  "data/b.parquet": {"digest": None, "sha256": "y", "nbytes": 7}})
    again = shards.Earlier.load(tmp_path / "cache", out)
    assert again.find("d1")["file"] == "data/a.parquet" and again.find(None) is None
    assert shards.Earlier.load(tmp_path / "cache", tmp_path / "elsewhere").find("d1") is None
    again.link(again.find("d1"), tmp_path / "linked.parquet")
    assert (tmp_path / "linked.parquet").read_bytes() == b"shard a"
    os.utime(out / "data" / "a.parquet", ns=(1, 1))
    assert again.find("d1") is None, "a file touched since it was written is not reused"
    record = next((tmp_path / "cache" / "shards").glob("*.json"))
    record.write_text("{not json", encoding="utf-8")
    assert shards.Earlier.load(tmp_path / "cache", out).shards == {}
    record.write_text(json.dumps({"out": "/elsewhere", "shards": {"d1": {}}}), encoding="utf-8")
    assert shards.Earlier.load(tmp_path / "cache", out).shards == {}
