"""Enter on a row: a small menu of what can be done with it. The first item is the action
used last, so Enter, Enter repeats it. Dismisses with the action name, or None."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ssotui.core.models import Assignment
from ssotui.core.untrusted import for_terminal

# action name -> (label, key shown in the menu)
ITEMS: dict[str, tuple[str, str]] = {
    "open_console": ("Open the console in the browser", "o"),
    "open_console_at": ("Open the console at a service and region…", "d"),
    "copy_url": ("Copy a console sign-in URL", "c"),
    "shell": ("Start a subshell with these credentials", "s"),
    "tmux_shell": ("Open a shell in a new tmux window", "S"),
    "copy_exports": ("Copy credentials as shell exports", "y"),
    "copy_portal_link": ("Copy the access portal link", "p"),
    "toggle_favorite": ("Pin as favorite", "f"),
}


class ActionMenu(ModalScreen[str | None]):
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close", id="menu.close", tooltip="Close the menu"),
    ]

    def __init__(
        self,
        assignment: Assignment,
        *,
        first: str,
        favorite: bool = False,
        pinned: bool = False,
        tmux: bool = False,
    ) -> None:
        """``pinned``: a favorite from the settings file, which the menu cannot unpin."""
        super().__init__()
        self.assignment = assignment
        hidden = {"tmux_shell"} if not tmux else set()
        if pinned:
            hidden.add("toggle_favorite")
        names = [name for name in ITEMS if name not in hidden]
        if first in names:
            names.remove(first)
            names.insert(0, first)
        self.names = names
        self.favorite = favorite

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

    def _option(self, name: str) -> Option:
        label, key = ITEMS[name]
        if name == "toggle_favorite" and self.favorite:
            label = "Unpin favorite"
        return Option(Content.assemble((f" {key} ", "bold"), " ", label), id=name)

    def on_key(self, event) -> None:
        """The action keys work in the menu too."""
        for name in self.names:
            if ITEMS[name][1] == event.character:
                event.stop()
                self.dismiss(name)
                return

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
