"""Exact and near-duplicate clusters: planted duplicates are found, one record per cluster stays."""

from __future__ import annotations

import hashlib
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vncyberdata.build import dedup, minhash, sketch
from vncyberdata.parse import ids
from vncyberdata.release.loading import report_rows
from vncyberdata.build.build import build
from vncyberdata.release.loading import load_split
from vncyberdata.parse.normalize import key_text
from vncyberdata.synthetic import WORDS, generate

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


def test_candidate_pairs_judged_in_blocks_give_the_same_clusters():
    """Pairs are judged `pairs_at_once` at a time (their signatures read per block): one pair a block gives
    what one block for all gives, chains of near duplicates across blocks included."""
    docs = [(f"id{i}", BODY.replace(f"Câu thứ {i} nói", f"Câu số {i} kể")) for i in range(8)]
    docs += [("w", BODY), ("x", BODY.upper()), ("z", "khác hẳn " * 40)]
    whole = dedup.clusters(docs)
    assert len(whole[0]["id0"]) == 10 and whole[1]["x"] == "exact" and whole[1]["id3"] == "near"
    assert dedup.clusters(docs, pairs_at_once=1) == whole


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
    dropped = {d["raw_path"]: d for d in report_rows(folder / "dataset", "drops")}
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


# The signature (minhash.py, SIGNATURE_VERSION 2) written out again in plain Python integers, from its
# definition in minhash.py's docstring: numpy's wrapping uint64 / uint32 arithmetic must give these values.
_M64 = (1 << 64) - 1
PINNED_BODY_SIGNATURE = "ce6e7d6b801a66bfe954eb1109ddbb0160235105634f4b8b6456051ea27012e8"  # sha256 of BODY's, little-endian


def _splitmix64(state):
    while True:
        state = (state + 0x9E3779B97F4A7C15) & _M64
        z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
        yield z ^ (z >> 31)


def _fmix64(h):
    h = ((h ^ (h >> 33)) * 0xFF51AFD7ED558CCD) & _M64
    h = ((h ^ (h >> 33)) * 0xC4CEB9FE1A85EC53) & _M64
    return h ^ (h >> 33)


def reference_signature(body: str) -> list[int]:
    draws = _splitmix64(1)
    base = next(draws) | 1
    a = [(next(draws) & 0xFFFFFFFF) | 1 for _ in range(128)]
    b = [next(draws) & 0xFFFFFFFF for _ in range(128)]
    words = key_text(body).split()
    grams = [" ".join(words[i : i + 5]) for i in range(len(words) - 4)] if len(words) > 5 else [" ".join(words)]
    hashes = set()
    for gram in grams:
        h = sum(c * pow(base, j, 1 << 64) for j, c in enumerate(gram.encode("utf-8"))) & _M64
        hashes.add(_fmix64(h) >> 32)
    return [min((ak * h + bk) & 0xFFFFFFFF for h in hashes) for ak, bk in zip(a, b)]


VOCABULARY = WORDS + [f"mục{i}" for i in range(400)]


def _article(rng: random.Random, words: int) -> list[str]:
    return [rng.choice(VOCABULARY) for _ in range(words)]


def _edit(rng: random.Random, words: list[str], changes: int) -> list[str]:
    words = list(words)
    for _ in range(changes):
        at = rng.randrange(len(words))
        op = rng.choice("rid")
        if op == "r":
            words[at] = rng.choice(VOCABULARY)
        elif op == "i":
            words.insert(at, rng.choice(VOCABULARY))
        else:
            del words[at]
    return words


def _true_jaccard(a: str, b: str) -> float:
    sa, sb = set(sketch.shingles(a)), set(sketch.shingles(b))
    return len(sa & sb) / len(sa | sb)


@pytest.mark.parametrize("body", [
    BODY, "", "một", "Ba từ thôi", "đúng năm từ ở đây", "sáu từ: một hai ba bốn năm", BODY.upper() + " Hoà giải.",
    " ".join(f"Từ{i}, ký tự đặc biệt ☃ và emoji 🙂 số {i}." for i in range(300)),
])
def test_signature_is_the_reference_definition(body):
    """NUM_PERM uint64 values, each the reference's exact integer (below 2^32), for texts of no, one, five,
    six and thousands of words and any script."""
    sig = sketch.signature(body)
    assert sig.dtype == np.uint64 and sig.shape == (dedup.NUM_PERM,)
    assert sig.tolist() == reference_signature(body)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["một", "hai", "ba", "Bốn", "năm", "sáu", "x", "12", "🙂", "ký", "tự,", "đặc"]), max_size=14))
def test_signature_of_any_word_count_is_the_reference_definition(words):
    """Word counts around SHINGLE_WORDS (one shingle or several), bytes of one to four per character."""
    body = " ".join(words)
    assert sketch.signature(body).tolist() == reference_signature(body)


def test_signature_values_are_pinned():
    """The values are part of what a build computes and caches: a change here needs SIGNATURE_VERSION
    bumped (minhash.py) and a note in the release notes, then the new digest pinned."""
    assert minhash.SIGNATURE_VERSION == 2
    digest = hashlib.sha256(sketch.signature(BODY).astype("<u8").tobytes()).hexdigest()
    assert digest == PINNED_BODY_SIGNATURE


