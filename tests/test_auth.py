"""Device-code login, token refresh and logout with real boto3 against the local emulator."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from ssotui.core import clients, timeutil
from ssotui.core.auth import Authenticator
from ssotui.core.errors import (
    LoginDenied,
    LoginRequired,
    LoginTimedOut,
    NetworkError,
    SessionExpired,
)
from ssotui.core.models import SsoSession
from ssotui.core.tokencache import TokenCache
from ssotui.core.tokens import Registration

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
EXPIRED_MESSAGE = "test: IAM Identity Center session expired — run `ssotui login`."


@pytest.fixture
def auth(sso_session) -> Authenticator:
    return Authenticator(sso_session)


def approve_while_waiting(emulator, authorization, sleeps: list[float]):
    """A ``sleep`` that records the delay and approves the code (the user in the browser)."""

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        emulator.approve(authorization.user_code)

    return sleep


def login(auth: Authenticator, emulator):
    authorization = auth.start_login()
    assert emulator.approve(authorization.user_code)
    token = auth.wait_for_login(authorization, sleep=lambda s: None)
    assert token is not None
    return token


def account_count(access_token: str) -> int:
    """What the user gets from the portal with this token (raises SsoError on 401)."""
    portal = clients.client("sso", "us-east-1", max_attempts=1)
    with clients.translated("listing accounts"):
        pages = portal.get_paginator("list_accounts").paginate(accessToken=access_token)
        return sum(len(page["accountList"]) for page in pages)


def rewrite_token(auth: Authenticator, **fields) -> dict:
    """Edit the token file as another tool would (same format, some keys changed)."""
    path = auth.cache.token_path
    data = json.loads(path.read_text())
    data.update(fields)
    path.write_text(json.dumps(data))
    return data


def iso(delta: timedelta) -> str:
    return timeutil.format_utc(timeutil.utcnow() + delta)


# -- device-code login ---------------------------------------------------------------------


def test_login_approved_writes_a_cli_format_token_that_works(auth, emulator, sso_session):
    authorization = auth.start_login()
    assert authorization.user_code in authorization.verification_uri_complete
    assert authorization.interval == 1.0
    sleeps: list[float] = []
    token = auth.wait_for_login(
        authorization, sleep=approve_while_waiting(emulator, authorization, sleeps)
    )
    assert sleeps == [1.0]  # pending once, then approved
    data = json.loads(auth.cache.token_path.read_text())
    assert list(data) == [
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    ]
    assert data["startUrl"] == sso_session.start_url
    assert data["region"] == "us-east-1"
    assert data["accessToken"] == token.access_token
    assert data["refreshToken"] == token.refresh_token
    assert data["clientId"] == authorization.registration.client_id
    assert data["expiresAt"].endswith("Z")
    left = token.expires_at - timeutil.utcnow()
    assert timedelta(minutes=59) < left <= timedelta(hours=1)
    assert auth.cache.token_path.stat().st_mode & 0o777 == 0o600
    assert account_count(token.access_token) == 12
    # The registration went to the AWS CLI's cache key, with the grants we asked for.
    reg = json.loads(auth.cache.registration_path.read_text())
    assert reg["clientId"] == authorization.registration.client_id
    assert reg["grantTypes"] == [DEVICE_GRANT, "refresh_token"]
    assert auth.cache.registration_path.name == TokenCache(sso_session).registration_path.name


def test_login_denied(auth, emulator):
    authorization = auth.start_login()
    emulator.deny(authorization.user_code)
    with pytest.raises(LoginDenied, match=r"^the login was denied in the browser\.$"):
        auth.wait_for_login(authorization, sleep=lambda s: None)
    assert not auth.cache.token_path.exists()


def test_device_code_expired_at_the_service(auth, emulator):
    emulator.state.device_ttl = 0  # the code is dead on arrival
    authorization = auth.start_login()
    with pytest.raises(LoginTimedOut) as info:
        auth.wait_for_login(authorization, sleep=lambda s: None)
    assert str(info.value) == (
        "the login code expired before it was approved — run the login again."
    )
    assert not auth.cache.token_path.exists()


def test_device_code_expired_locally_stops_polling(auth, emulator):
    authorization = auth.start_login()
    authorization.expires_at = timeutil.utcnow() - timedelta(seconds=1)
    before = emulator.stats.calls["CreateToken"]
    with pytest.raises(LoginTimedOut):
        auth.wait_for_login(authorization, sleep=lambda s: None)
    assert emulator.stats.calls["CreateToken"] == before


def test_pending_until_local_expiry_with_a_fake_clock(sso_session, emulator):
    now = [timeutil.utcnow()]
    auth = Authenticator(sso_session, clock=lambda: now[0])
    authorization = auth.start_login()
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += timedelta(seconds=seconds)

    with pytest.raises(LoginTimedOut):
        auth.wait_for_login(authorization, sleep=sleep)
    assert sum(sleeps) == pytest.approx(600, abs=1)
    assert all(s <= authorization.interval for s in sleeps)


def test_slow_down_adds_five_seconds(auth, emulator):
    authorization = auth.start_login()
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:  # records instead of sleeping: we poll too fast
        sleeps.append(seconds)
        if len(sleeps) == 2:
            emulator.approve(authorization.user_code)

    token = auth.wait_for_login(authorization, sleep=sleep)
    assert token is not None
    # pending -> sleep 1; polled too fast -> SlowDown -> sleep 6; approved.
    assert sleeps == [1.0, 6.0]
    assert authorization.interval == 6.0


def test_poll_login_is_one_request(auth, emulator):
    authorization = auth.start_login()
    before = emulator.stats.calls["CreateToken"]
    assert auth.poll_login(authorization) is None
    assert emulator.stats.calls["CreateToken"] == before + 1
    emulator.approve(authorization.user_code)
    token = auth.poll_login(authorization)
    assert token is not None and auth.cached_token() == token


def test_missing_interval_defaults_to_five_seconds(auth, emulator):
    emulator.state.poll_interval = 0
    assert auth.start_login().interval == 5.0


def test_cancelled_returns_none_without_a_token(auth, emulator):
    authorization = auth.start_login()
    calls = []
    result = auth.wait_for_login(
        authorization, sleep=calls.append, cancelled=lambda: len(calls) >= 2
    )
    assert result is None
    assert not auth.cache.token_path.exists()


def test_waiting_survives_brief_network_trouble_but_not_a_lasting_outage(
    auth, emulator, monkeypatch
):
    authorization = auth.start_login()
    real_poll = auth.poll_login
    outcomes = iter(["down", "down", "real", "down", "down", "down"])

    def flaky_poll(authz):
        if next(outcomes) == "down":
            raise NetworkError("cannot reach IAM Identity Center: check your network or VPN.")
        return real_poll(authz)

    monkeypatch.setattr(auth, "poll_login", flaky_poll)
    sleeps: list[float] = []
    with pytest.raises(NetworkError):
        auth.wait_for_login(authorization, sleep=sleeps.append)
    # two failures tolerated, a pending poll resets the count, the third in a row is fatal
    assert len(sleeps) == 5
    emulator.approve(authorization.user_code)
    monkeypatch.setattr(auth, "poll_login", real_poll)
    assert auth.wait_for_login(authorization, sleep=sleeps.append) is not None


def test_approval_from_another_thread_with_real_sleep(auth, emulator):
    authorization = auth.start_login()
    timer = threading.Timer(0.2, emulator.approve, args=(authorization.user_code,))
    timer.start()
    try:
        token = auth.wait_for_login(authorization)
    finally:
        timer.cancel()
    assert token is not None and account_count(token.access_token) == 12


# -- client registration -------------------------------------------------------------------


def test_registration_is_cached_and_reused(auth, emulator, sso_session):
    first = login(auth, emulator)
    second = login(Authenticator(sso_session), emulator)
    assert emulator.stats.calls["RegisterClient"] == 1
    assert emulator.stats.calls["StartDeviceAuthorization"] == 2
    assert first.client_id == second.client_id
    assert first.access_token != second.access_token


def test_reregisters_when_the_cached_registration_is_about_to_expire(auth, emulator):
    login(auth, emulator)
    old = auth.cache.load_registration()
    auth.cache.save_registration(
        Registration(
            old.client_id,
            old.client_secret,
            timeutil.utcnow() + timedelta(minutes=10),
            old.scopes,
            old.grant_types,
        )
    )
    token = login(auth, emulator)
    assert emulator.stats.calls["RegisterClient"] == 2
    assert token.client_id != old.client_id
    assert auth.cache.load_registration().client_id == token.client_id


def test_reregisters_over_a_pkce_registration(auth, emulator):
    """The AWS CLI's PKCE flow shares the cache key; its registration cannot do device_code."""
    login(auth, emulator)
    old = auth.cache.load_registration()
    auth.cache.save_registration(
        Registration(
            old.client_id,
            old.client_secret,
            old.expires_at,
            ("sso:account:access",),
            ("authorization_code", "refresh_token"),
        )
    )
    login(auth, emulator)
    assert emulator.stats.calls["RegisterClient"] == 2


