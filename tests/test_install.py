"""``pipx install .`` and ``uv tool install .`` from the checkout keep working: each installs
ssotui into a throwaway tool directory, and the command it puts on the bin directory runs
from the tool's own environment, with the files the app reads at run time.

Slow (a wheel is built and the dependencies installed), so marked ``slow``; select with
``-k test_install``. A tool found neither on PATH nor beside this python is skipped.
The dependencies come from the package index pip or uv is set up to use.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ssotui import __version__

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DATA_FILES = ("tui/app.tcss", "core/settings_example.toml")
CHECK = (
    "import pathlib, sys, ssotui\n"
    "package = pathlib.Path(ssotui.__file__).parent\n"
    "print(package)\n"
    "missing = [name for name in sys.argv[1:] if not (package / name).is_file()]\n"
    "print('missing:', *missing)\n"
)


def install(tool: str, place: Path) -> Path:
    """Install the checkout with ``tool`` into ``place``; returns the tool environment's
    python."""
    # On PATH, or beside this python (installed into the test venv, as CI does).
    program = shutil.which(tool) or shutil.which(tool, path=str(Path(sys.executable).parent))
    if program is None:
        pytest.skip(f"{tool} is not installed")
    env = dict(os.environ)
    if tool == "uv":
        env.update(
            UV_TOOL_DIR=str(place / "tools"),
            UV_TOOL_BIN_DIR=str(place / "bin"),
            UV_CACHE_DIR=str(place / "cache"),
        )
        argv = [program, "tool", "install", str(ROOT)]
        python = place / "tools" / "ssotui" / "bin" / "python"
    else:
        env.update(
            PIPX_HOME=str(place / "home"),
            PIPX_BIN_DIR=str(place / "bin"),
            PIPX_MAN_DIR=str(place / "man"),
        )
        argv = [program, "install", str(ROOT)]
        python = place / "home" / "venvs" / "ssotui" / "bin" / "python"
    done = subprocess.run(argv, cwd=place, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return python


@pytest.mark.parametrize("tool", ["uv", "pipx"])
def test_install_as_a_command_of_its_own(tool, tmp_path):
    python = install(tool, tmp_path)
    command = tmp_path / "bin" / "ssotui"
    version = subprocess.run(
        [str(command), "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (version.returncode, version.stdout.strip()) == (0, f"ssotui {__version__}")
    assert version.stderr == ""
    found = subprocess.run(
        [str(python), "-I", "-c", CHECK, *DATA_FILES],  # -I: not this checkout, not PYTHONPATH
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    assert Path(found[0]).is_relative_to(tmp_path)  # the tool's copy, not this checkout
    assert found[1] == "missing:"
