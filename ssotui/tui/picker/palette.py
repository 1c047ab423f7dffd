"""Command palette (ctrl+p) on the picker: its actions, made from the action table.

Registered as ``PickerScreen.COMMANDS`` (the app adds only help, theme, switch session and
quit). Each command is offered only when the picker's ``check_action`` allows it, and shows
the key bound to it (the ``[keymap]`` applied).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from ssotui.core.untrusted import for_terminal
from ssotui.tui.picker.action_table import ACTIONS, bound_keys


class PickerCommands(Provider):
    def _commands(self) -> Iterator[tuple[str, str, str]]:
        """(action, text, help) for each command that applies now."""
        screen = self.screen
        row = getattr(screen, "highlighted", None)
        what = for_terminal(f"{row.account_name} / {row.role_name}") if row is not None else ""
        for entry in ACTIONS:
            if screen.check_action(entry.action, ()) is not True:
                continue
            # The help is parsed as markup: names are escaped.
            yield entry.action, entry.command, escape(entry.help.format(what=what))

    def _key(self, action: str) -> str:
        keys = bound_keys(getattr(self.app, "keymap", {}), [action])[action]
        return self.app.get_key_display(Binding(keys[0], action)) if keys else ""

    def _display(self, text: str, action: str, highlight: list[int] | None = None) -> Content:
        content = Content(text)
        if highlight:
            for offset in highlight:
                content = content.stylize("reverse", offset, offset + 1)
        key = self._key(action)
        return content.append(Content.styled(f"  {key}", "dim")) if key else content

    def _run(self, action: str) -> None:
        self.screen.do_action(action)  # type: ignore[attr-defined]

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
