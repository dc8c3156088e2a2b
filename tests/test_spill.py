"""The streaming build: records wait on disk, not in memory, and how they are chunked never shows in the output."""

from __future__ import annotations

import hashlib

import json
import shutil

import numpy as np
import pyarrow as pa
import pytest

from vncyberdata import build as build_module
from vncyberdata import gather, steps, worker
from vncyberdata import buckets, dedup, ids, spill
from vncyberdata.build import Options, build
from vncyberdata.engines import LocalEngine
from vncyberdata.item import Item
from vncyberdata.raw import pins_table
from vncyberdata.synthetic import generate


def _files(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spill")
    generate(120, folder / "raw", seed=11, near_duplicates=0.15)
    build(folder / "raw", folder / "default")
    return folder


def test_output_does_not_depend_on_the_chunking_or_the_workers(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(build_module, "FILES_PER_CHUNK", 7)  # 120 pages in 18 chunks: every gather crosses chunks
    monkeypatch.setattr(gather, "_rows_per_partition", lambda largest: 9)  # a row group spans partitions
    monkeypatch.setattr(spill, "STAGE_ROWS", 20)  # partitions appended to several times
    monkeypatch.setattr(spill, "PIN_RUN_ROWS", 11)  # the report's inputs merged from many sorted runs
    monkeypatch.setattr(spill, "SIGHTINGS_BLOCK", 50)  # headline sightings filed a few chunks at a time
    build(corpus / "raw", tmp_path / "small-chunks", Options(workers=2))
    assert len(list((corpus / "default" / "data").rglob("*.parquet"))) >= 4
    assert _files(tmp_path / "small-chunks") == _files(corpus / "default")


def test_output_does_not_depend_on_how_partitions_are_cut_for_sorting(corpus, tmp_path, monkeypatch):
    """The partitions per split are capped, so they grow with the corpus; one of more than PIECE_ROWS rows
    is cut by id into pieces, each sorted on its own. Partitions of 40 rows in pieces of 6: the same bytes."""
    cuts = []
    cut_partition = spill.Store.cut_partition

    def counted(self, path, rows):
        pieces = cut_partition(self, path, rows)
        cuts.append(len(pieces))
        assert not path.exists() and all(p.exists() for p in pieces)
        return pieces

    monkeypatch.setattr(spill.Store, "cut_partition", counted)
    monkeypatch.setattr(gather, "_rows_per_partition", lambda largest: 40)
    monkeypatch.setattr(gather, "PIECE_ROWS", 6)
    monkeypatch.setattr(spill, "STAGE_ROWS", 20)  # partitions of many record batches
    build(corpus / "raw", tmp_path / "pieces")
    assert max(cuts) == 7, "a partition of 40 rows is cut into 6 pieces of 6 and one of 4"
    assert _files(tmp_path / "pieces") == _files(corpus / "default")


def test_the_spill_folder_is_removed_after_a_build_and_after_a_failure(corpus, tmp_path, monkeypatch):
    build(corpus / "raw", tmp_path / "ok")
    assert [p.name for p in tmp_path.iterdir()] == ["ok"]

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(build_module.write, "write_dataset", broken)
    with pytest.raises(OSError):
        build(corpus / "raw", tmp_path / "failed")
    assert [p.name for p in tmp_path.iterdir()] == ["ok"], "no spill folder and no half-written dataset left"


def test_store_gives_rows_back_in_the_order_asked(corpus, tmp_path, monkeypatch):
    """Take across chunks, backwards, repeated: rows come back as asked, values intact; facts, signatures,
    band keys and sightings come back for every record."""
    import pyarrow.parquet as pq

    from vncyberdata import schemas

    rows = pq.read_table(next((corpus / "default" / "data" / "articles").glob("train-*.parquet"))).to_pylist()[:10]
    monkeypatch.setattr(spill, "PIN_RUN_ROWS", 2)  # pins sorted in runs, merged when read
    store = spill.Store(tmp_path / "store", schemas.write_schema("articles"), expected_records=10_000)
    assert store.buckets > 1, "sightings are spread over several buckets"
    items = [
        Item(row, (), dedup.signature(row["body"]), dedup.content_hash(row["body"]),
                   tuple(ids.headline_id(t) for t in row["related_headlines"]))
        for row in rows
    ]
    for start in (0, 4, 8):  # three chunks: rows 0-3, 4-7, 8-9
        store.add(spill.write_chunk(store.chunk_folder, f"c{start}", items[start : start + 4], store.schema,
                                    pins_table([(f"f{9 - start}.txt", start, bytes(32)),
                                                (f"f{9 - start}.meta.json", 1, bytes([start]) * 32)])))
    inputs = store.inputs()
    assert len(inputs) == 6 and list(inputs) == [
        {"path": p, "size": n, "sha256": d.hex()}
        for p, n, d in sorted((f"f{9 - s}{x}", n, d) for s in (0, 4, 8)
                              for x, n, d in ((".txt", s, bytes(32)), (".meta.json", 1, bytes([s]) * 32)))
    ]
    assert inputs[1] == list(inputs)[1] and inputs[2:4] == list(inputs)[2:4]
    assert inputs[-1] == list(inputs)[-1] and inputs[::-2] == list(inputs)[::-2] and inputs == list(inputs)
    facts = pa.concat_tables(store.placed(rows=3))  # whole chunks at a time: 4 + 4 rows, then 2
    assert [t.num_rows for t in store.placed(rows=3)] == [4, 4, 2]
    assert facts.column("id").to_pylist() == [r["id"] for r in rows]
    assert facts.column("index").to_pylist() == list(range(10))
    locations = list(zip(facts.column("chunk").to_pylist(), facts.column("row").to_pylist()))
    assert locations == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0), (1, 1), (1, 2), (1, 3), (2, 0), (2, 1)]
    keys = np.array([2, 0, 1, 2, 0, 0, 2, 1, 0, 2])
    chunk, row = facts.column("chunk").to_numpy(), facts.column("row").to_numpy()
    files = store.partition([(chunk[:4], row[:4], keys[:4]), (chunk[4:], row[4:], keys[4:])])  # chunk 0, then 1-2
    for key, path in files.items():
        got = store.read_partition(path).to_pylist()
        assert got == [rows[i] for i in np.flatnonzero(keys == key)], "each row in its partition, in chunk order"
    assert sorted(files) == [0, 1, 2]
    assert (store.signature_rows([7, 2]) == [items[7].signature, items[2].signature]).all()
    assert store.details([7, 2, 9, 2, 0], ["id", "body_len"]).to_pylist() == [
        {"id": rows[i]["id"], "body_len": len(rows[i]["body"])} for i in (7, 2, 9, 2, 0)
    ], "rows of three record batches, in the order asked"
    assert store.details([], ["raw_path"]).num_rows == 0
    bands = np.frombuffer(facts.column("bands").combine_chunks().buffers()[1], dtype=np.uint64).reshape(10, -1)
    assert (bands == dedup.band_keys(np.array([i.signature for i in items]))).all()
    seen = store.sightings()
    assert sorted(zip(seen.column("record").to_pylist(), seen.column("position").to_pylist(),
                      seen.column("text").to_pylist())) == [
        (i, p, t) for i, r in enumerate(rows) for p, t in enumerate(r["related_headlines"])
    ]
    buckets = [b.column("headline_id").to_pylist() for b in store.sighting_buckets()]
    assert all(max(a) < min(b) for a, b in zip(buckets, buckets[1:]) if a and b), "buckets in headline-id order"


