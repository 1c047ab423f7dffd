"""CredentialBroker against the emulator: reuse, refresh near expiry, 403 vs 401."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from ssotui.core import timeutil
from ssotui.core.credentials import CredentialBroker
from ssotui.core.errors import LoginRequired, RoleNotAssigned, SessionExpired

REGION = "us-east-1"


class Tokens:
    def __init__(self, emulator, after_refresh: str | None = None) -> None:
        self.emulator = emulator
        self.after_refresh = after_refresh
        self.refreshes = 0
        self.value = emulator.mint_token()["accessToken"]

    def __call__(self, force_refresh: bool = False) -> str:
        if force_refresh:
            self.refreshes += 1
            self.value = self.after_refresh or self.emulator.mint_token()["accessToken"]
        return self.value


class Clock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self):
        return timeutil.utcnow() + self.offset


def some_assignment(emu):
    account = emu.org.accounts[0]
    return account.account_id, account.roles[0]


def calls(emu) -> int:
    return emu.stats.calls["GetRoleCredentials"]


def test_credentials_are_reused_until_near_expiry(emulator):
    clock = Clock()
    broker = CredentialBroker(Tokens(emulator), REGION, clock=clock)
    account_id, role = some_assignment(emulator)

    first = broker.get(account_id, role)
    second = broker.get(account_id, role)
    assert second is first
    assert calls(emulator) == 1
    assert first.account_id == account_id and first.role_name == role
    assert first.access_key_id.startswith("ASIA")
    remaining = first.expiration - timeutil.utcnow()
    assert timedelta(minutes=59) < remaining <= timedelta(hours=1)

    clock.offset = timedelta(minutes=54)  # 6 minutes left: still fine
    assert broker.get(account_id, role) is first
    clock.offset = timedelta(minutes=56)  # 4 minutes left: too close
    third = broker.get(account_id, role)
    assert calls(emulator) == 2
    assert third.access_key_id != first.access_key_id


def test_short_lived_credentials_are_fetched_every_time(make_emulator):
    emu = make_emulator(accounts=3, credentials_ttl=120)
    broker = CredentialBroker(Tokens(emu), REGION)
    account_id, role = some_assignment(emu)
    broker.get(account_id, role)
    broker.get(account_id, role)
    assert calls(emu) == 2
    # held() only promises "not expired", which these are.
    assert broker.held(account_id, role) is not None


def test_held_never_touches_the_network_and_forgets(emulator):
    clock = Clock()
    broker = CredentialBroker(Tokens(emulator), REGION, clock=clock)
    account_id, role = some_assignment(emulator)
    assert broker.held(account_id, role) is None
    creds = broker.get(account_id, role)
    assert broker.held(account_id, role) is creds
    assert broker.held(account_id, "OtherRole") is None
    clock.offset = timedelta(hours=2)
    assert broker.held(account_id, role) is None
    clock.offset = timedelta(0)
    broker.forget()
    assert broker.held(account_id, role) is None
    assert calls(emulator) == 1
    broker.get(account_id, role)
    assert calls(emulator) == 2


def test_unassigned_role_is_role_not_assigned_not_a_login_problem(emulator):
    tokens = Tokens(emulator)
    broker = CredentialBroker(tokens, REGION)
    account_id = emulator.org.accounts[0].account_id
    with pytest.raises(RoleNotAssigned) as caught:
        broker.get(account_id, "NoSuchPermissionSet")
    assert not isinstance(caught.value, LoginRequired)
    assert str(caught.value) == (
        f"the role NoSuchPermissionSet is not assigned to you in account {account_id}."
    )
    assert tokens.refreshes == 0


def test_expired_token_is_refreshed_once(emulator):
    tokens = Tokens(emulator)
    emulator.expire_access_tokens()
    broker = CredentialBroker(tokens, REGION)
    creds = broker.get(*some_assignment(emulator))
    assert creds.access_key_id
    assert tokens.refreshes == 1


def test_second_401_is_session_expired(emulator):
    tokens = Tokens(emulator, after_refresh="bogus")
    emulator.expire_access_tokens()
    broker = CredentialBroker(tokens, REGION)
    with pytest.raises(SessionExpired):
        broker.get(*some_assignment(emulator))
    assert tokens.refreshes == 1


def test_concurrent_gets_share_one_call(make_emulator):
    emu = make_emulator(accounts=3, latency_ms=30)
    broker = CredentialBroker(Tokens(emu), REGION)
    account_id, role = some_assignment(emu)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(broker.get(account_id, role)))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6 and len({id(r) for r in results}) == 1
    assert calls(emu) == 1


def test_credentials_never_reach_the_disk_or_a_repr(emulator, home):
    broker = CredentialBroker(Tokens(emulator), REGION)
    creds = broker.get(*some_assignment(emulator))
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert creds.secret_access_key.encode() not in data
            assert creds.session_token.encode() not in data
    assert creds.secret_access_key not in repr(creds)
    assert creds.session_token not in repr(creds)
