"""The layers point down only, and no module of the project imports itself round a cycle.

graph < loaders < queries < exports = briefings < api < cli: a module may import from its
own layer and those below it, never from one above. Every import counts, also one inside
a function (a lazy import is still a dependency). benchmarks/, scripts/ and tests/ sit
outside the layers and may import anything.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {"graph": 0, "loaders": 1, "queries": 2, "exports": 3, "briefings": 3, "api": 4, "cli": 5}
#: Outside the layers: they may import anything, and nothing in the layers imports them.
OUTSIDE = ("benchmarks", "scripts", "tests")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, module) of every import in `tree`, relative ones made absolute."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base)
                target = f"{prefix}.{node.module}" if node.module else prefix
            else:
                target = node.module or ""
            yield node.lineno, target
            # `from pkg import mod` imports the module pkg.mod when there is one.
            for alias in node.names:
                yield node.lineno, f"{target}.{alias.name}"


def project_imports(root: Path = ROOT) -> dict[str, list[tuple[int, str]]]:
    """Each module of the layered packages -> the project modules it imports (line, module)."""
    files = {module_name(p, root): p for layer in LAYERS for p in (root / layer).rglob("*.py")}
    out: dict[str, list[tuple[int, str]]] = {}
    for name, path in sorted(files.items()):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found: list[tuple[int, str]] = []
        for line, target in imported(tree, name, path.name == "__init__.py"):
            if target in files and target != name:
                found.append((line, target))
        out[name] = found
    return out


def layer_violations(graph: dict[str, list[tuple[int, str]]]) -> list[str]:
    bad = []
    for module, targets in graph.items():
        own = LAYERS[module.split(".")[0]]
        for line, target in targets:
            if LAYERS[target.split(".")[0]] > own:
                bad.append(f"{module}:{line} imports {target} (a higher layer)")
    return bad


def cycles(graph: dict[str, list[tuple[int, str]]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    edges = {m: sorted({t for _, t in targets}) for m, targets in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(found)


def test_every_layer_imports_only_from_itself_and_below() -> None:
    assert layer_violations(project_imports()) == []


def test_no_layer_imports_the_benchmarks_scripts_or_tests() -> None:
    found = []
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            name = module_name(path)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, target in imported(tree, name, path.name == "__init__.py"):
                if target.split(".")[0] in OUTSIDE:
                    found.append(f"{name}:{line} imports {target}")
    assert found == []


def test_no_import_cycle_between_modules() -> None:
    assert cycles(project_imports()) == []


def test_the_check_sees_lazy_relative_and_cyclic_imports(tmp_path: Path) -> None:
    """The checks themselves, on a small planted tree: a lazy import of a higher layer,
    a relative one, and a cycle are all found."""
    for pkg in ("graph", "queries", "api", "api/graphql"):
        (tmp_path / pkg).mkdir(parents=True)
        (tmp_path / pkg / "__init__.py").write_text("")
    (tmp_path / "graph" / "a.py").write_text("def f():\n    from queries import b\n")
    (tmp_path / "queries" / "b.py").write_text("from graph import a\n")
    (tmp_path / "api" / "graphql" / "c.py").write_text("from ..d import x\n")
    (tmp_path / "api" / "d.py").write_text("x = 1\n")
    for layer in ("loaders", "exports", "briefings", "cli"):
        (tmp_path / layer).mkdir()
    graph = project_imports(tmp_path)
    assert layer_violations(graph) == [
        "graph.a:2 imports queries (a higher layer)",
        "graph.a:2 imports queries.b (a higher layer)",
    ]
    assert cycles(graph) == [["graph.a", "queries.b"]]
    assert (1, "api.d") in graph["api.graphql.c"]
