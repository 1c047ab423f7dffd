"""The small exception types the core raises. Each carries one user-facing sentence."""

from __future__ import annotations


class SsoError(Exception):
    """Base class. ``str(err)`` is a complete sentence a user can act on, never a secret."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(SsoError):
    """The AWS config or the settings file is missing, malformed or inconsistent."""

    exit_code = 2


class LoginRequired(SsoError):
    """There is no usable token for the session: the user has to log in."""


class SessionExpired(LoginRequired):
    """The token expired and could not be refreshed."""


class LoginDenied(SsoError):
    """The user (or an admin policy) denied the device authorization."""


class LoginTimedOut(SsoError):
    """The device code expired before the user approved it."""


class RoleNotAssigned(SsoError):
    """GetRoleCredentials answered 403: the role is not assigned to the user in that account."""


class NotFound(SsoError):
    """An account or role named by the user is not in the inventory."""


class Throttled(SsoError):
    """AWS kept answering TooManyRequests and we gave up after bounded retries."""


class NetworkError(SsoError):
    """The endpoint could not be reached, or kept failing with server errors."""


class ConsoleError(SsoError):
    """The console federation endpoint refused to issue a sign-in token."""


class BadAnswer(SsoError):
    """The portal or sso-oidc answered with JSON of the wrong shape, or too much of it."""


class UnsafeDirectory(SsoError, PermissionError):
    """A directory ssotui would keep secrets in is not private to the user (a symlink, another
    user's, or writable by others). It is also a ``PermissionError``, so code that treats a cache
    it cannot write as best effort (the inventory) goes on without it."""
