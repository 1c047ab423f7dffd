"""AssignmentList in a tiny app: what is on screen, filtering, highlight, messages, mouse."""

from __future__ import annotations

import random

import pytest
from rich.cells import cell_len
from textual import events, on
from textual.app import App, ComposeResult
from textual.geometry import Region

from ssotui.core.models import Assignment
from ssotui.tui.picker.assignment_list import AssignmentList, Columns, layout_columns
from ssotui.tui.search import SearchIndex

SIZE = (100, 20)
WORDS = "payments billing prod staging dev data lake api edge core ops audit".split()
ROLES = "AdministratorAccess ReadOnlyAccess PowerUserAccess Billing DataScientist".split()


def make_rows(count: int = 1000, seed: int = 3) -> list[Assignment]:
    rnd = random.Random(seed)
    rows = []
    while len(rows) < count:
        name = "-".join(rnd.sample(WORDS, rnd.randint(1, 3)))
        account_id = f"{rnd.randrange(10**11, 10**12):012d}"
        for role in rnd.sample(ROLES, rnd.randint(1, 3)):
            rows.append(Assignment(account_id, name, f"aws+{name}@example.com", role))
    return rows[:count]


ROWS = make_rows()


class ListApp(App[None]):
    def __init__(self, rows: list[Assignment]) -> None:
        super().__init__()
        self.rows = rows
        self.highlighted: list[Assignment | None] = []
        self.selected: list[Assignment] = []

    def compose(self) -> ComposeResult:
        yield AssignmentList(self.rows)

    @on(AssignmentList.Highlighted)
    def record_highlight(self, message: AssignmentList.Highlighted) -> None:
        assert message.control is self.query_one(AssignmentList)
        self.highlighted.append(message.assignment)

    @on(AssignmentList.Selected)
    def record_selection(self, message: AssignmentList.Selected) -> None:
        assert message.control is self.query_one(AssignmentList)
        self.selected.append(message.assignment)


def lines(widget: AssignmentList) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


def describe(row: Assignment) -> tuple[str, str, str]:
    return (row.account_name, row.account_id, row.role_name)


def assert_line_shows(line: str, row: Assignment) -> None:
    for part in describe(row):
        assert part in line, (part, line)


@pytest.fixture
async def running():
    app = ListApp(ROWS)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        yield app, pilot, app.query_one(AssignmentList)


async def test_first_screen_shows_the_first_rows(running):
    app, pilot, widget = running
    screen = lines(widget)
    assert len(screen) == SIZE[1]
    for line, row in zip(screen, ROWS, strict=False):
        assert_line_shows(line, row)
    assert widget.total_count == widget.shown_count == len(ROWS)
    assert widget.virtual_size.height == len(ROWS)
    assert widget.highlighted == ROWS[0] and widget.highlighted_index == 0
    assert app.highlighted == [ROWS[0]]
    # Only the visible rows were rendered.
    assert 0 < len(widget._strips) <= SIZE[1]


async def test_filtering_changes_the_rows_and_the_counts(running):
    app, pilot, widget = running
    expected = SearchIndex(ROWS).filter("prod pay")
    assert 0 < len(expected) < len(ROWS)
    widget.set_query("prod pay")
    await pilot.pause()
    assert widget.query == "prod pay"
    assert widget.shown_count == len(expected) and widget.total_count == len(ROWS)
    for line, row_index in zip(lines(widget), expected, strict=False):
        assert_line_shows(line, ROWS[row_index])
    assert widget.shown_assignments() == [ROWS[i] for i in expected]
    first_match = ROWS[expected[0]]
    assert widget.highlighted == first_match
    widget.set_query("")
    await pilot.pause()
    assert widget.shown_count == len(ROWS)
    # Clearing keeps the highlight on its row, scrolled into view.
    assert widget.highlighted == first_match
    assert_line_shows(lines(widget)[widget.highlighted_index - widget.scroll_offset.y], first_match)


