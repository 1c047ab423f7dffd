"""Every configured IAM Identity Center session at once (``ssotui list --all-sessions``).

Each session loads on its own thread with its own client, token and adaptive rate (the portal's
quotas are per instance), so that one slow or throttled organization does not hold up the
others; a session that is not logged in, or whose load fails, is reported on its own and never
hides the rows of the others.
"""

from __future__ import annotations

from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor

from ssotui.core.errors import SsoError

SessionRows = namedtuple("SessionRows", "session inventory error")
"""One session's result: its inventory (None when nothing arrived; incomplete when the load
ended early) and the error that stopped it (None when all is there)."""


def load_all(sessions, settings, *, refresh: bool = False) -> list[SessionRows]:
    """The inventory of each session in ``sessions`` (in that order), loaded in parallel: the
    cached one unless ``refresh`` or it is incomplete."""
    if not sessions:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(sessions))) as pool:
        futures = [pool.submit(_one, session, settings, refresh) for session in sessions]
        return [future.result() for future in futures]


def _one(session, settings, refresh: bool) -> SessionRows:
    from ssotui.core.service import SsoClient

    sso = SsoClient(session, rate_limit=settings.rate_limit, load_deadline=settings.load_deadline)
    try:
        cached = None if refresh else sso.cached_inventory()
        if cached is not None and cached.complete:
            return SessionRows(session, cached, None)
        loader = sso.loader()
        try:
            return SessionRows(session, sso.refresh_inventory(loader=loader), None)
        except SsoError as exc:
            incomplete = loader.ended_early(exc)
            if incomplete is None:
                return SessionRows(session, None, exc)
            return SessionRows(session, incomplete.inventory, incomplete)
    except SsoError as exc:  # not logged in, the session ended, a bad config
        return SessionRows(session, None, exc)
