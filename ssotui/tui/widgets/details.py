"""The details pane under the list: everything about the highlighted row.

Names and e-mails are data, never markup: the lines are built from plain strings, as segments.
The pane changes with most keystrokes in the filter (the highlight moves to another row), so
it draws its lines itself (`render_line`) instead of laying out `Content` through Rich: that
took ~1.7 ms a change on the 2-core machines the picker benchmark runs on, this ~0.2 ms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.reactive import reactive, var
from textual.strip import Strip
from textual.widget import Widget

from ssotui.core.models import Assignment
from ssotui.tui.widgets.format import countdown, local_time

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

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


class DetailsPane(Widget):
    detail: reactive[Detail | None] = reactive(None)
    # The clock ticks every second; only a credentials countdown shows it, so repaint only
    # then (a repaint a second would also cost a frame that can hold up a keystroke's).
    now: var[datetime | None] = var(None)

    _strips: list[Strip] | None = None

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
        marks = []
        if detail.favorite:
            marks.append("★ favorite (settings)" if detail.pinned else "★ favorite")
        if detail.recent:
            marks.append("recent")
        title: Line = [(row.account_name, BOLD)]
        if marks:
            title.append(("   " + " · ".join(marks), LABEL))
        lines = [
            title,
            [("Account  ", LABEL), (row.account_id, PLAIN)],
            [("E-mail   ", LABEL), (row.email or "—", PLAIN)],
        ]
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

    def render_line(self, y: int) -> Strip:
        if self._strips is None:
            base = self.rich_style
            styles = {kind: base + style for kind, style in _STYLES.items()}
            self._strips = [_strip(line, styles) for line in self.lines()]
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.content_region.width, self.rich_style)


def _strip(line: Line, styles: dict[str, RichStyle]) -> Strip:
    return Strip(
        [Segment(_CONTROL.sub("\ufffd", text), styles[kind]) for text, kind in line if text]
    )