async def test_matched_characters_use_the_match_style(running):
    app, pilot, widget = running
    row = next(r for r in ROWS if r.account_name.startswith("payments"))
    widget.set_query("payments")
    await pilot.pause()
    widget.highlight_key(row.key)
    widget.action_cursor_down()  # look at a row without the cursor
    await pilot.pause()
    segments = list(widget.render_line(0))
    matched = [segment for segment in segments if segment.text == "payments"]
    assert matched and all(segment.style.bold for segment in matched)
    plain = [segment for segment in segments if "-" in segment.text or "@" in segment.text]
    assert plain and not any(segment.style.bold for segment in plain)


async def test_keys_move_the_highlight_and_post_highlighted(running):
    app, pilot, widget = running
    widget.focus()
    await pilot.press("down", "down", "down")
    assert widget.highlighted_index == 3
    assert app.highlighted == ROWS[:4]
    await pilot.press("up")
    assert widget.highlighted == ROWS[2]
    await pilot.press("pagedown")
    assert widget.highlighted_index == 2 + SIZE[1] - 1
    await pilot.press("end")
    await pilot.pause()
    assert widget.highlighted == ROWS[-1]
    assert_line_shows(lines(widget)[-1], ROWS[-1])  # scrolled into view
    await pilot.press("home")
    await pilot.pause()
    assert widget.highlighted == ROWS[0] and widget.scroll_offset.y == 0
    await pilot.press("up")  # already at the top: nothing changes, nothing posted
    assert app.highlighted[-1] == ROWS[0] and app.highlighted.count(ROWS[0]) == 2


async def test_a_new_query_moves_the_highlight_to_the_best_row(running):
    """Even when the highlighted row still matches: the first row is the best match."""
    app, pilot, widget = running
    target = next(r for r in ROWS[200:] if "prod" in r.account_name)
    assert widget.highlight_key(target.key)
    await pilot.pause()
    widget.set_query("prod")
    await pilot.pause()
    assert target in widget.shown_assignments()
    first = ROWS[SearchIndex(ROWS).filter("prod")[0]]
    assert first != target
    assert widget.highlighted == first and widget.highlighted_index == 0
    assert widget.scroll_offset.y == 0
    assert app.highlighted[-1] == first
    # Each refinement is a new query: back to its first row.
    widget.action_cursor_down()
    widget.set_query("prod " + ("staging" if "staging" not in first.account_name else "lake"))
    await pilot.pause()
    assert widget.highlighted_index == 0
    assert widget.highlighted == ROWS[SearchIndex(ROWS).filter(widget.query)[0]]


async def test_enter_selects_the_highlighted_row(running):
    app, pilot, widget = running
    widget.focus()
    await pilot.press("down", "enter")
    assert app.selected == [ROWS[1]]


async def test_click_highlights_and_double_click_selects(running):
    app, pilot, widget = running
    await pilot.click(AssignmentList, offset=(10, 4))
    assert widget.highlighted == ROWS[4]
    assert app.selected == []
    await pilot.double_click(AssignmentList, offset=(10, 6))
    assert widget.highlighted == ROWS[6]
    assert app.selected == [ROWS[6]]


async def test_mouse_wheel_scrolls_the_view(running):
    app, pilot, widget = running
    widget.post_message(events.MouseScrollDown(widget, 5, 5, 0, 1, 0, False, False, False))
    await pilot.pause()
    assert widget.scroll_offset.y > 0
    assert widget.highlighted == ROWS[0]  # the wheel scrolls, the highlight stays


async def test_the_scrollbar_is_drawn_in_the_last_column(running):
    app, pilot, widget = running
    last_cells = [list(widget.render_line(y))[-1] for y in range(SIZE[1])]
    assert all(cell.text == " " for cell in last_cells)
    thumb, track = last_cells[0].style.bgcolor, last_cells[-1].style.bgcolor
    assert thumb != track  # 20 of 1000 rows: a one-line thumb at the top
    widget.set_query("zzzz-nothing")
    await pilot.pause()
    assert widget.shown_count == 0
    assert list(widget.render_line(5))[-1].style.bgcolor != thumb  # no rows, no bar


