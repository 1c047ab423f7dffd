"""``ssotui login`` (browser login with PKCE, or the device code), ``login --force`` and
``ssotui status``, as real processes against the emulator. The browser is a script at its
boundary: it GETs the page it is given and follows the redirects, as a browser would."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import boto3
import pytest
from conftest import SESSION_NAME
from helpers import assert_one_line_error, sign_in

from ssotui.cli import main
from ssotui.core import timeutil
from ssotui.core.tokencache import TokenCache


def run(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ssotui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def browser(tmp_path) -> dict:
    """BROWSER: a script that opens the page (GET, redirects followed, no proxy) and records
    where it ended."""
    record = tmp_path / "visited.txt"
    script = tmp_path / "browser.py"
    script.write_text(
        f"#!{sys.executable}\n"
        + textwrap.dedent(
            f"""\
            import sys, urllib.request
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({{}}))
            with opener.open(sys.argv[1], timeout=10) as reply:
                reply.read()
                open({str(record)!r}, "w").write(reply.geturl())
            """
        )
    )
    script.chmod(0o755)
    return {"BROWSER": str(script), "RECORD": str(record)}


def token_of(session):
    return TokenCache(session).load_token()


def code_lines(stderr: str) -> list[str]:
    """Lines that are a user code and nothing else (ABCD-EFGH)."""
    return [line for line in stderr.splitlines() if len(line) == 9 and line[4] == "-"]


# -- the browser login (PKCE) ------------------------------------------------------------------


def test_browser_login_is_approved_and_boto3_uses_the_token(emulator, sso_session, browser):
    """--use-authorization-code wins over an SSH session (where auto would pick the device
    code); the browser's approval comes back to ssotui; boto3 then uses the token as is."""
    emulator.authorize_auto = "approve"
    proc = run(
        "login", "--use-authorization-code", env={**browser, "SSH_CONNECTION": "10.0.0.1 5 1 22"}
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"Open {emulator.base_url}/authorize?response_type=code" in proc.stderr
    assert "/oauth/callback" in open(browser["RECORD"]).read()  # the browser came back
    assert code_lines(proc.stderr) == []  # no device code in this flow
    assert "Logged in to test" in proc.stderr
    assert emulator.stats.calls["StartDeviceAuthorization"] == 0
    token = token_of(sso_session)
    assert token is not None and token.refresh_token

    account = emulator.org.accounts[0]
    with open(os.environ["AWS_CONFIG_FILE"], "a") as handle:
        handle.write(
            f"\n[profile dev]\nsso_session = {SESSION_NAME}\n"
            f"sso_account_id = {account.account_id}\nsso_role_name = {account.roles[0]}\n"
        )
    calls = dict(emulator.stats.calls)
    creds = boto3.Session(profile_name="dev").get_credentials().get_frozen_credentials()
    assert creds.access_key.startswith("ASIAEMU")
    for operation in ("RegisterClient", "CreateToken", "StartDeviceAuthorization"):
        assert emulator.stats.calls[operation] == calls.get(operation, 0), operation


def test_browser_login_denied_is_one_line_and_saves_nothing(emulator, sso_session, browser):
    emulator.authorize_auto = "deny"
    proc = run("login", "--use-authorization-code", env=browser)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last == "ssotui: the login was denied in the browser.", proc.stderr
    assert "Traceback" not in proc.stderr
    assert token_of(sso_session) is None


def test_a_busy_redirect_port_is_one_line_before_any_call(emulator, sso_session, browser):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = run("login", "--use-authorization-code", "--redirect-port", str(port), env=browser)
    assert_one_line_error(proc, f"port {port} on 127.0.0.1 is already in use", "--use-device-code")
    assert emulator.stats.calls["RegisterClient"] == 0


def test_a_redirect_port_out_of_range_is_one_line(emulator, sso_session):
    proc = run("login", "--use-authorization-code", "--redirect-port", "70000")
    assert proc.returncode == 2
    assert_one_line_error(proc, "--redirect-port", "70000", "1-65535")


def test_the_redirect_port_is_the_one_the_browser_comes_back_to(emulator, sso_session, browser):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    emulator.authorize_auto = "approve"
    proc = run("login", "--use-authorization-code", "--redirect-port", str(port), env=browser)
    assert proc.returncode == 0, proc.stderr
    visited = open(browser["RECORD"]).read()
    assert visited.startswith(f"http://127.0.0.1:{port}/oauth/callback?"), visited


def test_a_bad_redirect_port_is_refused_even_when_logged_in(emulator, sso_session, capfd):
    """The flags are checked first: not "Already logged in" (in this process, through main)."""
    sign_in(emulator, sso_session)
    capfd.readouterr()
    code = main(["login", "--redirect-port", "99999"])
    err = capfd.readouterr().err
    assert code == 2, err
    assert err.splitlines() == [
        "ssotui: --redirect-port: '99999' is not a port (expected 1-65535)."
    ], err
    assert sum(emulator.stats.calls.values()) == 0


# -- the device code ---------------------------------------------------------------------------


def test_over_ssh_the_device_code_is_used_and_printed_on_its_own_line(emulator, sso_session):
    emulator.approve_after = 0.2
    proc = run("login", env={"SSH_CONNECTION": "10.0.0.1 5555 10.0.0.2 22", "DISPLAY": ":0"})
    assert proc.returncode == 0, proc.stderr
    assert "Using the device code: an SSH session" in proc.stderr
    assert len(code_lines(proc.stderr)) == 1, proc.stderr
    assert emulator.stats.calls["StartDeviceAuthorization"] == 1
    assert token_of(sso_session) is not None


def test_use_device_code_is_obeyed_without_a_fallback_note(emulator, sso_session, browser):
    emulator.approve_after = 0.2
    proc = run("login", "--use-device-code", "--no-browser", env=browser)
    assert proc.returncode == 0, proc.stderr
    assert "Using the device code" not in proc.stderr  # asked for, not a fallback
    assert len(code_lines(proc.stderr)) == 1, proc.stderr
    assert emulator.stats.calls["StartDeviceAuthorization"] == 1
    assert not os.path.exists(browser["RECORD"])  # --no-browser


def test_the_flags_cannot_be_combined():
    proc = run("login", "--use-device-code", "--use-authorization-code")
    assert proc.returncode == 2
    assert "not allowed with argument" in proc.stderr


# -- login --force -----------------------------------------------------------------------------


def test_login_force_ends_the_portal_session_and_starts_a_new_one(emulator, sso_session):
    old = sign_in(emulator, sso_session)
    emulator.approve_after = 0.2
    proc = run("login", "--force", "--use-device-code", "--no-browser")
    assert proc.returncode == 0, proc.stderr
    assert emulator.stats.calls["Logout"] == 1
    new = token_of(sso_session)
    assert new.access_token != old.access_token
    sessions = emulator.state.access
    assert sessions[new.access_token] != sessions.get(old.access_token)
    assert "warning" not in proc.stderr


def test_login_force_warns_when_the_portal_does_not_end_the_old_session(emulator, sso_session):
    token = sign_in(emulator, sso_session)
    TokenCache(sso_session).save_token(
        token.__class__(**{**token.__dict__, "access_token": "not-a-session-the-portal-knows"})
    )
    emulator.approve_after = 0.2
    proc = run("login", "--force", "--use-device-code", "--no-browser")
    assert proc.returncode == 0, proc.stderr
    assert "warning: the portal did not confirm the end of the old session" in proc.stderr
    assert token_of(sso_session).access_token in emulator.state.access  # logged in anyway


LOGGED_OUT = (
    "the old session of test was ended, so you are logged out: "
    "run `ssotui login{flags}` to log in again."
)


def test_a_failed_login_force_says_the_old_session_was_ended(emulator, sso_session, browser):
    sign_in(emulator, sso_session)
    emulator.authorize_auto = "deny"
    proc = run("login", "--sso-session", "test", "--force", "--use-authorization-code", env=browser)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        "ssotui: the login was denied in the browser; "
        + LOGGED_OUT.format(flags=" --sso-session test")
    ), proc.stderr
    assert emulator.stats.calls["Logout"] == 1
    assert token_of(sso_session) is None  # logged out indeed


