"""A cache of parse results, so a rebuild after adding one file parses one file.

An entry is keyed by the raw bytes' sha256, the sidecar's bytes, the raw path (recorded in the record) and a
fingerprint of everything that shapes a parse: the source of the parsing modules, their data tables and the
versions of the libraries they call. Change any of them and the old entries are simply never looked up
again (they live in a database named after the fingerprint). The entries of one fingerprint are rows of
one SQLite database (write-ahead log, so the workers write side by side): a file per parse made a cold build
create a file per raw file, which costs more than the parse on a busy disk. Entries are pickles of what a
worker returns (`item.Item` or a `Rejection`): loading one is a few microseconds, where re-validating a JSON
record was the bulk of a rebuild. The cache is the user's own scratch folder, written by this package only;
a pickle is not a format to accept from anyone else.

Beside the parses it keeps whole chunks (`ChunkCache`): a worker task's run of files, its chunk files and
what the task returned, keyed by every file of the run, so the unchanged runs of a rebuild are neither
parsed nor written again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
import sqlite3
from pathlib import Path

from ..parse.parse import Rejection
from .fingerprints import fingerprint
from .item import Item

PUT_AT_ONCE = 256  # entries a parse cache writes in one transaction (a commit costs more than an entry)


class ParseCache:
    """The parses of one fingerprint, keyed by `key`: rows of the SQLite database parse-<fingerprint>.sqlite,
    opened on first use and closed by `close` (a worker opens it once per task and writes the task's entries
    in one transaction). The cache is an optimisation: a database that is not one (damaged) is moved aside to
    NAME.damaged and made afresh; one that cannot be had at all (a full disk, no permission) leaves the build
    to parse everything; a missing or unreadable entry is a miss."""

    def __init__(self, root: Path, fingerprint_: str | None = None) -> None:
        """`fingerprint_` as the build's driver computed it (workers must not recompute it from sources that
        may have changed on disk since the build started)."""
        self.path = Path(root) / f"parse-{fingerprint_ or fingerprint()}.sqlite"
        self._db: sqlite3.Connection | None = None
        self._opened = False
        self._pending: list[tuple[bytes, bytes]] = []

    @staticmethod
    def key(raw_sha256: str, sidecar: bytes, raw_path: str) -> str:
        return hashlib.sha256(f"{raw_sha256}\0{raw_path}\0".encode() + sidecar).hexdigest()

    def get(self, key: str) -> Item | Rejection | None:
        try:
            db = self._connection()
            row = db.execute("SELECT value FROM parse WHERE key = ?", (bytes.fromhex(key),)).fetchone() if db else None
            result = pickle.loads(row[0]) if row else None
        except (sqlite3.Error, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
            return None  # unreadable: parse again
        return result if isinstance(result, Item | Rejection) else None

    def put(self, key: str, result: Item | Rejection) -> None:
        """Keep an entry; entries are written `PUT_AT_ONCE` at a time, and by `close` (one transaction each)."""
        self._pending.append((bytes.fromhex(key), pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)))
        if len(self._pending) >= PUT_AT_ONCE:
            self._write()

    def close(self) -> None:
        self._write()
        if self._db is not None:
            self._db.close()
            self._db = None

    def _write(self) -> None:
        pending, self._pending = self._pending, []
        try:
            if pending and (db := self._connection()) is not None:
                with db:  # one transaction
                    db.execute("BEGIN")
                    db.executemany("INSERT OR REPLACE INTO parse VALUES (?, ?)", pending)
        except sqlite3.Error:  # a full disk, a database damaged meanwhile: the build goes on
            pass

    def _connection(self) -> sqlite3.Connection | None:
        if not self._opened:
            self._opened = True
            try:
                self._db = _open(self.path)
            except sqlite3.OperationalError:  # locked past the timeout, cannot be created: do without
                pass
            except sqlite3.DatabaseError:  # not a database: set it aside, start a new one
                self._db = _made_afresh(self.path)
            except OSError:
                pass
        return self._db


def _made_afresh(path: Path) -> sqlite3.Connection | None:
    """A new database in place of the damaged one at `path` (moved aside with its log to NAME.damaged*), made
    by one process at a time: another worker may have made it already, and must not move that one aside."""
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        with contextlib.suppress(ImportError, OSError):
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _open(path)  # made afresh by another worker meanwhile
        except sqlite3.OperationalError:
            return None
        except sqlite3.DatabaseError:
            pass
        except OSError:
            return None
        for suffix in ("", "-wal", "-shm"):  # a log left beside a new database would be read as its own
            with contextlib.suppress(OSError):
                os.replace(f"{path}{suffix}", f"{path}.damaged{suffix}")
        try:
            return _open(path)
        except (sqlite3.Error, OSError):
            return None


def _open(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=60, isolation_level=None)  # transactions where `_write` opens them
    try:
        db.execute("PRAGMA journal_mode = WAL")  # the workers read and write side by side
        db.execute("PRAGMA synchronous = NORMAL")  # no flush to disk per entry; a crash loses the last ones only
        db.execute("CREATE TABLE IF NOT EXISTS parse (key BLOB PRIMARY KEY, value BLOB NOT NULL)")
    except sqlite3.Error:
        db.close()
        raise
    return db


CHUNK_FILES = (".arrow", ".sig", ".bands", ".facts", ".seen")  # a chunk's files when it holds records


class ChunkCache:
    """Whole chunks of an earlier build, keyed by every file of the run (path, format, and the size and
    sha256 of the raw file and its sidecar): a run whose files are all unchanged is not re-parsed nor
    re-written, its files are linked into the new build's spill folder (hard links where the cache and the
    spill share a file system, else copies). Entries are folders written under a temporary name and renamed.

    Beside them it remembers, per run, the files' stats (size, modification and change times, inode) with
    the content key and pins they were read as (`known`, `remember`): a run whose files all still have
    those stats is served without reading them (as make and git decide what changed; `--verify` reads
    and hashes every file instead). A stat is remembered only when it was the same before and after the
    read."""

    def __init__(self, root: Path, fingerprint_: str) -> None:
        self.folder = Path(root) / f"chunks-{fingerprint_}"

    @staticmethod
    def key(files: list[tuple[str, str]], pins: list[tuple[str, int, bytes]]) -> str:
        digest = hashlib.sha256()
        for rel, raw_format in files:
            digest.update(f"file\0{rel}\0{raw_format}\0".encode())
        for path, size, sha256 in pins:
            digest.update(f"pin\0{path}\0{size}\0".encode() + sha256)
        return digest.hexdigest()

    @staticmethod
    def stats_key(files: list[tuple[str, str]], stats: list[tuple]) -> str:
        """A run's files and what the system says of them without reading them (size, modification and change
        times in ns, inode, device), for the raw files and their sidecars."""
        return hashlib.sha256(repr((files, stats)).encode()).hexdigest()

    def known(self, stats_key: str) -> tuple[str, list[tuple[str, int, bytes]]] | None:
        """The content key and pins recorded for a run whose files had these stats; None when none is."""
        try:
            key, pins = pickle.loads((self.folder / "stats" / stats_key[:2] / stats_key).read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
            return None
        return (key, pins) if isinstance(key, str) and isinstance(pins, list) else None

    def remember(self, stats_key: str, key: str, pins: list[tuple[str, int, bytes]]) -> None:
        """Record that the run with these stats read as these pins (content key `key`)."""
        path = self.folder / "stats" / stats_key[:2] / stats_key
        tmp = path.with_name(f".{stats_key}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(pickle.dumps((key, pins), protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, path)
        except OSError:  # the cache is an optimisation: the build goes on
            with contextlib.suppress(OSError):
                tmp.unlink()

    def get(self, key: str, folder: Path, name: str):
        """The cached task result, its files linked into `folder` as NAME.*; None on a miss."""
        entry = self.folder / key[:2] / key
        try:
            result = pickle.loads((entry / "result.pickle").read_bytes())
            if result[0].records:
                for suffix in CHUNK_FILES:
                    _link(entry / f"chunk{suffix}", Path(folder) / f"{name}{suffix}")
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError, IndexError):
            for suffix in CHUNK_FILES:
                (Path(folder) / f"{name}{suffix}").unlink(missing_ok=True)
            shutil.rmtree(entry, ignore_errors=True)  # if damaged, `put` writes it afresh
            return None  # missing or damaged: the run is parsed again
        return result

    def put(self, key: str, folder: Path, name: str, result: tuple) -> None:
        entry = self.folder / key[:2] / key
        if entry.exists():
            return
        tmp = entry.with_name(f".{key}.{os.getpid()}.tmp")
        try:
            tmp.mkdir(parents=True, exist_ok=True)
            if result[0].records:
                for suffix in CHUNK_FILES:
                    _link(Path(folder) / f"{name}{suffix}", tmp / f"chunk{suffix}")
            (tmp / "result.pickle").write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, entry)
        except OSError:  # a full disk or a concurrent writer: the cache is an optimisation, the build goes on
            shutil.rmtree(tmp, ignore_errors=True)


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
