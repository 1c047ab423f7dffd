"""Several ``[sso-session]`` sections and none chosen: pick one (Enter)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from ssotui.core.models import SsoSession


class SessionChooser(Screen[SsoSession]):
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
            yield Label(
                Content.styled("↑/↓ to choose, Enter to sign in", "dim"), id="sessions-hint"
            )
        yield Footer()

    def _options(self) -> list[Option]:
        names = [session.name or "(legacy profile)" for session in self.sessions]
        width = max(map(len, names), default=10)
        options = []
        for index, (session, name) in enumerate(zip(self.sessions, names, strict=True)):
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

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.sessions[int(event.option.id or 0)])
