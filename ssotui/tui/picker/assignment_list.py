"""A virtual list of assignments (account × permission set) for the picker.

Built on Textual's line API: `ScrollView` + `render_line(y)`. Only visible rows are rendered,
`virtual_size` is set here, and nothing is measured per row at mount time. Filtering is done by
`SearchIndex` (incremental, O(candidates) per keystroke); everything else per keystroke is
O(visible rows).

The scrollbar is drawn by the widget itself, in the last column of each line. Textual's own
`ScrollBar` widget re-renders through Rich on every change of the row count, which is every
keystroke here, and that alone cost about 4 ms of a 10 ms frame. Mouse wheel, click and drag on
the bar still scroll.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from typing import ClassVar, NamedTuple, Protocol

from rich.cells import cell_len, get_character_cell_size
from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ssotui.core.labels import Label
from ssotui.core.models import Assignment
from ssotui.core.untrusted import for_terminal
from ssotui.tui.search import SearchIndex, parse_query
from ssotui.tui.textual_private import (
    RemembersStyles,
    draws_plainly,
    finish_lines,
    freeze_garbage,
    paint_with_next_frame,
    set_scroll_range,
)

__all__ = ["AssignmentList", "Columns", "layout_columns"]

Key = tuple[str, str]

MARKER_WIDTH = 3  # " ★ "
ID_WIDTH = 12
GAP = 2
SCROLLBAR_WIDTH = 1
NAME_CAP, ROLE_CAP, EMAIL_CAP, LABELS_CAP = 40, 32, 40, 28
MIN_EMAIL = MIN_LABELS = 8
FAVORITE, RECENT, CLOSE_MATCH, PROTECTED = "★", "•", "≈", "⚠"
SUGGESTIONS = 20  # close matches shown when nothing matches

_NO_SPANS: tuple[list[tuple[int, int]], ...] = ([], [], [], [])
_NO_BAR, _TRACK, _THUMB = 0, 1, 2


GC_FREEZE_ROWS = 5_000  # from this many rows on, set_rows() moves them out of the GC's way
PREPARE_AFTER = 0.1  # seconds after set_rows() to build the search's word data


class Columns(NamedTuple):
    """Cell widths of the data columns for one line width (0 means hidden)."""

    name: int
    account_id: int
    role: int
    email: int
    labels: int = 0


def layout_columns(width: int, name: int, role: int, email: int, labels: int = 0) -> Columns:
    """Fit the natural column widths into ``width`` cells (the marker column included).

    Name and role come first: at their natural widths when they fit, else sharing what there
    is. The account id follows if it fits, then the labels (alias and tags), and the email
    takes what is left (each hidden when only a few cells would remain).
    """
    available = width - MARKER_WIDTH - GAP  # the gap between name and role
    if name + role >= available:
        if available <= 1:
            return Columns(max(available, 0), 0, 0, 0)
        name_share = max(1, available * name // max(name + role, 1))
        return Columns(name_share, 0, available - name_share, 0)
    rest = available - name - role
    account_id = ID_WIDTH if rest >= GAP + ID_WIDTH else 0
    if account_id:
        rest -= GAP + ID_WIDTH
    shown_labels = 0
    if labels and rest - GAP >= MIN_LABELS:
        shown_labels = min(labels, rest - GAP)
        rest -= GAP + shown_labels
    rest -= GAP
    email = min(email, rest) if rest >= MIN_EMAIL else 0
    return Columns(name, account_id, role, email, shown_labels)


class _Styles(NamedTuple):
    """Rich styles for one kind of row (normal or cursor); ``*_match`` for matched characters."""

    plain: RichStyle
    plain_match: RichStyle
    account_id: RichStyle
    account_id_match: RichStyle
    email: RichStyle
    email_match: RichStyle
    favorite: RichStyle
    recent: RichStyle
    protected: RichStyle
    labels: RichStyle
    empty: RichStyle
    suggestion: RichStyle
    track: RichStyle
    thumb: RichStyle


class _Frame(NamedTuple):
    """What every line of one render pass needs, looked up once."""

    width: int
    scroll_y: int
    thumb: tuple[int, int] | None  # viewport lines [start, end) drawn as the thumb
    terms: tuple[str, ...]  # the parsed query
    suggesting: bool  # the rows are close matches, not matches
    style_key: tuple
    normal: _Styles
    cursor: _Styles
    truecolor: bool  # every style is in RGB and none is dim: ANSIToTruecolor changes nothing


class AssignmentList(RemembersStyles, ScrollView, can_focus=True):
    """One line per assignment; filter with `set_query`, replace the data with `set_rows`.

    The list owns a highlight (cursor) over the *shown* rows. It posts `Highlighted` when the
    highlighted assignment changes and `Selected` on Enter or double-click.
    """

    ALLOW_SELECT = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="list.cursor_up"),
        Binding("down", "cursor_down", "Down", show=False, id="list.cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("home", "first", "First", show=False, id="list.first"),
        Binding("end", "last", "Last", show=False, id="list.last"),
        Binding("enter", "select", "Select", show=False, id="list.select"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | up / down | Move the highlight one row. |
    | pageup / pagedown | Move the highlight one page. |
    | home / end | Highlight the first / last row. |
    | enter | Post `Selected` for the highlighted row. |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "assignment-list--cursor",
        "assignment-list--match",
        "assignment-list--cursor-match",
        "assignment-list--account-id",
        "assignment-list--email",
        "assignment-list--favorite",
        "assignment-list--recent",
        "assignment-list--protected",
        "assignment-list--labels",
        "assignment-list--empty",
        "assignment-list--suggestion",
    }
    """
    | Class | Description |
    | :- | :- |
    | `assignment-list--cursor` | The highlighted row. |
    | `assignment-list--match` | Characters matching the query. |
    | `assignment-list--cursor-match` | Matching characters on the highlighted row. |
    | `assignment-list--account-id` | The account id column. |
    | `assignment-list--email` | The email column. |
    | `assignment-list--favorite` | The favorite marker. |
    | `assignment-list--recent` | The recently-used marker. |
    | `assignment-list--protected` | The ⚠ of a protected row (the settings' [[protected]]). |
    | `assignment-list--labels` | The labels column (a label's own colour wins). |
    | `assignment-list--empty` | The "no matches" / "loading" line. |
    | `assignment-list--suggestion` | The ≈ marker of a close match (nothing matched). |

    The scrollbar uses the usual `scrollbar-color` / `scrollbar-background` styles.
    """

    # scrollbar-size-vertical: 0 keeps Textual's scrolling (wheel, scroll_to) but hides its
    # ScrollBar widget: the bar is drawn in render_line instead (see the module docstring).
    # overflow-y: scroll, not auto: with auto, Textual relayouts the whole screen whenever
    # the rows start or stop filling the list (the hidden bar "appears"), a keystroke's work.
    DEFAULT_CSS = """
    AssignmentList {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-size-vertical: 0;
        background: $surface;
        color: $foreground;
        & > .assignment-list--cursor {
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .assignment-list--cursor {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
        & > .assignment-list--match {
            color: $text-accent;
            text-style: bold;
        }
        & > .assignment-list--cursor-match {
            text-style: bold underline;
        }
        & > .assignment-list--account-id {
            color: $text-muted;
        }
        & > .assignment-list--email {
            color: $text-muted;
        }
        & > .assignment-list--favorite {
            color: $text-warning;
        }
        & > .assignment-list--recent {
            color: $text-muted;
        }
        & > .assignment-list--protected {
            color: $text-error;
            text-style: bold;
        }
        & > .assignment-list--labels {
            color: $text-secondary;
        }
        & > .assignment-list--empty {
            color: $text-muted;
            text-style: italic;
        }
        & > .assignment-list--suggestion {
            color: $text-warning;
        }
    }
    """

    @dataclass
    class Highlighted(Message):
        """The highlighted assignment changed (None when nothing is shown)."""

        assignment_list: AssignmentList
        assignment: Assignment | None

        @property
        def control(self) -> AssignmentList:
            return self.assignment_list

    @dataclass
    class Selected(Message):
        """The user chose an assignment (Enter or double-click)."""

        assignment_list: AssignmentList
        assignment: Assignment

        @property
        def control(self) -> AssignmentList:
            return self.assignment_list

    def __init__(
        self,
        rows: Sequence[Assignment] = (),
        *,
        empty_text: str | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._index = SearchIndex(())
        self._query = ""
        self._shown: list[int] = []  # row indices matching the query, best first
        self._suggesting = False  # nothing matched: _shown holds close matches
        self._cursor: int | None = None  # position in self._shown
        # Whether the highlight is on a row someone chose (keys, a click, highlight_key) since
        # the rows or the query last put it on the first row: then rows arriving keep that row
        # on its line; before, the top of the list stays in view.
        self._chosen = False
        self._posted: Assignment | None = None  # the assignment last sent in Highlighted
        self._empty_text = empty_text
        self._favorites: frozenset[Key] = frozenset()
        self._recents: frozenset[Key] = frozenset()
        self.labels: RowLabels | None = None
        """Where the labels and protection of rows come from (the picker's Labeler)."""
        self._label_texts: Mapping[str, str] = {}
        self._natural = Columns(NAME_CAP, ID_WIDTH, ROLE_CAP, EMAIL_CAP)
        self._columns: dict[int, Columns] = {}
        self._strips: LRUCache[tuple, Strip] = LRUCache(512)
        self._frame: _Frame | None = None
        self._dragging_bar = False
        self.set_rows(rows)

    # -- public API ---------------------------------------------------------------------------

    @property
    def query(self) -> str:
        """The current filter text."""
        return self._query

    @property
    def total_count(self) -> int:
        """Number of rows, filtered or not."""
        return len(self._index)

    @property
    def shown_count(self) -> int:
        """Number of rows matching the current query."""
        return len(self._shown)

    @property
    def suggesting(self) -> bool:
        """Nothing matches the query: the rows shown are close matches (marked ≈)."""
        return self._suggesting

    @property
    def highlighted_index(self) -> int | None:
        """Position of the highlight among the shown rows, or None."""
        return self._cursor

    @property
    def highlighted(self) -> Assignment | None:
        """The highlighted assignment, or None when nothing is shown."""
        if self._cursor is None:
            return None
        return self._index.rows[self._shown[self._cursor]]

    def shown_assignments(self) -> list[Assignment]:
        """The rows matching the query, in order (O(shown): for tests and debugging)."""
        rows = self._index.rows
        return [rows[i] for i in self._shown]

    @property
    def empty_text(self) -> str:
        """The line shown when no row is shown. Set it (e.g. "Loading accounts…") or leave
        it None for "No matches for '…'" / "No accounts"."""
        if self._empty_text is not None:
            return self._empty_text
        if not self.total_count:
            return "No accounts"
        return f"No matches for {self._query.strip()!r}"

    @empty_text.setter
    def empty_text(self, text: str | None) -> None:
        self._empty_text = text
        if not self._shown:
            self.refresh()

    def set_rows(
        self,
        rows: Sequence[Assignment],
        *,
        keep_key: Key | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        """Replace all rows, re-apply the query, and keep the highlight on ``keep_key``, on
        the same line of the view: rows arriving never move the row under the cursor (until a
        row is chosen with the keys, a click or ``highlight_key``, the top stays in view).

        ``keep_key`` defaults to the currently highlighted row; when that row is not shown
        the highlight goes to the first shown row. ``labels``: account id -> its label text
        (alias and tags), shown in a column of its own and searched like the e-mail.
        """
        if keep_key is None and (current := self.highlighted) is not None:
            keep_key = current.key
        line = None if self._cursor is None else self._cursor - self.scroll_offset.y
        self._index = SearchIndex(rows, labels)
        self._label_texts = labels or {}
        self._natural = Columns(
            min(NAME_CAP, max(map(len, map(attrgetter("account_name"), rows)), default=4)),
            ID_WIDTH,
            min(ROLE_CAP, max(map(len, map(attrgetter("role_name"), rows)), default=4)),
            min(EMAIL_CAP, max(map(len, map(attrgetter("email"), rows)), default=0)),
            min(LABELS_CAP, max(map(len, self._label_texts.values()), default=0)),
        )
        self._columns.clear()
        self._shown, self._suggesting = self._match(self._query)
        cursor = None
        if keep_key is not None and (row := self._index.find(keep_key)) is not None:
            cursor = self._position_of(row)
        self._strips.clear()  # row indices mean other rows now
        # The highlighted row keeps its line of the screen once someone chose it; until then
        # (as at start-up) the top stays in view, so that favorites arriving above are seen.
        if cursor is not None and line is not None and self._chosen:
            self._keep_on_line(cursor, line)
        self._after_change(cursor)
        if len(rows) >= GC_FREEZE_ROWS:
            freeze_garbage(self)  # see textual_private
        # The search's word data, once the frame with these rows is out and only if no newer
        # rows replaced them by then (a streaming load rebuilds the index often).
        index = self._index
        if rows and self.is_mounted:
            self.set_timer(PREPARE_AFTER, lambda: index.prepare() if index is self._index else None)

    def set_query(self, query: str) -> None:
        """Filter the rows, best match first. A query moves the highlight to the first (best)
        row; clearing it keeps the highlight on its row (now among all the others)."""
        if query == self._query:
            return
        row = self._shown[self._cursor] if self._cursor is not None else None
        self._query = query
        self._shown, self._suggesting = self._match(query)
        keep = row is not None and not query.strip()
        self._chosen = keep and self._chosen  # a new query puts the highlight on its best row
        self._after_change(self._position_of(row) if keep else None)

    def _match(self, query: str) -> tuple[list[int], bool]:
        """The rows matching ``query``, best first; when none does, close matches (the
        second value is then True)."""
        shown = self._index.filter(query)
        if shown or not query.strip():
            return shown, False
        close = self._index.suggest(query, limit=SUGGESTIONS)
        return close, bool(close)

    def highlight_key(self, key: Key) -> bool:
        """Highlight the row with this key if it is shown; True when it is."""
        row = self._index.find(key)
        position = None if row is None else self._position_of(row)
        if position is None:
            return False
        self._move_cursor(position)
        return True

    def set_marks(self, favorites: set[Key], recents: set[Key]) -> None:
        """Show a ★ on favorite rows and a subtle • on recently used ones."""
        self._favorites = frozenset(favorites)
        self._recents = frozenset(recents)
        self._strips.clear()
        self.refresh()

    # -- actions ------------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        if self._cursor is not None:
            self._move_cursor(max(0, self._cursor - 1))

    def action_cursor_down(self) -> None:
        if self._cursor is not None:
            self._move_cursor(min(len(self._shown) - 1, self._cursor + 1))

    def action_page_up(self) -> None:
        if self._cursor is not None:
            self._move_cursor(max(0, self._cursor - self._page_height()))

    def action_page_down(self) -> None:
        if self._cursor is not None:
            self._move_cursor(min(len(self._shown) - 1, self._cursor + self._page_height()))

    def action_first(self) -> None:
        if self._shown:
            self._move_cursor(0)

    def action_last(self) -> None:
        if self._shown:
            self._move_cursor(len(self._shown) - 1)

    def action_select(self) -> None:
        if (assignment := self.highlighted) is not None:
            self.post_message(self.Selected(self, assignment))

    # -- events -------------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self._on_bar(offset.x):
            return
        position = self.scroll_offset.y + offset.y
        if 0 <= position < len(self._shown):
            self._move_cursor(position)
            if event.chain >= 2:
                self.action_select()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and self._on_bar(offset.x) and self._thumb() is not None:
            self._dragging_bar = True
            self.capture_mouse()
            self._scroll_to_bar(offset.y)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._dragging_bar:
            self._scroll_to_bar(event.get_content_offset_capture(self).y)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging_bar:
            self._dragging_bar = False
            self.release_mouse()

    def on_resize(self, event: events.Resize) -> None:
        self._scroll_to_cursor()

    def on_focus(self, event: events.Focus) -> None:
        self.refresh()

    def on_blur(self, event: events.Blur) -> None:
        self.refresh()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        # ScrollView would also move its (hidden, see DEFAULT_CSS) ScrollBar widget: the
        # repaint of a widget that is not on screen makes the compositor rebuild its map of
        # every widget on the next frame (~1-2 ms, whenever the list scrolls).
        if round(old_value) != round(new_value):
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self.refresh()

    # -- rendering ----------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame = self._make_frame()
        try:
            if not self._is_plain_box():
                return super().render_lines(crop)
            # Without border, padding, outline, tint, hatch or opacity, Textual's styles cache
            # would only copy each line into a new Strip before the line filters: skip it (a
            # third of the frame time). Rows come from self._strips, so repaints stay cheap.
            strips = [self.render_line(y) for y in crop.line_range]
            return finish_lines(self, strips, crop, truecolor=self._frame.truecolor)
        finally:
            self._frame = None

    def _is_plain_box(self) -> bool:
        """True when the widget's CSS adds nothing around or over its lines."""
        return not self.gutter and draws_plainly(self)

    def render_line(self, y: int) -> Strip:
        frame = self._frame or self._make_frame()  # tests may call render_line directly
        width, normal = frame.width, frame.normal
        bar = _NO_BAR
        if frame.thumb is not None:
            bar = _THUMB if frame.thumb[0] <= y < frame.thumb[1] else _TRACK
        position = frame.scroll_y + y
        shown = self._shown
        if position >= len(shown):  # below the last row: blank, or the empty-state message
            text = self.empty_text if (y == 0 and not shown) else ""
            key: tuple = (text, width, frame.style_key)
            strip = self._strips.get(key)
            if strip is None:
                strip = self._strips[key] = self._render_text_line(text, width, normal)
            return strip
        row = shown[position]
        is_cursor = position == self._cursor
        # Keyed by the parsed terms, not cleared per query: backspace reuses the strips.
        key = (row, frame.terms, width, is_cursor, bar, frame.style_key, frame.suggesting)
        strip = self._strips.get(key)
        if strip is None:
            styles = frame.cursor if is_cursor else normal
            strip = self._render_row(row, width, styles, bar, frame.suggesting)
            self._strips[key] = strip
        return strip

    def _make_frame(self) -> _Frame:
        style_key, normal, cursor, truecolor = self._styles()
        width = self.scrollable_content_region.width
        terms = parse_query(self._query)
        return _Frame(
            width,
            self.scroll_offset.y,
            self._thumb(),
            terms,
            self._suggesting,
            style_key,
            normal,
            cursor,
            truecolor,
        )

    def _thumb(self) -> tuple[int, int] | None:
        """Viewport lines [start, end) of the scrollbar thumb, or None when all rows fit."""
        height = self.scrollable_content_region.height
        total = len(self._shown)
        if height <= 0 or total <= height:
            return None
        size = max(1, round(height * height / total))
        start = round((height - size) * min(1.0, self.scroll_offset.y / (total - height)))
        return start, start + size

    def _render_row(
        self, row: int, width: int, styles: _Styles, bar: int, suggesting: bool = False
    ) -> Strip:
        """One row as a Strip of exactly ``width`` cells (cached by the caller); a close
        match (``suggesting``) is marked ≈ and has no matched characters."""
        assignment = self._index.rows[row]
        content_width = width - SCROLLBAR_WIDTH
        columns = self._columns.get(content_width)
        if columns is None:
            natural = self._natural
            columns = layout_columns(
                content_width, natural.name, natural.role, natural.email, natural.labels
            )
            self._columns[content_width] = columns
        matched = self._query.strip() and not suggesting
        spans = self._index.spans(row, self._query) if matched else _NO_SPANS
        plain = styles.plain
        line = _Line()
        key = assignment.key
        labels = self.labels
        if suggesting:
            line.add(" ", plain)
            line.add(CLOSE_MATCH, styles.suggestion)
            line.add(" ", plain)
        elif labels is not None and labels.protected(assignment):
            line.add(" ", plain)
            line.add(PROTECTED, styles.protected)
            line.add(" ", plain)
        elif key in self._favorites:
            line.add(" ", plain)
            line.add(FAVORITE, styles.favorite)
            line.add(" ", plain)
        elif key in self._recents:
            line.add(" ", plain)
            line.add(RECENT, styles.recent)
            line.add(" ", plain)
        else:
            line.add("   ", plain)
        used = MARKER_WIDTH
        name_spans, id_spans, role_spans, email_spans = spans  # in search.FIELDS order
        chained = labels is not None and labels.is_chained(assignment)
        name_style = styles.email if chained else plain  # "via …": dim, like the e-mail
        label_text, label_style = "", styles.labels
        if columns.labels:
            label_text = self._label_texts.get(
                getattr(assignment, "scope", assignment.account_id), ""
            )
            color = labels.label(assignment).color if label_text and labels else None
            if color is not None:
                label_style = label_style + RichStyle(color=_label_color(color))
        for text, cell_width, runs, style, match_style in (
            (assignment.account_name, columns.name, name_spans, name_style, styles.plain_match),
            (
                assignment.account_id,
                columns.account_id,
                id_spans,
                styles.account_id,
                styles.account_id_match,
            ),
            (assignment.role_name, columns.role, role_spans, plain, styles.plain_match),
            (label_text, columns.labels, [], label_style, label_style),
            (assignment.email, columns.email, email_spans, styles.email, styles.email_match),
        ):
            if cell_width <= 0:
                continue
            if used > MARKER_WIDTH:
                line.add(" " * GAP, plain)
                used += GAP
            line.add_cell(text, cell_width, runs, style, match_style)
            used += cell_width
        return line.finish(used, width, styles, bar)

    def _render_text_line(self, text: str, width: int, styles: _Styles) -> Strip:
        """The empty-state message, or a blank line."""
        line = _Line()
        used = 0
        if text:
            if not text.isprintable():
                text = for_terminal(text)
            fitted, _ = _fit(text, max(width - SCROLLBAR_WIDTH - MARKER_WIDTH, 0))
            line.add(" " * MARKER_WIDTH, styles.plain)
            line.add(fitted, styles.empty)
            used = MARKER_WIDTH + cell_len(fitted)
        return line.finish(used, width, styles, _NO_BAR)

    def _styles(self) -> tuple[tuple, _Styles, _Styles, bool]:
        """(key, normal, cursor, truecolor) row styles, rebuilt when the theme, CSS or focus
        change; ``truecolor``: no style needs Textual's ANSIToTruecolor line filter."""

        def build() -> tuple[tuple, _Styles, _Styles, bool]:
            normal, cursor = self._make_styles(False), self._make_styles(True)
            truecolor = all(map(_is_truecolor, (*normal, *cursor)))
            return self.style_key(), normal, cursor, truecolor

        return self.remembered_styles(build)

    def _make_styles(self, cursor: bool) -> _Styles:
        # Add Textual styles first and convert to Rich last: a partial style alone has a
        # transparent background, which Rich would turn into black.
        base = self.get_visual_style("assignment-list--cursor") if cursor else self.visual_style
        match = self.get_visual_style(
            "assignment-list--cursor-match" if cursor else "assignment-list--match", partial=True
        )

        def part(component: str):
            return self.get_visual_style(component, partial=True)

        account_id = base + part("assignment-list--account-id")
        email = base + part("assignment-list--email")
        background = self.background_colors[1]
        track = background + self.styles.scrollbar_background
        thumb = track + self.styles.scrollbar_color
        return _Styles(
            plain=base.rich_style,
            plain_match=(base + match).rich_style,
            account_id=account_id.rich_style,
            account_id_match=(account_id + match).rich_style,
            email=email.rich_style,
            email_match=(email + match).rich_style,
            favorite=(base + part("assignment-list--favorite")).rich_style,
            recent=(base + part("assignment-list--recent")).rich_style,
            protected=(base + part("assignment-list--protected")).rich_style,
            labels=(base + part("assignment-list--labels")).rich_style,
            empty=(base + part("assignment-list--empty")).rich_style,
            suggestion=(base + part("assignment-list--suggestion")).rich_style,
            track=RichStyle(bgcolor=track.rich_color),
            thumb=RichStyle(bgcolor=thumb.rich_color),
        )

    # -- internals ----------------------------------------------------------------------------

    def _position_of(self, row: int) -> int | None:
        """Position of a row index among the shown rows, or None."""
        shown = self._shown
        # Without a query the rows are in index order: a bisection finds it. Ranked rows are
        # not, and one C-level scan (at most once per change, not per paint) does.
        position = bisect_left(shown, row)
        if position < len(shown) and shown[position] == row:
            return position
        try:
            return shown.index(row)
        except ValueError:
            return None

    def _keep_on_line(self, cursor: int, line: int) -> None:
        """Scroll so that position ``cursor`` is on viewport line ``line`` (as far as the
        rows allow): the row under the cursor stays where it was on screen."""
        height = self.scrollable_content_region.height
        if not self.is_mounted or height <= 0 or not 0 <= line < height:
            return
        self._set_virtual_height(len(self._shown))
        top = max(0, min(cursor - line, len(self._shown) - height))
        if top != self.scroll_offset.y:
            self.scroll_to(y=top, animate=False, force=True, immediate=True)

    def _after_change(self, cursor: int | None) -> None:
        """Rows or query changed: new size, highlight, scroll, repaint."""
        if cursor is None and self._shown:
            cursor = 0
        self._cursor = cursor
        self._set_virtual_height(len(self._shown))
        self._scroll_to_cursor()
        self.refresh()
        paint_with_next_frame(self)  # with the filter box that changed the query
        self._post_highlighted()

    def _set_virtual_height(self, rows: int) -> None:
        size = Size(0, rows)
        if size == self.virtual_size:
            return
        height = self.styles.height
        if not self.is_mounted or (height is not None and height.is_auto):
            self.virtual_size = size  # our height follows the row count: relayout
            return
        # With a fixed or fractional height only the scroll range changes, so skip the
        # screen-wide relayout that the (layout=True) reactive would cause on every keystroke.
        set_scroll_range(self, size)

    def _move_cursor(self, position: int) -> None:
        self._chosen = True
        old = self._cursor
        if position == old:
            self._scroll_to_cursor()  # it may have been scrolled away with the wheel
            return
        self._cursor = position
        if old is not None:
            self.refresh_line(old)
        self.refresh_line(position)
        self._scroll_to_cursor()
        self._post_highlighted()

    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        """Scroll the least amount that shows the highlighted row (or to the top)."""
        height = self.scrollable_content_region.height
        if not self.is_mounted or height <= 0:
            return
        top = self.scroll_offset.y
        cursor = self._cursor
        if cursor is None:
            top = 0
        elif cursor < top:
            top = cursor
        elif cursor >= top + height:
            top = cursor - height + 1
        top = max(0, min(top, len(self._shown) - height))
        if top != self.scroll_offset.y:
            self.scroll_to(y=top, animate=False, force=True, immediate=True)

    def _on_bar(self, x: int) -> bool:
        return x >= self.scrollable_content_region.width - SCROLLBAR_WIDTH

    def _scroll_to_bar(self, y: int) -> None:
        """Scroll so that the thumb is centred on viewport line ``y`` (click or drag)."""
        thumb = self._thumb()
        if thumb is None:
            return
        height = self.scrollable_content_region.height
        size = thumb[1] - thumb[0]
        fraction = (y - size / 2) / max(1, height - size)
        top = round(max(0.0, min(1.0, fraction)) * (len(self._shown) - height))
        self.scroll_to(y=top, animate=False, force=True, immediate=True)

    def _post_highlighted(self) -> None:
        current = self.highlighted
        if current != self._posted:
            self._posted = current
            self.post_message(self.Highlighted(self, current))


# -- line building ------------------------------------------------------------------------------


def _fit(text: str, width: int) -> tuple[str, int]:
    """Crop ``text`` to at most ``width`` cells (ending in "…" when cropped).

    Returns the cropped text and how many characters of ``text`` it keeps.
    """
    if width <= 0:
        return "", 0
    if text.isascii():
        if len(text) <= width:
            return text, len(text)
        return text[: width - 1] + "…", width - 1
    if cell_len(text) <= width:
        return text, len(text)
    used = kept = 0
    for char in text:
        size = get_character_cell_size(char)
        if used + size > width - 1:
            break
        used += size
        kept += 1
    return text[:kept] + "…", kept


@lru_cache(maxsize=16)
def _label_color(name: str) -> RichColor:
    """A label's colour (core.labels.COLORS: CSS names) as an RGB colour."""
    return Color.parse(name).rich_color


class RowLabels(Protocol):
    """What the list asks of the picker's labels (ssotui.tui.picker.labeling.Labeler)."""

    def label(self, row: Assignment) -> Label: ...

    def protected(self, row: Assignment) -> bool: ...

    def is_chained(self, row: Assignment) -> bool: ...


def _is_truecolor(style: RichStyle) -> bool:
    """True when ANSIToTruecolor would leave ``style`` as it is: its colours are RGB (or
    unset) and it is not dim (which the filter blends into the colour)."""
    return not style.dim and all(
        color is None or color.triplet is not None for color in (style.color, style.bgcolor)
    )


class _Line:
    """Builds one line's segments; consecutive text in the same style becomes one segment."""

    __slots__ = ("segments", "text", "style")

    def __init__(self) -> None:
        self.segments: list[Segment] = []
        self.text = ""  # pending, in self.style
        self.style: RichStyle | None = None

    def add(self, text: str, style: RichStyle) -> None:
        if style is self.style:
            self.text += text
        elif text:
            if self.text:
                self.segments.append(Segment(self.text, self.style))
            self.text, self.style = text, style

    def add_cell(
        self,
        text: str,
        width: int,
        spans: list[tuple[int, int]],
        style: RichStyle,
        match_style: RichStyle,
    ) -> None:
        """One column: ``text`` cropped or padded to ``width`` cells, ``spans`` (sorted
        ``(start, end)`` character runs) in ``match_style``.

        ``text`` is data, never markup: it goes into `Segment`s as is. The picker's rows are
        made safe for the terminal when they are built (picker_state); this is the guard for
        any other text (a bidi control or escape is never printable, so clean text pays one
        ``isprintable`` only).
        """
        if not text.isprintable():
            text = for_terminal(text)
        fitted, kept = _fit(text, width)
        start = 0
        for run_start, run_end in spans:
            if run_start >= kept:
                break
            run_end = min(run_end, kept)
            self.add(fitted[start:run_start], style)
            self.add(fitted[run_start:run_end], match_style)
            start = run_end
        padding = width - (len(fitted) if fitted.isascii() else cell_len(fitted))
        self.add(fitted[start:] + " " * padding if padding > 0 else fitted[start:], style)

    def finish(self, used: int, width: int, styles: _Styles, bar: int) -> Strip:
        """Pad (or crop) the content to ``width`` minus the scrollbar, add the bar cell."""
        if width <= SCROLLBAR_WIDTH:
            return Strip.blank(max(width, 0), styles.plain)
        content_width = width - SCROLLBAR_WIDTH
        if used < content_width:
            self.add(" " * (content_width - used), styles.plain)
        if self.text:
            self.segments.append(Segment(self.text, self.style))
        segments = self.segments
        if used > content_width:
            segments = list(Strip(segments, used).crop(0, content_width))
        bar_style = (styles.plain, styles.track, styles.thumb)[bar]
        if segments and segments[-1].style is bar_style:
            segments[-1] = Segment(segments[-1].text + " " * SCROLLBAR_WIDTH, bar_style)
        else:
            segments.append(Segment(" " * SCROLLBAR_WIDTH, bar_style))
        return Strip(segments, width)
