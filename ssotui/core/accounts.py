"""The user's accounts alone (ListAccounts, no ListAccountRoles), to turn a name into an id.

``credential-process``, ``exec``, ``env``, ``console`` and ``shell`` name one account: they
need its id, not every role of every account. On a cold cache, the first of several processes
lists the accounts under a lock and saves them as an accounts-only inventory (``complete`` is
False, so the picker and ``list`` still load the rest); the others wait, then read that cache.
A complete cache is never replaced by an accounts-only one.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from ssotui.core import untrusted
from ssotui.core.errors import BadAnswer, SsoError
from ssotui.core.models import Account

MAX_RESULTS = 100
MAX_PAGES = 1000
THROTTLE_DEADLINE = 120.0  # seconds a throttled listing keeps trying
FAULT_ATTEMPTS = 4


def list_accounts(
    access_token: Callable[..., str], region: str, *, sleep=time.sleep
) -> list[Account]:
    """Every account the user can use (invalid ids are left out), one ListAccounts page after
    another. A throttled page is retried with backoff for up to ``THROTTLE_DEADLINE`` seconds,
    a failing one ``FAULT_ATTEMPTS`` times; a 401 refreshes the token once."""
    from ssotui.core import clients

    with clients.translated("preparing the portal client"):
        client = clients.client("sso", region, max_attempts=1)
    accounts: list[Account] = []
    seen: set[str] = set()
    tokens: set[str] = set()
    next_token: str | None = None
    token = access_token()
    refreshed = False
    for _page in range(MAX_PAGES):
        params = {"accessToken": token, "maxResults": MAX_RESULTS}
        if next_token:
            params["nextToken"] = next_token
        page, token, refreshed = _call(client, params, access_token, refreshed, sleep)
        items = page.get("accountList") if isinstance(page, dict) else None
        if items is None and isinstance(page, dict):
            items = []
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise clients.bad_answer("ListAccounts", "accountList is not a list of objects")
        for item in items:
            account_id = item.get("accountId")
            if not untrusted.is_account_id(account_id) or account_id in seen:
                continue
            seen.add(account_id)
            name, email = item.get("accountName"), item.get("emailAddress")
            accounts.append(
                Account(
                    account_id,
                    untrusted.clean_text(name) if name else account_id,
                    untrusted.clean_text(email) if email else "",
                )
            )
        next_token = page.get("nextToken")
        if next_token is not None and not isinstance(next_token, str):
            raise clients.bad_answer("ListAccounts", "nextToken is not a string")
        if not next_token:
            return accounts
        if next_token in tokens:
            raise SsoError("the access portal kept returning the same page of accounts.")
        tokens.add(next_token)
    raise BadAnswer(f"the access portal listed more than {MAX_PAGES} pages of accounts.")


def _call(client, params: dict, access_token, refreshed: bool, sleep):
    from ssotui.core import clients

    started = time.monotonic()
    faults = 0
    attempt = 0
    while True:
        attempt += 1
        try:
            return client.list_accounts(**params), params["accessToken"], refreshed
        except SsoError:
            raise
        except Exception as exc:  # noqa: BLE001 - classified below; never escapes raw
            if not clients.is_aws_error(exc):
                if isinstance(exc, clients.MALFORMED):
                    raise clients.bad_answer("ListAccounts") from exc
                raise
            code = clients.error_code(exc)
            if code in ("UnauthorizedException", "401") and not refreshed:
                refreshed = True
                params["accessToken"] = access_token(force_refresh=True)
                continue
            if code in clients.THROTTLE_CODES:
                if time.monotonic() - started > THROTTLE_DEADLINE:
                    raise clients.to_sso_error(exc, "listing accounts") from exc
            elif clients.is_retryable(exc):
                faults += 1
                if faults >= FAULT_ATTEMPTS:
                    raise clients.to_sso_error(exc, "listing accounts") from exc
            else:
                raise clients.to_sso_error(exc, "listing accounts") from exc
        sleep(min(8.0, 0.25 * 2 ** min(attempt, 6)) * (0.5 + random.random() / 2))