# -- status ------------------------------------------------------------------------------------


def test_status_not_logged_in_exits_1(emulator, sso_session):
    proc = run("status")
    assert proc.returncode == 1, proc.stderr
    assert "not logged in" in proc.stdout
    assert "needs `ssotui login`" in proc.stdout
    data = json.loads(run("status", "--json").stdout)
    assert (data["loggedIn"], data["usable"], data["session"]) == (False, False, "test")


def test_status_logged_in_exits_0_and_says_the_token_refreshes_itself(emulator, sso_session):
    sign_in(emulator, sso_session)
    proc = run("status")
    assert proc.returncode == 0, proc.stderr
    assert "refreshes itself" in proc.stdout
    data = json.loads(run("status", "--json").stdout)
    assert data["usable"] and data["canRefresh"] and data["loggedIn"]
    assert 3000 < data["accessTokenSecondsLeft"] <= 3600
    assert data["inventoryAgeSeconds"] is None
    assert data["checked"] is False
    assert emulator.stats.calls == {} or sum(emulator.stats.calls.values()) == 0  # no network


def test_status_expired_without_refresh_exits_1(emulator, sso_session):
    token = sign_in(emulator, sso_session, expires_at=timeutil.utcnow().replace(microsecond=0))
    TokenCache(sso_session).save_token(token.__class__(**{**token.__dict__, "refresh_token": None}))
    proc = run("status", "--json")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["loggedIn"], data["usable"], data["canRefresh"]) == (True, False, False)


