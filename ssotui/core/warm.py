"""ACCOUNT and ROLE from local files only: the inventory cache says which account a name is
and how the portal spells a role; the credential cache (:mod:`credcache`) holds credentials.

``exec``, ``env``, ``shell``, ``console`` and ``credential-process`` try this first: with a
valid cached credential they need neither the network nor boto3. Light imports only.
"""

from __future__ import annotations

from ssotui.core.errors import NotFound
from ssotui.core.models import Assignment
from ssotui.core.untrusted import for_terminal, is_account_id


def cached_target(inventory, account: str, role: str, where: str = "this session"):
    """The :class:`Assignment` for ACCOUNT and ROLE as far as ``inventory`` (or None) tells,
    without the network; None when ACCOUNT is a name it does not hold.

    ACCOUNT: a 12-digit id (named from the cache when it is there), else an exact name, else
    the name in another case, else the name as shown (escape sequences dropped); two accounts
    of that name raise :class:`NotFound`. ROLE: as the cache spells it for that account (the
    same name ignoring case, when only one matches), else as given: the portal judges it."""
    accounts = list(inventory.accounts) if inventory is not None else []
    if is_account_id(account):
        matches = [a for a in accounts if a.account_id == account]
        if not matches:
            return Assignment(account, account, "", role)
    else:
        matches = [a for a in accounts if a.account_name == account]
        if not matches:
            matches = [a for a in accounts if a.account_name.casefold() == account.casefold()]
        if not matches:
            matches = [a for a in accounts if for_terminal(a.account_name) == account]
        if not matches:
            return None
        if len({a.account_id for a in matches}) > 1:
            count = len({a.account_id for a in matches})
            raise NotFound(f"{count} accounts are named {account!r}: use the 12-digit id.")
    found = matches[0]
    return Assignment(
        found.account_id,
        found.account_name,
        found.email,
        _spelled(inventory.roles.get(found.account_id) or (), role),
    )


def _spelled(known, role: str) -> str:
    if role in known:
        return role
    folded = {name for name in known if name.casefold() == role.casefold()}
    return folded.pop() if len(folded) == 1 else role


def inventory_cache():
    """The inventory cache (its module is light as long as no portal call is made)."""
    from ssotui.core.inventory_cache import InventoryCache

    return InventoryCache()
