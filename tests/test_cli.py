"""The CLI against the emulator. Most tests call ``main(argv)`` in this process and read what
it wrote (capfd: the children of ``exec`` write to the same descriptors); a few run a real
``python -m ssotui`` process for what only a process shows: pipes, signals, the version and the
device login end to end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import SESSION_NAME, START_URL
from helpers import run_ssotui, sign_in

from ssotui import __version__
from ssotui.cli import main
from ssotui.core.inventory import InventoryCache

ROOT = Path(__file__).resolve().parents[1]


def ssotui(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
    """``ssotui ARGS`` as a real process (other test modules use it too)."""
    proc = run_ssotui(*args, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"ssotui {' '.join(args)} -> {proc.returncode}\n{proc.stderr}")
    return proc


@dataclass
class Result:
    code: int
    out: str
    err: str

    def one_line_error(self, *fragments: str) -> str:
        """The command failed with one ``ssotui: …`` line holding every fragment."""
        assert self.code != 0, self.err
        assert "Traceback" not in self.err
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, self.err
        assert lines[0].startswith("ssotui: "), lines[0]
        for fragment in fragments:
            assert fragment in lines[0], lines[0]
        return lines[0]


@pytest.fixture
def cli(capfd):
    """``cli(*args)``: ``main(args)`` in this process, with its exit status and output."""
    capfd.readouterr()

    def run(*args: str, check: bool = True) -> Result:
        code = main(list(args))
        captured = capfd.readouterr()
        result = Result(code, captured.out, captured.err)
        if check and code != 0:
            raise AssertionError(f"ssotui {' '.join(args)} -> {code}\n{result.err}")
        return result

    return run


@pytest.fixture
def logged_in(emulator, sso_session):
    """A valid login in the shared token cache (as the device flow leaves it)."""
    return sign_in(emulator, sso_session)


def expected_rows(emulator) -> list[dict]:
    rows = [
        {
            "accountId": a.account_id,
            "accountName": a.name,
            "emailAddress": a.email,
            "roleName": role,
        }
        for a in emulator.org.accounts
        for role in a.roles
    ]
    return sorted(rows, key=lambda r: (r["accountName"].lower(), r["roleName"]))


# -- login, list, logout -------------------------------------------------------------------------


def test_login_shows_the_code_on_its_own_line_and_writes_the_shared_cache(
    emulator, sso_session, home
):
    """A real process, end to end: the device flow, approved on the emulator's page."""
    emulator.approve_after = 0.2
    logged = ssotui("login", "--no-browser")
    err = logged.stderr.splitlines()
    codes = [line for line in err if len(line) == 9 and line[4] == "-"]
    assert len(codes) == 1, logged.stderr
    assert any(f"/device?user_code={codes[0]}" in line for line in err)
    assert "Logged in to test" in logged.stderr
    cache = home / ".aws" / "sso" / "cache"
    # sha1("test"): the AWS CLI's file name for [sso-session test]
    token_file = cache / "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3.json"
    data = json.loads(token_file.read_text())
    assert list(data)[:4] == ["startUrl", "region", "accessToken", "expiresAt"]
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"
    assert oct(cache.stat().st_mode & 0o777) == "0o700"
    again = ssotui("login", "--no-browser")
    assert "Already logged in" in again.stderr


def test_boto3_profile_shares_the_login(emulator, sso_session, cli):
    import boto3

    emulator.approve_after = 0.2
    cli("login", "--no-browser")
    account = emulator.org.accounts[0]
    config = os.environ["AWS_CONFIG_FILE"]
    with open(config, "a") as handle:
        handle.write(
            f"\n[profile dev]\nsso_session = {SESSION_NAME}\n"
            f"sso_account_id = {account.account_id}\nsso_role_name = {account.roles[0]}\n"
        )
    registrations = emulator.stats.calls["RegisterClient"]
    creds = boto3.Session(profile_name="dev").get_credentials().get_frozen_credentials()
    assert creds.access_key.startswith("ASIAEMU")
    assert emulator.stats.calls["RegisterClient"] == registrations  # no second login


