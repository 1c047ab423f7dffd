"""Widgets that draw their own lines, skipping Textual's styles cache.

The styles cache draws borders, padding, tint and the like around a widget's lines, and
costs ~0.1-0.2 ms a line on the 2-core machines the picker benchmark runs on, even for a
line of plain text. The list, the count and the details pane change with every keystroke,
so when their CSS asks for nothing but padding they draw it themselves (`render_lines`)
and use these helpers for what Textual would still do: line filters and column crops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from rich.style import Style as RichStyle
from textual.filter import ANSIToTruecolor
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

T = TypeVar("T")


def draws_plainly(widget: Widget) -> bool:
    """True when the widget's CSS adds nothing but padding around or over its lines (no
    border, outline, tint, hatch or opacity)."""
    styles = widget.styles
    return (
        not any(edge for edge, _ in styles.border)
        and not any(edge for edge, _ in styles.outline)
        and not styles.tint.a
        and styles.text_opacity == 1
        and widget.opacity == 1
        and (not styles.has_rule("hatch") or styles.hatch == "none")
    )


def finish_lines(
    widget: Widget, strips: Sequence[Strip], crop: Region, *, truecolor: bool = False
) -> list[Strip]:
    """Apply the app's line filters and ``crop``'s columns to full-width lines.

    ``truecolor``: every style in the lines is RGB and none is dim, so Textual's
    ANSIToTruecolor filter would copy each new line unchanged; it is skipped."""
    strips = list(strips)
    background = widget.background_colors[1]
    for line_filter in widget.get_line_filters():
        if truecolor and isinstance(line_filter, ANSIToTruecolor):
            continue
        strips = [strip.apply_filter(line_filter, background) for strip in strips]
    if crop.column_span != (0, widget.region.width):
        strips = [strip.crop(*crop.column_span) for strip in strips]
    return strips


def padded_lines(
    widget: Widget, lines: Sequence[Strip], crop: Region, pad: RichStyle
) -> list[Strip]:
    """``crop`` of a widget whose full-width ``lines`` (side padding included) start below
    its top padding; the padding lines above and below are blank in ``pad``."""
    top = widget.styles.padding.top
    blank = Strip.blank(widget.region.width, pad)
    strips = [lines[y - top] if 0 <= y - top < len(lines) else blank for y in crop.line_range]
    return finish_lines(widget, strips, crop)


def pad_style(style: RichStyle) -> RichStyle:
    """The style Textual pads a widget with: its background only."""
    return RichStyle(bgcolor=style.bgcolor)


class RemembersStyles:
    """Mixin for a Widget: Rich styles worked out from its CSS, kept until they can change.

    Textual recomputes a widget's Rich styles on every repaint (a walk over every ancestor's
    CSS, ~0.3 ms for a filter box on a 2-core VM); they change only with the CSS, the focus
    (``:focus`` rules) or the theme."""

    _style_generation = 0
    _remembered: tuple[tuple, object] | None = None

    def notify_style_update(self) -> None:
        super().notify_style_update()  # type: ignore[misc]
        self._style_generation += 1

    def style_key(self) -> tuple:
        """Changes whenever the widget's styles may have changed."""
        return (self._style_generation, self.has_focus, self.app.theme)  # type: ignore[attr-defined]

    def remembered_styles(self, build: Callable[[], T]) -> T:
        """``build()``'s result, computed again only after `style_key` changes."""
        key = self.style_key()
        if self._remembered is None or self._remembered[0] != key:
            self._remembered = (key, build())
        return self._remembered[1]  # type: ignore[return-value]
