"""The picker against the emulator: cached start, streaming, filter, every key's action."""

from __future__ import annotations

import contextlib
import json
import urllib.request

from textual import events
from textual.command import CommandList

from ssotui.core import timeutil
from ssotui.core.inventory import InventoryLoader
from ssotui.core.models import Account
from ssotui.core.picks import PickStore
from ssotui.core.settings import Settings, load_settings
from ssotui.tui.picker.menu import ActionMenu
from ssotui.tui.picker.screen import PickerScreen
from ssotui.tui.picker.state import LOADING_ROLE
from ssotui.tui.screens.help import HelpScreen

from .conftest import (
    cached_then_offline,
    make_app,
    notifications,
    org_inventory,
    row_count,
    save_inventory,
    set_org_account,
    sign_in,
    wait_for,
)


async def open_picker(pilot, app, *, loaded: bool = True) -> PickerScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
    picker = app.screen
    if loaded:
        await wait_for(
            pilot, lambda: picker.loader and not picker.state.loading, what="the inventory"
        )
    return picker


def picker_of(app) -> PickerScreen:
    return next(s for s in app.screen_stack if isinstance(s, PickerScreen))


def shown_rows(picker: PickerScreen) -> list[tuple[str, str]]:
    rows = picker.rows
    return [(rows._index.rows[i].account_name, rows._index.rows[i].role_name) for i in rows._shown]


def label(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_cached_inventory_is_shown_before_the_network_then_revalidated(
    make_emulator, sso_session, fakes
):
    emulator = make_emulator(accounts=12, seed=7, latency_ms=300)
    sign_in(emulator, sso_session)
    cached = org_inventory(emulator)
    gone = Account("999999999999", "decommissioned-sandbox", "old@example.com")
    cached.accounts = [a for a in cached.accounts if a.account_name != "log-archive"] + [gone]
    cached.roles[gone.account_id] = ("AdministratorAccess",)
    save_inventory(sso_session, cached)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app, loaded=False)
        # First paint: the cached rows, while the portal (300 ms per call) is still answering.
        assert picker.state.loading
        assert ("decommissioned-sandbox", "AdministratorAccess") in shown_rows(picker)
        assert picker.progress.startswith("refreshing…")
        assert emulator.stats.calls.get("ListAccountRoles", 0) == 0
        await wait_for(pilot, lambda: not picker.state.loading, what="the revalidation")
        rows = shown_rows(picker)
        assert ("decommissioned-sandbox", "AdministratorAccess") not in rows
        assert ("log-archive", "ReadOnlyAccess") in rows
        assert picker.progress == f"updated: +1 −1 · {row_count(emulator)} roles in 12 accounts"


async def test_an_unchanged_org_is_up_to_date(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    save_inventory(sso_session, org_inventory(emulator))
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        assert picker.progress.startswith("up to date")


async def test_offline_with_a_cache_shows_the_rows_and_a_banner(emulator, sso_session, fakes):
    cached_then_offline(emulator, sso_session)
    messages: list = []
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        picker = await open_picker(pilot, app, loaded=False)
        await wait_for(pilot, lambda: picker.offline, what="the offline banner")
        assert picker.rows.total_count == row_count(emulator)
        banner = picker.query_one("#offline")
        assert banner.display
        assert label(picker, "#offline").startswith(
            "Offline: the access portal cannot be reached. Showing the list cached just now."
        )
        # Acting on a row while offline is a notification, not a crash.
        await pilot.press("escape", "ctrl+o")
        await wait_for(pilot, lambda: notifications(messages), what="a notification")
        assert notifications(messages)[0].startswith("Cannot reach 127.0.0.1")
        assert app.screen is picker and fakes.opened == []


async def test_rows_stream_in_with_progress_and_the_highlighted_account_goes_first(
    make_emulator, sso_session, fakes, monkeypatch
):
    emulator = make_emulator(accounts=60, seed=7, latency_ms=40)
    sign_in(emulator, sso_session)
    prioritized: list[str] = []
    original = InventoryLoader.prioritize

    def spy(self, account_id):
        prioritized.append(account_id)
        original(self, account_id)

    monkeypatch.setattr(InventoryLoader, "prioritize", spy)
    app = make_app(sso_session, fakes, Settings(rate_limit=20))
    progress: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app, loaded=False)
        await wait_for(pilot, lambda: picker.rows.total_count, what="the first rows")
        while picker.state.loading:
            progress.append(picker.progress)
            await pilot.pause(0.05)
        # Placeholders stood for accounts whose roles had not arrived; the highlighted one was
        # fetched first.
        assert any("accounts" in p and "/60" in p for p in progress), progress
        assert prioritized, "the highlighted account was never prioritized"
        assert picker.rows.total_count == row_count(emulator)
        assert all(role != LOADING_ROLE for _, role in shown_rows(picker))


