"""Every use of Textual's internals, in one place.

Textual is pinned exactly (pyproject.toml), and each use below is there for speed: the picker
must draw a keystroke's frame within a few milliseconds at 50,000 rows (benchmark B5). An
upgrade of Textual has to check this module only; the tests that compare the fast paint with
Textual's own rendering (tests/tui/test_drawn_widgets.py, tests/test_assignment_list.py) show
what broke. Each use says what it relies on.

1. ``paint_with_next_frame``: ``Widget._check_refresh`` (hand a pending repaint to the screen).
2. ``set_scroll_range``: ``ScrollView._scroll_update`` (new scroll range without a relayout).
3. ``freeze_garbage``: ``gc.freeze`` from a widget (not Textual's, but a process-wide tweak).
4. The ``render_lines`` bypass: ``draws_plainly``, ``finish_lines``, ``padded_lines``,
   ``pad_style`` and ``RemembersStyles`` (widgets that draw their own lines, skipping the
   styles cache, and keep their Rich styles until ``notify_style_update``).
5. ``TextLineInput``: ``Input``'s private watchers (``_watch_value``, ``_watch_selection``,
   ``_watch__cursor_visible``) and attributes (``_suggestion``, ``_cursor_visible``).
6. ``normalized_keymap``: ``App._normalize_keymap`` (key names as the app applies a keymap).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping, Sequence
from typing import Self, TypeVar

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.app import App
from textual.filter import ANSIToTruecolor
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input
from textual.widgets.input import Selection

T = TypeVar("T")

# -- 1. one change in one frame ----------------------------------------------------------------


def paint_with_next_frame(widget: Widget) -> None:
    """Hand ``widget``'s pending refresh to its screen now, so that the next frame shows it.

    Textual hands a widget's refresh to its screen only when the widget's own message queue
    next goes idle. When one handler changes several widgets (a keystroke changes the list and
    the count), the screen may draw a frame in between, and the rest waits a frame tick (16-33
    ms): the rows trail the typed text. This calls what the idle handler would call a moment
    later (``Widget._check_refresh``)."""
    widget._check_refresh()


# -- 2. a new scroll range without a relayout ----------------------------------------------------


def set_scroll_range(view: ScrollView, size: Size) -> None:
    """Give a fixed-height ``view`` a new ``virtual_size`` without relayouting the screen.

    ``virtual_size`` is a layout reactive: assigning it relayouts the whole screen, a
    keystroke's worth of work when the row count changes with every keystroke. With a fixed
    or fractional height only the scroll range changes, which ``ScrollView._scroll_update``
    (what the reactive's watcher would call) does on its own."""
    view.set_reactive(ScrollView.virtual_size, size)
    view._scroll_update(size)


# -- 3. the garbage collector ---------------------------------------------------------------------


def freeze_garbage(widget: Widget, again_after: float = 0.5) -> None:
    """Move every object alive now out of the garbage collector's way (``gc.freeze``), now and
    once more ``again_after`` seconds later.

    Tens of thousands of long-lived rows and index entries would otherwise be walked by every
    full collection, which lands on a keystroke now and then (~100 ms at 50,000 rows). Frozen
    objects are still freed by reference counting when replaced. Freezing is a cheap list
    splice, so it is done again once the first paints (which allocate strips and caches for
    every widget) are done: otherwise the next full collection lands on one of the first
    keystrokes (~40 ms at 10,000 rows)."""
    gc.freeze()
    widget.set_timer(again_after, gc.freeze)


# -- 4. widgets that draw their own lines ---------------------------------------------------------
#
# The styles cache draws borders, padding, tint and the like around a widget's lines, and costs
# ~0.1-0.2 ms a line on a 2-core machine, even for a line of plain text. The list, the count
# and the details pane change with every keystroke, so when their CSS asks for nothing but
# padding they override ``render_lines`` (Textual's internal entry point, normally served by
# the styles cache) and use these helpers for what Textual would still do: line filters and
# column crops.


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
    CSS, ~0.3 ms for a filter box on a 2-core VM); they change only with the CSS (Textual
    calls ``notify_style_update``), the focus (``:focus`` rules) or the theme."""

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


# -- 5. an Input that repaints only its text line -------------------------------------------------


class TextLineInput(RemembersStyles, Input):
    """An ``Input`` whose typing repaints its text line only, drawn from segments.

    Typing changes the text line only, but Input's reactives (value, selection, the cursor's
    blink) repaint the whole box: the border lines too, through the styles cache, on every
    keystroke. Their (private) watchers mark the repaint that follows as the text line's only;
    any other repaint (focus, theme, size: the border may change) stays whole."""

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

    def refresh_whole(self) -> None:
        """Repaint the whole box (its border too), whatever a watcher marked."""
        self._text_only = False
        self.refresh()

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


# -- 6. keymaps ----------------------------------------------------------------------------------


def normalized_keymap(keymap: Mapping[str, str]) -> dict[str, str]:
    """``keymap`` with its keys in Textual's long names ("?" -> "question_mark"), as the app
    applies it (``App._normalize_keymap``), so that other code can apply it the same way."""
    return dict(App._normalize_keymap(dict(keymap)))
