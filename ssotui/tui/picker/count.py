"""The "shown/total" figure beside the filter box."""

from __future__ import annotations

from rich.segment import Segment
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from ssotui.tui.textual_private import (
    RemembersStyles,
    draws_plainly,
    pad_style,
    padded_lines,
)


class CountLabel(RemembersStyles, Widget):
    """One line of text, right-aligned, under the widget's padding.

    It changes with every keystroke in the filter, so it draws its lines itself (see
    textual_private.py): as a `Label` it cost ~0.5 ms a keystroke on a 2-core VM. Give it a
    fixed width in CSS so that a change never relayouts the screen."""

    _text = ""

    @property
    def text(self) -> str:
        return self._text

    def update(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.refresh()

    def get_content_height(self, container, viewport, width: int) -> int:
        return 1

    def render_lines(self, crop: Region) -> list[Strip]:
        if not draws_plainly(self):
            return super().render_lines(crop)
        width = self.region.width
        _top, right, _bottom, left = self.styles.padding
        style = self.remembered_styles(lambda: self.rich_style)
        pad = pad_style(style)
        text = self._line(width - left - right)
        line = Strip(
            [Segment(" " * left, pad), Segment(text, style), Segment(" " * right, pad)], width
        )
        return padded_lines(self, [line], crop, pad)

    def _line(self, width: int) -> str:
        return self._text[-width:].rjust(width) if width > 0 else ""

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        style = self.remembered_styles(lambda: self.rich_style)
        if y != 0 or width <= 0:
            return Strip.blank(width, style)
        return Strip([Segment(self._line(width), style)], width)
