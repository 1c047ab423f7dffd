"""Plain, immutable data the rest of the app passes around."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

DEFAULT_SCOPES: tuple[str, ...] = ("sso:account:access",)


@dataclass(frozen=True)
class SsoSession:
    """One IAM Identity Center instance as configured by the user.

    ``name`` is the ``[sso-session NAME]`` section name, or None for a legacy profile or
    ``--start-url``: the token cache file is keyed by the name when there is one, else by the
    exact start URL (as the AWS CLI does).
    """

    name: str | None
    start_url: str
    region: str
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    # Scopes exactly as configured (None when the config has no sso_registration_scopes):
    # this is what the AWS CLI puts into its registration cache key.
    configured_scopes: tuple[str, ...] | None = None

    @property
    def cache_key(self) -> str:
        return self.name if self.name is not None else self.start_url

    @property
    def label(self) -> str:
        return self.name if self.name is not None else self.start_url


@dataclass(frozen=True)
class Account:
    account_id: str
    account_name: str
    email: str = ""


@dataclass(frozen=True)
class Assignment:
    """One row of the picker: an account and one permission set the user holds in it."""

    account_id: str
    account_name: str
    email: str
    role_name: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.account_id, self.role_name)


@dataclass(frozen=True)
class Token:
    """The SSO access token as stored in ``~/.aws/sso/cache/<sha1>.json``.

    ``extra`` keeps keys written by other tools so that we never write back less than we read.
    """

    start_url: str
    region: str
    access_token: str = field(repr=False)
    expires_at: datetime
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    registration_expires_at: datetime | None = None
    refresh_token: str | None = field(default=None, repr=False)
    extra: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Registration:
    """An OIDC client registration (the AWS CLI caches these beside the tokens)."""

    client_id: str
    client_secret: str = field(repr=False)
    expires_at: datetime
    scopes: tuple[str, ...] | None = None
    grant_types: tuple[str, ...] | None = None


@dataclass
class DeviceAuthorization:
    """A pending device-code login. ``interval`` grows by 5 s on each SlowDown."""

    user_code: str
    verification_uri: str
    verification_uri_complete: str
    device_code: str = field(repr=False)
    expires_at: datetime
    interval: float
    registration: Registration = field(repr=False)


@dataclass(frozen=True)
class RoleCredentials:
    account_id: str
    role_name: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime
