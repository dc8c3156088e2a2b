"""`vncyberdata` command line: one function per command. Exit 0 ok, 1 a failure, 2 a usage problem.

Errors meant for people go to stderr as `error: ...` with a hint; a traceback only with --debug.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import memory
from .errors import UserError
from .offline import ensure_offline

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


DROPS_SHOWN = 20  # on stderr; a corpus with planted or real duplicates drops thousands


def _db_limits(args: argparse.Namespace):
    """The build database's limits: --db-memory of build and release, else the defaults."""
    from .build.database import Limits

    return Limits(memory=args.db_memory) if args.db_memory else Limits()


def cmd_build(args: argparse.Namespace) -> int:
    """Parse every raw file and write the dataset folder (Parquet, card, build report)."""
    import os

    from .engines import prestart

    workers = args.workers or os.cpu_count() or 1
    if args.engine == "local":
        prestart(workers)  # the workers' fork server loads the parsing code while this process imports the build's
    memory.skip_pandas_probe()  # this process hands pyarrow no pandas object
    from .build.build import Options, build

    progress = sys.stderr.isatty() and not os.environ.get("CI")
    options = Options(
        workers=workers,
        cache_dir=None if args.no_cache else Path(args.cache_dir),
        verify=args.verify,
        progress=progress,
        engine=args.engine,
        ray_address=args.ray_address,
        database=_db_limits(args),
    )
    report = build(Path(args.raw), Path(args.out), options)
    out = Path(args.out)
    print(f"built {out} from {args.raw}: {report['inputs']['count']} input files, parser {report['parser_version']}")
    for config, per_split in report["splits"].items():
        sizes = ", ".join(f"{split} {n}" for split, n in per_split.items()) or "no records"
        print(f"  {config}: {sizes}")
    classes = ", ".join(f"{c} {n}" for c, n in report["lines"]["by_class"].items() if n)
    print(f"  lines: {report['lines']['total']} ({classes})")
    for rel in report["ignored"]:
        print(f"  ignored (not a raw file type, or outside the raw folder): {rel}", file=sys.stderr)
    drops = report["drops"]
    for d in drops["first"][:DROPS_SHOWN]:
        where = f"{args.raw}/{d['raw_path']}" + (f":{d['line']}" if d["line"] else "")
        print(f"{where}: {d['reason']} {d['message']} (hint: {d['hint']})", file=sys.stderr)
    if drops["count"] > DROPS_SHOWN:
        print(f"... and {drops['count'] - DROPS_SHOWN} more dropped files: every one is in {out / drops['file']}"
              f" (step, raw_path, reason, line, message, hint)", file=sys.stderr)
    print(f"  dropped: {drops['count']}" + (f" {report['dropped']}" if drops["count"] else ""))
    if not args.no_cache:
        parsed = next(step["in"] for step in report["steps"] if step["step"] == "parse_files")
        print(f"  parse cache: {report['cache_hits']} of {parsed} raw files reused ({args.cache_dir})")
    if drops["count"] and args.strict:
        print("error: --strict and some raw files were dropped (listed above)", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK


def cmd_parse(args: argparse.Namespace) -> int:
    """Print one raw file's record as JSON (or its rejection), and optionally each line's class."""
    from .parse.parse import Rejection, parse
    from .intake.raw import SidecarError, read_sidecar, sidecar_for

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"{path}: no such file", "pass the path of a raw .txt file")
    meta = read_sidecar(Path(args.meta) if args.meta else sidecar_for(path))
    if isinstance(meta, SidecarError):
        where = f"{args.meta or sidecar_for(path)}" + (f":{meta.line}" if meta.line else "")
        raise UserError(f"{where}: {meta.code} {meta.message}", meta.hint)
    from .intake.raw import RAW_SUFFIXES

    raw_format = RAW_SUFFIXES.get(path.suffix.lower(), "text")
    raw = path.read_bytes()
    result = parse(raw, meta, path.name, raw_format=raw_format)
    if isinstance(result, Rejection):
        where = f"{path}" + (f":{result.line}" if result.line else "")
        raise UserError(f"{where}: {result.code} {result.message}", result.hint)
    if args.lines:
        from .parse.normalize import split_lines

        if raw_format == "html":  # the classes describe the text dump the page was laid out as
            from .parse.html_dump import html_to_dump

            text = html_to_dump(raw)
        else:
            text = raw.decode("utf-8-sig")
        for i, (cls, line) in enumerate(zip(result.line_classes, split_lines(text))):
            print(f"{i + 1:5d} {cls:<16} {line[:100]}")
        print(f"evidence: {', '.join(result.evidence)}")
        return EXIT_OK
    out = {"article": result.article.model_dump(mode="json"), "line_classes": list(result.line_classes),
           "evidence": list(result.evidence)}
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """Check raw files (bytes, text, sidecars, corpus rules) and report every finding with its fix."""
    import os

    from .engines import CHECK_WORKERS, prestart

    workers = args.workers or os.cpu_count() or 1
    prestart(workers, CHECK_WORKERS)  # the workers' fork server loads the checks while this process imports them
    from .intake import findings_out as out
    from .intake import validate as v

    root = Path(args.root)
    limits = v.Limits(max_file_bytes=args.max_file_bytes, max_line_chars=args.max_line_chars)
    targets: dict[Path, set[str] | None] = {}
    for given in args.paths or [str(root)]:
        path = Path(given)
        if not path.exists() and not path.is_symlink():
            print(f"error: {given}: no such file or folder", file=sys.stderr)
            return EXIT_USAGE
        if path.is_dir() and not path.is_symlink():
            targets[path] = None
        elif _inside(path, root):
            only = targets.setdefault(root, set())
            if only is not None:
                only.add(path.absolute().relative_to(root.absolute()).as_posix())
        else:
            print(f"error: {given} is not inside the raw folder {root} (use --root)", file=sys.stderr)
            return EXIT_USAGE
    if args.changed_since:
        if not root.is_dir():
            print(f"error: raw folder {root} does not exist", file=sys.stderr)
            return EXIT_USAGE
        targets = {root: _changed_since(args.changed_since, root)}
    result = v.Result()
    for folder, only in targets.items():
        part = v.validate(folder, only, limits, workers=workers)
        prefix = folder.as_posix().rstrip("/")
        result.files_checked += part.files_checked
        result.findings += [v.Finding(f.code, f"{prefix}/{f.path}", f.message, f.line, f.col, f.severity, f.hint) for f in part.findings]
    print(out.FORMATS[args.format](result, args.strict) if args.format != "github" else out.format_github(result, args.strict, prefix=""))
    errors, _ = result.counts(args.strict)
    return EXIT_FAIL if errors else EXIT_OK


