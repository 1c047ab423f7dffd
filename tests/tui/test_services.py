"""The real boundaries behind ``Services``: tmux windows keep secrets out of argv; the
display check decides whether the login opens a browser by itself."""

from __future__ import annotations

import json
import os

import pytest

from ssotui.core.errors import SsoError
from ssotui.tui.services import env_script, has_display, tmux_new_window

FAKE_TMUX = """#!/bin/sh
# Record argv, then run the window's command the way tmux 3 runs a multi-word command (the
# words after --, directly, no shell) and keep its output.
python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@" > "$TMUX_TEST_DIR/argv.json"
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do shift; done
shift
"$@" > "$TMUX_TEST_DIR/window.txt" 2>&1
exit ${TMUX_TEST_STATUS:-0}
"""


@pytest.fixture
def fake_tmux(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "tmux"
    script.write_text(FAKE_TMUX)
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("TMUX_TEST_DIR", str(tmp_path))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    return tmp_path


def role_env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "AWS_PROFILE"}
    env.update(
        AWS_ACCESS_KEY_ID="ASIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY="s3cr3t/with 'quotes' and $dollars",
        AWS_SESSION_TOKEN="t0ken",
        SSOTUI_ROLE_NAME="AdministratorAccess",
        **extra,
    )
    return env


def test_tmux_window_gets_the_credentials_through_a_private_file_not_argv(fake_tmux, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "old-profile")
    env = role_env()
    tmux_new_window("payments-prod/AdministratorAccess", ["env"], env)
    argv = json.loads((fake_tmux / "argv.json").read_text())
    assert argv[:3] == ["new-window", "-n", "payments-prod/AdministratorAccess"]
    assert not any("s3cr3t" in part or "t0ken" in part for part in argv)
    window = dict(
        line.split("=", 1)
        for line in (fake_tmux / "window.txt").read_text().splitlines()
        if "=" in line
    )
    assert window["AWS_SECRET_ACCESS_KEY"] == env["AWS_SECRET_ACCESS_KEY"]
    assert window["SSOTUI_ROLE_NAME"] == "AdministratorAccess"
    assert "AWS_PROFILE" not in window  # dropped by the role environment, unset in the window
    # The file and its private directory were deleted by the window's shell.
    assert list((fake_tmux / "tmp").iterdir()) == []


def test_a_failing_tmux_is_an_error_and_leaves_no_file(fake_tmux, monkeypatch):
    monkeypatch.setenv("TMUX_TEST_STATUS", "1")
    monkeypatch.setattr("ssotui.tui.services.subprocess.run", _failing_run)
    with pytest.raises(SsoError, match="tmux could not open a new window: no server"):
        tmux_new_window("x/y", ["env"], role_env())
    assert list((fake_tmux / "tmp").iterdir()) == []


def _failing_run(argv, **kwargs):
    import subprocess

    return subprocess.CompletedProcess(argv, 1, "", "no server running on /tmp/tmux\n")


def test_env_script_exports_changes_and_unsets_removed_names():
    script = env_script({"A": "1", "B": "it's"}, {"A": "1", "C": "3", "BAD-NAME": "x"})
    assert script.splitlines() == ["unset C", "export B='it'\"'\"'s'"]


@pytest.mark.parametrize(
    ("environ", "platform", "expected"),
    [
        ({}, "linux", False),
        ({"DISPLAY": ":0"}, "linux", True),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
        ({"BROWSER": "w3m"}, "linux", True),
        ({}, "darwin", True),
        ({}, "win32", True),
    ],
)
def test_has_display(environ, platform, expected):
    assert has_display(environ, platform) is expected


def test_no_tmux_installed_is_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    with pytest.raises(SsoError, match="cannot run tmux"):
        tmux_new_window("x/y", ["env"], role_env())
    assert list((tmp_path / "tmp").iterdir()) == []


def test_the_default_services_apply_the_settings(monkeypatch, sso_session):
    """rate_limit reaches the core client; browser_command reaches the browser opener."""
    from ssotui.core import console
    from ssotui.core.settings import Settings
    from ssotui.tui.services import Services

    calls: list[tuple[str, str | None]] = []
    monkeypatch.setattr(
        console, "open_in_browser", lambda url, command=None: calls.append((url, command))
    )
    services = Services.default(Settings(rate_limit=3, browser_command="firefox %s"))
    assert services.client_factory(sso_session).rate_limit == 3.0
    services.open_url("https://example.com/")
    assert calls == [("https://example.com/", "firefox %s")]
