"""The docs: a short README that points to task pages, pages that name every module and command, and a CLI
reference generated from `--help` that fails here when it is out of date."""

from __future__ import annotations

import importlib.util
import re
import unicodedata

from conftest import REPO

from vncyberdata.cli import make_parser

DOCS = REPO / "docs"
README_MAX_BYTES = 10_000
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _commands() -> list[str]:
    sub = next(a for a in make_parser()._actions if a.dest == "command")
    return sorted(sub.choices)


def _cli_reference():
    spec = importlib.util.spec_from_file_location("cli_reference", DOCS / "cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (letters, digits, _ and - kept), spaces → -."""
    text = heading.strip().lower()
    text = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return text.replace(" ", "-")


def _anchors(page) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    return {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE)}


def test_readme_is_short():
    size = len((REPO / "README.md").read_bytes())
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes: move detail into a docs/ page and link it"


def test_readme_states_the_install_and_test_commands():
    """A new user (and ../shared/tools/fresh-clone, and CI through .ci/run) runs these as the README says."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = "\n".join(re.findall(r"```bash\n(.*?)```", readme, flags=re.DOTALL))
    assert re.search(r"^make install\b", blocks, flags=re.MULTILINE)
    assert re.search(r"^make test\b", blocks, flags=re.MULTILINE)
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_every_docs_page_the_readme_links_exists():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"docs/[\w./-]+?\.md", readme))
    assert named, "the README's Docs list points to the docs pages"
    assert {p for p in named if not (REPO / p).is_file()} == set()
    assert {f"docs/{p.name}" for p in DOCS.glob("*.md")} <= named, "every docs page is in the README's Docs list"


def test_links_between_pages_resolve():
    """Relative links in the README and the docs pages point to files that exist, and anchors to headings."""
    broken = []
    for page in [REPO / "README.md", *sorted(DOCS.glob("*.md"))]:
        for target in _LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            if not dest.exists():
                broken.append(f"{page.name}: {target}")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert broken == []


def test_every_module_is_in_the_layout_page():
    """docs/layout.md names each module of the package (a new one must say what it is for)."""
    layout = (DOCS / "layout.md").read_text(encoding="utf-8")
    package = REPO / "src" / "vncyberdata"
    modules = {p.relative_to(package).as_posix() for p in package.rglob("*.py") if p.name != "__init__.py"}
    assert modules
    assert {m for m in modules if f"`{m}`" not in layout} == set()


def test_every_command_is_documented_in_a_task_page():
    """Each command has a `### \\`vncyberdata NAME\\`` section with examples in a docs page (not only its
    generated --help in cli.md)."""
    documented = set()
    for page in DOCS.glob("*.md"):
        if page.name != "cli.md":
            documented |= set(re.findall(r"^### `vncyberdata (\w[\w-]*)`", page.read_text(encoding="utf-8"), flags=re.MULTILINE))
    assert documented == set(_commands())


def test_cli_reference_is_current():
    expected = _cli_reference().render()
    current = (DOCS / "cli.md").read_text(encoding="utf-8") if (DOCS / "cli.md").exists() else ""
    assert current == expected, "docs/cli.md is out of date: run `make docs`"


def test_cli_reference_covers_every_command():
    reference = (DOCS / "cli.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## `vncyberdata(?: ([\w-]+))?`", reference, flags=re.MULTILINE)
    assert sections == ["", *[name for name in _cli_reference_order()]]


def _cli_reference_order() -> list[str]:
    sub = next(a for a in make_parser()._actions if a.dest == "command")
    return list(sub.choices)


def test_cli_reference_does_not_depend_on_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    narrow = _cli_reference().render()
    monkeypatch.setenv("COLUMNS", "200")
    assert _cli_reference().render() == narrow