async def test_placeholder_rows_while_roles_load(make_emulator, sso_session, fakes):
    emulator = make_emulator(accounts=30, seed=7, latency_ms=150)
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes, Settings(rate_limit=2))
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app, loaded=False)
        await wait_for(
            pilot,
            lambda: any(role == LOADING_ROLE for _, role in shown_rows(picker)),
            what="placeholder rows",
        )
        # Actions are hidden for a placeholder row; its details say the roles are loading.
        await pilot.press("end")
        assert picker.highlighted.role_name == LOADING_ROLE
        assert picker.check_action("open_console", ()) is False
        assert "loading roles" in picker.query_one("#details").text


async def test_filter_prod_pay(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    save_inventory(sso_session, org_inventory(emulator))
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await pilot.press(*"prod pay")
        # Every term matches some field: payments-prod's rows, and sandbox-playground, whose
        # e-mail aws+sandbox-PlAYground holds "pay" and sandbox-PlaygROunD "prod" (fuzzy).
        assert shown_rows(picker) == [
            ("payments-prod", "AdministratorAccess"),
            ("payments-prod", "ReadOnlyAccess"),
            ("payments-prod", "SupportUser"),
            ("sandbox-playground", "PowerUserAccess"),
        ]
        assert picker.query_one("#count").text == f"4/{row_count(emulator)}"
        # ↓ in the filter moves the list; Esc goes back to the list and keeps the filter;
        # Esc on the list clears it.
        await pilot.press("down")
        assert picker.highlighted.role_name == "ReadOnlyAccess"
        await pilot.press("escape")
        assert app.focused is picker.rows and picker.filter.value == "prod pay"
        await pilot.press("escape")
        assert picker.filter.value == "" and picker.rows.shown_count == row_count(emulator)


async def test_the_filter_has_focus_at_start_and_typing_on_the_list_starts_it(
    emulator, sso_session, fakes
):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        assert app.focused is picker.filter
        await pilot.press(*"sandbox")  # s is a key on the list, but here it is text
        assert shown_rows(picker) == [("sandbox-playground", "PowerUserAccess")]
        assert fakes.processes == []
        await pilot.press("escape", "escape")
        assert app.focused is picker.rows and picker.filter.value == ""
        await pilot.press(*"log")  # no key is bound to l; o is typed once the filter has focus
        assert app.focused is picker.filter
        assert picker.filter.value == "log"
        assert shown_rows(picker) == [("log-archive", "ReadOnlyAccess")]


async def test_keys_that_reach_the_list_after_the_switch_are_text(emulator, sso_session, fakes):
    """A fast typist's burst: the terminal delivers "lp" before the filter has the focus."""
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await pilot.press("escape")
        picker.rows.post_message(events.Key("l", "l"))
        picker.rows.post_message(events.Key("p", "p"))  # p (portal link) is bound on the list
        await pilot.pause(0.2)
        assert picker.filter.value == "lp"
        assert fakes.copied == []


async def select(pilot, picker, query: str, role: str | None = None):
    await pilot.press(*query)  # from anywhere: typing goes to the filter
    if role is not None:
        while picker.highlighted.role_name != role:
            await pilot.press("down")
    await pilot.press("escape")


async def test_o_opens_a_console_url_the_federation_endpoint_accepts(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    messages: list = []
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "payments-prod", "SupportUser")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: fakes.opened, what="the browser")
        [url] = fakes.opened
        assert url.startswith(emulator.base_url)
        with urllib.request.urlopen(url) as answer:
            assert answer.status == 200
        await wait_for(pilot, lambda: notifications(messages))
        # The toast names the page and region it opened.
        opened = "Opened the console (home, us-east-1) for payments-prod as SupportUser."
        assert opened in notifications(messages)
        # Credentials are now held: the details pane says until when.
        assert "credentials held until" in picker.query_one("#details").text
        # And the row became a recent pick.
        stored = PickStore(fakes.picks_path).load(sso_session.cache_key)
        assert stored.recents[0] == picker.highlighted.key


