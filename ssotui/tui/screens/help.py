"""``?``: every key of the screen underneath, generated from the bindings themselves (with the
user's keymap applied), so it can never disagree with what the keys do."""

from __future__ import annotations

import textwrap

from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

HelpSection = tuple[str, list]
"""A title and a BINDINGS list."""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss(None)", "Close", id="help.close"),
    ]

    def __init__(
        self, sections: list[HelpSection], keymap: dict[str, str], notes: str = ""
    ) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = keymap
        self.notes = notes

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Label("Keys", id="help-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(self.render_help(), id="help-text")
            yield Label(Content.styled("Esc closes this help", "dim"), id="help-hint")

    def on_mount(self) -> None:
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """Wrap the explanations to the width the text has now (hanging under themselves)."""
        text = self.query_one("#help-text", Static)
        if text.size.width:
            text.update(self.render_help(text.size.width))

    def render_help(self, width: int | None = None) -> Content:
        """Every key with its description and, dim, what it does. With ``width``, a long
        explanation wraps under itself (or goes under the key when there is no room beside)."""
        lines: list[Content] = []
        for title, bindings in self.sections:
            entries = self.entries(bindings)
            if not entries:
                continue
            if lines:
                lines.append(Content(""))
            lines.append(Content.styled(title, "bold underline"))
            key_width = max(len(keys) for keys, _, _ in entries) + 2
            for keys, description, tooltip in entries:
                lines += self._entry(keys.ljust(key_width), description, tooltip, width)
        if self.notes:
            lines += [Content(""), Content.styled(self.notes, "italic")]
        ids = self.keymap_lines()
        if ids:
            lines += [Content(""), Content.styled("Binding ids for the [keymap] table", "bold")]
            lines += [Content.styled(line, "dim") for line in ids]
        return Content("\n").join(lines)

    @staticmethod
    def _entry(keys: str, description: str, tooltip: str, width: int | None) -> list[Content]:
        head = Content.assemble((keys, "bold"), description.ljust(16))
        if not tooltip:
            return [head]
        beside = len(keys) + max(len(description), 16) + 2
        if width is None:
            return [Content.assemble(head, (f"  {tooltip}", "dim"))]
        if width - beside >= 24:
            wrapped = textwrap.wrap(tooltip, width - beside)
            first = Content.assemble(head, (f"  {wrapped[0]}", "dim"))
            return [first] + [Content.styled(" " * beside + more, "dim") for more in wrapped[1:]]
        indent = len(keys)  # a narrow terminal: the explanation goes under the description
        wrapped = textwrap.wrap(tooltip, max(12, width - indent))
        return [head] + [Content.styled(" " * indent + more, "dim") for more in wrapped]

    def keymap_lines(self) -> list[str]:
        """``id = "keys"`` for every binding shown, as the settings file would say it."""
        found: dict[str, list[str]] = {}
        for _title, bindings in self.sections:
            bindings_map = BindingsMap(bindings)
            bindings_map.apply_keymap(self.keymap)
            for key, binding in bindings_map:
                if binding.id and binding.description:
                    found.setdefault(binding.id, [])
                    if key not in found[binding.id]:
                        found[binding.id].append(key)
        return [f'"{binding_id}" = "{",".join(keys)}"' for binding_id, keys in found.items()]

    def entries(self, bindings: list) -> list[tuple[str, str, str]]:
        """(keys, description, tooltip) per action, keys joined with "/", keymap applied."""
        bindings_map = BindingsMap(bindings)
        bindings_map.apply_keymap(self.keymap)
        by_action: dict[str, tuple[list[str], Binding]] = {}
        for _key, binding in bindings_map:
            if not binding.description:
                continue
            keys, first = by_action.setdefault(binding.action, ([], binding))
            display = self.app.get_key_display(binding)
            if display not in keys:
                keys.append(display)
        return [
            ("/".join(keys), binding.description, binding.tooltip)
            for keys, binding in by_action.values()
        ]
