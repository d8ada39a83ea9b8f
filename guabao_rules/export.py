"""Export the dataset graph (:attr:`Dataset.graph`) as GraphML, node-link JSON or DOT.

Nodes are records keyed by id, with their ``collection``, ``valid`` and, where
the record has one, ``name``; edges are references, with their ``field``. With
findings, only the records findings are about (their subjects and related
records) and their neighbours are kept, and the subjects carry the ``rules``
that found something on them: a map of what to look at.

DOT is written here (no pygraphviz); GraphML by networkx. Every id, name and
label comes from the data: GraphML gets the characters XML 1.0 cannot carry
shown as escapes (networkx escapes the markup), DOT quotes and escapes each id,
JSON is valid UTF-8 (see :mod:`guabao_rules.report.escape`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import networkx as nx

from guabao_rules.diagnostics import Diagnostic
from guabao_rules.report.escape import dot_id, json_dumps, xml

if TYPE_CHECKING:
    from guabao_rules.dataset import Dataset

FORMATS = ("graphml", "json", "dot")


def dataset_graph(dataset: Dataset) -> nx.MultiDiGraph[str]:
    """A copy of the dataset graph with each record's ``name`` where it has one."""
    graph: nx.MultiDiGraph[str] = dataset.graph.copy()
    for node, attrs in graph.nodes(data=True):
        entry = dataset.by_id.get(node)
        name = getattr(entry.model, "name", None) if entry is not None else None
        if isinstance(name, str):
            attrs["name"] = name
    return graph


def findings_subgraph(
    graph: nx.MultiDiGraph[str], diagnostics: Iterable[Diagnostic]
) -> nx.MultiDiGraph[str]:
    """The records findings are about, the records related to them, and their neighbours.

    Subjects get a ``rules`` attribute: the ids of the rules that found
    something on them, comma-separated (GraphML has no lists).
    """
    rules: dict[str, set[str]] = {}
    involved: set[str] = set()
    for diagnostic in diagnostics:
        if diagnostic.subject is not None and diagnostic.subject in graph:
            rules.setdefault(diagnostic.subject, set()).add(diagnostic.rule)
            involved.add(diagnostic.subject)
        involved.update(
            r.subject for r in diagnostic.related if r.subject is not None and r.subject in graph
        )
    keep = set(involved)
    for node in involved:
        keep.update(graph.predecessors(node))
        keep.update(graph.successors(node))
    sub: nx.MultiDiGraph[str] = graph.subgraph(keep).copy()
    for node, found in rules.items():
        sub.nodes[node]["rules"] = ",".join(sorted(found))
    return sub


def to_node_link(graph: nx.MultiDiGraph[str]) -> dict[str, Any]:
    """The graph as node-link data (``nodes`` and ``edges``, as networkx reads it)."""
    return {
        "directed": True,
        "multigraph": True,
        "graph": dict(graph.graph),
        "nodes": [{**attrs, "id": node} for node, attrs in graph.nodes(data=True)],
        "edges": [
            {**attrs, "source": source, "target": target, "key": key}
            for source, target, key, attrs in graph.edges(keys=True, data=True)
        ],
    }


def _dot_attrs(attrs: dict[str, Any]) -> str:
    if not attrs:
        return ""
    inner = ", ".join(f"{key}={dot_id(value)}" for key, value in attrs.items())
    return f" [{inner}]"


def to_dot(graph: nx.MultiDiGraph[str], name: str = "guabao-rules") -> str:
    """The graph in Graphviz DOT: a box per record (id and name), an arrow per reference."""
    lines = [f"digraph {dot_id(name)} {{", "  node [shape=box];"]
    for node, attrs in graph.nodes(data=True):
        label = str(node) + (f"\n{attrs['name']}" if "name" in attrs else "")
        shown = {"label": label, **{k: v for k, v in attrs.items() if k != "name"}}
        if "rules" in attrs:
            shown["color"] = "red"
        lines.append(f"  {dot_id(node)}{_dot_attrs(shown)};")
    for source, target, attrs in graph.edges(data=True):
        field = attrs.get("field", "")
        lines.append(f"  {dot_id(source)} -> {dot_id(target)}{_dot_attrs({'label': field})};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _xml_safe(graph: nx.MultiDiGraph[str]) -> nx.MultiDiGraph[str]:
    """A copy whose ids and text attributes XML 1.0 can carry."""

    def safe(value: Any) -> Any:
        return xml(value) if isinstance(value, str) else value

    out: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    out.graph.update({key: safe(value) for key, value in graph.graph.items()})
    for node, attrs in graph.nodes(data=True):
        out.add_node(xml(node), **{key: safe(value) for key, value in attrs.items()})
    for source, target, key, attrs in graph.edges(keys=True, data=True):
        out.add_edge(
            xml(source), xml(target), key=safe(key), **{k: safe(v) for k, v in attrs.items()}
        )
    return out


def export(graph: nx.MultiDiGraph[str], fmt: str) -> str:
    """The graph as text in ``fmt``: ``graphml``, ``json`` or ``dot``."""
    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(_xml_safe(graph))) + "\n"
    if fmt == "json":
        return json_dumps(to_node_link(graph), indent=2) + "\n"
    if fmt == "dot":
        return to_dot(graph)
    raise ValueError(f"unknown graph format {fmt!r} (choose from {', '.join(FORMATS)})")
