"""Plain, immutable data the rest of the app passes around: sessions, accounts, assignments
and role credentials.

These are named tuples rather than dataclasses: the warm path (``ssotui env`` with cached
credentials) builds them, and importing :mod:`dataclasses` alone costs more than a third of
what that command may take (issue 12, B9). They compare, hash and ``_replace`` like frozen
dataclasses; the reprs leave secrets out. The login's data is in :mod:`tokens`.
"""

from __future__ import annotations

from collections import namedtuple

DEFAULT_SCOPES: tuple[str, ...] = ("sso:account:access",)


class SsoSession(
    namedtuple(
        "SsoSession",
        "name start_url region scopes configured_scopes",
        defaults=(DEFAULT_SCOPES, None),
    )
):
    """One IAM Identity Center instance as configured by the user.

    ``name`` is the ``[sso-session NAME]`` section name, or None for a legacy profile or
    ``--start-url``: the token cache file is keyed by the name when there is one, else by the
    exact start URL (as the AWS CLI does). ``configured_scopes`` are the scopes exactly as
    configured (None without ``sso_registration_scopes``): the AWS CLI's registration cache
    key is made of them.
    """

    __slots__ = ()

    @property
    def cache_key(self) -> str:
        return self.name if self.name is not None else self.start_url

    @property
    def label(self) -> str:
        return self.name if self.name is not None else self.start_url


class Account(namedtuple("Account", "account_id account_name email", defaults=("",))):
    __slots__ = ()


class Assignment(namedtuple("Assignment", "account_id account_name email role_name")):
    """One row of the picker: an account and one permission set the user holds in it."""

    __slots__ = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.account_id, self.role_name)


class RoleCredentials(
    namedtuple(
        "RoleCredentials",
        "account_id role_name access_key_id secret_access_key session_token expiration",
    )
):
    __slots__ = ()

    def __repr__(self) -> str:  # the secret key and the session token stay out
        return (
            f"RoleCredentials(account_id={self.account_id!r}, role_name={self.role_name!r}, "
            f"access_key_id={self.access_key_id!r}, expiration={self.expiration!r})"
        )
