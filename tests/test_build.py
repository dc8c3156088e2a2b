"""The build end to end: offline loading, features, split hygiene, determinism, failures that stop nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import datasets
import pytest
from conftest import RAW, file_sums

from vncyberdata.model import schemas
from vncyberdata.build.build import Options, build
from vncyberdata.errors import UserError
from vncyberdata import load_split
from vncyberdata.release.loading import report_rows
from vncyberdata.model.record import LINE_CLASSES

SEED_TITLES = {
    "Việt Nam chủ động phối hợp quốc tế ngăn chặn tội phạm mạng, bảo vệ công dân",
    "Tăng cường hợp tác quốc tế phòng, chống tội phạm mạng tại khu vực châu Á và Nam Thái Bình Dương",
}


def _report(folder):
    return json.loads((folder / "build-report.json").read_text(encoding="utf-8"))


def _sha(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.parquet"))}


def test_load_dataset_offline_articles(seed_build, tmp_path):
    ds = datasets.load_dataset(str(seed_build), cache_dir=str(tmp_path / "cache"))
    rows = [r for split in ds.values() for r in split]
    assert {r["title"] for r in rows} == SEED_TITLES
    for split in ds.values():
        assert split.features == schemas.features("articles")
    report = _report(seed_build)
    assert {s: len(d) for s, d in ds.items()} == report["splits"]["articles"]
    by_title = {r["title"]: r for r in rows}
    r003 = by_title["Tăng cường hợp tác quốc tế phòng, chống tội phạm mạng tại khu vực châu Á và Nam Thái Bình Dương"]
    assert r003["author"] == "Hồng Dũng" and str(r003["published_date"]) == "2025-07-08"
    assert len(r003["captions"]) == 4 and len(r003["related_headlines"]) == 19
    r000 = by_title["Việt Nam chủ động phối hợp quốc tế ngăn chặn tội phạm mạng, bảo vệ công dân"]
    assert r000["source_attribution"] == "nhandan.vn" and r000["published_date"] is None
    assert (r000["published_month"], r000["published_day"], r000["published_year"]) == (11, 6, None)


def test_load_dataset_offline_headlines_and_streaming(seed_build, tmp_path):
    ds = datasets.load_dataset(str(seed_build), "headlines", cache_dir=str(tmp_path / "cache"))
    assert sum(len(d) for d in ds.values()) == 31  # 12 + 19 distinct related headlines on the two seeds
    assert all(d.features == schemas.features("headlines") for d in ds.values())
    streamed = datasets.load_dataset(str(seed_build), streaming=True)
    ids = [r["id"] for split in streamed.values() for r in split]
    assert len(ids) == 2
    streamed_h = datasets.load_dataset(str(seed_build), "headlines", streaming=True)
    assert sum(1 for split in streamed_h.values() for _ in split) == 31


def test_card_declares_what_is_written(seed_build):
    """Declared features == Parquet schema (datasets silently adds declared-but-absent columns)."""
    import pyarrow.parquet as pq

    for path in (seed_build / "data").rglob("*.parquet"):
        config = path.parent.name
        assert pq.read_schema(path).remove_metadata() == schemas.write_schema(config).remove_metadata()


def test_split_hygiene(seed_build):
    for config in ("articles", "headlines"):
        dd = load_split(seed_build, config)
        seen = {}
        for split, ds in dd.items():
            assert ds.features == schemas.features(config)
            for row in ds:
                assert row["split"] == split
                assert row["id"] not in seen, f"{row['id']} in {seen.get(row['id'])} and {split}"
                seen[row["id"]] = split
        assert len(seen) == sum(_report(seed_build)["splits"][config].values())


def test_empty_split_loads_with_features(seed_build):
    report = _report(seed_build)
    empty = [s for s in ("train", "validation", "test") if s not in report["splits"]["articles"]]
    assert empty, "the seed corpus is expected to leave an articles split empty"
    ds = load_split(seed_build, "articles", empty[0])
    assert len(ds) == 0 and ds.features == schemas.features("articles")


def test_line_accounting_in_report(seed_build):
    lines = _report(seed_build)["lines"]
    assert set(lines["by_class"]) == set(LINE_CLASSES)
    assert sum(lines["by_class"].values()) == lines["total"] == 22 + 140


def test_two_builds_are_byte_identical(tmp_path):
    a = tmp_path / "a" / "dataset"
    b = tmp_path / "b" / "dataset"
    build(RAW, a)
    build(RAW, b)
    assert _sha(a) == _sha(b) and _sha(a)
    assert (a / "README.md").read_bytes() == (b / "README.md").read_bytes()
    assert (a / "build-report.json").read_bytes() == (b / "build-report.json").read_bytes()


def test_renaming_raw_files_keeps_ids_and_splits(tmp_path, seed_build):
    moved = tmp_path / "raw" / "nested"
    moved.mkdir(parents=True)
    for p in RAW.iterdir():
        shutil.copy(p, moved / p.name.replace("000_", "renamed_").replace("003_", "other_"))
    out = tmp_path / "dataset"
    build(tmp_path / "raw", out)
    before = {r["id"]: r["split"] for r in _rows(seed_build)}
    after = {r["id"]: r["split"] for r in _rows(out)}
    assert before == after


def _rows(folder):
    return [r for ds in load_split(folder, "articles").values() for r in ds]


def test_bad_raw_files_are_reported_and_the_rest_builds(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    (raw / "latin.txt").write_bytes("Tiêu đe\nNôi dung bài báo.\n".encode("cp1258"))
    (raw / "latin.meta.json").write_text('{"publisher": "X", "license": "test"}')
    (raw / "nosidecar.txt").write_text("Tiêu đề\nĐoạn một.\nĐoạn hai.\n")
    (raw / "onlychrome.txt").write_text("Trang chủ > Pháp luật\nChia sẻ\n\n")
    (raw / "onlychrome.meta.json").write_text('{"publisher": "X", "license": "test"}')
    (raw / "badmeta.txt").write_text("Tiêu đề\nĐoạn một.\nĐoạn hai.\n")
    (raw / "badmeta.meta.json").write_text('{"publisher": "X",\n "license": "test", "colour": 1}')
    (raw / "notes.docx").write_bytes(b"PK\x03\x04")
    report = build(raw, tmp_path / "dataset")
    drops = report_rows(tmp_path / "dataset", "drops")
    assert report["drops"]["count"] == len(drops) and report["drops"]["first"] == drops[:20]
    reasons = {d["raw_path"]: (d["reason"], d["line"]) for d in drops}
    assert reasons == {
        "latin.txt": ("not_utf8", 1),
        "nosidecar.txt": ("missing_sidecar", None),
        "onlychrome.txt": ("no_title", 1),
        "badmeta.txt": ("sidecar_schema", None),
    }
    assert report["dropped"] == {"missing_sidecar": 1, "no_title": 1, "not_utf8": 1, "sidecar_schema": 1}
    assert "notes.docx" in report["ignored"]
    assert sum(report["splits"]["articles"].values()) == 2
    steps = {s["step"]: (s["in"], s["out"]) for s in report["steps"]}
    assert steps == {
        "read_sidecars": (6, 4),
        "parse_files": (4, 2),
        "keep_vietnamese": (2, 2),
        "drop_duplicate_ids": (2, 2),
        "drop_near_duplicates": (2, 2),
    }
    for d in drops:
        assert d["message"] and d["hint"]
    messages = {d["raw_path"]: d["message"] for d in drops}
    assert messages["badmeta.txt"].startswith("badmeta.meta.json: "), "a sidecar problem names the sidecar"
    assert messages["nosidecar.txt"] == "nosidecar.meta.json: no sidecar nosidecar.meta.json"


def test_a_file_gone_since_discovery_is_dropped_not_a_crash(tmp_path, monkeypatch):
    """The workers read the files after discovery: one deleted (or unreadable) by then is dropped with
    unreadable_file and a hint; it is not an input, and every other file is built."""
    from vncyberdata.build import build as build_module
    from vncyberdata.intake.raw import RawFile

    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    discover = build_module.discover

    def with_ghost(root):
        files, ignored = discover(root)
        return sorted(list(files) + [RawFile(Path(root), "gone.txt", "text")], key=lambda f: f.rel), ignored

    monkeypatch.setattr(build_module, "discover", with_ghost)
    report = build(raw, tmp_path / "dataset")
    (drop,) = report_rows(tmp_path / "dataset", "drops")
    assert (drop["raw_path"], drop["reason"], drop["step"]) == ("gone.txt", "unreadable_file", "read_sidecars")
    assert "gone.txt" in drop["message"] and drop["hint"]
    assert "gone.txt" not in [r["path"] for r in report_rows(tmp_path / "dataset", "inputs")]
    assert sum(report["splits"]["articles"].values()) == 2


def test_duplicate_article_is_dropped_with_reason(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    shutil.copy(raw / "003_5a3d17637f3588e8.txt", raw / "copy.txt")
    shutil.copy(raw / "003_5a3d17637f3588e8.meta.json", raw / "copy.meta.json")
    report = build(raw, tmp_path / "dataset")
    assert report["dropped"] == {"duplicate_id": 1}
    assert [d["raw_path"] for d in report_rows(tmp_path / "dataset", "drops")] == ["copy.txt"]  # same bytes: the path breaks the tie


def test_of_two_files_with_one_id_the_longer_body_stays_then_the_smaller_sha256(tmp_path):
    """The tie-breaks of drop_duplicate_ids (read back from the store for the records that share an id)."""
    import hashlib

    seed = RAW / "003_5a3d17637f3588e8.txt"
    text = seed.read_text(encoding="utf-8")
    variants = {
        "longer.txt": text.replace("Tham dự Hội nghị có 70", "Tham dự Hội nghị năm nay có 70"),
        "same_length.txt": text.replace("Tham dự Hội nghị có 70", "Tham dự Hội nghị có 71"),
    }
    for name, body in variants.items():
        assert body != text
        raw = tmp_path / name.removesuffix(".txt")
        raw.mkdir()
        shutil.copy(seed, raw / seed.name)
        shutil.copy(seed.with_name("003_5a3d17637f3588e8.meta.json"), raw / "003_5a3d17637f3588e8.meta.json")
        (raw / name).write_text(body, encoding="utf-8")
        shutil.copy(seed.with_name("003_5a3d17637f3588e8.meta.json"), raw / name.replace(".txt", ".meta.json"))
    build(tmp_path / "longer", tmp_path / "out-longer")
    drops = report_rows(tmp_path / "out-longer", "drops")
    assert [(d["raw_path"], d["reason"]) for d in drops] == [(seed.name, "duplicate_id")]
    assert "longer.txt" in drops[0]["message"]

    report = build(tmp_path / "same_length", tmp_path / "out-same")
    drops = report_rows(tmp_path / "out-same", "drops")
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (tmp_path / "same_length").glob("*.txt")}
    (dropped,) = [d["raw_path"] for d in drops]
    assert dropped == max(digests, key=digests.get), "the larger sha256 goes, whatever the names"
    assert min(digests, key=digests.get) in drops[0]["message"], "the message names the one kept"
    assert sum(report["splits"]["articles"].values()) == 1


def test_refuses_to_replace_a_folder_it_did_not_write(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("keep me")
    with pytest.raises(UserError, match="not a vncyberdata build folder"):
        build(RAW, precious)
    assert (precious / "thesis.tex").read_text() == "keep me"


def test_rebuild_replaces_previous_build_and_loader_sees_new_rows(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for p in RAW.glob("003_*"):
        shutil.copy(p, raw / p.name)
    out = tmp_path / "dataset"
    build(raw, out)
    assert sum(len(d) for d in load_split(out).values()) == 1
    for p in RAW.glob("000_*"):
        shutil.copy(p, raw / p.name)
    build(raw, out)
    assert sum(len(d) for d in load_split(out).values()) == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dataset.")], "no temporary folders left"


def test_non_vietnamese_page_is_dropped_with_reason(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    english = (
        "Police warn of a new online investment scam\n"
        "Officers said the scheme lured victims with promises of quick profits on a fake trading platform.\n"
        "Several people lost their savings before the website disappeared, according to the investigators.\n"
    )
    (raw / "english.txt").write_text(english)
    (raw / "english.meta.json").write_text('{"publisher": "X", "license": "L", "language": "en"}')
    report = build(raw, tmp_path / "dataset")
    assert report["dropped"] == {"not_vietnamese": 1}
    (drop,) = report_rows(tmp_path / "dataset", "drops")
    assert drop["raw_path"] == "english.txt" and "'en'" in drop["message"]


def test_workers_and_cache_never_change_the_bytes_and_rebuilds_reparse_only_new_files(tmp_path):
    from vncyberdata.build.build import Options
    from vncyberdata.synthetic import generate

    raw = tmp_path / "raw"
    generate(60, raw, seed=11, near_duplicates=0.1)
    plain = build(raw, tmp_path / "plain")
    cache = tmp_path / "cache"
    pooled = build(raw, tmp_path / "pooled", Options(workers=2, cache_dir=cache))
    assert pooled["cache_hits"] == 0 and _sha(tmp_path / "plain") == _sha(tmp_path / "pooled")
    assert plain["drops"] == pooled["drops"]
    assert report_rows(tmp_path / "plain", "drops") == report_rows(tmp_path / "pooled", "drops")
    generate(61, tmp_path / "more", seed=11)  # the same 60 pages, and one more
    shutil.copy(tmp_path / "more" / "synthetic_0000060.txt", raw)
    shutil.copy(tmp_path / "more" / "synthetic_0000060.meta.json", raw)
    n_files = len(list(raw.glob("*.txt")))
    incremental = build(raw, tmp_path / "incremental", Options(workers=2, cache_dir=cache))
    assert incremental["cache_hits"] == n_files - 1, "only the new file is parsed again"
    clean = build(raw, tmp_path / "clean")
    assert _sha(tmp_path / "incremental") == _sha(tmp_path / "clean")
    assert (tmp_path / "incremental" / "build-report.json").read_bytes() == (tmp_path / "clean" / "build-report.json").read_bytes()


def test_html_raw_files_build_into_the_same_records(tmp_path):
    import hashlib as _h

    from conftest import FIXTURES

    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    for name in ("tuoitre_like.html", "tuoitre_like.meta.json"):
        shutil.copy(FIXTURES / "html" / name, raw / name)
    (raw / "broken.html").write_bytes(b"\x89PNG\r\n\x1a\n")
    (raw / "broken.meta.json").write_text('{"publisher": "X", "license": "L"}')
    report = build(raw, tmp_path / "dataset")
    assert report["dropped"] == {"bad_html": 1}
    rows = {r["raw_path"]: r for d in load_split(tmp_path / "dataset").values() for r in d}
    page = rows["tuoitre_like.html"]
    assert page["raw_format"] == "html" and page["title"] and page["body"]
    assert page["raw_sha256"] == _h.sha256((raw / "tuoitre_like.html").read_bytes()).hexdigest()


def test_a_build_from_both_tone_styles_holds_one(tmp_path):
    import re as _re

    from vncyberdata.synthetic import generate

    raw = tmp_path / "raw"
    generate(40, raw, seed=5, near_duplicates=0.5)  # the copies are written in the other tone style
    assert any("hoà" in p.read_text() or "thuỷ" in p.read_text() for p in raw.glob("*_copy.txt"))
    build(raw, tmp_path / "dataset")
    new_style = _re.compile(r"(?i)(?<!q)(?:o[àáảãạèéẻẽẹ]|u[ỳýỷỹỵ])(?!\w)")
    for ds in load_split(tmp_path / "dataset").values():
        for row in ds:
            assert not new_style.search(row["title"] + (row["lead"] or "") + row["body"])


def test_shards_are_cut_where_the_ids_say_and_load_as_one_split(tmp_path):
    import pyarrow.parquet as pq

    from vncyberdata.build import shards, write
    from vncyberdata.synthetic import generate

    raw = tmp_path / "raw"
    generate(60, raw, seed=2)
    layout = write.Layout(shard_rows=4, headline_shard_rows=4, row_group_rows=3)
    report = build(raw, tmp_path / "dataset", Options(layout=layout))
    train = sorted((tmp_path / "dataset" / "data" / "articles").glob("train-*.parquet"))
    assert len(train) > 2 and train[0].name.endswith(f"-of-{len(train):05d}.parquet")
    ds = datasets.load_dataset(str(tmp_path / "dataset"), split="train", cache_dir=str(tmp_path / "cache"))
    assert len(ds) == report["splits"]["articles"]["train"]
    assert ds["id"] == sorted(ds["id"]), "shards are consecutive slices of the id order"
    for path in train[:-1]:  # every shard but the last ends after an id that cuts, or at the most rows
        last = pq.read_table(path, columns=["id"]).column("id")[-1].as_py()
        rows = pq.ParquetFile(path).metadata.num_rows
        assert int(last[-8:], 16) % 4 == 0 or rows == shards.MOST * 4, (path.name, last, rows)
    for path in train:  # row groups of 3 rows from each shard's start
        meta = pq.ParquetFile(path).metadata
        groups = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        assert groups[:-1] == [3] * (len(groups) - 1) and 1 <= groups[-1] <= 3
    headlines = sorted((tmp_path / "dataset" / "data" / "headlines").glob("train-*.parquet"))
    assert len(headlines) > 1
    ids = [i for p in headlines for i in pq.read_table(p, columns=["id"]).column("id").to_pylist()]
    assert ids == sorted(set(ids)), "headline shards are consecutive slices of the headline id order"


def test_a_rebuild_links_the_unchanged_shards_and_gives_the_clean_build_s_bytes(tmp_path):
    """After one file is added, a cached rebuild into the same folder writes only the shards that file
    falls in (of articles and of headlines) and links the rest from the build before; the folder is byte
    for byte what a clean build gives. A linked shard whose file was touched since is written again."""
    import os

    from vncyberdata.build import write
    from vncyberdata.synthetic import generate

    every = tmp_path / "every"
    generate(61, every, seed=5)
    raw = tmp_path / "raw"
    raw.mkdir()
    new = ("synthetic_0000060.txt", "synthetic_0000060.meta.json")
    for path in every.iterdir():
        if path.name not in new:
            (raw / path.name).write_bytes(path.read_bytes())
    options = Options(cache_dir=tmp_path / "cache", layout=write.Layout(shard_rows=4, headline_shard_rows=4,
                                                                            row_group_rows=3), files_per_chunk=8)
    out = tmp_path / "dataset"
    build(raw, out, options)
    before = {p.relative_to(out).as_posix(): os.stat(p).st_ino for p in (out / "data").rglob("*.parquet")}
    for name in new:
        (raw / name).write_bytes((every / name).read_bytes())
    build(raw, out, options)
    after = {p.relative_to(out).as_posix(): os.stat(p).st_ino for p in (out / "data").rglob("*.parquet")}
    linked = set(after.values()) & set(before.values())
    written = [f for f, ino in after.items() if ino not in linked]
    assert len([f for f in written if "/articles/" in f]) == 1, written  # the shard the new article falls in
    assert 1 <= len([f for f in written if "/headlines/" in f]) <= 8, written  # those of its related headlines
    assert len(linked) == len(after) - len(written) > 80

    clean = tmp_path / "clean"
    build(raw, clean, Options(layout=options.layout))
    assert file_sums(out) == file_sums(clean)

    touched = sorted(f for f, ino in after.items() if ino in linked)[0]
    os.utime(out / touched, ns=(1, 1))
    build(raw, out, options)
    assert os.stat(out / touched).st_ino != after[touched], "a touched shard is written, not linked"
    assert file_sums(out) == file_sums(clean)


def test_report_pins_every_input_and_is_plain_indented_json(seed_build):
    """The inputs are kept as Arrow columns and written an item at a time; the file is still exactly what
    json.dumps gives, and every raw file and sidecar is listed with its size and sha256, in path order."""
    text = (seed_build / "build-report.json").read_text(encoding="utf-8")
    report = json.loads(text)
    assert text == json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    expected = [
        {"path": p.relative_to(RAW).as_posix(), "size": p.stat().st_size, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
        for p in sorted(RAW.iterdir())
        if p.suffix in (".txt", ".json") and not p.name.startswith(".")
    ]
    assert report_rows(seed_build, "inputs") == sorted(expected, key=lambda r: r["path"]) and len(expected) >= 4
    assert report["inputs"] == {"file": "report/inputs.parquet", "count": len(expected)}
    assert [s["step"] for s in report["steps"]] == [
        "read_sidecars", "parse_files", "keep_vietnamese", "drop_duplicate_ids", "drop_near_duplicates"
    ], "steps are listed in the order they run"


def test_report_tables_are_parquet_beside_a_small_json(tmp_path):
    """Every input and every drop is a row of report/inputs.parquet and report/drops.parquet, listed with
    their checksums among the outputs; the JSON holds their counts and the first drops only."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    for i in range(25):  # 25 exact copies of a seed: 25 drops, more than the JSON repeats
        shutil.copy(RAW / "000_950e53a0e89c16ec.txt", raw / f"copy{i:02d}.txt")
        shutil.copy(RAW / "000_950e53a0e89c16ec.meta.json", raw / f"copy{i:02d}.meta.json")
    out = tmp_path / "dataset"
    report = build(raw, out)
    on_disk = json.loads((out / "build-report.json").read_text(encoding="utf-8"))
    drops, inputs = report_rows(out, "drops"), report_rows(out, "inputs")
    assert len(drops) == on_disk["drops"]["count"] == 25 and on_disk["drops"]["first"] == drops[:20]
    assert len(inputs) == on_disk["inputs"]["count"] == 2 * len(list(raw.glob("*.txt")))
    outputs = {row["path"] for row in on_disk["outputs"]}
    assert {"report/inputs.parquet", "report/drops.parquet"} <= outputs
    assert report["drops"] == on_disk["drops"]


