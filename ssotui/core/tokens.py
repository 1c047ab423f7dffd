"""The login's data: the SSO access token, the OIDC client registration and a pending device
authorization. Only logins and the token cache use these; the warm path (:mod:`models`) does not
import this module."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


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
