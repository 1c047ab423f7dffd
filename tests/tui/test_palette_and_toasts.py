"""The command palette holds only ssotui's commands; small terminals give the list the room;
close matches are announced; the clipboard's fallback hint is one short line, once a run."""

from __future__ import annotations

from textual.command import CommandList

from ssotui.core.errors import SsoError
from ssotui.tui.picker.details import DetailsPane
from ssotui.tui.picker.screen import PickerScreen

from .conftest import make_app, notifications, sign_in, wait_for

OURS = {
    "Open console",
    "Open console at…",
    "Copy console URL",
    "Start subshell",
    "Copy exports",
    "Copy portal link",
    "Toggle favorite",
    "Refresh",
    "Toggle refreshing shell",
    "Help",
    "Theme",
    "Quit",
}


async def open_picker(pilot, app) -> PickerScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
    picker = app.screen
    await wait_for(pilot, lambda: picker.loader and not picker.state.loading, what="the rows")
    return picker


def palette_names(app) -> list[str]:
    options = app.screen.query_one(CommandList).options
    return [str(option.prompt).splitlines()[0].split("  ")[0] for option in options]


async def test_the_palette_shows_only_ssotuis_commands(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: app.screen is not picker and palette_names(app))
        await pilot.pause(0.3)
        names = palette_names(app)
        assert set(names) == OURS, names
        for stock in ("Keys", "Maximize", "Screenshot", "Minimize"):
            assert stock not in names
        # Typing narrows them; Screenshot is gone for good.
        await pilot.press(*"screen")
        await pilot.pause(0.5)
        assert not any("Screenshot" in name for name in palette_names(app))
        await pilot.press("escape")
        assert app.screen is picker


async def test_at_60x15_the_details_fold_away_and_the_list_gets_the_room(
    emulator, sso_session, fakes
):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(60, 15)) as pilot:
        picker = await open_picker(pilot, app)
        await pilot.pause()
        assert not picker.query_one(DetailsPane).display
        assert picker.rows.size.height >= 8
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert picker.query_one(DetailsPane).display


async def test_no_match_says_close_matches_beside_the_filter(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await pilot.press(*"paymnets")
        await pilot.pause()
        count = picker.query_one("#count")
        assert count.text == "no match · close matches for 'paymnets'"
        assert count.size.width >= len(count.text)  # all of it on screen
        names = {row.account_name for row in picker.rows.shown_assignments()}
        assert "payments-prod" in names and all("payments" in name for name in names), names
        assert str(picker.rows.render_line(0).text).startswith(" ≈ ")
        await pilot.press("backspace", *"ts")  # "paymnetts": nothing close either
        await pilot.press("ctrl+u", *"pay")
        await pilot.pause()
        assert count.text.startswith(f"{picker.rows.shown_count}/")
        assert count.outer_size.width == 13  # app.tcss's fixed width again


async def test_a_copy_through_the_terminal_says_so_once_in_one_short_line(
    emulator, sso_session, fakes
):
    sign_in(emulator, sso_session)
    messages: list = []
    sent: list[str] = []
    app = make_app(sso_session, fakes)

    def no_clipboard(text: str) -> None:
        raise SsoError("no clipboard tool (xclip, xsel, wl-copy) was found")

    app.services.copy = no_clipboard
    app.copy_to_clipboard = sent.append  # the terminal's OSC 52, at its boundary
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        await open_picker(pilot, app)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: len(sent) == 1, what="the first copy")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: len(sent) == 2, what="the second copy")
        await pilot.pause(0.2)
        notes = notifications(messages)
        hints = [note for note in notes if "terminal" in note]
        assert len(hints) == 1, notes
        assert "\n" not in hints[0] and len(hints[0]) <= 70, hints[0]
        assert sum(note.startswith("Copied the access portal link") for note in notes) == 2
        assert all(len(note) <= 100 for note in notes), notes
