"""Fault suite, expiry in the picker: an access token that expires mid-session is refreshed
without the user noticing; a session that cannot be refreshed goes to the login screen and,
once approved, back to the same filter and highlighted row (the one place this is tested)."""

from __future__ import annotations

import json

import pytest

from ssotui.core.tokencache import TokenCache
from ssotui.tui.picker.screen import PickerScreen
from ssotui.tui.screens.login import LoginScreen

from .conftest import make_app, notifications, row_count, sign_in, wait_for

pytestmark = pytest.mark.faults


async def loaded_picker(pilot, app) -> PickerScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
    picker = app.screen
    await wait_for(pilot, lambda: picker.loader and not picker.state.loading, what="inventory")
    return picker


async def highlight_fourth_row(pilot, picker: PickerScreen, query: str = "") -> tuple[str, str]:
    await pilot.press(*query)
    await pilot.press("escape")  # from the filter to the list
    await pilot.press("down", "down", "down")
    row = picker.highlighted
    assert row is not None and picker.rows.highlighted_index == 3
    return row.account_name, row.role_name


def highlighted(picker: PickerScreen) -> tuple[str, str]:
    row = picker.highlighted
    assert row is not None
    return row.account_name, row.role_name


async def test_an_access_token_expired_mid_session_is_refreshed_without_a_login(
    emulator, sso_session, fakes
):
    sign_in(emulator, sso_session)
    path = TokenCache(sso_session).token_path
    before = json.loads(path.read_text())
    app = make_app(sso_session, fakes)
    messages: list = []
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        picker = await loaded_picker(pilot, app)
        target = await highlight_fourth_row(pilot, picker)

        emulator.expire_access_tokens()  # the portal now answers 401 to the cached token
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: fakes.opened, what="the console")
        listed = emulator.stats.calls["ListAccounts"]
        emulator.expire_access_tokens()  # and once more, for the inventory this time
        await pilot.press("ctrl+r")
        await wait_for(
            pilot, lambda: emulator.stats.calls["ListAccounts"] > listed, what="the reload"
        )
        await wait_for(pilot, lambda: not picker.state.loading, what="the reload")

        assert app.screen is picker
        assert not any(isinstance(s, LoginScreen) for s in app.screen_stack)
        assert emulator.stats.calls["StartDeviceAuthorization"] == 0
        assert highlighted(picker) == target
        assert picker.rows.total_count == row_count(emulator)
        assert len(fakes.opened) == 1
        assert not [n for n in notifications(messages) if "expired" in n or "sign" in n]
    after = json.loads(path.read_text())
    assert after["accessToken"] != before["accessToken"]
    assert after["refreshToken"] and after["refreshToken"] != before["refreshToken"]


@pytest.mark.parametrize(
    "cause, key",
    [("no refresh token", "ctrl+o"), ("no refresh token", "ctrl+r"), ("refresh refused", "ctrl+r")],
)
async def test_an_unrefreshable_session_logs_in_and_returns_to_the_same_row(
    make_emulator, sso_session, fakes, cause, key
):
    emulator = make_emulator(accounts=12, seed=7, refresh_tokens=cause != "no refresh token")
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    messages: list = []
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        picker = await loaded_picker(pilot, app)
        target = await highlight_fourth_row(pilot, picker, "prod")

        if cause == "no refresh token":
            emulator.expire_access_tokens()
        else:
            emulator.end_sessions()
        await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="the login")
        login = app.screen
        await wait_for(pilot, lambda: login.authorization is not None, what="a user code")
        assert str(login.query_one("#login-reason").render()) == (
            "Your session has expired or was signed out: sign in again."
        )
        assert not fakes.opened
        assert emulator.approve(login.authorization.user_code)

        await wait_for(pilot, lambda: app.screen is picker, what="the picker again")
        await wait_for(pilot, lambda: not picker.state.loading, what="the inventory")
        assert picker.filter.value == "prod"
        assert highlighted(picker) == target
        assert picker.rows.total_count == row_count(emulator)
        if key == "ctrl+r":  # nothing else changed: the same place in the list too
            assert picker.rows.highlighted_index == 3
        else:  # the action runs once, after the login (the row, now a recent pick, moves
            # up to the recents with the highlight on it)
            await wait_for(pilot, lambda: fakes.opened, what="the console")
            name, role = target
            opened = f"Opened the console (home, us-east-1) for {name} as {role}."
            assert opened in notifications(messages)
            assert len(fakes.opened) == 1