async def test_c_copies_the_console_url_and_y_copies_exports(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "management", "Billing")
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: fakes.copied, what="the clipboard")
        with urllib.request.urlopen(fakes.copied[0]) as answer:
            assert answer.status == 200
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: len(fakes.copied) == 2, what="the exports")
        exports = fakes.copied[1]
        assert "export AWS_ACCESS_KEY_ID=" in exports
        assert "export AWS_SESSION_TOKEN=" in exports
        assert "export SSOTUI_ROLE_NAME='Billing'" in exports
        assert "export SSOTUI_ACCOUNT_NAME='management'" in exports
        assert fakes.opened == []


async def test_s_runs_a_subshell_and_the_picker_comes_back_as_it_was(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        app.suspend = contextlib.nullcontext
        picker = await open_picker(pilot, app)
        await pilot.press(*"prod pay", "down")
        target = picker.highlighted
        await pilot.press("ctrl+s")  # from the filter
        await wait_for(pilot, lambda: fakes.processes, what="the subshell")
        [(argv, env)] = fakes.processes
        assert argv == ["/bin/sh"]
        assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")
        assert env["SSOTUI_ROLE_NAME"] == target.role_name
        assert env["SSOTUI_ACCOUNT_ID"] == target.account_id
        assert env["SSOTUI_ACCOUNT_NAME"] == "payments-prod"
        assert env["HOME"] == "/h"  # the rest of the environment is kept
        await pilot.pause()
        assert picker.filter.value == "prod pay"
        assert picker.highlighted == target
        # And from the list: the same key.
        await pilot.press("escape", "ctrl+s")
        await wait_for(pilot, lambda: len(fakes.processes) == 2, what="a second subshell")
        assert picker.highlighted == target
        # After the shell exits (focus on the list, where it was), typing filters.
        await pilot.pause()
        assert app.focused is picker.rows
        await pilot.press(*"s sup")
        assert picker.filter.value == "prod pays sup"
        assert len(fakes.processes) == 2 and fakes.copied == [] and fakes.opened == []


async def test_S_opens_a_tmux_window_only_inside_tmux(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    fakes.environ["TMUX"] = "/tmp/tmux-0/default,1,0"
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "log-archive")
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: fakes.tmux, what="tmux")
        [(name, argv, env)] = fakes.tmux
        assert name == "log-archive/ReadOnlyAccess"
        assert env["SSOTUI_ROLE_NAME"] == "ReadOnlyAccess"
        assert not any(env["AWS_SECRET_ACCESS_KEY"] in part for part in argv + [name])
        assert app.screen is picker


