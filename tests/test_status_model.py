"""The status model behind `ssotui status [--json]`: the access token's own time, whether it can
refresh itself, the cached inventory's age, and `usable` — from files only, or with one call."""

from __future__ import annotations

import json
from datetime import timedelta

from helpers import sign_in

from ssotui.core import timeutil
from ssotui.core.inventory import Inventory, InventoryCache
from ssotui.core.models import Account
from ssotui.core.status import session_status, token_times
from ssotui.core.tokencache import TokenCache
from ssotui.core.tokens import Token


def api_calls(emulator) -> int:
    return sum(emulator.stats.calls.values())


def rewrite(session, **fields):
    path = TokenCache(session).token_path
    data = json.loads(path.read_text())
    for key, value in fields.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(json.dumps(data))


def ago(**delta) -> str:
    return timeutil.format_utc(timeutil.utcnow() - timedelta(**delta))


def test_not_logged_in(sso_session, emulator):
    status = session_status(sso_session)
    assert (status.logged_in, status.usable, status.seconds_left, status.can_refresh) == (
        False,
        False,
        None,
        False,
    )
    assert status.session == "test" and status.region == "us-east-1"
    assert "not logged in" in status.lines()
    assert api_calls(emulator) == 0


def test_a_fresh_login_without_any_network_call(sso_session, emulator):
    sign_in(emulator, sso_session)
    status = session_status(sso_session)
    assert status.logged_in and status.usable and status.can_refresh
    assert 3590 <= status.seconds_left <= 3600
    assert status.inventory_age is None and not status.checked
    assert api_calls(emulator) == 0
    assert "it refreshes itself until the IAM Identity Center session ends" in status.lines()[1]


def test_an_expired_token_that_can_refresh_is_usable_and_check_refreshes_it(sso_session, emulator):
    sign_in(emulator, sso_session)
    rewrite(sso_session, expiresAt=ago(minutes=5))
    status = session_status(sso_session)
    assert (status.seconds_left, status.can_refresh, status.usable) == (0, True, True)
    assert "access token: expired" in status.lines()[1]
    checked = session_status(sso_session, check=True)
    assert checked.usable and checked.checked and checked.problem is None
    assert checked.seconds_left > 3500
    assert dict(emulator.stats.calls) == {"CreateToken": 1}  # one call: the refresh


def test_without_a_refresh_token_or_with_an_expired_registration_it_cannot_refresh(
    sso_session, emulator
):
    sign_in(emulator, sso_session)
    rewrite(sso_session, registrationExpiresAt=ago(seconds=1))
    status = session_status(sso_session)
    assert not status.can_refresh and status.usable  # the access token still works
    rewrite(sso_session, expiresAt=ago(seconds=1))
    assert not session_status(sso_session).usable
    rewrite(sso_session, registrationExpiresAt=None, refreshToken=None)
    status = session_status(sso_session)
    assert (status.can_refresh, status.usable) == (False, False)
    assert "cannot refresh itself" in status.lines()[1]
    assert api_calls(emulator) == 0


def test_check_is_one_cheap_call_when_the_token_is_valid(sso_session, emulator):
    sign_in(emulator, sso_session)
    status = session_status(sso_session, check=True)
    assert status.usable and status.checked
    assert dict(emulator.stats.calls) == {"ListAccounts": 1}


def test_check_sees_a_session_that_ended_at_the_portal(sso_session, emulator):
    sign_in(emulator, sso_session)
    emulator.end_sessions()
    assert session_status(sso_session).usable  # the files cannot know
    status = session_status(sso_session, check=True)
    assert (status.usable, status.checked) == (False, True)
    assert status.problem == "the portal no longer accepts this session — run `ssotui login`."
    assert status.lines()[-2:] == ["needs `ssotui login` (checked with the portal)", status.problem]


def test_check_with_the_portal_down_keeps_the_local_answer(sso_session, emulator):
    sign_in(emulator, sso_session)
    emulator.stop()
    status = session_status(sso_session, check=True)
    assert status.usable and not status.checked
    assert status.problem.startswith("could not check with the portal: cannot reach")


def test_inventory_age_and_json(sso_session, emulator):
    token = sign_in(emulator, sso_session)
    fetched = timeutil.utcnow().replace(microsecond=0) - timedelta(minutes=7)
    inventory = Inventory(
        [Account("123456789012", "prod")], {"123456789012": ("Admin",)}, fetched, True
    )
    InventoryCache().save(sso_session, inventory)
    status = session_status(sso_session)
    assert 419 <= status.inventory_age <= 425
    data = json.loads(json.dumps(status.to_json()))
    assert data == {
        "session": "test",
        "startUrl": sso_session.start_url,
        "region": "us-east-1",
        "loggedIn": True,
        "expiresAt": timeutil.format_utc(token.expires_at),
        "accessTokenSecondsLeft": status.seconds_left,
        "canRefresh": True,
        "registrationExpiresAt": timeutil.format_utc(token.registration_expires_at),
        "inventoryAgeSeconds": round(status.inventory_age),
        "usable": True,
        "checked": False,
        "problem": None,
    }
    assert "account list: cached 7 min ago" in status.lines()
    assert token.access_token not in json.dumps(data) and token.refresh_token not in str(data)


def test_an_unreadable_token_file_is_a_status_not_an_error(sso_session, emulator):
    path = TokenCache(sso_session).token_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    status = session_status(sso_session)
    assert not status.logged_in and not status.usable
    assert "unreadable" in status.problem


def test_token_times():
    now = timeutil.utcnow()
    token = Token("u", "r", "a", now + timedelta(seconds=90), "c", "s", None, "rt")
    assert token_times(token, now).seconds_left == 90 and token_times(token, now).can_refresh
    assert token_times(token, now + timedelta(hours=1)).seconds_left == 0
