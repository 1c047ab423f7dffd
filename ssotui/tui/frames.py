"""Keep one change in one frame.

Textual hands a widget's refresh to its screen only when the widget's own message queue next
goes idle. When one handler changes several widgets (a keystroke in the filter box changes
the list and the row count), the screen may draw a frame in between, and what is left waits
for the next frame tick, 16-33 ms later: the rows visibly trail the typed text.
"""

from __future__ import annotations

from textual.widget import Widget


def paint_with_next_frame(widget: Widget) -> None:
    """Hand ``widget``'s pending refresh to its screen now, so that the next frame shows it.

    This calls what the widget's idle handler would call a moment later (Textual's
    ``Widget._check_refresh``; textual is pinned exactly, and the B5 benchmark shows it)."""
    widget._check_refresh()
