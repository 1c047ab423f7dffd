"""What the picker does with a row: console (at the default page, or at a page and region
chosen from two lists), sign-in URL, subshell (optionally with refreshing credentials), tmux
window, exports, portal link and favorite, with the thread workers behind them.

Chained roles (:class:`~ssotui.tui.picker.labeling.ChainedRow`) take every action but the
portal link: their credentials come from :func:`ssotui.core.chains.shared_credentials`. A
protected row (the settings' ``[[protected]]``) asks first (:mod:`.confirm`) before anything
that opens or hands out its credentials, and its shells carry ``SSOTUI_PROTECTED=1``.

:class:`RowActions` is a component the picker holds (``screen.actions``); everything it needs
from the picker is written down in :class:`Host`. Its workers run on the picker (so the
picker's ``worker_failed`` handles their errors) and end by posting a message from
:mod:`ssotui.tui.messages`, which the picker hands back here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from textual.app import App, SuspendNotSupported
from textual.worker import Worker, get_current_worker

from ssotui.core import paths
from ssotui.core.errors import SsoError
from ssotui.core.models import Assignment, RoleCredentials, SsoSession
from ssotui.core.picks import Picks
from ssotui.core.settings import Settings
from ssotui.core.untrusted import for_terminal
from ssotui.tui.messages import ActionDone, ClipboardFallback, CredentialsReady
from ssotui.tui.picker.action_table import DIRECT_ACTIONS
from ssotui.tui.picker.labeling import ChainedRow, Labeler
from ssotui.tui.picker.state import is_placeholder
from ssotui.tui.screens.base import describe
from ssotui.tui.services import Services
from ssotui.tui.widgets.format import local_time

if TYPE_CHECKING:
    from ssotui.core.chains import Chain
    from ssotui.core.service import SsoClient
    from ssotui.tui.picker.assignment_list import AssignmentList


class Host(Protocol):
    """What :class:`RowActions` uses of the picker screen."""

    app: App
    session: SsoSession
    settings: Settings
    services: Services
    client: SsoClient
    picks: Picks
    highlighted: Assignment | None
    refreshing_shell: bool
    labeler: Labeler
    chains: list[Chain]

    @property
    def rows(self) -> AssignmentList: ...

    def show_rows(self) -> None:
        """Give the list the rows again (favorites first)."""

    def update_detail(self) -> None:
        """Show the highlighted row's details again."""

    def read_token(self) -> Any:
        """Read the cached token again (the header follows)."""

    def client_for(self, row: Assignment) -> SsoClient:
        """The client of the row's session."""

    def session_for(self, row: Assignment) -> SsoSession:
        """The row's session."""

    def save_picks(self) -> bool:
        """Save favorites and recents; False when they could not be saved."""

    def show_marks(self) -> None:
        """Give the list the favorite and recent marks again."""

    def notify(self, message: str, **options: Any) -> None: ...

    def post_message(self, message: Any) -> bool: ...

    def run_worker(self, work: Callable[[], None], **options: Any) -> Worker: ...


CLIPBOARD_HINT = "No system clipboard here: copied through the terminal (OSC 52)."


