"""The picker against the emulator's hostile org (issue 11 §2): names with terminal escapes,
newlines, bidi overrides, lone surrogates, NUL, quotes and ``$(…)`` are drawn made safe in the
list, the details pane, the action menu and the notifications; the search sees the same safe
text; a subshell gets prompt-safe markers; the login screen never shows or opens an invalid
approval page."""

from __future__ import annotations

import contextlib
import re

import pytest
from conftest import SESSION_NAME, START_URL, write_aws_config

from ssotui.core.config import load_config
from ssotui.core.untrusted import for_terminal, marker
from ssotui.emulator.hostile import HOSTILE_NAMES
from ssotui.tui.picker.menu import ActionMenu
from ssotui.tui.picker.screen import PickerScreen
from ssotui.tui.screens.login import BAD_URL, WAITING, LoginScreen

from .conftest import make_app, notifications, sign_in, wait_for

# Never drawn: C0 controls (ESC, BEL, NUL, ...) and DEL, C1 controls, bidi controls, surrogates.
UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ud800-\udfff]"
)
HOSTILE_IDS = {name: f"{999000000000 + index:012d}" for index, name in enumerate(HOSTILE_NAMES)}
SKIPPED = re.compile(
    r"Skipped \d+ row\(s\) the portal sent with an invalid account id or role name\."
)


def named(fragment: str) -> tuple[str, str]:
    """(account id, name) of the hostile account whose name starts with ``fragment``."""
    [name] = [n for n in HOSTILE_NAMES if n.startswith(fragment)]
    return HOSTILE_IDS[name], name


