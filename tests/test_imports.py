"""The package's import graph: no cycles, no reaching into another module's private names, and a parse cache
fingerprint that covers every module a parse runs.

The graph is read with `ast` from every file of src/vncyberdata, counting imports at any depth (a deferred
import inside a function that closes a cycle is still a cycle: it only moves the failure to run time and
hides which way the layers go). Imports must run one way through the stage folders: model → parse → intake →
build → release.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

import vncyberdata

PACKAGE = "vncyberdata"
ROOT = Path(vncyberdata.__file__).resolve().parent


@dataclass(frozen=True)
class Edge:
    target: str
    line: int
    deferred: bool  # inside a function (or class) body rather than at module level


def module_name(path: Path, root: Path = ROOT) -> str:
    """`parse` for parse.py, `__init__` for the package's __init__.py, `sub.x` for sub/x.py."""
    parts = path.relative_to(root).with_suffix("").parts
    if len(parts) > 1 and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def module_file(name: str) -> str:
    """The file of a module, relative to the package folder (as cache.py's sources name them)."""
    path = ROOT / Path(*name.split("."))
    return str((path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).relative_to(ROOT))


def _is_package(name: str, modules: set[str]) -> bool:
    return name == "__init__" or any(m.startswith(name + ".") for m in modules)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


class _Visitor(ast.NodeVisitor):
    """Collects one file's imports of package modules, the names they bind and its private-name accesses."""

    def __init__(self, name: str, modules: set[str]) -> None:
        self.name, self.modules = name, modules
        if name == "__init__":
            self.package = ""
        else:
            self.package = name if _is_package(name, modules) else name.rpartition(".")[0]
        self.edges: list[Edge] = []
        self.aliases: dict[str, str] = {}  # local name -> package module it is bound to
        self.private: list[str] = []
        self.depth = 0
        self._attributes: list[ast.Attribute] = []

    def _absolute(self, dotted: str) -> str | None:
        """`vncyberdata.x.y` -> `x.y`, `vncyberdata` -> `__init__`; None outside the package."""
        if dotted == PACKAGE:
            return "__init__"
        if dotted.startswith(PACKAGE + "."):
            return dotted[len(PACKAGE) + 1:]
        return None

    def _add(self, target: str, node: ast.stmt) -> None:
        if target != self.name:
            self.edges.append(Edge(target, node.lineno, self.depth > 0))

    def _scoped(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = _scoped

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            target = self._absolute(alias.name)
            if target is None:
                continue
            self._add(target, node)
            if alias.asname:
                self.aliases[alias.asname] = target
            else:  # `import vncyberdata.x` binds `vncyberdata`, used as `vncyberdata.x.name`
                self.aliases[PACKAGE] = "__init__"

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".") if self.package else []
            if node.level - 1 > len(base):
                return  # beyond the package: not one of its modules
            base = base[: len(base) - (node.level - 1)]
            source = ".".join(base + ([node.module] if node.module else []))
            source = source or "__init__"
        else:
            source = self._absolute(node.module or "")
            if source is None:
                return
        # An edge goes to the module whose names are used: `from . import x` (x a module) depends on x, not on
        # the package's __init__ (which Python runs first for every submodule anyway); `from . import
        # __version__` or `from .x import name` depend on __init__ or x.
        prefix = "" if source == "__init__" else source + "."
        for alias in node.names:
            submodule = prefix + alias.name
            if submodule in self.modules:  # `from . import x`: the module x
                self._add(submodule, node)
                self.aliases[alias.asname or alias.name] = submodule
                if _private(alias.name):
                    self.private.append(f"{self.name}:{node.lineno}: imports private module {submodule}")
            else:
                self._add(source, node)
                if _private(alias.name):
                    self.private.append(f"{self.name}:{node.lineno}: from {source} import {alias.name}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._attributes.append(node)  # resolved once every alias of the file is known
        self.generic_visit(node)

    def _resolve(self, node: ast.expr) -> str | None:
        """The package module an expression names (`redact`, `vncyberdata.parse.redact`), if any."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            outer = self._resolve(node.value)
            if outer is not None:
                inner = node.attr if outer == "__init__" else f"{outer}.{node.attr}"
                return inner if inner in self.modules else None
        return None

    def finish(self) -> None:
        for node in self._attributes:
            owner = self._resolve(node.value)
            if owner is not None and owner != self.name and _private(node.attr):
                self.private.append(f"{self.name}:{node.lineno}: {ast.unparse(node)} ({owner}.{node.attr})")


@dataclass
class Graph:
    edges: dict[str, list[Edge]]
    private: list[str]

    def targets(self, name: str) -> set[str]:
        return {e.target for e in self.edges[name]}


def read_graph(root: Path = ROOT) -> Graph:
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    modules = set(files)
    edges: dict[str, list[Edge]] = {}
    private: list[str] = []
    for name, path in files.items():
        visitor = _Visitor(name, modules)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        visitor.finish()
        edges[name] = [e for e in visitor.edges if e.target in modules]
        private += visitor.private
    return Graph(edges, private)


@cache
def graph() -> Graph:
    return read_graph()


def strongly_connected(edges: dict[str, list[Edge]]) -> list[list[str]]:
    """Tarjan's components, iteratively; only those that hold a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted({e.target for e in edges[start]})))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted({e.target for e in edges[child]}))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in {e.target for e in edges[node]}:
                        found.append(sorted(component))
    return found


def shortest_cycle(edges: dict[str, list[Edge]], start: str, within: set[str]) -> list[str]:
    """The shortest path start → ... → start through the modules of one component."""
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted({e.target for e in edges[node]} & within):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start] + path[::-1][1:] + [start] if node != start else [start, start]
                if child not in came_from:
                    came_from[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"no cycle through {start}")


