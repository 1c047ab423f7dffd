"""core.relogin: a call that finds the session ended logs in once, or uses the login another
process made meanwhile. Real token cache and portal (the emulator); the login is a stand-in
that records being asked and saves a new token, as the device flow would."""

from __future__ import annotations

import pytest
from helpers import sign_in

from ssotui.core.errors import LoginRequired
from ssotui.core.relogin import call_with_login
from ssotui.core.service import SsoClient


@pytest.fixture
def client(emulator, sso_session) -> SsoClient:
    sign_in(emulator, sso_session)
    return SsoClient(sso_session)


def test_a_working_session_calls_once_and_never_logs_in(client, emulator):
    logins = []
    creds = call_with_login(
        client.auth,
        lambda: client.broker.get(*first_role(emulator)),
        lambda: logins.append(1),
        can_log_in=True,
    )
    assert creds.access_key_id.startswith("ASIAEMU") and logins == []


def test_an_ended_session_without_a_way_to_log_in_raises(client, emulator):
    emulator.end_sessions()
    logins = []
    with pytest.raises(LoginRequired):
        call_with_login(
            client.auth,
            lambda: client.broker.get(*first_role(emulator)),
            lambda: logins.append(1),
            can_log_in=False,
        )
    assert logins == []


def test_an_ended_session_logs_in_once_then_calls_again(client, emulator, sso_session):
    emulator.end_sessions()
    logins = []

    def log_in() -> None:
        logins.append(1)
        sign_in(emulator, sso_session)  # what the device flow leaves in the cache

    creds = call_with_login(
        client.auth, lambda: client.broker.get(*first_role(emulator)), log_in, can_log_in=True
    )
    assert creds.access_key_id.startswith("ASIAEMU")
    assert logins == [1]


def test_a_login_by_another_process_meanwhile_is_used_instead(client, emulator, sso_session):
    emulator.end_sessions()
    logins, calls = [], []

    def call():
        calls.append(1)
        if len(calls) == 1:
            sign_in(emulator, sso_session)  # another process logs in while this one fails
            raise LoginRequired("the session has ended.")
        return client.broker.get(*first_role(emulator))

    creds = call_with_login(client.auth, call, lambda: logins.append(1), can_log_in=True)
    assert creds.access_key_id.startswith("ASIAEMU")
    assert (len(calls), logins) == (2, [])


def first_role(emulator) -> tuple[str, str]:
    account = emulator.org.accounts[0]
    return account.account_id, account.roles[0]
