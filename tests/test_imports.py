# SPDX-License-Identifier: AGPL-3.0-or-later
"""The import rules of docs/architecture.md, read from the source with ``ast``. No database.

- ``archive`` never imports ``reviews`` (data flows one way);
- no app imports ``config``, and ``config`` imports no app (settings and the
  root URLconf name app modules as dotted strings, which is not an import);
- no import cycles between the modules of ``archive`` and ``reviews``.

Every ``import`` statement counts, wherever it stands: at module level, under
``if TYPE_CHECKING:`` or inside a function. A function-local import is the
usual way to hide a cycle from the interpreter, not to remove it: the two
modules still need each other, and the hidden cycle breaks the day someone
moves the import to the top. Imports of a package's ``__init__`` are not
edges (importing ``reviews.pages.patch`` runs ``reviews/pages/__init__.py``,
but our ``__init__`` files import nothing, and counting them would make
every subpackage look like a cycle).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APPS = ("archive", "reviews", "throttle")
PACKAGES = (*APPS, "config")


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. "reviews.forms"
    target: str  # the imported module, as precisely as the project's files allow
    line: int

    def __str__(self) -> str:
        return f"{self.source} imports {self.target} (line {self.line})"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


def _absolute(node: ast.ImportFrom, source: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = source.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(source: str, path: Path, modules: dict[str, Path]) -> Iterator[Import]:
    """Every import in ``path``, each resolved to a project module when it names one."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(source, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, source, path.name == "__init__.py")
            for alias in node.names:
                # ``from reviews import links`` imports the module reviews.links;
                # ``from reviews.links import patch_url`` imports reviews.links.
                candidate = f"{base}.{alias.name}"
                yield Import(source, candidate if candidate in modules else base, node.lineno)


def all_imports() -> list[Import]:
    modules = project_modules()
    return [found for name, path in modules.items() for found in imports_of(name, path, modules)]


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def crossing(source_top: set[str], target_top: set[str]) -> list[Import]:
    """The imports from modules under ``source_top`` packages into ``target_top`` ones."""
    return [
        i for i in all_imports() if _top(i.source) in source_top and _top(i.target) in target_top
    ]


def test_archive_never_imports_reviews() -> None:
    wrong = crossing({"archive"}, {"reviews"})
    assert not wrong, "\n".join(map(str, wrong))


def test_apps_do_not_import_config() -> None:
    wrong = crossing(set(APPS), {"config"})
    assert not wrong, "\n".join(map(str, wrong))


def test_config_imports_no_app() -> None:
    wrong = crossing({"config"}, set(APPS))
    assert not wrong, "\n".join(map(str, wrong))


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports; packages' ``__init__`` left out (see above)."""
    modules = project_modules()
    packages = {name for name, path in modules.items() if path.name == "__init__.py"}
    graph: dict[str, set[str]] = {name: set() for name in modules if _top(name) in APPS}
    for found in all_imports():
        inside = found.source in graph and found.target in graph
        if inside and found.target not in packages and found.target != found.source:
            graph[found.source].add(found.target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    search = _Tarjan(graph)
    for node in sorted(graph):
        if node not in search.index:
            search.visit(node)
    return search.found


class _Tarjan:
    def __init__(self, graph: dict[str, set[str]]) -> None:
        self.graph = graph
        self.index: dict[str, int] = {}
        self.low: dict[str, int] = {}
        self.stack: list[str] = []
        self.found: list[frozenset[str]] = []

    def visit(self, node: str) -> None:
        self.index[node] = self.low[node] = len(self.index)
        self.stack.append(node)
        for nxt in sorted(self.graph[node]):
            if nxt not in self.index:
                self.visit(nxt)
                self.low[node] = min(self.low[node], self.low[nxt])
            elif nxt in self.stack:
                self.low[node] = min(self.low[node], self.index[nxt])
        if self.low[node] == self.index[node]:
            component = self.stack[self.stack.index(node) :]
            del self.stack[self.stack.index(node) :]
            if len(component) > 1:
                self.found.append(frozenset(component))


def test_no_import_cycles_within_the_apps() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(sorted(c)) for c in found)


def test_the_checker_sees_cycles_and_relative_imports() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset("abc")]
    node = ast.parse("from ..models import Patch").body[0]
    assert isinstance(node, ast.ImportFrom)
    assert _absolute(node, "reviews.pages.patch", is_package=False) == "reviews.models"