def test_signature_is_the_same_in_another_process(tmp_path):
    """Deterministic across processes (another hash seed for str, a fresh import): same text, same values."""
    text = tmp_path / "body.txt"
    text.write_text(BODY + "\nHoà giải, khoẻ mạnh.", encoding="utf-8")
    code = ("import sys; from pathlib import Path; from vncyberdata.build import sketch; "
            "print(sketch.signature(Path(sys.argv[1]).read_text(encoding='utf-8')).astype('<u8').tobytes().hex())")
    done = subprocess.run([sys.executable, "-c", code, str(text)], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert done.stdout.strip() == sketch.signature(text.read_text(encoding="utf-8")).astype("<u8").tobytes().hex()
    assert (sketch.signature(BODY) == sketch.signature(BODY)).all()



def test_band_keys_follow_their_band_only():
    """Band b's key is a function of the signature's values in band b: equal there, equal key; one value
    changed there, that key (and only it) changes; the values past the last band count for nothing."""
    rng = np.random.default_rng(7)
    signatures = rng.integers(0, 2**32, size=(2_000, minhash.NUM_PERM), dtype=np.uint64)
    keys = minhash.band_keys(signatures)
    assert keys.shape == (2_000, minhash.BANDS) and keys.dtype == np.uint64
    assert all(len(np.unique(keys[:, b])) == 2_000 for b in range(minhash.BANDS)), "distinct bands, distinct keys"
    for b, (start, end) in enumerate(minhash.band_ranges()):
        for column in (start, end - 1):
            changed = signatures.copy()
            changed[:, column] ^= np.uint64(1)
            differ = minhash.band_keys(changed) != keys
            assert differ[:, b].all() and not np.delete(differ, b, axis=1).any()
    past = signatures.copy()
    past[:, minhash.BANDS * minhash.BAND_ROWS :] = 0
    assert (minhash.band_keys(past) == keys).all()
    same_band = signatures[[0]].repeat(2, axis=0)
    same_band[1, : minhash.BAND_ROWS] = signatures[5, : minhash.BAND_ROWS]
    assert minhash.band_keys(same_band)[1, 0] == keys[5, 0], "band 0 equal to record 5's: the same key"
    assert minhash.band_keys(signatures[:0]).shape == (0, minhash.BANDS)

def test_content_hash_and_shingles_follow_the_body_asked():
    """The key text is shared between a body's signature and content hash: never another body's."""
    other = BODY.replace("Câu", "Dòng")
    sketch.signature(BODY)
    assert sketch.content_hash(other) == hashlib.sha256(key_text(other).encode("utf-8")).hexdigest()
    assert sketch.content_hash(BODY) == hashlib.sha256(key_text(BODY).encode("utf-8")).hexdigest()
    assert sketch.signature(other).tolist() == reference_signature(other)
    assert sketch.shingles(other)[0] == "dòng thứ 0 nói về".encode("utf-8")


def test_estimated_jaccard_tracks_the_true_jaccard():
    """On pairs edited from none to most of their words, the share of equal values (what `judge` reads)
    stays within a few standard errors (sqrt(J(1 - J) / 128) <= 0.045) of the shingle sets' Jaccard."""
    rng = random.Random(11)
    errors, truths = [], []
    for i in range(60):
        words = _article(rng, rng.randint(150, 700))
        other = _edit(rng, words, int(len(words) * rng.choice([0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.3, 1.0])))
        a, b = " ".join(words), " ".join(other)
        truth = _true_jaccard(a, b)
        estimate = np.count_nonzero(sketch.signature(a) == sketch.signature(b)) / dedup.NUM_PERM
        errors.append(estimate - truth)
        truths.append(truth)
        assert abs(estimate - truth) <= 0.15, (i, truth, estimate)
    assert min(truths) < 0.1 and max(truths) == 1.0 and sum(0.6 < t < 0.95 for t in truths) >= 15
    assert np.mean(np.abs(errors)) <= 0.04
    assert abs(np.mean(errors)) <= 0.015, "no bias"
    sketch_a, sketch_b = sketch.minhash(a), sketch.minhash(b)  # datasketch's own estimate reads the same values
    assert sketch_a.jaccard(sketch_b) == np.count_nonzero(sketch.signature(a) == sketch.signature(b)) / 128


def test_light_edits_are_clustered_and_heavy_edits_and_other_articles_are_not():
    """Copies with 0.5 % of their words changed (true Jaccard ~0.95) join their original; copies with a
    quarter changed (~0.2) and distinct articles stay single."""
    rng = random.Random(5)
    docs, expected_pairs = [], []
    for i in range(12):
        words = _article(rng, 500)
        docs.append((f"a{i:02d}", " ".join(words)))
        docs.append((f"a{i:02d}_light", " ".join(_edit(rng, words, 2))))
        docs.append((f"a{i:02d}_heavy", " ".join(_edit(rng, words, 125))))
        expected_pairs.append([f"a{i:02d}", f"a{i:02d}_light"])
    groups, how = dedup.clusters(docs)
    assert sorted(m for m in groups.values() if len(m) > 1) == expected_pairs
    assert all(how[f"a{i:02d}_heavy"] == "single" for i in range(12))


def test_dedup_quality_benchmark_runs():
    """benchmarks/dedup_quality.py prints both methods' figures (not asserted: they are read, see its doc)."""
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "dedup_quality.py"
    done = subprocess.run([sys.executable, str(script), "--pairs", "44", "--repeat", "1"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("old (datasketch, sha1)") == 2 and done.stdout.count("new (numpy, v2)") == 2
    assert done.stdout.count("new, given the key text") == 2