def test_a_cli_device_registration_without_grant_types_is_reused(auth, emulator):
    reply = emulator.state.register_client(
        {
            "clientName": "botocore-client-test",
            "clientType": "public",
            "scopes": ["sso:account:access"],
        }
    )
    auth.cache.registration_path.parent.mkdir(parents=True, exist_ok=True)
    auth.cache.registration_path.write_text(
        json.dumps(
            {
                "clientId": reply["clientId"],
                "clientSecret": reply["clientSecret"],
                "expiresAt": timeutil.format_utc(
                    timeutil.from_epoch_s(reply["clientSecretExpiresAt"])
                ),
                "scopes": ["sso:account:access"],
            }
        )
    )
    token = login(auth, emulator)
    assert token.client_id == reply["clientId"]
    assert emulator.stats.calls["RegisterClient"] == 0  # the state call above is not HTTP


def test_invalid_cached_client_is_replaced_once(auth, emulator):
    auth.cache.save_registration(
        Registration("revoked", "nope", timeutil.utcnow() + timedelta(days=30))
    )
    token = login(auth, emulator)
    assert emulator.stats.calls["RegisterClient"] == 1
    assert token.client_id != "revoked"
    assert auth.cache.load_registration().client_id == token.client_id


# -- using and refreshing the token ----------------------------------------------------------


