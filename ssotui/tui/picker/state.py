"""The picker's data while the inventory streams in: accounts, their roles, and the rows.

Pure Python (no Textual), so the streaming rules are easy to test: an account listed without
its roles yet is one placeholder row (role ``LOADING_ROLE``); a finished load replaces
everything and reports what changed against what was shown before.

Account names and e-mails come from the portal and are untrusted: they are made safe for the
terminal (:func:`ssotui.core.untrusted.for_terminal`) once, as they arrive here, so every row,
the search index, the details, the menus and the notifications see the same safe text, and
nothing has to be cleaned per paint. Role names are identifiers (credentials are asked for by
name), so they are not rewritten: the inventory keeps only valid ones.
"""

from __future__ import annotations

from ssotui.core.inventory_cache import Inventory
from ssotui.core.models import Account, Assignment
from ssotui.core.untrusted import for_terminal

LOADING_ROLE = "(loading roles…)"
"""The role of a placeholder row. Not a valid permission-set name, so it never collides."""

Key = tuple[str, str]


def is_placeholder(row: Assignment | None) -> bool:
    return row is not None and row.role_name == LOADING_ROLE


def shown_account(account: Account) -> Account:
    """``account`` with its name and e-mail safe to draw (the same object when they are)."""
    if account.account_name.isprintable() and account.email.isprintable():
        return account  # the usual case, fast: escapes and bidi controls are not printable
    name, email = for_terminal(account.account_name), for_terminal(account.email)
    if name == account.account_name and email == account.email:
        return account
    return account._replace(account_name=name, email=email)


class PickerState:
    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.roles: dict[str, tuple[str, ...]] = {}
        self.loading = False
        self.fresh: set[str] = set()
        """Accounts whose roles arrived during the current load."""
        self.accounts_listed = 0
        self.roles_listed = 0
        self.all_listed = False
        """The current (or last) load listed every account (its last ListAccounts page)."""
        self.incomplete = False
        """The last load failed part way: what is shown is only what had arrived."""
        self._baseline: set[Key] | None = None

    # -- whole inventories --------------------------------------------------------------

    def show(self, inventory: Inventory) -> None:
        self.accounts = {a.account_id: shown_account(a) for a in inventory.accounts}
        self.roles = dict(inventory.roles)

    def begin(self) -> None:
        """A load starts: remember what is shown, to report the difference at the end."""
        self.loading = True
        self.incomplete = False
        self.fresh = set()
        self.accounts_listed = self.roles_listed = 0
        self.all_listed = False
        self._baseline = self.keys() if self.accounts else None

    def finish(self, inventory: Inventory) -> tuple[int, int] | None:
        """The load finished: show exactly ``inventory``. Returns (added, removed) rows
        compared with what was shown when the load began, or None if nothing was shown."""
        self.loading = False
        self.show(inventory)
        baseline, self._baseline = self._baseline, None
        if baseline is None:
            return None
        now = self.keys()
        return len(now - baseline), len(baseline - now)

    def stop(self, failed: bool = False) -> None:
        """The load failed or was cancelled: keep what is shown (``failed``: and remember
        that it is incomplete)."""
        self.loading = False
        self.incomplete = self.incomplete or failed

    # -- streaming ----------------------------------------------------------------------

    def add_accounts(self, accounts: list[Account], total: int, last: bool = False) -> None:
        for account in accounts:
            self.accounts[account.account_id] = shown_account(account)
        self.accounts_listed = total
        self.all_listed = self.all_listed or last

    def add_roles(self, account: Account, roles: tuple[str, ...], done: int) -> None:
        self.accounts[account.account_id] = shown_account(account)
        self.roles[account.account_id] = tuple(roles)
        self.fresh.add(account.account_id)
        self.roles_listed = done

    @property
    def revalidating(self) -> bool:
        """Loading while rows (from the cache or an earlier load) are on screen."""
        return self.loading and self._baseline is not None

    def needs_roles(self, account_id: str) -> bool:
        """During a load: this account's roles have not arrived yet."""
        return self.loading and account_id not in self.fresh

    # -- rows ---------------------------------------------------------------------------

    def has_placeholders(self) -> bool:
        """Some listed account's roles have not arrived: ``rows()`` shows a placeholder."""
        return self.loading and any(a not in self.roles for a in self.accounts)

    def rows(self) -> list[Assignment]:
        """One row per account and role; one placeholder row per account without roles yet
        (only while loading: an account with no roles at all has no row)."""
        rows: list[Assignment] = []
        for account in self.accounts.values():
            roles = self.roles.get(account.account_id)
            if roles is None:
                if self.loading:
                    rows.append(
                        Assignment(
                            account.account_id, account.account_name, account.email, LOADING_ROLE
                        )
                    )
                continue
            for role in roles:
                rows.append(
                    Assignment(account.account_id, account.account_name, account.email, role)
                )
        return rows

    def keys(self) -> set[Key]:
        return {
            (account_id, role)
            for account_id in self.accounts
            for role in self.roles.get(account_id, ())
        }

    @property
    def row_count(self) -> int:
        return sum(len(self.roles.get(a, ())) for a in self.accounts)
