"""Shared test fixtures. Tests never read ../shared: everything they need is in the repo."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from vncyberdata.offline import OFFLINE_ENV

os.environ.update(OFFLINE_ENV)  # before any test imports datasets

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
RAW = REPO / "raw"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAGES = FIXTURES / "pages"
SEED_EXPECT = FIXTURES / "seeds"


def page_cases() -> list[tuple[str, Path, Path]]:
    """(name, raw file, expectation file) for every seed and every layout fixture page."""
    cases = [(p.name.split(".")[0], RAW / p.name.replace(".expect.json", ".txt"), p) for p in sorted(SEED_EXPECT.glob("*.expect.json"))]
    cases += [(p.name.split(".")[0], p.with_name(p.name.replace(".expect.json", ".txt")), p) for p in sorted(PAGES.glob("*.expect.json"))]
    return cases


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory) -> Path:
    """The seed corpus built once per session."""
    from vncyberdata.build.build import build

    out = tmp_path_factory.mktemp("seedbuild") / "dataset"
    build(RAW, out)
    return out


def assert_page_fields(article, expect: dict) -> None:
    """The parsed article matches a page's expectation file (strings already made canonical)."""
    assert article.title == expect["title"]
    assert article.lead == expect["lead"]
    assert article.body.split("\n\n") == expect["body_paragraphs"]
    assert article.author == expect["author"]
    assert article.source_attribution == expect["source_attribution"]
    assert article.related_headlines == expect["related_headlines"]
    captions = [{"text": c.text, "credit": c.credit} for c in article.captions]
    assert captions == [{"text": c["text"], "credit": c["credit"]} for c in expect["captions"]]
    for got, want in zip(article.captions, expect["captions"]):
        assert got.variants == want.get("variants", [])
    for absent in expect["body_absent"]:
        assert absent not in article.body, absent


def canonical(value):
    """Expectation files hold text as printed; records hold it canonical (normalize.clean_line)."""
    from vncyberdata.parse.normalize import clean_line

    if isinstance(value, str):
        return clean_line(value)
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    return value


def file_sums(folder: Path) -> dict[str, str]:
    """Every file under `folder` (relative path) with its sha256: two folders equal byte for byte."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def synthetic_corpus(folder: Path, pages: int, seed: int, near_duplicates: float) -> Path:
    """`folder`/raw: synthetic pages with planted near copies; `folder`/default: their build without a cache
    (the bytes every other build of them must give). Returns `folder`."""
    from vncyberdata.build.build import build
    from vncyberdata.synthetic import generate

    generate(pages, folder / "raw", seed=seed, near_duplicates=near_duplicates)
    build(folder / "raw", folder / "default")
    return folder