def test_not_logged_in(auth, emulator):
    with pytest.raises(LoginRequired) as info:
        auth.token()
    assert str(info.value) == "not logged in to test — run `ssotui login`."
    assert type(info.value) is LoginRequired
    assert auth.cached_token() is None
    assert sum(emulator.stats.calls.values()) == 0


def test_a_fresh_token_is_used_without_network_and_reread_from_disk(auth, emulator):
    token = login(auth, emulator)
    calls = dict(emulator.stats.calls)
    assert auth.token() == token
    assert auth.access_token() == token.access_token
    # Another process (the AWS CLI) logs in again and rewrites the file.
    other = emulator.mint_token()
    rewrite_token(auth, accessToken=other["accessToken"], expiresAt=iso(timedelta(hours=1)))
    assert auth.access_token() == other["accessToken"]
    assert dict(emulator.stats.calls) == calls


def test_expired_token_is_refreshed_and_written_back(auth, emulator, sso_session):
    old = login(auth, emulator)
    emulator.expire_access_tokens()
    rewrite_token(auth, expiresAt=iso(timedelta(minutes=-1)))
    token = auth.token()
    assert token.access_token != old.access_token
    assert token.refresh_token not in (None, old.refresh_token)  # the emulator rotates them
    data = json.loads(auth.cache.token_path.read_text())
    assert data["accessToken"] == token.access_token
    assert data["refreshToken"] == token.refresh_token
    assert data["startUrl"] == sso_session.start_url
    assert data["clientId"] == old.client_id
    assert timeutil.parse_utc(data["expiresAt"]) > timeutil.utcnow() + timedelta(minutes=59)
    assert account_count(token.access_token) == 12
    with pytest.raises(SessionExpired):
        account_count(old.access_token)