class RowActions:
    def __init__(self, host: Host) -> None:
        self.host = host
        self.last_action = "open_console"
        """What the action menu offers first: the action used last."""
        self.last_destination: str | None = None
        """The destination id chosen last (offered first next time, this session)."""
        self.last_region: str | None = None
        """The region chosen last."""
        self._picks_unsaved_told = False
        self.chained_until: dict[tuple[str, str], datetime] = {}
        """When the chained roles' credentials fetched in this run expire (the broker holds
        only SSO roles'), for the details pane."""

    def target(self) -> Assignment | None:
        """The highlighted row, when an action can use it (not a placeholder)."""
        row = self.host.highlighted
        return None if row is None or is_placeholder(row) else row

    def run(self, action: str) -> None:
        """Run one of the actions by name (Enter, the menu and the palette use this)."""
        getattr(self, action)()

    def _remember(self, action: str) -> None:
        if action != "toggle_favorite":
            self.last_action = action

    # -- Enter and the menu ---------------------------------------------------------------

    def default_action(self) -> None:
        if self.target() is None:
            return
        direct = DIRECT_ACTIONS.get(self.host.settings.enter_action)
        if direct:
            self.run(direct)
        else:
            self.action_menu()

    def action_menu(self) -> None:
        from ssotui.tui.picker.menu import ActionMenu

        host = self.host
        row = self.target()
        if row is None:
            return
        menu = ActionMenu(
            row,
            first=self.last_action,
            keymap=getattr(host.app, "keymap", {}),
            favorite=host.picks.is_favorite(row.key),
            pinned=host.picks.is_pinned(row.key),
            tmux=bool(host.services.environ.get("TMUX")),
            portal=not isinstance(row, ChainedRow),
        )
        host.app.push_screen(menu, callback=self._menu_chosen)

    def _menu_chosen(self, action: str | None) -> None:
        if action:
            self.run(action)

    # -- the actions ----------------------------------------------------------------------

    def guarded(self, row: Assignment, doing: str, then: Callable[[], None]) -> None:
        """``then()`` now, or for a protected row once the user confirms (Enter; Esc or
        nothing cancels). ``doing``: "open the console", for the question."""
        if not self.host.labeler.protected(row):
            then()
            return
        from ssotui.tui.picker.confirm import ConfirmProtected

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        question = ConfirmProtected(self.host.labeler.sentence(row), doing)
        self.host.app.push_screen(question, callback=answered)

    def open_console(self) -> None:
        if row := self.target():
            self._remember("open_console")
            self.guarded(row, "open the console", partial(self._console, row, "open"))

    def open_console_at(self) -> None:
        row = self.target()
        if row is None:
            return
        self._remember("open_console_at")
        self.guarded(row, "choose a console page", partial(self._choose_destination, row))

    def _choose_destination(self, row: Assignment) -> None:
        from ssotui.tui.picker.destinations import ChoiceScreen, destination_choices, with_first

        chooser = ChoiceScreen(
            "Open the console at…",
            what(row),
            with_first(destination_choices(), self.last_destination),
            placeholder="Service, e.g. s3, lambda, logs",
            cursor_blink=self.host.services.cursor_blink,
        )
        self.host.app.push_screen(chooser, callback=partial(self._destination_chosen, row))

    def _destination_chosen(self, row: Assignment, destination: str | None) -> None:
        from ssotui.core.console import GLOBAL_SERVICES
        from ssotui.tui.picker.destinations import ChoiceScreen, region_choices, with_first

        if destination is None:
            return
        self.last_destination = destination
        default = self.host.settings.default_region or self.host.session_for(row).region
        if destination in GLOBAL_SERVICES:  # no region to choose
            self._console(row, "open", destination, default)
            return
        chooser = ChoiceScreen(
            f"Open {destination if destination != 'home' else 'the console home'} in…",
            what(row),
            with_first(region_choices(default), self.last_region),
            placeholder="Region, e.g. eu-west-1 or Frankfurt",
            cursor_blink=self.host.services.cursor_blink,
        )
        self.host.app.push_screen(chooser, callback=partial(self._region_chosen, row, destination))

    def _region_chosen(self, row: Assignment, destination: str, region: str | None) -> None:
        if region is None:
            return
        self.last_region = region
        self._console(row, "open", destination, region)

    def copy_url(self) -> None:
        if row := self.target():
            self._remember("copy_url")
            self.guarded(row, "copy a console sign-in URL", partial(self._console, row, "copy"))

    def shell(self) -> None:
        if row := self.target():
            self._remember("shell")
            self.guarded(row, "start a shell", partial(self._credentials, row, "shell"))

    def tmux_shell(self) -> None:
        if (row := self.target()) and self.host.services.environ.get("TMUX"):
            self._remember("tmux_shell")
            self.guarded(row, "open a tmux window", partial(self._credentials, row, "tmux"))

    def copy_exports(self) -> None:
        if row := self.target():
            self._remember("copy_exports")
            self.guarded(row, "copy its exports", partial(self._credentials, row, "exports"))

    def copy_portal_link(self) -> None:
        row = self.target()
        if row is None:
            return
        if isinstance(row, ChainedRow):
            self.host.notify(
                f"{what(row)} is reached by role chaining: it has no access portal link.",
                markup=False,
                timeout=4,
            )
            return
        self._remember("copy_portal_link")
        settings = self.host.settings
        link = self.host.client_for(row).portal_link(
            row, region=settings.default_region, destination=settings.default_destination
        )
        done = f"Copied the access portal link for {what(row)}."
        self.guarded(row, "copy its portal link", partial(self._start, "copy",
                     partial(self._copy, link, done, row.key)))  # fmt: skip

    def toggle_favorite(self) -> None:
        host = self.host
        row = self.target()
        if row is None:
            return
        if host.picks.is_pinned(row.key):
            where = host.settings.path or paths.settings_file()
            host.notify(
                f"{what(row)} is pinned in {where}: remove it from favorites there to unpin it.",
                markup=False,
                timeout=5,
            )
            return
        host.picks = host.picks.toggle_favorite(row.key)
        self._save_picks()
        pinned = host.picks.is_favorite(row.key)
        host.show_rows()
        host.update_detail()
        host.notify(f"{'Pinned' if pinned else 'Unpinned'} {what(row)}.", markup=False, timeout=3)

    def toggle_refreshing(self) -> None:
        host = self.host
        host.refreshing_shell = not host.refreshing_shell
        if host.refreshing_shell:
            text = "Subshells now get refreshing credentials (a local credential server)."
        else:
            text = "Subshells now get static credentials."
        host.notify(text, markup=False, timeout=3)

    # -- workers --------------------------------------------------------------------------

    def _start(self, name: str, work: Callable[[], None]) -> None:
        self.host.run_worker(
            work, thread=True, exclusive=True, exit_on_error=False, group="action", name=name
        )

    def _console(
        self, row: Assignment, use: str, destination: str | None = None, region: str | None = None
    ) -> None:
        self._start("console", partial(self._console_work, row, use, destination, region))

    def _console_work(
        self, row: Assignment, use: str, destination: str | None, region: str | None
    ) -> None:
        """Open or copy the console (in a worker thread). ``destination`` is a short name,
        "home" or None (the settings' default_destination); ``region`` None is the settings'
        default_region."""
        host = self.host
        settings = host.settings
        region = region or settings.default_region
        if destination is None:
            destination = settings.default_destination
        elif destination == "home":
            destination = ""  # the console home, whatever default_destination says
        if isinstance(row, ChainedRow):  # no portal shortcut; no SessionDuration (AWS refuses)
            from ssotui.core.console import signin_url

            url = signin_url(
                self.fetch(row),
                region=region or host.session_for(row).region,
                destination=destination,
                issuer=host.session_for(row).start_url,
            )
        elif use == "open" and settings.console_mode == "portal":
            url = host.client_for(row).portal_link(row, region=region, destination=destination)
        else:
            url = host.client_for(row).console_url(row, region=region, destination=destination)
        if use == "open":
            if settings.firefox_containers:
                from ssotui.core.console import container_url

                url = container_url(url, name=f"{row.account_name}/{row.role_name}")
            host.services.open_url(url)
            page = "a custom page" if "://" in (destination or "") else destination or "home"
            where = f"{page}, {region or host.session_for(row).region}"
            done = f"Opened the console ({for_terminal(where)}) for {as_role(row)}."
            host.post_message(ActionDone(done, row.key))
        else:
            done = f"Copied a console sign-in URL for {what(row)} (valid 15 minutes)."
            self._copy(url, done, row.key)

    def _credentials(self, row: Assignment, use: str) -> None:
        self._start("credentials", partial(self._credentials_work, row, use))

    def _credentials_work(self, row: Assignment, use: str) -> None:
        from ssotui.core import shell

        host = self.host
        creds = self.fetch(row)
        if use == "exports":
            text = shell.export_script(self._environment(row, creds), "sh")
            until = local_time(creds.expiration)
            self._copy(text, f"Copied exports for {what(row)} (valid until {until}).", row.key)
        elif use == "tmux":
            argv = shell.shell_argv(base=host.services.environ)
            name = for_terminal(f"{row.account_name}/{row.role_name}")
            host.services.tmux_new_window(name, argv, self._environment(row, creds))
            host.post_message(ActionDone(f"Opened a tmux window for {what(row)}.", row.key))
        elif not get_current_worker().is_cancelled:  # a second shell key must not start two
            host.post_message(CredentialsReady(row, creds, "shell"))

    def _copy(self, text: str, done: str, key: tuple[str, str] | None) -> None:
        try:
            self.host.services.copy(text)
        except SsoError as error:
            self.host.post_message(ClipboardFallback(text, done, str(error), key))
        else:
            self.host.post_message(ActionDone(done, key))

    def fetch(self, row: Assignment, left: timedelta | None = None) -> RoleCredentials:
        """The row's credentials (in a worker thread): the broker's for an SSO role, else the
        chain's (the shared cache, or the source's and sts:AssumeRole)."""
        host = self.host
        if isinstance(row, ChainedRow):
            from ssotui.core.chains import shared_credentials

            creds = shared_credentials(host.client_for(row), row.chain, host.chains, left)
            self.chained_until[row.key] = creds.expiration
            return creds
        return host.client_for(row).credentials(row)

    def _environment(self, row: Assignment, creds: RoleCredentials) -> dict[str, str]:
        from ssotui.core import shell

        host = self.host
        env = shell.role_environment(
            creds,
            row,
            region=host.settings.default_region or host.session_for(row).region,
            session_label=host.session_for(row).label,
            base=host.services.environ,
        )
        return {**env, **host.labeler.markers(row)}

    # -- what the workers post (the picker hands it here) ---------------------------------

    def done(self, message: ActionDone) -> None:
        if message.key is not None:
            self.record(message.key)
        self.host.notify(message.message, markup=False, timeout=4)

    def clipboard_fallback(self, message: ClipboardFallback) -> None:
        """No system clipboard (e.g. over SSH): ask the terminal to copy (OSC 52), and say so
        once per run of the app, in one short line."""
        app = self.host.app
        app.copy_to_clipboard(message.text)
        if message.key is not None:
            self.record(message.key)
        self.host.notify(message.done, markup=False, timeout=4)
        if not getattr(app, "clipboard_hint_shown", False):
            app.clipboard_hint_shown = True  # type: ignore[attr-defined]
            self.host.notify(CLIPBOARD_HINT, markup=False, severity="warning", timeout=6)

    def credentials_ready(self, message: CredentialsReady) -> None:
        self.run_shell(message.assignment, message.credentials)

    def record(self, key: tuple[str, str]) -> None:
        """``key`` was used: it becomes the most recent pick. Credentials may have been
        fetched and the token refreshed on the way, so the header and details follow."""
        host = self.host
        host.read_token()
        host.picks = host.picks.record(key)
        self._save_picks()
        host.show_marks()
        host.update_detail()

    def _save_picks(self) -> None:
        """Save favorites and recents; if that fails (say, the data directory is not private),
        say so once: they stay for this run only."""
        host = self.host
        if host.save_picks():
            return
        if not self._picks_unsaved_told:
            self._picks_unsaved_told = True
            host.notify(
                "Favorites and recent picks cannot be saved (see the log with --debug); "
                "they last until you quit.",
                severity="warning",
                markup=False,
                timeout=6,
            )

    def run_shell(self, row: Assignment, creds: RoleCredentials) -> None:
        """Suspend the app and run the subshell in the foreground; the picker comes back as
        it was (same filter, same row) when the shell exits."""
        from ssotui.core import shell

        host = self.host
        region = host.settings.default_region or host.session_for(row).region
        server = None
        if host.refreshing_shell:
            # The shell's SDKs ask a loopback server, which asks the broker (it refetches
            # near expiry), for as long as the shell runs.
            from ssotui.core.credserver import CredentialServer, refreshing_environment

            if isinstance(row, ChainedRow):
                # 16 min left, or less for a chain's shorter sessions (as the CLI asks)
                lasts = timedelta(seconds=row.chain.duration_seconds or 3600)
                left = min(timedelta(minutes=16), lasts - timedelta(minutes=2))
                server = CredentialServer(partial(self.fetch, row, left))
            else:
                broker = host.client_for(row).broker
                server = CredentialServer(lambda: broker.get(row.account_id, row.role_name))
            try:
                server.start()
            except SsoError as error:
                host.notify(describe(error), severity="error", markup=False)
                return
            env = refreshing_environment(
                server,
                row,
                region=region,
                session_label=host.session_for(row).label,
                base=host.services.environ,
            )
            env.update(host.labeler.markers(row))
            lasting = "credentials refresh themselves while it runs"
        else:
            env = self._environment(row, creds)
            lasting = f"credentials expire at {local_time(creds.expiration)}"
        argv = shell.shell_argv(base=host.services.environ)
        warning = shell.nesting_warning(host.services.environ)
        try:
            with host.app.suspend():
                if warning:
                    print(for_terminal(f"ssotui: warning: {warning}"), flush=True)
                print(
                    for_terminal(
                        f"ssotui: {argv[0]} as {row.role_name} in {row.account_name} "
                        f"({row.account_id}); {lasting}. Type `exit` to return to the picker."
                    ),
                    flush=True,
                )
                status = host.services.run_process(argv, env)
        except SuspendNotSupported:
            host.notify("This terminal cannot hand over to a shell.", severity="error")
            return
        except SsoError as error:
            host.notify(describe(error), severity="error", markup=False)
            return
        finally:
            if server is not None:
                server.stop()
        self.record(row.key)
        if status:
            host.notify(f"The shell exited with status {status}.", timeout=3)


def what(row: Assignment) -> str:
    """The row in a sentence (names made safe for the terminal): "prod-payments / Admin", or
    "210987654321 / LegacyAdmin (via management/AdministratorAccess)" for a chained role."""
    if getattr(row, "chain", None) is not None:  # its account_name is "via …"
        return for_terminal(f"{row.account_id} / {row.role_name} ({row.account_name})")
    return for_terminal(f"{row.account_name} / {row.role_name}")


def as_role(row: Assignment) -> str:
    """ "prod-payments as Admin", or "LegacyAdmin in 210987654321 (via …)" for a chained
    role (names made safe for the terminal)."""
    if getattr(row, "chain", None) is not None:
        return for_terminal(f"{row.role_name} in {row.account_id} ({row.account_name})")
    return for_terminal(f"{row.account_name} as {row.role_name}")
