"""Intake validation: each bad-input class gets its rule code, a location and a fix; the seeds pass."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from conftest import RAW, REPO

from vncyberdata.cli import main
from vncyberdata.intake.findings_out import format_github
from vncyberdata.intake.validate import RULES, Limits, validate

META = '{"publisher": "Báo Mẫu", "license": "test"}'
# the smallest article the parser vouches for: a headline above two paragraphs of prose
GOOD = (
    "Tiêu đề bài báo về lừa đảo trực tuyến\n"
    "Đoạn mở đầu của bài báo nói về một vụ lừa đảo trực tuyến mà cơ quan công an vừa phát hiện.\n"
    "Đoạn thân bài thứ nhất kể lại cách các đối tượng đã dụ người dân chuyển tiền vào tài khoản lạ.\n"
)


@pytest.fixture
def raw(tmp_path):
    folder = tmp_path / "raw"
    shutil.copytree(RAW, folder)
    return folder


def _add(folder, name, data, meta=META):
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    if meta is not None:
        (folder / (name.rsplit(".", 1)[0] + ".meta.json")).write_text(meta, encoding="utf-8")
    return path


def _codes(result, path=None):
    return sorted({f.code for f in result.findings if path is None or f.path == path})


def test_seeds_pass_with_no_findings():
    result = validate(RAW)
    assert result.findings == [] and result.files_checked == 4


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x2FF), max_size=40))
def test_control_characters_are_found_from_the_bytes_as_the_pattern_finds_them(text):
    from vncyberdata.intake.validate import _CONTROL, _NOT_CONTROL

    assert bool(text.encode().translate(None, _NOT_CONTROL)) == (_CONTROL.search(text) is not None)


@pytest.mark.parametrize(
    ("name", "data", "code", "line"),
    [
        ("bad.txt", "Tiêu đề\nDòng hai\n".encode() + b"\xff\xfe\n", "not-utf8", 3),
        ("nul.txt", b"abc\n\x00\x00\x00", "binary", 2),
        ("empty.txt", b"  \n\t\n", "empty", None),
        ("ctrl.txt", GOOD + "Dòng có ký tự \x07 lạ.\n", "control-char", 4),
        ("bom.txt", "\ufeff" + GOOD, "bom", 1),
        ("crlf.txt", GOOD.replace("\n", "\r\n"), "crlf", 1),
        ("nfd.txt", unicodedata.normalize("NFD", GOOD), "nfd", 1),
        ("chrome.txt", "Trang chủ > Pháp luật\nChia sẻ\n", "no-title", 1),
        ("titleonly.txt", "Chỉ có tiêu đề thôi\n\nIn\n", "no-body", 1),
        ("english.txt", "A title\n" + "The quick brown fox jumps over the lazy dog again and again. " * 8 + "\nMore.\n", "not-vietnamese", None),
    ],
)
def test_file_rules(raw, name, data, code, line):
    _add(raw, name, data)
    result = validate(raw)
    found = [f for f in result.findings if f.path == name]
    assert code in {f.code for f in found}, found
    finding = next(f for f in found if f.code == code)
    assert finding.line == line
    assert finding.hint and finding.message
    assert finding.severity == RULES[code].severity


def test_size_limits(raw):
    _add(raw, "big.txt", GOOD + "x" * 3000 + "\n")
    result = validate(raw, limits=Limits(max_file_bytes=100_000, max_line_chars=1000))
    assert [(f.path, f.code, f.line) for f in result.findings] == [("big.txt", "line-too-long", 4)]
    result = validate(raw, limits=Limits(max_file_bytes=5000, max_line_chars=100_000))
    # a paragraph of 3,000 "x" is no article's text: within the line limit the file is refused as no article
    assert [(f.path, f.code) for f in result.findings] == [("003_5a3d17637f3588e8.txt", "file-too-large"), ("big.txt", "no-article")]


def test_huge_single_line_file_is_refused_without_reading_it(raw):
    with open(raw / "huge.txt", "wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # 50 MB of NULs, one line
    (raw / "huge.meta.json").write_text(META)
    result = validate(raw)
    assert _codes(result, "huge.txt") == ["file-too-large"]
    result = validate(raw, limits=Limits(max_file_bytes=100 * 1024 * 1024))
    assert _codes(result, "huge.txt") == ["binary"]
    (raw / "huge.txt").write_bytes("Tiêu đề ".encode() * (50 * 1024 * 1024 // 12))  # 50 MB of text on one line
    result = validate(raw, limits=Limits(max_file_bytes=100 * 1024 * 1024))
    assert _codes(result, "huge.txt") == ["line-too-long"]


def test_deeply_repeated_chrome_is_no_problem(raw):
    _add(raw, "chrome.txt", GOOD + "Chia sẻ\nTin liên quan\n" * 20_000)
    assert _codes(validate(raw), "chrome.txt") == []


def test_sidecar_rules(raw):
    _add(raw, "nometa.txt", GOOD, meta=None)
    _add(raw, "badjson.txt", GOOD, meta='{\n  "publisher": "X",\n  "license": \n}')
    _add(raw, "schema.txt", GOOD, meta='{\n  "publisher": "",\n  "license": "L",\n  "retrieved_at": "yesterday"\n}')
    _add(raw, "unknown.txt", GOOD, meta='{\n  "publisher": "X",\n  "license": "L",\n  "colour": "blue"\n}')
    _add(raw, "crjson.txt", GOOD, meta='{\r  "publisher": "X",\r  "license": \r}')  # old Mac line ends
    _add(raw, "folder.txt", GOOD, meta=None)
    (raw / "folder.meta.json").mkdir()  # a folder where the sidecar should be
    (raw / "orphan.meta.json").write_text(META)
    result = validate(raw)
    by = {(f.path, f.code): f for f in result.findings}
    assert ("nometa.txt", "sidecar-missing") in by and ("folder.txt", "sidecar-missing") in by
    assert by[("badjson.meta.json", "sidecar-json")].line == 4 and by[("badjson.meta.json", "sidecar-json")].col
    assert by[("crjson.meta.json", "sidecar-json")].line == 4
    schema_msgs = [f.message for f in result.findings if f.path == "schema.meta.json"]
    assert any(m.startswith("publisher:") for m in schema_msgs) and any(m.startswith("retrieved_at") for m in schema_msgs)
    assert by[("unknown.meta.json", "sidecar-unknown-field")].line == 4
    assert ("orphan.meta.json", "sidecar-orphan") in by


def test_corpus_rules(raw):
    shutil.copy(raw / "003_5a3d17637f3588e8.txt", raw / "copy.txt")
    shutil.copy(raw / "003_5a3d17637f3588e8.meta.json", raw / "copy.meta.json")
    text = (raw / "003_5a3d17637f3588e8.txt").read_text(encoding="utf-8")
    _add(raw, "rescrape.txt", text + "\nDòng thêm ở cuối\n", meta=(raw / "003_5a3d17637f3588e8.meta.json").read_text())
    _add(raw, "có dấu cách.txt", GOOD)
    (raw / "notes.docx").write_bytes(b"PK\x03\x04")
    outside = raw.parent / "elsewhere.txt"
    outside.write_text(GOOD)
    os.symlink(outside, raw / "link.txt")
    os.symlink(raw / "loop_a.txt", raw / "loop_b.txt")
    os.symlink(raw / "loop_b.txt", raw / "loop_a.txt")
    result = validate(raw)
    got = {(f.path, f.code) for f in result.findings}
    assert ("copy.txt", "duplicate-content") in got and ("copy.txt", "duplicate-id") not in got
    assert ("rescrape.txt", "duplicate-id") in got
    assert ("có dấu cách.txt", "bad-filename") in got
    assert ("notes.docx", "unexpected-file") in got
    assert {("link.txt", "symlink"), ("link.txt", "outside-raw")} <= got
    assert {("loop_a.txt", "symlink"), ("loop_b.txt", "symlink")} <= got


def test_only_restricts_reports_but_compares_with_everything(raw):
    shutil.copy(raw / "000_950e53a0e89c16ec.txt", raw / "new.txt")
    shutil.copy(raw / "000_950e53a0e89c16ec.meta.json", raw / "new.meta.json")
    result = validate(raw, only={"new.txt", "new.meta.json"})
    assert [(f.path, f.code) for f in result.findings] == [("new.txt", "duplicate-content")]


def test_cli_exit_codes_and_formats(raw, capsys):
    assert main(["validate", str(raw)]) == 0
    _add(raw, "crlf.txt", GOOD.replace("\n", "\r\n"))
    assert main(["validate", str(raw)]) == 0  # a warning alone passes
    assert main(["validate", str(raw), "--strict"]) == 1
    capsys.readouterr()
    _add(raw, "bad.txt", b"Ti\xeau \xf0e\n")
    assert main(["validate", str(raw), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"] == {"files_checked": 8, "errors": 1, "warnings": 1, "strict": False}
    keys = {tuple(sorted(f)) for f in doc["findings"]}
    assert keys == {("code", "col", "hint", "line", "message", "path", "severity")}
    assert main(["validate", str(raw / "bad.txt"), "--root", str(raw)]) == 1
    text = capsys.readouterr().out
    assert re.search(rf"{re.escape(str(raw))}/bad.txt:1:3: (not-utf8|legacy-encoding) ", text)
    assert main(["validate", str(raw.parent / "nope")]) == 2


def test_github_annotations(raw):
    _add(raw, "bad, name.txt", "Tiêu đề\n\x07\nĐoạn.\nĐoạn hai.\n")
    out = format_github(validate(raw), prefix="raw").splitlines()
    ctrl = next(line for line in out if "title=control-char" in line)
    assert ctrl.startswith("::error file=raw/bad%2C name.txt,line=2,col=1,title=control-char::")
    assert out[-1].startswith("vncyberdata validate: ")


def test_docs_document_every_rule():
    page = (REPO / "docs" / "validation.md").read_text(encoding="utf-8")
    section = page.split("### Validation rules", 1)[1].split("\n## ", 1)[0]
    documented = dict(re.findall(r"^\| `([a-z0-9-]+)` \| (error|warning) \|", section, flags=re.MULTILINE))
    assert documented == {code: rule.severity for code, rule in RULES.items()}


def test_github_workflows_run_the_projects_own_commands():
    import yaml

    flows = {p.name: yaml.safe_load(p.read_text()) for p in (REPO / ".github" / "workflows").glob("*.yml")}
    raw_flow = flows["validate-raw.yml"]
    triggers = raw_flow.get("on", raw_flow.get(True))  # YAML 1.1 reads a bare `on` key as true
    assert triggers["pull_request"]["paths"] == ["raw/**"]
    steps = [s.get("run", "") for s in raw_flow["jobs"]["validate"]["steps"]]
    assert any("vncyberdata validate --changed-since" in s and "--format github" in s for s in steps)
    test_steps = [s.get("run", "") for s in flows["tests.yml"]["jobs"]["test"]["steps"]]
    assert "make test" in test_steps
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_changed_since_checks_only_new_files(tmp_path, capsys):
    import subprocess

    repo = tmp_path / "repo"
    shutil.copytree(RAW, repo / "raw")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "seeds"], cwd=repo, check=True)
    _add(repo / "raw", "new.txt", GOOD.replace("\n", "\r\n"))
    assert main(["validate", "--root", str(repo / "raw"), "--changed-since", "HEAD", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["files_checked"] == 2  # new.txt and its sidecar, not the seeds
    assert [f["code"] for f in doc["findings"]] == ["crlf"]
    assert main(["validate", "--root", str(repo / "raw"), "--changed-since", "no-such-rev"]) == 2
    assert "hint:" in capsys.readouterr().err


def _validate_one(folder, data: bytes):
    for p in folder.iterdir():
        p.unlink()
    (folder / "x.txt").write_bytes(data)
    (folder / "x.meta.json").write_text(META)
    result = validate(folder)
    assert all(f.code in RULES and f.path in ("x.txt", "x.meta.json") and f.hint for f in result.findings)
    return result




# deadline: the per-file time bound. A validator that hangs or goes quadratic on some input fails here.
@settings(max_examples=150, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=3000))
def test_validator_never_crashes_on_random_bytes(tmp_path, data):
    _validate_one(tmp_path, data)


@settings(max_examples=150, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(max_size=200), max_size=30), st.sampled_from(["\n", "\r\n", "\r"]))
def test_validator_never_crashes_on_random_text(tmp_path, lines, newline):
    _validate_one(tmp_path, newline.join(lines).encode("utf-8", errors="surrogatepass"))


PHRASE = "Cảnh giác lừa đảo trực tuyến\nCông an tỉnh cảnh báo thủ đoạn giả danh cán bộ ngân hàng để chiếm đoạt tài sản.\nNgười dân cần cảnh giác với các cuộc gọi lạ.\n"


def _legacy_bytes(kind: str) -> bytes:
    from vncyberdata.intake.legacy import encode_legacy

    if kind == "utf8-as-cp1252":  # as a browser shows it: bytes cp1252 leaves undefined become C1 controls
        undefined = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
        return "".join(chr(b) if b in undefined else bytes([b]).decode("cp1252") for b in PHRASE.encode()).encode()
    return encode_legacy(PHRASE, kind)


@pytest.mark.parametrize("kind", ["cp1258", "tcvn3", "vni", "viqr", "utf8-as-cp1252"])
def test_legacy_encodings_are_named_and_fixed(raw, kind, capsys):
    _add(raw, "old.txt", _legacy_bytes(kind))
    found = [f for f in validate(raw).findings if f.path == "old.txt"]
    assert [f.code for f in found] == ["legacy-encoding"], found
    assert f"--from {kind} " in found[0].hint and found[0].line == 1
    assert main(["fix-encoding", str(raw / "old.txt"), "--from", kind]) == 0  # preview: writes nothing
    assert (raw / "old.txt").read_bytes() == _legacy_bytes(kind)
    assert main(["fix-encoding", str(raw / "old.txt"), "--from", kind, "--in-place"]) == 0
    assert (raw / "old.txt").read_text(encoding="utf-8") == PHRASE
    assert (raw / "old.txt.orig").read_bytes() == _legacy_bytes(kind)
    codes = {(f.path, f.code) for f in validate(raw).findings}
    assert codes == {("old.txt.orig", "unexpected-file")}, "the backup is flagged until it is deleted"
    assert main(["fix-encoding", str(raw / "old.txt"), "--from", kind, "--in-place"]) == 1  # backup exists
    assert "refusing to overwrite a backup" in capsys.readouterr().err


def test_fix_encoding_output_refuses_to_overwrite(raw, tmp_path, capsys):
    _add(raw, "old.txt", _legacy_bytes("tcvn3"))
    out = tmp_path / "fixed.txt"
    out.write_text("keep")
    assert main(["fix-encoding", str(raw / "old.txt"), "--from", "tcvn3", "-o", str(out)]) == 1
    assert out.read_text() == "keep"
    assert main(["fix-encoding", str(raw / "old.txt"), "--from", "tcvn3", "-o", str(out), "--force"]) == 0
    assert out.read_text(encoding="utf-8") == PHRASE
    assert main(["fix-encoding", str(raw / "old.txt"), "--from", "vni", "-o", str(tmp_path / "x.txt")]) == 1


def test_html_pages_are_validated_as_html(raw):
    from conftest import FIXTURES

    for name in ("portal_table.html", "portal_table.meta.json"):  # windows-1258 bytes, declared in the page
        shutil.copy(FIXTURES / "html" / name, raw / name)
    _add(raw, "nav.html", "<html><body><nav><a href='/'>Trang chủ</a></nav></body></html>")
    found = {(f.path, f.code) for f in validate(raw).findings}
    assert found == {("nav.html", "bad-html")}


def test_workers_give_the_same_findings(raw):
    _add(raw, "crlf.txt", GOOD.replace("\n", "\r\n"))
    _add(raw, "bad.txt", b"Ti\xeau \xf0e\n")
    _add(raw, "nometa.txt", GOOD, meta=None)
    (raw / "orphan.meta.json").write_text(META)
    assert validate(raw, workers=2).findings == validate(raw, workers=1).findings


def test_duplicates_far_apart_are_found_with_any_workers(tmp_path):
    """Copies and a re-scrape far apart in path order (in other tasks, on other workers) are found, and the
    first of a group is its smallest path in code point order, a name that is not UTF-8 included."""
    import hashlib

    from vncyberdata.synthetic import generate

    folder = tmp_path / "raw"
    generate(600, folder / "b")  # enough files for runs of 32 a task
    articles = folder / "b"
    shutil.copy(articles / "synthetic_0000000.txt", folder / "z_copy.txt")
    shutil.copy(articles / "synthetic_0000000.meta.json", folder / "z_copy.meta.json")
    text = (articles / "synthetic_0000599.txt").read_text(encoding="utf-8")
    _add(folder, "a_rescrape.txt", text + "\nDòng thêm ở cuối\n", meta=(articles / "synthetic_0000599.meta.json").read_text(encoding="utf-8"))
    data = (articles / "synthetic_0000300.txt").read_bytes()
    for stem in (b"\xc3\xa9", b"\xff"):  # "é", then a name that is not UTF-8: both sort after "b/" and "z"
        with open(os.path.join(os.fsencode(folder), stem + b".txt"), "wb") as fh:
            fh.write(data)
        shutil.copy(articles / "synthetic_0000300.meta.json", os.path.join(os.fsencode(folder), stem + b".meta.json"))
    one = validate(folder, workers=1)
    duplicates = [(f.path, f.code, f.message) for f in one.findings if f.code.startswith("duplicate")]
    copy_of_300 = f"the same bytes as b/synthetic_0000300.txt (sha256 {hashlib.sha256(data).hexdigest()[:16]})"
    assert [(path, code, message.split(" (")[0]) for path, code, message in duplicates] == [
        ("b/synthetic_0000599.txt", "duplicate-id", "the same article id as a_rescrape.txt"),
        ("z_copy.txt", "duplicate-content", "the same bytes as b/synthetic_0000000.txt"),
        ("é.txt", "duplicate-content", copy_of_300.split(" (")[0]),
        ("\udcff.txt", "duplicate-content", copy_of_300.split(" (")[0]),
    ]
    assert duplicates[2][2] == copy_of_300
    assert validate(folder, workers=2).findings == one.findings


def test_duplicate_grouping_compares_keys_when_hashes_collide():
    import numpy as np

    from vncyberdata.intake.listing import repeats

    keys = {3: "b", 5: "a", 8: "b", 9: "c", 10: "a", 12: "b"}
    collide = np.zeros(len(keys), np.int64)
    assert sorted(repeats(collide, keys.__getitem__, np.array(list(keys)))) == [(8, 3), (10, 5), (12, 3)]
    assert sorted(repeats(collide, list(keys.values()).__getitem__)) == [(2, 0), (4, 1), (5, 0)]


def _check_cases():
    """(name, raw bytes, sidecar, format): the fixture pages, sites and seeds as they are and cut into every
    rejection, foreign text, PII in the title and sample, and yearless dates with and without retrieved_at."""
    from conftest import FIXTURES

    from vncyberdata.model.record import RawMeta

    def meta_of(path):
        return RawMeta.model_validate_json(path.read_text(encoding="utf-8"))

    cases = []
    for p in sorted(RAW.glob("*.txt")) + sorted((FIXTURES / "pages").glob("*.txt")):
        cases.append((p.name, p.read_bytes(), meta_of(p.with_name(p.stem + ".meta.json")), "text"))
    for p in sorted((FIXTURES / "html").glob("*.html")):
        cases.append((p.name, p.read_bytes(), meta_of(p.with_suffix(".meta.json")), "html"))
    for site in sorted((FIXTURES / "sites").iterdir()):
        for p in sorted(site.glob("dump.*.txt")) + [site / "page.html"]:
            cases.append((f"{site.name}/{p.name}", p.read_bytes(), meta_of(site / "page.meta.json"), p.suffix[1:].replace("txt", "text")))
    plain = RawMeta.model_validate_json(META)
    body = GOOD.split("\n", 1)[1]
    english = "Police warn of online fraud\n" + "The police said a group called elderly residents pretending to be bank staff. " * 6 + "\nMore.\n"
    for name, text in [
        ("good", GOOD),
        ("no_title", "Trang chủ > Pháp luật\nChia sẻ\n"),
        ("no_body", "Chỉ có tiêu đề thôi\n\nIn\n"),
        ("no_article", GOOD + "x" * 3000 + "\n"),
        ("menu_body", GOOD + "Đăng nhập\nĐăng ký\nLiên hệ\n"),
        ("english", english),
        ("pii", "Gọi 0912345678 để nhận quà: chiêu lừa đảo mới\n" + body.replace("tài khoản lạ", "tài khoản 0123456789012")),
        ("long_lead", GOOD.split("\n")[0] + "\n" + "Đoạn mở đầu rất dài nói về lừa đảo trực tuyến và công an. " * 30 + "\n" + body),
        ("yearless", "Tiêu đề bài báo về lừa đảo trực tuyến mới\nChiều 6/11, " + body),
    ]:
        cases.append((name, text.encode(), plain, "text"))
    cases.append(("bad_html", b"<html><body><nav><a href='/'>Trang chu</a></nav></body></html>", plain, "html"))
    yearless = ("Tiêu đề bài báo về lừa đảo trực tuyến mới\nChiều 6/11, " + body).encode()
    for retrieved in ("2025-12-01", "2150-06-01"):  # a year inferred into the record, or out of its range
        cases.append((f"yearless_{retrieved}", yearless, plain.model_copy(update={"retrieved_at": dt.date.fromisoformat(retrieved)}), "text"))
    return cases


def test_parse_check_gives_what_parse_gives():
    """validate's fast path (parse_check.check: the analysis of parse without the record) answers exactly
    what the full parse says: the same rejection (code, message, hint, line), or the same id and language."""
    from vncyberdata.parse.parse import Rejection, parse
    from vncyberdata.intake.parse_check import Checked, check

    outcomes = set()
    for name, raw, meta, fmt in _check_cases():
        full, fast = parse(raw, meta, name, raw_format=fmt), check(raw, meta, name, raw_format=fmt)
        if isinstance(full, Rejection):
            assert isinstance(fast, Rejection), name
            assert (fast.code, fast.message, fast.hint, fast.line) == (full.code, full.message, full.hint, full.line), name
            outcomes.add(full.code)
        else:
            assert isinstance(fast, Checked), name
            assert (fast.article_id, fast.language, fast.language_score) == (full.article.id, full.article.language, full.article.language_score), name
            outcomes.add("vi" if full.article.language == "vi" else "foreign")
    # the cases reach every outcome validate reports on (else the comparison proves little)
    assert {"vi", "foreign", "no_title", "no_body", "no_article", "bad_html", "invalid_record"} <= outcomes, outcomes


def test_a_file_that_cannot_be_read_is_a_finding_not_a_traceback(raw):
    import socket

    _add(raw, "sock.txt", GOOD)
    (raw / "sock.txt").unlink()
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(raw / "sock.txt"))  # a socket where the raw file should be: open() refuses it
        result = validate(raw)
    finally:
        server.close()
    [finding] = [f for f in result.findings if f.path == "sock.txt"]
    assert finding.code == "unreadable" and "cannot read the file" in finding.message


def test_a_named_pipe_among_the_raw_files_is_reported_not_waited_on(raw, tmp_path):
    from vncyberdata.build.build import build

    os.mkfifo(raw / "pipe.txt")  # opening it to read would wait for a writer that never comes
    (raw / "pipe.meta.json").write_text(META, encoding="utf-8")
    [finding] = [f for f in validate(raw).findings if f.path == "pipe.txt"]
    assert finding.code == "unreadable" and "not a regular file" in finding.message
    report = build(raw, tmp_path / "dataset")
    assert report["dropped"] == {"unreadable_file": 1}
