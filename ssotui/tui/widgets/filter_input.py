"""The filter box above the list. It keeps the list's cursor keys and the main actions
reachable while typing: ↑/↓/PgUp/PgDn move the list, Enter runs the default action,
ctrl+o opens the console, ctrl+s starts the subshell, Esc goes back to the list."""

from __future__ import annotations

from typing import Self

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input
from textual.widgets.input import Selection

from ssotui.tui.widgets.drawn import RemembersStyles


class FilterInput(RemembersStyles, Input):
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
            "ctrl+o",
            "screen.open_console",
            "Console",
            id="filter.open_console",
            tooltip="Open the AWS console for the highlighted role in the browser",
        ),
        Binding(
            "ctrl+s",
            "screen.shell",
            "Shell",
            id="filter.shell",
            tooltip="Start a subshell with the highlighted role's credentials",
        ),
        Binding(
            "ctrl+y",
            "screen.copy_exports",
            "Exports",
            show=False,
            id="filter.copy_exports",
            tooltip="Copy the highlighted role's credentials as shell exports",
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

    # Typing changes the text line only, but Input's reactives (value, selection, the cursor's
    # blink) repaint the whole box: the border lines too, through Textual's styles cache, on
    # every keystroke. Their watchers mark the repaint that follows as the text line's only;
    # any other repaint (focus, theme, size: the border may change) stays whole.
    _text_only = False

    def _watch_value(self, value: str) -> None:
        # Input's watcher assigns ``virtual_size``, a layout reactive, on every change, which
        # costs a relayout of the whole screen per keystroke. This box's size is fixed by CSS,
        # so store the same value quietly first: the assignment then changes nothing.
        self.set_reactive(Widget.virtual_size, Size(self.content_width, 1))
        super()._watch_value(value)
        self._text_only = True

    def _watch_selection(self, selection: Selection) -> None:
        super()._watch_selection(selection)
        self._text_only = True

    def _watch__cursor_visible(self, visible: bool) -> None:
        self._text_only = True

    def refresh(self, *regions: Region, repaint=True, layout=False, recompose=False) -> Self:
        text_only, self._text_only = self._text_only, False
        if text_only and not (regions or layout or recompose) and self.is_mounted:
            # The text line, from the left edge to the right one (regions are relative to
            # the content area, inside the border and padding).
            left = self.content_offset.x
            regions = (Region(-left, 0, self.region.width, 1),)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _text_styles(self) -> tuple[RichStyle, RichStyle]:
        """The text's style and the cursor's."""

        def build() -> tuple[RichStyle, RichStyle]:
            style = self.rich_style
            return style, style + self.get_component_rich_style("input--cursor")

        return self.remembered_styles(build)

    def render_line(self, y: int) -> Strip:
        """Input's own line, drawn from segments when nothing needs Rich's text layout.

        Input renders its value through ``Console.render`` on every change (~0.5 ms a
        keystroke in the picker); plain typed text needs none of that. Anything else (a
        selection, a suggestion, a highlighter, text wider than the box, non-ASCII) goes
        to Input itself."""
        value = self.value
        width = self.scrollable_content_region.width + 1  # as Input: one cell for the cursor
        if (
            y != 0
            or not value
            or len(value) >= width
            or self.scroll_offset.x
            or not (value.isascii() and value.isprintable())
            or self.password
            or self.highlighter is not None
            or self._suggestion
            or not self.selection.is_empty
        ):
            return super().render_line(y)
        style, cursor_style = self._text_styles()
        if self.has_focus and self._cursor_visible:
            cursor = self.cursor_position
            segments = [
                Segment(value[:cursor], style),
                Segment(value[cursor : cursor + 1] or " ", cursor_style),
                Segment(value[cursor + 1 :], style),
            ]
            used = max(len(value), cursor + 1)
        else:
            segments = [Segment(value, style)]
            used = len(value)
        segments.append(Segment(" " * (width - used), style))
        return Strip([segment for segment in segments if segment.text], width)
