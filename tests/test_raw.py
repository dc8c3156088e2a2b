"""The raw folder: seeds stay byte-identical, discovery is sorted and safe, sidecars are validated."""

from __future__ import annotations

import os

import pytest

from conftest import RAW

from vncyberdata.intake.raw import SidecarError, discover, open_raw, pins_table, read_sidecar, sha256_file

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


def test_discovered_files_come_in_python_string_order_with_their_formats(tmp_path):
    """Paths are kept as an Arrow column and sorted there: the order is still Python's (code points), with
    names that differ in case, accents, punctuation and folder depth, across blocks of the listing."""
    names = ["b.txt", "a-b.txt", "a/b.html", "a/B.htm", "ă.txt", "A.TXT", "z/ệ/x.txt", "a.b.txt", "đ.html"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    files, _ = discover(tmp_path, block=3)
    assert [f.rel for f in files] == sorted(names) and len(files) == len(names)
    assert {f.rel: f.format for f in files} == {n: "html" if ".htm" in n else "text" for n in names}
    assert all(f.root == tmp_path and f.path.is_file() for f in files)


def test_a_raw_file_name_that_is_not_utf8_stops_the_build_with_the_file_named(tmp_path):
    import pytest

    from vncyberdata.errors import UserError

    (tmp_path / "fine.txt").write_text("x")
    (tmp_path / os.fsdecode(b"bad\xff.txt")).write_text("x")
    with pytest.raises(UserError) as caught:
        discover(tmp_path)
    assert "bad\\xff.txt" in str(caught.value) and "UTF-8" in str(caught.value) and "rename" in caught.value.hint


def test_sidecar_errors_carry_code_line_and_hint(tmp_path):
    bad = tmp_path / "x.meta.json"
    bad.write_text('{\n  "publisher": "P",\n  "license": \n}')
    err = read_sidecar(bad)
    assert isinstance(err, SidecarError) and err.code == "sidecar_json" and err.line == 4 and err.hint
    missing = read_sidecar(tmp_path / "none.meta.json")
    assert isinstance(missing, SidecarError) and missing.code == "missing_sidecar"


def test_pins_come_from_the_bytes_read_and_inputs_are_sorted_by_path(tmp_path):
    """A raw file and its sidecar are pinned from the bytes the parse gets; a missing sidecar is not an
    input; the inputs are sorted by path even when a later file's sidecar sorts before an earlier file."""
    (tmp_path / "a.n.txt").write_bytes(b"Title\nBody.\n")
    (tmp_path / "a.n.meta.json").write_text('{"publisher": "P", "license": "test"}')
    (tmp_path / "a.txt").write_bytes(b"Other\n")
    (tmp_path / "a.meta.json").write_text('{"publisher": "P", "license": "test"}')
    (tmp_path / "lonely.txt").write_bytes(b"x")
    files, _ = discover(tmp_path)
    assert [f.rel for f in files] == ["a.n.txt", "a.txt", "lonely.txt"]
    opened = [open_raw(str(tmp_path), f.rel) for f in files]
    raw, meta, pins = opened[0]
    assert raw == b"Title\nBody.\n" and meta.publisher == "P"
    assert pins == [(rel, (tmp_path / rel).stat().st_size, bytes.fromhex(sha256_file(tmp_path / rel)))
                    for rel in ("a.n.txt", "a.n.meta.json")]
    _raw, missing, lonely = opened[2]
    assert isinstance(missing, SidecarError) and missing.code == "missing_sidecar" and len(lonely) == 1
    pins = [pins_table(p) for _r, _m, p in opened]
    assert sorted(path for t in pins for path in t.column("path").to_pylist()) == [
        "a.meta.json", "a.n.meta.json", "a.n.txt", "a.txt", "lonely.txt"]
    assert all(len(d) == 32 for t in pins for d in t.column("sha256").to_pylist())
    assert pins_table([]).num_rows == 0




@pytest.mark.parametrize("told", [0, 10, 99, 100, 101, 5000])
def test_read_bytes_reads_the_whole_file_whatever_size_fstat_told(tmp_path, monkeypatch, told):
    """A file that grew or shrank between the size check and the read is read to its end all the same."""
    import os

    from vncyberdata.intake import raw

    path = tmp_path / "page.txt"
    path.write_bytes(bytes(range(100)))
    real = os.fstat

    def fstat(fd):
        info = real(fd)
        return os.stat_result((info.st_mode, info.st_ino, info.st_dev, info.st_nlink, info.st_uid, info.st_gid, told,
                               info.st_atime, info.st_mtime, info.st_ctime))

    monkeypatch.setattr(raw.os, "fstat", fstat)
    assert raw.read_bytes(path) == bytes(range(100))
