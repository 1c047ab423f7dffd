"""What ``ssotui status`` reports about one session, honestly.

With ``sso:account:access`` the access token lasts about an hour and is refreshed until the IAM
Identity Center session ends; the token cache does not record that end. So the status gives the
access token's own time and whether it can refresh itself (a refresh token, a client, and a
registration that has not expired), never the hour as "the session's time left".

:func:`session_status` reads only local files unless ``check=True``; then it makes one cheap
call (ListAccounts with one row, or the refresh when the token needs one) to see whether the
portal still takes the token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ssotui.core import clients, timeutil
from ssotui.core.auth import FRESH_FOR, Authenticator
from ssotui.core.errors import LoginRequired, NetworkError, SsoError, Throttled
from ssotui.core.models import SsoSession
from ssotui.core.tokens import Token

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenTimes:
    """``seconds_left``: the access token's (0 once expired). ``can_refresh``: whether it can
    be renewed without a browser."""

    seconds_left: int
    can_refresh: bool


def token_times(token: Token, now: datetime) -> TokenTimes:
    left = max(0, int((token.expires_at - now).total_seconds()))
    registration_ok = token.registration_expires_at is None or token.registration_expires_at > now
    refreshable = bool(token.refresh_token and token.client_id and token.client_secret)
    return TokenTimes(left, refreshable and registration_ok)


@dataclass(frozen=True)
class Status:
    """One session's state. ``usable``: ssotui can work without a browser (a valid access
    token, or one it can refresh; with ``checked``, what the portal said). ``problem``: one
    line saying what is wrong or could not be checked, else None."""

    session: str
    start_url: str
    region: str
    logged_in: bool
    expires_at: datetime | None
    seconds_left: int | None
    can_refresh: bool
    registration_expires_at: datetime | None
    inventory_age: float | None
    usable: bool
    checked: bool = False
    problem: str | None = None

    def to_json(self) -> dict:
        """For ``status --json``: plain JSON types, times as ``…Z``."""

        def when(value: datetime | None) -> str | None:
            return timeutil.format_utc(value) if value is not None else None

        return {
            "session": self.session,
            "startUrl": self.start_url,
            "region": self.region,
            "loggedIn": self.logged_in,
            "expiresAt": when(self.expires_at),
            "accessTokenSecondsLeft": self.seconds_left,
            "canRefresh": self.can_refresh,
            "registrationExpiresAt": when(self.registration_expires_at),
            "inventoryAgeSeconds": (
                round(self.inventory_age) if self.inventory_age is not None else None
            ),
            "usable": self.usable,
            "checked": self.checked,
            "problem": self.problem,
        }

    def lines(self) -> list[str]:
        """The human summary, one fact a line (the CLI prints these)."""
        out = [f"session: {self.session} ({self.start_url}, {self.region})"]
        if not self.logged_in:
            out.append("not logged in")
        else:
            left = _duration(self.seconds_left or 0)
            token = f"access token: {left} left" if self.seconds_left else "access token: expired"
            if self.can_refresh:
                token += (
                    "; it refreshes itself until the IAM Identity Center session ends "
                    "(that end is not recorded locally)"
                )
            else:
                token += "; it cannot refresh itself (log in again when it ends)"
            out.append(token)
        if self.inventory_age is not None:
            out.append(f"account list: cached {_duration(self.inventory_age)} ago")
        else:
            out.append("account list: not cached")
        verdict = "usable without a browser" if self.usable else "needs `ssotui login`"
        out.append(verdict + (" (checked with the portal)" if self.checked else ""))
        if self.problem:
            out.append(self.problem)
        return out


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return f"{seconds // 86400} days"


def session_status(
    session: SsoSession,
    *,
    auth: Authenticator | None = None,
    inventory_cache=None,
    check: bool = False,
    clock: Callable[[], datetime] = timeutil.utcnow,
) -> Status:
    """The status of ``session``. No network unless ``check`` (then one call, two when the
    portal refused a token that can refresh). Never raises for a missing or unreadable token:
    that is ``logged_in=False`` with the reason in ``problem``."""
    auth = auth if auth is not None else Authenticator(session, clock=clock)
    problem = None
    try:
        token = auth.cached_token()
    except LoginRequired as exc:
        token, problem = None, str(exc)
    now = clock()
    age = _inventory_age(session, inventory_cache, now)
    if token is None:
        return Status(
            session.label, session.start_url, session.region, False, None, None, False, None,
            age, False, False, problem,
        )  # fmt: skip
    times = token_times(token, now)
    usable = times.seconds_left > 0 or times.can_refresh
    checked = False
    if check:
        token, usable, checked, problem = _check(auth, token, times, now)
        times = token_times(token, clock())
    return Status(
        session=session.label,
        start_url=session.start_url,
        region=session.region,
        logged_in=True,
        expires_at=token.expires_at,
        seconds_left=times.seconds_left,
        can_refresh=times.can_refresh,
        registration_expires_at=token.registration_expires_at,
        inventory_age=age,
        usable=usable,
        checked=checked,
        problem=problem,
    )


def _check(
    auth: Authenticator, token: Token, times: TokenTimes, now: datetime
) -> tuple[Token, bool, bool, str | None]:
    """(token, usable, checked, problem) after asking the portal."""
    offline = times.seconds_left > 0 or times.can_refresh
    try:
        if token.expires_at - now >= FRESH_FOR:
            try:
                _one_account(token, auth.session.region)
                return token, True, True, None
            except LoginRequired:
                if not times.can_refresh:
                    raise
                token = auth.token(force_refresh=True)
                return token, True, True, None
        token = auth.token()
        if token.expires_at <= now:
            raise LoginRequired("the token has expired and cannot refresh itself.")
        return token, True, True, None
    except (NetworkError, Throttled) as exc:
        return token, offline, False, f"could not check with the portal: {exc}"
    except LoginRequired:
        return token, False, True, "the portal no longer accepts this session — run `ssotui login`."
    except SsoError as exc:
        return token, offline, False, f"could not check with the portal: {exc}"


def _one_account(token: Token, region: str) -> None:
    """ListAccounts with one row: the cheapest call that needs a live session."""
    portal = clients.client("sso", region, max_attempts=1)
    with clients.translated("checking the session"):
        portal.list_accounts(accessToken=token.access_token, maxResults=1)


def _inventory_age(session: SsoSession, cache, now: datetime) -> float | None:
    from ssotui.core.inventory_cache import InventoryCache

    cache = cache if cache is not None else InventoryCache()
    try:
        inventory = cache.load(session)
    except Exception as exc:  # noqa: BLE001 - the cache is best effort; status must not fail
        log.debug("inventory cache unreadable: %s", exc)
        return None
    if inventory is None:
        return None
    return max(0.0, (now - inventory.fetched_at).total_seconds())
