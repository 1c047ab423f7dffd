"""Role credentials from the portal (GetRoleCredentials), held in memory only.

Credentials are reused while at least ``min_remaining`` of their lifetime is left, so that a
shell or a console sign-in never starts with credentials about to expire. They are never
written to disk by this module.

Nothing is asked for an account id that is not 12 digits or a role name that is not a valid
IAM name, and the answer's keys must be printable ASCII without spaces, quotes, backslashes or
backticks (they end up in environments and shell exports), else one clear error. The call is
bounded like every portal call (:mod:`portal_http`: 30 s, 8 MiB).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from ssotui.core import timeutil, untrusted
from ssotui.core.clients import MALFORMED, bad_answer, error_code, is_aws_error, to_sso_error
from ssotui.core.errors import RoleNotAssigned, SsoError
from ssotui.core.models import RoleCredentials

_UNAUTHORIZED = {"UnauthorizedException", "401"}
_FORBIDDEN = {"ForbiddenException", "403"}
# A key, a secret or a session token: printable ASCII except space, quotes, \ and `.
_SECRET = re.compile(r"[!#-&(-\[\]-_a-~]{1,65536}")


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

        if not untrusted.is_account_id(account_id):
            raise SsoError(
                f"'{untrusted.for_terminal(account_id)}' is not an account id (12 digits)."
            )
        if not untrusted.is_role_name(role_name):
            raise SsoError(
                f"'{untrusted.for_terminal(role_name)}' is not a valid role name "
                "(1-64 letters, digits and _+=,.@-)."
            )

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
                    if isinstance(exc, MALFORMED):  # botocore's parser, on JSON of a wrong shape
                        raise bad_answer("GetRoleCredentials") from exc
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
        return _role_credentials(reply, account_id, role_name)


def _role_credentials(reply: object, account_id: str, role_name: str) -> RoleCredentials:
    """The credentials in a GetRoleCredentials answer, every field checked (else BadAnswer)."""
    data = reply.get("roleCredentials") if isinstance(reply, dict) else None
    if not isinstance(data, dict):
        raise bad_answer("GetRoleCredentials", "roleCredentials is not an object")
    keys = {}
    for field in ("accessKeyId", "secretAccessKey", "sessionToken"):
        value = data.get(field)
        if not isinstance(value, str) or not _SECRET.fullmatch(value):
            raise bad_answer("GetRoleCredentials", f"{field} is missing or not a plain string")
        keys[field] = value
    expiration = data.get("expiration")
    try:
        if isinstance(expiration, bool) or not isinstance(expiration, int) or expiration <= 0:
            raise ValueError
        expires = timeutil.from_epoch_ms(expiration)
    except (ValueError, OverflowError, OSError):
        raise bad_answer("GetRoleCredentials", "expiration is not a time") from None
    return RoleCredentials(
        account_id=account_id,
        role_name=role_name,
        access_key_id=keys["accessKeyId"],
        secret_access_key=keys["secretAccessKey"],
        session_token=keys["sessionToken"],
        expiration=expires,
    )
