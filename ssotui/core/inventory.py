"""Every account and permission set the user can use, fetched from the access portal.

``InventoryLoader`` lists the accounts (ListAccounts, 100 per page) in the calling thread and,
as soon as each page arrives, hands its accounts to a pool of worker threads that call
ListAccountRoles for each of them. Each operation goes through one shared, adaptive
``RateLimiter`` (:mod:`ratelimit`): it starts at ``rate_limit`` requests/s, speeds up while the
portal answers without 429 and slows down on a 429 (once per burst), honouring ``Retry-After``.
botocore's own retries are off (``max_attempts=1``): they would multiply the load on a portal
that is already throttling. We retry ourselves with jittered exponential backoff:

- a throttled request (429) is retried for as long as it takes, within the load's
  ``deadline`` (``load_deadline``, 600 s by default): a portal that only throttles never
  makes us drop an account;
- a fault (5xx, a network error, an incomplete answer) is retried at most ``max_attempts``
  times in all for one request (network errors in a row: ``max_network_attempts``).

When a request fails for good, or the deadline passes, ``load()`` stops the pool and raises,
and ``partial`` keeps what arrived; ``ended_early(error)`` turns the error into an
``IncompleteInventory`` carrying those rows (exit code 3), for callers that show them.

Everything the portal sends is untrusted (:mod:`untrusted`). A row whose account id is not 12
digits, or whose role name is not a valid IAM name, is skipped here (and in an old cache) and
described in ``Inventory.skipped``: it is never shown as actionable, written into a config
file, an environment or a URL. Names and e-mails are kept, made encodable (``clean_text``).

Bounded against a broken or hostile portal: each request by :mod:`portal_http` (30 s, 8 MiB);
a listing by ``MAX_PAGES`` pages (1,000 pages of 100: 100,000 accounts, or roles of one
account) and by ``MAX_EMPTY_PAGES`` pages in a row that bring nothing new (20; the same rows
again count as nothing new). JSON of the wrong shape is a ``BadAnswer`` naming the operation.

``InventoryCache`` keeps the last result on disk (no tokens, no credentials) so that the TUI can
paint immediately at start-up.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ssotui.core import timeutil
from ssotui.core.clients import (
    MALFORMED,
    THROTTLE_CODES,
    BadAnswer,
    bad_answer,
    error_code,
    is_retryable,
    to_sso_error,
)
from ssotui.core.errors import ConfigError, LoginRequired, NetworkError, SsoError, Throttled
from ssotui.core.inventory_cache import (  # noqa: F401 - Inventory, InventoryCache: re-exported
    MAX_SKIPPED,
    Inventory,
    InventoryCache,
    Skipped,
    valid_account,
    valid_role,
)
from ssotui.core.models import Account
from ssotui.core.ratelimit import MAX_RETRY_AFTER, RateLimiter, retry_after_seconds

log = logging.getLogger(__name__)
# Our warnings are for --debug logs; what a user sees comes from Inventory.skipped. Without
# this, Python's last-resort handler would print them raw on stderr.
log.addHandler(logging.NullHandler())

MAX_RESULTS = 100  # the portal's documented maximum; botocore does not check it (§3)
_UNAUTHORIZED = {"UnauthorizedException", "401"}
_NOT_FOUND = {"ResourceNotFoundException", "404"}
_MAX_WANTED = 64  # how many prioritize() requests we remember
HTTP_MAX_WORKERS = 48
MAX_PAGES = 1000  # pages of one listing (accounts, or one account's roles)
MAX_EMPTY_PAGES = 20  # pages in a row with nothing new
DEFAULT_DEADLINE = 600.0  # seconds a whole load may take (the load_deadline setting)
THROTTLE_BACKOFF_CAP = 1.0  # seconds; the shared rate does the real slowing down


# -- validation at the boundary ---------------------------------------------------------------


def _page(page: dict, key: str, operation: str) -> tuple[list, str | None]:
    """The items and the nextToken of a page, checked for type (else BadAnswer)."""
    if not isinstance(page, dict):
        raise bad_answer(operation, "not a JSON object")
    items = page.get(key)
    if items is None:
        items = []
    elif not isinstance(items, list):
        raise bad_answer(operation, f"{key} is not a list")
    if not all(isinstance(item, dict) for item in items):
        raise bad_answer(operation, f"an item of {key} is not an object")
    token = page.get("nextToken")
    if token is not None and not isinstance(token, str):
        raise bad_answer(operation, "nextToken is not a string")
    return items, token or None


def _check_paging(operation: str, what: str, pages: int, empty: int) -> None:
    """Stop a listing that never ends (``pages`` so far, ``empty`` in a row)."""
    if empty >= MAX_EMPTY_PAGES:
        raise BadAnswer(
            f"the access portal kept sending pages of {what} with nothing new "
            f"({empty} {operation} pages in a row); stopped listing them."
        )
    if pages >= MAX_PAGES:
        raise BadAnswer(
            f"the access portal sent more than {MAX_PAGES} {operation} pages of {what}; "
            "stopped listing them."
        )


@dataclass(frozen=True)
class AccountsListed:
    """A ListAccounts page arrived. ``accounts`` are the new ones from this page; ``last``:
    it was the last page (every account is listed; a last page with no new account is still
    announced, with ``accounts`` empty)."""

    accounts: list[Account]
    total_so_far: int
    last: bool = False


@dataclass(frozen=True)
class RolesListed:
    """The roles of one account arrived. ``total`` is the number of accounts listed so far
    (it grows while ListAccounts pages are still arriving)."""

    account: Account
    roles: tuple[str, ...]
    done: int
    total: int


@dataclass(frozen=True)
class Retrying:
    """A call failed with a retryable error and will be retried after ``delay`` seconds."""

    operation: str
    attempt: int
    delay: float
    reason: str


InventoryEvent = AccountsListed | RolesListed | Retrying


class _Stopped(Exception):
    """Internal: the loader was cancelled or failed elsewhere; the worker just exits."""


class DeadlinePassed(Throttled):
    """The load took longer than its deadline (``load_deadline``) and was stopped."""


class IncompleteInventory(SsoError):
    """A load ended early after some rows arrived. ``inventory`` holds them
    (``complete=False``); ``cause`` is the error that ended it; the message is the cause's,
    then how much is missing, on one line. Exit code 3, so that scripts can tell a partial
    list from a failure (1) and a configuration error (2)."""

    exit_code = 3

    def __init__(self, message: str, inventory: Inventory, cause: SsoError) -> None:
        super().__init__(message)
        self.inventory = inventory
        self.cause = cause


# -- loader -----------------------------------------------------------------------------------


class InventoryLoader:
    """Loads an :class:`Inventory` from the portal; single use (one ``load()`` per loader).

    ``access_token(force_refresh=False) -> str`` supplies the bearer token; on a 401 it is called
    once with ``force_refresh=True`` and the call retried; a second 401 raises SessionExpired.

    ``rate_limit`` is the rate each operation *starts* at, in requests per second (0 or less:
    start unlimited); the rate then adapts (:mod:`ratelimit`). ``workers`` is the number of
    ListAccountRoles threads; by default the most: 48 threads with the plain-HTTP transport
    (one keep-alive connection each), else one less than the boto3 client's connection pool
    (31), so that every thread keeps a warm connection; the rate, not the thread count, is
    what paces them. ``sleep`` is used for retry backoff (tests inject a no-op); the default
    waits on the cancel event so that ``cancel()`` interrupts it.

    ``deadline`` is how many seconds the whole load may take (None: no limit); when it passes,
    ``load()`` raises :class:`DeadlinePassed`. Within it, a throttled request is retried
    however many times it takes. ``max_attempts`` bounds the tries of one request that fail
    otherwise (server errors, network errors, incomplete answers; the first try included);
    ``max_network_attempts`` (smaller) bounds the network failures in a row (connection
    refused, reset, timed out): ten tries with backoff would keep an offline user waiting
    ~30 s before being told.
    """

    def __init__(
        self,
        access_token: Callable[..., str],
        region: str,
        *,
        rate_limit: float = 20.0,
        workers: int | None = None,
        max_attempts: int = 10,
        max_network_attempts: int = 4,
        sleep: Callable[[float], object] = time.sleep,
        backoff_base: float = 0.25,
        backoff_cap: float = 8.0,
        use_http: bool = True,
        deadline: float | None = DEFAULT_DEADLINE,
    ) -> None:
        self.use_http = use_http
        self._access_token = access_token
        self.region = region
        self.rate_limit = rate_limit if rate_limit and rate_limit > 0 else 0.0
        self.workers = max(1, int(workers)) if workers is not None else None
        self.max_attempts = max(1, int(max_attempts))
        self.max_network_attempts = max(1, min(self.max_attempts, int(max_network_attempts)))
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.deadline = deadline if deadline and deadline > 0 else None
        self._sleep = sleep

        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._emit_lock = threading.RLock()  # serialises callbacks, keeps `done` in order
        self._limiters = {
            "ListAccounts": RateLimiter(self.rate_limit, stop=self._stop),
            "ListAccountRoles": RateLimiter(self.rate_limit, stop=self._stop),
        }

        self._accounts: list[Account] = []
        self._skipped = Skipped()
        self._seen: set[str] = set()  # listed ids (written only by the listing thread)
        self._taken: set[str] = set()  # ids a worker has started on (under _lock)
        self._roles: dict[str, tuple[str, ...]] = {}
        self._pending: OrderedDict[str, Account] = OrderedDict()
        self._wanted: list[str] = []  # prioritized ids, most recent last
        self._active = 0
        self._listing_done = False
        self._all_listed = False  # the last ListAccounts page arrived
        self._throttled = False  # a 429 was seen
        self._complete = False
        self._cancelled = False
        self._error: BaseException | None = None
        self._threads: list[threading.Thread] = []
        self._started = False
        self._fetched_at: datetime | None = None
        self._on_event: Callable[[InventoryEvent], object] | None = None

        self._token_lock = threading.Lock()
        self._token: str | None = None
        self._refreshed = False
        self._client = None
        self._portal = False  # False: not decided yet; None: botocore; else a PortalHttp

    # -- public API ----------------------------------------------------------------------------

    @property
    def partial(self) -> Inventory:
        """A snapshot of what has arrived so far (``complete`` only after a full load)."""
        with self._lock:
            accounts = list(self._accounts)
            roles = dict(self._roles)
            complete = self._complete
        fetched_at = self._fetched_at or timeutil.utcnow()
        return Inventory(accounts, roles, fetched_at, complete, self._skipped.lines())

    def prioritize(self, account_id: str) -> None:
        """Fetch this account's roles next (thread-safe; a no-op once they are loaded or in
        flight). If the account is not listed yet, it goes first as soon as it is."""
        with self._cond:
            if account_id in self._roles:
                return
            if account_id in self._taken:
                return  # in flight
            if account_id in self._wanted:
                self._wanted.remove(account_id)
            self._wanted.append(account_id)
            del self._wanted[:-_MAX_WANTED]

    def cancel(self) -> None:
        """Stop promptly: ``load()`` returns the partial inventory (``complete=False``).

        Calls already on the wire finish in the background; nothing new is started."""
        with self._cond:
            if not self._complete and self._error is None:
                self._cancelled = True
            self._stop.set()
            self._cond.notify_all()

    def ended_early(self, error: BaseException) -> IncompleteInventory | None:
        """What to tell when ``load()`` raised ``error``: an :class:`IncompleteInventory`
        carrying the rows that arrived, or None when there are none to show (nothing
        arrived, or the error is about the login or the configuration, not the portal)."""
        if not isinstance(error, SsoError) or isinstance(error, LoginRequired | ConfigError):
            return None
        inventory = self.partial
        if inventory.complete or not inventory.roles:
            return None
        listed = len(inventory.accounts)
        missing = listed - len(inventory.roles)
        if self._all_listed:
            gap = f"the roles of {missing} of {listed} accounts are missing"
        else:
            gap = (
                f"the roles of {missing} of the {listed} accounts listed so far are missing, "
                "and the listing of accounts did not finish"
            )
        message = f"{str(error).rstrip('.')}. Incomplete list: {gap}."
        return IncompleteInventory(message, inventory, error)

    def load(self, on_event: Callable[[InventoryEvent], object] | None = None) -> Inventory:
        """Fetch everything; blocks until done, failed or cancelled.

        ``on_event`` receives :data:`InventoryEvent` objects. It is called from the calling
        thread *and from worker threads* (one at a time, never concurrently), so it must be
        cheap and thread-safe (e.g. post a message to the UI). An account's ``AccountsListed``
        always comes before its ``RolesListed``. Raises Throttled (DeadlinePassed when the
        ``deadline`` passed), NetworkError, SessionExpired, ... (``partial`` then holds what
        arrived, see ``ended_early``); returns the partial inventory with ``complete=False``
        after ``cancel()``.
        """
        with self._lock:
            if self._started:
                raise RuntimeError("an InventoryLoader can load only once")
            self._started = True
        self._on_event = on_event
        self._fetched_at = timeutil.utcnow()
        if self._stop.is_set():
            return self.partial
        timer = None
        if self.deadline is not None:
            timer = threading.Timer(self.deadline, self._deadline_passed)
            timer.daemon = True
            timer.start()
        try:
            self._list_accounts()
        except _Stopped:
            pass
        except BaseException as exc:  # noqa: BLE001 - re-raised below after stopping the pool
            self._fail(exc)
        with self._cond:
            self._listing_done = True
            self._cond.notify_all()
            while not self._stop.is_set() and (self._pending or self._active):
                self._cond.wait()
            if self._error is None and not self._cancelled:
                self._complete = True
            error = self._error
            self._stop.set()
            self._cond.notify_all()
        if timer is not None:
            timer.cancel()
        if error is None and not self._cancelled:
            for thread in self._threads:
                thread.join()
            if self._portal:
                self._portal.close()
        skipped = self._skipped.lines()
        if skipped:
            log.warning(
                "skipped rows from the access portal that are not valid: %s", "; ".join(skipped)
            )
        if error is not None:
            raise error
        return self.partial

    # -- accounts (calling thread) --------------------------------------------------------------

    def _list_accounts(self) -> None:
        client, portal = self._transport()
        next_token: str | None = None
        tokens_seen: set[str] = set()
        pages = empty = 0
        while True:
            params = {"maxResults": MAX_RESULTS}
            if next_token:
                params["nextToken"] = next_token
            if portal is not None:
                send = lambda token, n=next_token: portal.list_accounts(token, MAX_RESULTS, n)  # noqa: E731
            else:
                send = lambda token, p=params: client.list_accounts(accessToken=token, **p)  # noqa: E731
            page = self._call(
                "ListAccounts",
                send,
                "listing accounts",
                "accountList",
            )
            items, next_token = _page(page, "accountList", "ListAccounts")
            new: list[Account] = []
            for item in items:
                account = valid_account(
                    item.get("accountId"),
                    item.get("accountName"),
                    item.get("emailAddress"),
                    self._skipped,
                )
                if account is None or account.account_id in self._seen:
                    continue
                new.append(account)
                self._seen.add(account.account_id)
            if new or not next_token:
                with self._emit_lock:
                    with self._lock:
                        self._accounts.extend(new)
                        total = len(self._accounts)
                        self._all_listed = not next_token
                    self._emit(AccountsListed(new, total, last=not next_token))
                    with self._cond:
                        for account in new:
                            self._pending[account.account_id] = account
                        if new:
                            self._spawn_workers()
                        self._cond.notify_all()
            if not next_token:
                return
            if next_token in tokens_seen:
                raise SsoError("the access portal kept returning the same page of accounts.")
            tokens_seen.add(next_token)
            pages += 1
            empty = 0 if new else empty + 1
            _check_paging("ListAccounts", "accounts", pages, empty)

    # -- roles (worker threads) -----------------------------------------------------------------

    def _spawn_workers(self) -> None:
        """Start threads up to ``workers`` (never more than there are accounts). Holds _lock."""
        if self.workers is None:
            # botocore: one less than its connection pool, so every thread keeps a warm
            # connection; plain HTTP has no pool to fit in (one connection per thread). The
            # rate may grow far beyond where it starts, so the pool is sized for that.
            self.workers = HTTP_MAX_WORKERS if self._portal else _pool_size(self._sso()) - 1
        wanted = min(self.workers, len(self._seen))
        while len(self._threads) < wanted:
            thread = threading.Thread(
                target=self._worker, name=f"ssotui-roles-{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _take(self) -> Account:
        """The next account to fetch: the most recently prioritized pending one, else FIFO."""
        for index in range(len(self._wanted) - 1, -1, -1):
            account_id = self._wanted[index]
            if account_id in self._pending:
                del self._wanted[index]
                return self._pending.pop(account_id)
            if account_id in self._taken:
                del self._wanted[index]
        return self._pending.popitem(last=False)[1]

    def _worker(self) -> None:
        limiter = self._limiters["ListAccountRoles"]
        while True:
            with self._cond:
                while not self._pending:
                    if self._stop.is_set() or self._listing_done:
                        return
                    self._cond.wait()
            # Wait for a send slot *before* choosing the account, so that an account
            # prioritized meanwhile goes out at the very next slot instead of after every
            # worker's queued one (48 workers at 20 req/s would make it wait ~2.4 s).
            sent_at = limiter.acquire()
            with self._cond:
                if self._stop.is_set():
                    return
                if not self._pending:
                    continue  # another worker took the last one; the slot goes unused
                account = self._take()
                self._taken.add(account.account_id)
                self._active += 1
            try:
                roles = self._list_roles(account, sent_at)
                with self._emit_lock:
                    with self._lock:
                        self._roles[account.account_id] = roles
                        done, total = len(self._roles), len(self._accounts)
                    self._emit(RolesListed(account, roles, done, total))
            except _Stopped:
                pass
            except BaseException as exc:  # noqa: BLE001 - handed to load(), which raises it
                self._fail(exc)
            finally:
                with self._cond:
                    self._active -= 1
                    self._cond.notify_all()

    def _list_roles(self, account: Account, slot: float | None = None) -> tuple[str, ...]:
        client, portal = self._transport()
        account_id = account.account_id
        names: list[str] = []
        seen: set[str] = set()
        next_token: str | None = None
        tokens_seen: set[str] = set()
        pages = empty = 0
        doing = f"listing the roles of account {account_id}"
        while True:
            params = {"accountId": account_id, "maxResults": MAX_RESULTS}
            if next_token:
                params["nextToken"] = next_token
            if portal is not None:
                send = lambda token, n=next_token: portal.list_account_roles(  # noqa: E731
                    token, account_id, MAX_RESULTS, n
                )
            else:
                send = lambda token, p=params: client.list_account_roles(  # noqa: E731
                    accessToken=token, **p
                )
            page = self._call(
                "ListAccountRoles",
                send,
                doing,
                "roleList",
                not_found={"roleList": []},
                slot=slot,
            )
            slot = None
            items, next_token = _page(page, "roleList", "ListAccountRoles")
            before = len(names)
            for item in items:
                name = item.get("roleName")
                if not valid_role(account_id, name, self._skipped) or name in seen:
                    continue
                names.append(name)
                seen.add(name)
            if not next_token or next_token in tokens_seen:
                return tuple(names)
            tokens_seen.add(next_token)
            pages += 1
            empty = 0 if len(names) > before else empty + 1
            _check_paging("ListAccountRoles", f"roles for account {account_id}", pages, empty)

    # -- one call with retries ------------------------------------------------------------------

    def _call(self, operation: str, send, doing: str, key: str, not_found=None, slot=None) -> dict:
        """One API call with our retry policy. ``key`` is the list the answer must hold.
        ``slot``: the caller already took the rate limiter's slot for the first try, at this
        time (what ``acquire()`` returned)."""
        limiter = self._limiters[operation]
        attempt = 0  # tries so far
        faults = 0  # tries that failed otherwise than by a 429
        throttles = 0  # 429s in a row
        unreachable = 0  # network failures in a row
        while True:
            if self._stop.is_set():
                raise _Stopped
            sent_at = limiter.acquire() if slot is None else slot
            slot = None
            if self._stop.is_set():
                raise _Stopped
            token = self._current_token()
            attempt += 1
            wait_at_least = 0.0
            try:
                page = send(token)
            except Exception as exc:  # noqa: BLE001 - classified below; never escapes raw
                code = error_code(exc)
                if code is None and not exc.__class__.__module__.startswith(
                    ("botocore", "urllib3")
                ):
                    if isinstance(exc, MALFORMED):  # botocore's parser, on JSON of a wrong shape
                        raise bad_answer(operation) from exc
                    raise
                if code in _UNAUTHORIZED:
                    self._refresh_after_401(token, exc, doing)
                    attempt -= 1  # a refreshed token gets a fresh set of attempts
                    continue
                if code not in THROTTLE_CODES and code not in ("network", "timeout"):
                    limiter.answered(sent_at)  # it got through the portal's throttle
                if not_found is not None and code in _NOT_FOUND:
                    return not_found
                if code in THROTTLE_CODES:
                    # Only the deadline ends a throttled request's retries.
                    throttles += 1
                    unreachable = 0
                    self._throttled = True
                    wait_at_least = _retry_after(exc) or 0.0
                    limiter.throttled(sent_at, wait_at_least or None)
                    delay = max(self._backoff(throttles, THROTTLE_BACKOFF_CAP), wait_at_least)
                    self._emit(Retrying(operation, attempt, delay, "throttled"))
                    self._pause(delay)
                    continue
                faults += 1
                unreachable = unreachable + 1 if code == "network" else 0
                if (
                    not is_retryable(exc)
                    or faults >= self.max_attempts
                    or unreachable >= self.max_network_attempts
                ):
                    raise to_sso_error(exc, doing) from exc
                reason = "network error" if code == "network" else f"server error ({code})"
            else:
                limiter.answered(sent_at)
                if key in page or _announced_length(page) <= 2:
                    return page
                # botocore does not enforce Content-Length: a connection cut after the headers
                # parses as an empty success. Never take that for "no roles".
                faults += 1
                if faults >= self.max_attempts:
                    raise NetworkError(
                        f"the access portal kept sending incomplete answers while {doing}; "
                        "check your network and try again."
                    )
                reason = "incomplete answer"
            throttles = 0
            delay = self._backoff(faults)
            self._emit(Retrying(operation, attempt, delay, reason))
            self._pause(delay)

    def _backoff(self, attempt: int, cap: float | None = None) -> float:
        """Jittered exponential backoff ("equal jitter"): between d/2 and d, d = base·2^(n-1),
        at most ``backoff_cap`` (and ``cap``)."""
        most = self.backoff_cap if cap is None else min(cap, self.backoff_cap)
        ceiling = min(most, self.backoff_base * (2 ** min(attempt - 1, 60)))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _deadline_passed(self) -> None:
        """The deadline timer: stop the load (``load()`` raises DeadlinePassed)."""
        deadline = f"{self.deadline:g} s (load_deadline)"
        if self._throttled:
            message = f"the access portal kept throttling; loading stopped after {deadline}."
        else:
            message = f"loading the accounts and roles took longer than {deadline}; stopped."
        self._fail(DeadlinePassed(message))

    def _pause(self, seconds: float) -> None:
        if self._sleep is time.sleep:
            self._stop.wait(seconds)
        else:
            self._sleep(seconds)
        if self._stop.is_set():
            raise _Stopped

    def _current_token(self) -> str:
        with self._token_lock:
            if self._token is None:
                self._token = self._access_token()
            return self._token

    def _refresh_after_401(self, used: str, exc: BaseException, doing: str) -> None:
        with self._token_lock:
            if self._token is not None and self._token != used:
                return  # another thread already refreshed: retry with the new token
            if self._refreshed:
                raise to_sso_error(exc, doing) from exc
            self._refreshed = True
            self._token = self._access_token(force_refresh=True)

    # -- plumbing -------------------------------------------------------------------------------

    def _sso(self):
        if self._client is None:
            from ssotui.core import clients

            with clients.translated("preparing the portal client"):
                self._client = clients.client("sso", self.region, max_attempts=1)
        return self._client

    def _transport(self):
        """(boto3 client, plain-HTTP transport or None). The endpoint always comes from the
        boto3 client; the hot GETs go over :mod:`ssotui.core.portal_http` when it can serve
        them (no proxy in the way), else through botocore. ``use_http=False`` forces botocore."""
        client = self._sso()
        if self._portal is False:
            from ssotui.core import clients, portal_http

            self._portal = (
                portal_http.for_client(client, ca_bundle=clients.ca_bundle())
                if self.use_http
                else None
            )
        return client, self._portal

    def _emit(self, event: InventoryEvent) -> None:
        callback = self._on_event
        if callback is not None:
            with self._emit_lock:  # re-entrant: the RolesListed/AccountsListed paths hold it
                callback(event)

    def _fail(self, exc: BaseException) -> None:
        with self._cond:
            if self._error is None and not self._cancelled:
                self._error = exc
            self._stop.set()
            self._cond.notify_all()


def _retry_after(exc: BaseException) -> float | None:
    """The wait a 429 asked for (``Retry-After``), when its headers are known, capped."""
    response = getattr(exc, "response", None)
    try:
        headers = response["ResponseMetadata"]["HTTPHeaders"]
    except (KeyError, TypeError):
        return None
    seconds = retry_after_seconds(headers)
    return None if seconds is None else min(seconds, MAX_RETRY_AFTER)


def _announced_length(page: dict) -> int:
    """The Content-Length the server announced for this answer (0 when unknown)."""
    try:
        headers = page["ResponseMetadata"]["HTTPHeaders"]
        return int(headers.get("content-length") or 0)
    except (KeyError, TypeError, ValueError, AttributeError):
        return 0


def _pool_size(client) -> int:
    try:
        return max(2, int(client.meta.config.max_pool_connections))
    except (AttributeError, TypeError, ValueError):
        return 10  # botocore's default
