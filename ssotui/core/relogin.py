"""A portal call that survives the end of the session: log in once, shared between processes.

Many ``credential_process`` runs can start at the same moment (a tool reading several
profiles). If the session has ended, the first of them takes the token lock and runs the
device flow; the others wait on the lock, find the token it saved, and use it instead of
opening more browser tabs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ssotui.core.auth import Authenticator
from ssotui.core.errors import LoginRequired
from ssotui.core.tokens import Token

T = TypeVar("T")


def _saved_token(auth: Authenticator) -> Token | None:
    try:
        return auth.cache.load_token()
    except LoginRequired:
        return None


def call_with_login(
    auth: Authenticator,
    call: Callable[[], T],
    log_in: Callable[[], None],
    *,
    can_log_in: bool,
) -> T:
    """``call()``; if it raises LoginRequired, log in once with ``log_in()`` and call again.

    ``can_log_in`` False (nobody could see the login instructions, e.g. no browser and the
    SDK swallows our stderr): LoginRequired is raised as it is. Under the token lock, a token
    that another process saved since this one started is tried before logging in again.
    """
    before = _saved_token(auth)
    try:
        return call()
    except LoginRequired:
        if not can_log_in:
            raise
    with auth.cache.lock():
        latest = _saved_token(auth)
        if latest is not None and (before is None or latest.access_token != before.access_token):
            try:
                return call()  # another process logged in meanwhile
            except LoginRequired:
                pass
        log_in()
        return call()
