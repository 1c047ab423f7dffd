"""The picker's actions, in one table: the bindings, the footer, the action menu, the command
palette and the help are all made from it, so a key rebound in the settings' ``[keymap]``
changes every one of them together.

The picker's rule for keys: whatever has focus, printable characters edit the filter. So no
action is on a letter: they are on Enter (the menu, or ``enter_action``), double-click, ctrl
chords and F-keys. The action menu has no text field, so it accepts the same keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, NamedTuple

from textual.binding import Binding, BindingsMap

from ssotui.tui.textual_private import normalized_keymap

When = Literal["row", "tmux", "always", "filtered"]
"""When an action applies: a role row is highlighted (``tmux``: and we run inside tmux), always,
or while a filter is set."""


class PickerAction(NamedTuple):
    action: str
    """The action name (``action_<name>`` on the picker)."""
    binding_id: str
    """The id a ``[keymap]`` entry rebinds it by."""
    keys: str
    """The default keys, comma-separated."""
    label: str
    """Short, for the footer and the help."""
    menu: str
    """The action menu's line ("" = not in the menu)."""
    command: str
    """The command palette's name."""
    help: str
    """One sentence for the help and the palette; ``{what}`` is the highlighted row."""
    when: When = "row"
    footer: bool = True
    """Shown in the footer (the footer stays within 120 columns)."""


ACTIONS: tuple[PickerAction, ...] = (
    PickerAction(
        "open_console",
        "picker.open_console",
        "ctrl+o",
        "Console",
        "Open the console in the browser",
        "Open console",
        "Open the AWS console for {what} in the browser",
    ),
    PickerAction(
        "open_console_at",
        "picker.open_console_at",
        "ctrl+g",
        "Console at…",
        "Open the console at a service and region…",
        "Open console at…",
        "Choose a console service and region, then open the console for {what}",
        footer=False,
    ),
    PickerAction(
        "copy_url",
        "picker.copy_console_url",
        "ctrl+l",
        "Copy URL",
        "Copy a console sign-in URL",
        "Copy console URL",
        "Copy a console sign-in URL for {what} (valid 15 minutes)",
        footer=False,
    ),
    PickerAction(
        "shell",
        "picker.shell",
        "ctrl+s",
        "Shell",
        "Start a subshell with these credentials",
        "Start subshell",
        "A subshell with the credentials of {what}; exit returns here",
    ),
    PickerAction(
        "tmux_shell",
        "picker.tmux_shell",
        "ctrl+t",
        "tmux",
        "Open a shell in a new tmux window",
        "Open tmux window",
        "A new tmux window with the credentials of {what}",
        when="tmux",
    ),
    PickerAction(
        "copy_exports",
        "picker.copy_exports",
        "ctrl+y",
        "Exports",
        "Copy credentials as shell exports",
        "Copy exports",
        "Copy the credentials of {what} as shell export lines",
    ),
    PickerAction(
        "copy_portal_link",
        "picker.copy_portal_link",
        "ctrl+n",
        "Portal link",
        "Copy the access portal link",
        "Copy portal link",
        "Copy the access portal's shortcut link for {what} (no credentials)",
        footer=False,
    ),
    PickerAction(
        "toggle_favorite",
        "picker.favorite",
        "ctrl+f",
        "Favorite",
        "Pin as favorite",
        "Toggle favorite",
        "Pin {what} to the top (or unpin it)",
    ),
    PickerAction(
        "refresh",
        "picker.refresh",
        "ctrl+r,f5",
        "Refresh",
        "",
        "Refresh",
        "Reload every account and role from the access portal",
        when="always",
    ),
    PickerAction(
        "toggle_refreshing",
        "picker.toggle_refreshing",
        "f6",
        "Refreshing shell",
        "",
        "Toggle refreshing shell",
        "Subshells get self-refreshing credentials (a local credential server) or static keys",
        when="always",
        footer=False,  # its state is shown in the status line when on
    ),
    PickerAction(
        "clear_filter",
        "picker.clear_filter",
        "escape",
        "Clear",
        "",
        "Clear filter",
        "Clear the filter and show every row",
        when="filtered",
    ),
)

BY_NAME: dict[str, PickerAction] = {entry.action: entry for entry in ACTIONS}
ROW_ACTIONS: frozenset[str] = frozenset(e.action for e in ACTIONS if e.when in ("row", "tmux"))
MENU_ACTIONS: tuple[str, ...] = tuple(entry.action for entry in ACTIONS if entry.menu)

DIRECT_ACTIONS: dict[str, str] = {
    "console": "open_console",
    "copy_url": "copy_url",
    "shell": "shell",
    "exports": "copy_exports",
    "portal": "copy_portal_link",
}
"""The ``enter_action`` setting -> the action Enter runs (``menu``: the action menu)."""


def bindings() -> list[Binding]:
    """The picker screen's bindings, one per action."""
    return [
        Binding(
            entry.keys,
            entry.action,
            entry.label,
            show=entry.footer,
            id=entry.binding_id,
            tooltip=entry.help.format(what="the highlighted role"),
        )
        for entry in ACTIONS
    ]


def bound_keys(keymap: Mapping[str, str], actions: Iterable[str] = BY_NAME) -> dict[str, list[str]]:
    """Action name -> its keys (Textual's key names) with ``keymap`` applied."""
    chosen = [BY_NAME[name] for name in actions]
    bindings_map = BindingsMap(
        [Binding(entry.keys, entry.action, id=entry.binding_id) for entry in chosen]
    )
    bindings_map.apply_keymap(normalized_keymap(keymap))
    keys: dict[str, list[str]] = {entry.action: [] for entry in chosen}
    for key, binding in bindings_map:
        keys[binding.action].append(key)
    return keys
