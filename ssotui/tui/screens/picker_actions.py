"""The row actions of the picker: console (at the default page, or at a page and region
chosen with ``d``), sign-in URL, subshell (optionally with refreshing credentials), tmux window,
exports, portal link and favorite, with the thread workers behind them.

:class:`RoleActionScreen` is the picker's base class. It expects the picker to provide
``highlighted``, ``client``, ``session``, ``settings``, ``services``, ``picks``, ``rows``
and the hooks ``_show_rows``, ``_update_detail`` and ``_read_token``.
"""

from __future__ import annotations

from textual import on, work
from textual.app import SuspendNotSupported
from textual.worker import get_current_worker

from ssotui.core import paths
from ssotui.core.errors import SsoError
from ssotui.core.models import Assignment
from ssotui.core.untrusted import for_terminal
from ssotui.tui.messages import ActionDone, ClipboardFallback, CredentialsReady
from ssotui.tui.screens.base import WorkerScreen, describe
from ssotui.tui.screens.picker_state import is_placeholder
from ssotui.tui.widgets.format import local_time

# enter_action setting -> action name
DIRECT_ACTIONS = {
    "console": "open_console",
    "copy_url": "copy_url",
    "shell": "shell",
    "exports": "copy_exports",
    "portal": "copy_portal_link",
}


