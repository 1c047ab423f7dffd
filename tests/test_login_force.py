"""`login --force` starts a new IAM Identity Center session: the portal logout (POST /logout with
the bearer token) comes first, so the old session, its refresh token included, is over."""

from __future__ import annotations

import json
import urllib.request

import boto3
import pytest
from botocore.config import Config
from helpers import sign_in

from ssotui.core import timeutil
from ssotui.core.auth import Authenticator


def old_refresh_works(emulator, token) -> bool:
    oidc = boto3.client(
        "sso-oidc", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1})
    )
    try:
        oidc.create_token(
            grantType="refresh_token",
            clientId=token.client_id,
            clientSecret=token.client_secret,
            refreshToken=token.refresh_token,
        )
    except oidc.exceptions.InvalidGrantException:
        return False
    return True


def session_of(emulator, access_token: str) -> str:
    return emulator.state.access[access_token]


def test_end_session_logs_out_at_the_portal_then_a_login_is_a_new_session(sso_session, emulator):
    old = sign_in(emulator, sso_session)
    auth = Authenticator(sso_session)
    assert auth.end_session() is True
    assert emulator.stats.calls["Logout"] == 1
    assert not auth.cache.token_path.exists()  # a dead token is not left behind
    emulator.authorize_auto = "approve"
    login = auth.start_browser_login()
    urllib.request.build_opener(urllib.request.ProxyHandler({})).open(login.url, timeout=5).read()
    new = auth.wait_for_browser_login(login)
    assert session_of(emulator, new.access_token) != session_of(emulator, old.access_token)
    assert not old_refresh_works(emulator, old)  # the old session is over
    assert auth.token(force_refresh=True).access_token != new.access_token  # the new one works


def test_without_the_portal_logout_the_old_session_lives_on(sso_session, emulator):
    """What --force prevents: a plain second login leaves the old session usable."""
    old = sign_in(emulator, sso_session)
    auth = Authenticator(sso_session)
    emulator.approve_after = 0
    authorization = auth.start_login()
    assert auth.wait_for_login(authorization, sleep=lambda s: None) is not None
    assert old_refresh_works(emulator, old)


def test_an_expired_access_token_is_refreshed_so_the_logout_is_accepted(sso_session, emulator):
    old = sign_in(emulator, sso_session)
    path = Authenticator(sso_session).cache.token_path
    data = json.loads(path.read_text())
    data["expiresAt"] = timeutil.format_utc(timeutil.utcnow())
    path.write_text(json.dumps(data))
    emulator.expire_access_tokens()
    assert Authenticator(sso_session).end_session() is True
    assert emulator.stats.calls["CreateToken"] == 1 and emulator.stats.calls["Logout"] == 1
    assert not old_refresh_works(emulator, old)


@pytest.mark.parametrize("state", ["no token", "portal down"])
def test_end_session_is_best_effort(sso_session, emulator, state):
    if state == "no token":
        assert Authenticator(sso_session).end_session() is False
        return
    sign_in(emulator, sso_session)
    emulator.stop()
    auth = Authenticator(sso_session)
    assert auth.end_session() is False
    assert not auth.cache.token_path.exists()
