"""The filter box and its count draw their own lines for speed: they must draw what the
widgets they stand in for would draw, cell for cell and style for style."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.strip import Strip
from textual.widgets import Input

from ssotui.tui.widgets.count_label import CountLabel
from ssotui.tui.widgets.filter_input import FilterInput


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
        box = app.query_one(FilterInput)
        box.cursor_blink = False
        box.focus()
        box.value = value
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


@pytest.mark.parametrize("value", ["", "é prod", "tab\there", "y" * 90])
async def test_other_values_are_left_to_input(value):
    # Empty (the placeholder), non-ASCII, control characters, wider than the box.
    app = FilterApp()
    async with app.run_test(size=(80, 10)) as pilot:
        box = app.query_one(FilterInput)
        box.cursor_blink = False
        box.focus()
        box.value = value
        await pilot.pause()
        assert cells(box.render_line(0)) == cells(Input.render_line(box, 0))


async def test_the_count_is_right_aligned_under_its_padding():
    app = FilterApp()
    async with app.run_test(size=(80, 10)) as pilot:
        count = app.query_one(CountLabel)
        count.update("42/10000")
        await pilot.pause()
        lines = [strip.text for strip in count.render_lines(count.region.reset_offset)]
        assert lines == [" " * 13, "    42/10000 "]
        count.update("123456789012345")  # wider than its 11 cells: the end is kept
        assert count.render_line(0).text == "56789012345"
        assert {segment.style.color.name for segment in count.render_line(0)} == {"#ff0000"}