async def test_names_are_data_not_markup():
    rows = [
        Assignment("123456789012", "[bold]x[/]", "[i]mail[/i]@x", "Admin[red]"),
        Assignment("123456789013", "esc\x1b[31mape", "e@x", "Role"),
        Assignment("123456789014", "[link=https://x]y[/link]", "l@x", "R"),
    ]
    app = ListApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        widget = app.query_one(AssignmentList)
        screen = lines(widget)
        assert "[bold]x[/]" in screen[0] and "Admin[red]" in screen[0]
        assert "[i]mail[/i]@x" in screen[0]
        assert " escape " in screen[1] and "\x1b" not in screen[1]  # the escape removed whole
        assert "[link=https://x]y[/link]" in screen[2]
        assert "[bold]x[/]" in app.export_screenshot()  # what the compositor drew
        widget.set_query("[bold")
        await pilot.pause()
        assert widget.shown_count == 1 and "[bold]x[/]" in lines(widget)[0]


async def test_set_rows_keeps_the_highlighted_row(running):
    app, pilot, widget = running
    target = ROWS[500]
    widget.highlight_key(target.key)
    reordered = ROWS[300:] + ROWS[:300]
    widget.set_rows(reordered)
    await pilot.pause()
    assert widget.highlighted == target and widget.highlighted_index == 200
    assert widget.total_count == len(ROWS)
    # An explicit key wins; a missing key falls back to the first row.
    widget.set_rows(ROWS, keep_key=ROWS[42].key)
    assert widget.highlighted == ROWS[42]
    widget.set_rows(ROWS[100:], keep_key=ROWS[42].key)
    assert widget.highlighted == ROWS[100]
    # The query is kept across set_rows.
    widget.set_query("audit")
    widget.set_rows(ROWS)
    assert widget.shown_count == len(SearchIndex(ROWS).filter("audit"))


async def test_highlight_key_only_moves_to_shown_rows(running):
    app, pilot, widget = running
    widget.set_query("billing")
    hidden = next(r for r in ROWS if "billing" not in r.account_name.lower() + r.role_name.lower())
    assert widget.highlight_key(hidden.key) is False
    shown = next(r for r in ROWS[::-1] if "billing" in r.account_name)
    assert widget.highlight_key(shown.key) is True
    await pilot.pause()
    assert widget.highlighted == shown
    assert app.highlighted[-1] == shown


async def test_marks_for_favorites_and_recents(running):
    app, pilot, widget = running
    widget.set_marks({ROWS[0].key}, {ROWS[1].key, ROWS[0].key})
    await pilot.pause()
    screen = lines(widget)
    assert screen[0].startswith(" ★ ")
    assert screen[1].startswith(" • ")
    assert screen[2].startswith("   ")


async def test_empty_states():
    app = ListApp([])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        widget = app.query_one(AssignmentList)
        widget.empty_text = "Loading accounts…"
        await pilot.pause()
        assert lines(widget)[0].strip() == "Loading accounts…"
        assert widget.highlighted is None and widget.highlighted_index is None
        widget.empty_text = None
        widget.set_rows(ROWS[:10])
        await pilot.pause()
        assert widget.highlighted == ROWS[0]
        widget.set_query("zzzz")
        await pilot.pause()
        assert lines(widget)[0].strip() == "No matches for 'zzzz'"
        assert all(not line.strip() for line in lines(widget)[1:])
        assert widget.highlighted is None
        assert app.highlighted == [ROWS[0], None]
        widget.focus()
        await pilot.press("down", "end", "enter")  # nothing to move to or select
        assert app.selected == []


def test_layout_columns_gives_way_from_the_right():
    wide = layout_columns(140, name=30, role=20, email=40)
    assert wide == Columns(30, 12, 20, 40)
    assert layout_columns(100, 30, 20, 40).email == 100 - 3 - 30 - 2 - 12 - 2 - 20 - 2
    assert layout_columns(80, 30, 20, 40).email == 9
    assert layout_columns(78, 30, 20, 40).email == 0  # too little room left for the email
    narrow = layout_columns(50, 30, 20, 40)  # name and role no longer fit: they share
    assert narrow == Columns(27, 0, 18, 0)
    assert layout_columns(2, 30, 20, 40) == Columns(0, 0, 0, 0)


