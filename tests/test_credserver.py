"""The loopback container-credentials endpoint behind ``ssotui shell --refreshing``."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from conftest import SESSION_NAME

from ssotui.core.credentials import CredentialBroker
from ssotui.core.credserver import CredentialServer, refreshing_environment
from ssotui.core.errors import SessionExpired
from ssotui.core.models import Assignment, RoleCredentials

ASSIGNMENT = Assignment("111122223333", "Prod", "", "Admin")


def creds(key: str = "ASIAEMUONE") -> RoleCredentials:
    return RoleCredentials(
        account_id="111122223333",
        role_name="Admin",
        access_key_id=key,
        secret_access_key="secret",
        session_token="token",
        expiration=datetime(2030, 1, 1, tzinfo=UTC),
    )


def get(url: str, token: str | None):
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", token)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_serves_botocore_keys_only_with_the_token_on_the_random_path():
    with CredentialServer(lambda: creds()) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert len(server.url.rsplit("/", 1)[1]) >= 24 and len(server.token) >= 32
        status, body = get(server.url, server.token)
        assert status == 200
        assert body == {
            "AccessKeyId": "ASIAEMUONE",
            "SecretAccessKey": "secret",
            "Token": "token",
            "Expiration": "2030-01-01T00:00:00Z",
            "AccountId": "111122223333",
        }
        assert get(server.url, "wrong")[0] == 403
        assert get(server.url, None)[0] == 403
        base = server.url.rsplit("/", 1)[0]
        assert get(base + "/other", server.token)[0] == 404
        assert server.token not in repr(server) and server.path not in repr(server)
        url = server.url
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)


def test_fetch_errors_become_a_500_with_the_sentence():
    def fail():
        raise SessionExpired("your session has expired — run `ssotui login`.")

    with CredentialServer(fail) as server:
        status, body = get(server.url, server.token)
    assert status == 500
    assert body["Code"] == "SessionExpired" and "ssotui login" in body["Message"]


def test_refreshing_environment_has_no_static_keys():
    base = {
        "PATH": "/bin",
        "AWS_ACCESS_KEY_ID": "old",
        "AWS_SECRET_ACCESS_KEY": "old",
        "AWS_SESSION_TOKEN": "old",
        "AWS_SECURITY_TOKEN": "old",
        "AWS_CREDENTIAL_EXPIRATION": "old",
        "AWS_PROFILE": "p",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/x",
        "SSOTUI_EXPIRATION": "old",
    }
    with CredentialServer(lambda: creds()) as server:
        env = refreshing_environment(
            server, ASSIGNMENT, region="eu-west-1", session_label="corp", base=base
        )
        assert env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] == server.url
        assert env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] == server.token
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "SSOTUI_EXPIRATION",
    ):
        assert name not in env
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["SSOTUI_ACCOUNT_NAME"] == "Prod" and env["SSOTUI_ROLE_NAME"] == "Admin"
    assert env["SSOTUI_SESSION"] == "corp" and env["PATH"] == "/bin"
    assert base["AWS_ACCESS_KEY_ID"] == "old"  # the base is not modified


CHILD = """
import time, boto3
s = boto3.Session()
first = s.get_credentials().get_frozen_credentials().access_key
time.sleep(SLEEP)
second = s.get_credentials().get_frozen_credentials().access_key
print(first, second)
"""


def test_boto3_in_a_child_gets_new_credentials_across_an_expiry(make_emulator, sso_session):
    from ssotui.core.auth import Authenticator

    emulator = make_emulator(accounts=3, seed=7, credentials_ttl=3, approve_after=0)
    auth = Authenticator(sso_session)
    auth.wait_for_login(auth.start_login(), sleep=lambda s: None)
    account = emulator.org.accounts[0]
    broker = CredentialBroker(auth.access_token, "us-east-1", min_remaining=timedelta(seconds=1))
    assignment = Assignment(account.account_id, account.name, "", account.roles[0])
    with CredentialServer(lambda: broker.get(account.account_id, account.roles[0])) as server:
        env = refreshing_environment(
            server, assignment, region="us-east-1", session_label=SESSION_NAME
        )
        proc = subprocess.run(
            [sys.executable, "-c", CHILD.replace("SLEEP", "3.5")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        first, second = proc.stdout.split()
        assert first.startswith("ASIAEMU") and second.startswith("ASIAEMU")
        assert first != second
        assert server.served >= 2
    assert emulator.stats.calls["GetRoleCredentials"] >= 2


def test_shell_refreshing_command_gives_the_child_the_endpoint(emulator, sso_session, tmp_path):
    from test_cli import ssotui

    emulator.approve_after = 0.2
    ssotui("login", "--no-browser")
    account = emulator.org.accounts[0]
    script = (
        "import os, boto3\n"
        "assert 'AWS_ACCESS_KEY_ID' not in os.environ\n"
        "print(boto3.Session().get_credentials().get_frozen_credentials().access_key)\n"
        "print(os.environ['SSOTUI_ACCOUNT_ID'], os.environ['AWS_DEFAULT_REGION'])\n"
    )
    script_file = tmp_path / "child.py"
    script_file.write_text(script)
    proc = ssotui(
        "shell",
        account.account_id,
        account.roles[0],
        "--refreshing",
        "--region",
        "eu-west-1",
        "--shell",
        f"{sys.executable} {script_file}",
    )
    key, ids = proc.stdout.splitlines()
    assert key.startswith("ASIAEMU")
    assert ids == f"{account.account_id} eu-west-1"
    assert "renewed" in proc.stderr


def test_refreshing_environment_markers_are_safe_for_a_prompt_and_the_region_is_checked():
    from ssotui.core.errors import ConfigError

    hostile = Assignment("123456789012", "x$(touch /tmp/pwned)`id`\n\x1b]0;t\x07", "", "Admin")
    with CredentialServer(lambda: None) as server:
        env = refreshing_environment(
            server, hostile, region="eu-west-1", session_label="a;b", base={}
        )
        assert env["SSOTUI_ACCOUNT_NAME"] == "x__touch /tmp/pwned__id__"
        assert env["SSOTUI_SESSION"] == "a_b"
        with pytest.raises(ConfigError):
            refreshing_environment(
                server, hostile, region="127.0.0.1:8443/steal#", session_label="s", base={}
            )
