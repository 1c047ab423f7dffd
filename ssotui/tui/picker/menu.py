"""Enter on a row: a small menu of what can be done with it, made from the action table. The
first item is the action used last, so Enter, Enter repeats it. Each line shows the action's
key (the ``[keymap]`` applied), and the menu accepts those keys too. Dismisses with the action
name, or None."""

from __future__ import annotations

from collections.abc import Mapping

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ssotui.core.models import Assignment
from ssotui.core.untrusted import for_terminal
from ssotui.tui.picker.action_table import BY_NAME, MENU_ACTIONS, bound_keys


class ActionMenu(ModalScreen[str | None]):
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close", id="menu.close", tooltip="Close the menu"),
    ]

    def __init__(
        self,
        assignment: Assignment,
        *,
        first: str,
        keymap: Mapping[str, str],
        favorite: bool = False,
        pinned: bool = False,
        tmux: bool = False,
        portal: bool = True,
    ) -> None:
        """``pinned``: a favorite from the settings file, which the menu cannot unpin;
        ``portal``: the row has an access portal link (a chained role has none)."""
        super().__init__()
        self.assignment = assignment
        hidden = {"tmux_shell"} if not tmux else set()
        if not portal:
            hidden.add("copy_portal_link")
        if pinned:
            hidden.add("toggle_favorite")
        names = [name for name in MENU_ACTIONS if name not in hidden]
        if first in names:
            names.remove(first)
            names.insert(0, first)
        self.names = names
        self.favorite = favorite
        self.keys = bound_keys(keymap, names)

    def compose(self) -> ComposeResult:
        row = self.assignment
        with Vertical(id="menu-box"):
            yield Label(
                Content.assemble(
                    (for_terminal(row.account_name), "bold"), " / ", for_terminal(row.role_name)
                ),
                id="menu-title",
            )
            yield Label(Content.styled(for_terminal(row.account_id), "dim"), id="menu-subtitle")
            yield OptionList(*(self._option(name) for name in self.names), id="menu-options")

    def key_text(self, name: str) -> str:
        """The keys of an action as the footer shows them ("^o"), or "" when it has none."""
        keys = self.keys.get(name, [])
        return " ".join(self.app.get_key_display(Binding(key, name)) for key in keys[:1])

    def _option(self, name: str) -> Option:
        label = BY_NAME[name].menu
        if name == "toggle_favorite" and self.favorite:
            label = "Unpin favorite"
        return Option(Content.assemble((f" {self.key_text(name):<4}", "bold"), " ", label), id=name)

    def on_key(self, event: events.Key) -> None:
        """The actions' keys work in the menu too."""
        for name in self.names:
            if event.key in self.keys.get(name, ()):
                event.stop()
                event.prevent_default()
                self.dismiss(name)
                return

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
