"""The package's import graph has no circles.

Every ``import`` the code runs counts, at module level or inside a function
(a lazy import still makes the two modules depend on each other); imports
under ``if TYPE_CHECKING:`` do not, since they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
from helpers import ROOT

PACKAGE = ROOT / "guabao_rules"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    path = ROOT / name.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


class _Imports(ast.NodeVisitor):
    def __init__(self) -> None:
        self.targets: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        if "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.targets.update(a.name for a in node.names if a.name.startswith("guabao_rules"))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module is None or not node.module.startswith("guabao_rules"):
            return
        self.targets.add(node.module)
        for alias in node.names:  # `from package import module` imports the module
            if _is_module(f"{node.module}.{alias.name}"):
                self.targets.add(f"{node.module}.{alias.name}")


def import_graph() -> nx.DiGraph[str]:
    graph: nx.DiGraph[str] = nx.DiGraph()
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        imports = _Imports()
        imports.visit(ast.parse(path.read_text(encoding="utf-8")))
        graph.add_node(module)
        graph.add_edges_from((module, target) for target in imports.targets if target != module)
    return graph


def test_the_import_graph_sees_the_package() -> None:
    graph = import_graph()
    assert ("guabao_rules.sources.loader", "guabao_rules.dataset") in graph.edges
    assert ("guabao_rules.report.text", "guabao_rules.report.options") in graph.edges


def test_the_import_graph_has_no_circles() -> None:
    circles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert circles == []


def test_a_circle_would_be_seen() -> None:
    graph = import_graph()
    graph.add_edge("guabao_rules.dataset", "guabao_rules.sources.loader")
    assert any(len(c) > 1 for c in nx.strongly_connected_components(graph))
