"""The device login's user code in big block letters, so it can be compared at a glance with
the code the browser shows. A 5x5 pixel font drawn with half blocks (3 text rows)."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

_FONT = {
    "A": (".###.", "#...#", "#####", "#...#", "#...#"),
    "B": ("####.", "#...#", "####.", "#...#", "####."),
    "C": (".####", "#....", "#....", "#....", ".####"),
    "D": ("####.", "#...#", "#...#", "#...#", "####."),
    "E": ("#####", "#....", "####.", "#....", "#####"),
    "F": ("#####", "#....", "####.", "#....", "#...."),
    "G": (".####", "#....", "#..##", "#...#", ".####"),
    "H": ("#...#", "#...#", "#####", "#...#", "#...#"),
    "I": ("#####", "..#..", "..#..", "..#..", "#####"),
    "J": ("..###", "...#.", "...#.", "#..#.", ".##.."),
    "K": ("#...#", "#..#.", "###..", "#..#.", "#...#"),
    "L": ("#....", "#....", "#....", "#....", "#####"),
    "M": ("#...#", "##.##", "#.#.#", "#...#", "#...#"),
    "N": ("#...#", "##..#", "#.#.#", "#..##", "#...#"),
    "O": (".###.", "#...#", "#...#", "#...#", ".###."),
    "P": ("####.", "#...#", "####.", "#....", "#...."),
    "Q": (".###.", "#...#", "#.#.#", "#..#.", ".##.#"),
    "R": ("####.", "#...#", "####.", "#..#.", "#...#"),
    "S": (".####", "#....", ".###.", "....#", "####."),
    "T": ("#####", "..#..", "..#..", "..#..", "..#.."),
    "U": ("#...#", "#...#", "#...#", "#...#", ".###."),
    "V": ("#...#", "#...#", "#...#", ".#.#.", "..#.."),
    "W": ("#...#", "#...#", "#.#.#", "##.##", "#...#"),
    "X": ("#...#", ".#.#.", "..#..", ".#.#.", "#...#"),
    "Y": ("#...#", ".#.#.", "..#..", "..#..", "..#.."),
    "Z": ("#####", "...#.", "..#..", ".#...", "#####"),
    "0": (".###.", "#..##", "#.#.#", "##..#", ".###."),
    "1": ("..#..", ".##..", "..#..", "..#..", ".###."),
    "2": (".###.", "#...#", "..##.", ".#...", "#####"),
    "3": ("####.", "....#", ".###.", "....#", "####."),
    "4": ("#..#.", "#..#.", "#####", "...#.", "...#."),
    "5": ("#####", "#....", "####.", "....#", "####."),
    "6": (".###.", "#....", "####.", "#...#", ".###."),
    "7": ("#####", "....#", "...#.", "..#..", "..#.."),
    "8": (".###.", "#...#", ".###.", "#...#", ".###."),
    "9": (".###.", "#...#", ".####", "....#", ".###."),
    "-": (".....", ".....", ".###.", ".....", "....."),
    " ": (".....", ".....", ".....", ".....", "....."),
}
_HALF = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
GLYPH_WIDTH = 5
GAP = 2


def big_text(text: str) -> list[str]:
    """Three lines of block letters for ``text`` (unknown characters render as blanks)."""
    rows = ["", "", ""]
    for index, char in enumerate(text.upper()):
        glyph = _FONT.get(char, _FONT[" "])
        pixels = [*glyph, "....."]
        for row in range(3):
            top, bottom = pixels[2 * row], pixels[2 * row + 1]
            cells = "".join(_HALF[(top[x] == "#", bottom[x] == "#")] for x in range(GLYPH_WIDTH))
            rows[row] += (" " * GAP if index else "") + cells
    return rows


class UserCode(Widget):
    """Shows ``code`` large. The plain code is also its ``tooltip`` for screen readers."""

    DEFAULT_CSS = """
    UserCode {
        width: auto;
        height: 3;
    }
    """

    code: reactive[str] = reactive("", layout=True)

    def render(self) -> Content:
        return Content("\n".join(big_text(self.code)))

    def get_content_width(self, container, viewport) -> int:
        return max(1, len(self.code) * (GLYPH_WIDTH + GAP) - GAP)

    def get_content_height(self, container, viewport, width: int) -> int:
        return 3
