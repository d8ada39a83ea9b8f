"""Graph export: GraphML, node-link JSON and DOT, read back by networkx and pydot."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pydot
import pytest

from guabao_rules.cli import main
from guabao_rules.export import dataset_graph, export, findings_subgraph
from guabao_rules.sources.loader import load

DATA = {
    "guabao-rules.toml": 'as_of = 2019-12-31\nselect = ["D"]\n',
    "data.yaml": (
        "regions:\n"
        '  - {id: "530000", name: 云南省, level: province}\n'
        '  - {id: "533300", name: "怒江\\"州\\"", level: prefecture, parent: "530000"}\n'
        "units:\n"
        "  - {id: U-FIN, name: 云南省财政厅, kind: provincial_unit}\n"
        "  - {id: U-EDU, name: 云南省教育厅, kind: provincial_unit}\n"
        "cadres:\n"
        "  - {id: C-01, name: 干部甲, unit: U-FIN}\n"
        "  - {id: C-02, name: 干部乙, unit: U-EDU}\n"
        "  - {id: C-03, name: 干部丙, unit: U-NONE}\n"
        "  - {id: C-04, name: 干部丁, unit: U-EDU}\n"
    ),
}

WriteDataset = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture
def root(write_dataset: WriteDataset) -> Path:
    return write_dataset(DATA)


def run(root: Path, tmp_path: Path, fmt: str, *extra: str) -> str:
    out = tmp_path / f"graph.{fmt}"
    assert main(["graph", str(root), "--format", fmt, "-o", str(out), *extra]) == 0
    return out.read_text(encoding="utf-8")


def edges(graph: nx.MultiDiGraph[str]) -> set[tuple[str, str, str]]:
    return {(s, t, d["field"]) for s, t, d in graph.edges(data=True)}


def test_graphml_round_trips_through_networkx(root: Path, tmp_path: Path) -> None:
    run(root, tmp_path, "graphml")
    read = nx.read_graphml(tmp_path / "graph.graphml", force_multigraph=True)
    original = load(root).graph
    assert set(read.nodes) == set(original.nodes)
    assert edges(read) == edges(original)
    assert read.nodes["U-FIN"] == {"collection": "units", "valid": True, "name": "云南省财政厅"}


def test_json_is_node_link_data(root: Path, tmp_path: Path) -> None:
    data = json.loads(run(root, tmp_path, "json"))
    graph = dataset_graph(load(root))
    assert data == nx.node_link_data(graph, edges="edges")
    read = nx.node_link_graph(data, edges="edges")
    assert edges(read) == edges(graph)
    assert ("533300", "530000", "parent") in edges(read)


# pydot still calls pyparsing's camelCase API, deprecated in pyparsing 3.3: not ours to fix.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_dot_parses_with_pydot_and_escapes_quotes(root: Path, tmp_path: Path) -> None:
    text = run(root, tmp_path, "dot")
    (dot,) = pydot.graph_from_dot_data(text)
    names = {n.get_name().strip('"') for n in dot.get_nodes()} - {"node"}
    assert names == set(load(root).graph.nodes)
    pairs = {(e.get_source().strip('"'), e.get_destination().strip('"')) for e in dot.get_edges()}
    assert ("C-01", "U-FIN") in pairs
    (prefecture,) = dot.get_node('"533300"')
    assert prefecture.get("label") == '"533300\\n怒江\\"州\\""'


def test_findings_keeps_subjects_related_and_neighbours(root: Path, tmp_path: Path) -> None:
    data = json.loads(run(root, tmp_path, "json", "--findings"))
    nodes = {n["id"]: n for n in data["nodes"]}
    # Only C-03 has a finding (D002); it refers to nothing that exists, so it stands alone.
    assert set(nodes) == {"C-03"}
    assert nodes["C-03"]["rules"] == "D002"


def test_findings_subgraph_takes_neighbours_of_subjects_and_related(root: Path) -> None:
    from guabao_rules.diagnostics import Diagnostic, Location, Related, Severity

    graph = dataset_graph(load(root))
    diagnostic = Diagnostic(
        "Q999",
        Severity.ERROR,
        "m",
        "U-EDU",
        Location(None, None, None),
        (Related("533300", Location(None, None, None)),),
    )
    sub = findings_subgraph(graph, [diagnostic])
    assert set(sub.nodes) == {"U-EDU", "C-02", "C-04", "533300", "530000"}
    assert sub.nodes["U-EDU"]["rules"] == "Q999"
    assert "rules" not in sub.nodes["533300"]
    assert export(sub, "dot").count("->") == sub.number_of_edges()


def test_graph_usage_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["graph", str(tmp_path / "missing"), "--format", "dot"]) == 2
    assert main(["graph", str(tmp_path), "--format", "png"]) == 2
    assert main(["graph", str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 3