async def test_S_is_hidden_outside_tmux(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        assert picker.check_action("tmux_shell", ()) is False
        assert picker.check_action("shell", ()) is True
        await pilot.press("escape", "ctrl+t")
        await pilot.pause(0.2)
        assert fakes.tmux == []


async def test_f_pins_a_favorite_first_keeps_the_highlight_and_persists(
    emulator, sso_session, fakes
):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await pilot.press("escape", "end")
        target = picker.highlighted
        assert shown_rows(picker)[0] != (target.account_name, target.role_name)
        await pilot.press("ctrl+f")
        assert shown_rows(picker)[0] == (target.account_name, target.role_name)
        assert picker.highlighted == target
        assert "★ favorite" in picker.query_one("#details").text
    stored = json.loads(fakes.picks_path.read_text())
    assert stored["sessions"]["test"]["favorites"] == [list(target.key)]
    # A new start shows it first too.
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        assert shown_rows(picker)[0] == (target.account_name, target.role_name)
        await pilot.press("escape", "home", "ctrl+f")
        assert PickStore(fakes.picks_path).load("test").favorites == ()


async def test_r_refreshes_and_reports_what_changed(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        account = emulator.org.find("log-archive")
        set_org_account(
            emulator, account.account_id, account.name, (*account.roles, "DeveloperAccess")
        )
        await pilot.press("escape", "ctrl+r")
        await wait_for(pilot, lambda: not picker.state.loading, what="the refresh")
        await wait_for(pilot, lambda: "updated" in picker.progress)
        assert picker.progress.startswith("updated: +1 −0")
        assert ("log-archive", "DeveloperAccess") in shown_rows(picker)


async def test_help_is_generated_from_the_bindings(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_picker(pilot, app)
        await pilot.press("escape", "question_mark")  # typed into the filter, as text
        assert picker_of(app).filter.value == "?"
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        rows = [row.split() for row in text.splitlines()]
        for keys, what in ("^o", "Console"), ("^s", "Shell"), ("f1", "Help"), ("^q", "Quit"):
            assert [keys, what] in [row[:2] for row in rows], (keys, what)
        # Keys that type text are not keys on the picker: the help does not offer them.
        assert not any(row[:1] in (["?"], ["q"], ["o"]) for row in rows)
        await pilot.press("escape")
        assert isinstance(app.screen, PickerScreen)


async def test_q_is_text_and_ctrl_q_quits(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await pilot.press("q")  # typed into the filter
        await pilot.press("escape", "escape", "q")  # and from the list too
        assert app.is_running and picker.filter.value == "q"
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_enter_opens_the_action_menu_with_the_last_action_first(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await pilot.press("enter")
        assert isinstance(app.screen, ActionMenu)
        assert app.screen.names[0] == "open_console"
        await pilot.press("ctrl+y")  # the menu's keys are the picker's keys
        await wait_for(pilot, lambda: fakes.copied, what="exports")
        assert app.screen is picker
        await pilot.press("enter")
        assert app.screen.names[0] == "copy_exports"
        await pilot.press("enter")  # runs the first item
        await wait_for(pilot, lambda: len(fakes.copied) == 2)
        assert fakes.copied[1].startswith("unset AWS_PROFILE")


async def test_enter_action_setting_runs_one_action_directly(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes, Settings(enter_action="console"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_picker(pilot, app)
        await pilot.press(*"sandbox", "enter")  # Enter in the filter too
        await wait_for(pilot, lambda: fakes.opened, what="the console")


async def test_double_click_runs_the_default_action(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes, Settings(enter_action="copy_url"))
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await pilot.click("#rows", offset=(5, 2))
        assert picker.highlighted == picker.rows._index.rows[picker.rows._shown[2]]
        assert fakes.copied == []
        await pilot.click("#rows", offset=(5, 2), times=2)
        await wait_for(pilot, lambda: fakes.copied, what="a copied URL")


async def test_command_palette_offers_the_row_actions(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.press(*"copy exp")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: fakes.copied, what="exports from the palette")
        assert "SSOTUI_ROLE_NAME" in fakes.copied[0]
        assert app.screen is picker


async def test_role_not_assigned_is_a_notification(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    messages: list = []
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        picker = await open_picker(pilot, app)
        # An administrator removes the assignment while the list is on screen.
        account = emulator.org.find("payments-prod")
        set_org_account(emulator, account.account_id, account.name, ("AdministratorAccess",))
        await select(pilot, picker, "payments-prod", "SupportUser")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: notifications(messages), what="a notification")
        [note] = notifications(messages)
        assert "SupportUser is not assigned to you" in note
        assert "may be out of date: refresh it" in note
        assert fakes.opened == []
        assert app.screen is picker


async def test_account_names_are_data_not_markup(emulator, sso_session, fakes):
    # Role names are IAM names (no brackets: others are left out of the list); names and
    # e-mails can hold anything.
    set_org_account(
        emulator, "123412341234", "acme [bold]x[/bold] $var", ("Admin",), "[red]e[/red]@x"
    )
    sign_in(emulator, sso_session)
    messages: list = []
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        picker = await open_picker(pilot, app)
        await pilot.press(*"acme", "escape")
        details = picker.query_one("#details").text
        assert "acme [bold]x[/bold] $var" in details and "[red]e[/red]@x" in details
        await pilot.press("ctrl+f")
        assert "Pinned acme [bold]x[/bold] $var / Admin." in notifications(messages)
        await pilot.press("enter")
        assert "acme [bold]x[/bold] $var" in str(app.screen.query_one("#menu-title").render())


async def test_a_keymap_rebinding_changes_keys_footer_menu_palette_and_help(
    emulator, sso_session, fakes, tmp_path
):
    path = tmp_path / "settings.toml"
    path.write_text('[keymap]\n"picker.open_console" = "ctrl+b"\n')
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes, load_settings(path))
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        # The old key does nothing, on the list or in the filter.
        await pilot.press("ctrl+o", "escape", "ctrl+o")
        await pilot.pause(0.2)
        assert fakes.opened == []
        # The footer shows the new key.
        footer = [(k.key_display, k.description) for k in app.screen.query("FooterKey")]
        assert ("^b", "Console") in footer and ("^o", "Console") not in footer
        # The menu shows it and takes it.
        await pilot.press("enter")
        assert isinstance(app.screen, ActionMenu)
        assert app.screen.key_text("open_console") == "^b"
        assert "^b" in str(app.screen.query_one("#menu-options").get_option("open_console").prompt)
        await pilot.press("ctrl+o")  # not in the menu either
        assert isinstance(app.screen, ActionMenu)
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: fakes.opened, what="the console via the menu")
        assert app.screen is picker
        # The palette shows it.
        await pilot.press("ctrl+p")
        await pilot.press(*"open console")
        await pilot.pause(0.5)
        hits = [str(o.prompt).splitlines()[0] for o in app.screen.query_one(CommandList).options]
        assert "Open console  ^b" in hits, hits
        await pilot.press("escape")
        assert app.screen is picker
        # And the picker takes it directly.
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: len(fakes.opened) == 2, what="the console via ctrl+b")
        # The help shows it.
        await pilot.press("f1")
        help_text = str(app.screen.query_one("#help-text").render())
        assert any(r.split()[:2] == ["^b", "Console"] for r in help_text.splitlines())
        assert not any(r.split()[:2] == ["^o", "Console"] for r in help_text.splitlines())


async def test_typing_after_esc_filters_and_never_acts(emulator, sso_session, fakes):
    """Esc puts the focus on the list; typing there edits the filter, whichever letter."""
    sign_in(emulator, sso_session)
    refreshes: list = []
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        original = picker.start_loading
        picker.start_loading = lambda: (refreshes.append(1), original())
        await pilot.press("escape")
        assert app.focused is picker.rows
        await pilot.press(*"prod pay")
        await pilot.pause(0.2)
        assert picker.filter.value == "prod pay"
        assert ("payments-prod", "AdministratorAccess") in shown_rows(picker)
        # No browser, no refresh, no destination picker, no menu, no shell, no copy.
        assert fakes.opened == [] and fakes.copied == [] and fakes.processes == []
        assert refreshes == [] and not picker.state.loading
        assert app.screen is picker
        # Every letter the old keys used, typed on the list.
        await pilot.press("escape", "escape", *"odcsSypfrRq/")
        await pilot.pause(0.2)
        assert picker.filter.value == "odcsSypfrRq/"
        assert fakes.opened == [] and fakes.copied == [] and fakes.processes == []
        assert refreshes == [] and app.screen is picker and app.is_running


async def test_after_the_menu_or_the_destination_picker_closes_typing_filters(
    emulator, sso_session, fakes
):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await pilot.press("escape", "enter")
        assert isinstance(app.screen, ActionMenu)
        await pilot.press("escape")
        assert app.screen is picker
        await pilot.press("ctrl+g")
        assert app.screen is not picker
        await pilot.press("escape")
        assert app.screen is picker
        await pilot.press(*"log")
        assert picker.filter.value == "log"
        assert shown_rows(picker) == [("log-archive", "ReadOnlyAccess")]
        assert fakes.opened == [] and fakes.copied == []


def test_stale_fetch_time_is_reported_as_age():
    from datetime import timedelta

    from ssotui.tui.widgets.format import age, countdown

    now = timeutil.utcnow()
    assert age(now - timedelta(minutes=5), now) == "5 min ago"
    assert countdown(3725) == "1h 02m" and countdown(61) == "1m 01s" and countdown(-3) == "0s"


async def test_theme_and_unknown_keymap_ids_from_the_settings(
    emulator, sso_session, fakes, tmp_path
):
    path = tmp_path / "settings.toml"
    path.write_text('theme = "nord"\n[keymap]\n"picker.open_console" = "x"\n"picker.nope" = "z"\n')
    sign_in(emulator, sso_session)
    messages: list = []
    app = make_app(sso_session, fakes, load_settings(path))
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        await open_picker(pilot, app)
        assert app.theme == "nord"
        [warning] = [n for n in notifications(messages) if "keymap" in n]
        assert "picker.nope" in warning and "picker.open_console" not in warning
        assert str(path) in warning


async def test_help_lists_the_binding_ids_for_the_keymap(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(
        sso_session, fakes, Settings(keymap={"picker.shell": "ctrl+t", "picker.tmux_shell": "f8"})
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await open_picker(pilot, app)
        await pilot.press("f1")
        text = str(app.screen.query_one("#help-text").render())
        assert '"picker.open_console" = "ctrl+o"' in text
        assert '"picker.shell" = "ctrl+t"' in text
        assert '"filter.choose" = "enter"' in text


async def test_f_in_a_data_directory_others_can_write_says_once_that_picks_are_not_saved(
    emulator, sso_session, fakes, tmp_path
):
    open_dir = tmp_path / "open-data"
    open_dir.mkdir()
    open_dir.chmod(0o777)
    fakes.picks_path = open_dir / "picks.json"
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    messages: list = []
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        picker = await open_picker(pilot, app)
        await pilot.press("escape", "ctrl+f")
        await pilot.press("ctrl+f")
        await pilot.pause()
        told = [m for m in notifications(messages) if "cannot be saved" in m]
        assert len(told) == 1
        assert any(m.startswith("Pinned") for m in notifications(messages))
        assert picker.highlighted is not None
    assert list(open_dir.iterdir()) == []


async def test_help_fits_a_small_terminal_and_names_the_palette(emulator, sso_session, fakes):
    """F1 at 60x15: the box stays inside the screen, explanations wrap under themselves, and
    ctrl+p (bound by Textual itself, not in our bindings) is listed too."""
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(60, 15)) as pilot:
        await open_picker(pilot, app)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        await pilot.pause()
        box = app.screen.query_one("#help-box")
        assert box.region.right <= 60
        text = str(app.screen.query_one("#help-text").render())
        assert "^p" in text and "Palette" in text
        lines = text.splitlines()
        console = next(i for i, line in enumerate(lines) if "Open the AWS console" in line)
        assert lines[console + 1].startswith(" " * 10)  # the rest hangs under it
