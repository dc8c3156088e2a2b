"""The streaming build: records wait in the build's database, not in memory, and neither how they are chunked
nor the database's memory limit shows in the output."""

from __future__ import annotations

import hashlib

import json
import shutil

import numpy as np
import pyarrow as pa
import pytest
from conftest import REPO, file_sums, synthetic_corpus

from vncyberdata.build import build as build_module
from vncyberdata.build import chunks, database, dedup, sketch, worker
from vncyberdata.parse import ids
from vncyberdata.build.build import Options, build
from vncyberdata.engines import LocalEngine
from vncyberdata.build.item import Item
from vncyberdata.intake.raw import pins_table
from vncyberdata.synthetic import generate


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return synthetic_corpus(tmp_path_factory.mktemp("spill"), 120, seed=11, near_duplicates=0.15)


def test_output_does_not_depend_on_the_chunking_or_the_workers(corpus, tmp_path):
    # 120 pages in ~18 chunks: every query crosses chunks; rows appended to their row groups' files a few
    # at a time; the headline table sorted from many small files
    build(corpus / "raw", tmp_path / "chunked",
          Options(workers=2, files_per_chunk=7, stage_rows=5))
    assert file_sums(tmp_path / "chunked") == file_sums(corpus / "default")


def test_output_does_not_depend_on_the_database_limits(tmp_path):
    """A small memory limit and one thread give the database's queries (sorts, the band-key self-join,
    windows, the headline GROUP BY) other plans than the defaults: the same bytes; many near duplicates."""
    raw = tmp_path / "raw"
    generate(600, raw, seed=5, near_duplicates=0.3)
    build(raw, tmp_path / "roomy", Options(workers=2))
    tight = database.Limits(memory="40MB", threads=1)
    build(raw, tmp_path / "tight", Options(workers=2, database=tight, files_per_chunk=16))
    assert file_sums(tmp_path / "tight") == file_sums(tmp_path / "roomy")
    report = json.loads((tmp_path / "roomy" / "build-report.json").read_text())
    assert report["dropped"].get("near_duplicate", 0) + report["dropped"].get("exact_duplicate", 0) > 50


def test_scattered_rows_come_back_per_key_in_the_order_added(tmp_path):
    from vncyberdata.build.gather import Scatter

    files = Scatter(tmp_path / "scatter", stage_rows=4)
    keys = [f"k{i % 7}" for i in range(50)]
    for start in range(0, 50, 3):
        files.add(pa.table({"n": list(range(start, min(50, start + 3)))}), keys[start:start + 3])
    written = files.close()
    assert sorted(written) == [f"k{i}" for i in range(7)] and len(set(written.values())) == 7
    for key, path in written.items():
        assert Scatter.read(path).column("n").to_pylist() == [i for i in range(50) if keys[i] == key]


def test_the_scratch_folder_is_removed_after_a_build_and_after_a_failure(corpus, tmp_path, monkeypatch):
    build(corpus / "raw", tmp_path / "ok")
    assert [p.name for p in tmp_path.iterdir()] == ["ok"]

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(build_module.write, "write_dataset", broken)
    with pytest.raises(OSError):
        build(corpus / "raw", tmp_path / "failed")
    assert [p.name for p in tmp_path.iterdir()] == ["ok"], "no scratch folder and no half-written dataset left"


