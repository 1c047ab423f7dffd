"""The CLI as a user runs it: a real `python -m ssotui` process against the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

import pytest
from conftest import SESSION_NAME
from helpers import assert_one_line_error, run_ssotui


def ssotui(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
    proc = run_ssotui(*args, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"ssotui {' '.join(args)} -> {proc.returncode}\n{proc.stderr}")
    return proc


@pytest.fixture
def logged_in(emulator, sso_session):
    emulator.approve_after = 0.2
    proc = ssotui("login", "--no-browser")
    return proc


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


def test_login_shows_the_code_on_its_own_line_and_writes_the_shared_cache(
    logged_in, emulator, home
):
    err = logged_in.stderr.splitlines()
    codes = [line for line in err if len(line) == 9 and line[4] == "-"]
    assert len(codes) == 1, logged_in.stderr
    assert any(f"/device?user_code={codes[0]}" in line for line in err)
    assert "Logged in to test" in logged_in.stderr
    cache = home / ".aws" / "sso" / "cache"
    # sha1("test"): the AWS CLI's file name for [sso-session test]
    token_file = cache / "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3.json"
    data = json.loads(token_file.read_text())
    assert list(data)[:4] == ["startUrl", "region", "accessToken", "expiresAt"]
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"
    assert oct(cache.stat().st_mode & 0o777) == "0o700"
    again = ssotui("login", "--no-browser")
    assert "Already logged in" in again.stderr


def test_list_json_lists_every_assignment(logged_in, emulator):
    rows = json.loads(ssotui("list", "--json").stdout)
    assert rows == expected_rows(emulator)
    # the second run answers from the cache without touching the portal
    calls = emulator.stats.calls["ListAccounts"]
    assert json.loads(ssotui("list", "--json").stdout) == rows
    assert emulator.stats.calls["ListAccounts"] == calls
    ssotui("list", "--refresh")
    assert emulator.stats.calls["ListAccounts"] > calls


def test_boto3_profile_shares_the_login(logged_in, emulator):
    import boto3

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


def test_console_print_gives_a_url_the_federation_endpoint_accepts(logged_in, emulator):
    account = emulator.org.accounts[1]
    url = ssotui("console", account.account_id, account.roles[0], "--print").stdout.strip()
    assert url.startswith(emulator.base_url + "/federation?Action=login&")
    with urllib.request.urlopen(url) as response:
        assert response.status == 200
        assert account.name in response.read().decode()
    by_name = ssotui(
        "console", account.name, account.roles[0], "--print", "--destination", "s3"
    ).stdout
    assert "s3%2Fhome" in by_name or "s3/home" in by_name


def test_console_portal_link_needs_no_credentials(logged_in, emulator):
    account = emulator.org.accounts[2]
    calls = emulator.stats.calls["GetRoleCredentials"]
    url = ssotui(
        "console", account.account_id, account.roles[0], "--print", "--portal-link"
    ).stdout.strip()
    assert url.startswith("https://d-9067000000.awsapps.com/start/#/console?account_id=")
    assert f"role_name={account.roles[0]}" in url
    assert emulator.stats.calls["GetRoleCredentials"] == calls


def test_console_opens_the_browser_without_printing_the_url(logged_in, emulator, tmp_path):
    record = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {record}\n')
    browser.chmod(0o755)
    account = emulator.org.accounts[0]
    os.environ["BROWSER"] = str(browser)
    try:
        proc = ssotui("console", account.account_id, account.roles[0])
    finally:
        del os.environ["BROWSER"]
    opened = record.read_text()
    assert "SigninToken=" in opened
    assert "SigninToken" not in proc.stdout + proc.stderr
    assert "Opened the console" in proc.stderr


def test_exec_env_shows_the_role_credentials(logged_in, emulator):
    account = emulator.org.accounts[3]
    os.environ["AWS_PROFILE"] = "should-be-removed"
    try:
        out = ssotui(
            "exec", account.account_id, account.roles[0], "--region", "eu-west-1", "--", "env"
        ).stdout
    finally:
        del os.environ["AWS_PROFILE"]
    env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIAEMU")
    assert env["AWS_SECRET_ACCESS_KEY"] and env["AWS_SESSION_TOKEN"]
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["AWS_CREDENTIAL_EXPIRATION"].endswith("Z")
    assert env["SSOTUI_ACCOUNT_ID"] == account.account_id
    assert env["SSOTUI_ACCOUNT_NAME"] == account.name
    assert env["SSOTUI_ROLE_NAME"] == account.roles[0]
    assert "AWS_PROFILE" not in env


def test_exec_propagates_the_exit_code(logged_in, emulator):
    account = emulator.org.accounts[0]
    proc = ssotui(
        "exec",
        account.account_id,
        account.roles[0],
        "--",
        sys.executable,
        "-c",
        "raise SystemExit(7)",
        check=False,
    )
    assert proc.returncode == 7


def test_env_and_credential_process_formats(logged_in, emulator):
    account = emulator.org.accounts[0]
    data = json.loads(ssotui("credential-process", account.account_id, account.roles[0]).stdout)
    assert data["Version"] == 1
    assert data["AccessKeyId"].startswith("ASIAEMU") and data["Expiration"].endswith("Z")
    script = ssotui("env", account.account_id, account.roles[0]).stdout
    out = subprocess.run(
        ["sh", "-c", script + '\nprintf "%s" "$AWS_ACCESS_KEY_ID"'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith("ASIAEMU")


def test_errors_are_one_line_without_traceback(logged_in, emulator):
    account = emulator.org.accounts[0]
    assert_one_line_error(
        ssotui("console", "no-such-account", "Admin", check=False),
        "no account named 'no-such-account'",
    )
    assert_one_line_error(
        ssotui("shell", account.account_id, "NoSuchRole", check=False),
        "no role 'NoSuchRole'",
        "you have: ",
    )
    assert_one_line_error(
        ssotui("list", "--sso-session", "nope", check=False), "no [sso-session nope]"
    )


def test_not_logged_in_says_how_to_log_in(emulator, sso_session):
    assert_one_line_error(ssotui("list", check=False), "ssotui login")


def test_session_expiry_is_refreshed_silently(logged_in, emulator):
    emulator.expire_access_tokens()
    rows = json.loads(ssotui("list", "--json", "--refresh").stdout)
    assert rows == expected_rows(emulator)


def test_session_end_says_expired(logged_in, emulator):
    emulator.end_sessions()
    assert_one_line_error(ssotui("list", "--refresh", check=False), "expired", "ssotui login")


def test_logout_deletes_only_our_token(logged_in, emulator, home):
    cache = home / ".aws" / "sso" / "cache"
    other = cache / "0000000000000000000000000000000000000000.json"
    other.write_text('{"accessToken": "other-tool", "expiresAt": "2099-01-01T00:00:00Z"}')
    proc = ssotui("logout")
    assert "Logged out of test" in proc.stderr
    assert not (cache / "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3.json").exists()
    assert other.exists()
    assert_one_line_error(ssotui("list", "--refresh", check=False), "ssotui login")


@pytest.mark.parametrize(
    "command",
    ["login", "logout", "list", "console", "shell", "exec", "env", "credential-process", "demo"],
)
def test_every_command_has_help(command):
    proc = ssotui(command, "--help")
    assert proc.stdout.startswith(f"usage: ssotui {command}")
    assert "--sso-session" in proc.stdout


def test_start_url_flags_work_without_config(emulator):
    emulator.approve_after = 0.2
    ssotui(
        "login",
        "--no-browser",
        "--start-url",
        "https://d-9067000000.awsapps.com/start",
        "--region",
        "us-east-1",
    )
    rows = json.loads(
        ssotui(
            "list",
            "--json",
            "--start-url",
            "https://d-9067000000.awsapps.com/start",
            "--region",
            "us-east-1",
        ).stdout
    )
    assert rows == expected_rows(emulator)


@pytest.mark.parametrize("command", ["profiles", "completion"])
def test_new_commands_have_help(command):
    proc = ssotui(command, "--help")
    assert proc.stdout.startswith(f"usage: ssotui {command}")


def test_console_container_link_is_named_after_account_and_role(logged_in, emulator):
    from urllib.parse import parse_qs, quote

    account = emulator.org.accounts[1]
    role = account.roles[0]
    url = ssotui("console", account.account_id, role, "--print", "--container").stdout.strip()
    assert url.startswith("ext+granted-containers:name=" + quote(f"{account.name}/{role}", safe=""))
    fields = parse_qs(url.split(":", 1)[1])
    assert fields["name"] == [f"{account.name}/{role}"]
    assert fields["url"][0].startswith(emulator.base_url + "/federation?Action=login&")
    portal = ssotui(
        "console", account.account_id, role, "--print", "--container", "--portal-link"
    ).stdout
    assert "awsapps.com" in parse_qs(portal.strip().split(":", 1)[1])["url"][0]