def test_output_does_not_depend_on_the_number_of_headline_buckets(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(spill, "bucket_count", lambda records: 7)
    build(corpus / "raw", tmp_path / "buckets")
    assert _files(tmp_path / "buckets") == _files(corpus / "default")


def test_output_does_not_depend_on_the_buckets_of_the_global_steps(tmp_path, monkeypatch):
    """The global steps see the facts a bucket at a time (ids, content hashes, band keys); with buckets of
    a few rows (every kind of duplicate then meets its first in a bucket of many) and the duplicates
    reported a few at a time, the bytes (build-report.json included) are those of one bucket each."""
    raw = tmp_path / "raw"
    generate(150, raw, seed=5, near_duplicates=0.2)
    for i in (3, 40, 77):  # the same file twice: one id; the same text from another publisher: one text
        stem = raw / f"synthetic_{i:07d}"
        shutil.copy(stem.with_suffix(".txt"), raw / f"again_{i}.txt")
        shutil.copy(stem.with_suffix(".meta.json"), raw / f"again_{i}.meta.json")
        shutil.copy(stem.with_suffix(".txt"), raw / f"other_{i}.txt")
        meta = json.loads(stem.with_suffix(".meta.json").read_text(encoding="utf-8"))
        (raw / f"other_{i}.meta.json").write_text(json.dumps({**meta, "publisher": "Other (synthetic)"}), encoding="utf-8")
    whole = build(raw, tmp_path / "whole")
    assert whole["dropped"]["duplicate_id"] == 3 and whole["dropped"]["exact_duplicate"] >= 3
    assert whole["dropped"]["near_duplicate"] >= 10
    monkeypatch.setattr(buckets, "ROWS_PER_BUCKET", 9)
    monkeypatch.setattr(steps, "KEYS_PER_BUCKET", 13)
    monkeypatch.setattr(spill, "PLACED_ROWS", 5)
    monkeypatch.setattr(steps, "REPORT_SLICE", 4)  # the duplicates' report lines, a few at a time
    assert buckets.count_for(170) == 19 and buckets.count_for(170, steps.KEYS_PER_BUCKET) == 14
    build(raw, tmp_path / "buckets", Options(workers=2))
    assert _files(tmp_path / "buckets") == _files(tmp_path / "whole")


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
        digest = dedup.content_hash(bodies[i])
        if digest in first:
            a, b = find(i), find(first[digest])
            parent[max(a, b)] = min(a, b)
            continue
        first[digest] = i
        sketch = dedup.minhash(bodies[i])
        for other in lsh.query(sketch):
            if sketch.jaccard(sketches[other]) >= dedup.THRESHOLD:
                a, b = find(i), find(other)
                parent[max(a, b)] = min(a, b)
        lsh.insert(i, sketch)
        sketches[i] = sketch
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

    monkeypatch.setattr(build_module, "FILES_PER_CHUNK", 7)  # 120 pages in ~17 runs
    raw = tmp_path / "raw"
    shutil.copytree(corpus / "raw", raw)
    cache = tmp_path / "cache"
    first = build(raw, tmp_path / "first", Options(cache_dir=cache))
    assert first["cache_hits"] == 0
    assert _files(tmp_path / "first") == _files(corpus / "default")

    calls = []
    parse_one = worker.parse_one
    monkeypatch.setattr(worker, "parse_one", lambda job: calls.append(job[1]) or parse_one(job))
    again = build(raw, tmp_path / "again", Options(cache_dir=cache))
    assert calls == [], "every run served whole from the chunk cache"
    assert again["cache_hits"] == first["steps"][1]["in"], "every parse counted as cached"
    assert _files(tmp_path / "again") == _files(corpus / "default")

    generate(121, tmp_path / "more", seed=11, near_duplicates=0.15)
    new = sorted(p.name for p in (tmp_path / "more").iterdir() if not (raw / p.name).exists())
    assert len(new) == 2  # a raw file and its sidecar
    for name in new:
        shutil.copy(tmp_path / "more" / name, raw / name)
    runs = list(worker.runs([(None, p.name) for p in sorted(raw.glob("*.txt"))], 7))
    (run,) = [r for r in runs if any(rel in new for _root, rel in r)]
    rebuilt = build(raw, tmp_path / "rebuilt", Options(cache_dir=cache))
    assert calls == [rel for _root, rel in run], "the new file's run only"
    assert rebuilt["cache_hits"] == rebuilt["steps"][1]["in"] - 1, "and in it the new file only is parsed"
    build(raw, tmp_path / "clean")
    assert _files(tmp_path / "rebuilt") == _files(tmp_path / "clean")


def test_runs_are_cut_by_the_paths_alone():
    rels = [f"page-{i:05d}.txt" for i in range(2000)]
    runs = list(worker.runs([(None, r) for r in rels], 16))
    assert [job for run in runs for job in run] == [(None, r) for r in rels]
    assert max(len(r) for r in runs) <= 64 and 60 < len(runs) < 200
    fewer = list(worker.runs([(None, r) for r in rels if r != "page-01000.txt"], 16))
    changed = [r for r in fewer if r not in runs]
    assert len(changed) <= 2, "removing a file changes the run it was in (merged with the next if it was a cut)"


def test_a_low_limit_of_open_files_is_raised_for_the_buckets(tmp_path):
    """Bucket writers are held open at once (sightings: up to 256); a process started with a lower
    limit of open files (macOS: 256) still builds, the build raising its soft limit up to the hard one."""
    import resource
    import subprocess
    import sys

    generate(60, tmp_path / "raw", seed=3)  # ~300 headline sightings over 200 buckets: ~150 writers open
    code = (
        "import resource; from pathlib import Path; from vncyberdata import spill; "
        "from vncyberdata.build import build; "
        "spill.bucket_count = lambda records: 200; "
        "resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1])); "
        f"build(Path({str(tmp_path / 'raw')!r}), Path({str(tmp_path / 'out')!r})); "
        "print(resource.getrlimit(resource.RLIMIT_NOFILE)[0])"
    )
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < 1024:
        pytest.skip(f"the hard limit of open files here is {hard}")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) >= 1024
    assert sorted(p.name for p in (tmp_path / "out").rglob("*.parquet"))
