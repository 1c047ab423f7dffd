"""The details pane under the list: everything about the highlighted row.

Names and e-mails are data, never markup: the lines are built from plain strings, as segments.
The pane changes with most keystrokes in the filter (the highlight moves to another row), so
it draws its lines itself (`render_line`) instead of laying out `Content` through Rich: that
took ~1.7 ms a change on the 2-core machines the picker benchmark runs on, this ~0.2 ms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.geometry import Region
from textual.reactive import reactive, var
from textual.strip import Strip
from textual.widget import Widget

from ssotui.core.models import Assignment
from ssotui.core.untrusted import for_terminal
from ssotui.tui.textual_private import draws_plainly, pad_style, padded_lines
from ssotui.tui.widgets.format import countdown, local_time

# How each piece of a line is drawn, on top of the pane's own colours.
PLAIN, LABEL, BOLD, ITALIC = "plain", "label", "bold", "italic"
_STYLES = {
    PLAIN: RichStyle(),
    LABEL: RichStyle(dim=True),
    BOLD: RichStyle(bold=True),
    ITALIC: RichStyle(italic=True),
}

Line = list[tuple[str, str]]  # (text, one of the kinds above)


@dataclass(frozen=True)
class Detail:
    """What the pane shows; ``held_until`` is the expiry of credentials we hold (no network)."""

    assignment: Assignment
    favorite: bool = False
    pinned: bool = False
    """A favorite from the settings file (``f`` cannot unpin it)."""
    recent: bool = False
    loading: bool = False
    held_until: datetime | None = None
    labels: str = ""
    """The account's alias and tags ("Payments · env:prod pci")."""
    protected: bool = False
    """The settings' [[protected]] rules cover it: its actions ask first."""
    via: str = ""
    """How a chained role is reached ("reached by role chaining from …")."""
    note: str = ""
    """Instead of the account and role lines: one line of what the row does (a login row)."""


class DetailsPane(Widget):
    detail: reactive[Detail | None] = reactive(None)
    # The clock ticks every second; only a credentials countdown shows it, so repaint only
    # then (a repaint a second would also cost a frame that can hold up a keystroke's).
    now: var[datetime | None] = var(None)

    _strips: tuple[tuple[int, int, int], list[Strip], RichStyle] | None = None  # widths, lines, pad

    def watch_detail(self) -> None:
        self._strips = None

    def watch_now(self) -> None:
        if self.detail is not None and self.detail.held_until is not None:
            self._strips = None
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips = None

    @property
    def text(self) -> str:
        """What the pane shows, as plain lines (for tests and debugging)."""
        return "\n".join("".join(text for text, _ in line) for line in self.lines())

    def lines(self) -> list[Line]:
        """The pane's lines, as (text, kind) pieces."""
        detail = self.detail
        if detail is None:
            return [[("Nothing highlighted.", LABEL)]]
        row = detail.assignment
        if detail.note:
            return [[(row.account_name, BOLD)], [(detail.note, LABEL)]]
        marks = []
        if detail.favorite:
            marks.append("★ favorite (settings)" if detail.pinned else "★ favorite")
        if detail.recent:
            marks.append("recent")
        title: Line = [(row.account_name, BOLD)]
        if detail.protected:
            title.append(("   ⚠ protected: opening it asks first", BOLD))
        if marks:
            title.append(("   " + " · ".join(marks), LABEL))
        account: Line = [("Account  ", LABEL), (row.account_id, PLAIN)]
        if detail.labels:
            account += [("   Labels ", LABEL), (detail.labels, PLAIN)]
        if detail.via:
            second: Line = [("Via      ", LABEL), (detail.via, PLAIN)]
        else:
            second = [("E-mail   ", LABEL), (row.email or "—", PLAIN)]
        lines = [title, account, second]
        if detail.loading:
            lines.append([("Role     ", LABEL), ("loading roles…", ITALIC)])
            return lines
        lines.append([("Role     ", LABEL), (row.role_name, BOLD)])
        lines.append([("Access   ", LABEL), self._credentials_text(detail)])
        return lines

    def _credentials_text(self, detail: Detail) -> tuple[str, str]:
        if detail.held_until is None or self.now is None:
            return ("no credentials held yet (fetched when you use the role)", LABEL)
        left = (detail.held_until - self.now).total_seconds()
        if left <= 0:
            return ("credentials expired", LABEL)
        until = local_time(detail.held_until)
        return (f"credentials held until {until} ({countdown(left)} left)", PLAIN)

    def render_lines(self, crop: Region) -> list[Strip]:
        if not draws_plainly(self):
            return super().render_lines(crop)  # CSS draws around the lines: Textual does it
        # Only padding (app.tcss) around the lines: drawn here (see textual_private.py).
        _top, right, _bottom, left = self.styles.padding
        lines, pad = self._lines(self.region.width - left - right, left, right)
        return padded_lines(self, lines, crop, pad)

    def render_line(self, y: int) -> Strip:
        """A content line, for Textual's styles cache (when CSS adds a border)."""
        width = self.content_region.width
        lines, pad = self._lines(width, 0, 0)
        return lines[y] if y < len(lines) else Strip.blank(width, pad)

    def _lines(self, width: int, left: int, right: int) -> tuple[list[Strip], RichStyle]:
        """The lines, ``width`` cells of text between ``left`` and ``right`` cells of padding,
        built once per change of the pane; and the padding's style."""
        key = (width, left, right)
        if self._strips is None or self._strips[0] != key:
            base = self.rich_style
            pad = pad_style(base)
            styled = {kind: base + style for kind, style in _STYLES.items()}
            lines = [_strip(line, styled, width, left, right, pad) for line in self.lines()]
            self._strips = (key, lines, pad)
        return self._strips[1], self._strips[2]


def _strip(
    line: Line, styles: dict[str, RichStyle], width: int, left: int, right: int, pad: RichStyle
) -> Strip:
    """One line: padding, the pieces cropped or filled to ``width`` cells, padding."""
    segments = [Segment(" " * left, pad)] if left else []
    used = 0
    for text, kind in line:
        if not text.isprintable():
            text = for_terminal(text)  # names are data from the portal
        size = cell_len(text)
        if used + size > width:
            text, size = set_cell_size(text, width - used), width - used
        if text:
            segments.append(Segment(text, styles[kind]))
        used += size
    if used < width or right:
        segments.append(Segment(" " * (width - used + right), pad))
    return Strip(segments, width + left + right)
