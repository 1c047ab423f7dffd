"""The core must stay usable without the TUI: importing it never loads textual or rich."""

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import ssotui.core


def test_core_imports_neither_textual_nor_rich():
    modules = [
        f"ssotui.core.{info.name}" for info in pkgutil.iter_modules(ssotui.core.__path__)
    ]
    assert len(modules) >= 5, modules
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "ui = ('textual', 'rich')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ui)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def test_cli_list_path_does_not_import_textual():
    """`ssotui list` and `credential-process` must not pay for the TUI's import time."""
    code = (
        "import sys, ssotui.cli, ssotui.cli.commands, ssotui.cli.roles, ssotui.cli.completion\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_no_import_loop_between_the_cli_and_the_demo():
    """The app factory is its own module, which both use: the demo never imports the CLI
    (the CLI imports the demo only to run it)."""
    package = Path(ssotui.core.__path__[0]).parent
    for module in ("demo.py", "app_factory.py"):
        assert not {m for m in imported_modules(package / module) if m.startswith("ssotui.cli")}
    assert "ssotui.app_factory" in imported_modules(package / "demo.py")
