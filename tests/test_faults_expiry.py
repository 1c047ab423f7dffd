"""Fault suite, expiry: access tokens that expire mid-session, sessions that end, role
credentials that expire — through the real CLI (a `python -m ssotui` process) and the core,
against the emulator."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import assert_one_line_error, run_ssotui

from ssotui.core import timeutil
from ssotui.core.auth import Authenticator
from ssotui.core.credcache import FETCH_MIN, CredentialCache
from ssotui.core.credentials import CredentialBroker
from ssotui.core.inventory import Inventory, InventoryCache
from ssotui.core.models import Account, RoleCredentials, SsoSession
from ssotui.core.tokencache import TokenCache

pytestmark = pytest.mark.faults

EXPIRED = "session expired — run `ssotui login`"


ssotui = run_ssotui


def write_token_file(emulator, session: SsoSession, **extra) -> Path:
    """A login as the AWS CLI v2 writes it (its key order), plus ``extra`` keys another tool
    added. Returns the path."""
    minted = emulator.mint_token()
    now = timeutil.utcnow().replace(microsecond=0)
    data = {
        "startUrl": session.start_url,
        "region": session.region,
        "accessToken": minted["accessToken"],
        "expiresAt": timeutil.format_utc(now + timedelta(seconds=int(minted["expiresIn"]))),
        "clientId": minted["clientId"],
        "clientSecret": minted["clientSecret"],
        "registrationExpiresAt": timeutil.format_utc(
            timeutil.from_epoch_s(minted["clientSecretExpiresAt"])
        ),
    }
    if minted.get("refreshToken"):
        data["refreshToken"] = minted["refreshToken"]
    data.update(extra)
    path = TokenCache(session).token_path
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    path.write_text(json.dumps(data))
    os.chmod(path, 0o600)
    return path


def save_org_inventory(emulator, session: SsoSession) -> None:
    accounts = [Account(a.account_id, a.name, a.email) for a in emulator.org.accounts]
    roles = {a.account_id: tuple(a.roles) for a in emulator.org.accounts}
    InventoryCache().save(session, Inventory(accounts, roles, timeutil.utcnow(), True))


def row_count(emulator) -> int:
    return sum(len(a.roles) for a in emulator.org.accounts)


# -- access token expiry ----------------------------------------------------------------------


@pytest.mark.parametrize("command", ["list", "env"])
def test_an_access_token_expired_mid_session_is_refreshed_silently(emulator, sso_session, command):
    path = write_token_file(emulator, sso_session, receivedAt="2026-01-01T00:00:00Z")
    before = json.loads(path.read_text())
    emulator.expire_access_tokens()  # the file still says "valid"; the portal says 401
    account = emulator.org.accounts[0]
    if command == "list":
        proc = ssotui("list", "--json", "--refresh")
        assert proc.returncode == 0, proc.stderr
        assert len(json.loads(proc.stdout)) == row_count(emulator)
    else:
        proc = ssotui("env", account.account_id, account.roles[0], "--format", "json")
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert "login" not in proc.stderr.lower()
    assert emulator.stats.calls["StartDeviceAuthorization"] == 0
    after = json.loads(path.read_text())
    assert after["accessToken"] != before["accessToken"]
    assert after["refreshToken"] and after["refreshToken"] != before["refreshToken"]
    assert after["receivedAt"] == before["receivedAt"]
    assert {k: after[k] for k in ("clientId", "clientSecret", "registrationExpiresAt")} == {
        k: before[k] for k in ("clientId", "clientSecret", "registrationExpiresAt")
    }


COMMANDS = {
    "list": lambda a, r: ["list", "--refresh"],
    "console": lambda a, r: ["console", a, r, "--print"],
    "exec": lambda a, r: ["exec", a, r, "--", sys.executable, "-c", "print('ran')"],
    "env": lambda a, r: ["env", a, r],
    "credential-process": lambda a, r: ["credential-process", a, r],
}


@pytest.mark.parametrize("cause", ["no refresh token", "refresh refused"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_cli_commands_say_session_expired_and_exit_non_zero(emulator, sso_session, cause, command):
    if cause == "no refresh token":
        emulator.refresh_tokens = False
    path = write_token_file(emulator, sso_session)
    save_org_inventory(emulator, sso_session)  # the target resolves; the portal call fails
    before = path.read_bytes()
    assert (b"refreshToken" in before) == (cause == "refresh refused")
    if cause == "no refresh token":
        emulator.expire_access_tokens()
    else:
        emulator.end_sessions()  # access tokens get 401 and the refresh InvalidGrant
    account = emulator.org.accounts[0]
    proc = ssotui(*COMMANDS[command](account.account_id, account.roles[0]))
    assert_one_line_error(proc, EXPIRED)
    assert proc.stdout == ""
    assert path.read_bytes() == before  # nothing written, nothing lost
    assert emulator.stats.calls["StartDeviceAuthorization"] == 0


# -- role credentials expiry ------------------------------------------------------------------


def test_the_in_memory_broker_never_hands_out_expiring_credentials(make_emulator, sso_session):
    emulator = make_emulator(accounts=3, seed=7, credentials_ttl=3)
    write_token_file(emulator, sso_session)
    broker = CredentialBroker(
        Authenticator(sso_session).access_token,
        sso_session.region,
        min_remaining=timedelta(seconds=2),
    )
    account = emulator.org.accounts[0]
    seen: set[str] = set()
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        creds = broker.get(account.account_id, account.roles[0])
        assert creds.expiration - timeutil.utcnow() > timedelta(seconds=1)
        seen.add(creds.access_key_id)
        time.sleep(0.1)
    # the first set (3 s) was replaced once it had less than 2 s left
    assert len(seen) >= 2
    assert emulator.stats.calls["GetRoleCredentials"] == len(seen)


def stale_entry(session: SsoSession, account_id: str, role: str, minutes: float) -> None:
    CredentialCache(session).save(
        RoleCredentials(
            account_id=account_id,
            role_name=role,
            access_key_id="ASIASTALESTALE",
            secret_access_key="stale-secret",
            session_token="stale-session-token",
            expiration=timeutil.utcnow().replace(microsecond=0) + timedelta(minutes=minutes),
        )
    )


@pytest.mark.parametrize("minutes", [-5, 5])
def test_credential_process_replaces_an_expired_or_expiring_cache_entry(
    emulator, sso_session, minutes
):
    write_token_file(emulator, sso_session)
    account = emulator.org.accounts[0]
    role = account.roles[0]
    stale_entry(sso_session, account.account_id, role, minutes)
    proc = ssotui("credential-process", account.account_id, role)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["AccessKeyId"] != "ASIASTALESTALE"
    assert timeutil.parse_utc(data["Expiration"]) - timeutil.utcnow() > FETCH_MIN
    cached = CredentialCache(sso_session).load(account.account_id, role)
    assert cached is not None and cached.access_key_id == data["AccessKeyId"]


def test_credential_process_never_falls_back_to_an_expiring_entry(emulator, sso_session):
    write_token_file(emulator, sso_session)
    account = emulator.org.accounts[0]
    role = account.roles[0]
    stale_entry(sso_session, account.account_id, role, 5)  # botocore would refuse it
    emulator.end_sessions()
    proc = ssotui("credential-process", account.account_id, role)
    assert_one_line_error(proc, EXPIRED)
    assert proc.stdout == ""