@pytest.mark.parametrize("load_rows", [database.LOAD_ROWS, 3])
def test_the_store_loads_every_chunk_into_the_database(corpus, tmp_path, load_rows):
    """Three chunks loaded: records numbered in arrival order with their chunk and row, facts and band keys
    intact, sightings with their article's id, pins in the order read, signatures read back by place. The
    rows are inserted `load_rows` at a time, the rest at `flush`: the same tables either way."""
    import pyarrow.parquet as pq

    from vncyberdata.model import schemas

    rows = pq.read_table(next((corpus / "default" / "data" / "articles").glob("train-*.parquet"))).to_pylist()[:10]
    db = database.connect(tmp_path / "db")
    store = database.Store(db, tmp_path / "chunks", schemas.write_schema("articles"), load_rows)
    items = [
        Item(row, (), sketch.signature(row["body"]), sketch.content_hash(row["body"]), headlines,
             tuple(ids.split_for(h) for h in headlines))
        for row in rows for headlines in [tuple(ids.headline_id(t) for t in row["related_headlines"])]
    ]
    store.add(chunks.write_chunk(store.chunk_folder, "empty", [], store.schema, pins_table([("gone.txt", 0, bytes(32))])))
    for start in (0, 4, 8):  # three chunks: rows 0-3, 4-7, 8-9
        store.add(chunks.write_chunk(store.chunk_folder, f"c{start}", items[start : start + 4], store.schema,
                                     pins_table([(f"f{9 - start}.txt", start, bytes(32)),
                                                 (f"f{9 - start}.meta.json", 1, bytes([start]) * 32)])))
    assert store.count == 10 and store.pins == 7
    inserted = database.query(db, "SELECT count(*) AS n FROM pins").column("n")[0].as_py()
    assert inserted == 0 if load_rows > 100 else inserted > 0, "gathered, inserted every load_rows rows"
    store.flush()
    facts = database.query(db, "SELECT * FROM facts ORDER BY idx")
    assert facts.column("id").to_pylist() == [r["id"] for r in rows]
    assert facts.column("idx").to_pylist() == list(range(10))
    locations = list(zip(facts.column("chunk").to_pylist(), facts.column("row").to_pylist()))
    assert locations == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0), (1, 1), (1, 2), (1, 3), (2, 0), (2, 1)]
    assert facts.column("body_len").to_pylist() == [len(r["body"]) for r in rows]
    bands = np.stack([facts.column(name).to_numpy() for name in database.BAND_COLUMNS], axis=1)
    assert (bands == dedup.band_keys(np.array([i.signature for i in items]))).all()
    chunk, row = facts.column("chunk").to_numpy(), facts.column("row").to_numpy()
    assert (store.signatures(chunk[[7, 2]], row[[7, 2]]) == [items[7].signature, items[2].signature]).all()
    assert facts.column("split").to_pylist() == [r["split"] for r in rows]
    assert [store.chunk_rows(c).to_pylist() for c in range(3)] == [rows[0:4], rows[4:8], rows[8:10]], "rows intact"
    seen = database.query(db, "SELECT idx, position, text, article_id, split FROM sightings ORDER BY idx, position")
    assert seen.to_pylist() == [
        {"idx": i, "position": p, "text": t, "article_id": r["id"], "split": ids.split_for(ids.headline_id(t))}
        for i, r in enumerate(rows) for p, t in enumerate(r["related_headlines"])
    ]
    pins = database.query(db, "SELECT path FROM pins ORDER BY seq").column("path").to_pylist()
    assert pins == ["gone.txt", "f9.txt", "f9.meta.json", "f5.txt", "f5.meta.json", "f1.txt", "f1.meta.json"]
    db.close()


def test_local_engine_reads_jobs_only_as_results_are_taken():
    pulled = []

    def jobs():
        for i in range(10_000):
            pulled.append(i)
            yield i

    engine = LocalEngine(workers=2, batch=8)  # 8 jobs per task, at most 4 tasks per worker in flight
    results = engine.map(abs, jobs())
    assert [next(results) for _ in range(3)] == [0, 1, 2]
    assert len(pulled) <= 4 * 2 * 8 + 8, "the pool holds a bounded window of jobs, not the whole corpus"
    assert list(results) == list(range(3, 10_000))


