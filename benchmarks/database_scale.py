"""The build's database at a scale no quick build reaches: a real build's facts and headline sightings,
replicated `--copies` times (ids, content hashes, LSH band keys and headline ids re-hashed per copy, so the
duplicates, the candidate pairs and the distinct headlines grow with the copies), run through the global steps
and the gather's queries under the database's memory limit. Prints each step's seconds and the process's peak
RSS, or the step that ran out of memory: 10^6 articles' worth of database work in a minute or two, from a
10^5 build.

    .venv/bin/python benchmarks/database_scale.py --articles 100000 --copies 10 --db-memory 64MB
    .venv/bin/python benchmarks/database_scale.py --raw DIR --cache-dir C --copies 10

Not the whole build: the near-duplicate judge gets random signatures (no candidate pair is judged a duplicate),
and the gather's pass over the chunks' rows is left out (the chunks are not replicated), its queries are not.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np


def _rss_mb() -> int:
    with open("/proc/self/status") as status:
        return int(status.read().split("VmRSS:")[1].split()[0]) // 1024


def capture(raw: Path, cache_dir: Path | None, folder: Path) -> None:
    """Build `raw`, copying the database's facts and sightings to Parquet files in `folder` before the gather."""
    from vncyberdata.build import build, database, gather

    original = gather.place_articles

    def copy_out(store, kept, *args, **kwargs):
        for table in ("facts", "sightings"):
            store.db.execute(f"COPY {table} TO '{folder / table}.parquet' (FORMAT parquet)")
        return original(store, kept, *args, **kwargs)

    gather.place_articles = copy_out
    with tempfile.TemporaryDirectory(prefix="vncyberdata-dbscale-") as scratch:
        build.build(raw, Path(scratch) / "dataset",
                    build.Options(workers=2, cache_dir=cache_dir, database=database.Limits(memory="1GB")))
    gather.place_articles = original


def rehash(column: str) -> str:
    """SQL for a 16-hex-digit id column made distinct per copy `k` (copy 0 keeps the original)."""
    return f"CASE WHEN k = 0 THEN {column} ELSE substr(md5({column} || k::VARCHAR), 1, 16) END"


def replicate(folder: Path, copies: int, path: Path) -> None:
    """A database at `path` whose facts and sightings are those in `folder`, `copies` times over."""
    import duckdb

    from vncyberdata.build import minhash

    db = duckdb.connect(str(path))
    db.execute("SET memory_limit = '2GB'")
    n = db.execute(f"SELECT count(*) FROM '{folder}/facts.parquet'").fetchall()[0][0]
    bands = ", ".join(f"xor(band{b}, hash(k + {b}) * (k > 0)::UBIGINT) AS band{b}" for b in range(minhash.BANDS))
    db.execute(f"""CREATE TABLE facts AS SELECT idx + k * {n} AS idx, chunk + k * 1000000 AS chunk, row,
        {rehash('id')} AS id, raw_path || '/' || k::VARCHAR AS raw_path, raw_sha256, body_len, lead_len, language,
        language_score, CASE WHEN k = 0 THEN content_hash ELSE unhex(sha256(hex(content_hash) || k::VARCHAR)) END
        AS content_hash, split, CASE WHEN k = 0 OR source IS NULL THEN source
        ELSE unhex(sha256(hex(source) || k::VARCHAR)) END AS source, {bands} FROM '{folder}/facts.parquet', range({copies}) t(k) ORDER BY k, idx""")
    db.execute(f"""CREATE TABLE sightings AS SELECT idx + k * {n} AS idx, position, {rehash('headline_id')} AS headline_id,
        text, split, source, {rehash('article_id')} AS article_id FROM '{folder}/sightings.parquet', range({copies}) t(k)
        ORDER BY k, idx""")
    db.close()


class Replicated:
    """What the steps and the gather's queries use of a build's Store, over the replicated database."""

    def __init__(self, db) -> None:
        from vncyberdata.build import database, minhash

        self.db = db
        self.count = database.query(db, "SELECT count(*) AS n FROM facts").column("n")[0].as_py()
        self._width = minhash.NUM_PERM

    def signatures(self, chunk: np.ndarray, row: np.ndarray) -> np.ndarray:
        return np.random.default_rng(0).integers(0, 2**63, size=(len(chunk), self._width), dtype=np.uint64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, help="a raw folder (default: a synthetic corpus of --articles)")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--cache-dir", type=Path, help="the parse cache for the build of --raw")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--db-memory", default=None, help="the database's memory limit (default: the build's)")
    args = parser.parse_args()

    from vncyberdata.build import database, gather, steps
    from vncyberdata.build.build_report import Report
    from vncyberdata.build.drops import Drops
    from vncyberdata.synthetic import generate

    limits = database.Limits(memory=args.db_memory) if args.db_memory else database.Limits()
    with tempfile.TemporaryDirectory(prefix="vncyberdata-dbscale-") as work:
        work = Path(work)
        raw = args.raw
        if raw is None:
            raw = work / "raw"
            generate(args.articles, raw, near_duplicates=0.05)
        start = time.perf_counter()
        capture(raw, args.cache_dir, work)
        replicate(work, args.copies, work / "replicated.duckdb")
        if args.raw is None:
            shutil.rmtree(raw)
        print(f"built and replicated in {time.perf_counter() - start:.1f} s")
        db = database.connect(work / "db", limits)
        db.execute(f"ATTACH '{work / 'replicated.duckdb'}' AS source (READ_ONLY)")
        for table in ("facts", "sightings"):
            db.execute(f"CREATE TABLE {table} AS SELECT * FROM source.{table}")
        db.execute("DETACH source")
        store = Replicated(db)
        report = Report(drops=Drops(db))
        print(f"{store.count:,} records, database memory limit {limits.memory}")
        peak = [0]

        def sample() -> None:
            while True:
                peak[0] = max(peak[0], _rss_mb())
                time.sleep(0.005)

        threading.Thread(target=sample, daemon=True).start()

        sharding = gather.Sharding(salt="replicated")  # digests taken, as in a cached build

        def article_places(kept):  # the database's part of the article gather; the pass over the chunks queries nothing
            return gather.place_articles(store, kept, work / "groups", sharding)

        def headlines(kept):
            return sum(rows.count for rows in gather.headline_rows(store, kept, work / "headlines",
                                                                   sharding=sharding).values())

        facts = steps.facts_of(store)
        for name, run in (("keep_vietnamese", lambda f: steps.keep_vietnamese(f, report, store)),
                          ("drop_duplicate_ids", lambda f: steps.drop_duplicate_ids(f, report, store)),
                          ("drop_near_duplicates", lambda f: steps.drop_near_duplicates(f, report, store)),
                          ("gather: article places", article_places),
                          ("gather: headline rows", headlines)):
            peak[0], start = _rss_mb(), time.perf_counter()
            try:
                out = run(facts)
            except Exception as err:  # the database's out-of-memory error is the finding
                print(f"{name:<24} FAILED after {time.perf_counter() - start:.2f} s: {str(err).splitlines()[0][:160]}")
                sys.exit(1)
            print(f"{name:<24} {time.perf_counter() - start:7.2f} s  peak {peak[0]} MB")
            if isinstance(out, steps.Facts):
                facts = out
        db.close()


if __name__ == "__main__":
    main()
