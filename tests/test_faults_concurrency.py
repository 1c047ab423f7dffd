"""Fault suite — concurrency: several ssotui processes and botocore's own SSO token provider
share one token file (``~/.aws/sso/cache``). Whatever they do at once, a reader always finds
valid JSON there (flock + atomic replace) and no refresh token is lost.

The many-``credential-process``-calls-one-browser case lives in ``test_credcache.py``
(``test_concurrent_processes_log_in_once_with_one_browser``, also marked ``faults``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from conftest import SESSION_NAME
from helpers import run_ssotui, sign_in

from ssotui.core import clients
from ssotui.core.auth import Authenticator
from ssotui.core.tokencache import TokenCache

pytestmark = pytest.mark.faults

REPO = Path(__file__).resolve().parents[1]
REFRESHES = 16  # token() calls per ssotui process (half of them forced refreshes)

# One ssotui process that refreshes the shared token as fast as it can (the emulator's short
# token_ttl keeps every token inside the 5-minute refresh window, so every call refreshes).
OURS = textwrap.dedent(
    """
    import json, sys, time
    from ssotui.core.auth import Authenticator
    from ssotui.core.config import load_config

    auth = Authenticator(load_config().sessions[sys.argv[1]])
    seen, errors = set(), []
    print("ready", flush=True)
    sys.stdin.readline()  # start together
    for calls in range(1, int(sys.argv[2]) + 1):
        try:
            # every other call as after a 401: a refresh even if another process just did one
            seen.add(auth.token(force_refresh=calls % 2 == 0).access_token)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{type(exc).__name__}: {exc}")
    print(json.dumps({"calls": calls, "tokens": len(seen), "errors": errors}), flush=True)
    """
)

# botocore's SSO token provider, as boto3 and the AWS CLI run it: no lock, its own refresh
# (15-minute window) and its own atomic write of the same file.
BOTOCORE = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import botocore.session
    from botocore.tokens import SSOTokenProvider

    provider = SSOTokenProvider(botocore.session.Session(profile=sys.argv[1]))
    real = provider._attempt_create_token
    refreshed = []

    def counted(token):
        answer = real(token)
        refreshed.append(answer["accessToken"])
        return answer

    provider._attempt_create_token = counted
    errors, calls = [], 0
    print("ready", flush=True)
    sys.stdin.readline()
    stop, end = Path(sys.argv[2]), time.monotonic() + 60
    while not stop.exists() and time.monotonic() < end:  # until our processes are done
        calls += 1
        try:
            provider.load_token().get_frozen_token()
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{type(exc).__name__}: {exc}")
    print(json.dumps({"calls": calls, "refreshed": len(refreshed), "errors": errors}), flush=True)
    """
)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def _spawn(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )


class FileWatcher:
    """Polls a file as fast as it can until stopped; every read must be a complete token."""

    def __init__(self, *paths: Path, keys: tuple[str, ...] = ("accessToken",)) -> None:
        self.paths = paths
        self.keys = keys
        self.reads = 0
        self.bad: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for path in self.paths:
                try:
                    raw = path.read_bytes()
                except FileNotFoundError:
                    continue  # not written yet (a login in progress)
                self.reads += 1
                try:
                    data = json.loads(raw)
                    missing = [k for k in self.keys if not data.get(k)]
                except ValueError:
                    self.bad.append(f"{path.name}: invalid JSON {raw[:60]!r}")
                    continue
                if missing:
                    self.bad.append(f"{path.name}: no {missing}")

    def __enter__(self) -> FileWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _write_config() -> None:
    """The test session, plus a profile botocore's own token provider can use."""
    from conftest import START_URL, write_aws_config

    write_aws_config(
        f"[sso-session {SESSION_NAME}]\n"
        f"sso_start_url = {START_URL}\n"
        "sso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n"
        f"\n[profile dev]\nsso_session = {SESSION_NAME}\nregion = us-east-1\n"
    )


def _portal_accounts(access_token: str) -> int:
    portal = clients.client("sso", "us-east-1", max_attempts=1)
    with clients.translated("listing accounts"):
        return len(portal.list_accounts(accessToken=access_token, maxResults=100)["accountList"])


def test_two_ssotui_processes_and_botocore_refresh_one_file_without_losing_it(
    make_emulator, sso_session, tmp_path
):
    emulator = make_emulator(accounts=4, seed=7, token_ttl=2)
    _write_config()
    assert sign_in(emulator, sso_session).refresh_token
    cache = TokenCache(sso_session)
    stop = tmp_path / "stop"
    procs = [
        _spawn(OURS, SESSION_NAME, str(REFRESHES)),
        _spawn(OURS, SESSION_NAME, str(REFRESHES)),
        _spawn(BOTOCORE, "dev", str(stop)),
    ]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        with FileWatcher(cache.token_path, keys=("accessToken", "refreshToken")) as watcher:
            for proc in procs:
                proc.stdin.write("go\n")
                proc.stdin.flush()
            results = [proc.communicate(timeout=60) for proc in procs[:2]]
            stop.touch()
            results.append(procs[2].communicate(timeout=60))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    reports = []
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    ours_a, ours_b, theirs = reports

    # The reader never saw a half-written or empty file, and it really raced the writers.
    assert watcher.bad == []
    assert watcher.reads > 100
    # Every refresh made progress: both of our processes refreshed and botocore did too.
    assert ours_a["errors"] == [] and ours_b["errors"] == []
    assert ours_a["tokens"] > 1 and ours_b["tokens"] > 1
    assert theirs["refreshed"] >= 1, theirs
    assert emulator.stats.calls["CreateToken"] >= ours_a["tokens"] + ours_b["tokens"]
    assert emulator.stats.errors == []

    # No refresh token was lost: the one in the file is the session's live one, it refreshes,
    # and the new access token works at the portal.
    final = cache.load_token()
    assert final.refresh_token in emulator.state.refresh
    refreshed = Authenticator(sso_session).token(force_refresh=True)
    assert refreshed.refresh_token != final.refresh_token
    assert refreshed.refresh_token in emulator.state.refresh
    assert _portal_accounts(refreshed.access_token) == 4
    assert sorted(p.name for p in cache.directory.iterdir() if p.name.endswith(".tmp")) == []


LOGIN = [sys.executable, "-m", "ssotui", "login", "--no-browser"]


def test_two_processes_logging_in_at_once_both_succeed_and_the_cache_stays_valid(
    make_emulator, sso_session
):
    emulator = make_emulator(accounts=4, seed=7, approve_after=0.3)
    cache = TokenCache(sso_session)
    with FileWatcher(cache.token_path, cache.registration_path, keys=()) as watcher:
        procs = [
            subprocess.Popen(LOGIN, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        results = [proc.communicate(timeout=60) for proc in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert out == ""
        assert "Logged in to test" in err or "Already logged in to test" in err, err
    assert watcher.bad == []
    assert watcher.reads > 10
    # What is left is one complete, working login whose refresh token is live.
    token = Authenticator(sso_session).token()
    assert token.refresh_token in emulator.state.refresh
    assert _portal_accounts(token.access_token) == 4
    registration = cache.load_registration()
    assert registration is not None and registration.client_id in emulator.state.clients
    proc = run_ssotui("list", "--json", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)) == sum(len(a.roles) for a in emulator.org.accounts)
