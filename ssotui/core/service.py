"""One IAM Identity Center session, as the CLI and the TUI use it.

``SsoClient`` wires together the token cache and login (``auth``), the inventory and its
cache (``inventory``), role credentials (``credentials``) and console URLs (``console``).
Everything here is blocking: the TUI calls it from thread workers.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence

from ssotui.core import console
from ssotui.core.auth import Authenticator
from ssotui.core.credentials import CredentialBroker
from ssotui.core.errors import NotFound
from ssotui.core.inventory import Inventory, InventoryCache, InventoryEvent, InventoryLoader
from ssotui.core.models import Assignment, RoleCredentials, SsoSession
from ssotui.core.untrusted import for_terminal, is_account_id

DEFAULT_RATE_LIMIT = 20.0


class SsoClient:
    def __init__(self, session: SsoSession, *, rate_limit: float = DEFAULT_RATE_LIMIT) -> None:
        self.session = session
        self.rate_limit = rate_limit
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
            self.auth.access_token, self.session.region, rate_limit=self.rate_limit
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