def describe(edges: dict[str, list[Edge]], cycle: list[str]) -> str:
    steps = []
    for a, b in zip(cycle, cycle[1:]):
        lines = sorted({(e.line, e.deferred) for e in edges[a] if e.target == b})
        where = ", ".join(f"{module_file(a)}:{line}{' (deferred)' if deferred else ''}" for line, deferred in lines)
        steps.append(f"    {a} → {b}: {where}")
    return " → ".join(cycle) + "\n" + "\n".join(steps)


def cycles(edges: dict[str, list[Edge]]) -> list[str]:
    """One shortest cycle through each module of each cyclic component, without repeats."""
    seen: set[tuple[str, ...]] = set()
    found = []
    for component in strongly_connected(edges):
        for start in component:
            cycle = shortest_cycle(edges, start, set(component))
            ring = cycle[:-1]
            turn = ring.index(min(ring))
            key = tuple(ring[turn:] + ring[:turn])
            if key not in seen:
                seen.add(key)
                found.append(describe(edges, list(key) + [key[0]]))
    return found


def closure(edges: dict[str, list[Edge]], start: str) -> set[str]:
    reached, todo = {start}, [start]
    while todo:
        for target in {e.target for e in edges[todo.pop()]}:
            if target not in reached:
                reached.add(target)
                todo.append(target)
    return reached


# ---- the checks on this package ----


def test_graph_is_read():
    """A reader that finds nothing would pass everything: it sees imports of each kind."""
    g = graph()
    assert {"parse.parse", "build.build", "release.release", "model.record", "__init__"} <= set(g.edges)
    assert "model.record" in g.targets("parse.parse")  # from ..model.record import ...
    assert "parse.redact" in g.targets("parse.parse")  # from . import redact
    assert "parse.html_dump" in g.targets("parse.parse")  # deferred, inside a function
    assert "release.loading" in g.targets("__init__")
    assert "__init__" in g.targets("build.build_report")  # from .. import __version__
    assert "errors" in g.targets("build.build")  # from ..errors import UserError


# The stages, in the one direction imports may run: a module imports its own stage, the stages before it and
# the shared modules at the top (errors, offline, engines, memory), never a later stage. The package's
# __init__ (`vncyberdata.load`) and cli.py sit above every stage.
STAGES = ("model", "parse", "intake", "build", "release")
SHARED = {"errors", "offline", "engines", "memory"}
ENTRY = {"__init__", "cli", "synthetic"}


def stage_of(module: str) -> str:
    return module.split(".")[0] if "." in module or module in STAGES else module


def layering(edges: dict[str, list[Edge]]) -> list[str]:
    wrong = []
    for name, found in sorted(edges.items()):
        if name in ENTRY:
            continue
        own = stage_of(name)
        rank = STAGES.index(own) if own in STAGES else -1  # shared modules import no stage
        for edge in found:
            target = stage_of(edge.target)
            if edge.target == "__init__" or target in SHARED:
                continue  # the package's version, the shared modules
            if target not in STAGES or STAGES.index(target) > rank:
                wrong.append(f"{module_file(name)}:{edge.line} imports {edge.target} ({target} is not before {own})")
    return wrong


def test_every_module_sits_in_a_stage_or_is_shared():
    unplaced = sorted(m for m in graph().edges if stage_of(m) not in (*STAGES, *SHARED, *ENTRY))
    assert not unplaced, f"modules outside the stage folders, neither shared nor an entry point: {unplaced}"


