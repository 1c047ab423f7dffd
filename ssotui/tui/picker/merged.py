"""The merged picker: every configured session in one list (``ssotui --all-sessions``).

Each session is a :class:`Part` with its own client (token, rate, credential cache), rows
and loader. Cached rows show at once; then every logged-in session revalidates in a worker of
its own, in parallel. A session that is not logged in is one login row
("work — not logged in · Enter to log in") and holds up nobody: Enter on it opens the login
screen for that session, and its rows load after the login. Row actions use the row's session
(``client_for``, ``session_for``); the header follows the highlighted row's session.

Chained roles are the single-session picker's (they name one session's source roles).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from textual import on
from textual.message import Message
from textual.worker import Worker, get_current_worker

from ssotui.core.errors import LoginRequired, SsoError
from ssotui.core.inventory import AccountsListed, Inventory, InventoryEvent, RolesListed
from ssotui.core.models import Account, Assignment, SsoSession
from ssotui.core.picks import order, pinned_keys
from ssotui.core.settings import Settings
from ssotui.core.tokens import Token
from ssotui.core.untrusted import for_terminal
from ssotui.tui.picker.action_table import ROW_ACTIONS
from ssotui.tui.picker.details import Detail
from ssotui.tui.picker.labeling import Labeler
from ssotui.tui.picker.row_actions import RowActions
from ssotui.tui.picker.screen import FLUSH_EVERY, PickerScreen
from ssotui.tui.picker.session_rows import (
    SessionRow,
    is_login_row,
    login_row,
    merged_picks,
    session_picks,
    tag,
)
from ssotui.tui.picker.state import PickerState, is_placeholder
from ssotui.tui.screens.base import describe
from ssotui.tui.services import Services
from ssotui.tui.widgets.format import age
from ssotui.tui.widgets.session_header import SessionHeader

WORKER_PREFIX = "inventory:"


class Part:
    """One session of the merged picker."""

    def __init__(self, session: SsoSession, client) -> None:
        self.session = session
        self.client = client
        self.state = PickerState()
        self.loader = None
        self.needs_login = False
        self.fetched_at: datetime | None = None


@dataclass
class SessionProgress(Message):
    label: str
    event: InventoryEvent


@dataclass
class SessionLoaded(Message):
    label: str
    inventory: Inventory


class MergedActions(RowActions):
    """The row actions, plus: Enter on a login row logs in to its session."""

    def target(self) -> Assignment | None:
        row = self.host.highlighted
        return None if is_login_row(row) else super().target()

    def default_action(self) -> None:
        row = self.host.highlighted
        if is_login_row(row):
            self.host.log_in_part(row.session.label)  # type: ignore[attr-defined]
            return
        super().default_action()


class MergedPickerScreen(PickerScreen):
    def __init__(
        self,
        sessions: list[SsoSession],
        *,
        settings: Settings,
        services: Services,
        refresh: bool = False,
    ) -> None:
        super().__init__(sessions[0], settings=settings, services=services, refresh=refresh)
        self.parts: dict[str, Part] = {}
        for session in sessions:
            client = self.client if session == sessions[0] else services.client_factory(session)
            self.parts[session.label] = Part(session, client)
        self._current = self.parts[sessions[0].label]
        self.picks = merged_picks(
            (label, services.picks.load(part.session.cache_key))
            for label, part in self.parts.items()
        )
        self.actions = MergedActions(self)
        self.labeler = Labeler(settings, self._account)
        self._login_part: Part | None = None

    def _account(self, account_id: str) -> Account | None:
        for part in self.parts.values():
            found = part.state.accounts.get(account_id)
            if found is not None:
                return found
        return None

    # -- start ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._show_header()
        self.filter.cursor_blink = self.services.cursor_blink
        self.watch(self.filter, "value", self._filter_changed, init=False)
        self._show_shell_mode()
        self.rows.empty_text = "Loading accounts…"
        self.rows.labels = self.labeler
        self.now = self.services.clock()
        self.set_interval(1.0, self._tick)
        self.set_interval(FLUSH_EVERY, self._flush)
        for part in self.parts.values():
            if not self.refresh_on_start:
                cached = part.client.cached_inventory()
                if cached is not None:
                    part.state.show(cached)
                    part.fetched_at = cached.fetched_at
            part.needs_login = not self._usable_token(part)
        self.show_rows()
        self._summary("cached")
        self.filter.focus()
        self.read_token()
        # After the first paint, like the single picker (boto3 loads in the workers).
        self.call_after_refresh(self.start_loading)

    def _usable_token(self, part: Part) -> bool:
        try:
            token = part.client.auth.cached_token()
        except SsoError:
            return False
        return token is not None and (token.expires_at > self.now or bool(token.refresh_token))

    def _show_header(self) -> None:
        header = self.query_one(SessionHeader)
        session = self._current.session
        header.session_label = session.label
        header.start_url = session.start_url if session.name else ""

    def on_unmount(self) -> None:
        for part in self.parts.values():
            if part.loader is not None:
                part.loader.cancel()

    # -- whose row --------------------------------------------------------------------------

    def part_of(self, row: Assignment) -> Part:
        session = getattr(row, "session", None)
        found = self.parts.get(session.label) if session is not None else None
        return found if found is not None else self._current

    def client_for(self, row: Assignment):
        return self.part_of(row).client

    def session_for(self, row: Assignment) -> SsoSession:
        return self.part_of(row).session

    def _use(self, part: Part) -> None:
        """The header (and a login an action needs) follow the highlighted row's session."""
        if part is self._current:
            return
        self._current = part
        self.session, self.client = part.session, part.client
        self._show_header()
        self.read_token()

    def _show_highlighted(self, row: Assignment | None) -> None:
        if row is not None and row is not self.highlighted:
            part = self.part_of(row)
            self._use(part)
            if part.loader is not None and part.state.needs_roles(row.account_id):
                part.loader.prioritize(row.account_id)
        super()._show_highlighted(row)

    def update_detail(self) -> None:
        row = self.highlighted
        if is_login_row(row):
            session = self.part_of(row).session
            self.detail = Detail(
                assignment=row,
                note=for_terminal(
                    f"Enter logs in to {session.label} ({session.start_url}); its accounts "
                    "then join the list."
                ),
            )
            return
        super().update_detail()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if is_login_row(self.highlighted):
            if action == "default_action":
                return True
            if action in ROW_ACTIONS or action == "action_menu":
                return False  # nothing to act on before the login
        return super().check_action(action, parameters)

    # -- favorites and recents, per session on disk -----------------------------------------

    def save_picks(self) -> bool:
        saved = True
        for label, part in self.parts.items():
            picks = session_picks(self.picks, label)
            saved = self.services.picks.save(part.session.cache_key, picks) and saved
        return saved

    # -- rows -------------------------------------------------------------------------------

    def show_rows(self) -> None:
        self._dirty = False
        logins: list[Assignment] = []
        rows: list[Assignment] = []
        texts: dict[str, str] = {}
        pinned: tuple = ()
        for part in self.parts.values():
            session, state = part.session, part.state
            if part.needs_login:
                logins.append(login_row(session))
            own_rows = [SessionRow(row, session) for row in state.rows()]
            pinned += pinned_keys(own_rows, self.settings.favorites)  # per session
            rows += own_rows
            own = self.labeler.search_texts(state.accounts.values())
            mark = tag(session)
            texts[f"{session.label}\x1f"] = mark
            for account_id in state.accounts:
                extra = own.get(account_id)
                texts[f"{session.label}\x1f{account_id}"] = f"{mark} {extra}" if extra else mark
        self.picks = self.picks.with_pinned(pinned)
        rows = logins + order(rows, self.picks)
        keep = self.highlighted.key if self.highlighted is not None else None
        if keep is not None and is_placeholder(self.highlighted):
            first = next((r for r in rows if r.key[0::2] == keep[0::2]), None)
            keep = first.key if first is not None else keep
        self.show_marks()
        self.rows.set_rows(rows, keep_key=keep, labels=texts)
        self._update_count()

    # -- loading ----------------------------------------------------------------------------

    def start_loading(self) -> None:
        """Revalidate every logged-in session that is not loading, each in its own worker."""
        for part in self.parts.values():
            if not part.needs_login and not part.state.loading:
                self.start_part(part)
        self._update_progress()

    def action_refresh(self) -> None:
        if any(part.state.loading for part in self.parts.values()):
            self.notify("Already refreshing…", timeout=2)
            return
        self.start_loading()

    def start_part(self, part: Part) -> None:
        part.loader = part.client.loader()
        part.state.begin()
        self.run_worker(
            partial(self._load_part, part.session.label, part.loader),
            thread=True,
            exit_on_error=False,
            group="inventory",
            name=WORKER_PREFIX + part.session.label,
        )

    def _load_part(self, label: str, loader) -> None:
        """One session's load (in a worker thread, with that session's client and rate)."""
        worker = get_current_worker()
        part = self.parts[label]

        def on_event(event) -> None:
            if not worker.is_cancelled:
                self.post_message(SessionProgress(label, event))

        inventory = loader.load(on_event)
        if inventory.complete:
            part.client.cache.save(part.session, inventory)
        if not worker.is_cancelled:
            self.post_message(SessionLoaded(label, inventory))

    @on(SessionProgress)
    def _session_progress(self, message: SessionProgress) -> None:
        state, event = self.parts[message.label].state, message.event
        if isinstance(event, AccountsListed):
            state.add_accounts(event.accounts, event.total_so_far, event.last)
            self._dirty = True
            if not self.rows.total_count:
                self._flush()
        elif isinstance(event, RolesListed):
            state.add_roles(event.account, event.roles, event.done)
            state.accounts_listed = max(state.accounts_listed, event.total)
            self._dirty = True
        self._update_progress()

    @on(SessionLoaded)
    def _session_loaded(self, message: SessionLoaded) -> None:
        part = self.parts[message.label]
        if not message.inventory.complete:
            part.state.stop()
        else:
            part.state.finish(message.inventory)
            part.fetched_at = message.inventory.fetched_at
        self.show_rows()
        self.read_token()
        self._update_progress()

    def _update_progress(self) -> None:
        loading = [label for label, part in self.parts.items() if part.state.loading]
        if loading:
            self.progress = "refreshing… " + ", ".join(loading)
        else:
            self._summary()
            self.rows.empty_text = None

    def _summary(self, prefix: str = "") -> None:
        parts = self.parts.values()
        roles = sum(part.state.row_count for part in parts)
        accounts = sum(len(part.state.accounts) for part in parts)
        text = f"{roles} roles in {accounts} accounts · {len(self.parts)} sessions"
        signed_out = sum(part.needs_login for part in parts)
        if signed_out:
            text += f" · {signed_out} not logged in"
        oldest = min((p.fetched_at for p in parts if p.fetched_at), default=None)
        if prefix and oldest is not None:
            text = f"{prefix} {age(oldest, self.now)} · {text}"
        self.progress = text

    def worker_failed(self, worker: Worker, error: BaseException) -> None:
        name = worker.name or ""
        if worker.group == "inventory" and name.startswith(WORKER_PREFIX):
            part = self.parts[name.removeprefix(WORKER_PREFIX)]
            signed_out = isinstance(error, LoginRequired)
            part.state.stop(failed=not signed_out)
            part.needs_login = part.needs_login or signed_out
            self.show_rows()
            self._update_progress()
            if not signed_out:  # one line, naming the session; the others go on
                label = part.session.label
                self.notify(f"{label}: {describe(error)}", severity="error", markup=False)
            return
        super().worker_failed(worker, error)

    # -- login ------------------------------------------------------------------------------

    def log_in_part(self, label: str) -> None:
        """Open the login screen for session ``label`` (Enter on its login row)."""
        self._use(self.parts[label])
        self._require_login(None, "")

    def _require_login(self, then=None, reason: str = "") -> None:
        from ssotui.tui.screens.login import LoginScreen

        if then is not None:
            self._pending = then
        if self._login_open:
            return
        self._login_open = True
        part = self._login_part = self._current
        self.signed_in = False
        self.app.push_screen(
            LoginScreen(
                part.client,
                settings=self.settings,
                services=self.services,
                can_go_back=True,
                reason=reason,
            ),
            callback=self._login_finished,
        )

    def _login_finished(self, token: Token | None) -> None:
        self._login_open = False
        pending, self._pending = self._pending, None
        part, self._login_part = self._login_part, None
        self.read_token()
        if token is None or part is None:
            return
        part.needs_login = False
        if pending is not None:
            pending()
        if not part.state.loading:
            self.start_part(part)
        self.show_rows()
        self._update_progress()
