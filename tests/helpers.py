"""Helpers shared by test modules: a login in our token cache as if the device flow had run,
the CLI as a subprocess, the shape of a CLI error (one line, no traceback), and a recorder of
the inventory loader's events."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta

from ssotui.core import timeutil
from ssotui.core.models import SsoSession
from ssotui.core.tokencache import TokenCache
from ssotui.core.tokens import Token


def sign_in(emulator, session: SsoSession, expires_at: datetime | None = None) -> Token:
    """A valid login, as if the device flow had run: the emulator's session, in our cache."""
    minted = emulator.mint_token()
    now = timeutil.utcnow().replace(microsecond=0)
    token = Token(
        start_url=session.start_url,
        region=session.region,
        access_token=minted["accessToken"],
        expires_at=expires_at or now + timedelta(seconds=int(minted["expiresIn"])),
        client_id=minted["clientId"],
        client_secret=minted["clientSecret"],
        registration_expires_at=timeutil.from_epoch_s(minted["clientSecretExpiresAt"]),
        refresh_token=minted.get("refreshToken"),
    )
    TokenCache(session).save_token(token)
    return token


def run_ssotui(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m ssotui ARGS`` with this process's environment (HOME, AWS_* from the fixtures)."""
    return subprocess.run(
        [sys.executable, "-m", "ssotui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ),
    )


def assert_one_line_error(proc: subprocess.CompletedProcess, *fragments: str) -> str:
    """The command failed with one ``ssotui: …`` line holding every fragment; returns it."""
    assert proc.returncode != 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("ssotui: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


class Events:
    """Records the inventory loader's events (they come from several threads); ``then`` is
    called with each one after it is recorded."""

    def __init__(self, then=None) -> None:
        self.events: list = []
        self.lock = threading.Lock()
        self.then = then

    def __call__(self, event) -> None:
        with self.lock:
            self.events.append(event)
        if self.then is not None:
            self.then(event)

    def of(self, kind) -> list:
        with self.lock:
            return [e for e in self.events if isinstance(e, kind)]
