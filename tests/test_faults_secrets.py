"""Fault suite — secrets. Every secret the emulator issued during a test (access and refresh
tokens, client secrets, device codes, secret access keys, session tokens, sign-in tokens) is
collected from its state afterwards and looked for in everything a user or another user on
the machine could see: CLI output with and without ``--debug``, exception text, TUI
notifications and screens, snapshot and screenshot SVGs, the inventory cache, and the command
line of every process ssotui starts. The token cache itself is 0600 in a 0700 directory.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import stat
import subprocess
import sys
import textwrap
import traceback
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from conftest import SESSION_NAME
from test_cli import ssotui

from ssotui.core import paths
from ssotui.core.errors import SsoError
from ssotui.core.tokencache import TokenCache

pytestmark = pytest.mark.faults

REPO = Path(__file__).resolve().parents[1]


# -- what the emulator handed out ----------------------------------------------------------------


def issued_secrets(emulator) -> set[str]:
    """Every secret value the emulator has issued so far (it generates random fakes)."""
    state, federation = emulator.state, emulator.federation
    found: set[str] = set()
    with state.lock:
        found |= {client.secret for client in state.clients.values()}
        found |= set(state.devices)  # device codes
        for session in state.sessions.values():
            found |= set(session.access_tokens)
        found |= set(state.refresh) | set(state.used_refresh)
    with federation.lock:
        for creds in federation.creds.values():
            found |= {creds.secret, creds.token}
        found |= set(federation.signin_tokens)
    return found


def _forms(secret: str) -> set[str]:
    """The secret as it could appear: raw, URL-encoded, or cut short at either end."""
    return {secret, quote(secret, safe=""), quote_plus(secret), secret[:24], secret[-24:]}


def leaks(text: str, secrets: set[str]) -> list[str]:
    """The secrets found in ``text``, abbreviated so that a failure does not print them."""
    return sorted(s[:6] + "…" for s in secrets if any(form in text for form in _forms(s)))


def assert_no_secrets(where: str, text: str, secrets: set[str]) -> None:
    found = leaks(text, secrets)
    assert not found, f"{where} shows {len(found)} secret(s): {found}"


@pytest.fixture
def logged_in(emulator, sso_session):
    emulator.approve_after = 0.2
    ssotui("login", "--no-browser")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


# -- the token cache on disk ---------------------------------------------------------------------


def test_token_cache_is_private_and_a_loose_one_is_tightened_with_one_warning(
    logged_in, emulator, sso_session
):
    cache = TokenCache(sso_session)
    assert mode(cache.token_path) == 0o600
    assert mode(cache.registration_path) == 0o600
    assert mode(cache.directory) == 0o700

    # Another tool (or a restore from backup) left the file readable, in the AWS CLI's 0755
    # directory: the file is tightened, the directory (it shows names, not tokens) is kept.
    cache.token_path.chmod(0o644)
    cache.directory.chmod(0o755)
    proc = ssotui("list")
    [warning] = warnings(proc.stderr)
    assert str(cache.token_path) in warning
    assert "0644 -> 0600" in warning and "other users" in warning
    assert "0755" not in warning
    assert mode(cache.token_path) == 0o600
    assert mode(cache.directory) == 0o755
    assert proc.stdout.strip()  # the command itself went on as usual
    assert warnings(ssotui("list").stderr) == []  # once tightened, no more warnings

    # The client registration (it holds the client secret) is tightened the same way.
    cache.registration_path.chmod(0o640)
    proc = ssotui("login", "--force", "--no-browser")
    [warning] = warnings(proc.stderr)
    assert str(cache.registration_path) in warning and "0640" in warning
    assert mode(cache.registration_path) == 0o600
    assert_no_secrets("the warnings", proc.stderr, issued_secrets(emulator))


def test_the_inventory_cache_holds_no_tokens(logged_in, emulator):
    account = emulator.org.accounts[0]
    ssotui("list", "--refresh")
    ssotui("credential-process", account.account_id, account.roles[0])
    ssotui("console", account.account_id, account.roles[0], "--print")
    files = [p for p in (paths.cache_dir() / "inventory").rglob("*") if p.is_file()]
    assert files, "no inventory cache was written"
    text = "\n".join(p.read_text(encoding="utf-8") for p in files)
    assert account.name in text  # it is the inventory...
    secrets = issued_secrets(emulator)
    assert secrets
    assert_no_secrets("the inventory cache", text, secrets)  # ...and nothing else
    for word in ("accessToken", "refreshToken", "clientSecret", "SecretAccessKey"):
        assert word.lower() not in text.lower()


# -- output and logs -----------------------------------------------------------------------------


def concurrently(runs: dict[str, tuple], env: dict | None = None) -> dict:
    """Run ``python -m ssotui ARGS`` for each entry at once; name -> CompletedProcess."""
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "ssotui", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        for name, args in runs.items()
    }
    done = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=60)
        done[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return done


@pytest.mark.slow  # a dozen CLI processes with debug logging
def test_debug_output_of_every_command_shows_no_secret(emulator, sso_session, tmp_path):
    """``--debug`` prints botocore's request and response logs; every one is redacted, on the
    happy paths and on the error paths (where --debug also prints the traceback)."""
    emulator.approve_after = 0.2
    account = emulator.org.accounts[1]
    target = (account.account_id, account.roles[0])
    other = emulator.org.accounts[2]
    uncached = (other.account_id, other.roles[0])
    record = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> {record}\n')
    browser.chmod(0o755)

    runs: dict[str, subprocess.CompletedProcess] = {}
    runs["login"] = ssotui("--debug", "login", "--no-browser")
    runs |= concurrently(
        {
            "list": ("--debug", "list", "--refresh"),
            "console --print": ("--debug", "console", *target, "--print"),
            "exec": ("--debug", "exec", *target, "--", sys.executable, "-c", "pass"),
            "credential-process": ("--debug", "credential-process", *target),
            "env": ("--debug", "env", *target),
            "console": ("--debug", "console", *target),  # opens the (recording) browser
        },
        env={"BROWSER": str(browser)},
    )
    emulator.expire_access_tokens()
    runs["list after expiry"] = ssotui("--debug", "list", "--refresh")  # refreshed silently
    emulator.end_sessions()
    runs |= concurrently(
        {
            "list after the session ended": ("--debug", "list", "--refresh"),
            # A role with no cached credentials: the session's end shows (a cached one would
            # still be handed out, as credential-process does, while 15 minutes are left).
            "console after the session ended": ("--debug", "console", *uncached, "--print"),
        }
    )
    runs["logout"] = ssotui("--debug", "logout")
    for name, proc in runs.items():
        assert (proc.returncode == 0) == ("ended" not in name), f"{name}: {proc.stderr[-500:]}"

    secrets = issued_secrets(emulator)
    kinds = {s[:3] for s in secrets}
    assert {"aoa", "aor"} <= kinds  # access and refresh tokens were issued (and more)
    # The six concurrent role commands share one GetRoleCredentials (one fetch per role).
    assert len(emulator.federation.creds) == 1 and emulator.federation.signin_tokens
    for name, proc in runs.items():
        assert "DEBUG" in proc.stderr, name  # the debug logs really ran
        assert_no_secrets(f"`ssotui --debug {name}` stderr", proc.stderr, secrets)
    assert runs["list after the session ended"].returncode != 0
    assert "Traceback" in runs["list after the session ended"].stderr
    assert "***" in runs["login"].stderr  # botocore logged the CreateToken answer, masked

    # stdout carries only what was asked for.
    for name in ("login", "exec", "console", "logout", "list after expiry"):
        if name != "list after expiry":
            assert runs[name].stdout.strip() == "", name
    [url] = runs["console --print"].stdout.split()
    assert "SigninToken=" in url
    assert_no_secrets("the console URL", url, secrets - {_signin_token(url)})
    # A console opened in the browser prints no URL and no sign-in token anywhere.
    opened = record.read_text()
    assert "SigninToken=" in opened
    assert "SigninToken" not in runs["console"].stdout + runs["console"].stderr.replace(
        "SigninToken=***", ""
    )


def _signin_token(url: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    [token] = parse_qs(urlsplit(url).query)["SigninToken"]
    return token


def test_exception_text_shows_no_secret(logged_in, emulator, sso_session):
    """Errors raised after secrets were in play: their text and full traceback are clean."""
    from ssotui.core.auth import Authenticator
    from ssotui.core.console import signin_url
    from ssotui.core.credentials import CredentialBroker
    from ssotui.core.models import RoleCredentials

    auth = Authenticator(sso_session)
    account = emulator.org.accounts[0]
    broker = CredentialBroker(auth.access_token, sso_session.region)
    creds = broker.get(account.account_id, account.roles[0])
    errors: list[BaseException] = []

    def expect_error(call) -> None:
        try:
            call()
        except SsoError as exc:
            errors.append(exc)
        else:
            raise AssertionError(f"{call} did not fail")

    tampered = RoleCredentials(
        creds.account_id,
        creds.role_name,
        creds.access_key_id,
        creds.secret_access_key[::-1],
        creds.session_token,
        creds.expiration,
    )
    expect_error(lambda: signin_url(tampered, region="us-east-1"))
    expect_error(lambda: broker.get(account.account_id, "NoSuchRole"))
    emulator.end_sessions()
    expect_error(lambda: auth.token(force_refresh=True))
    expect_error(lambda: CredentialBroker(auth.access_token, "us-east-1").get("123", "x"))
    emulator.stop()
    expect_error(lambda: auth.token(force_refresh=True))

    secrets = issued_secrets(emulator)
    assert creds.secret_access_key in secrets and creds.session_token in secrets
    for exc in errors:
        text = str(exc) + repr(exc) + "".join(traceback.format_exception(exc))
        assert_no_secrets(f"{type(exc).__name__}: {exc}", text, secrets)


# -- spawned processes ---------------------------------------------------------------------------

# Runs the CLI with an audit hook that records the command line of every process it starts
# (subprocess, exec*, posix_spawn, system), whatever library starts it.
AUDITED = textwrap.dedent(
    """
    import json, os, sys

    log = open(sys.argv[1], "a", encoding="utf-8")

    def hook(event, args):
        argv = None
        if event == "subprocess.Popen":
            argv = args[1]
        elif event in ("os.exec", "os.posix_spawn", "os.spawn"):
            argv = args[1]
        elif event == "os.system":
            argv = args[0]
        if argv is None:
            return
        if isinstance(argv, (str, bytes)):
            argv = [argv]
        log.write(json.dumps([os.fsdecode(a) for a in argv]) + "\\n")
        log.flush()

    sys.addaudithook(hook)
    from ssotui.cli import main
    raise SystemExit(main(sys.argv[2:]))
    """
)


def audited(log: Path, *commands: tuple[str, ...], env: dict | None = None) -> list:
    """Run each ``ssotui`` command line under the audit hook, all at once."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", AUDITED, str(log), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        )
        for args in commands
    ]
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


