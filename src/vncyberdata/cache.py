"""A cache of parse results, so a rebuild after adding one file parses one file.

An entry is keyed by the raw bytes' sha256, the sidecar's bytes, the raw path (recorded in the record) and a
fingerprint of everything that shapes a parse: the source of the parsing modules, their data tables and the
versions of the libraries they call. Change any of them and the old entries are simply never looked up
again (they live in a folder named after the fingerprint). Entries are written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path

import numpy as np

from .parse import PARSER_VERSION, Parsed, Rejection
from .record import Article

# Modules and data files whose content decides what parse() returns.
_SOURCES = ("parse.py", "normalize.py", "dates.py", "chrome.py", "ids.py", "langid.py", "redact.py", "topics.py",
            "record.py", "data/chrome.toml", "data/topics.toml")
_SOURCES += ("dedup.py", "html_dump.py")  # the cached MinHash signature; HTML pages go through html_dump
_LIBRARIES = ("pydantic", "py3langid", "datasketch")


@lru_cache(maxsize=1)
def fingerprint() -> str:
    digest = hashlib.sha256(PARSER_VERSION.encode())
    package = resources.files("vncyberdata")
    for name in _SOURCES:
        digest.update(name.encode() + b"\0" + package.joinpath(name).read_bytes())
    for lib in _LIBRARIES:
        digest.update(f"{lib}=={metadata.version(lib)}".encode())
    return digest.hexdigest()[:16]


class ParseCache:
    def __init__(self, root: Path) -> None:
        self.folder = Path(root) / f"parse-{fingerprint()}"

    @staticmethod
    def key(raw_sha256: str, sidecar: bytes, raw_path: str) -> str:
        return hashlib.sha256(f"{raw_sha256}\0{raw_path}\0".encode() + sidecar).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Parsed | Rejection | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # missing or unreadable: parse again
        return result_from_dict(data)

    def put(self, key: str, result: Parsed | Rejection) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(result_to_dict(result), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)


def result_to_dict(result: Parsed | Rejection) -> dict:
    """A parse result as plain JSON data (the cache's entries; what the Ray engine ships between processes)."""
    if isinstance(result, Rejection):
        return {"kind": "rejection", **result.__dict__}
    return {
        "kind": "parsed",
        "article": result.article.model_dump(mode="json"),
        "line_classes": list(result.line_classes),
        "signature": [int(v) for v in result.signature] if result.signature is not None else None,
    }


def result_from_dict(data: dict) -> Parsed | Rejection:
    if data.get("kind") == "rejection":
        return Rejection(data["code"], data["message"], data["hint"], data["line"])
    signature = np.array(data["signature"], dtype=np.uint64) if data.get("signature") else None
    return Parsed(Article.model_validate(data["article"]), tuple(data["line_classes"]), signature)
