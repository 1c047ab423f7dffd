"""The picker: every account × permission set, a filter, details, and the actions.

State flows down: the screen owns the reactives (highlighted row, detail, clock, token) and
the header and details pane are data-bound to them. The row actions are a component the screen
holds (``self.actions``, :mod:`ssotui.tui.picker.row_actions`); their keys, footer, menu,
palette entries and help come from :mod:`ssotui.tui.picker.action_table`. Every blocking call
runs in a thread worker that ends by posting a message from :mod:`ssotui.tui.messages`;
failures end up in :meth:`WorkerScreen.worker_failed`.

Typing is always safe: whatever has focus, a printable key edits the filter (``on_key``).

Chained roles (the settings' ``[[chained_roles]]`` and the AWS config's ``source_profile``
chains) are rows after the portal's, and every row carries its labels and protection
(:mod:`ssotui.tui.picker.labeling`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.widgets import Footer, Label, Static
from textual.worker import Worker, get_current_worker

from ssotui.core.errors import LoginRequired, NetworkError, SessionExpired, SsoError
from ssotui.core.inventory import AccountsListed, Retrying, RolesListed
from ssotui.core.models import Assignment, SsoSession
from ssotui.core.picks import Picks, order, pinned_keys
from ssotui.core.settings import Settings
from ssotui.core.tokens import Token
from ssotui.core.untrusted import for_terminal
from ssotui.tui.messages import (
    ActionDone,
    ClipboardFallback,
    CredentialsReady,
    InventoryLoaded,
    InventoryProgress,
)
from ssotui.tui.picker import action_table
from ssotui.tui.picker.action_table import ROW_ACTIONS
from ssotui.tui.picker.assignment_list import AssignmentList
from ssotui.tui.picker.count import CountLabel
from ssotui.tui.picker.details import Detail, DetailsPane
from ssotui.tui.picker.filter_input import FilterInput
from ssotui.tui.picker.labeling import ChainedRow, Labeler, chained_rows, reached_by
from ssotui.tui.picker.palette import PickerCommands
from ssotui.tui.picker.row_actions import RowActions
from ssotui.tui.picker.state import PickerState, is_placeholder
from ssotui.tui.screens.base import WorkerScreen
from ssotui.tui.services import Services
from ssotui.tui.textual_private import paint_with_next_frame
from ssotui.tui.widgets.format import age
from ssotui.tui.widgets.session_header import SessionHeader

FLUSH_EVERY = 0.25  # seconds between list updates while rows stream in
THROTTLE_NOTE_FOR = 4.0  # seconds "throttled — slowing down" stays in the progress line
# Below this size the layout cannot show a usable list: a message replaces it (app.tcss).
MIN_WIDTH, MIN_HEIGHT = 60, 15
# Below this height the details pane folds away and the list gets the room (app.tcss).
ROOMY_HEIGHT = 24


class PickerScreen(WorkerScreen):
    BINDINGS = action_table.bindings()
    COMMANDS = {PickerCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-too-narrow"), (MIN_WIDTH, "-wide-enough")]
    VERTICAL_BREAKPOINTS = [(0, "-too-short"), (MIN_HEIGHT, "-short"), (ROOMY_HEIGHT, "-tall")]
    TYPES_TEXT = True
    """Printable keys edit the filter here, whatever has focus (the help leaves out ? and q)."""

    # Screen state for the widgets that data_bind it. ``var``, not ``reactive``: a screen
    # reactive repaints the whole screen on every change (each highlight move, each clock
    # tick), where only the bound widgets need to.
    highlighted: var[Assignment | None] = var(None)
    detail: var[Detail | None] = var(None)
    now: var[datetime | None] = var(None)
    token_expires: var[datetime | None] = var(None)
    refreshable: var[bool] = var(False)
    signed_in: var[bool] = var(False)
    progress: var[str] = var("", init=False)
    offline: var[bool] = var(False, init=False)
    refreshing_shell: var[bool] = var(False, init=False)

    def __init__(
        self,
        session: SsoSession,
        *,
        settings: Settings,
        services: Services,
        refresh: bool = False,
    ) -> None:
        super().__init__()
        self.session = session
        self.settings = settings
        self.services = services
        self.refresh_on_start = refresh
        self.client = services.client_factory(session)
        self.state = PickerState()
        self.picks: Picks = services.picks.load(session.cache_key)
        self.loader = None
        self._dirty = False
        self._throttled_at: float | None = None
        self._fetched_at: datetime | None = None
        self._login_open = False
        self._pending: Callable[[], None] | None = None
        self._told_skipped = False
        self.actions = RowActions(self)
        self.labeler = Labeler(settings, lambda account_id: self.state.accounts.get(account_id))
        self.chains: list = []
        """The chained roles of the session (core.chains.declared), read on mount."""
        self.set_reactive(PickerScreen.refreshing_shell, settings.refreshing_shell)

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield SessionHeader(id="header").data_bind(
            PickerScreen.now,
            PickerScreen.token_expires,
            PickerScreen.refreshable,
            PickerScreen.signed_in,
        )
        yield Static("", id="offline", markup=False)
        with Horizontal(id="filter-row"):
            yield FilterInput(
                placeholder="Filter: type any part of an account name, id, role, e-mail or label "
                "(env:prod)",
                id="filter",
            )
            yield CountLabel(id="count")
        yield AssignmentList(id="rows")
        # In a container of their own: Textual redraws every child of the screen that a
        # frame's dirty area could reach (their clip is the whole screen), so on its own the
        # pane would be redrawn with every keystroke's rows; in here, only when it changes.
        with Vertical(id="below"):
            yield DetailsPane(id="details").data_bind(PickerScreen.detail, PickerScreen.now)
            with Horizontal(id="status-row"):
                yield Label("", id="progress", markup=False)
                yield Label("", id="shell-mode", markup=False)
        yield Footer()
        yield Static(
            f"The terminal is too small for ssotui: make it at least {MIN_WIDTH}×{MIN_HEIGHT}"
            " (ctrl+q quits).",
            id="too-small",
            markup=False,
        )

    @property
    def rows(self) -> AssignmentList:
        return self.query_one("#rows", AssignmentList)

    @property
    def filter(self) -> FilterInput:
        return self.query_one("#filter", FilterInput)

    def on_mount(self) -> None:
        header = self.query_one(SessionHeader)
        header.session_label = self.session.label
        header.start_url = self.session.start_url if self.session.name else ""
        self.filter.cursor_blink = self.services.cursor_blink
        # Watched, not the Changed message: the rows then change before the filter box hands
        # its own repaint to the screen, so that one frame shows both.
        self.watch(self.filter, "value", self._filter_changed, init=False)
        self._show_shell_mode()
        self.rows.empty_text = "Loading accounts…"
        self.rows.labels = self.labeler
        self.chains = self._declared_chains()
        self.now = self.services.clock()
        self.set_interval(1.0, self._tick)
        self.set_interval(FLUSH_EVERY, self._flush)
        if not self.refresh_on_start:
            cached = self.client.cached_inventory()
            if cached is not None:
                self.state.show(cached)
                self._fetched_at = cached.fetched_at
                self.progress = f"cached {age(cached.fetched_at, self.now)}"
                self.show_rows()
                self._tell_skipped(cached)
        self.filter.focus()  # typing filters at once, wherever the focus goes later
        token = self.read_token()
        if token is None or (token.expires_at <= self.now and not token.refresh_token):
            reason = "" if token is None else "Your session has expired: sign in again."
            path = self.client.auth.cache.token_path
            if token is None and path.exists():  # there, but unreadable: left as it is
                reason = f"The cached token {path} is unreadable: sign in again to replace it."
            self.call_after_refresh(self._require_login, self.start_loading, reason)
        else:
            # After the first paint: importing boto3 in the worker thread holds the GIL for
            # a moment, and the cached rows should be on screen before that.
            self.call_after_refresh(self.start_loading)

    def _declared_chains(self) -> list:
        """The chained roles to show; a bad declaration is one line, and no chained rows."""
        settings, config = self.settings, getattr(self.app, "aws_config", None)
        if config is None or not (
            settings.chained_roles or any("role_arn" in v for v in config.profiles.values())
        ):
            return []  # chains.py is imported only when there are some
        from ssotui.core.chains import declared

        try:
            return declared(self.session, settings, config)
        except SsoError as error:
            self.notify(f"No chained roles: {error}", severity="error", markup=False, timeout=8)
            return []

    def on_unmount(self) -> None:
        if self.loader is not None:
            self.loader.cancel()

    def on_resize(self, event: events.Resize) -> None:
        # The breakpoint classes change after this handler; hiding the layout dropped the focus.
        self.call_after_refresh(self._refocus_after_resize)

    def _refocus_after_resize(self) -> None:
        too_small = self.has_class("-too-narrow") or self.has_class("-too-short")
        if not too_small and self.focused is None and self.app.screen is self:
            self.filter.focus()

    # -- clock, token, header ---------------------------------------------------------------

    def _tick(self) -> None:
        self.now = self.services.clock()
        if self._throttled_at is not None:
            self._update_progress()

    def read_token(self) -> Token | None:
        try:
            token = self.client.auth.cached_token()
        except SsoError:
            token = None
        self.signed_in = token is not None
        self.token_expires = token.expires_at if token else None
        self.refreshable = bool(token and token.refresh_token)
        return token

    def watch_offline(self, offline: bool) -> None:
        banner = self.query_one("#offline", Static)
        banner.display = offline
        if not offline:
            return
        text = "Offline: the access portal cannot be reached. "
        if self.state.row_count and self._fetched_at is not None:
            text += f"Showing the list cached {age(self._fetched_at, self.services.clock())}. "
        elif self.state.row_count and self.state.incomplete:
            text += f"The list is incomplete: {self._arrived()}. "
        text += (
            "Still trying…"
            if self.state.loading
            else f"Press {self.key_name('refresh')} to try again."
        )
        banner.update(text)

    def watch_refreshing_shell(self, on: bool) -> None:
        self._show_shell_mode()

    def _show_shell_mode(self) -> None:
        mode = self.query_one("#shell-mode", Label)
        mode.update("shell: refreshing credentials" if self.refreshing_shell else "")
        mode.display = self.refreshing_shell

    def watch_progress(self, text: str) -> None:
        self.query_one("#progress", Label).update(text)

    # -- rows -------------------------------------------------------------------------------

    def show_rows(self) -> None:
        """Give the list the rows in pick order, keeping the highlight on the same row."""
        self._dirty = False
        rows = self.state.rows()
        chained = chained_rows(self.chains, self.state.accounts) if self.state.accounts else []
        rows += chained
        self.picks = self.picks.with_pinned(pinned_keys(rows, self.settings.favorites))
        rows = order(rows, self.picks)
        keep = self.highlighted.key if self.highlighted is not None else None
        if keep is not None and is_placeholder(self.highlighted):
            first = next((r for r in rows if r.account_id == keep[0]), None)
            keep = first.key if first is not None else keep
        self.show_marks()
        labels = self.labeler.search_texts(self.state.accounts.values(), chained)
        self.rows.set_rows(rows, keep_key=keep, labels=labels)
        self._update_count()

    def show_marks(self) -> None:
        self.rows.set_marks(set(self.picks.favorite_keys), set(self.picks.recents))

    def save_picks(self) -> bool:
        return self.services.picks.save(self.session.cache_key, self.picks)

    def client_for(self, row: Assignment):
        """The client of ``row``'s session (one session here; the merged picker has more)."""
        return self.client

    def session_for(self, row: Assignment) -> SsoSession:
        return self.session

    def _flush(self) -> None:
        if self._dirty:
            self.show_rows()

    def _update_count(self) -> None:
        rows = self.rows
        count = self.query_one("#count", CountLabel)
        if rows.suggesting:
            # Nothing matched: the rows are close matches (marked ≈), and the count says so.
            text = f"no match · close matches for {for_terminal(rows.query.strip())!r}"
            count.styles.width = len(text) + 2  # a relayout, but only while suggesting
        else:
            text = f"{rows.shown_count}/{rows.total_count}" if rows.query else f"{rows.total_count}"
            if count.has_class("-suggesting"):
                count.styles.clear_rule("width")  # back to app.tcss's fixed width
        count.set_class(rows.suggesting, "-suggesting")
        count.update(text)  # fixed width in app.tcss
        paint_with_next_frame(count)  # with the rows it counts

    @on(AssignmentList.Highlighted)
    def _highlighted(self, event: AssignmentList.Highlighted) -> None:
        event.stop()  # nothing above the screen listens: spare the app a dispatch per key
        # The list's highlight now, not the message's: a keystroke handled since it was sent
        # may have moved it (and shown it here already).
        self._show_highlighted(event.assignment_list.highlighted)

    def _show_highlighted(self, row: Assignment | None) -> None:
        if row is self.highlighted:
            return  # shown already (a keystroke that kept the highlight, or its message)
        before = self.actions.target() is not None
        self.highlighted = row
        if (self.actions.target() is not None) != before:
            self.refresh_bindings()  # the row actions appear or go (not on every move)
        if row is not None and self.loader is not None and self.state.needs_roles(row.account_id):
            self.loader.prioritize(row.account_id)
        self.update_detail()

    def update_detail(self) -> None:
        row = self.highlighted
        if row is None:
            self.detail = None
            return
        placeholder = is_placeholder(row)
        held = None if placeholder else self.client_for(row).broker.held(row.account_id, row.key[1])
        protected, labels = False, ""
        if not placeholder:
            _judged, label, protected = self.labeler.judge(row)
            labels = " · ".join(filter(None, (label.alias, " ".join(label.tags))))
        self.detail = Detail(
            assignment=row,
            favorite=self.picks.is_favorite(row.key),
            pinned=self.picks.is_pinned(row.key),
            recent=row.key in self.picks.recents,
            loading=placeholder,
            held_until=held.expiration if held else self.actions.chained_until.get(row.key),
            labels=labels,
            protected=protected,
            via=reached_by(row) if isinstance(row, ChainedRow) else "",
        )

    @on(AssignmentList.Selected)
    def _selected(self, event: AssignmentList.Selected) -> None:
        self.highlighted = event.assignment
        self.actions.default_action()

    # -- filter -----------------------------------------------------------------------------

    def _filter_changed(self, value: str) -> None:
        if bool(value) != bool(self.rows.query) and self.focused is not self.filter:
            # "Esc clears the filter" is the list's key: refresh the footer only when the list
            # shows it. While typing, the footer shows the filter's keys, and focus moving back
            # to the list refreshes it anyway (rebuilding the footer cost ~20 ms a keystroke).
            self.refresh_bindings()
        self.rows.set_query(value)
        self._update_count()
        # The details follow the new highlight in the same frame: after the list's
        # Highlighted message they would take a frame of their own, which can hold up the
        # next keystroke's frame by a frame tick.
        self._show_highlighted(self.rows.highlighted)
        paint_with_next_frame(self.query_one(DetailsPane))

    def on_key(self, event: events.Key) -> None:
        """Typing is always safe: a printable key that reaches the screen (the list, or
        nothing, had the focus; the filter inserts and stops every printable key it gets)
        edits the filter, before any binding could take it as an action."""
        if not event.is_printable or not event.character:
            return
        event.stop()
        event.prevent_default()
        if self.focused is not self.filter:
            self.set_focus(self.filter)
        self.filter.insert_text_at_cursor(event.character)

    def action_leave_filter(self) -> None:
        self.rows.focus()

    def action_clear_filter(self) -> None:
        self.filter.value = ""
        self.rows.focus()

    def action_list_move(self, delta: int) -> None:
        if delta > 0:
            self.rows.action_cursor_down()
        else:
            self.rows.action_cursor_up()

    def action_list_page(self, delta: int) -> None:
        if delta > 0:
            self.rows.action_page_down()
        else:
            self.rows.action_page_up()

    # -- footer and help --------------------------------------------------------------------

    def help_sections(self) -> tuple[list[tuple[str, list]], str]:
        enter = self.settings.enter_action
        what = "opens the action menu" if enter == "menu" else f"runs {enter!r} (enter_action)"
        notes = (
            f"Enter (or a double-click) on a row {what}; the menu lists every action with its "
            "key. Typing always edits the filter, wherever the focus is: no letter is an action "
            "here. Esc in the filter goes to the list and keeps the filter; Esc on the list "
            "clears it. The refreshing-shell key switches refreshing subshells on or off for "
            "this session (refreshing_shell in the settings is the default). Keys can be changed "
            "in the settings file's [keymap] table, by binding id."
        )
        return [
            ("Actions", list(self.BINDINGS)),
            ("Moving", list(AssignmentList.BINDINGS)),
            ("In the filter", list(FilterInput.BINDINGS)),
        ], notes

    def key_name(self, action: str) -> str:
        """The key of one of the table's actions as the footer shows it ("^r"), the
        ``[keymap]`` applied."""
        keys = action_table.bound_keys(self.app.keymap, [action])[action]
        return self.app.get_key_display(Binding(keys[0], action)) if keys else "(no key)"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ROW_ACTIONS or action in ("default_action", "action_menu"):
            row = self.highlighted
            if row is None or is_placeholder(row):
                return False
            if action == "tmux_shell":
                return bool(self.services.environ.get("TMUX"))
            if action == "copy_portal_link":
                return not isinstance(row, ChainedRow)  # no portal shortcut for those
        if action == "clear_filter":
            return bool(self.rows.query)
        return True

    # -- actions ----------------------------------------------------------------------------
    # Each runs the component's method of the same name (the action table names them).

    def do_action(self, name: str) -> None:
        """Run an action by name (the palette uses this)."""
        getattr(self, f"action_{name}")()

    def action_default_action(self) -> None:
        self.actions.default_action()

    def action_action_menu(self) -> None:
        self.actions.action_menu()

    def action_open_console(self) -> None:
        self.actions.open_console()

    def action_open_console_at(self) -> None:
        self.actions.open_console_at()

    def action_copy_url(self) -> None:
        self.actions.copy_url()

    def action_shell(self) -> None:
        self.actions.shell()

    def action_tmux_shell(self) -> None:
        self.actions.tmux_shell()

    def action_copy_exports(self) -> None:
        self.actions.copy_exports()

    def action_copy_portal_link(self) -> None:
        self.actions.copy_portal_link()

    def action_toggle_favorite(self) -> None:
        self.actions.toggle_favorite()

    def action_toggle_refreshing(self) -> None:
        self.actions.toggle_refreshing()

    def action_refresh(self) -> None:
        if self.state.loading:
            self.notify("Already refreshing…", timeout=2)
            return
        self.start_loading()

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        self.actions.done(message)

    @on(ClipboardFallback)
    def _clipboard_fallback(self, message: ClipboardFallback) -> None:
        self.actions.clipboard_fallback(message)

    @on(CredentialsReady)
    def _credentials_ready(self, message: CredentialsReady) -> None:
        self.actions.credentials_ready(message)

    # -- inventory --------------------------------------------------------------------------

    def start_loading(self) -> None:
        self.loader = self.client.loader()
        self.state.begin()
        self.offline = False
        self._throttled_at = None
        self._update_progress()
        self.load_inventory(self.loader)

    @work(thread=True, exclusive=True, exit_on_error=False, group="inventory", name="inventory")
    def load_inventory(self, loader) -> None:
        worker = get_current_worker()

        def on_event(event) -> None:
            if not worker.is_cancelled:
                self.post_message(InventoryProgress(event))

        inventory = loader.load(on_event)
        if inventory.complete:
            # Only a complete load replaces the cache: quitting (which cancels the loader)
            # must not overwrite a good cache with the few accounts that had arrived.
            self.client.cache.save(self.session, inventory)
        if not worker.is_cancelled:
            self.post_message(InventoryLoaded(inventory))

    @on(InventoryProgress)
    def _inventory_progress(self, message: InventoryProgress) -> None:
        event = message.event
        if isinstance(event, AccountsListed):
            self.state.add_accounts(event.accounts, event.total_so_far, event.last)
            self._dirty = True
            if not self.rows.total_count:
                self._flush()  # the first rows: at once, not on the next flush tick
        elif isinstance(event, RolesListed):
            self.state.add_roles(event.account, event.roles, event.done)
            self.state.accounts_listed = max(self.state.accounts_listed, event.total)
            self._dirty = True
            row = self.highlighted
            if row is not None and row.account_id == event.account.account_id:
                self._flush()  # the row the user is waiting for: show its roles at once
        elif isinstance(event, Retrying):
            if event.reason == "throttled":
                self._throttled_at = time.monotonic()
            elif event.reason == "network error":
                self.offline = True  # still retrying, but the user should know now
        if self.offline and isinstance(event, AccountsListed | RolesListed):
            self.offline = False
        self._update_progress()

    @on(InventoryLoaded)
    def _inventory_loaded(self, message: InventoryLoaded) -> None:
        if not message.inventory.complete:  # the loader was cancelled: keep what is shown
            self.state.stop()
            self.show_rows()
            self.progress = ""
            return
        change = self.state.finish(message.inventory)
        self._fetched_at = message.inventory.fetched_at
        self._throttled_at = None
        self.offline = False
        self.read_token()
        self.show_rows()
        self._tell_skipped(message.inventory)
        self.rows.empty_text = None
        total = self.state.row_count
        summary = f"{total} roles in {len(self.state.accounts)} accounts"
        if self.chains:  # the list's count includes them: say so, or the two disagree
            summary += f" · {len(self.chains)} chained"
        if change is None:
            self.progress = summary
        elif change == (0, 0):
            self.progress = f"up to date · {summary}"
        else:
            self.progress = f"updated: +{change[0]} −{change[1]} · {summary}"

    def _tell_skipped(self, inventory) -> None:
        """Once per picker: the portal sent rows that could not be used (the inventory leaves
        out accounts with an invalid id and roles with an invalid name, and lists them in
        ``skipped``)."""
        skipped = inventory.skipped_count
        if skipped and not self._told_skipped:
            self._told_skipped = True
            self.notify(
                f"Skipped {skipped} row(s) the portal sent with an invalid account id or "
                "role name.",
                severity="warning",
                markup=False,
                timeout=8,
            )

    def _update_progress(self) -> None:
        state = self.state
        if not state.loading:
            return
        verb = "refreshing…" if state.revalidating else "loading…"
        parts = [verb]
        if state.accounts_listed:
            parts.append(f"accounts {state.roles_listed}/{state.accounts_listed}")
        if self._throttled_at is not None:
            if time.monotonic() - self._throttled_at < THROTTLE_NOTE_FOR:
                parts.append("throttled — slowing down")
            else:
                self._throttled_at = None
        self.progress = " · ".join(parts)

    # -- errors and login -------------------------------------------------------------------

    def worker_failed(self, worker: Worker, error: BaseException) -> None:
        if worker.group == "inventory":
            signed_out = isinstance(error, LoginRequired)
            cached = self.state.revalidating and self._fetched_at is not None
            placeholders = self.state.has_placeholders()
            self.state.stop(failed=not signed_out)
            # Placeholders go once loading stops; otherwise the rows are as shown (rebuilding
            # 10,000 of them for nothing costs a frame of ~90 ms, maybe mid-keystroke).
            self._dirty = self._dirty or placeholders
            self._flush()
            if signed_out:
                self.progress = "signed out"
            elif cached:
                retry = f"press {self.key_name('refresh')} to retry"
                self.progress = f"not refreshed: showing the cached list · {retry}"
            else:
                # What arrived stays on screen; say that it is not everything.
                state = self.state
                more = "" if state.all_listed else "+"  # listing stopped too: more exist
                counts = f" · accounts {state.roles_listed}/{state.accounts_listed}{more}"
                self.progress = f"incomplete{counts if state.accounts_listed else ''}"
                self.progress += f" · press {self.key_name('refresh')} to retry"
        super().worker_failed(worker, error)

    def _arrived(self) -> str:
        """What an incomplete list holds, for the offline banner."""
        state = self.state
        done, listed = state.roles_listed, state.accounts_listed
        if state.all_listed:
            return f"the roles of {done} of {listed} accounts arrived"
        return f"only {listed} accounts were listed, and the roles of {done} of them arrived"

    def login_required(self, worker: Worker, error: LoginRequired) -> None:
        if worker.group == "inventory":
            retry = self.start_loading
        else:
            retry = self._retry_for(worker)
        expired = isinstance(error, SessionExpired)
        reason = "Your session has expired or was signed out: sign in again." if expired else ""
        self._require_login(retry, reason)

    def _retry_for(self, worker: Worker) -> Callable[[], None] | None:
        action = self.actions.last_action
        row = self.actions.target()
        if row is None:
            return None

        def retry() -> None:
            if self.rows.highlight_key(row.key) or self.actions.target() == row:
                self.actions.run(action)

        return retry

    def went_offline(self, worker: Worker, error: NetworkError) -> None:
        if worker.group == "inventory":
            self.offline = False
            self.offline = True  # re-render the banner now that the load has given up
        super().went_offline(worker, error)

    def _require_login(self, then: Callable[[], None] | None = None, reason: str = "") -> None:
        from ssotui.tui.screens.login import LoginScreen

        if then is not None:
            self._pending = then
        if self._login_open:
            return
        self._login_open = True
        self.signed_in = False
        self.app.push_screen(
            LoginScreen(
                self.client,
                settings=self.settings,
                services=self.services,
                can_go_back=self.state.row_count > 0,
                reason=reason,
            ),
            callback=self._login_finished,
        )

    def _login_finished(self, token: Token | None) -> None:
        self._login_open = False
        pending, self._pending = self._pending, None
        self.read_token()
        if token is None:
            if not self.state.row_count:
                self.app.exit()
            return
        if pending is not None:
            pending()
        if not self.state.loading:
            self.start_loading()
