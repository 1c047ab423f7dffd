"""One IAM Identity Center session, as the CLI and the TUI use it.

``SsoClient`` wires together the token cache and login (``auth``), the inventory and its
cache (``inventory``), role credentials (``credentials``) and console URLs (``console``).
Everything here is blocking: the TUI calls it from thread workers.

The CLI's one-role commands use ``target`` (a name becomes an id through the inventory cache or
ListAccounts alone, never a full inventory) and ``shared_credentials`` (one GetRoleCredentials
for every process asking at once, through the 0600 credential cache). ``refresh_inventory``
lets a second ``list --refresh`` wait for the first and read what it saved.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta

from ssotui.core import console, locks, warm
from ssotui.core.auth import Authenticator
from ssotui.core.credcache import FETCH_MIN, CredentialCache
from ssotui.core.credentials import CredentialBroker
from ssotui.core.errors import NotFound, RoleNotAssigned, SessionExpired
from ssotui.core.inventory import (
    DEFAULT_DEADLINE,
    Inventory,
    InventoryCache,
    InventoryEvent,
    InventoryLoader,
)
from ssotui.core.models import Account, Assignment, RoleCredentials, SsoSession
from ssotui.core.untrusted import for_terminal, is_account_id

DEFAULT_RATE_LIMIT = 20.0


class SsoClient:
    def __init__(
        self,
        session: SsoSession,
        *,
        rate_limit: float = DEFAULT_RATE_LIMIT,
        load_deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        self.session = session
        self.rate_limit = rate_limit
        self.load_deadline = load_deadline
        self.auth = Authenticator(session)
        self.broker = CredentialBroker(self.auth.access_token, session.region)
        self.cache = InventoryCache()

    # -- inventory -------------------------------------------------------------------------

    def cached_inventory(self) -> Inventory | None:
        """The last saved inventory for this session, without touching the network."""
        return self.cache.load(self.session)

    def loader(self) -> InventoryLoader:
        """A loader the caller drives (the TUI streams events and reprioritises it)."""
        return InventoryLoader(
            self.auth.access_token,
            self.session.region,
            rate_limit=self.rate_limit,
            deadline=self.load_deadline,
        )

    def load_inventory(
        self,
        on_event: Callable[[InventoryEvent], None] | None = None,
        loader: InventoryLoader | None = None,
    ) -> Inventory:
        """Fetch everything from the portal; save it to the cache when it is complete.

        A cancelled or partial load is returned but never saved: it must not replace a good
        cache with the few accounts that had arrived.
        """
        loader = loader or self.loader()
        inventory = loader.load(on_event)
        if inventory.complete:
            self.cache.save(self.session, inventory)
        return inventory

    def _lock(self, what: str):
        return locks.held(locks.lock_name(what, self.session.cache_key, self.session.start_url))

    def refresh_inventory(
        self,
        on_event: Callable[[InventoryEvent], None] | None = None,
        loader: InventoryLoader | None = None,
    ) -> Inventory:
        """``load_inventory`` under a lock between processes: a caller that had to wait for
        another one's load takes the complete inventory it saved instead of loading again."""
        before = self.cached_inventory()
        with self._lock("inventory"):
            now = self.cached_inventory()
            if (
                now is not None
                and now.complete
                and (before is None or now.fetched_at != before.fetched_at)
            ):
                return now
            return self.load_inventory(on_event, loader)

    def target(self, account: str, role: str) -> Assignment:
        """ACCOUNT (id or name) and ROLE, from the inventory cache when it knows the account,
        else from ListAccounts alone (one listing for all the processes asking at once, saved
        as an accounts-only inventory); never ListAccountRoles: the portal judges the role
        when asked for its credentials. Raises NotFound for a name the portal does not list."""
        where = self.session.label
        found = warm.cached_target(self.cached_inventory(), account, role, where)
        if found is not None:
            return found
        with self._lock("accounts"):
            cached = self.cached_inventory()
            found = warm.cached_target(cached, account, role, where)
            if found is not None:
                return found  # another process listed the accounts while this one waited
            from ssotui.core.accounts import list_accounts

            listed = list_accounts(self.auth.access_token, self.session.region)
            inventory = self._save_accounts(listed, cached)
        found = warm.cached_target(inventory, account, role, where)
        if found is None:
            names = {a.account_name for a in listed}
            hint = _did_you_mean(account, names) or "."
            raise NotFound(f"no account named {account!r} in {where}{hint}")
        return found

    def named(self, assignment: Assignment) -> Assignment:
        """``assignment`` with its account's name, from ListAccounts (alone) when the cache
        does not know it (an id given, no cache yet)."""
        if assignment.account_name != assignment.account_id:
            return assignment
        account_id = assignment.account_id
        with self._lock("accounts"):
            cached = self.cached_inventory()
            known = cached.account(account_id) if cached is not None else None
            if known is None:
                from ssotui.core.accounts import list_accounts

                listed = list_accounts(self.auth.access_token, self.session.region)
                self._save_accounts(listed, cached)
                known = next((a for a in listed if a.account_id == account_id), None)
        if known is None:
            return assignment
        return Assignment(account_id, known.account_name, known.email, assignment.role_name)

    def _save_accounts(self, listed: list[Account], cached: Inventory | None) -> Inventory:
        """An accounts-only inventory (the roles the cache knew kept), saved unless the cache
        holds a complete one: that is never replaced by less."""
        from ssotui.core import timeutil

        known = cached.roles if cached is not None else {}
        roles = {a.account_id: known[a.account_id] for a in listed if a.account_id in known}
        inventory = Inventory(listed, roles, timeutil.utcnow(), False)
        latest = self.cached_inventory()
        if latest is None or not latest.complete:
            self.cache.save(self.session, inventory)
        return inventory

    def shared_credentials(
        self, assignment: Assignment, account: str | None = None, left: timedelta = FETCH_MIN
    ) -> RoleCredentials:
        """Credentials with at least ``left`` left from the shared 0600 cache, else fetched
        once for every process asking at the same moment. A role the portal refuses (403) is
        a NotFound naming the roles the cache knows for the account when the user named it
        (``account``, as typed), with the closest; else (an id: the portal is the judge)
        RoleNotAssigned."""
        cache = CredentialCache(self.session)
        account_id, role = assignment.account_id, assignment.role_name
        # The token is got before the entry's lock is taken, and never renewed under it: a
        # process that holds the token lock (logging in) may be waiting for the entry's lock.
        token = self.auth.access_token()
        try:
            try:
                return cache.shared(account_id, role, self._fetcher(account_id, role, token), left)
            except _RenewToken:
                token = self.auth.access_token(force_refresh=True)
                fetch = self._fetcher(account_id, role, token, last=True)
                return cache.shared(account_id, role, fetch, left)
        except RoleNotAssigned:
            inventory = self.cached_inventory()
            by_name = account is not None and not is_account_id(account)
            if by_name and inventory is not None and inventory.roles.get(account_id):
                rows = [row for row in inventory.assignments() if row.account_id == account_id]
                resolve_assignment(rows, account or account_id, role, self.session.label)
            raise

    def _fetcher(
        self, account_id: str, role: str, token: str, last: bool = False
    ) -> Callable[[], RoleCredentials]:
        """GetRoleCredentials with ``token``; a 401 raises _RenewToken (renewed outside), or
        SessionExpired when ``token`` is already a renewed one."""

        def given(force_refresh: bool = False) -> str:
            if force_refresh and last:
                raise SessionExpired("IAM Identity Center session expired — run `ssotui login`.")
            if force_refresh:
                raise _RenewToken
            return token

        broker = CredentialBroker(given, self.session.region)
        return lambda: broker.get(account_id, role)

    def inventory(self, refresh: bool = False) -> Inventory:
        """The cached inventory unless ``refresh`` or there is none (or it is incomplete)."""
        if not refresh:
            cached = self.cached_inventory()
            if cached is not None and cached.complete:
                return cached
        return self.load_inventory()

    def resolve(self, account: str, role: str, inventory: Inventory | None = None) -> Assignment:
        """Find ACCOUNT (12-digit id or exact name) and ROLE (exact permission-set name).

        A 12-digit id with an assigned role is accepted even when the inventory is stale.
        """
        inventory = inventory or self.inventory()
        return resolve_assignment(inventory.assignments(), account, role, self.session.label)

    # -- credentials and console -------------------------------------------------------------

    def credentials(self, assignment: Assignment) -> RoleCredentials:
        return self.broker.get(assignment.account_id, assignment.role_name)

    def console_url(
        self,
        assignment: Assignment,
        *,
        region: str | None = None,
        destination: str | None = None,
    ) -> str:
        """A federated sign-in URL (a secret: valid 15 minutes, shown only when asked)."""
        creds = self.credentials(assignment)
        return console.signin_url(
            creds,
            region=region or self.session.region,
            destination=destination,
            issuer=self.session.start_url,
        )

    def portal_link(
        self, assignment: Assignment, *, region: str | None = None, destination: str | None = None
    ) -> str:
        """The access portal's shortcut link: no credentials, works with multi-session."""
        target = console.destination_url(destination, region or self.session.region)
        return console.portal_link(
            self.session.start_url, assignment.account_id, assignment.role_name, target
        )


