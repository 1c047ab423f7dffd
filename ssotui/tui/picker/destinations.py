"""``d`` on a row: where the console should land, then in which region.

:class:`ChoiceScreen` is a small modal list with a filter box (fuzzy, as in the command
palette); it dismisses with the chosen item's id, or None. :func:`destination_choices` and
:func:`region_choices` build its two lists: the console's service pages and the commercial
regions.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ssotui.core.console import GLOBAL_SERVICES, SERVICES
from ssotui.core.untrusted import for_terminal

HOME = "home"
"""The destination id of the console home page."""

# The commercial partition's regions (opt-in ones included): code -> location.
COMMERCIAL_REGIONS: dict[str, str] = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "ca-central-1": "Canada (Central)",
    "ca-west-1": "Canada West (Calgary)",
    "mx-central-1": "Mexico (Central)",
    "sa-east-1": "South America (São Paulo)",
    "eu-west-1": "Europe (Ireland)",
    "eu-west-2": "Europe (London)",
    "eu-west-3": "Europe (Paris)",
    "eu-central-1": "Europe (Frankfurt)",
    "eu-central-2": "Europe (Zurich)",
    "eu-north-1": "Europe (Stockholm)",
    "eu-south-1": "Europe (Milan)",
    "eu-south-2": "Europe (Spain)",
    "il-central-1": "Israel (Tel Aviv)",
    "me-south-1": "Middle East (Bahrain)",
    "me-central-1": "Middle East (UAE)",
    "af-south-1": "Africa (Cape Town)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ap-south-2": "Asia Pacific (Hyderabad)",
    "ap-east-1": "Asia Pacific (Hong Kong)",
    "ap-east-2": "Asia Pacific (Taipei)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "ap-northeast-3": "Asia Pacific (Osaka)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-southeast-3": "Asia Pacific (Jakarta)",
    "ap-southeast-4": "Asia Pacific (Melbourne)",
    "ap-southeast-5": "Asia Pacific (Malaysia)",
    "ap-southeast-7": "Asia Pacific (Thailand)",
}


@dataclass(frozen=True)
class Choice:
    id: str
    text: str
    """What the filter matches and the list shows."""
    note: str = ""
    """Shown dimmed after the text."""
    keywords: str = ""
    """Matched too, after the text (a region's location), but not shown."""

    @property
    def search(self) -> str:
        return f"{self.text} {self.keywords}" if self.keywords else self.text


def destination_choices() -> list[Choice]:
    """Console home, then every service page by short name."""
    choices = [Choice(HOME, "Console home", "console/home")]
    for name in sorted(SERVICES):
        note = SERVICES[name] + ("  · global" if name in GLOBAL_SERVICES else "")
        choices.append(Choice(name, name, note))
    return choices


def region_choices(first: str) -> list[Choice]:
    """The commercial regions, ``first`` (the default region) at the top even when it is not
    one of them (a GovCloud or China session)."""
    codes = [first] + [code for code in COMMERCIAL_REGIONS if code != first]
    return [
        Choice(code, code, COMMERCIAL_REGIONS.get(code, ""), COMMERCIAL_REGIONS.get(code, ""))
        for code in codes
    ]


def with_first(choices: list[Choice], first: str | None) -> list[Choice]:
    """``choices`` with the one whose id is ``first`` moved to the top (the last one used)."""
    picked = [c for c in choices if c.id == first]
    return picked + [c for c in choices if c.id != first]


class ChoiceScreen(ModalScreen[str | None]):
    """Type to filter, ↑/↓ to move, Enter to choose, Esc to close."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close", id="choice.close", tooltip="Choose nothing"),
        Binding("down", "move(1)", "Next", show=False, id="choice.down"),
        Binding("up", "move(-1)", "Previous", show=False, id="choice.up"),
    ]

    def __init__(
        self,
        title: str,
        subtitle: str,
        choices: list[Choice],
        *,
        placeholder: str = "Type to filter",
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        self.title_text = for_terminal(title)
        self.subtitle = for_terminal(subtitle)  # names the account and role
        self.choices = choices
        self.placeholder = placeholder
        self.cursor_blink = cursor_blink

    def compose(self) -> ComposeResult:
        with Vertical(id="choice-box"):
            yield Label(Content.styled(self.title_text, "bold"), id="choice-title")
            yield Label(Content.styled(self.subtitle, "dim"), id="choice-subtitle")
            yield Input(placeholder=self.placeholder, id="choice-filter")
            yield OptionList(id="choice-options")
            yield Label(
                Content.styled("↑/↓ move · Enter chooses · Esc closes", "dim"), id="choice-hint"
            )

    @property
    def options(self) -> OptionList:
        return self.query_one("#choice-options", OptionList)

    def on_mount(self) -> None:
        self.query_one("#choice-filter", Input).cursor_blink = self.cursor_blink
        self._show("")

    def _show(self, query: str) -> None:
        """The choices that match ``query``, best first (all of them, in order, when empty)."""
        if query.strip():
            matcher = Matcher(query.strip())
            scored = [(matcher.match(c.search), i, c) for i, c in enumerate(self.choices)]
            shown = [
                (c, matcher.highlight(c.text))
                for score, _, c in sorted(scored, key=lambda t: (-t[0], t[1]))
                if score > 0
            ]
        else:
            shown = [(c, Content(c.text)) for c in self.choices]
        options = self.options
        options.clear_options()
        options.add_options(
            Option(
                Content.assemble(text.pad_right(max(0, 16 - len(text))), (c.note, "dim")),
                id=c.id,
            )
            for c, text in shown
        )
        if shown:
            options.highlighted = 0

    @on(Input.Changed, "#choice-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._show(event.value)

    @on(Input.Submitted, "#choice-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        options = self.options
        if options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected, "#choice-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, delta: int) -> None:
        options = self.options
        if delta > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()
