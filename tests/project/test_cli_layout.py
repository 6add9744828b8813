"""The `tnr` command line is one package: a root (cli.main), one shared module (cli.common)
and one module per command group, with no import circle among them."""

from __future__ import annotations

import ast
from pathlib import Path

import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

import cli
from cli.main import app

CLI_DIR = Path(cli.__file__).resolve().parent
#: The command group modules and the commands each one gives `tnr`.
GROUPS = {
    "cli.load": {"load"},
    "cli.serve": {"serve"},
    "cli.admin": {"status", "reset"},
    "cli.query": {"query"},
    "cli.review": {"review"},
    "cli.brief": {"brief"},
    "cli.export": {"export"},
    "cli.changes": {"changes"},
    "cli.watch": {"watch"},
}
#: The one import of a group module by another: serve loads the bundled data through load's
#: run_load into an empty store. Any other would be a new edge to think about.
SIBLING_IMPORTS = {("cli.serve", "cli.load")}


def _cli_imports(path: Path) -> set[str]:
    """The cli modules `path` imports, at any depth of its code (deferred imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found.update(n for n in names if n.startswith("cli.") and _is_module(n))
    return found


def _is_module(name: str) -> bool:
    return (CLI_DIR / f"{name.removeprefix('cli.')}.py").exists()


def _modules() -> dict[str, Path]:
    return {f"cli.{p.stem}": p for p in sorted(CLI_DIR.glob("*.py")) if p.stem != "__init__"}


def test_no_cli_module_but_the_entry_points_imports_cli_main() -> None:
    offenders = {
        name: sorted(imports)
        for name, path in _modules().items()
        if name not in ("cli.main", "cli.__main__")
        and "cli.main" in (imports := _cli_imports(path))
    }
    assert not offenders, f"only the root imports the groups, never the reverse: {offenders}"


def test_groups_import_only_cli_common_and_common_imports_no_cli_module() -> None:
    modules = _modules()
    assert set(GROUPS) <= set(modules), "every group module exists"
    assert _cli_imports(modules["cli.common"]) == set(), "cli.common is the bottom of cli/"
    for name in GROUPS:
        extra = {
            m
            for m in _cli_imports(modules[name]) - {"cli.common"}
            if (name, m) not in SIBLING_IMPORTS
        }
        assert not extra, f"{name} imports {sorted(extra)}: share it through cli.common"


def test_every_module_of_cli_is_a_group_the_root_registers() -> None:
    known = set(GROUPS) | {"cli.main", "cli.__main__", "cli.common"}
    assert set(_modules()) == known, "a new module of cli/ is a group: add it to GROUPS"
    registered = _cli_imports(_modules()["cli.main"])
    assert set(GROUPS) <= registered, f"cli.main does not import {set(GROUPS) - registered}"


def test_tnr_help_lists_every_command_of_every_group() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    wanted = set().union(*GROUPS.values())
    assert set(root.commands) == wanted
    listed = {
        line.split()[1]
        for line in result.output.splitlines()
        if len(line.split()) > 1 and line.split()[1] in wanted
    }
    assert listed == wanted, result.output


def test_every_command_comes_from_its_group_module() -> None:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    for module, commands in GROUPS.items():
        for name in commands:
            command = root.commands[name]
            callback = command.callback
            if isinstance(command, TyperGroup):  # a sub-app: its commands' callbacks
                callbacks = [c.callback for c in command.commands.values()]
                assert callbacks, name
                callback = callbacks[0]
            assert callback is not None and callback.__module__ == module, (name, module)