class _RenewToken(Exception):
    """GetRoleCredentials answered 401: renew the token (outside the entry's lock), retry."""


def resolve_assignment(
    rows: Sequence[Assignment], account: str, role: str, where: str = "this session"
) -> Assignment:
    """ACCOUNT (12-digit id, exact name, else name in another case, else the name as it is
    shown, escape sequences dropped) and ROLE (exact
    permission-set name, else the one name that matches ignoring case) among ``rows``.

    ``NotFound`` says why not (``where`` names the session) and names the closest matches. A
    12-digit id that is not among ``rows`` gives a bare assignment for that id (the inventory
    may be stale), which callers holding rows can tell by its key."""
    if is_account_id(account):
        matches = [a for a in rows if a.account_id == account]
        if not matches:
            return Assignment(account, account, "", role)
    else:
        matches = [a for a in rows if a.account_name == account]
        if not matches:
            matches = [a for a in rows if a.account_name.casefold() == account.casefold()]
        if not matches:  # the name as list and the picker show it (escape sequences dropped)
            matches = [a for a in rows if for_terminal(a.account_name) == account]
        if not matches:
            names = {a.account_name for a in rows}
            hint = _did_you_mean(account, names) or "."
            raise NotFound(f"no account named {account!r} in {where}{hint}")
    ids = {a.account_id for a in matches}
    if len(ids) > 1:
        raise NotFound(f"{len(ids)} accounts are named {account!r}: use the 12-digit id.")
    for row in matches:
        if row.role_name == role:
            return row
    folded = [row for row in matches if row.role_name.casefold() == role.casefold()]
    if len({row.role_name for row in folded}) == 1:
        return folded[0]
    roles = sorted({a.role_name for a in matches})
    hint = _did_you_mean(role, roles) or "."
    listed = ", ".join(roles) or "none"
    raise NotFound(f"no role {role!r} in account {account!r} (you have: {listed}){hint}")


def _did_you_mean(word: str, choices: Iterable[str], limit: int = 3) -> str:
    """``"; did you mean 'a' or 'b'?"`` with the closest of ``choices`` to ``word`` (ignoring
    case), or ``""`` when none is close."""
    by_folded: dict[str, list[str]] = {}
    for choice in sorted(set(choices)):
        by_folded.setdefault(choice.casefold(), []).append(choice)
    close = difflib.get_close_matches(word.casefold(), list(by_folded), n=limit)
    names = [name for folded in close for name in by_folded[folded]][:limit]
    if not names:
        return ""
    quoted = [repr(name) for name in names]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"; did you mean {listed}?"
