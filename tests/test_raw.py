"""The raw folder: seeds stay byte-identical, discovery is sorted and safe, sidecars are validated."""

from __future__ import annotations

import os

from conftest import RAW

from vncyberdata.raw import SidecarError, checksums, discover, read_sidecar, sha256_file

SEEDS = {
    "000_950e53a0e89c16ec.txt": "bfe658cb8abecc83430239e17fa8285949f61432f12ee5efdadfa907cbdc17cb",
    "003_5a3d17637f3588e8.txt": "22af405e79be55463d23f462dc4daf95d167f8dfbfd9d2ac1e41cc20f6f0d36f",
}


def test_seed_raw_files_are_byte_identical_to_the_originals():
    assert {name: sha256_file(RAW / name) for name in SEEDS} == SEEDS


def test_seed_sidecars_are_valid_and_leave_unknowns_null():
    for name in SEEDS:
        meta = read_sidecar(RAW / name.replace(".txt", ".meta.json"))
        assert not isinstance(meta, SidecarError), meta
        assert meta.url is None and meta.retrieved_at is None and meta.publisher and meta.license


def test_discovery_is_sorted_and_skips_symlinks_and_hidden(tmp_path):
    (tmp_path / "b.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("x")
    (tmp_path / "a.meta.json").write_text("{}")
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / "picture.png").write_bytes(b"\x89PNG")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("x")
    os.symlink(outside, tmp_path / "link.txt")
    files, ignored = discover(tmp_path)
    assert [f.rel for f in files] == ["b.txt", "sub/a.txt"]
    assert ignored == ["link.txt", "picture.png"]


def test_sidecar_errors_carry_code_line_and_hint(tmp_path):
    bad = tmp_path / "x.meta.json"
    bad.write_text('{\n  "publisher": "P",\n  "license": \n}')
    err = read_sidecar(bad)
    assert isinstance(err, SidecarError) and err.code == "sidecar_json" and err.line == 4 and err.hint
    missing = read_sidecar(tmp_path / "none.meta.json")
    assert isinstance(missing, SidecarError) and missing.code == "missing_sidecar"


def test_checksums_are_sorted_and_cover_sidecars():
    files, _ = discover(RAW)
    rows = checksums(RAW, files)
    assert [r["path"] for r in rows] == sorted(r["path"] for r in rows)
    assert len(rows) == 4 and all(len(r["sha256"]) == 64 for r in rows)
