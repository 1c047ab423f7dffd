"""The filter box, its count and the details pane draw their own lines for speed: they must
draw what Textual would draw, cell for cell and style for style."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input

from ssotui.core.models import Assignment
from ssotui.tui.picker.count import CountLabel
from ssotui.tui.picker.details import Detail, DetailsPane
from ssotui.tui.picker.filter_input import FilterInput


def cells(strip: Strip) -> list[tuple[str, object]]:
    """(character, style) per cell: equal strips may be cut into segments differently."""
    return [(char, segment.style) for segment in strip for char in segment.text]


class FilterApp(App[None]):
    CSS = """
    Horizontal { height: 3; }
    FilterInput { width: 1fr; }
    CountLabel { width: 13; height: 2; padding: 1 1 0 1; color: #ff0000; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield FilterInput(placeholder="Filter")
            yield CountLabel()


def filter_box(app: App, value: str = "") -> FilterInput:
    """The app's filter box, focused, showing ``value``, its cursor not blinking."""
    box = app.query_one(FilterInput)
    box.cursor_blink = False
    box.focus()
    box.value = value
    return box


@pytest.mark.parametrize(
    "value, cursor",
    [
        ("p", 1),
        ("prod pay", 8),  # typing: the cursor after the text
        ("prod pay", 0),
        ("prod pay", 4),  # on the space
        ("x" * 40, 40),
    ],
)
async def test_the_filter_box_draws_what_input_draws(value, cursor):
    app = FilterApp()
    async with app.run_test(size=(80, 10)) as pilot:
        box = filter_box(app, value)
        box.cursor_position = cursor
        await pilot.pause()
        for focused in (True, False):
            if not focused:
                box.blur()
                await pilot.pause()
            ours = box.render_line(0)
            inputs = Input.render_line(box, 0)
            assert ours.text.rstrip() == value
            assert cells(ours) == cells(inputs), (value, cursor, focused)


def fresh_lines(widget) -> list[list[tuple[str, object]]]:
    """What the widget shows when drawn from scratch (no cached lines)."""
    widget._styles_cache.clear()
    return [cells(strip) for strip in widget.render_lines(widget.region.reset_offset)]


async def test_typing_repaints_the_text_line_and_focus_the_whole_box():
    app = FilterApp()
    async with app.run_test(size=(80, 10)) as pilot:
        box = filter_box(app)
        await pilot.pause()
        for key in ("p", "r", "left", "x", "backspace", "end"):
            await pilot.press(key)
            shown = [cells(strip) for strip in box.render_lines(box.region.reset_offset)]
            assert shown == fresh_lines(box), key
        assert box.value == "pr"
        focused_border = fresh_lines(box)[0]
        box.blur()  # the border's colour changes with the focus: the whole box repaints
        await pilot.pause()
        shown = [cells(strip) for strip in box.render_lines(box.region.reset_offset)]
        assert shown == fresh_lines(box)
        assert shown[0] != focused_border


@pytest.mark.parametrize("value", ["", "é prod", "tab\there", "y" * 90])
async def test_other_values_are_left_to_input(value):
    # Empty (the placeholder), non-ASCII, control characters, wider than the box.
    app = FilterApp()
    async with app.run_test(size=(80, 10)) as pilot:
        box = filter_box(app, value)
        await pilot.pause()
        assert cells(box.render_line(0)) == cells(Input.render_line(box, 0))


async def test_the_count_is_right_aligned_under_its_padding():
    app = FilterApp()
    async with app.run_test(size=(80, 10)) as pilot:
        count = app.query_one(CountLabel)
        count.update("42/10000")
        await pilot.pause()
        region = count.region.reset_offset
        ours = count.render_lines(region)
        assert [strip.text for strip in ours] == [" " * 13, "    42/10000 "]
        textuals = Widget.render_lines(count, region)  # padding by the styles cache
        assert [cells(strip) for strip in ours] == [cells(strip) for strip in textuals]
        count.update("123456789012345")  # wider than its 11 cells: the end is kept
        assert count.render_line(0).text == "56789012345"
        assert {segment.style.color.name for segment in count.render_line(0)} == {"#ff0000"}


class DetailsApp(App[None]):
    CSS = "DetailsPane { height: 6; padding: 0 1; background: $surface; }"

    def compose(self) -> ComposeResult:
        yield DetailsPane()


DETAILS = [
    None,
    Detail(Assignment("123456789012", "payments-prod", "pay@example.com", "Admin"), favorite=True),
    Detail(Assignment("123456789012", "a [b]x[/b] " + "n" * 150, "", "Role\x1b[31m"), loading=True),
]


@pytest.mark.parametrize("detail", DETAILS)
async def test_the_details_pane_draws_what_the_styles_cache_draws(detail):
    app = DetailsApp()
    async with app.run_test(size=(80, 10)) as pilot:
        pane = app.query_one(DetailsPane)
        pane.detail = detail
        await pilot.pause()
        region = pane.region.reset_offset
        ours = pane.render_lines(region)
        textuals = Widget.render_lines(pane, region)  # padding by the styles cache
        assert [cells(strip) for strip in ours] == [cells(strip) for strip in textuals]
        assert all(strip.cell_length == 80 for strip in ours)
        assert "\x1b" not in "".join(strip.text for strip in ours)


async def test_the_details_pane_with_a_border_leaves_it_to_textual():
    app = DetailsApp()
    app.CSS = ""
    async with app.run_test(size=(80, 10)) as pilot:
        pane = app.query_one(DetailsPane)
        pane.styles.border = ("round", "red")
        pane.detail = DETAILS[1]
        await pilot.pause()
        lines = [strip.text for strip in pane.render_lines(pane.region.reset_offset)]
        assert lines[0].startswith("╭") and lines[1].startswith("│payments-prod")
