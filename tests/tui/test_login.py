"""Login: the device code screen, approval, denial and expiry, against the emulator."""

from __future__ import annotations

import re

from ssotui.tui.screens.login import LoginScreen
from ssotui.tui.screens.picker import PickerScreen
from ssotui.tui.widgets.user_code import UserCode, big_text

from .conftest import make_app, notifications, row_count, sign_in, wait_for


def label_text(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_login_screen_then_approval_streams_the_picker(emulator, sso_session, fakes):
    fakes.environ["DISPLAY"] = ":0"
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="login screen")
        screen = app.screen
        await wait_for(pilot, lambda: screen.authorization is not None, what="a user code")
        code = screen.authorization.user_code
        # The code is drawn big, and the page to approve it on is shown.
        assert screen.query_one(UserCode).code == code
        assert f"{emulator.base_url}/device" in label_text(screen, "#login-url")
        assert "Waiting for approval" in label_text(screen, "#login-status")
        assert re.fullmatch(
            rf"Code {code} · expires in (10m 00s|9m \d\ds)", label_text(screen, "#login-expiry")
        )
        # With a display, the browser opens the approval page by itself.
        await wait_for(pilot, lambda: fakes.opened, what="the browser")
        assert fakes.opened == [screen.authorization.verification_uri_complete]

        assert emulator.approve(code)
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
        picker = app.screen
        await wait_for(
            pilot, lambda: picker.loader and not picker.state.loading, what="the inventory"
        )
        assert picker.rows.total_count == row_count(emulator)
        assert picker.progress == f"{row_count(emulator)} roles in 12 accounts"
        assert picker.signed_in and "token expires in" in label_text(picker, "#token")


async def test_no_display_no_browser_but_keys_open_and_copy(emulator, sso_session, fakes):
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "authorization", None) is not None)
        screen = app.screen
        await pilot.pause(0.2)
        assert fakes.opened == []  # no DISPLAY, WAYLAND_DISPLAY or BROWSER
        await pilot.press("b")
        await wait_for(pilot, lambda: fakes.opened, what="the browser")
        assert fakes.opened == [screen.authorization.verification_uri_complete]
        await pilot.press("c")
        await wait_for(pilot, lambda: fakes.copied, what="the clipboard")
        assert fakes.copied == [screen.authorization.user_code]


async def test_settings_can_turn_off_the_automatic_browser(emulator, sso_session, fakes):
    from ssotui.core.settings import Settings

    fakes.environ["BROWSER"] = "firefox"
    app = make_app(sso_session, fakes, Settings(open_browser_on_login=False))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "authorization", None) is not None)
        await pilot.pause(0.3)
        assert fakes.opened == []


async def test_denied_login_says_so_and_r_starts_over_with_a_new_code(emulator, sso_session, fakes):
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "authorization", None) is not None)
        screen = app.screen
        first = screen.authorization.user_code
        emulator.deny(first)
        await wait_for(pilot, lambda: screen.failed, what="the denial")
        assert "denied" in label_text(screen, "#login-status")
        assert screen.query_one("#retry").display
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: screen.authorization is not None and screen.authorization.user_code != first,
            what="a new code",
        )
        assert not screen.failed
        assert screen.query_one(UserCode).code == screen.authorization.user_code
        emulator.approve(screen.authorization.user_code)
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")


async def test_expired_code_says_so(emulator, sso_session, fakes):
    emulator.state.device_ttl = 1.0
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "authorization", None) is not None)
        screen = app.screen
        await wait_for(pilot, lambda: screen.failed, timeout=8, what="the expiry")
        assert "expired" in label_text(screen, "#login-status")
        assert "r" in {b.binding.key for b in screen.active_bindings.values()}


async def test_expired_session_goes_to_login_and_back_to_the_same_row(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    messages: list = []
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
        picker = app.screen
        await wait_for(
            pilot, lambda: picker.loader and not picker.state.loading, what="the inventory"
        )
        await pilot.press(*"security-audit")
        await wait_for(pilot, lambda: picker.rows.shown_count == 2)
        await pilot.press("down")
        target = picker.highlighted
        assert (target.account_name, target.role_name) == ("security-audit", "SecurityAudit")
        await pilot.press("escape")  # back to the list, the filter stays

        emulator.expire_access_tokens()
        emulator.end_sessions()  # refresh tokens no longer work either
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="login")
        login = app.screen
        await wait_for(pilot, lambda: login.authorization is not None)
        assert label_text(login, "#login-reason") == (
            "Your session has expired or was signed out: sign in again."
        )
        emulator.approve(login.authorization.user_code)
        await wait_for(pilot, lambda: app.screen is picker, what="the picker again")
        # Same filter, same row, and the console the user asked for opens after the login.
        assert picker.filter.value == "security-audit"
        assert picker.highlighted == target
        await wait_for(
            pilot,
            lambda: (
                "Opened the console for security-audit / SecurityAudit." in notifications(messages)
            ),
            what="the console",
        )
        assert len(fakes.opened) == 1


def test_big_text_draws_every_character_of_a_user_code():
    rows = big_text("WXYZ-2345")
    assert len(rows) == 3
    assert len({len(row) for row in rows}) == 1
    assert all(row.strip() for row in rows)