class RoleActionScreen(WorkerScreen):
    last_action = "open_console"
    """What the action menu offers first: the action used last."""
    last_destination: str | None = None
    """The destination id chosen last with ``d`` (offered first next time, this session)."""
    last_region: str | None = None
    """The region chosen last with ``d``."""

    def _target(self) -> Assignment | None:
        row = self.highlighted
        return None if row is None or is_placeholder(row) else row

    def action_default_action(self) -> None:
        if self._target() is None:
            return
        direct = DIRECT_ACTIONS.get(self.settings.enter_action)
        if direct:
            self.run_action(direct)
        else:
            self.action_action_menu()

    def action_action_menu(self) -> None:
        from ssotui.tui.screens.action_menu import ActionMenu

        row = self._target()
        if row is None:
            return
        menu = ActionMenu(
            row,
            first=self.last_action,
            favorite=self.picks.is_favorite(row.key),
            pinned=self.picks.is_pinned(row.key),
            tmux=bool(self.services.environ.get("TMUX")),
        )
        self.app.push_screen(menu, callback=self._menu_chosen)

    def _menu_chosen(self, action: str | None) -> None:
        if action:
            self.run_action(action)

    def run_action(self, action: str) -> None:
        """Run one of the row actions by name (the menu, Enter and the palette use this)."""
        getattr(self, f"action_{action}")()

    def _remember(self, action: str) -> None:
        if action != "toggle_favorite":
            self.last_action = action

    def action_open_console(self) -> None:
        if row := self._target():
            self._remember("open_console")
            self.console_url(row, "open")

    def action_open_console_at(self) -> None:
        from ssotui.tui.screens.destinations import (
            ChoiceScreen,
            destination_choices,
            with_first,
        )

        row = self._target()
        if row is None:
            return
        self._remember("open_console_at")
        chooser = ChoiceScreen(
            "Open the console at…",
            _what(row),
            with_first(destination_choices(), self.last_destination),
            placeholder="Service, e.g. s3, lambda, logs",
            cursor_blink=self.services.cursor_blink,
        )
        self.app.push_screen(chooser, callback=lambda chosen: self._destination_chosen(row, chosen))

    def _destination_chosen(self, row: Assignment, destination: str | None) -> None:
        from ssotui.core.console import GLOBAL_SERVICES
        from ssotui.tui.screens.destinations import ChoiceScreen, region_choices, with_first

        if destination is None:
            return
        self.last_destination = destination
        default = self.settings.default_region or self.session.region
        if destination in GLOBAL_SERVICES:  # no region to choose
            self.console_url(row, "open", destination, default)
            return
        chooser = ChoiceScreen(
            f"Open {destination if destination != 'home' else 'the console home'} in…",
            _what(row),
            with_first(region_choices(default), self.last_region),
            placeholder="Region, e.g. eu-west-1 or Frankfurt",
            cursor_blink=self.services.cursor_blink,
        )
        self.app.push_screen(
            chooser, callback=lambda region: self._region_chosen(row, destination, region)
        )

    def _region_chosen(self, row: Assignment, destination: str, region: str | None) -> None:
        if region is None:
            return
        self.last_region = region
        self.console_url(row, "open", destination, region)

    def action_toggle_refreshing(self) -> None:
        self.refreshing_shell = not self.refreshing_shell
        if self.refreshing_shell:
            text = "Subshells now get refreshing credentials (a local credential server)."
        else:
            text = "Subshells now get static credentials."
        self.notify(text, markup=False, timeout=3)

    def action_copy_url(self) -> None:
        if row := self._target():
            self._remember("copy_url")
            self.console_url(row, "copy")

    def action_shell(self) -> None:
        if row := self._target():
            self._remember("shell")
            self.credentials(row, "shell")

    def action_tmux_shell(self) -> None:
        if (row := self._target()) and self.services.environ.get("TMUX"):
            self._remember("tmux_shell")
            self.credentials(row, "tmux")

    def action_copy_exports(self) -> None:
        if row := self._target():
            self._remember("copy_exports")
            self.credentials(row, "exports")

    def action_copy_portal_link(self) -> None:
        if row := self._target():
            self._remember("copy_portal_link")
            link = self.client.portal_link(
                row,
                region=self.settings.default_region,
                destination=self.settings.default_destination,
            )
            self.copy_text(link, f"Copied the access portal link for {_what(row)}.", row.key)

    def action_toggle_favorite(self) -> None:
        row = self._target()
        if row is None:
            return
        if self.picks.is_pinned(row.key):
            where = self.settings.path or paths.settings_file()
            self.notify(
                f"{_what(row)} is pinned in {where}: remove it from favorites there to unpin it.",
                markup=False,
                timeout=5,
            )
            return
        self.picks = self.picks.toggle_favorite(row.key)
        self._save_picks()
        pinned = self.picks.is_favorite(row.key)
        self._show_rows()
        self._update_detail()
        self.notify(
            f"{'Pinned' if pinned else 'Unpinned'} {_what(row)}.",
            markup=False,
            timeout=3,
        )

    # -- workers for the actions ------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="action", name="console")
    def console_url(
        self, row: Assignment, use: str, destination: str | None = None, region: str | None = None
    ) -> None:
        """Open or copy the console. ``destination`` is a short name, "home" or None (the
        settings' default_destination); ``region`` None is the settings' default_region."""
        region = region or self.settings.default_region
        if destination is None:
            destination = self.settings.default_destination
        elif destination == "home":
            destination = ""  # the console home, whatever default_destination says
        if use == "open" and self.settings.console_mode == "portal":
            url = self.client.portal_link(row, region=region, destination=destination)
        else:
            url = self.client.console_url(row, region=region, destination=destination)
        if use == "open":
            if self.settings.firefox_containers:
                from ssotui.core.console import container_url

                url = container_url(url, name=f"{row.account_name}/{row.role_name}")
            self.services.open_url(url)
            self.post_message(ActionDone(f"Opened the console for {_what(row)}.", row.key))
        else:
            self._copy(
                url, f"Copied a console sign-in URL for {_what(row)} (valid 15 minutes).", row.key
            )

    @work(thread=True, exclusive=True, exit_on_error=False, group="action", name="credentials")
    def credentials(self, row: Assignment, use: str) -> None:
        from ssotui.core import shell

        creds = self.client.credentials(row)
        if use == "exports":
            env = self._environment(row, creds)
            text = shell.export_script(env, "sh")
            until = local_time(creds.expiration)
            self._copy(text, f"Copied exports for {_what(row)} (valid until {until}).", row.key)
        elif use == "tmux":
            env = self._environment(row, creds)
            argv = shell.shell_argv(base=self.services.environ)
            name = for_terminal(f"{row.account_name}/{row.role_name}")
            self.services.tmux_new_window(name, argv, env)
            self.post_message(ActionDone(f"Opened a tmux window for {_what(row)}.", row.key))
        elif not get_current_worker().is_cancelled:  # a second s must not start two shells
            self.post_message(CredentialsReady(row, creds, "shell"))

    @work(thread=True, exclusive=True, exit_on_error=False, group="action", name="copy")
    def copy_text(self, text: str, done: str, key=None) -> None:
        self._copy(text, done, key)

    def _copy(self, text: str, done: str, key) -> None:
        try:
            self.services.copy(text)
        except SsoError as error:
            self.post_message(ClipboardFallback(text, done, str(error), key))
        else:
            self.post_message(ActionDone(done, key))

    def _environment(self, row: Assignment, creds) -> dict[str, str]:
        from ssotui.core import shell

        return shell.role_environment(
            creds,
            row,
            region=self.settings.default_region or self.session.region,
            session_label=self.session.label,
            base=self.services.environ,
        )

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        if message.key is not None:
            self._record(message.key)
        self.notify(message.message, markup=False, timeout=4)

    @on(ClipboardFallback)
    def _clipboard_fallback(self, message: ClipboardFallback) -> None:
        """No system clipboard (e.g. over SSH): ask the terminal to copy (OSC 52)."""
        self.app.copy_to_clipboard(message.text)
        if message.key is not None:
            self._record(message.key)
        self.notify(
            f"{message.done} There is no system clipboard here, so it was sent through the "
            "terminal (OSC 52); if nothing arrived, install xclip, xsel or wl-clipboard.",
            markup=False,
            severity="warning",
        )

    def _save_picks(self) -> None:
        """Save favorites and recents; if that fails (say, the data directory is not private),
        say so once: they stay for this run only."""
        if self.services.picks.save(self.session.cache_key, self.picks):
            return
        if not getattr(self, "_picks_unsaved_told", False):
            self._picks_unsaved_told = True
            self.notify(
                "Favorites and recent picks cannot be saved (see the log with --debug); "
                "they last until you quit.",
                severity="warning",
                markup=False,
                timeout=6,
            )

    def _record(self, key) -> None:
        """``key`` was used: it becomes the most recent pick. Credentials may have been
        fetched and the token refreshed on the way, so the header and details follow."""
        self._read_token()
        self.picks = self.picks.record(key)
        self._save_picks()
        self.rows.set_marks(set(self.picks.favorite_keys), set(self.picks.recents))
        self._update_detail()

    @on(CredentialsReady)
    def _credentials_ready(self, message: CredentialsReady) -> None:
        self.run_shell(message.assignment, message.credentials)

    def run_shell(self, row: Assignment, creds) -> None:
        """Suspend the app and run the subshell in the foreground; the picker comes back as
        it was (same filter, same row) when the shell exits."""
        from ssotui.core import shell

        server = None
        if self.refreshing_shell:
            # The shell's SDKs ask a loopback server, which asks the broker (it refetches
            # near expiry), for as long as the shell runs.
            from ssotui.core.credserver import CredentialServer, refreshing_environment

            broker = self.client.broker
            server = CredentialServer(lambda: broker.get(row.account_id, row.role_name))
            try:
                server.start()
            except SsoError as error:
                self.notify(describe(error), severity="error", markup=False)
                return
            env = refreshing_environment(
                server,
                row,
                region=self.settings.default_region or self.session.region,
                session_label=self.session.label,
                base=self.services.environ,
            )
            lasting = "credentials refresh themselves while it runs"
        else:
            env = self._environment(row, creds)
            lasting = f"credentials expire at {local_time(creds.expiration)}"
        argv = shell.shell_argv(base=self.services.environ)
        warning = shell.nesting_warning(self.services.environ)
        try:
            with self.app.suspend():
                if warning:
                    print(for_terminal(f"ssotui: warning: {warning}"), flush=True)
                print(
                    for_terminal(
                        f"ssotui: {argv[0]} as {row.role_name} in {row.account_name} "
                        f"({row.account_id}); {lasting}. Type `exit` to return to the picker."
                    ),
                    flush=True,
                )
                status = self.services.run_process(argv, env)
        except SuspendNotSupported:
            self.notify("This terminal cannot hand over to a shell.", severity="error")
            return
        except SsoError as error:
            self.notify(describe(error), severity="error", markup=False)
            return
        finally:
            if server is not None:
                server.stop()
        self._record(row.key)
        if status:
            self.notify(f"The shell exited with status {status}.", timeout=3)


def _what(row: Assignment) -> str:
    """The row in a sentence (names made safe for the terminal)."""
    return for_terminal(f"{row.account_name} / {row.role_name}")