def test_near_expiry_token_is_refreshed(auth, emulator):
    old = login(auth, emulator)
    rewrite_token(auth, expiresAt=iso(timedelta(minutes=4)))
    assert auth.access_token() != old.access_token
    assert emulator.stats.calls["CreateToken"] == 2  # login + one refresh


def test_force_refresh_after_a_401(auth, emulator):
    old = login(auth, emulator)
    emulator.expire_access_tokens()  # the service says no although expiresAt says yes
    with pytest.raises(SessionExpired):
        account_count(auth.access_token())
    fresh = auth.access_token(force_refresh=True)
    assert fresh != old.access_token
    assert account_count(fresh) == 12


def test_refresh_keeps_the_old_refresh_token_when_none_is_returned(auth, emulator):
    old = login(auth, emulator)
    emulator.refresh_tokens = False
    token = auth.token(force_refresh=True)
    assert token.access_token != old.access_token
    assert token.refresh_token == old.refresh_token
    assert json.loads(auth.cache.token_path.read_text())["refreshToken"] == old.refresh_token


def test_refresh_keeps_keys_other_tools_wrote(auth, emulator):
    login(auth, emulator)
    rewrite_token(auth, ssoSessionName="test", expiresAt=iso(timedelta(minutes=-1)))
    auth.token()
    data = json.loads(auth.cache.token_path.read_text())
    assert data["ssoSessionName"] == "test"
    assert list(data)[-1] == "ssoSessionName"


def test_refresh_refused_when_the_session_ended(auth, emulator):
    login(auth, emulator)
    emulator.end_sessions()
    data = rewrite_token(auth, expiresAt=iso(timedelta(minutes=-1)))
    with pytest.raises(SessionExpired) as info:
        auth.token()
    assert str(info.value) == EXPIRED_MESSAGE
    assert json.loads(auth.cache.token_path.read_text()) == data  # left for the user
    with pytest.raises(SessionExpired):
        auth.access_token(force_refresh=True)


def test_expired_without_refresh_token_needs_a_login(auth, emulator):
    login(auth, emulator)
    data = json.loads(auth.cache.token_path.read_text())
    del data["refreshToken"]
    data["expiresAt"] = iso(timedelta(minutes=-1))
    auth.cache.token_path.write_text(json.dumps(data))
    with pytest.raises(SessionExpired, match="run `ssotui login`"):
        auth.token()
    assert emulator.stats.calls["CreateToken"] == 1  # no refresh attempted


def test_expired_registration_needs_a_login(auth, emulator):
    login(auth, emulator)
    rewrite_token(
        auth,
        expiresAt=iso(timedelta(minutes=-1)),
        registrationExpiresAt=iso(timedelta(seconds=-1)),
    )
    with pytest.raises(SessionExpired):
        auth.token()
    assert emulator.stats.calls["CreateToken"] == 1


def test_legacy_token_near_expiry_is_used_until_it_expires(auth, emulator):
    minted = emulator.mint_token()
    auth.cache.token_path.parent.mkdir(parents=True, exist_ok=True)
    auth.cache.token_path.write_text(
        json.dumps(
            {
                "startUrl": auth.session.start_url,
                "region": "us-east-1",
                "accessToken": minted["accessToken"],
                "expiresAt": iso(timedelta(minutes=2)),
            }
        )
    )
    assert auth.access_token() == minted["accessToken"]


def test_network_down_during_refresh(auth, emulator):
    token = login(auth, emulator)
    emulator.stop()
    rewrite_token(auth, expiresAt=iso(timedelta(minutes=2)))
    assert auth.access_token() == token.access_token  # still valid: keep using it
    rewrite_token(auth, expiresAt=iso(timedelta(minutes=-1)))
    with pytest.raises(NetworkError) as info:
        auth.token()
    assert token.refresh_token not in str(info.value)


