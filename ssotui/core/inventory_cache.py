"""The inventory as data, and its cache on disk: light enough for the warm path.

:class:`Inventory` is what a load from the access portal (:mod:`inventory`) produces: accounts
and their role names, with the rows left out because the portal sent an invalid account id or
role name described in ``skipped``. The row checks at the boundary (:func:`valid_account`,
:func:`valid_role`) live here, as the cache applies them again to what it reads.

:class:`InventoryCache` keeps the last inventory of each session on disk (no tokens, no
credentials) so that the TUI paints at once and ``exec``/``env``/``credential-process`` find an
account by name without the network. Importing this module imports neither the loader, nor
logging, nor dataclasses: ``ssotui env`` with cached credentials pays only for what it reads.
"""

from __future__ import annotations

import hashlib
import json
import re
from _thread import allocate_lock  # = threading.Lock, without importing threading (~1 ms)
from datetime import datetime
from pathlib import Path

from ssotui.core import paths, timeutil, untrusted
from ssotui.core.models import Account, Assignment, SsoSession

MAX_SKIPPED = 50  # skipped rows described one by one; a last line counts the rest


class Inventory:
    """Accounts in the order the portal listed them, and the role names of each account.

    An account is absent from ``roles`` until its roles have been loaded. ``complete`` is False
    when loading stopped early (error or cancel): what arrived is kept. ``skipped`` describes
    the rows left out because their account id or role name is not valid, each safe to print
    (at most ``MAX_SKIPPED`` lines, the last one counting any more).
    """

    __slots__ = ("accounts", "roles", "fetched_at", "complete", "skipped")

    def __init__(
        self,
        accounts: list[Account],
        roles: dict[str, tuple[str, ...]],
        fetched_at: datetime,
        complete: bool,
        skipped: tuple[str, ...] = (),
    ) -> None:
        self.accounts = accounts
        self.roles = roles
        self.fetched_at = fetched_at
        self.complete = complete
        self.skipped = skipped

    def _fields(self) -> tuple:
        return (self.accounts, self.roles, self.fetched_at, self.complete, self.skipped)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Inventory):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it was

    def __repr__(self) -> str:
        return (
            f"Inventory({len(self.accounts)} accounts, {len(self.roles)} with roles, "
            f"fetched_at={self.fetched_at!r}, complete={self.complete!r}, "
            f"skipped={len(self.skipped)})"
        )

    @property
    def skipped_count(self) -> int:
        """How many rows were left out (``skipped``'s last line may count several)."""
        if not self.skipped:
            return 0
        more = _MORE.fullmatch(self.skipped[-1])
        if more is None:
            return len(self.skipped)
        return len(self.skipped) - 1 + int(more.group(1))

    def assignments(self) -> list[Assignment]:
        """One row per account × role, by account name (case-insensitive), then role name."""
        rows: list[Assignment] = []
        ordered = sorted(self.accounts, key=lambda a: (a.account_name.casefold(), a.account_id))
        for account in ordered:
            for role in sorted(self.roles.get(account.account_id, ()), key=_fold):
                rows.append(
                    Assignment(account.account_id, account.account_name, account.email, role)
                )
        return rows

    def account(self, account_id: str) -> Account | None:
        for account in self.accounts:
            if account.account_id == account_id:
                return account
        return None


_MORE = re.compile(r"([0-9]+) more rows?")


def _fold(text: str) -> tuple[str, str]:
    return (text.casefold(), text)


# -- validation at the boundary ---------------------------------------------------------------


class Skipped:
    """Descriptions of skipped rows (thread-safe; each once), at most ``MAX_SKIPPED`` kept."""

    def __init__(self, already: tuple[str, ...] = ()) -> None:
        self._lines = list(dict.fromkeys(already))
        self._seen = set(self._lines)
        self._more = 0
        self._lock = allocate_lock()

    def add(self, line: str) -> None:
        with self._lock:
            if line in self._seen:
                return  # the same row again (a page sent twice)
            self._seen.add(line)
            if len(self._lines) < MAX_SKIPPED - 1:
                self._lines.append(line)
            else:
                self._more += 1

    def lines(self) -> tuple[str, ...]:
        with self._lock:
            more = self._more
            if more == 1:
                return (*self._lines, "1 more row")
            if more:
                return (*self._lines, f"{more} more rows")
            return tuple(self._lines)


def _shown(value: object) -> str:
    """A rejected value, quoted and safe to print (at most 40 characters of it)."""
    if not isinstance(value, str):
        return f"of type {type(value).__name__}"
    text = untrusted.for_terminal(value)
    return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"