def test_list_json_lists_every_assignment(logged_in, emulator, cli):
    rows = json.loads(cli("list", "--json").out)
    assert rows == expected_rows(emulator)
    # the second run answers from the cache without touching the portal
    calls = emulator.stats.calls["ListAccounts"]
    assert json.loads(cli("list", "--json").out) == rows
    assert emulator.stats.calls["ListAccounts"] == calls
    cli("list", "--refresh")
    assert emulator.stats.calls["ListAccounts"] > calls


def test_not_logged_in_says_how_to_log_in(emulator, sso_session, cli):
    cli("list", check=False).one_line_error("ssotui login")


def test_session_expiry_is_refreshed_silently(logged_in, emulator, cli):
    emulator.expire_access_tokens()
    rows = json.loads(cli("list", "--json", "--refresh").out)
    assert rows == expected_rows(emulator)


def test_session_end_says_expired(logged_in, emulator, cli):
    emulator.end_sessions()
    cli("list", "--refresh", check=False).one_line_error("expired", "ssotui login")


def test_logout_deletes_our_token_and_account_list_and_nothing_else(
    logged_in, emulator, sso_session, home, cli
):
    cache = home / ".aws" / "sso" / "cache"
    other = cache / "0000000000000000000000000000000000000000.json"
    other.write_text('{"accessToken": "other-tool", "expiresAt": "2099-01-01T00:00:00Z"}')
    cli("list")
    inventory = InventoryCache().path_for(sso_session)
    assert inventory.exists()
    assert "Logged out of test" in cli("logout").err
    assert not (cache / "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3.json").exists()
    assert not inventory.exists()  # the user's list of accounts is not left behind
    assert other.exists()
    cli("list", "--refresh", check=False).one_line_error("ssotui login")


def test_start_url_flags_work_without_config(emulator, cli):
    sign_in(emulator, ssotui_session_for(START_URL, "us-east-1"))
    rows = json.loads(
        cli("list", "--json", "--start-url", START_URL, "--sso-region", "us-east-1").out
    )
    assert rows == expected_rows(emulator)
    # --region, the old spelling of --sso-region where there is no workload region
    old = json.loads(cli("list", "--json", "--start-url", START_URL, "--region", "us-east-1").out)
    assert old == rows
    assert json.loads(cli("--start-url", START_URL, "--region", "us-east-1", "list", "--json").out)


def ssotui_session_for(start_url: str, region: str):
    from ssotui.core.models import SsoSession

    return SsoSession(name=None, start_url=start_url, region=region)


# -- console, exec, env, credential-process ------------------------------------------------------


def test_console_print_gives_a_url_the_federation_endpoint_accepts(logged_in, emulator, cli):
    account = emulator.org.accounts[1]
    url = cli("console", account.account_id, account.roles[0], "--print").out.strip()
    assert url.startswith(emulator.base_url + "/federation?Action=login&")
    with urllib.request.urlopen(url) as response:
        assert response.status == 200
        assert account.name in response.read().decode()
    by_name = cli("console", account.name, account.roles[0], "--print", "--destination", "s3").out
    assert "s3%2Fhome" in by_name or "s3/home" in by_name


def test_region_is_the_workload_region_and_sso_region_the_portals(emulator, cli):
    """On console, --region is where the console opens; the portal's region is --sso-region,
    and --region never stands in for it."""
    session = ssotui_session_for(START_URL, "us-east-1")
    sign_in(emulator, session)
    account = emulator.org.accounts[2]
    flags = ("--start-url", START_URL, "--sso-region", "us-east-1", "--print", "--portal-link")
    url = cli("console", account.account_id, account.roles[0], *flags, "--region", "eu-west-3")
    assert "eu-west-3" in url.out and "us-east-1" not in url.out
    alone = cli(
        "console",
        account.account_id,
        account.roles[0],
        "--start-url",
        START_URL,
        "--region",
        "eu-west-3",
        "--print",
        check=False,
    )
    alone.one_line_error("--start-url needs")