@pytest.mark.slow  # six CLI processes
def test_credentials_never_reach_a_command_line(logged_in, emulator, tmp_path):
    account = emulator.org.accounts[2]
    target = (account.account_id, account.roles[0])
    log = tmp_path / "argv.jsonl"
    seen = tmp_path / "child-env.json"
    # The "shell" and the "command" record the environment they were given.
    child = tmp_path / "child.py"
    child.write_text(
        "import json, os, sys\n"
        f"open({str(seen)!r}, 'a').write(json.dumps(dict(os.environ)) + '\\n')\n"
    )
    shell = tmp_path / "shell.sh"
    shell.write_text(f'#!/bin/sh\nexec {sys.executable} {child} "$@"\n')
    shell.chmod(0o755)
    browser = tmp_path / "browser.sh"
    browser.write_text("#!/bin/sh\nexit 0\n")
    browser.chmod(0o755)

    *_, console = audited(
        log,
        ("exec", *target, "--", sys.executable, str(child), "--flag"),
        ("shell", *target, "--shell", str(shell)),
        ("shell", *target, "--shell", str(shell), "--refreshing"),
        ("env", *target),
        ("credential-process", *target),
        ("console", *target),
        env={"BROWSER": str(browser)},
    )
    assert console.stdout == "" and "SigninToken" not in console.stderr

    launched = [json.loads(line) for line in log.read_text().splitlines()]
    envs = [json.loads(line) for line in seen.read_text().splitlines()]
    secrets = issued_secrets(emulator)
    # The children got the credentials, through their environment.
    static = [e for e in envs if "AWS_SECRET_ACCESS_KEY" in e]
    refreshing = [e for e in envs if "AWS_CONTAINER_CREDENTIALS_FULL_URI" in e]
    assert len(static) == 2 and len(refreshing) == 1 and len(envs) == 3
    for env in static:
        assert env["AWS_SECRET_ACCESS_KEY"] in secrets and env["AWS_SESSION_TOKEN"] in secrets
    # Not one command line carries a secret — except the console sign-in URL handed to the
    # browser, which is what opening the console means; it holds only its sign-in token.
    assert [sys.executable, str(child), "--flag"] in launched
    browser_runs = [argv for argv in launched if any("SigninToken=" in a for a in argv)]
    assert len(browser_runs) == 1 and str(browser) in " ".join(browser_runs[0])
    [url] = [a for a in browser_runs[0] if "SigninToken=" in a]
    for argv in launched:
        text = "\0".join(argv)
        allowed = secrets - {_signin_token(url)} if argv in browser_runs else secrets
        assert_no_secrets(f"the command line {argv[0]}", text, allowed)