def test_status_check_asks_the_portal(emulator, sso_session):
    sign_in(emulator, sso_session)
    proc = run("status", "--check", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["checked"] is True
    assert emulator.stats.calls["ListAccounts"] == 1


def test_status_imports_neither_boto3_nor_textual(emulator, sso_session):
    sign_in(emulator, sso_session)
    code = (
        "import sys\n"
        "from ssotui.cli import main\n"
        "rc = main(['status'])\n"
        "heavy = sorted(m for m in ('boto3', 'botocore', 'textual', 'rich') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
        "raise SystemExit(rc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "session: test" in proc.stdout
    assert "HEAVY=\n" in proc.stderr


def _interrupted_login(*flags: str) -> tuple[int, list[str], str]:
    """``ssotui login FLAGS --use-authorization-code --no-browser``, Ctrl-C (SIGINT) once it
    waits for the browser: (exit status, stderr lines until then, the rest of stderr)."""
    import signal

    proc = subprocess.Popen(
        [sys.executable, "-m", "ssotui", "login", *flags, "--use-authorization-code"]
        + ["--no-browser"],
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if line.startswith("Waiting for the browser"):
            break
    assert lines[-1].startswith("Waiting for the browser"), "".join(lines)
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    return proc.wait(timeout=30), lines, rest


def test_ctrl_c_while_waiting_for_the_browser_is_one_line_and_130(emulator, sso_session):
    code, lines, rest = _interrupted_login()
    assert code == 130
    assert rest == "ssotui: cancelled.\n", "".join(lines) + rest


def test_ctrl_c_in_login_force_says_the_old_session_was_ended(emulator, sso_session):
    sign_in(emulator, sso_session)
    code, lines, rest = _interrupted_login("--force")
    assert code == 130
    assert rest == f"ssotui: cancelled; {LOGGED_OUT.format(flags='')}\n", "".join(lines) + rest
    assert token_of(sso_session) is None
