"""The rows of the chunks kept between cached builds (build/kept.py): a rebuild copies them instead of reading
the chunks' files; the output is the same bytes; a damaged file is set aside, a file another process holds is
done without, and the file is written afresh when what the last build did not use outnumbers what it used."""

from __future__ import annotations

import subprocess
import sys
import time

import duckdb
import pytest
from conftest import file_sums, synthetic_corpus

from vncyberdata.build.build import Options, build
from vncyberdata.synthetic import generate


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return synthetic_corpus(tmp_path_factory.mktemp("kept"), 60, seed=5, near_duplicates=0.2)


def _kept_file(cache):
    (path,) = cache.glob("rows-*.duckdb")
    return path


def _kept_keys(cache) -> set[str]:
    with duckdb.connect(str(_kept_file(cache)), read_only=True) as db:
        return {key for (key,) in db.sql("SELECT key FROM chunks").fetchall()}


def _spoil_chunk_rows(cache) -> int:
    """Overwrite the facts and sightings files of every cached chunk: a build that read them would fail."""
    spoiled = 0
    for path in [*cache.glob("chunks-*/*/*/chunk.facts"), *cache.glob("chunks-*/*/*/chunk.seen")]:
        path.unlink()  # a hard link to the first build's scratch file: replaced, not written through
        path.write_bytes(b"spoiled")
        spoiled += 1
    return spoiled


def test_a_cached_rebuild_copies_the_kept_rows_and_gives_the_same_bytes(corpus, tmp_path):
    cache = tmp_path / "cache"
    first = build(corpus / "raw", tmp_path / "first", Options(workers=2, cache_dir=cache, files_per_chunk=7))
    assert file_sums(tmp_path / "first") == file_sums(corpus / "default")
    chunk_keys = _kept_keys(cache)
    assert len(chunk_keys) >= 5, "every run's rows kept (60 pages in runs of ~7)"
    assert _spoil_chunk_rows(cache) >= 2 * len(chunk_keys) - 2  # runs without records have no such files
    again = build(corpus / "raw", tmp_path / "again", Options(workers=2, cache_dir=cache, files_per_chunk=7))
    assert again["cache_hits"] == first["steps"][1]["in"]
    assert file_sums(tmp_path / "again") == file_sums(corpus / "default"), "the kept rows, not the spoiled files"


def test_a_damaged_kept_file_is_set_aside_and_made_afresh(corpus, tmp_path):
    cache = tmp_path / "cache"
    build(corpus / "raw", tmp_path / "first", Options(cache_dir=cache, files_per_chunk=7))
    kept = _kept_file(cache)
    kept.write_bytes(b"not a database, " * 4096)
    again = build(corpus / "raw", tmp_path / "again", Options(cache_dir=cache, files_per_chunk=7))
    assert file_sums(tmp_path / "again") == file_sums(corpus / "default")
    assert (cache / f"{kept.name}.damaged").read_bytes().startswith(b"not a database"), "set aside, not lost"
    assert _kept_keys(cache), "made afresh from the chunks this build read"
    _spoil_chunk_rows(cache)
    build(corpus / "raw", tmp_path / "third", Options(cache_dir=cache, files_per_chunk=7))
    assert file_sums(tmp_path / "third") == file_sums(corpus / "default"), "and used by the next build"
    assert again["cache_hits"] > 0


def test_a_kept_file_another_process_holds_is_done_without(corpus, tmp_path):
    cache = tmp_path / "cache"
    build(corpus / "raw", tmp_path / "first", Options(cache_dir=cache, files_per_chunk=7))
    kept = _kept_file(cache)
    before = kept.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; db = duckdb.connect(sys.argv[1]); print('held', flush=True); "
                               "time.sleep(60)", str(kept)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        again = build(corpus / "raw", tmp_path / "again", Options(cache_dir=cache, files_per_chunk=7))
        assert time.monotonic() - start < 50, "no waiting for the lock"
    finally:
        holder.kill()
        holder.wait()
    assert file_sums(tmp_path / "again") == file_sums(corpus / "default"), "the rows read from the chunks' files"
    assert again["cache_hits"] == again["steps"][1]["in"]
    assert kept.read_bytes() == before and not (cache / f"{kept.name}.damaged").exists(), "left as it was"


def test_the_kept_file_holds_about_one_builds_rows(corpus, tmp_path):
    """Rows are appended; once the chunks the last build did not use hold more records than those it used,
    the file keeps the used ones only."""
    cache = tmp_path / "cache"
    small = tmp_path / "small"
    generate(15, small, seed=99)
    build(small, tmp_path / "first", Options(cache_dir=cache, files_per_chunk=7))
    small_keys = _kept_keys(cache)
    build(corpus / "raw", tmp_path / "second", Options(cache_dir=cache, files_per_chunk=7))
    both = _kept_keys(cache)
    assert small_keys < both, "appended: the unused chunks (15 pages) fewer than the used (60)"
    again = build(small, tmp_path / "third", Options(cache_dir=cache, files_per_chunk=7))
    assert _kept_keys(cache) == small_keys, "written afresh: the unused chunks (60 pages) outnumber the used (15)"
    assert file_sums(tmp_path / "third") == file_sums(tmp_path / "first") and again["splits"]["articles"]