def test_concurrent_refresh_happens_once(sso_session, emulator):
    auths = [Authenticator(sso_session) for _ in range(2)]
    login(auths[0], emulator)
    rewrite_token(auths[0], expiresAt=iso(timedelta(minutes=-1)))
    before = emulator.stats.calls["CreateToken"]
    results: list[str] = []
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            results.append(auths[n % 2].access_token())
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1
    assert emulator.stats.calls["CreateToken"] == before + 1


def test_refresh_race_with_a_tool_that_takes_no_lock(auth, emulator):
    """botocore refreshes with the same refresh token just before us (the emulator rotates
    refresh tokens, so ours is refused): we must pick up its token, not demand a login."""
    old = login(auth, emulator)
    rewrite_token(auth, expiresAt=iso(timedelta(minutes=-1)))
    theirs: dict = {}

    def other_tool_refreshes_first(**kwargs):
        if kwargs["params"].get("grantType") != "refresh_token" or theirs:
            return
        theirs.update(
            emulator.state.create_token(
                {
                    "grantType": "refresh_token",
                    "clientId": old.client_id,
                    "clientSecret": old.client_secret,
                    "refreshToken": old.refresh_token,
                }
            )
        )
        rewrite_token(
            auth,
            accessToken=theirs["accessToken"],
            refreshToken=theirs["refreshToken"],
            expiresAt=iso(timedelta(hours=1)),
        )

    oidc = clients.client("sso-oidc", "us-east-1")
    oidc.meta.events.register(
        "before-parameter-build.sso-oidc.CreateToken", other_tool_refreshes_first
    )
    try:
        token = auth.token()
    finally:
        oidc.meta.events.unregister(
            "before-parameter-build.sso-oidc.CreateToken", other_tool_refreshes_first
        )
    assert theirs, "the competing refresh did not run"
    assert token.access_token == theirs["accessToken"]
    assert token.refresh_token == theirs["refreshToken"]
    assert account_count(token.access_token) == 12


def test_unreadable_token_file(auth, emulator):
    auth.cache.token_path.parent.mkdir(parents=True, exist_ok=True)
    auth.cache.token_path.write_text('{"accessToken": ')
    with pytest.raises(LoginRequired, match="unreadable"):
        auth.token()
    assert auth.cache.token_path.read_text() == '{"accessToken": '
    # A login replaces it.
    login(auth, emulator)
    assert auth.token().access_token


# -- logout --------------------------------------------------------------------------------


def test_logout_deletes_only_our_token_and_ends_the_session(auth, emulator, sso_session):
    token = login(auth, emulator)
    other = TokenCache(SsoSession("other", sso_session.start_url, "us-east-1"))
    minted = emulator.mint_token()
    other_text = json.dumps(
        {"accessToken": minted["accessToken"], "expiresAt": iso(timedelta(hours=1))}
    )
    other.token_path.write_text(other_text)
    assert auth.logout() is True
    assert not auth.cache.token_path.exists()
    assert auth.cache.registration_path.exists()
    assert other.token_path.read_text() == other_text
    assert emulator.stats.calls["Logout"] == 1
    with pytest.raises(SessionExpired):
        account_count(token.access_token)
    assert account_count(minted["accessToken"]) == 12  # another session is untouched
    with pytest.raises(LoginRequired):
        auth.token()
    assert auth.logout() is False


def test_logout_when_the_service_is_unreachable(auth, emulator):
    login(auth, emulator)
    emulator.stop()
    assert auth.logout() is True
    assert not auth.cache.token_path.exists()


# -- secrets ---------------------------------------------------------------------------------


def test_secrets_stay_out_of_reprs(auth, emulator):
    authorization = auth.start_login()
    emulator.approve(authorization.user_code)
    token = auth.wait_for_login(authorization, sleep=lambda s: None)
    text = repr(authorization) + repr(token) + repr(auth) + repr(auth.cache)
    for secret in (
        token.access_token,
        token.refresh_token,
        token.client_secret,
        authorization.device_code,
    ):
        assert secret and secret not in text
