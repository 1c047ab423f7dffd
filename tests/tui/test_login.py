"""Login: the browser login (PKCE) and the device code screen, approval, denial, expiry and
the switch between them, against the emulator. The browser is the test: it GETs the page the
app opened and follows the redirect back to the app's loopback listener."""

from __future__ import annotations

import asyncio
import re
import socket
import urllib.request
from datetime import timedelta

from textual.geometry import Offset
from textual.selection import Selection

from ssotui.core.settings import Settings
from ssotui.tui.picker.screen import PickerScreen
from ssotui.tui.screens.login import LoginScreen
from ssotui.tui.widgets.session_header import SessionHeader
from ssotui.tui.widgets.user_code import UserCode, big_text

from .conftest import FIXED_NOW, make_app, row_count, wait_for

DEVICE = Settings(login_flow="device")
PKCE = Settings(login_flow="pkce")


def label_text(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def browser_visits(url: str) -> str:
    """What a browser does with the login page: GET it, follow the redirects (no proxy)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as reply:
        reply.read()
        return reply.geturl()


def is_listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


async def test_browser_login_waits_for_the_browser_then_the_picker(emulator, sso_session, fakes):
    fakes.environ["DISPLAY"] = ":0"
    emulator.authorize_auto = "approve"
    app = make_app(sso_session, fakes, PKCE)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="login screen")
        screen = app.screen
        await wait_for(pilot, lambda: screen.browser_login is not None, what="the browser login")
        login = screen.browser_login
        assert label_text(screen, "#login-status") == "Waiting for the browser…"
        assert screen.query_one("#login-url").url == login.url
        assert login.url.startswith(f"{emulator.base_url}/authorize?response_type=code&")
        assert re.fullmatch(r"(10m 00s|9m \d\ds) left", label_text(screen, "#login-expiry"))
        assert not screen.query_one(UserCode).display  # no code in this flow
        assert "d" in {b.binding.key for b in screen.active_bindings.values()}
        # With a display, the browser opens the page by itself; it comes back to the app.
        await wait_for(pilot, lambda: fakes.opened, what="the browser")
        assert fakes.opened == [login.url]
        back = await asyncio.to_thread(browser_visits, fakes.opened[0])
        assert back.startswith(login.redirect_uri + "?")
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
        # The picker reads the saved token as it mounts.
        await wait_for(pilot, lambda: app.screen.signed_in, what="signed in")
        assert emulator.stats.calls["StartDeviceAuthorization"] == 0
        assert not is_listening(login.listener.port)


async def test_browser_login_denied_says_so_and_r_tries_again(emulator, sso_session, fakes):
    emulator.authorize_auto = "deny"
    app = make_app(sso_session, fakes, PKCE)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "browser_login", None) is not None)
        screen = app.screen
        await asyncio.to_thread(browser_visits, screen.browser_login.url)
        await wait_for(pilot, lambda: screen.failed, what="the denial")
        assert label_text(screen, "#login-status") == (
            "The login was denied in the browser. Press r to try again, or d for a device code."
        )
        emulator.authorize_auto = "approve"
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.browser_login is not None, what="a new login")
        await asyncio.to_thread(browser_visits, screen.browser_login.url)
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")


async def test_the_browser_page_is_one_line_in_the_box_and_c_copies_it_whole(
    emulator, sso_session, fakes
):
    app = make_app(sso_session, fakes, PKCE)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "browser_login", None) is not None)
        screen = app.screen
        url = screen.browser_login.url
        line = screen.query_one("#login-url")
        await pilot.pause()
        shown = label_text(screen, "#login-url")
        # One line, inside the box: the start and the end of the address around "…".
        assert line.size.height == 1
        assert len(shown) == line.content_size.width < len(url)
        head, tail = shown.split("…")
        assert url.startswith(head) and url.endswith(tail) and len(head) > 20
        assert line.region.right <= screen.query_one("#login-box").content_region.right
        # Selecting any of it selects the whole address.
        assert line.get_selection(Selection.from_offsets(Offset(0, 0), Offset(5, 0))) == (
            url,
            "\n",
        )
        # c copies the whole address; it is in the footer, and the button says so.
        keys = {b.binding.key: b.binding.description for b in screen.active_bindings.values()}
        assert keys["c"] == "Copy URL"
        assert screen.query_one("#copy-url").display
        assert not screen.query_one("#copy-code").display
        await pilot.press("c")
        await wait_for(pilot, lambda: fakes.copied, what="the clipboard")
        assert fakes.copied == [url]
        # Switched to the device code, c copies the code again.
        await pilot.press("d")
        await wait_for(pilot, lambda: screen.authorization is not None, what="a user code")
        await pilot.press("c")
        await wait_for(pilot, lambda: len(fakes.copied) == 2, what="the clipboard")
        assert fakes.copied[1] == screen.authorization.user_code


async def test_d_switches_from_the_browser_to_the_device_code(emulator, sso_session, fakes):
    app = make_app(sso_session, fakes, PKCE)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "browser_login", None) is not None)
        screen = app.screen
        port = screen.browser_login.listener.port
        assert is_listening(port)
        await pilot.press("d")
        await wait_for(pilot, lambda: screen.authorization is not None, what="a user code")
        code = screen.authorization.user_code
        assert screen.query_one(UserCode).display and screen.query_one(UserCode).code == code
        assert f"{emulator.base_url}/device" in label_text(screen, "#login-url")
        assert label_text(screen, "#login-status") == "Waiting for approval…"
        assert not is_listening(port)  # the browser login's listener is closed
        assert "d" not in {b.binding.key for b in screen.active_bindings.values()}
        assert emulator.approve(code)
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")


async def test_over_ssh_the_screen_uses_the_device_code_and_says_why(emulator, sso_session, fakes):
    fakes.environ.update(DISPLAY=":0", SSH_CONNECTION="10.0.0.1 5555 10.0.0.2 22")
    app = make_app(sso_session, fakes, Settings(login_flow="auto"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "authorization", None) is not None)
        screen = app.screen
        assert label_text(screen, "#login-flow") == (
            "Using the device code: an SSH session (the browser cannot reach this machine)."
        )
        assert screen.browser_login is None


async def test_login_screen_then_approval_streams_the_picker(emulator, sso_session, fakes):
    fakes.environ["DISPLAY"] = ":0"
    app = make_app(sso_session, fakes, DEVICE)
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
        assert picker.signed_in
        assert re.fullmatch(r"token (1h 00m|\d+m) · renews itself", label_text(picker, "#token"))


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
    fakes.environ["BROWSER"] = "firefox"
    app = make_app(sso_session, fakes, Settings(login_flow="device", open_browser_on_login=False))
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


def test_big_text_draws_every_character_of_a_user_code():
    rows = big_text("WXYZ-2345")
    assert len(rows) == 3
    assert len({len(row) for row in rows}) == 1
    assert all(row.strip() for row in rows)


def test_the_header_gives_the_access_tokens_time_and_whether_it_renews_itself():
    """The ~1 h countdown is the access token's, not the session's end."""
    header = SessionHeader()
    header.set_reactive(SessionHeader.signed_in, True)
    header.set_reactive(SessionHeader.now, FIXED_NOW)
    header.set_reactive(SessionHeader.token_expires, FIXED_NOW + timedelta(minutes=42, seconds=9))
    header.set_reactive(SessionHeader.refreshable, True)
    assert header.token_text() == "token 42m · renews itself"
    header.set_reactive(SessionHeader.refreshable, False)
    assert header.token_text() == "token 42m · no refresh"
    header.set_reactive(SessionHeader.token_expires, FIXED_NOW - timedelta(seconds=1))
    assert header.token_text() == "token expired"


async def test_help_on_the_device_code_screen_has_a_title_and_only_keys_that_work(
    emulator, sso_session, fakes
):
    from ssotui.tui.screens.help import HelpScreen

    app = make_app(sso_session, fakes, DEVICE)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "authorization", None) is not None)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        text = str(app.screen.query_one("#help-text").render())
        assert "LoginScreen" not in text and "Login" in text
        assert "Try again" not in text  # r works only after a failed login
        assert "Copy" in text  # c does


def test_middle_ellipsis_keeps_the_start_and_the_end_within_the_width():
    from ssotui.tui.widgets.url_label import middle_ellipsis

    url = "https://oidc.us-east-1.amazonaws.com/authorize?state=abc&code_challenge=xyz"
    assert middle_ellipsis(url, len(url)) == url
    assert middle_ellipsis(url, 0) == url  # no width yet
    # Two thirds of the room for the start (the host and path the user checks).
    assert middle_ellipsis(url, 31) == "https://oidc.us-east…llenge=xyz"
    assert middle_ellipsis("日本語日本語日本語", 7) == "日本…語"  # wide characters: 2 cells
