"""Favorites from settings.toml: listed first in the order written, marked, and not unpinned
by ``f`` (which still pins and unpins the other rows in the picks store)."""

from __future__ import annotations

from textual.widgets import OptionList

from ssotui.core.picks import PickStore
from ssotui.core.settings import load_settings
from ssotui.tui.picker.menu import ActionMenu
from ssotui.tui.picker.screen import PickerScreen

from .conftest import make_app, notifications, sign_in, wait_for


def shown_rows(picker: PickerScreen) -> list[tuple[str, str]]:
    rows = picker.rows
    return [(rows._index.rows[i].account_name, rows._index.rows[i].role_name) for i in rows._shown]


def list_lines(picker: PickerScreen) -> list[str]:
    rows = picker.rows
    return [rows.render_line(y).text for y in range(rows.size.height)]


def details(picker: PickerScreen) -> str:
    return picker.query_one("#details").text


async def test_settings_favorites_come_first_marked_and_f_does_not_unpin_them(
    emulator, sso_session, fakes, tmp_path
):
    sign_in(emulator, sso_session)
    by_name = sorted(emulator.org.accounts, key=lambda a: a.name.casefold())
    last, middle = by_name[-1], by_name[len(by_name) // 2]
    first_row = (last.name, sorted(last.roles)[-1])
    second_row = (middle.name, sorted(middle.roles)[-1])
    path = tmp_path / "settings.toml"
    path.write_text(
        "favorites = [\n"
        f'  "{last.name.upper()}/{first_row[1]}",\n'  # by name (case-insensitive, as the CLI)
        f'  "{middle.account_id}/{second_row[1]}",\n'  # by 12-digit id
        '  "no-such-account/AdministratorAccess",\n'  # matches nothing: ignored
        "]\n"
    )
    settings = load_settings(path)
    messages: list = []
    app = make_app(sso_session, fakes, settings=settings)
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
        picker = app.screen
        await wait_for(
            pilot, lambda: picker.loader and not picker.state.loading, what="the inventory"
        )
        await pilot.pause()
        assert shown_rows(picker)[:2] == [first_row, second_row]
        lines = list_lines(picker)
        assert lines[0].startswith(" ★ ") and first_row[0] in lines[0]
        assert lines[1].startswith(" ★ ") and second_row[0] in lines[1]
        assert not lines[2].startswith(" ★ ")

        await pilot.press("escape", "home")
        assert "★ favorite (settings)" in details(picker)
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: notifications(messages), what="a notification")
        assert notifications(messages) == [
            f"{first_row[0]} / {first_row[1]} is pinned in {path}: remove it from favorites "
            "there to unpin it."
        ]
        assert shown_rows(picker)[:2] == [first_row, second_row]
        assert "★ favorite (settings)" in details(picker)

        # The action menu offers no "Unpin favorite" for it (the settings file owns it).
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionMenu), what="the menu")
        labels = [str(option.prompt) for option in app.screen.query_one(OptionList).options]
        assert labels and not any("favorite" in label for label in labels)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is picker, what="the picker again")

        # Other rows still toggle, in the picks store, after the settings favorites.
        await pilot.press("end")
        target = picker.highlighted
        await pilot.press("ctrl+f")
        assert shown_rows(picker)[:3] == [
            first_row,
            second_row,
            (target.account_name, target.role_name),
        ]
        assert "★ favorite" in details(picker) and "(settings)" not in details(picker)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionMenu), what="the menu")
        labels = [str(option.prompt) for option in app.screen.query_one(OptionList).options]
        assert any("Unpin favorite" in label for label in labels)
    assert PickStore(fakes.picks_path).load(sso_session.cache_key).favorites == (target.key,)
