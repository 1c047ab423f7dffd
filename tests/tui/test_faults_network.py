"""Fault injection, network side, as the user sees it in the picker: progress through a
throttling storm, a portal that goes away mid-listing (and comes back), and working offline
from the cache."""

from __future__ import annotations

import re
import threading

import pytest

from ssotui.core import portal_http
from ssotui.core.settings import Settings
from ssotui.tui.picker.screen import PickerScreen
from ssotui.tui.picker.state import LOADING_ROLE

from .conftest import (
    cached_then_offline,
    make_app,
    notifications,
    row_count,
    sign_in,
    wait_for,
)

pytestmark = pytest.mark.faults

PROGRESS = re.compile(r"accounts (\d+)/(\d+)")


async def open_picker(pilot, app) -> PickerScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
    return app.screen


def text_of(screen, selector: str) -> str:
    """What a label or banner shows on screen."""
    widget = screen.query_one(selector)
    return str(widget.render()) if widget.display else ""


def shown_rows(picker: PickerScreen) -> list[tuple[str, str]]:
    rows = picker.rows
    return [(rows._index.rows[i].account_name, rows._index.rows[i].role_name) for i in rows._shown]


def assert_one_sentence(text: str) -> None:
    assert "\n" not in text and "Traceback" not in text, text
    assert re.fullmatch(r"[A-Z][^\n]*[.!]", text), text
    assert ". " not in text, text  # one sentence


# -- throttling storm -------------------------------------------------------------------------


async def test_progress_shows_growing_counts_through_a_throttling_storm(
    make_emulator, sso_session, fakes
):
    """The portal allows 5 req/s, the client asks for 20: the list still fills up, the
    progress line counts accounts up the whole time and says it is being throttled, and no
    error is shown."""
    accounts = 20
    emulator = make_emulator(accounts=accounts, seed=7, rate_limit=5)
    sign_in(emulator, sso_session)
    messages: list = []
    app = make_app(sso_session, fakes, Settings())  # default client rate: 20 req/s
    seen: list[str] = []
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        picker = await open_picker(pilot, app)
        await wait_for(pilot, lambda: picker.state.loading, what="the load to start")
        while picker.state.loading:
            shown = text_of(picker, "#progress")
            assert shown.startswith("loading…"), shown  # never blank while loading
            seen.append(shown)
            await pilot.pause(0.05)
        done_counts = [int(m.group(1)) for m in map(PROGRESS.search, seen) if m]
        assert done_counts == sorted(done_counts), "the count went backwards"
        assert len(set(done_counts)) >= 5, seen  # it visibly grew, not one jump at the end
        assert any("throttled — slowing down" in s for s in seen), seen
        assert all(m.group(2) == str(accounts) for m in map(PROGRESS.search, seen) if m)

        await wait_for(pilot, lambda: picker.rows.total_count == row_count(emulator))
        assert emulator.stats.throttled["ListAccountRoles"] > 0  # it was a storm
        assert text_of(picker, "#progress") == f"{row_count(emulator)} roles in 20 accounts"
        assert text_of(picker, "#offline") == ""
        assert notifications(messages) == []  # no error surfaced
        assert all(role != LOADING_ROLE for _, role in shown_rows(picker))


# -- connection refused mid-listing -----------------------------------------------------------