# -- the TUI -------------------------------------------------------------------------------------


async def test_tui_notifications_screens_and_children_show_no_secret(
    emulator, sso_session, tmp_path
):
    from tui.conftest import Fakes, make_app, notifications, sign_in, wait_for
    from tui.test_picker import open_picker, select

    fakes = Fakes(picks_path=tmp_path / "picks.json")
    sign_in(emulator, sso_session)
    fakes.environ["TMUX"] = "/tmp/tmux-1000/default,1,0"
    app = make_app(sso_session, fakes)
    messages: list = []
    screens: list[str] = []
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        app.suspend = contextlib.nullcontext  # the headless driver cannot hand over a terminal
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "payments-prod", "SupportUser")

        async def act(key: str, done) -> None:
            count = len(notifications(messages))
            await pilot.press(key)
            await wait_for(pilot, done, what=f"the action of {key!r}")
            await wait_for(pilot, lambda: len(notifications(messages)) > count, what=key)
            await pilot.pause(0.1)
            screens.append(app.export_screenshot())

        await act("ctrl+o", lambda: fakes.opened)
        await act("ctrl+l", lambda: fakes.copied)
        await act("ctrl+y", lambda: len(fakes.copied) == 2)
        await act("ctrl+n", lambda: len(fakes.copied) == 3)
        await act("ctrl+t", lambda: fakes.tmux)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: fakes.processes, what="the subshell")
        await pilot.press("f6")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(fakes.processes) == 2, what="the refreshing subshell")
        await pilot.pause(0.2)
        screens.append(app.export_screenshot())
        emulator.stop()  # an error notification too
        emulator.expire_access_tokens()
        await pilot.press("ctrl+o")
        await pilot.pause(1.0)
        screens.append(app.export_screenshot())
        shown = notifications(messages)

    secrets = issued_secrets(emulator)
    # The actions did hand out secrets (so this test can see a leak)...
    assert any(s in fakes.opened[0] for s in secrets)
    assert any(s in fakes.copied[1] for s in secrets)
    tmux_env = fakes.tmux[0][2]
    assert tmux_env["AWS_SECRET_ACCESS_KEY"] in secrets
    assert fakes.processes[0][1]["AWS_SESSION_TOKEN"] in secrets
    # ...but no notification, no screen and no command line shows one.
    assert len(shown) >= 6
    for text in shown:
        assert_no_secrets(f"the notification {text[:40]!r}", text, secrets)
    for number, svg in enumerate(screens):
        assert_no_secrets(f"screen {number}", html.unescape(svg), secrets)
    for argv, _env in fakes.processes:
        assert_no_secrets(f"the subshell command line {argv}", "\0".join(argv), secrets)
    name, argv, _env = fakes.tmux[0]
    assert_no_secrets(f"the tmux window {name} {argv}", "\0".join([name, *argv]), secrets)