def test_help_gives_region_one_meaning():
    """--region is offered only where it is the workload region; elsewhere the SSO region is
    --sso-region (the old top-level `--region: same as --sso-region` is gone from the help)."""
    from ssotui.cli.parser import build_parser

    parser = build_parser()
    helps = {"": parser.format_help()}
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            helps.update({name: p.format_help() for name, p in action.choices.items()})
    for name, text in helps.items():
        if name in ("console", "shell", "exec", "env"):
            assert "--region R" in text and "region to work in" in text, name
        else:
            assert "--region" not in text, name
        assert "same as --sso-region" not in text


def test_console_portal_link_needs_no_credentials(logged_in, emulator, cli):
    account = emulator.org.accounts[2]
    calls = emulator.stats.calls["GetRoleCredentials"]
    url = cli(
        "console", account.account_id, account.roles[0], "--print", "--portal-link"
    ).out.strip()
    assert url.startswith("https://d-9067000000.awsapps.com/start/#/console?account_id=")
    assert f"role_name={account.roles[0]}" in url
    assert emulator.stats.calls["GetRoleCredentials"] == calls


def test_console_opens_the_browser_without_printing_the_url(
    logged_in, emulator, tmp_path, monkeypatch, cli
):
    record = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {record}\n')
    browser.chmod(0o755)
    account = emulator.org.accounts[0]
    monkeypatch.setenv("BROWSER", str(browser))
    result = cli("console", account.account_id, account.roles[0])
    opened = record.read_text()
    assert "SigninToken=" in opened
    assert "SigninToken" not in result.out + result.err
    assert "Opened the console" in result.err


def test_console_container_link_is_named_after_account_and_role(logged_in, emulator, cli):
    from urllib.parse import parse_qs, quote

    account = emulator.org.accounts[1]
    role = account.roles[0]
    url = cli("console", account.account_id, role, "--print", "--container").out.strip()
    assert url.startswith("ext+granted-containers:name=" + quote(f"{account.name}/{role}", safe=""))
    fields = parse_qs(url.split(":", 1)[1])
    assert fields["name"] == [f"{account.name}/{role}"]
    assert fields["url"][0].startswith(emulator.base_url + "/federation?Action=login&")
    portal = cli("console", account.account_id, role, "--print", "--container", "--portal-link").out
    assert "awsapps.com" in parse_qs(portal.strip().split(":", 1)[1])["url"][0]


def test_exec_env_shows_the_role_credentials(logged_in, emulator, monkeypatch, cli):
    account = emulator.org.accounts[3]
    monkeypatch.setenv("AWS_PROFILE", "should-be-removed")
    out = cli(
        "exec", account.account_id, account.roles[0], "--region", "eu-west-1", "--", "env"
    ).out
    env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIAEMU")
    assert env["AWS_SECRET_ACCESS_KEY"] and env["AWS_SESSION_TOKEN"]
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["AWS_CREDENTIAL_EXPIRATION"].endswith("Z")
    assert env["SSOTUI_ACCOUNT_ID"] == account.account_id
    assert env["SSOTUI_ACCOUNT_NAME"] == account.name
    assert env["SSOTUI_ROLE_NAME"] == account.roles[0]
    assert "AWS_PROFILE" not in env


