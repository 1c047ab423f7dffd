"""The details pane under the list: everything about the highlighted row.

Names and e-mails are data, never markup: the text is assembled from plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.content import Content
from textual.reactive import reactive, var
from textual.widget import Widget

from ssotui.core.models import Assignment
from ssotui.tui.widgets.format import countdown, local_time

LABEL = "dim"


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

    def watch_now(self) -> None:
        if self.detail is not None and self.detail.held_until is not None:
            self.refresh()

    def render(self) -> Content:
        detail = self.detail
        if detail is None:
            return Content.styled("Nothing highlighted.", LABEL)
        row = detail.assignment
        marks = []
        if detail.favorite:
            marks.append("★ favorite (settings)" if detail.pinned else "★ favorite")
        if detail.recent:
            marks.append("recent")
        title = Content.assemble(
            (row.account_name, "bold"), ("   " + " · ".join(marks), LABEL) if marks else ""
        )
        lines = [
            title,
            Content.assemble(("Account  ", LABEL), row.account_id),
            Content.assemble(("E-mail   ", LABEL), row.email or "—"),
        ]
        if detail.loading:
            lines.append(Content.assemble(("Role     ", LABEL), ("loading roles…", "italic")))
            return Content("\n").join(lines)
        lines.append(Content.assemble(("Role     ", LABEL), (row.role_name, "bold")))
        lines.append(Content.assemble(("Access   ", LABEL), self._credentials_text(detail)))
        return Content("\n").join(lines)

    def _credentials_text(self, detail: Detail) -> Content:
        if detail.held_until is None or self.now is None:
            return Content.styled("no credentials held yet (fetched when you use the role)", LABEL)
        left = (detail.held_until - self.now).total_seconds()
        if left <= 0:
            return Content.styled("credentials expired", LABEL)
        return Content(
            f"credentials held until {local_time(detail.held_until)} ({countdown(left)} left)"
        )