# -- snapshots and screenshots -------------------------------------------------------------------

SECRET_SHAPES = {
    "emulator access/refresh token": re.compile(r"\bao[ar][A-Za-z0-9_-]{20,}"),
    "sign-in token": re.compile(r"SigninToken[=:\"'\s]+(?!\*\*\*)[^&\s\"'<]{8,}"),
    "secret key or token value": re.compile(
        r"(?i)(aws_secret_access_key|aws_session_token|secretAccessKey|sessionToken|"
        r"clientSecret|refreshToken|accessToken|x-amz-sso_bearer_token)"
        r"[\"'\s]*[=:][\"'\s]*(?!\*\*\*)[A-Za-z0-9+/_-]{16,}"
    ),
    "long random string": re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{60,}"),
}


def svg_texts() -> dict[str, str]:
    """Every committed snapshot and screenshot SVG, as its raw markup plus its visible text."""
    found = sorted((REPO / "tests" / "tui" / "__snapshots__").rglob("*.svg"))
    found += sorted((REPO / "screenshots").glob("*.svg"))
    texts = {}
    for path in found:
        raw = path.read_text(encoding="utf-8")
        visible = html.unescape(re.sub(r"<[^>]+>", "", raw)).replace("\xa0", " ")
        texts[str(path.relative_to(REPO))] = raw + "\n" + visible
    return texts


