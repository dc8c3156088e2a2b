"""Intake validation of raw files: every finding has a rule code, a severity, a location, a message and a fix.

All findings are collected before anything is reported. Rules fall in four groups: bytes (encoding, control
characters, size), text (layout the build normalises, parser rejections, language), sidecar, and corpus
(duplicates, file names, links, unexpected files). `RULES` is the single list; the rules table of docs/validation.md is
checked against it by the tests. How the findings are printed: findings_out.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
from pydantic import ValidationError

from .legacy import detect_bytes, detect_text
from .listing import Index, Listing, decode, hash_values, repeats, walk
from ..parse.normalize import split_lines
from ..parse.parse import Rejection
from ..parse import langid
from .parse_check import Checked, Pending, prepare_check
from .raw import RAW_SUFFIXES, SIDECAR_SUFFIX, read_bytes, sidecar_for
from ..model.record import RawMeta


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str  # "error" | "warning"
    catches: str
    fix: str


_RULES = [
    # bytes
    Rule("not-utf8", "error", "bytes that are not valid UTF-8 (and match no known legacy encoding)", "re-save the file as UTF-8"),
    Rule("legacy-encoding", "error", "text in a legacy Vietnamese encoding (cp1258, TCVN3, VNI, VIQR) or UTF-8 mis-decoded as cp1252", "convert it: vncyberdata fix-encoding FILE --from ENCODING"),
    Rule("binary", "error", "a binary file (NUL bytes)", "raw files are text dumps: remove it or replace it with the page's text"),
    Rule("control-char", "error", "control characters other than tab and line breaks", "delete the character (often a copy-paste artefact)"),
    Rule("empty", "error", "an empty or whitespace-only file", "add the article text or remove the file"),
    Rule("unreadable", "error", "a file that cannot be read (permissions, not a regular file, removed during the check, a disk error)", "check that the file exists and is readable, then validate again"),
    Rule("file-too-large", "error", "a file over the size limit (--max-file-bytes)", "a raw file holds one article: split it, or raise the limit if the page is real"),
    Rule("line-too-long", "error", "a line over the length limit (--max-line-chars)", "put one paragraph per line; a huge line is usually a broken dump"),
    # text
    Rule("bom", "warning", "a UTF-8 byte order mark", "optional: save without BOM (the build strips it)"),
    Rule("crlf", "warning", "CRLF or CR line endings", "optional: convert to LF (the build accepts all three)"),
    Rule("nfd", "warning", "decomposed (NFD) Unicode text", "optional: normalise to NFC (the build does)"),
    Rule("bad-html", "error", "an .html file that is not an HTML page or holds no article", "save the whole article page as HTML, or its text as a .txt dump"),
    Rule("no-title", "error", "no title line: everything is blank, chrome, a breadcrumb or a date", "put the headline on its own line before the article"),
    Rule("no-body", "error", "a title but no article paragraphs", "the dump must hold the article's paragraphs, one per line"),
    Rule("no-article", "error", "no article found in a whole-page dump: no plausible headline above sentence-like paragraphs, or menus in the body", "save the page as HTML, or cut the dump down to the article (headline, date, paragraphs)"),
    Rule("not-vietnamese", "warning", "the body does not look like Vietnamese", "check the sidecar's language and that the right page was saved"),
    # sidecar
    Rule("sidecar-missing", "error", "a raw file without its <stem>.meta.json sidecar", "create it with at least publisher and license"),
    Rule("sidecar-json", "error", "a sidecar that is not valid JSON", "fix the JSON syntax at the line and column given"),
    Rule("sidecar-schema", "error", "a sidecar field missing or of the wrong type/format", "make it match schema/raw-meta.schema.json"),
    Rule("sidecar-unknown-field", "error", "a sidecar field the schema does not define", "remove it or rename it to a known field (put free text in notes)"),
    Rule("sidecar-orphan", "error", "a sidecar with no raw file beside it", "add the raw file or delete the sidecar"),
    # corpus
    Rule("duplicate-content", "error", "the same raw bytes as another file (same sha256)", "delete one of the copies"),
    Rule("duplicate-id", "error", "two files that parse to the same article id", "delete the re-scrape, or give the sidecars their distinct URLs"),
    Rule("bad-filename", "error", "a path with spaces or characters outside A-Z a-z 0-9 . _ - /", "rename the file using only safe characters"),
    Rule("symlink", "error", "a symbolic link (including links that loop or point outside raw/)", "replace the link with the real file"),
    Rule("outside-raw", "error", "a path that resolves outside the raw folder", "move the file into the raw folder"),
    Rule("unexpected-file", "error", "a file type that is not a raw dump (.txt), an HTML page (.html, .htm) or a sidecar (.meta.json)", "remove it from the raw folder"),
]
RULES: dict[str, Rule] = {r.code: r for r in _RULES}

_SAFE_NAME = re.compile(r"^[A-Za-z0-9._\-/]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# every byte but _CONTROL's: deleting them from UTF-8 leaves the control characters (only ASCII is encoded
# in bytes below 0x80), which bytes.translate finds far faster than the pattern scans the text
_NOT_CONTROL = bytes(b for b in range(256) if not _CONTROL.match(chr(b)))
MAX_PER_RULE = 5  # findings of one rule in one file before the rest are summarised
CHUNK_FILES = 32  # raw files per task sent to a worker process (fewer when that leaves a worker idle)


@dataclass(frozen=True)
class Finding:
    code: str
    path: str
    message: str
    line: int | None = None
    col: int | None = None
    severity: str = ""
    hint: str = ""

    def __post_init__(self) -> None:
        rule = RULES[self.code]  # an unknown code is a bug: fail loudly in tests
        object.__setattr__(self, "severity", self.severity or rule.severity)
        object.__setattr__(self, "hint", self.hint or rule.fix)

    def location(self) -> str:
        return self.path + (f":{self.line}" if self.line else "") + (f":{self.col}" if self.col else "")

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 10_000_000
    max_line_chars: int = 20_000


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0

    def counts(self, strict: bool = False) -> tuple[int, int]:
        errors = sum(1 for f in self.findings if f.severity == "error" or strict)
        return errors, len(self.findings) - errors


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


class _FileCheck:
    """All per-file rules for one raw file; collects findings and the facts the corpus rules need."""

    def __init__(self, root: Path, rel: str, limits: Limits) -> None:
        self.root, self.rel, self.limits = root, rel, limits
        self.path = root / rel
        self.findings: list[Finding] = []
        self.sha256: str | None = None
        self.article_id: str | None = None
        self.pending: Pending | None = None  # an article whose language is still to identify
        self.has_meta = False

    def add(self, code: str, message: str, line: int | None = None, col: int | None = None, hint: str = "") -> None:
        if sum(1 for f in self.findings if f.code == code) == MAX_PER_RULE:
            message, line, col = "more findings of this rule in the file are not listed", None, None
        elif sum(1 for f in self.findings if f.code == code) > MAX_PER_RULE:
            return
        self.findings.append(Finding(code, self.rel, message, line, col, hint=hint))

    def run(self) -> None:
        try:
            data = read_bytes(self.path, self.limits.max_file_bytes)
        except OSError as err:
            self.add("unreadable", f"cannot read the file: {err.strerror or err}")
            return
        if isinstance(data, int):
            self.add("file-too-large", f"{data} bytes, over the limit of {self.limits.max_file_bytes}")
            return
        self.sha256 = hashlib.sha256(data).hexdigest()
        meta = self.check_sidecar()
        if not data.strip(b" \t\r\n"):
            self.add("empty", "the file is empty or holds only whitespace")
            return
        nuls = data.count(b"\x00")
        if nuls:
            first = data.index(b"\x00")
            self.add("binary", f"{nuls} NUL bytes, the first at byte {first}", data.count(b"\n", 0, first) + 1)
            return
        raw_format = RAW_SUFFIXES[self.path.suffix.lower()]
        if raw_format == "text":  # an HTML page declares its own charset and line layout: html_dump reads it
            text = self.check_bytes(data)
            if text is None:
                return
            if not self.check_text(text, data):
                return  # a line over the limit: the file is already refused, and parsing it would cost for nothing
        result = prepare_check(data, meta or RawMeta(publisher="unknown", license="unknown"), self.rel, raw_format=raw_format)
        if isinstance(result, Pending):  # its language is identified with the rest of the run (_run_checks)
            self.pending, self.has_meta = result, meta is not None
            return
        if isinstance(result, Rejection):
            legacy = any(f.code == "legacy-encoding" for f in self.findings)
            if result.code == "no_article" and legacy:
                return  # mis-decoded text reads as no article: the encoding is the fix, already reported
            if result.code in ("no_title", "no_body", "no_article", "bad_html"):
                self.add(result.code.replace("_", "-"), result.message, result.line, hint=result.hint)
            return
        self.checked(result, meta is not None)

    def checked(self, result: Checked, has_meta: bool) -> None:
        if has_meta:
            self.article_id = result.article_id
        self.check_language(result)

    def add_legacy(self, detected, message: str) -> None:
        """A legacy-encoding finding whose hint is the exact command that converts the file."""
        command = f"vncyberdata fix-encoding {(self.root / self.rel).as_posix()} --from {detected.encoding} --in-place"
        self.add("legacy-encoding", f"{message}: {detected.sample!r}", detected.line, detected.column, hint=f"convert it: {command}")

    def check_bytes(self, data: bytes) -> str | None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data.count(b"\n", 0, err.start) + 1
            col = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
            detected = detect_bytes(data)
            if detected is not None:
                self.add_legacy(detected, f"looks like {detected.encoding} (confidence {detected.confidence:.2f}), not UTF-8")
            else:
                self.add("not-utf8", f"byte {err.start} (0x{data[err.start]:02x}) is not valid UTF-8", line, col)
            return None
        return text

    def check_text(self, text: str, data: bytes) -> bool:
        """Text-level rules (`text` is `data` decoded); False when a line is over the length limit."""
        if text.startswith("\ufeff"):
            self.add("bom", "the file starts with a UTF-8 byte order mark", 1, 1)
            text = text[1:]
        if "\r" in text:
            index = text.index("\r")
            kind = "CRLF" if text[index : index + 2] == "\r\n" else "CR"
            self.add("crlf", f"{kind} line endings (first at this line)", text.count("\n", 0, index) + 1)
        for m in _CONTROL.finditer(text) if data.translate(None, _NOT_CONTROL) else ():
            self.add("control-char", f"control character U+{ord(m.group()):04X}", *_line_col(text, m.start()))
        if not unicodedata.is_normalized("NFC", text):
            index = next(i for i, ch in enumerate(text) if unicodedata.combining(ch) or not unicodedata.is_normalized("NFC", ch))
            line, col = _line_col(text, index)
            self.add("nfd", "text is not NFC (decomposed characters, first at this position)", line, col)
        detected = detect_text(text)
        if detected is not None:
            self.add_legacy(detected, f"text looks like {detected.encoding}")
        ok = True
        if len(text) <= self.limits.max_line_chars:
            return ok  # no line can be longer than the whole text
        for i, line in enumerate(split_lines(text)):
            if len(line) > self.limits.max_line_chars:
                self.add("line-too-long", f"{len(line)} characters, over the limit of {self.limits.max_line_chars}", i + 1)
                ok = False
        return ok

    def check_sidecar(self) -> RawMeta | None:
        sidecar = sidecar_for(self.path)
        rel = self.rel[: len(self.rel) - len(self.path.name)] + sidecar.name
        try:
            text = read_bytes(sidecar).decode("utf-8")
            text = text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text  # as read_text reads
            if text in _VALID_SIDECARS:
                return _VALID_SIDECARS[text]
            data = json.loads(text)
        except (FileNotFoundError, IsADirectoryError):
            self.add("sidecar-missing", f"no sidecar {sidecar.name} beside the file")
            return None
        except OSError as err:
            self.findings.append(Finding("unreadable", rel, f"cannot read the sidecar: {err.strerror or err}"))
            return None
        except UnicodeDecodeError:
            self.findings.append(Finding("sidecar-json", rel, "the sidecar is not UTF-8"))
            return None
        except json.JSONDecodeError as err:
            self.findings.append(Finding("sidecar-json", rel, f"invalid JSON: {err.msg}", err.lineno, err.colno))
            return None
        if not isinstance(data, dict):
            self.findings.append(Finding("sidecar-schema", rel, "the sidecar must be a JSON object"))
            return None
        try:
            meta = RawMeta.model_validate(data)
        except ValidationError as err:
            for e in err.errors():
                where = ".".join(map(str, e["loc"])) or "(top)"
                if e["type"] == "extra_forbidden":
                    self.findings.append(Finding("sidecar-unknown-field", rel, f"unknown field {where!r}", _key_line(sidecar, where)))
                else:
                    self.findings.append(Finding("sidecar-schema", rel, f"{where}: {e['msg']}", _key_line(sidecar, where)))
            return None
        if len(_VALID_SIDECARS) >= 1024:
            _VALID_SIDECARS.clear()
        _VALID_SIDECARS[text] = meta
        return meta

    def check_language(self, checked: Checked) -> None:
        if checked.language != "vi":
            self.add("not-vietnamese", f"the text is identified as {checked.language!r} (probability {checked.language_score})")


# Sidecars already read and found valid, by their text: many sidecars of a corpus are the same few texts
# (one publisher and license, no URL), and a model is frozen, so one copy serves every file.
_VALID_SIDECARS: dict[str, RawMeta] = {}


def _key_line(sidecar: Path, key: str) -> int | None:
    for i, line in enumerate(sidecar.read_text(encoding="utf-8").splitlines()):
        if f'"{key}"' in line:
            return i + 1
    return None


def _run_checks(job: tuple[Path, list[str], Limits]) -> tuple[list[tuple[str, list[Finding]]], bytes, list[int], list[str | None]]:
    """The per-file rules for a run of raw files (in a worker process when workers > 1). What comes back is
    compact: the findings of the files that have any, by file; the sha256 digests, 32 bytes a file (zeros
    where a file was not read, listed by position); the article ids (None where none)."""
    root, rels, limits = job
    found, digests, unread, ids = [], bytearray(), [], []
    checks = [_FileCheck(root, rel, limits) for rel in rels]
    for check in checks:
        check.run()
    # the rule asks only whether a text is Vietnamese: most are proven so from a small table (langid.proven);
    # the others' samples are scored one after the other, the language model's tables kept in the processor's cache
    waiting = []
    for check in checks:
        if check.pending is not None:
            proven = check.pending.vietnamese()
            if proven is None:
                waiting.append(check)
            else:
                check.checked(proven, check.has_meta)
    for check, language in zip(waiting, [langid.identify(c.pending.sample) for c in waiting], strict=True):
        check.checked(check.pending.checked(language), check.has_meta)
    for i, (rel, check) in enumerate(zip(rels, checks)):
        if check.findings:
            found.append((rel, check.findings))
        if check.sha256 is None:
            unread.append(i)
            digests += bytes(32)
        else:
            digests += bytes.fromhex(check.sha256)
        ids.append(check.article_id)
    return found, bytes(digests), unread, ids


@dataclass
class _Walked:
    """The walk of a raw folder: the per-path findings, the number of paths reported on, and the raw files
    to check (with their sorted order), the sidecars and the links, as listings."""

    findings: list[Finding]
    paths: int
    raws: Listing
    sidecars: Listing | None
    links: Listing | None


def _walk(root: Path, only: set[str] | None) -> _Walked:
    """Walk the folder once; the per-path rules (file name, link, file type) report only where they find
    something."""
    real_root = root.resolve()
    findings: list[Finding] = []
    paths = 0
    raws, sidecars, links = Listing(), Listing(), Listing()
    for rel, link in walk(root):
        report = only is None or rel in only
        paths += report
        if report and not _SAFE_NAME.match(rel):
            findings.append(Finding("bad-filename", rel, f"unsafe characters in {rel!r}"))
        if link:
            links.append(rel)
            if report:
                findings += _link_findings(root / rel, rel, real_root)
        elif rel.endswith(SIDECAR_SUFFIX):
            sidecars.append(rel)
        elif rel.lower().endswith(_RAW_ENDINGS):  # a (not hidden) name ending so has that suffix: no Path needed
            raws.append(rel)
        else:
            suffix = PurePosixPath(rel).suffix
            if suffix.lower() in RAW_SUFFIXES:
                raws.append(rel)
            elif report:
                findings.append(Finding("unexpected-file", rel, f"{suffix or 'no extension'} is not a raw file type"))
    return _Walked(findings, paths, raws.close(sort=True), sidecars.close(), links.close())


_RAW_ENDINGS = tuple(RAW_SUFFIXES)


def _link_findings(path: Path, rel: str, real_root: Path) -> list[Finding]:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as err:
        return [Finding("symlink", rel, f"a broken or looping symbolic link ({type(err).__name__})")]
    found = [Finding("symlink", rel, f"a symbolic link to {target}")]
    if not target.is_relative_to(real_root):
        found.append(Finding("outside-raw", rel, "the link resolves outside the raw folder"))
    return found


def _orphans(root: Path, walked: _Walked, only: set[str] | None) -> list[Finding]:
    """Sidecars with no raw file of their stem: looked up among the listed paths (raw files and links), and
    on disk for the few that are not listed."""
    if not len(walked.sidecars):
        return []
    listed = Index(walked.raws, walked.links)
    suffixes = [suffix.encode() for suffix in RAW_SUFFIXES]
    out = []
    for block in walked.sidecars.blocks():
        stems = [name[: -len(SIDECAR_SUFFIX)] for name in block]
        beside = np.zeros(len(block), bool)
        for suffix in suffixes:
            beside |= listed.holds([stem + suffix for stem in stems])
        for i in np.flatnonzero(~beside).tolist():
            rel = decode(block[i])
            if (only is None or rel in only) and sidecar_raw(root / rel) is None:
                out.append(Finding("sidecar-orphan", rel, "no raw file with this stem"))
    return out


def _jobs(root: Path, raws: Listing, limits: Limits, workers: int) -> Iterator[tuple[Path, list[str], Limits]]:
    """Runs of raw files in path order, made as the engine asks for them: a task per file would cost the
    pool more than the file's checks."""
    size = max(1, min(CHUNK_FILES, len(raws) // (8 * max(1, workers))))
    for start in range(0, len(raws), size):
        yield root, raws.sorted(start, start + size), limits


def validate(root: Path, only: set[str] | None = None, limits: Limits = Limits(), workers: int = 1) -> Result:
    """Validate the raw folder `root`; `only` (relative paths) restricts which files' findings are reported,
    while the corpus rules still compare them with every file in the folder. The per-file rules run in
    `workers` processes; findings are the same for any number. Per raw file the driver keeps its path (in a
    listing), its sha256 and its article id, and findings only where there are some."""
    from ..engines import CHECK_WORKERS, LocalEngine, prestart

    prestart(workers, CHECK_WORKERS)  # the workers' fork server loads the checks while the folder is walked
    root = Path(root)
    walked = _walk(root, only)
    result = Result(walked.findings + _orphans(root, walked, only), walked.paths)
    raws, walked.sidecars, walked.links = walked.raws, None, None
    digests = np.zeros((len(raws), 32), np.uint8)  # row i: the raw file at position i of the sorted order
    read = np.ones(len(raws), bool)
    ids = Listing()  # empty where a file has no article id
    done = 0
    for found, batch, unread, batch_ids in LocalEngine(workers, preload=CHECK_WORKERS).map(_run_checks, _jobs(root, raws, limits, workers)):
        for rel, file_findings in found:
            if only is None or rel in only:
                result.findings += file_findings
        digests[done : done + len(batch_ids)] = np.frombuffer(batch, np.uint8).reshape(-1, 32)
        read[[done + i for i in unread]] = False
        done += len(batch_ids)
        for article_id in batch_ids:
            ids.append(article_id or "")
    copies = _copies(raws, digests, read, only)
    del digests, read
    result.findings += [finding for _, finding in copies if finding is not None]
    result.findings += _same_ids(raws, ids.close(), [row for row, _ in copies], only)
    result.findings.sort(key=lambda f: (f.path, f.line or 0, f.col or 0, f.code))
    return result


def sidecar_raw(sidecar: Path) -> Path | None:
    """The raw file a sidecar belongs to, if one exists beside it."""
    stem = sidecar.name[: -len(SIDECAR_SUFFIX)]
    for suffix in RAW_SUFFIXES:
        candidate = sidecar.with_name(stem + suffix)
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return None


def _copies(raws: Listing, digests: np.ndarray, read: np.ndarray, only: set[str] | None) -> list[tuple[int, Finding | None]]:
    """The rows of byte-identical copies (same sha256), each with its duplicate-content finding (None where
    `only` leaves it out). Row i is the raw file at position i of the sorted order, `read` False where a file
    has no sha256; the first of a group is its smallest path."""
    rows = None if read.all() else np.flatnonzero(read)
    heads = digests.view(np.int64)[:, 0] if rows is None else digests.view(np.int64)[rows, 0]  # a hash of the digest
    pairs = repeats(heads, lambda row: digests[row].tobytes(), rows)
    return [(row, _duplicate("duplicate-content", "the same bytes", "sha256", raws, row, first, digests[row, :8].tobytes().hex(), only))
            for row, first in pairs]


def _same_ids(raws: Listing, ids: Listing, copies: list[int], only: set[str] | None) -> list[Finding]:
    """Files that parse to the article id of a file with a smaller path (an empty id: none); a copy is
    already reported as duplicate-content."""
    usable = ids.lengths() > 0
    usable[copies] = False
    rows = np.flatnonzero(usable)
    del usable
    pairs = repeats(hash_values(ids)[rows], lambda row: ids[row], rows)
    found = (_duplicate("duplicate-id", "the same article id", "article_id", raws, row, first, decode(ids[row])[:16], only) for row, first in pairs)
    return [finding for finding in found if finding is not None]


def _duplicate(code: str, what: str, attr: str, raws: Listing, row: int, first_row: int, key: str, only: set[str] | None) -> Finding | None:
    [rel], [first] = raws.sorted(row, row + 1), raws.sorted(first_row, first_row + 1)
    if only is None or rel in only or first in only:
        return Finding(code, rel, f"{what} as {first} ({attr} {key})")
    return None
