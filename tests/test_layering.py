"""The core must stay usable without the TUI: importing it never loads textual or rich."""

import json
import pkgutil
import subprocess
import sys

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
        "import sys, ssotui.cli\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
