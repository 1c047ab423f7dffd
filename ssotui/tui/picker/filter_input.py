"""The filter box above the list. It keeps the list's cursor keys reachable while typing:
↑/↓/PgUp/PgDn move the list, Enter runs the default action, Esc goes back to the list. The
actions' ctrl and F keys are the picker's own bindings, so they work here too."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input

from ssotui.tui.textual_private import TextLineInput


class FilterInput(TextLineInput):
    """An Input that keeps its text when focused (a first letter typed on the list is kept)."""

    BINDINGS = [
        Binding("down", "screen.list_move(1)", "Next", show=False, id="filter.down"),
        Binding("up", "screen.list_move(-1)", "Previous", show=False, id="filter.up"),
        Binding("pagedown", "screen.list_page(1)", "Page down", show=False, id="filter.page_down"),
        Binding("pageup", "screen.list_page(-1)", "Page up", show=False, id="filter.page_up"),
        Binding(
            "enter",
            "screen.default_action",
            "Choose",
            id="filter.choose",
            tooltip="Run the default action (enter_action) on the highlighted row",
        ),
        Binding(
            "escape",
            "screen.leave_filter",
            "List",
            id="filter.leave",
            tooltip="Back to the list (the filter is kept; Esc there clears it)",
        ),
    ]

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("select_on_focus", False)
        super().__init__(**kwargs)

    def _on_input_changed(self, event: Input.Changed) -> None:
        # The picker watches ``value`` (synchronous, same frame); the message would only climb
        # through the filter row, the screen and the app, a dispatch each per keystroke.
        event.stop()