async def test_long_and_wide_names_are_cropped_with_an_ellipsis():
    rows = [
        Assignment("123456789012", "x" * 80, "e@x", "R" * 50),
        Assignment("123456789013", "数据平台" * 12, "d@x", "角色"),
    ]
    app = ListApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        widget = app.query_one(AssignmentList)
        first, second = (widget.render_line(y) for y in range(2))
        assert first.cell_length == second.cell_length == SIZE[0]
        assert "x" * 39 + "…" in first.text  # names are capped at 40 cells
        assert "R" * 31 + "…" in first.text  # roles at 32
        assert "…" in second.text and "角色" in second.text
        assert "123456789013" in second.text  # the columns after a wide name line up
        id_column = first.text.index("123456789012")
        assert cell_len(second.text[: second.text.index("123456789013")]) == id_column


def fast_and_textuals(widget: AssignmentList, monkeypatch) -> tuple[list, list]:
    """The widget's lines drawn by its fast path, then by Textual's styles cache."""
    region = Region(0, 0, widget.size.width, widget.size.height)
    fast = widget.render_lines(region)
    monkeypatch.setattr(AssignmentList, "_is_plain_box", lambda self: False)
    widget._styles_cache.clear()
    return fast, widget.render_lines(region)


async def test_the_fast_render_path_draws_what_textuals_styles_cache_draws(running, monkeypatch):
    app, pilot, widget = running
    widget.set_query("prod")
    widget.set_marks({ROWS[0].key}, set())
    await pilot.pause()
    fast, slow = fast_and_textuals(widget, monkeypatch)
    assert [list(strip) for strip in fast] == [list(strip) for strip in slow]
    cropped = widget.render_lines(Region(5, 2, 30, 3))
    assert [strip.text for strip in cropped] == [strip.text[5:35] for strip in slow[2:5]]


class AnsiColorApp(ListApp):
    CSS = """
    AssignmentList > .assignment-list--account-id { color: ansi_red; }
    AssignmentList > .assignment-list--email { text-style: dim; }
    """


async def test_ansi_colours_and_dim_text_still_go_through_textuals_line_filter(monkeypatch):
    # The fast path skips ANSIToTruecolor only when it would change nothing: an ANSI colour
    # or a dim style in the CSS must come out as Textual's own rendering draws it.
    app = AnsiColorApp(ROWS)
    async with app.run_test(size=SIZE) as pilot:
        widget = app.query_one(AssignmentList)
        widget.set_query("prod")
        await pilot.pause()
        fast, slow = fast_and_textuals(widget, monkeypatch)
        assert [list(strip) for strip in fast] == [list(strip) for strip in slow]
        colors = {segment.style.color for strip in fast for segment in strip}
        assert all(color.triplet is not None for color in colors if color is not None)
        assert not any(segment.style.dim for strip in fast for segment in strip)


class BorderedApp(ListApp):
    CSS = "AssignmentList { border: round red; padding: 0 1; }"


async def test_css_borders_and_padding_still_apply():
    app = BorderedApp(ROWS[:50])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        widget = app.query_one(AssignmentList)
        assert not widget._is_plain_box()
        full = widget.render_lines(Region(0, 0, SIZE[0], SIZE[1]))
        assert full[0].text.startswith("╭") and full[-1].text.startswith("╰")
        assert full[1].text.startswith("│ ") and ROWS[0].account_name in full[1].text


async def test_tiny_and_resized_widgets_render_full_width_lines(running):
    app, pilot, widget = running
    for width in (1, 2, 10, 30, 60):
        await pilot.resize_terminal(width, 10)
        await pilot.pause()
        for y in range(widget.size.height):
            assert widget.render_line(y).cell_length == widget.size.width
    await pilot.resize_terminal(*SIZE)
    await pilot.pause()
    widget.focus()
    await pilot.press("end")
    assert_line_shows(lines(widget)[-1], ROWS[-1])