def test_banded_clusters_match_datasketch_lsh(corpus):
    """cluster_keys bands the signatures with numpy, one band key column at a time; the same clusters come
    out of datasketch's own MinHashLSH index used one insert at a time."""
    from datasketch import MinHashLSH

    bodies = {}
    for path in (corpus / "raw").glob("*.txt"):
        bodies[path.stem] = path.read_text(encoding="utf-8")
    ids_ = sorted(bodies)
    groups, how = dedup.clusters([(i, bodies[i]) for i in ids_])

    lsh, sketches, parent = MinHashLSH(threshold=dedup.THRESHOLD, num_perm=dedup.NUM_PERM), {}, {i: i for i in ids_}

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    first = {}
    for i in ids_:
        digest = sketch.content_hash(bodies[i])
        if digest in first:
            a, b = find(i), find(first[digest])
            parent[max(a, b)] = min(a, b)
            continue
        first[digest] = i
        mine = sketch.minhash(bodies[i])
        for other in lsh.query(mine):
            if mine.jaccard(sketches[other]) >= dedup.THRESHOLD:
                a, b = find(i), find(other)
                parent[max(a, b)] = min(a, b)
        lsh.insert(i, mine)
        sketches[i] = mine
    expected = {}
    for i in ids_:
        expected.setdefault(find(i), []).append(i)
    assert groups == expected
    assert dedup.band_ranges() == list(lsh.hashranges)
    assert sum(len(m) > 1 for m in groups.values()) >= 10, "the corpus has planted near-duplicates"


def test_a_rebuild_takes_unchanged_runs_of_files_whole_from_the_chunk_cache(corpus, tmp_path, monkeypatch):
    """Runs are cut at content-defined places of the path order: after one new file, one run is parsed
    (from the per-file cache but the new file) and written again, the others are linked from the chunk cache;
    the bytes are those of a clean build."""
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(corpus / "raw", raw)
    cache = tmp_path / "cache"
    first = build(raw, tmp_path / "first", Options(cache_dir=cache, files_per_chunk=7))  # 120 pages in ~17 runs
    assert first["cache_hits"] == 0
    assert file_sums(tmp_path / "first") == file_sums(corpus / "default")

    calls = []
    parse_many = worker.parse_many
    monkeypatch.setattr(worker, "parse_many",
                        lambda jobs, opened=None: calls.extend(job[1] for job in jobs) or parse_many(jobs, opened))
    again = build(raw, tmp_path / "again", Options(cache_dir=cache, files_per_chunk=7))
    assert calls == [], "every run served whole from the chunk cache"
    assert again["cache_hits"] == first["steps"][1]["in"], "every parse counted as cached"
    assert file_sums(tmp_path / "again") == file_sums(corpus / "default")

    generate(121, tmp_path / "more", seed=11, near_duplicates=0.15)
    new = sorted(p.name for p in (tmp_path / "more").iterdir() if not (raw / p.name).exists())
    assert len(new) == 2  # a raw file and its sidecar
    for name in new:
        shutil.copy(tmp_path / "more" / name, raw / name)
    runs = list(chunks.runs([(None, p.name) for p in sorted(raw.glob("*.txt"))], 7))
    (run,) = [r for r in runs if any(rel in new for _root, rel in r)]
    rebuilt = build(raw, tmp_path / "rebuilt", Options(cache_dir=cache, files_per_chunk=7))
    assert calls == [rel for _root, rel in run], "the new file's run only"
    assert rebuilt["cache_hits"] == rebuilt["steps"][1]["in"] - 1, "and in it the new file only is parsed"
    build(raw, tmp_path / "clean")
    assert file_sums(tmp_path / "rebuilt") == file_sums(tmp_path / "clean")


def test_a_cold_cached_build_reads_each_file_once_and_keeps_its_parses_in_one_database(corpus, tmp_path, monkeypatch):
    """With a cache, a run's files are read once (pinned and parsed from the same bytes) and the parses go
    to one SQLite database, not a file each; a second build takes every parse from the cache."""
    reads = []
    open_raw = worker.open_raw
    monkeypatch.setattr(worker, "open_raw", lambda root, rel: reads.append(rel) or open_raw(root, rel))
    cache = tmp_path / "cache"
    first = build(corpus / "raw", tmp_path / "first", Options(cache_dir=cache, files_per_chunk=7))
    raw_files = sorted(p.name for p in (corpus / "raw").glob("*.txt"))
    assert sorted(reads) == raw_files, "every raw file read once"
    assert first["cache_hits"] == 0 and file_sums(tmp_path / "first") == file_sums(corpus / "default")
    (database_file,) = cache.glob("parse-*.sqlite")
    parse_files = [p for p in cache.rglob("*") if p.is_file() and not p.is_relative_to(next(cache.glob("chunks-*")))
                   and not p.name.startswith("rows-")]  # the chunks' rows kept for the next build (kept.py)
    assert len(parse_files) <= 3, f"one database (and its log), not a file per parse: {parse_files}"
    for run in cache.glob("chunks-*/*/*"):  # the chunk cache gone: every parse from the parse cache
        shutil.rmtree(run) if run.is_dir() else run.unlink()
    again = build(corpus / "raw", tmp_path / "again", Options(cache_dir=cache, files_per_chunk=7))
    assert again["cache_hits"] == first["steps"][1]["in"] and file_sums(tmp_path / "again") == file_sums(corpus / "default")
    assert database_file.exists()