async def test_portal_gone_mid_listing_keeps_the_rows_says_incomplete_and_r_finishes(
    make_emulator, sso_session, fakes, monkeypatch
):
    emulator = make_emulator(accounts=150, seed=7)  # two ListAccounts pages
    sign_in(emulator, sso_session)
    list_accounts = portal_http.PortalHttp.list_accounts
    list_roles = portal_http.PortalHttp.list_account_roles
    some_roles_arrived = threading.Event()
    answered, outages = [], []

    def roles(self, token, account_id, max_results, next_token=None):
        page = list_roles(self, token, account_id, max_results, next_token)
        answered.append(account_id)
        if len(answered) >= 10:
            some_roles_arrived.set()
        return page

    def portal_dies_before_page_two(self, token, max_results, next_token=None):
        if next_token and not outages:
            outages.append(1)  # once
            some_roles_arrived.wait(10)
            emulator.stop()  # connection refused from now on
        return list_accounts(self, token, max_results, next_token)

    monkeypatch.setattr(portal_http.PortalHttp, "list_accounts", portal_dies_before_page_two)
    monkeypatch.setattr(portal_http.PortalHttp, "list_account_roles", roles)
    messages: list = []
    app = make_app(sso_session, fakes, Settings(rate_limit=100))
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        picker = await open_picker(pilot, app)
        await wait_for(pilot, lambda: not emulator.running, what="the outage")
        await wait_for(pilot, lambda: not picker.state.loading, what="the load to give up")
        await wait_for(pilot, lambda: text_of(picker, "#offline"), what="the banner")

        # What arrived is on screen, and exactly what the portal said.
        org = {a.name: a.roles for a in emulator.org.accounts}
        kept = shown_rows(picker)
        assert kept and all(role in org[name] for name, role in kept)
        assert all(role != LOADING_ROLE for _, role in kept)
        assert len(kept) < row_count(emulator)
        # ... and the user is told it is incomplete, and what to do.
        banner = text_of(picker, "#offline")
        assert banner.startswith("Offline: the access portal cannot be reached. ")
        progress = text_of(picker, "#progress")
        assert progress.startswith("incomplete · accounts "), progress
        assert progress.endswith("/100+ · press ^r to retry"), progress  # more not listed
        done = int(PROGRESS.search(progress).group(1))
        assert banner == (
            "Offline: the access portal cannot be reached. The list is incomplete: only 100 "
            f"accounts were listed, and the roles of {done} of them arrived. "
            "Press ^r to try again."
        )
        notes = notifications(messages)
        assert len(notes) == 1 and notes[0].startswith("Cannot reach 127.0.0.1:")
        assert_one_sentence(notes[0])

        # The portal comes back; r finishes the list.
        emulator.start()
        await pilot.press("escape", "ctrl+r")
        await wait_for(
            pilot,
            lambda: text_of(picker, "#progress").endswith("roles in 150 accounts"),
            what="the retry to finish",
        )
        assert picker.rows.total_count == row_count(emulator)
        assert text_of(picker, "#offline") == ""
        assert text_of(picker, "#progress").endswith(f"{row_count(emulator)} roles in 150 accounts")
        assert "incomplete" not in text_of(picker, "#progress")
        cached = picker.client.cached_inventory()
        assert cached is not None and cached.complete
        assert len(cached.assignments()) == row_count(emulator)


# -- offline ----------------------------------------------------------------------------------


async def offline_picker(pilot, app) -> PickerScreen:
    picker = await open_picker(pilot, app)
    await wait_for(
        pilot,
        lambda: text_of(picker, "#offline").endswith("Press ^r to try again."),
        what="the offline banner after the load gave up",
    )
    return picker


ACTIONS_NEEDING_THE_PORTAL = [
    ("ctrl+o", "open the console"),
    ("ctrl+s", "start a shell"),
    ("ctrl+y", "copy the credentials as exports"),
    ("ctrl+l", "copy a console URL"),
]


async def test_offline_start_shows_the_cache_and_actions_fail_with_one_sentence(
    emulator, sso_session, fakes
):
    cached_then_offline(emulator, sso_session)
    messages: list = []
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        picker = await offline_picker(pilot, app)
        # The cached rows are on screen under the banner.
        assert picker.rows.total_count == row_count(emulator)
        assert text_of(picker, "#offline") == (
            "Offline: the access portal cannot be reached. Showing the list cached just now. "
            "Press ^r to try again."
        )
        assert text_of(picker, "#progress") == (
            "not refreshed: showing the cached list · press ^r to retry"
        )
        await pilot.press("escape")
        for key, what in ACTIONS_NEEDING_THE_PORTAL:
            before = len(notifications(messages))  # the load's own "cannot reach" notice
            await pilot.press(key)
            await wait_for(
                pilot, lambda n=before: len(notifications(messages)) > n, what=f"{what}: a notice"
            )
            await pilot.pause(0.2)  # nothing else follows
            new = notifications(messages)[before:]
            assert len(new) == 1, (what, new)
            assert new[0].startswith("Cannot reach 127.0.0.1:"), (what, new[0])
            assert "check your network" in new[0]
            assert_one_sentence(new[0])
            assert app.screen is picker, what
        assert fakes.opened == [] and fakes.copied == [] and fakes.processes == []
        assert picker.rows.total_count == row_count(emulator)  # still all there
        assert text_of(picker, "#offline").startswith("Offline: ")
