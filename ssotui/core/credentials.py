"""Role credentials from the portal (GetRoleCredentials), held in memory only.

Credentials are reused while at least ``min_remaining`` of their lifetime is left, so that a
shell or a console sign-in never starts with credentials about to expire. They are never
written to disk by this module.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from ssotui.core import timeutil
from ssotui.core.clients import error_code, is_aws_error, to_sso_error
from ssotui.core.errors import RoleNotAssigned, SsoError
from ssotui.core.models import RoleCredentials

_UNAUTHORIZED = {"UnauthorizedException", "401"}
_FORBIDDEN = {"ForbiddenException", "403"}


class CredentialBroker:
    """Hands out role credentials, fetching them only when none fresh enough are held.

    ``access_token(force_refresh=False) -> str`` supplies the bearer token. Thread-safe: two
    threads asking for the same role at once cause one GetRoleCredentials call.
    """

    def __init__(
        self,
        access_token: Callable[..., str],
        region: str,
        *,
        clock: Callable[[], datetime] = timeutil.utcnow,
        min_remaining: timedelta = timedelta(minutes=5),
    ) -> None:
        self._access_token = access_token
        self.region = region
        self._clock = clock
        self.min_remaining = min_remaining
        self._lock = threading.Lock()
        self._held: dict[tuple[str, str], RoleCredentials] = {}
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}

    def get(self, account_id: str, role_name: str) -> RoleCredentials:
        """Credentials with at least ``min_remaining`` left (fetched if needed).

        Raises RoleNotAssigned (403), SessionExpired (401 twice), Throttled, NetworkError.
        """
        key = (account_id, role_name)
        with self._lock:
            found = self._held.get(key)
            if found is not None and self._fresh(found):
                return found
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                found = self._held.get(key)
                if found is not None and self._fresh(found):
                    return found  # another thread fetched them while we waited
            creds = self._fetch(account_id, role_name)
            with self._lock:
                self._held[key] = creds
            return creds

    def held(self, account_id: str, role_name: str) -> RoleCredentials | None:
        """Credentials already in memory and not yet expired (no network), else None."""
        with self._lock:
            found = self._held.get((account_id, role_name))
        if found is not None and found.expiration > self._clock():
            return found
        return None

    def forget(self) -> None:
        """Drop every held credential (e.g. after logout)."""
        with self._lock:
            self._held.clear()

    # -- internals --------------------------------------------------------------------------

    def _fresh(self, creds: RoleCredentials) -> bool:
        return creds.expiration - self._clock() >= self.min_remaining

    def _fetch(self, account_id: str, role_name: str) -> RoleCredentials:
        from ssotui.core import clients

        with clients.translated("preparing the portal client"):
            client = clients.client("sso", self.region)
        doing = f"getting credentials for {role_name} in account {account_id}"
        token = self._access_token()
        refreshed = False
        while True:
            try:
                reply = client.get_role_credentials(
                    roleName=role_name, accountId=account_id, accessToken=token
                )
                break
            except SsoError:
                raise
            except Exception as exc:  # noqa: BLE001 - classified below; never escapes raw
                code = error_code(exc)
                if not is_aws_error(exc):
                    raise
                if code in _FORBIDDEN:
                    raise RoleNotAssigned(
                        f"the role {role_name} is not assigned to you in account {account_id}."
                    ) from None
                if code in _UNAUTHORIZED and not refreshed:
                    refreshed = True
                    token = self._access_token(force_refresh=True)
                    continue
                raise to_sso_error(exc, doing) from exc
        try:
            data = reply["roleCredentials"]
            return RoleCredentials(
                account_id=account_id,
                role_name=role_name,
                access_key_id=str(data["accessKeyId"]),
                secret_access_key=str(data["secretAccessKey"]),
                session_token=str(data["sessionToken"]),
                expiration=timeutil.from_epoch_ms(data["expiration"]),
            )
        except (KeyError, TypeError, ValueError, OverflowError):
            raise SsoError(
                f"the access portal sent unusable credentials for {role_name} "
                f"in account {account_id}."
            ) from None