async def test_highlight_key_scrolls_the_row_back_into_view(running):
    app, pilot, widget = running
    widget.scroll_to(y=500, animate=False)
    await pilot.pause()
    assert widget.highlight_key(ROWS[0].key)  # already highlighted, but off screen
    await pilot.pause()
    assert widget.scroll_offset.y == 0


async def test_backspace_reuses_the_rendered_rows(running):
    app, pilot, widget = running
    widget.set_query("prod pay")
    await pilot.pause()
    before = [widget.render_line(y) for y in range(1, 5)]
    widget.set_query("prod pa")
    await pilot.pause()
    assert [widget.render_line(y) for y in range(1, 5)] != before  # other highlights
    widget.set_query("prod pay ")  # the same terms again: the same strips, not re-rendered
    await pilot.pause()
    after = [widget.render_line(y) for y in range(1, 5)]
    assert all(a is b for a, b in zip(before, after, strict=True))


async def test_rows_arriving_keep_the_row_under_the_cursor_on_its_line(running):
    """A running load hands the list more rows, some sorting above the highlighted one: the
    highlight stays on its row, and the row stays on its line of the screen."""
    app, pilot, widget = running
    widget.set_rows(ROWS[100:400])
    await pilot.pause()
    widget.focus()
    await pilot.press(*["down"] * 5)
    target = widget.highlighted
    line = widget.highlighted_index - widget.scroll_offset.y
    assert target == ROWS[105] and line == 5
    widget.set_rows(ROWS[90:400])  # ten rows arrive above it
    await pilot.pause()
    assert widget.highlighted == target
    assert widget.highlighted_index == 15
    assert widget.highlighted_index - widget.scroll_offset.y == line
    assert_line_shows(lines(widget)[line], target)
    # Under a filter too.
    widget.set_query("prod")
    await pilot.pause()
    await pilot.press("down", "down")
    target = widget.highlighted
    line = widget.highlighted_index - widget.scroll_offset.y
    widget.set_rows(ROWS)
    await pilot.pause()
    assert widget.highlighted == target
    assert widget.highlighted_index - widget.scroll_offset.y == line


async def test_close_matches_are_shown_marked_when_nothing_matches(running, monkeypatch):
    """What ``SearchIndex.suggest`` offers when ``filter`` finds nothing is shown, marked ≈;
    a query with matches shows no marks."""
    app, pilot, widget = running
    payments = [i for i, row in enumerate(ROWS) if row.account_name.startswith("payments")]

    def suggest(self, query, limit=20):
        return payments[:limit] if query.strip() == "paymnets" else []

    monkeypatch.setattr(SearchIndex, "suggest", suggest)
    widget.set_rows(ROWS)  # a new index, with suggest
    widget.set_query("paymnets")
    await pilot.pause()
    assert widget.suggesting
    assert widget.shown_assignments() == [ROWS[i] for i in payments[:20]]
    assert widget.highlighted == ROWS[payments[0]]
    shown = lines(widget)[: len(payments[:20])]
    assert all(line.startswith(" ≈ ") for line in shown), shown
    widget.set_query("payments")
    await pilot.pause()
    assert not widget.suggesting
    assert not any("≈" in line for line in lines(widget))
    widget.set_query("zzzzqqq")  # nothing close either
    await pilot.pause()
    assert not widget.suggesting and widget.shown_count == 0
    assert lines(widget)[0].strip() == "No matches for 'zzzzqqq'"


def test_layout_columns_fits_the_labels_before_the_email():
    wide = layout_columns(160, name=30, role=20, email=40, labels=24)
    assert wide == Columns(30, 12, 20, 40, 24)
    # Less room: the e-mail gives way first, then the labels (never below a few cells).
    assert layout_columns(120, 30, 20, 40, 24) == Columns(30, 12, 20, 23, 24)
    assert layout_columns(100, 30, 20, 40, 24).email == 0
    assert layout_columns(80, 30, 20, 40, 24).labels == 9
    assert layout_columns(78, 30, 20, 40, 24).labels == 0