def _inside(path: Path, root: Path) -> bool:
    return path.absolute().is_relative_to(root.absolute())


def _changed_since(rev: str, root: Path) -> set[str]:
    """Raw-folder paths (relative to root) added or modified since `rev`, plus untracked ones."""
    import subprocess

    def git(*cmd: str) -> list[str]:
        done = subprocess.run(["git", *cmd], capture_output=True, text=True, cwd=root)
        if done.returncode != 0:
            raise UserError(
                f"git {' '.join(cmd)} failed: {done.stderr.strip()}", "pass a revision git knows, e.g. origin/main", EXIT_USAGE
            )
        return [line for line in done.stdout.splitlines() if line]

    changed = git("diff", "--name-only", "--relative", "--diff-filter=AMR", rev, "--", ".")
    changed += git("ls-files", "--others", "--exclude-standard", ".")
    out: set[str] = set()
    for rel in changed:
        out.add(rel)
        # a changed sidecar means its raw file must be re-checked, and the other way round
        if rel.endswith(".meta.json"):
            out.add(rel[: -len(".meta.json")] + ".txt")
        elif rel.endswith(".txt"):
            out.add(rel[: -len(".txt")] + ".meta.json")
    return out


def cmd_fix_encoding(args: argparse.Namespace) -> int:
    """Convert a raw file from a legacy Vietnamese encoding (or mis-decoded UTF-8) to NFC UTF-8."""
    from .intake.legacy import detect_text, repair

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"{path}: no such file", "pass the raw file that validate reported", EXIT_USAGE)
    backup = path.with_name(path.name + ".orig")
    if args.in_place and backup.exists() and not args.force:
        raise UserError(f"{backup} exists: refusing to overwrite a backup", "move it away, or pass --force")
    data = path.read_bytes()
    try:
        text = repair(data, args.source)
    except ValueError as err:
        raise UserError(f"{path}: cannot be read as {args.source}: {err}", "check the encoding validate named") from err
    left = detect_text(text)
    if left is not None:
        raise UserError(
            f"{path}: after converting from {args.source} the text still looks like {left.encoding} "
            f"(line {left.line}: {left.sample!r}); nothing written",
            f"try --from {left.encoding}, or convert by hand",
        )
    out_bytes = text.encode("utf-8")
    if args.in_place:
        backup.write_bytes(data)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(out_bytes)
        tmp.replace(path)
        print(f"converted {path} from {args.source} to UTF-8 (NFC); the original bytes are in {backup}: delete it once checked")
    elif args.output:
        out = Path(args.output)
        if out.exists() and not args.force:
            raise UserError(f"{out} exists: refusing to overwrite it", "pick another --output, or pass --force")
        out.write_bytes(out_bytes)
        print(f"wrote {out}: {path} converted from {args.source} to UTF-8 (NFC)")
    else:
        preview = text.splitlines()[:5]
        print(f"{path} read as {args.source} (nothing written; use --in-place or --output FILE):")
        for line in preview:
            print(f"  {line[:120]}")
    return EXIT_OK


