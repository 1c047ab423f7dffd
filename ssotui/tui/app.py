"""The Textual app: settings, theme and keymap; which screen comes first; help; the palette's
few app-wide commands.

Everything else lives in the screens (``ssotui.tui.picker``, ``ssotui.tui.screens``).
Dependencies come in through the constructor (``services`` is what tests replace), so the app
never reads global state.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.keys import key_to_character
from textual.screen import Screen

from ssotui.core import tokencache
from ssotui.core.config import AwsConfig, load_config
from ssotui.core.models import SsoSession
from ssotui.core.settings import Settings
from ssotui.core.untrusted import for_terminal
from ssotui.tui.services import Services

# For the help screen only: Textual binds the palette key itself (COMMAND_PALETTE_BINDING).
PALETTE_HELP = Binding(
    "ctrl+p",
    "command_palette",
    "Palette",
    tooltip="Search ssotui's commands: the highlighted row's actions, refresh, help, theme, "
    "switch session, quit",
)


class SsoTuiApp(App[None], inherit_bindings=False):
    CSS_PATH = "app.tcss"
    TITLE = "ssotui"
    # ? and q work only where no text can be typed (the picker types them into its filter),
    # so the footer shows F1 and ctrl+q, which work everywhere.
    BINDINGS = [
        Binding(
            "f1",
            "help",
            "Help",
            id="app.help_f1",
            tooltip="Show every key of this screen (also while typing in a field)",
        ),
        Binding(
            "question_mark",
            "help",
            "Help",
            show=False,
            id="app.help",
            tooltip="Show every key of this screen (where no text can be typed)",
        ),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit_ctrl", tooltip="Quit"),
        Binding(
            "q",
            "quit",
            "Quit",
            show=False,
            id="app.quit",
            tooltip="Quit ssotui (where no text can be typed)",
        ),
    ]

    def __init__(
        self,
        session: SsoSession | None = None,
        aws_config: AwsConfig | None = None,
        settings: Settings | None = None,
        refresh: bool = False,
        services: Services | None = None,
        all_sessions: bool = False,
    ) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.services = services or Services.default(self.settings)
        self.aws_config = aws_config if aws_config is not None else load_config()
        self.session = session
        self.refresh_on_start = refresh
        self.all_sessions = all_sessions
        """Every configured session in one list (with more than one and no ``session``)."""
        self.keymap = dict(self.settings.keymap)
        self.clipboard_hint_shown = False
        """The hint that copying went through the terminal was shown (once per run)."""

    def on_mount(self) -> None:
        self._ui_thread = threading.get_ident()
        tokencache.set_warning_handler(self.core_warning)
        if self.settings.theme:
            if self.settings.theme in self.available_themes:
                self.theme = self.settings.theme
            else:
                self.notify(
                    f"Unknown theme {self.settings.theme!r} in the settings; using the default.",
                    severity="warning",
                    markup=False,
                )
        if self.keymap:
            unknown = sorted(set(self.keymap) - known_binding_ids())
            if unknown:
                where = self.settings.path or "the settings"
                self.notify(
                    f"{where}: unknown binding id(s) in [keymap]: {', '.join(unknown)}. "
                    "The help (? or F1) lists every id.",
                    severity="warning",
                    markup=False,
                    timeout=10,
                )
            self.set_keymap(self.keymap)
        if self.session is not None:
            self.open_session(self.session)
        elif self.all_sessions and len(self.aws_config.all_sessions) > 1:
            self.open_all_sessions()
        elif self.aws_config.all_sessions:
            from ssotui.tui.screens.sessions import SessionChooser

            chooser = SessionChooser(self.aws_config.all_sessions, str(self.aws_config.path))
            self.push_screen(chooser, callback=self.open_session)
        else:
            from ssotui.tui.screens.setup import SetupScreen

            setup = SetupScreen(Path(self.aws_config.path), cursor_blink=self.services.cursor_blink)
            self.push_screen(setup, callback=self.open_session)

    def on_unmount(self) -> None:
        tokencache.set_warning_handler(None)

    def notify(self, message: str, *, title: str = "", **options) -> None:
        """Every toast goes through here (screens' and widgets' ``notify`` call it): its text
        may quote portal names or answers, so it is made safe for the terminal."""
        super().notify(for_terminal(message), title=for_terminal(title), **options)

    def core_warning(self, text: str) -> None:
        """A one-line warning from the core (a token file other users could read was
        tightened): a notification, from whichever thread read the file."""
        if threading.get_ident() == self._ui_thread:
            self.notify(text, severity="warning", markup=False, timeout=10)
        else:
            self.call_from_thread(self.core_warning, text)

    def open_session(self, session: SsoSession | None) -> None:
        """Show the picker for ``session`` (it starts the login itself when needed)."""
        from ssotui.tui.picker.screen import PickerScreen

        if session is None:
            self.exit()
            return
        self.session = session
        self.sub_title = session.label
        picker = PickerScreen(
            session, settings=self.settings, services=self.services, refresh=self.refresh_on_start
        )
        self.push_screen(picker)

    def open_all_sessions(self) -> None:
        """Show every configured session in one picker."""
        from ssotui.tui.picker.merged import MergedPickerScreen

        sessions = self.aws_config.all_sessions
        self.sub_title = f"all sessions ({len(sessions)})"
        picker = MergedPickerScreen(
            sessions, settings=self.settings, services=self.services, refresh=self.refresh_on_start
        )
        self.push_screen(picker)

    def action_help(self) -> None:
        from ssotui.tui.screens.help import HelpScreen

        screen = self.screen
        sections = getattr(screen, "help_sections", None)
        if callable(sections):
            parts, notes = sections()
        else:
            # The screen's keys that work now (as the footer shows them), under a readable title.
            title = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", screen.__class__.__name__)
            title = title.removesuffix(" Screen").removesuffix("Screen") or "This screen"
            usable = [
                binding
                for binding in screen.BINDINGS
                if not isinstance(binding, Binding)
                or screen.check_action(binding.action, ()) is not False
            ]
            parts, notes = [(title, usable)], ""
        everywhere = list(self.BINDINGS)
        if getattr(screen, "TYPES_TEXT", False):  # letters edit a field there: not keys
            everywhere = [b for b in everywhere if not _types_a_character(b.key)]
        if self.ENABLE_COMMAND_PALETTE:  # not in BINDINGS: Textual binds it itself
            everywhere.append(PALETTE_HELP)
        parts.append(("Everywhere", everywhere))
        self.push_screen(HelpScreen(parts, self.keymap, notes))

    # -- the command palette ---------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Only ssotui's own: help, theme, switching the session, quit (the picker adds its
        actions); none of Textual's stock commands (keys panel, maximize, screenshot)."""
        yield SystemCommand("Help", "Every key of this screen", self.action_help)
        yield SystemCommand("Theme", "Change the colours", self.action_change_theme)
        if len(self.aws_config.all_sessions) > 1 and self.session is not None:
            yield SystemCommand(
                "Switch session", "Choose another IAM Identity Center session", self.choose_session
            )
        yield SystemCommand("Quit", "Quit ssotui", self.action_quit)

    def choose_session(self) -> None:
        from ssotui.tui.screens.sessions import SessionChooser

        chooser = SessionChooser(self.aws_config.all_sessions, str(self.aws_config.path))
        self.push_screen(chooser, callback=self._switch_session)

    def _switch_session(self, session: SsoSession | None) -> None:
        if session is None or session == self.session:
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.open_session(session)


def _types_a_character(key: str) -> bool:
    """True for a key that types a printable character ("q", "question_mark", "space")."""
    character = key_to_character(key)
    return character is not None and (character.isprintable() or character == " ")


def known_binding_ids() -> set[str]:
    """Every binding id a keymap may use."""
    from ssotui.tui.picker.assignment_list import AssignmentList
    from ssotui.tui.picker.destinations import ChoiceScreen
    from ssotui.tui.picker.filter_input import FilterInput
    from ssotui.tui.picker.menu import ActionMenu
    from ssotui.tui.picker.screen import PickerScreen
    from ssotui.tui.screens.help import HelpScreen
    from ssotui.tui.screens.login import LoginScreen
    from ssotui.tui.screens.setup import SetupScreen

    owners = (SsoTuiApp, PickerScreen, FilterInput, AssignmentList, LoginScreen, ActionMenu)
    owners += (HelpScreen, SetupScreen, ChoiceScreen)
    return {
        binding.id
        for owner in owners
        for binding in owner.BINDINGS
        if isinstance(binding, Binding) and binding.id
    }