def valid_account(account_id: object, name: object, email: object, skipped: Skipped):
    """An :class:`Account`, or None (and a line in ``skipped``) when the id is not valid."""
    if not untrusted.is_account_id(account_id):
        skipped.add(f"account id {_shown(account_id)} is not 12 digits")
        return None
    return Account(
        account_id,
        untrusted.clean_text(name) if name else account_id,
        untrusted.clean_text(email) if email else "",
    )


def valid_role(account_id: str, name: object, skipped: Skipped) -> bool:
    if untrusted.is_role_name(name):
        return True
    skipped.add(f"role name {_shown(name)} of account {account_id} is not valid")
    return False


# -- the cache on disk -------------------------------------------------------------------------

FORMAT_VERSION = 1


class InventoryCache:
    """The last inventory per session, as JSON in ``<cache dir>/inventory/``.

    It holds account ids, names, e-mails and role names — no token, no credentials. Reading
    never raises: anything missing, corrupt, of another format version, or for another start
    URL or region reads as None.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory

    @property
    def directory(self) -> Path:
        return self._directory if self._directory is not None else paths.cache_dir() / "inventory"

    def path_for(self, session: SsoSession) -> Path:
        key = hashlib.sha1(f"{session.cache_key}\n{session.start_url}".encode()).hexdigest()
        return self.directory / f"{key}.json"

    def load(self, session: SsoSession) -> Inventory | None:
        """The saved inventory, or None. Only from a private directory of ours and a regular
        file of ours (not a symlink): a list planted by someone else could rename accounts."""
        if not paths.is_private_dir(self.directory):
            return None
        raw = paths.read_own_file(self.path_for(session))
        if raw is None:
            return None
        try:
            return _decode(json.loads(raw), session)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def save(self, session: SsoSession, inventory: Inventory) -> None:
        """Write atomically (temp file, fsync, rename), 0600 in a 0700 directory.

        Best effort: a cache that cannot be written is logged, not raised, so that a freshly
        loaded inventory is never lost because of the disk."""
        from ssotui.core.files import atomic_write_text

        data = _encode(session, inventory)
        try:
            paths.private_dir(self.directory)
            target = self.path_for(session)
            # ASCII: every control character and non-ASCII letter escaped, so that `cat` of the
            # file shows no portal-sent escape sequence, and no name can fail to encode.
            atomic_write_text(target, json.dumps(data, indent=1) + "\n", mode=0o600)
        except (OSError, ValueError) as exc:
            import logging  # only on failure: loading a cached list stays light

            logging.getLogger("ssotui.core.inventory").warning(
                "could not write the inventory cache in %s: %s", self.directory, exc
            )

    def clear(self, session: SsoSession) -> None:
        try:
            self.path_for(session).unlink()
        except OSError:
            pass


def _encode(session: SsoSession, inventory: Inventory) -> dict:
    accounts = []
    for account in inventory.accounts:
        roles = inventory.roles.get(account.account_id)
        accounts.append(
            {
                "accountId": account.account_id,
                "accountName": account.account_name,
                "emailAddress": account.email,
                "roles": list(roles) if roles is not None else None,
            }
        )
    return {
        "version": FORMAT_VERSION,
        "startUrl": session.start_url,
        "region": session.region,
        "fetchedAt": timeutil.format_utc(inventory.fetched_at),
        "complete": bool(inventory.complete),
        "accounts": accounts,
        "skipped": list(inventory.skipped),
    }


def _decode(data: dict, session: SsoSession) -> Inventory | None:
    """The inventory in ``data``, None when it is not one of ours. Rows that fail the
    boundary's checks (a cache written by an older version may hold them) are skipped."""
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        return None
    if data.get("startUrl") != session.start_url or data.get("region") != session.region:
        return None
    complete = data["complete"]
    if not isinstance(complete, bool) or not isinstance(data["accounts"], list):
        return None
    fetched_at = timeutil.parse_utc(data["fetchedAt"])
    noted = data.get("skipped") or []
    if not isinstance(noted, list) or not all(isinstance(line, str) for line in noted):
        return None
    skipped = Skipped(tuple(untrusted.for_terminal(line) for line in noted[:MAX_SKIPPED]))
    accounts: list[Account] = []
    roles: dict[str, tuple[str, ...]] = {}
    for item in data["accounts"]:
        account_id, name, email = item["accountId"], item["accountName"], item["emailAddress"]
        if not all(isinstance(v, str) for v in (account_id, name, email)):
            return None
        names = item.get("roles")
        if names is not None and (
            not isinstance(names, list) or not all(isinstance(n, str) for n in names)
        ):
            return None
        account = valid_account(account_id, name, email, skipped)
        if account is None:
            continue
        accounts.append(account)
        if names is not None:
            roles[account_id] = tuple(n for n in names if valid_role(account_id, n, skipped))
    return Inventory(accounts, roles, fetched_at, complete, skipped.lines())
