"""Interoperability with botocore's own SSO token provider, both ways.

A login here must be a login for boto3 / the AWS CLI (same file, same format), and a token
file that botocore wrote or refreshed must work here without another login.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest

from ssotui.core import clients, timeutil
from ssotui.core.auth import Authenticator
from ssotui.core.models import SsoSession

START_URL = "https://d-9067000000.awsapps.com/start"


@pytest.fixture
def assignment(emulator) -> tuple[str, str]:
    account = next(a for a in emulator.org.accounts if a.roles)
    return account.account_id, account.roles[0]


@pytest.fixture
def dev_profile(sso_session, assignment) -> str:
    """``[profile dev]`` on the ``test`` sso-session, appended to the fixture's config."""
    account_id, role = assignment
    path = Path(os.environ["AWS_CONFIG_FILE"])
    path.write_text(
        path.read_text()
        + "\n[profile dev]\n"
        + "sso_session = test\n"
        + f"sso_account_id = {account_id}\n"
        + f"sso_role_name = {role}\n"
        + "region = eu-west-1\n"
    )
    return "dev"


def login(auth: Authenticator, emulator):
    authorization = auth.start_login()
    emulator.approve(authorization.user_code)
    token = auth.wait_for_login(authorization, sleep=lambda s: None)
    assert token is not None
    return token


def botocore_credentials(profile: str):
    """Role credentials exactly as any boto3 program would get them for ``profile``."""
    import boto3

    return boto3.Session(profile_name=profile).get_credentials().get_frozen_credentials()


def portal_accounts(access_token: str) -> int:
    portal = clients.client("sso", "us-east-1", max_attempts=1)
    with clients.translated("listing accounts"):
        return len(portal.list_accounts(accessToken=access_token, maxResults=100)["accountList"])


def write_cli_token(path: Path, **values) -> dict:
    """Write a token file byte for byte as AWS CLI v2 / botocore do."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {key: value for key, value in values.items() if value is not None}
    path.write_text(json.dumps(data))
    return data


def iso(delta: timedelta) -> str:
    return timeutil.format_utc(timeutil.utcnow() + delta)


def test_our_login_gives_boto3_credentials_without_another_login(
    sso_session, emulator, dev_profile
):
    auth = Authenticator(sso_session)
    login(auth, emulator)
    creds = botocore_credentials(dev_profile)
    assert creds.access_key and creds.secret_key and creds.token
    assert emulator.stats.calls["GetRoleCredentials"] == 1
    assert emulator.stats.calls["CreateToken"] == 1  # the login only: botocore did not refresh


def test_our_legacy_login_gives_boto3_credentials(emulator, assignment):
    account_id, role = assignment
    Path(os.environ["AWS_CONFIG_FILE"]).parent.mkdir(parents=True, exist_ok=True)
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(
        "[profile old]\n"
        f"sso_start_url = {START_URL}\n"
        "sso_region = us-east-1\n"
        f"sso_account_id = {account_id}\n"
        f"sso_role_name = {role}\n"
    )
    auth = Authenticator(SsoSession(None, START_URL, "us-east-1"))
    login(auth, emulator)
    assert botocore_credentials("old").access_key
    assert emulator.stats.calls["GetRoleCredentials"] == 1


def test_a_cli_written_token_is_used_without_a_login(sso_session, emulator):
    minted = emulator.mint_token()
    auth = Authenticator(sso_session)
    write_cli_token(
        auth.cache.token_path,
        startUrl=START_URL,
        region="us-east-1",
        accessToken=minted["accessToken"],
        expiresAt=iso(timedelta(seconds=minted["expiresIn"])),
        clientId=minted["clientId"],
        clientSecret=minted["clientSecret"],
        registrationExpiresAt=timeutil.format_utc(
            timeutil.from_epoch_s(minted["clientSecretExpiresAt"])
        ),
        refreshToken=minted["refreshToken"],
    )
    calls = dict(emulator.stats.calls)
    assert auth.access_token() == minted["accessToken"]
    assert dict(emulator.stats.calls) == calls  # no login, no refresh
    assert portal_accounts(auth.access_token()) == 12


def test_an_expired_cli_token_is_refreshed_here(sso_session, emulator, dev_profile):
    minted = emulator.mint_token()
    auth = Authenticator(sso_session)
    written = write_cli_token(
        auth.cache.token_path,
        startUrl=START_URL,
        region="us-east-1",
        accessToken=minted["accessToken"],
        expiresAt="2020-01-01T00:00:00UTC",  # an old CLI's timestamp style
        clientId=minted["clientId"],
        clientSecret=minted["clientSecret"],
        registrationExpiresAt=timeutil.format_utc(
            timeutil.from_epoch_s(minted["clientSecretExpiresAt"])
        ),
        refreshToken=minted["refreshToken"],
    )
    token = auth.token()
    assert token.access_token != written["accessToken"]
    assert emulator.stats.calls["CreateToken"] == 1
    assert portal_accounts(token.access_token) == 12
    # (4) botocore accepts the file we wrote back, without refreshing it again.
    assert botocore_credentials(dev_profile).access_key
    assert emulator.stats.calls["CreateToken"] == 1


def test_botocore_refreshes_a_token_we_wrote_and_we_read_its_file(
    sso_session, emulator, dev_profile
):
    auth = Authenticator(sso_session)
    ours = login(auth, emulator)
    emulator.expire_access_tokens()
    data = json.loads(auth.cache.token_path.read_text())
    data["expiresAt"] = iso(timedelta(minutes=-1))
    auth.cache.token_path.write_text(json.dumps(data))

    assert botocore_credentials(dev_profile).access_key  # botocore refreshed on its own
    assert emulator.stats.calls["CreateToken"] == 2  # login + botocore's refresh

    theirs = auth.cached_token()
    assert theirs.access_token != ours.access_token
    assert theirs.refresh_token not in (None, ours.refresh_token)
    assert theirs.start_url == START_URL and theirs.client_id == ours.client_id
    assert auth.access_token() == theirs.access_token  # fresh: used as is
    assert emulator.stats.calls["CreateToken"] == 2
    assert portal_accounts(auth.access_token()) == 12
    # botocore writes the same format we do (key order, Z timestamps), and 0600.
    text = auth.cache.token_path.read_text()
    assert list(json.loads(text)) == [
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    ]
    auth.cache.save_token(theirs)
    assert auth.cache.token_path.read_text() == text


def test_our_refresh_of_an_expired_token_is_accepted_by_botocore(
    sso_session, emulator, dev_profile
):
    auth = Authenticator(sso_session)
    ours = login(auth, emulator)
    emulator.expire_access_tokens()
    data = json.loads(auth.cache.token_path.read_text())
    data["expiresAt"] = iso(timedelta(minutes=-1))
    auth.cache.token_path.write_text(json.dumps(data))

    refreshed = auth.token()
    assert refreshed.access_token != ours.access_token
    assert emulator.stats.calls["CreateToken"] == 2
    creds = botocore_credentials(dev_profile)
    assert creds.access_key
    assert emulator.stats.calls["CreateToken"] == 2  # botocore found it fresh: no refresh
    assert emulator.stats.calls["GetRoleCredentials"] == 1
