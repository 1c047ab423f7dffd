"""Labels for accounts (an alias, tags, a colour) and the production safety rail.

From the settings:

- ``[[account_labels]]``: ``match`` (a 12-digit id, or a glob on the account name such as
  ``"payments-*"``), and any of ``alias``, ``tags`` (``["team:payments", "pci"]``) and
  ``color``. Every matching entry adds its tags; the first alias and colour win.
- ``label_inference`` (default true): an ``env:prod``, ``env:staging`` or ``env:dev`` tag
  inferred from the words of the account name (``payments-prod``, ``Production Data``,
  ``ml-stg``).
- ``[[protected]]``: ``account`` (an id, a name glob, or a tag such as ``"env:prod"``) and
  ``role`` (a glob on the role name, default ``"*"``). A row matching any rule is protected:
  opening a console, shell, exec or env for it needs a deliberate confirmation
  (``--yes-i-mean-prod`` or typing the account name at a prompt), and its shells carry
  ``SSOTUI_PROTECTED=1``. ``credential-process`` never asks (an SDK cannot answer).

Names come from the portal: matching is on the text as sent (case-insensitive), and what is
exported to a shell goes through :func:`untrusted.marker`.
"""

from __future__ import annotations

import re
from collections import namedtuple
from fnmatch import fnmatchcase

from ssotui.core.errors import ConfigError
from ssotui.core.models import Assignment
from ssotui.core.untrusted import is_account_id

_ENVIRONMENTS = {
    "prod": "prod",
    "production": "prod",
    "prd": "prod",
    "live": "prod",
    "staging": "staging",
    "stage": "staging",
    "stg": "staging",
    "preprod": "staging",
    "dev": "dev",
    "development": "dev",
    "develop": "dev",
}
_WORDS = re.compile(r"[A-Za-z]+")
_TAG = re.compile(r"[A-Za-z0-9._:/+=@-]{1,64}")
COLORS = ("red", "orange", "yellow", "green", "cyan", "blue", "magenta", "purple", "grey")

Label = namedtuple("Label", "alias tags color", defaults=(None, (), None))
LabelRule = namedtuple("LabelRule", "match alias tags color")
ProtectRule = namedtuple("ProtectRule", "account role")


def infer_environment(account_name: str) -> str | None:
    """``prod``, ``staging`` or ``dev`` when a word of the name says so (the last one wins:
    ``dev-tools-prod`` is prod), else None."""
    found = None
    for word in _WORDS.findall(account_name):
        found = _ENVIRONMENTS.get(word.lower(), found)
    return found


def _matches_account(pattern: str, assignment: Assignment, tags: tuple[str, ...] = ()) -> bool:
    if is_account_id(pattern):
        return assignment.account_id == pattern
    if ":" in pattern and pattern.lower() in (tag.lower() for tag in tags):
        return True
    return fnmatchcase(assignment.account_name.casefold(), pattern.casefold())


def label_of(assignment: Assignment, rules, infer: bool = True) -> Label:
    """The alias, tags and colour of ``assignment``'s account under ``rules``."""
    alias = color = None
    tags: list[str] = []
    if infer:
        environment = infer_environment(assignment.account_name)
        if environment is not None:
            tags.append(f"env:{environment}")
    for rule in rules:
        if _matches_account(rule.match, assignment):
            alias = alias or rule.alias
            color = color or rule.color
            tags += [tag for tag in rule.tags if tag not in tags]
    return Label(alias, tuple(tags), color)


def is_protected(assignment: Assignment, label: Label, rules) -> bool:
    """Whether any ``[[protected]]`` rule covers this account and role."""
    for rule in rules:
        if _matches_account(rule.account, assignment, label.tags) and fnmatchcase(
            assignment.role_name.casefold(), rule.role.casefold()
        ):
            return True
    return False


def judge(row: Assignment, settings, *, chain=None, inventory=None, name=None):
    """(label, protected) of ``row`` under ``settings``, for the CLI and the picker alike.

    The rules judge the account the role is in: for a chained role (``chain``) the account of
    its ARN, by the name ``inventory`` lists for it; an account known only by its id is named
    with ``name(row) -> Assignment`` (ListAccounts; may raise SsoError) when a protect rule
    goes by name or tag, and counts as protected when it cannot be named."""
    from ssotui.core.errors import SsoError

    if chain is not None:
        known = inventory.account(chain.account_id) if inventory is not None else None
        account_name = known.account_name if known is not None else chain.account_id
        row = Assignment(chain.account_id, account_name, "", chain.role_name)
    by_name = any(not is_account_id(rule.account) for rule in settings.protected)
    unnamed = False
    if chain is None and row.account_name == row.account_id and by_name:
        try:
            row = name(row) if name is not None else row
        except SsoError:
            unnamed = True
        unnamed = unnamed or row.account_name == row.account_id and name is None
    label = label_of(row, settings.account_labels, settings.label_inference)
    protected = (unnamed and by_name) or is_protected(row, label, settings.protected)
    return row, label, protected


LABEL_KEYS = frozenset({"match", "alias", "tags", "color"})
PROTECT_KEYS = frozenset({"account", "role"})


def check_label_rule(item: dict, at: str) -> LabelRule:
    """One ``[[account_labels]]`` table (its keys already checked against LABEL_KEYS)."""
    match = item.get("match")
    if not isinstance(match, str) or not match.strip():
        raise ConfigError(f'{at}: match must be an account id or a name glob ("prod-*").')
    alias = item.get("alias")
    if alias is not None and (not isinstance(alias, str) or not alias.strip()):
        raise ConfigError(f"{at}: alias must be a non-empty string.")
    tags = item.get("tags", [])
    if not isinstance(tags, list) or not all(
        isinstance(t, str) and _TAG.fullmatch(t) for t in tags
    ):
        raise ConfigError(f"{at}: tags must be a list of short words (letters, digits, ._:/+=@-).")
    color = item.get("color")
    if color is not None and color not in COLORS:
        raise ConfigError(f"{at}: color must be one of {', '.join(COLORS)}.")
    return LabelRule(match.strip(), alias and alias.strip(), tuple(tags), color)


def check_protect_rule(item: dict, at: str) -> ProtectRule:
    """One ``[[protected]]`` table (its keys already checked against PROTECT_KEYS)."""
    account, role = item.get("account"), item.get("role", "*")
    if not isinstance(account, str) or not account.strip():
        raise ConfigError(
            f'{at}: account must be an account id, a name glob or a tag ("env:prod").'
        )
    if not isinstance(role, str) or not role.strip():
        raise ConfigError(f'{at}: role must be a role name glob ("*Admin*").')
    return ProtectRule(account.strip(), role.strip())