def cmd_release(args: argparse.Namespace) -> int:
    """Validate, build, gate and publish an immutable release (or re-materialise the latest recorded one)."""
    from .release.release import Paths, release

    paths = Paths(root=Path(args.root), raw=Path(args.raw), releases=Path(args.releases))
    started = time.monotonic()

    def checkpoint(name: str) -> None:  # a release can take an hour at scale: say where it is
        print(f"release: {name} ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)
        _crash_hook(name)

    outcome = release(paths, version=args.version, allow_lower_floors=args.allow_lower_floors, checkpoint=checkpoint,
                      database=_db_limits(args))
    stream = sys.stderr if outcome.status == "refused" else sys.stdout
    for line in outcome.lines:
        print(line, file=stream)
    return EXIT_FAIL if outcome.status == "refused" else EXIT_OK


def _crash_hook(name: str) -> None:
    """Crash-safety tests set VNCYBERDATA_KILL_AT=<checkpoint> to SIGKILL the release at that point."""
    import os
    import signal

    if os.environ.get("VNCYBERDATA_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def cmd_verify(args: argparse.Namespace) -> int:
    """Re-hash a release folder against its manifest; exit 1 naming each tampered, missing or extra file."""
    from .release.verify import verify

    problems = verify(Path(args.folder))
    for p in problems:
        print(f"{args.folder}: {p}", file=sys.stderr)
    if problems:
        return EXIT_FAIL
    print(f"{args.folder}: every file matches manifest.json")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    """Print the record-level differences between two releases: config, change, id (tab-separated)."""
    from .release.verify import diff

    for folder in (args.old, args.new):
        if not (Path(folder) / "data").is_dir():
            raise UserError(f"{folder} is not a dataset folder (no data/)", "pass two release folders", EXIT_USAGE)
    lines = diff(Path(args.old), Path(args.new))
    for line in lines:
        print(line)
    print(f"{len(lines)} record differences", file=sys.stderr)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """Write the schema files derived from the record model, or check the checked-in copies."""
    from .release import schema_folder

    folder = Path(args.dir)
    if args.write:
        for name in schema_folder.write_all(folder):
            print(f"wrote {folder / name}")
        return EXIT_OK
    problems = schema_folder.drift(folder)
    for p in problems:
        print(f"{folder}/{p}", file=sys.stderr)
    if problems:
        print("error: checked-in schemas differ from the model; run `vncyberdata schema --write`", file=sys.stderr)
        return EXIT_FAIL
    print(f"{folder}: schemas match the record model")
    return EXIT_OK


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vncyberdata", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show a traceback on unexpected errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("build", help=cmd_build.__doc__, description=cmd_build.__doc__)
    p.add_argument("--raw", default="raw", help="folder of raw files and sidecars (default: raw)")
    p.add_argument("--out", default="build/dataset", help="dataset folder to write (default: build/dataset)")
    p.add_argument("--strict", action="store_true", help="exit 1 when any raw file is dropped")
    p.add_argument("--workers", type=int, default=0, help="parsing processes (default: one per CPU core)")
    p.add_argument("--cache-dir", default="build/cache", help="parse cache folder (default: build/cache)")
    p.add_argument("--no-cache", action="store_true", help="parse every file again")
    p.add_argument("--verify", action="store_true",
                   help="read and hash every raw file; by default a file whose size, times and inode are those the cache recorded is not read again")
    p.add_argument("--engine", choices=["local", "ray"], default="local", help="local process pool (default) or Ray")
    p.add_argument("--ray-address", help="with --engine ray: a running cluster ('auto', 'ray://head:10001'); default: start a local Ray")
    p.add_argument("--db-memory", help="memory limit of the build's database, e.g. 1GB (DuckDB spills to disk beyond it; default: 64MB)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("parse", help=cmd_parse.__doc__, description=cmd_parse.__doc__)
    p.add_argument("file", help="raw .txt or .html file")
    p.add_argument("--meta", help="sidecar to use (default: <stem>.meta.json beside the file)")
    p.add_argument("--lines", action="store_true", help="print each line with its class instead of JSON")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("validate", help=cmd_validate.__doc__, description=cmd_validate.__doc__)
    p.add_argument("paths", nargs="*", metavar="PATH", help="raw folder(s) or files inside --root (default: the raw folder)")
    p.add_argument("--root", default="raw", help="the raw folder files are checked against (default: raw)")
    p.add_argument("--format", choices=["text", "json", "github"], default="text", help="output format (default: text)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument("--changed-since", metavar="REV", help="only files added or modified since this git revision")
    p.add_argument("--max-file-bytes", type=int, default=10_000_000, help="file size limit (default: 10000000)")
    p.add_argument("--max-line-chars", type=int, default=20_000, help="line length limit (default: 20000)")
    p.add_argument("--workers", type=int, default=0, help="processes for the per-file rules (default: one per core)")
    p.set_defaults(func=cmd_validate)

    from .intake.legacy_codecs import REPAIRS

    p = sub.add_parser("fix-encoding", help=cmd_fix_encoding.__doc__, description=cmd_fix_encoding.__doc__)
    p.add_argument("file", help="the raw file to convert")
    p.add_argument("--from", dest="source", required=True, choices=REPAIRS, help="the encoding validate named")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--in-place", action="store_true", help="replace the file, keeping the original as FILE.orig")
    where.add_argument("-o", "--output", help="write the converted text to this file instead")
    p.add_argument("--force", action="store_true", help="overwrite an existing output or backup")
    p.set_defaults(func=cmd_fix_encoding)

    p = sub.add_parser("release", help=cmd_release.__doc__, description=cmd_release.__doc__)
    p.add_argument("--version", help="MAJOR.MINOR.PATCH; default: the minimum bump from the previous release")
    p.add_argument("--allow-lower-floors", action="store_true", help="accept floors lowered since the last release")
    p.add_argument("--raw", default="raw", help="raw folder (default: raw)")
    p.add_argument("--releases", default="build/releases", help="where release folders go (default: build/releases)")
    p.add_argument("--root", default=".", help="repository root holding releases/, schema/floors.toml, CHANGELOG.md")
    p.add_argument("--db-memory", help="memory limit of the build's database, as for build (default: 64MB)")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("verify", help=cmd_verify.__doc__, description=cmd_verify.__doc__)
    p.add_argument("folder", help="a release folder")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("diff", help=cmd_diff.__doc__, description=cmd_diff.__doc__)
    p.add_argument("old", help="older release folder")
    p.add_argument("new", help="newer release folder")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("schema", help=cmd_schema.__doc__, description=cmd_schema.__doc__)
    p.add_argument("--dir", default="schema", help="schema folder (default: schema)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="compare the folder with the model (default)")
    mode.add_argument("--write", action="store_true", help="regenerate the folder from the model")
    p.set_defaults(func=cmd_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    memory.prefer_jemalloc()  # before any command imports pyarrow
    memory.steady_malloc()  # before the workers start: they inherit it
    ensure_offline()
    parser = make_parser()
    args = parser.parse_args(argv)  # exits 2 on a usage problem
    try:
        return args.func(args)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as err:
        hint = _environment_hint(err)
        if hint is None or args.debug:
            return _internal_error(err, args)
        print(f"error: {err}\n  hint: {hint}", file=sys.stderr)
        return EXIT_FAIL
    except Exception as err:  # noqa: BLE001 - the last line of defence against a raw traceback
        return _internal_error(err, args)


def _internal_error(err: Exception, args: argparse.Namespace) -> int:
    if args.debug:
        raise err
    print(f"internal error: {type(err).__name__}: {err}", file=sys.stderr)
    print("  hint: this is a bug in vncyberdata; rerun with --debug and report the traceback", file=sys.stderr)
    return EXIT_FAIL


def _environment_hint(err: OSError) -> str | None:
    """What to do about an error of the machine rather than of vncyberdata (a full disk, too few file
    handles), or None."""
    import errno

    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return ("the disk (or your quota) is full: free space where the output goes (the build's scratch folder "
                "sits beside it) and in the temporary folder, then run again; a failed run leaves what was "
                "built or released before as it was")
    if err.errno in (errno.EMFILE, errno.ENFILE):
        return "too many open files: raise the limit (e.g. `ulimit -n 4096`) and run again"
    return None


if __name__ == "__main__":
    sys.exit(main())
