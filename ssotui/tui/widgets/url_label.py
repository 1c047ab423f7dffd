"""A web address on one line of a box: cut in the middle with an ellipsis when it does not fit,
never wrapped (an address wrapped inside a box picks up the border and padding when it is
copied from the terminal). Selecting any part of it selects the whole address; the screen
offers a key to copy it. Other text (a note that there is no address to show) is shown as a
Label shows it."""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.geometry import Size
from textual.selection import Selection
from textual.widgets import Label

ELLIPSIS = "…"


def middle_ellipsis(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells: its start (two thirds: the host and path, which
    the user checks) and its end around "…" (unchanged if it fits, or if there is no width
    yet)."""
    if width < 1 or cell_len(text) <= width:
        return text
    room = width - cell_len(ELLIPSIS)
    head = _take(text, room - room // 3)
    tail = _take(text[::-1], room // 3)[::-1]
    return head + ELLIPSIS + tail


def _take(text: str, cells: int) -> str:
    """The longest start of ``text`` that fits in ``cells`` cells."""
    used = 0
    for index, char in enumerate(text):
        used += cell_len(char)
        if used > cells:
            return text[:index]
    return text


class UrlLabel(Label):
    """One web address (:meth:`show_url`) or a line of text (:meth:`show_text`)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", markup=False, id=id)
        self.url = ""

    def show_url(self, url: str) -> None:
        self.url = url
        self.tooltip = url or None
        self.update(url)

    def show_text(self, text: str) -> None:
        self.url = ""
        self.tooltip = None
        self.update(text)

    def render(self):
        if not self.url:
            return super().render()
        return Content(middle_ellipsis(self.url, self.content_size.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self.url:
            return 1
        return super().get_content_height(container, viewport, width)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        if self.url:
            return self.url, "\n"
        return super().get_selection(selection)