def test_exec_returns_the_commands_status_as_a_shell_does(logged_in, emulator, tmp_path, cli):
    """The command's own status; 127 not found and 126 not runnable, each in one line;
    128 + N when signal N ended it."""
    account = emulator.org.accounts[0]
    target = (account.account_id, account.roles[0], "--")
    code = "raise SystemExit(7)"
    assert cli("exec", *target, sys.executable, "-c", code, check=False).code == 7
    missing = cli("exec", *target, "no-such-command-ssotui", "-x", check=False)
    assert missing.code == 127
    missing.one_line_error("cannot run no-such-command-ssotui: not found")
    plain = tmp_path / "not-executable"
    plain.write_text("echo hi\n")
    refused = cli("exec", *target, str(plain), check=False)
    assert refused.code == 126
    refused.one_line_error("not-executable: permission denied")
    killed = cli("exec", *target, "sh", "-c", "kill -TERM $$", check=False)
    assert killed.code == 128 + signal.SIGTERM
    assert killed.err == ""
    empty = cli("exec", *target, "", check=False)  # as `""` in a shell: not found
    assert empty.code == 127
    empty.one_line_error("cannot run '': not found")


def test_env_and_credential_process_formats(logged_in, emulator, cli):
    account = emulator.org.accounts[0]
    # a real process: what the SDKs run
    data = json.loads(ssotui("credential-process", account.account_id, account.roles[0]).stdout)
    assert data["Version"] == 1
    assert data["AccessKeyId"].startswith("ASIAEMU") and data["Expiration"].endswith("Z")
    script = cli("env", account.account_id, account.roles[0]).out
    out = subprocess.run(
        ["sh", "-c", script + '\nprintf "%s" "$AWS_ACCESS_KEY_ID"'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith("ASIAEMU")


def test_errors_are_one_line_without_traceback(logged_in, emulator, cli):
    account = emulator.org.accounts[0]
    cli("console", "no-such-account", "Admin", check=False).one_line_error(
        "no account named 'no-such-account'"
    )
    # by id, without a cached inventory: the portal judges the role (no ListAccountRoles)
    cli("shell", account.account_id, "NoSuchRole", check=False).one_line_error(
        "the role NoSuchRole is not assigned to you"
    )
    cli("list", "--sso-session", "nope", check=False).one_line_error("no [sso-session nope]")


# -- did you mean --------------------------------------------------------------------------------


def test_an_unknown_account_or_role_names_the_closest(logged_in, emulator, cli):
    cli("list")
    prod = next(a for a in emulator.org.accounts if a.name == "payments-prod")
    typo = cli("console", "paymnets-prod", "ReadOnlyAccess", "--print", check=False)
    assert typo.code == 1
    typo.one_line_error("no account named 'paymnets-prod'", "did you mean 'payments-prod'")
    role = cli("console", prod.name, "ReadOnlyAcess", "--print", check=False)
    role.one_line_error("you have: ", "did you mean 'ReadOnlyAccess'?")
    nothing_close = cli("console", "zzzzzz", "ReadOnlyAccess", check=False)
    assert "did you mean" not in nothing_close.one_line_error("no account named 'zzzzzz'")


def test_role_names_match_ignoring_case_when_unambiguous(logged_in, emulator, cli):
    cli("list")
    prod = next(a for a in emulator.org.accounts if a.name == "payments-prod")
    out = cli("exec", "PAYMENTS-PROD", "readonlyaccess", "--", "env").out
    assert "SSOTUI_ROLE_NAME=ReadOnlyAccess" in out.splitlines()
    # credential-process with an account id: the cached list spells the role for the portal
    data = json.loads(cli("credential-process", prod.account_id, "readonlyaccess").out)
    assert data["AccessKeyId"].startswith("ASIAEMU")


# -- help, version, pipes, signals ---------------------------------------------------------------

COMMANDS = ["login", "logout", "list", "console", "shell", "exec", "env", "credential-process"]


@pytest.mark.parametrize("command", [*COMMANDS, "profiles"])
def test_every_session_command_has_help_with_the_session_flags(command, cli):
    help_text = cli(command, "--help").out
    assert help_text.startswith(f"usage: ssotui {command}")
    assert "--sso-session" in help_text and "--sso-region" in help_text


@pytest.mark.parametrize("command", ["demo", "completion"])
def test_commands_without_a_session_offer_no_session_flags(command, cli):
    help_text = cli(command, "--help").out
    assert help_text.startswith(f"usage: ssotui {command}")
    for flag in ("--sso-session", "--start-url", "--sso-region", "--region"):
        assert flag not in help_text


def test_version_is_the_packages(cli):
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in pyproject["project"]["dynamic"]  # read from ssotui/__init__.py
    assert pyproject["tool"]["hatch"]["version"]["path"] == "ssotui/__init__.py"
    from importlib.metadata import version

    assert version("ssotui") == __version__
    assert cli("--version").out == f"ssotui {__version__}\n"
    proc = ssotui("--version")  # the real entry, as pipx and uv install it
    assert proc.stdout == f"ssotui {__version__}\n"


def into_a_closed_pipe(*args: str) -> subprocess.CompletedProcess:
    """``ssotui ARGS`` whose stdout is a pipe nobody reads (the reader has gone, as after
    ``| head -1``)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "ssotui", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env=dict(os.environ),
        )
    finally:
        os.close(write_end)


def test_a_reader_that_goes_away_ends_the_command_quietly_with_141(logged_in, emulator, cli):
    """`ssotui list | head -1`: no "unexpected error (BrokenPipeError)", no "Exception
    ignored" at exit: quiet, and 128 + SIGPIPE as the shell convention has it."""
    cli("list")  # cached: the process below only prints
    account = emulator.org.accounts[0]
    for args in (
        ("list",),
        ("list", "--json"),
        ("credential-process", account.account_id, account.roles[0]),
    ):
        proc = into_a_closed_pipe(*args)
        assert (proc.returncode, proc.stderr) == (141, ""), args


def test_ctrl_c_while_waiting_for_the_login_is_one_line_and_130(emulator, sso_session):
    proc = subprocess.Popen(
        [sys.executable, "-m", "ssotui", "login", "--no-browser"],
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
        # as in a terminal: SIGINT not ignored, whatever pytest was started with
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if line.startswith("Waiting for approval"):
            break
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    assert proc.wait(timeout=30) == 130
    assert rest == "ssotui: cancelled.\n", "".join(lines) + rest


def test_ctrl_c_before_the_command_runs_is_one_line_and_130(monkeypatch, cli):
    """Ctrl-C as the command starts (here: while its warning handler is installed) is not a
    traceback either."""
    from ssotui.core import tokencache

    def interrupted(handler):
        raise KeyboardInterrupt

    monkeypatch.setattr(tokencache, "set_warning_handler", interrupted)
    result = cli("list", check=False)
    assert result.code == 130
    assert result.err == "ssotui: cancelled.\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["env", "prod", "Admin", "--format", "fish", "--region", "eu-west-1"],
        ["exec", "123456789012", "ReadOnly", "--sso-session", "work"],
        ["console", "prod", "Admin", "--print", "--destination", "s3"],
        ["credential-process", "prod", "Admin", "--start-url", "https://x.awsapps.com/start"],
        ["list", "--json", "--refresh"],
        ["login", "--use-device-code", "--no-browser"],
        ["profiles", "--write", "--template", "{account_name}"],
        ["demo", "--accounts", "5"],
    ],
)
def test_the_one_command_parser_parses_as_the_whole_one(argv):
    """A known command's parser is built alone (faster start-up): it must read argv exactly
    as the parser of every command does."""
    from ssotui.cli.parser import COMMANDS, build_parser

    whole = build_parser()
    choices = next(a for a in whole._actions if a.dest == "command").choices
    assert sorted(choices) == sorted(COMMANDS)
    assert vars(build_parser(argv[0]).parse_args(argv)) == vars(whole.parse_args(argv))


def test_a_usage_error_is_one_line_naming_the_help(cli):
    """The README's promise of one line per error holds for argparse's usage errors too."""
    result = cli("console", "x", "y", "--print", "--copy", check=False)
    assert result.code == 2
    assert result.err.strip().splitlines() == [
        "ssotui console: argument --copy: not allowed with argument --print "
        "(see `ssotui console --help`)."
    ]
