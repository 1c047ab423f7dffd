"""Command palette (ctrl+p): the picker's actions for the highlighted row.

Registered as ``PickerScreen.COMMANDS``, so it only exists on the picker. Each command is
offered only when the screen's ``check_action`` allows it, and shows the key bound to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from ssotui.core.untrusted import for_terminal

if TYPE_CHECKING:
    from ssotui.tui.screens.picker import PickerScreen

# action -> (command text, help)
COMMANDS: dict[str, tuple[str, str]] = {
    "open_console": ("Open console", "Open the AWS console for {what} in the browser"),
    "open_console_at": (
        "Open console at…",
        "Choose a console service and region, then open the console for {what}",
    ),
    "copy_url": ("Copy console URL", "Copy a console sign-in URL for {what}"),
    "shell": ("Start subshell", "A shell with the credentials of {what}"),
    "tmux_shell": ("Open tmux window", "A new tmux window with the credentials of {what}"),
    "copy_exports": ("Copy exports", "Copy the credentials of {what} as shell exports"),
    "copy_portal_link": ("Copy portal link", "Copy the access portal link for {what}"),
    "toggle_favorite": ("Toggle favorite", "Pin or unpin {what}"),
    "toggle_refreshing": (
        "Toggle refreshing shell",
        "Subshells get self-refreshing credentials (a local credential server) or static keys",
    ),
    "refresh": ("Refresh", "Reload every account and role from the access portal"),
    "clear_filter": ("Clear filter", "Show every row again"),
}


class PickerCommands(Provider):
    def _commands(self) -> Iterator[tuple[str, str, str]]:
        """(action, text, help) for each command that applies now."""
        screen: PickerScreen = self.screen  # type: ignore[assignment]
        row = screen.highlighted
        what = for_terminal(f"{row.account_name} / {row.role_name}") if row is not None else ""
        for action, (text, help_text) in COMMANDS.items():
            if screen.check_action(action, ()) is not True:
                continue
            yield action, text, escape(help_text.format(what=what))  # help is parsed as markup

    def _key(self, action: str) -> str:
        for active in self.screen.active_bindings.values():
            if active.binding.action.removeprefix("screen.") == action:
                return self.app.get_key_display(active.binding)
        return ""

    def _display(self, text: str, action: str, highlight: list[int] | None = None) -> Content:
        content = Content(text)
        if highlight:
            for offset in highlight:
                content = content.stylize("reverse", offset, offset + 1)
        key = self._key(action)
        return content.append(Content.styled(f"  {key}", "dim")) if key else content

    def _run(self, action: str) -> None:
        self.screen.run_action(action)  # type: ignore[attr-defined]

    async def discover(self) -> Hits:
        for action, text, help_text in self._commands():
            yield DiscoveryHit(
                self._display(text, action), partial(self._run, action), text=text, help=help_text
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action, text, help_text in self._commands():
            score, offsets = matcher.fuzzy_search.match(matcher.query, text)
            if score > 0:
                yield Hit(
                    score,
                    self._display(text, action, list(offsets)),
                    partial(self._run, action),
                    text=text,
                    help=help_text,
                )
