"""The tmux window (``S``): its secrets file goes into a fresh private directory, never a
predictable one another user could have made, and its command reaches tmux as separate words
that no shell parses (tmux's default-shell may be fish, where POSIX quoting does not hold)."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from ssotui.core.errors import SsoError
from ssotui.tui.services import tmux_new_window

# Records its argv and what the planted directory holds at that moment, then runs the words
# after `--` directly, as tmux 3 does with a command of several words (nothing if there is no
# `--`: the old single-string form would go through the default-shell, which we don't imitate).
FAKE_TMUX = """#!/usr/bin/env python3
import json, os, subprocess, sys
out = os.environ["TMUX_TEST_DIR"]
planted = os.environ["TMUX_TEST_PLANTED"]
args = sys.argv[1:]
record = {"argv": args, "planted": sorted(os.listdir(planted))}
if "--" in args:
    command = args[args.index("--") + 1:]
    script = command[4]
    st = os.lstat(os.path.dirname(script))
    record["script_dir"] = [os.path.dirname(script), st.st_mode & 0o777, st.st_uid]
    with open(os.path.join(out, "window.txt"), "w") as window:
        subprocess.run(command, stdout=window, stderr=subprocess.STDOUT)
with open(os.path.join(out, "tmux.json"), "w") as handle:
    json.dump(record, handle)