def test_a_damaged_parse_cache_is_set_aside_and_the_build_goes_on(corpus, tmp_path):
    from vncyberdata.build.cache import fingerprint

    cache = tmp_path / "cache"
    cache.mkdir()
    damaged = cache / f"parse-{fingerprint()}.sqlite"
    damaged.write_bytes(b"not a database, " * 512)
    first = build(corpus / "raw", tmp_path / "first", Options(workers=2, cache_dir=cache))
    assert first["cache_hits"] == 0 and file_sums(tmp_path / "first") == file_sums(corpus / "default")
    assert (cache / f"{damaged.name}.damaged").read_bytes().startswith(b"not a database"), "kept aside, not lost"
    for run in cache.glob("chunks-*"):
        shutil.rmtree(run)
    again = build(corpus / "raw", tmp_path / "again", Options(workers=2, cache_dir=cache))
    assert again["cache_hits"] == first["steps"][1]["in"], "the new database serves the next build"
    assert file_sums(tmp_path / "again") == file_sums(corpus / "default")


def test_runs_are_cut_by_the_paths_alone():
    rels = [f"page-{i:05d}.txt" for i in range(2000)]
    runs = list(chunks.runs([(None, r) for r in rels], 16))
    assert [job for run in runs for job in run] == [(None, r) for r in rels]
    assert max(len(r) for r in runs) <= 64 and 60 < len(runs) < 200
    fewer = list(chunks.runs([(None, r) for r in rels if r != "page-01000.txt"], 16))
    changed = [r for r in fewer if r not in runs]
    assert len(changed) <= 2, "removing a file changes the run it was in (merged with the next if it was a cut)"


def test_without_a_cache_the_last_runs_shrink_so_no_worker_waits_alone_on_a_long_one():
    rels = [(None, f"page-{i:05d}.txt") for i in range(3000)]
    sizes = [len(run) for run in chunks.runs(iter(rels), 100, len(rels))]
    assert [job for run in chunks.runs(iter(rels), 100, len(rels)) for job in run] == rels
    assert sizes[:20] == [100] * 20 and max(sizes) == 100
    tail = sizes[sizes.index(max(s for s in sizes if s < 100)):]
    assert tail == sorted(tail, reverse=True) and tail[-2] == chunks.TAIL_RUN, tail
    # the content-defined cuts (for the chunk cache) allow runs of up to 4 x size, one of them last
    assert max(len(run) for run in chunks.runs(iter(rels), 100)) > 100


def test_the_database_memory_limit_is_checked_and_its_default_documented(tmp_path, capsys):
    from vncyberdata.cli import main, make_parser

    raw = tmp_path / "raw"
    generate(5, raw, seed=1)
    assert main(["build", "--raw", str(raw), "--out", str(tmp_path / "out"), "--no-cache", "--db-memory", "lots"]) == 1
    err = capsys.readouterr().err
    assert "'lots' is not a memory size" in err and "2GB" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists() and [p.name for p in tmp_path.iterdir()] == ["raw"]
    for command in ("build", "release"):
        help_text = next(a for a in make_parser()._subparsers._group_actions[0].choices[command]._actions
                         if a.dest == "db_memory").help
        assert f"default: {database.Limits().memory}" in help_text, command