def secret_shapes(text: str) -> list[str]:
    return [name for name, pattern in SECRET_SHAPES.items() if pattern.search(text)]


def test_snapshots_and_screenshots_hold_no_secret_shapes(emulator):
    texts = svg_texts()
    assert len(texts) >= 10
    assert any(name.startswith("screenshots/") for name in texts)
    for name, text in texts.items():
        assert secret_shapes(text) == [], name
    # The scan finds the emulator's secrets when they are there.
    minted = emulator.mint_token()
    creds = emulator.federation.issue_credentials(emulator.org.accounts[0].account_id, "Admin")
    for planted in (
        f"<text>{minted['accessToken']}</text>",
        f"<text>refreshToken:&#160;{minted['refreshToken']}</text>",
        f"aws_secret_access_key&#160;=&#160;{creds['secretAccessKey']}",
        f"AWS_SESSION_TOKEN={creds['sessionToken'][:80]}",
        f"https://signin.aws.amazon.com/federation?Action=login&SigninToken={'x' * 40}",
    ):
        text = planted + "\n" + html.unescape(re.sub(r"<[^>]+>", "", planted))
        assert secret_shapes(text), planted


def test_session_name_is_not_mistaken_for_a_secret():
    """Guard for the shapes above: ordinary screen text is not flagged."""
    ordinary = f"sso-session {SESSION_NAME} · payments-prod (123456789012) SupportUser"
    assert secret_shapes(ordinary) == []