def screen_text(app) -> str:
    """Every character the screen draws (the toasts included)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


@pytest.fixture
def hostile(make_emulator):
    emulator = make_emulator(accounts=3, hostile=True)
    write_aws_config(
        f"[sso-session {SESSION_NAME}]\n"
        f"sso_start_url = {START_URL}\n"
        "sso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n"
    )
    return emulator, load_config().sessions[SESSION_NAME]


async def loaded_picker(pilot, app) -> PickerScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
    picker = app.screen
    await wait_for(pilot, lambda: picker.loader and not picker.state.loading, what="the list")
    return picker


async def show(pilot, picker, account_id: str) -> None:
    picker.filter.value = account_id
    await pilot.pause()
    assert picker.highlighted is not None and picker.highlighted.account_id == account_id


async def test_list_details_and_search_show_every_hostile_name_made_safe(hostile, fakes):
    emulator, session = hostile
    sign_in(emulator, session)
    messages: list = []
    app = make_app(session, fakes)
    async with app.run_test(size=(160, 45), message_hook=messages.append) as pilot:
        picker = await loaded_picker(pilot, app)
        assert not UNSAFE.search(screen_text(app))
        for name, account_id in HOSTILE_IDS.items():
            await show(pilot, picker, account_id)
            safe = for_terminal(name)
            row = picker.highlighted
            # What the list, its search index and the details pane all hold and draw.
            assert row.account_name == safe and row.email == for_terminal(f"{name}@example.com")
            details = picker.query_one("#details").text
            assert safe in details and row.email in details
            drawn = screen_text(app)
            assert not UNSAFE.search(drawn), (name, drawn)
            assert safe[:30] in picker.rows.render_line(0).text
        # The search sees the safe text: the name as it is shown finds its row.
        picker.filter.value = "clipboard-prod"
        await pilot.pause()
        assert {r.account_id for r in picker.rows.shown_assignments()} == {named("clip")[0]}
        # Rows with an invalid account id or role name are not there, and that is said once.
        assert not any(r.account_name.startswith("bad-id-") for r in picker.rows._index.rows)
        assert len([n for n in notifications(messages) if SKIPPED.fullmatch(n)]) == 1


async def test_menu_title_and_notifications_are_made_safe(hostile, fakes):
    emulator, session = hostile
    sign_in(emulator, session)
    messages: list = []
    app = make_app(session, fakes)
    async with app.run_test(size=(160, 45), message_hook=messages.append) as pilot:
        picker = await loaded_picker(pilot, app)
        clip_id, clip = named("clip")
        await show(pilot, picker, clip_id)
        role = picker.highlighted.role_name
        await pilot.press("enter")
        assert isinstance(app.screen, ActionMenu)
        title = str(app.screen.query_one("#menu-title").render())
        assert title == f"clipboard-prod / {role}"
        assert not UNSAFE.search(screen_text(app))
        await pilot.press("escape", "escape")  # the menu, then the filter
        assert app.screen is picker
        await pilot.press("ctrl+f")
        assert f"Pinned clipboard-prod / {role}." in notifications(messages)
        title_id, _title = named("title")
        await show(pilot, picker, title_id)
        await pilot.press("escape", "ctrl+o")
        await wait_for(pilot, lambda: fakes.opened, what="the console")
        role = picker.highlighted.role_name
        opened = f"Opened the console (home, us-east-1) for title-staging as {role}."
        await wait_for(pilot, lambda: opened in notifications(messages), what="the toast")
        for note in notifications(messages):
            assert not UNSAFE.search(note), note
        assert "clipboard-prod" in screen_text(app)  # the toasts, as drawn
        assert not UNSAFE.search(screen_text(app))


async def test_a_subshell_gets_prompt_safe_markers(hostile, fakes):
    emulator, session = hostile
    sign_in(emulator, session)
    app = make_app(session, fakes)
    async with app.run_test(size=(160, 45)) as pilot:
        app.suspend = contextlib.nullcontext
        picker = await loaded_picker(pilot, app)
        for fragment in ("dollar", "nul", "two"):
            account_id, name = named(fragment)
            await show(pilot, picker, account_id)
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: len(fakes.processes) == 1, what="the subshell")
            [(_argv, env)] = fakes.processes
            fakes.processes.clear()
            assert env["SSOTUI_ACCOUNT_NAME"] == marker(name)
            assert re.fullmatch(r"[A-Za-z0-9._\-@+=,:/ ]+", env["SSOTUI_ACCOUNT_NAME"])
        # And with refreshing credentials (a local credential server instead of keys).
        await pilot.press("escape", "f6")
        assert picker.refreshing_shell
        account_id, name = named("back")
        await show(pilot, picker, account_id)
        await pilot.press("ctrl+s")  # the list has the focus
        await wait_for(pilot, lambda: fakes.processes, what="the refreshing subshell")
        [(_argv, env)] = fakes.processes
        assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" in env
        assert env["SSOTUI_ACCOUNT_NAME"] == "back_touch /tmp/ssotui-hostile-pwned_tick"


def bad_approval_page(emulator, monkeypatch, uri: str) -> None:
    start_device = emulator.state.start_device

    def answer(*args, **kwargs):
        return {
            **start_device(*args, **kwargs),
            "verificationUri": uri,
            "verificationUriComplete": uri,
        }

    monkeypatch.setattr(emulator.state, "start_device", answer)


@pytest.mark.parametrize(
    "uri", ["javascript:alert(1)", "file:///etc/passwd", "http://evil.example/x"]
)
async def test_login_never_shows_or_opens_an_invalid_approval_page(
    hostile, fakes, monkeypatch, uri
):
    emulator, session = hostile
    bad_approval_page(emulator, monkeypatch, uri)
    fakes.environ["DISPLAY"] = ":0"  # the browser would open by itself
    app = make_app(session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="login screen")
        screen = app.screen
        await wait_for(pilot, lambda: screen.status == WAITING, what="a user code")
        assert str(screen.query_one("#login-url").render()) == BAD_URL
        await pilot.press("b")
        await pilot.pause(0.2)
        assert fakes.opened == []
        assert uri not in screen_text(app)
