# ruff: noqa: F811 - the cli fixture comes from test_cli
"""Issue 16 §3 (CLI part): every configured session in one list, loaded in parallel; one
session that needs a login is reported in one line and hides nothing of the others."""

from __future__ import annotations

import json

from conftest import START_URL, write_aws_config
from helpers import sign_in
from test_cli import cli  # noqa: F401 - fixture

from ssotui.core.config import load_config


def two_sessions():
    write_aws_config(
        f"[sso-session work]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n\n"
        "[sso-session client]\nsso_start_url = https://d-1111111111.awsapps.com/start\n"
        "sso_region = us-east-1\n"
    )
    sessions = load_config().sessions
    return sessions["work"], sessions["client"]


def test_both_sessions_in_one_list_each_row_tagged(emulator, cli):
    work, other = two_sessions()
    sign_in(emulator, work)
    sign_in(emulator, other)
    rows = json.loads(cli("list", "--all-sessions", "--json").out)
    expected = sum(len(a.roles) for a in emulator.org.accounts)
    assert len(rows) == 2 * expected
    assert {r["session"] for r in rows} == {"work", "client"}
    assert emulator.stats.calls["ListAccounts"] == 2  # one listing per session
    text = cli("list", "--all-sessions").out.splitlines()
    assert text[0].startswith("work  ") or text[0].startswith("client")


def test_an_expired_session_is_one_line_and_the_other_is_listed(emulator, cli):
    work, _other = two_sessions()
    sign_in(emulator, work)  # "client" never logged in
    result = cli("list", "--all-sessions", "--json", check=False)
    assert result.code == 3
    rows = json.loads(result.out)
    assert rows and {r["session"] for r in rows} == {"work"}
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ssotui: session client: ")
    assert "ssotui login --sso-session client" in lines[0]


def test_a_legacy_session_that_needs_a_login_gets_a_command_that_works(emulator, cli):
    write_aws_config(
        f"[sso-session work]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n\n"
        "[profile old]\nsso_start_url = https://d-2222222222.awsapps.com/start\n"
        "sso_region = eu-west-1\nsso_account_id = 123456789012\nsso_role_name = R\n"
    )
    sign_in(emulator, load_config().sessions["work"])
    result = cli("list", "--all-sessions", check=False)
    assert result.code == 3
    assert (
        "run `ssotui login --start-url https://d-2222222222.awsapps.com/start "
        "--sso-region eu-west-1`" in result.err
    )
