"""Fault suite, bad input: corrupt caches, a malformed AWS config, wrong names, a denied or
expired device code. Each gives one clear line (exit non-zero, no traceback) and destroys
nothing — above all, a token file another tool wrote never loses a key or its refresh token."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import START_URL, write_aws_config
from test_faults_expiry import (
    assert_one_line_error,
    row_count,
    save_org_inventory,
    ssotui,
    write_token_file,
)

from ssotui.core.config import load_config
from ssotui.core.inventory import InventoryCache
from ssotui.core.tokencache import TokenCache

pytestmark = pytest.mark.faults

# Keys the AWS CLI never writes, as another tool might add them: they must survive.
OTHER_TOOL_KEYS = {"receivedAt": "2026-01-01T00:00:00Z", "x-granted": {"profile": "dev"}}


def last_line(proc) -> str:
    assert "Traceback" not in proc.stderr
    return proc.stderr.strip().splitlines()[-1]


# -- corrupt caches ---------------------------------------------------------------------------

TRUNCATED = '{"startUrl": "https://d-9067000000.awsapps.com/start", "region": "us-ea'


@pytest.mark.parametrize(
    "content",
    [TRUNCATED, "\x00\x01 not json at all", '["a", "list"]', '{"accessToken": 42}', ""],
    ids=["truncated", "garbage", "not-an-object", "wrong-types", "empty"],
)
@pytest.mark.parametrize("command", ["list", "credential-process"])
def test_a_corrupt_token_file_is_one_line_and_left_as_it_was(
    emulator, sso_session, content, command
):
    path = TokenCache(sso_session).token_path
    path.parent.mkdir(parents=True, mode=0o700)
    path.write_text(content)
    os.chmod(path, 0o600)
    account = emulator.org.accounts[0]
    args = ["list"] if command == "list" else [command, account.account_id, account.roles[0]]
    proc = ssotui(*args)
    assert_one_line_error(proc, str(path), "unreadable", "ssotui login")
    assert proc.stdout == ""
    assert path.read_text() == content


def test_a_corrupt_registration_cache_is_replaced_by_a_new_registration(emulator, sso_session):
    cache = TokenCache(sso_session)
    cache.registration_path.parent.mkdir(parents=True, mode=0o700)
    cache.registration_path.write_text('{"clientId": "abc", "clientSecret": ')
    emulator.approve_after = 0.2
    proc = ssotui("login", "--no-browser")
    assert proc.returncode == 0, proc.stderr
    registration = cache.load_registration()
    assert registration is not None and registration.client_id != "abc"
    assert cache.load_token() is not None
    assert ssotui("list").returncode == 0


def test_a_corrupt_inventory_cache_is_ignored_and_rebuilt(emulator, sso_session):
    write_token_file(emulator, sso_session)
    path = InventoryCache().path_for(sso_session)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"version": 1, "accounts": [{"accountId": ')
    account = emulator.org.accounts[0]
    proc = ssotui("console", account.name, account.roles[0], "--print")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(emulator.base_url)
    assert "Traceback" not in proc.stderr
    rows = json.loads(ssotui("list", "--json").stdout)
    assert len(rows) == row_count(emulator)
    assert InventoryCache().load(sso_session) is not None


# -- the AWS config ---------------------------------------------------------------------------

GOOD = f"[sso-session test]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"


@pytest.mark.parametrize(
    "text, fragment",
    [
        (GOOD.replace("[sso-session test]", "[sso-session test"), "the AWS config is malformed"),
        (GOOD + "this line is not a key = value pair\n[broken", "the AWS config is malformed"),
        (GOOD + "\n" + GOOD, "the AWS config is malformed"),
        (GOOD.replace("https://", "http://"), "must be an https:// URL"),
        (GOOD.replace("us-east-1", "us-east"), "is not an AWS region"),
        (GOOD.replace("us-east-1", "moon-base-one"), "is not an AWS region"),
    ],
    ids=["section-header", "junk-line", "duplicate-section", "http-url", "region", "region-2"],
)
@pytest.mark.parametrize("command", ["picker", "list", "credential-process"])
def test_a_bad_aws_config_is_one_line_and_untouched(emulator, text, fragment, command):
    path = write_aws_config(text)
    account = emulator.org.accounts[0]
    args = {
        "picker": [],
        "list": ["list"],
        "credential-process": ["credential-process", account.account_id, account.roles[0]],
    }[command]
    proc = ssotui(*args, timeout=30)
    line = assert_one_line_error(proc, str(path), fragment)
    assert proc.returncode == 2, line
    assert proc.stdout == ""
    assert path.read_text() == text


def test_an_unreadable_config_file_is_one_line(emulator):
    path = write_aws_config("")
    path.write_bytes(b"\xff\xfe[sso-session t\x00\x81]\n")
    assert_one_line_error(ssotui("list"), str(path), "cannot read the AWS config")


@pytest.mark.parametrize("command", ["login", "list", "credential-process", "picker"])
def test_an_unknown_sso_session_names_the_configured_ones(sso_session, emulator, command):
    account = emulator.org.accounts[0]
    args = {
        "login": ["login", "--no-browser"],
        "list": ["list"],
        "credential-process": ["credential-process", account.account_id, account.roles[0]],
        "picker": [],
    }[command]
    proc = ssotui(*args, "--sso-session", "nope", timeout=30)
    assert_one_line_error(proc, "no [sso-session nope]", "configured: test")


@pytest.mark.parametrize(
    "flags, fragment",
    [
        (["--start-url", "http://d-1.awsapps.com/start", "--sso-region", "us-east-1"], "https://"),
        (["--start-url", "d-1.awsapps.com/start", "--sso-region", "us-east-1"], "https://"),
        (["--start-url", START_URL, "--sso-region", "mars"], "'mars' is not an AWS region"),
        (["--start-url", START_URL, "--sso-region", "US-EAST-1"], "is not an AWS region"),
    ],
)
def test_bad_session_flags_are_one_line(emulator, flags, fragment):
    assert_one_line_error(ssotui("login", "--no-browser", *flags), fragment)


# -- unknown account or role ------------------------------------------------------------------


@pytest.fixture
def signed_in(emulator, sso_session):
    write_token_file(emulator, sso_session)
    save_org_inventory(emulator, sso_session)
    return emulator.org.accounts[0]


@pytest.mark.parametrize("command", ["console", "exec", "credential-process"])
@pytest.mark.parametrize(
    "which, fragment",
    [
        ("account name", "no account named 'no-such-account'"),
        ("account id", "is not assigned to you"),
        ("role", "no role 'NoSuchRole'"),
    ],
)
def test_an_unknown_account_or_role_is_one_line(signed_in, emulator, command, which, fragment):
    account = signed_in
    target = {
        "account name": ("no-such-account", account.roles[0]),
        "account id": ("999999999999", account.roles[0]),
        "role": (account.name, "NoSuchRole"),
    }[which]
    if command == "credential-process" and which == "role":
        target = (account.account_id, "NoSuchRole")  # by id: the portal is the judge
        fragment = "the role NoSuchRole is not assigned to you"
    extra = {
        "console": ["--print"],
        "exec": ["--", "/bin/echo", "ran"],
        "credential-process": [],
    }[command]
    proc = ssotui(command, *target, *extra)
    assert_one_line_error(proc, fragment)
    assert proc.stdout == ""


# -- device code denied or expired; a token file from another tool --------------------------


def other_tools_token(emulator, sso_session, *, ended: bool = False) -> Path:
    """A token file as the AWS CLI wrote it, with a refresh token and keys of other tools,
    and the registration beside it (so that a login here reuses the same client)."""
    path = write_token_file(emulator, sso_session, **OTHER_TOOL_KEYS)
    data = json.loads(path.read_text())
    assert data["refreshToken"]
    if ended:
        # Expired, and its session over: `login` (not --force, which ends the session and
        # deletes the file on purpose) has to log in again.
        data["expiresAt"] = "2020-01-01T00:00:00Z"
        path.write_text(json.dumps(data))
        emulator.end_sessions()
    registration = TokenCache(sso_session).registration_path
    registration.write_text(
        json.dumps(
            {
                "clientId": data["clientId"],
                "clientSecret": data["clientSecret"],
                "expiresAt": data["registrationExpiresAt"],
            }
        )
    )
    return path


@pytest.mark.parametrize("how", ["denied", "expired"])
def test_a_failed_login_leaves_the_token_file_byte_for_byte(emulator, sso_session, how):
    path = other_tools_token(emulator, sso_session, ended=True)
    before = path.read_bytes()
    if how == "denied":
        emulator.deny_all = True
    else:
        emulator.state.device_ttl = 1.0
    proc = ssotui("login", "--no-browser", timeout=30)
    assert proc.returncode != 0
    line = last_line(proc)
    assert line.startswith("ssotui: ")
    assert ("denied" if how == "denied" else "expired before it was approved") in line
    assert path.read_bytes() == before
    assert load_config().sessions["test"]  # the config is untouched too


def test_a_login_answer_without_a_refresh_token_keeps_the_old_one_and_other_keys(
    emulator, sso_session
):
    path = other_tools_token(emulator, sso_session, ended=True)
    before = json.loads(path.read_text())
    emulator.refresh_tokens = False  # the new answer has an access token only
    emulator.approve_after = 0.2
    proc = ssotui("login", "--no-browser", timeout=30)
    assert proc.returncode == 0, proc.stderr
    after = json.loads(path.read_text())
    assert after["accessToken"] != before["accessToken"]
    assert after["clientId"] == before["clientId"]
    assert after["refreshToken"] == before["refreshToken"]
    for key, value in OTHER_TOOL_KEYS.items():
        assert after[key] == value
    assert set(after) == set(before)


def test_a_refresh_answer_without_a_refresh_token_keeps_everything_else(emulator, sso_session):
    path = other_tools_token(emulator, sso_session)
    before = json.loads(path.read_text())
    emulator.refresh_tokens = False  # the refresh answers with an access token only
    emulator.expire_access_tokens()
    proc = ssotui("list", "--json", "--refresh")
    assert proc.returncode == 0, proc.stderr
    after = json.loads(path.read_text())
    assert after["accessToken"] != before["accessToken"]
    changed = {"accessToken", "expiresAt"}
    assert {k: v for k, v in after.items() if k not in changed} == {
        k: v for k, v in before.items() if k not in changed
    }
    assert list(after) == list(before)  # same keys, the AWS CLI's order, others after