def test_a_database_out_of_memory_is_a_clear_error_and_leaves_nothing_behind(tmp_path, capsys):
    from vncyberdata.cli import main

    raw = tmp_path / "raw"
    generate(200, raw, seed=1)
    code = main(["build", "--raw", str(raw), "--out", str(tmp_path / "out"), "--no-cache", "--db-memory", "2MB",
                 "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 1 and "needed more than its memory limit (2MB) in step " in err and "--db-memory 1GB" in err
    assert "Traceback" not in err and [p.name for p in tmp_path.iterdir()] == ["raw"]

    # a release takes the same option (it builds): the same error, nothing published or recorded
    root = tmp_path / "repo"
    (root / "schema").mkdir(parents=True)
    (root / "releases").mkdir()
    shutil.copy(REPO / "schema" / "floors.toml", root / "schema" / "floors.toml")
    code = main(["release", "--raw", str(raw), "--releases", str(root / "out"), "--root", str(root),
                 "--db-memory", "2MB"])
    err = capsys.readouterr().err
    assert code == 1 and "needed more than its memory limit (2MB)" in err and "--db-memory" in err
    assert "Traceback" not in err and list((root / "releases").iterdir()) == []
    assert not (root / "out").exists() or not any(p.name.startswith("vncyberdata-") for p in (root / "out").iterdir())


def test_a_fatal_error_from_memory_at_a_checkpoint_is_the_same_clear_error():
    """DuckDB reports running out of memory while writing a checkpoint as a FatalException (seen building 10^5
    articles under --db-memory 8MB): the user gets the out-of-memory error with the fix; other fatal errors
    are not disguised as one."""
    import duckdb

    from vncyberdata.errors import UserError

    fatal = ('FATAL Error: Failed: database has been invalidated because of a previous fatal error.\n'
             'Original error: "Transaction COMMIT succeeded and is durable, but the autocheckpoint failed. Failed to '
             'create checkpoint because of error: could not allocate block of size 256.0 KiB (7.4 MiB/7.6 MiB used)')
    with pytest.raises(UserError) as caught, database.user_errors(database.Limits("8MB"), lambda: "step parse_files"):
        raise duckdb.FatalException(fatal)
    assert "memory limit (8MB) in step parse_files" in str(caught.value)
    assert "could not allocate block" in str(caught.value) and "--db-memory" in caught.value.hint
    with pytest.raises(duckdb.FatalException), database.user_errors(database.Limits()):
        raise duckdb.FatalException("FATAL Error: something else entirely")


def test_numbered_rows_count_their_place_per_group_across_streamed_batches(tmp_path):
    """The place of a row in its group's order, counted as the sorted rows stream out of the database (more
    rows than one streamed batch, groups that straddle batches), equals a rank computed in numpy."""
    db = database.connect(tmp_path / "db", database.Limits(memory="64MB"))
    rng = np.random.default_rng(7)
    n = 150_000
    groups = rng.choice(np.array(["test", "train", "validation"]), size=n, p=[0.1, 0.8, 0.1])
    keys = rng.permutation(n).astype(np.int64)
    database.insert(db, "rows", pa.table({"g": groups, "k": keys, "place": np.zeros(n, dtype=np.int64)}), create=True)
    schema = pa.schema([("g", pa.string()), ("k", pa.int64()), ("place", pa.int64())])
    database.numbered(db, "ranked", "SELECT g, k, place FROM rows ORDER BY g, k", schema, "place", group="g")
    got = database.query(db, "SELECT g, k, place FROM ranked ORDER BY k")
    order = np.lexsort((keys, groups))
    expected = np.empty(n, dtype=np.int64)
    for g in ("test", "train", "validation"):
        members = order[groups[order] == g]
        expected[members] = np.arange(len(members))
    assert got.column("place").to_numpy().tolist() == expected[np.argsort(keys)].tolist()
    database.numbered(db, "whole", "SELECT k, place FROM rows ORDER BY k DESC", schema.remove(0), "place")
    whole = database.query(db, "SELECT k, place FROM whole ORDER BY k")
    assert whole.column("place").to_numpy().tolist() == list(range(n - 1, -1, -1))
    assert query_threads(db) == 2
    db.close()


def query_threads(db) -> int:
    return int(database.query(db, "SELECT current_setting('threads') AS n").column("n")[0].as_py())
