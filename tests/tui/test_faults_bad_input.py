"""Bad input in the TUI: a terminal too small for the picker, corrupt inventory and token
caches."""

from __future__ import annotations

import pytest

from ssotui.core.inventory import InventoryCache
from ssotui.core.tokencache import TokenCache
from ssotui.tui.picker.screen import MIN_HEIGHT, MIN_WIDTH, PickerScreen
from ssotui.tui.screens.login import LoginScreen

from .conftest import make_app, notifications, row_count, sign_in, wait_for

pytestmark = pytest.mark.faults


def screen_text(app) -> str:
    """What the terminal shows, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def visible(app, selector: str) -> bool:
    return app.screen.query_one(selector).display


async def test_a_tiny_terminal_shows_one_message_and_the_picker_comes_back(
    emulator, sso_session, fakes
):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(30, 8)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
        picker = app.screen
        await wait_for(pilot, lambda: not picker.state.loading, what="the inventory")
        await pilot.pause()
        text = screen_text(app)
        assert "too small" in text
        assert f"{MIN_WIDTH}×{MIN_HEIGHT}" in text.replace("\n", "").replace(" ", "")
        assert not visible(app, "#rows") and not visible(app, "#filter-row")
        assert "Filter" not in text

        # Only one dimension too small is still too small.
        await pilot.resize_terminal(120, MIN_HEIGHT - 1)
        await pilot.pause()
        assert "too small" in screen_text(app)

        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        text = screen_text(app)
        assert "too small" not in text
        assert visible(app, "#rows") and not visible(app, "#too-small")
        assert picker.rows.shown_count == row_count(emulator)
        # Still usable: the filter has the focus again, so typing filters the list.
        assert app.focused is picker.filter
        await pilot.press(*"security-audit")
        await wait_for(pilot, lambda: picker.rows.shown_count == 2, what="the filter")
        assert "security-audit" in screen_text(app)


async def test_the_smallest_supported_size_shows_the_list(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(MIN_WIDTH, MIN_HEIGHT)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
        picker = app.screen
        await wait_for(pilot, lambda: not picker.state.loading, what="the inventory")
        await pilot.pause()
        text = screen_text(app)
        assert "too small" not in text
        assert visible(app, "#rows")
        assert picker.rows.size.height >= 2
        first = picker.highlighted
        assert first is not None and first.account_name in text


async def test_a_corrupt_inventory_cache_is_replaced_by_the_portal_list(
    emulator, sso_session, fakes
):
    sign_in(emulator, sso_session)
    cache = InventoryCache().path_for(sso_session)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text('{"version": 1, "startUrl": "https://d-9067000000.awsapps.com/start", "acc')
    app = make_app(sso_session, fakes)
    messages: list = []
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
        picker = app.screen
        await wait_for(pilot, lambda: not picker.state.loading, what="the inventory")
        assert picker.rows.shown_count == row_count(emulator)
        assert notifications(messages) == []
    assert InventoryCache().load(sso_session) is not None


async def test_a_corrupt_token_file_says_so_on_the_login_screen(emulator, sso_session, fakes):
    path = TokenCache(sso_session).token_path
    path.parent.mkdir(parents=True, mode=0o700)
    path.write_text('{"startUrl": "https://d-9067000000.awsapps.com/start", "accessTo')
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="the login")
        login = app.screen
        await wait_for(pilot, lambda: login.authorization is not None, what="a user code")
        reason = str(login.query_one("#login-reason").render())
        assert "unreadable" in reason and path.name in reason
        assert path.read_text().endswith('"accessTo')  # untouched until the user signs in
        assert emulator.approve(login.authorization.user_code)
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
        picker = app.screen
        # Not "not loading": right after the login the load may not have started yet.
        await wait_for(
            pilot, lambda: picker.rows.total_count == row_count(emulator), what="every row"
        )
    assert TokenCache(sso_session).load_token() is not None