"""

HOSTILE = "acct #{pid} #(touch {pwned}) \\'\"; touch {pwned} #"


@pytest.fixture
def fake_tmux(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "tmux").write_text(FAKE_TMUX)
    (bin_dir / "tmux").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("TMUX_TEST_DIR", str(tmp_path))
    return tmp_path


def planted_parent(tmp_path: Path, monkeypatch, owner: int, dir_mode: int) -> Path:
    """A temp parent (both TMPDIR and XDG_RUNTIME_DIR) that holds a pre-created
    ``ssotui-<uid>``, as another local user could make it in /tmp."""
    parent = tmp_path / "shared-tmp"
    parent.mkdir()
    planted = parent / f"ssotui-{os.getuid()}"
    planted.mkdir()
    planted.chmod(dir_mode)
    os.chown(planted, owner, owner)
    monkeypatch.setattr("tempfile.tempdir", str(parent))
    monkeypatch.setenv("TMPDIR", str(parent))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(parent))
    monkeypatch.setenv("TMUX_TEST_PLANTED", str(planted))
    return planted


def role_env(account_name: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID="ASIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY="s3cr3t",
        AWS_SESSION_TOKEN="t0ken",
        SSOTUI_ACCOUNT_NAME=account_name,
    )
    return env


@pytest.mark.parametrize(
    ("owner", "dir_mode"),
    [
        pytest.param(
            pwd.getpwnam("nobody").pw_uid,
            0o777,
            marks=pytest.mark.skipif(os.getuid() != 0, reason="chown needs root"),
            id="another-users-0777",
        ),
        pytest.param(os.getuid(), 0o777, id="ours-0777"),
    ],
)
def test_the_secrets_file_never_goes_into_a_pre_created_directory(
    fake_tmux, monkeypatch, owner, dir_mode
):
    planted = planted_parent(fake_tmux, monkeypatch, owner, dir_mode)
    tmux_new_window("prod/Admin", ["/usr/bin/env"], role_env("prod"))
    record = json.loads((fake_tmux / "tmux.json").read_text())
    assert record["planted"] == []  # nothing was in it while tmux started the window
    assert list(planted.iterdir()) == []
    script_dir, dir_mode_seen, uid_seen = record["script_dir"]
    assert Path(script_dir).parent == planted.parent and Path(script_dir) != planted
    assert (dir_mode_seen, uid_seen) == (0o700, os.getuid())
    assert "AWS_SECRET_ACCESS_KEY=s3cr3t" in (fake_tmux / "window.txt").read_text()
    assert not Path(script_dir).exists()  # the window's shell removed the file and directory


def test_the_command_is_separate_words_and_the_name_is_literal(fake_tmux, monkeypatch):
    planted_parent(fake_tmux, monkeypatch, os.getuid(), 0o700)
    pwned = fake_tmux / "pwned"
    account = HOSTILE.replace("{pwned}", str(pwned))
    tmux_new_window(f"{account}/Admin", ["/usr/bin/env"], role_env(account))
    argv = json.loads((fake_tmux / "tmux.json").read_text())["argv"]
    assert argv[:2] == ["new-window", "-n"]
    assert argv[2] == f"{account}/Admin".replace("#", "##")  # tmux shows it as written
    assert argv[3] == "--" and argv[4] == "/bin/sh"  # run directly, not by the default-shell
    words_after = argv[4:]
    assert not any("acct" in word for word in words_after)  # the name is in no shell string
    assert not any("s3cr3t" in word or "t0ken" in word for word in argv)
    window = (fake_tmux / "window.txt").read_text()
    assert f"SSOTUI_ACCOUNT_NAME={account}\n" in window  # arrives intact
    assert not pwned.exists()


def test_a_word_ending_in_a_semicolon_is_not_a_tmux_command_separator(fake_tmux, monkeypatch):
    planted_parent(fake_tmux, monkeypatch, os.getuid(), 0o700)
    tmux_new_window("odd;", ["/usr/bin/env"], role_env("odd;"))
    argv = json.loads((fake_tmux / "tmux.json").read_text())["argv"]
    assert argv[2] == "odd\\;"


def test_an_unsafe_temp_parent_is_refused_in_one_line(tmp_path, monkeypatch):
    parent = tmp_path / "open"
    parent.mkdir()
    parent.chmod(0o777)  # writable by all, not sticky: others could swap what we put there
    monkeypatch.setattr("tempfile.tempdir", str(parent))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(parent))
    monkeypatch.setenv("PATH", str(tmp_path))  # no tmux needed to get this far
    with pytest.raises(SsoError, match="not a safe place") as caught:
        tmux_new_window("x/y", ["/usr/bin/env"], role_env("x"))
    assert "\n" not in str(caught.value)
    assert list(parent.iterdir()) == []


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_real_tmux_runs_the_window_without_its_default_shell(tmp_path, monkeypatch):
    """A real tmux server whose default-shell is a recorder: opening the window never calls it,
    the window name is shown literally, and the environment arrives."""
    socket = tmp_path / "sock"
    recorder = tmp_path / "default-shell"
    recorder.write_text(
        f'#!/bin/sh\necho "$@" >> {tmp_path}/default-shell.log\nexec /bin/sh "$@"\n'
    )
    recorder.chmod(0o755)
    base = ["tmux", "-S", str(socket), "-f", "/dev/null"]
    subprocess.run([*base, "new-session", "-d", "-s", "t", "--", "sleep", "60"], check=True)
    try:
        subprocess.run([*base, "set-option", "-g", "default-shell", str(recorder)], check=True)
        pid = subprocess.run(
            [*base, "display-message", "-p", "#{pid}"], capture_output=True, text=True, check=True
        ).stdout.strip()
        monkeypatch.setenv("TMUX", f"{socket},{pid},0")
        monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
        monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
        pwned = tmp_path / "pwned"
        account = HOSTILE.replace("{pwned}", str(pwned))
        out = tmp_path / "window-env"
        argv = [
            "/bin/sh",
            "-c",
            f'printf %s "$SSOTUI_ACCOUNT_NAME" > {out}.part; mv {out}.part {out}; exec sleep 60',
        ]
        tmux_new_window(f"{account}/Admin", argv, role_env(account))
        deadline = time.monotonic() + 20
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert out.read_text() == account
        names = subprocess.run(
            [*base, "list-windows", "-F", "#{window_name}"], capture_output=True, text=True
        ).stdout.splitlines()
        assert f"{account}/Admin" in names
        assert not (tmp_path / "default-shell.log").exists()
        assert not pwned.exists()
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith("ssotui-")] == []
    finally:
        subprocess.run([*base, "kill-server"], capture_output=True)