def test_imports_run_one_way_through_the_stages():
    found = layering(graph().edges)
    assert not found, "imports against the flow model → parse → intake → build → release:\n" + "\n".join(found)


def test_layering_finds_an_import_against_the_flow(tmp_path):
    g = _plant(tmp_path, {
        "errors.py": "",
        "model/__init__.py": "", "model/record.py": "from .. import errors\n",
        "parse/__init__.py": "", "parse/parse.py": "from ..model import record\n",
        "build/__init__.py": "", "build/build.py": "from ..parse import parse\n",
        "parse/late.py": "def f():\n    from ..build import build\n",
    })
    assert layering(g.edges) == ["parse/late.py:2 imports build.build (build is not before parse)"]


def test_no_import_cycles():
    found = cycles(graph().edges)
    assert not found, "import cycles among vncyberdata's modules:\n" + "\n".join(found)


def test_no_private_imports():
    found = graph().private
    assert not found, "imports of another module's private names:\n" + "\n".join(found)


def test_parse_cache_covers_what_parse_imports():
    """fingerprints.SOURCES names every module a parse and a worker's item of it run: else editing one
    leaves stale entries."""
    from vncyberdata.build import fingerprints

    for start in ("parse.parse", "build.item"):
        needed = {module_file(m) for m in closure(graph().edges, start)}
        missing = sorted(needed - set(fingerprints.SOURCES))
        assert not missing, f"{start} imports these (transitively) but fingerprints.SOURCES does not list them: {missing}"


# ---- the checks on the checker, over planted packages ----


def _plant(tmp_path: Path, files: dict[str, str]) -> Graph:
    root = tmp_path / PACKAGE
    for rel, text in {"__init__.py": "", **files}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return read_graph(root)


def test_finds_a_deferred_cycle(tmp_path):
    g = _plant(tmp_path, {
        "a.py": "from .b import B\n",
        "b.py": "from . import c\nB = 1\n",
        "c.py": "def f():\n    from .a import x\n    return x\n",
        "d.py": "from .a import B\n",
    })
    found = cycles(g.edges)
    assert len(found) == 1
    assert found[0].startswith("a → b → c → a\n")
    assert "c.py:2 (deferred)" in found[0]


def test_finds_cycles_through_the_package_and_absolute_imports(tmp_path):
    g = _plant(tmp_path, {
        "__init__.py": "def load():\n    from .x import load\n    return load()\n",
        "x.py": "import vncyberdata.y as y\n",
        "y.py": "from vncyberdata import __version__\n",
    })
    assert [c.splitlines()[0] for c in cycles(g.edges)] == ["__init__ → x → y → __init__"]


def test_finds_private_names(tmp_path):
    g = _plant(tmp_path, {
        "a.py": "_SECRET = 1\nPUBLIC = 2\n__all__ = ['PUBLIC']\n",
        "b.py": "from .a import _SECRET, PUBLIC\n",
        "c.py": "from . import a\nimport vncyberdata.a\nimport vncyberdata.a as aa\n"
                "x = a._SECRET + vncyberdata.a._SECRET + aa._SECRET + a.__all__[0].__len__()\n",
        "d.py": "from .a import PUBLIC as _alias\nclass D:\n    _own = 1\n    def f(self):\n        return self._own\n",
        "e.py": "from .. import a\n",  # outside the package: ignored
    })
    assert sorted(p.split(":")[0] for p in g.private) == ["b", "c", "c", "c"]
    assert "from a import _SECRET" in g.private[0]


def test_relative_imports_in_subpackages(tmp_path):
    g = _plant(tmp_path, {
        "sub/__init__.py": "from .. import top\n",
        "sub/leaf.py": "from . import other\nfrom ..top import T\nfrom .other import _p\n",
        "sub/other.py": "",
        "top.py": "T = 1\nfrom .sub import leaf\n",
    })
    assert g.targets("sub.leaf") == {"sub.other", "top"}
    assert g.targets("sub") == {"top"}
    assert g.targets("top") == {"sub.leaf"}
    assert [c.splitlines()[0] for c in cycles(g.edges)] == ["sub.leaf → top → sub.leaf"]
    assert g.private == ["sub.leaf:3: from sub.other import _p"]


@pytest.mark.parametrize("name", ["__version__", "__all__"])
def test_dunders_are_not_private(name):
    assert not _private(name)


MAX_MODULE_LINES = 500


def test_no_module_over_500_lines():
    """A module that grows past this holds more than one job: split it by job (tables go to data files)."""
    package = Path(__file__).resolve().parent.parent / "src" / "vncyberdata"
    long = {p.relative_to(package).as_posix(): n for p in package.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"
