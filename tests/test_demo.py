"""``ssotui demo`` leaves nothing behind: its directory goes when the terminal closes (SIGHUP)
or it is terminated, and the next demo removes those of demos that were killed outright."""

from __future__ import annotations

import os
import pty
import pwd
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ssotui.demo import DEMO_PREFIX, PID_FILE, remove_stale_demos


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _demo_dir(parent: Path, name: str, pid: int | None) -> Path:
    path = parent / f"{DEMO_PREFIX}{name}"
    path.mkdir()
    (path / "cache").mkdir()
    if pid is not None:
        (path / PID_FILE).write_text(f"{pid}\n")
    return path


def test_stale_demo_directories_of_dead_demos_are_removed_and_nothing_else(tmp_path):
    dead = _demo_dir(tmp_path, "dead", _dead_pid())
    alive = _demo_dir(tmp_path, "alive", os.getppid())
    starting = _demo_dir(tmp_path, "starting", None)  # fresh, pid not written yet
    old_unknown = _demo_dir(tmp_path, "old", None)
    os.utime(old_unknown, (time.time() - 7200, time.time() - 7200))
    target = tmp_path / "elsewhere"
    target.mkdir()
    link = tmp_path / f"{DEMO_PREFIX}link"
    link.symlink_to(target)

    removed = remove_stale_demos(tmp_path)

    assert sorted(removed) == sorted([dead, old_unknown])
    assert not dead.exists() and not old_unknown.exists()
    assert alive.exists() and starting.exists() and target.exists() and link.is_symlink()


def test_another_users_demo_directory_is_never_removed(tmp_path):
    if os.getuid() != 0:
        pytest.skip("needs root to give a directory to another user")
    other = _demo_dir(tmp_path, "other", _dead_pid())
    nobody = pwd.getpwnam("nobody").pw_uid
    os.chown(other, nobody, nobody)
    assert remove_stale_demos(tmp_path) == []
    assert other.exists()


@pytest.mark.parametrize(
    ("signum", "ready"),
    [
        (signal.SIGHUP, "cache/inventory"),  # the app is up and has loaded the org
        (signal.SIGTERM, "cache/inventory"),
        (signal.SIGHUP, "pid"),  # still starting
        (signal.SIGTERM, "sso-cache"),  # logging in
    ],
)
def test_demo_removes_its_directory_when_its_terminal_closes(tmp_path, signum, ready):
    stale = _demo_dir(tmp_path, "stale", _dead_pid())
    env = dict(os.environ, TMPDIR=str(tmp_path), TERM="xterm-256color", COLUMNS="100", LINES="30")
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ssotui", "demo", "--accounts", "5", "--approve-after", "0"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        start_new_session=True,
    )
    os.close(follower)
    try:
        deadline = time.monotonic() + 30
        mine = []
        while time.monotonic() < deadline:
            mine = [p for p in tmp_path.glob(DEMO_PREFIX + "*") if p != stale]
            if mine and (mine[0] / ready).exists() and not stale.exists():
                break
            _drain(leader)
            time.sleep(0.1)
        assert mine, "the demo never started"
        assert not stale.exists(), "the stale directory of a dead demo was not removed"
        proc.send_signal(signum)
        _wait_draining(proc, leader, 20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)
    assert list(tmp_path.glob(DEMO_PREFIX + "*")) == []


def _drain(fd: int) -> None:
    import select

    while select.select([fd], [], [], 0)[0]:
        try:
            if not os.read(fd, 65536):
                return
        except OSError:
            return


def _wait_draining(proc: subprocess.Popen, fd: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        _drain(fd)
        time.sleep(0.05)
    assert proc.poll() is not None, "the demo did not exit"
