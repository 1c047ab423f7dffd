"""Several ``[sso-session]`` sections and none chosen: pick one (Enter)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from ssotui.core.models import SsoSession


class SessionChooser(Screen[SsoSession]):
    BINDINGS = [
        Binding(
            "enter",
            "choose",
            "Open",
            id="sessions.choose",
            tooltip="Sign in to the highlighted session",
        ),
    ]

    def __init__(self, sessions: list[SsoSession], config_path: str = "") -> None:
        super().__init__()
        self.sessions = sessions
        self.config_path = config_path

    def compose(self) -> ComposeResult:
        with Vertical(id="sessions-box"):
            yield Label("Choose an IAM Identity Center session", id="sessions-title")
            yield Label(
                Content.styled(f"from {self.config_path}", "dim") if self.config_path else "",
                id="sessions-subtitle",
            )
            yield OptionList(*self._options(), id="sessions-list")
        yield Footer()

    def _options(self) -> list[Option]:
        width = max((len(s.label) for s in self.sessions if s.name), default=10)
        options = []
        for index, session in enumerate(self.sessions):
            name = session.name or "(legacy profile)"
            options.append(
                Option(
                    Content.assemble(
                        (name.ljust(width + 2), "bold"),
                        session.start_url,
                        ("  " + session.region, "dim"),
                    ),
                    id=str(index),
                )
            )
        return options

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def action_choose(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(self.sessions[options.highlighted])

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.sessions[int(event.option.id or 0)])