def test_a_folder_where_the_sidecar_should_be_is_reported_not_a_crash(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    (raw / "folder.txt").write_text("Tiêu đề\nĐoạn một.\nĐoạn hai.\n", encoding="utf-8")
    (raw / "folder.meta.json").mkdir()
    report = build(raw, tmp_path / "dataset")
    (drop,) = report_rows(tmp_path / "dataset", "drops")
    assert (drop["raw_path"], drop["reason"]) == ("folder.txt", "missing_sidecar")
    assert "is a folder" in drop["message"] and "folder.meta.json" in drop["hint"]
    assert sum(report["splits"]["articles"].values()) == 2


def test_a_cached_rebuild_reads_only_the_runs_whose_files_stats_changed(tmp_path, monkeypatch):
    import os

    from vncyberdata.build import worker
    from vncyberdata.synthetic import generate

    raw = tmp_path / "raw"
    generate(30, raw, seed=4)
    cache, small_runs = tmp_path / "cache", {"files_per_chunk": 4}
    build(raw, tmp_path / "first", Options(cache_dir=cache, **small_runs))  # one worker: in this process
    opened: list[str] = []
    read = worker.open_raw
    monkeypatch.setattr(worker, "open_raw", lambda root, rel: opened.append(rel) or read(root, rel))
    build(raw, tmp_path / "again", Options(cache_dir=cache, **small_runs))
    assert opened == [] and _sha(tmp_path / "again") == _sha(tmp_path / "first")

    # other bytes of the same size, the modification time put back: the change time still tells
    page = sorted(raw.glob("*.txt"))[7]
    before, data = page.stat(), page.read_bytes()
    at = data.index(b"a", data.index(b"\n") + 1)  # a letter of the body
    page.write_bytes(data[:at] + b"e" + data[at + 1 :])
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (page.stat().st_size, page.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    changed = build(raw, tmp_path / "changed", Options(cache_dir=cache, **small_runs))
    assert page.name in opened and len(opened) < 30, "the run of the changed file is read, the others are not"
    assert changed["cache_hits"] == 29
    build(raw, tmp_path / "clean")
    assert _sha(tmp_path / "changed") == _sha(tmp_path / "clean")

    opened.clear()
    build(raw, tmp_path / "verified", Options(cache_dir=cache, verify=True, **small_runs))
    assert sorted(opened) == sorted(p.name for p in raw.glob("*.txt")), "--verify reads every file"
