"""GraphML (for Gephi, yEd, networkx) and CSV (nodes.csv, edges.csv) of an export view.

Both carry every node and relation of the view with its id, type and label; properties
become attributes (GraphML) or columns (CSV). Lists are joined with "; ".
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from exports.view import ExportView

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
LIST_SEP = "; "
NODE_COLUMNS = ("id", "type", "label")
EDGE_COLUMNS = ("id", "type", "source", "target")


def cell(value: Any) -> str:
    """One value as text: lists joined with "; ", booleans as true/false, None as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return LIST_SEP.join(cell(v) for v in value)
    return str(value)


def _graphml_type(values: Iterable[Any]) -> str:
    kinds = {type(v) for v in values if v is not None}
    if kinds == {bool}:
        return "boolean"
    if kinds and kinds <= {int}:
        return "long"
    if kinds and kinds <= {int, float}:
        return "double"
    return "string"


def _columns(rows: Iterable[dict[str, Any]], first: tuple[str, ...]) -> list[str]:
    seen = {c: None for c in first}
    for row in rows:
        for key in sorted(row):
            seen.setdefault(key, None)
    return list(seen)


def graphml(view: ExportView) -> ET.ElementTree:
    """The view as a GraphML document (directed; attribute keys typed from the values)."""
    ET.register_namespace("", GRAPHML_NS)
    root = ET.Element(f"{{{GRAPHML_NS}}}graphml")
    node_rows = [{**n.properties, "type": n.type, "label": n.label} for n in view.nodes]
    edge_rows = [{**e.properties, "type": e.type} for e in view.edges]
    keys: dict[tuple[str, str], str] = {}
    for domain, rows in (("node", node_rows), ("edge", edge_rows)):
        names = sorted({k for r in rows for k in r if k != "id"})
        for name in names:
            values = [r.get(name) for r in rows]
            lists = any(isinstance(v, list | tuple) for v in values)
            key_id = f"{domain[0]}_{name}"
            keys[(domain, name)] = key_id
            ET.SubElement(
                root,
                f"{{{GRAPHML_NS}}}key",
                {
                    "id": key_id,
                    "for": domain,
                    "attr.name": name,
                    "attr.type": "string" if lists else _graphml_type(values),
                },
            )
    graph = ET.SubElement(
        root, f"{{{GRAPHML_NS}}}graph", {"id": "tnr-graph", "edgedefault": "directed"}
    )
    for n, row in zip(view.nodes, node_rows, strict=True):
        el = ET.SubElement(graph, f"{{{GRAPHML_NS}}}node", {"id": n.id})
        _data(el, "node", row, keys)
    for e, row in zip(view.edges, edge_rows, strict=True):
        el = ET.SubElement(
            graph, f"{{{GRAPHML_NS}}}edge", {"id": e.id, "source": e.source, "target": e.target}
        )
        _data(el, "edge", row, keys)
    ET.indent(root)
    return ET.ElementTree(root)


def _data(
    el: ET.Element, domain: str, row: dict[str, Any], keys: dict[tuple[str, str], str]
) -> None:
    for name in sorted(row):
        value = row[name]
        if name == "id" or value is None or value == []:
            continue
        ET.SubElement(el, f"{{{GRAPHML_NS}}}data", {"key": keys[(domain, name)]}).text = cell(value)


def write_graphml(view: ExportView, out: Path) -> Path:
    graphml(view).write(out, encoding="utf-8", xml_declaration=True)
    return out


def write_csv(view: ExportView, out_dir: Path) -> tuple[Path, Path]:
    """nodes.csv and edges.csv in `out_dir` (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    node_rows = [{**n.properties, "id": n.id, "type": n.type, "label": n.label} for n in view.nodes]
    edge_rows = [
        {**e.properties, "id": e.id, "type": e.type, "source": e.source, "target": e.target}
        for e in view.edges
    ]
    paths = out_dir / "nodes.csv", out_dir / "edges.csv"
    for path, rows, first in (
        (paths[0], node_rows, NODE_COLUMNS),
        (paths[1], edge_rows, EDGE_COLUMNS),
    ):
        columns = _columns(rows, first)
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({c: cell(row.get(c)) for c in columns})
    return paths
