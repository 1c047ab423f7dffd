"""Fault injection, throttling: the loader against an emulator that throttles (its token
bucket, ``rate_limit``), fails (``fail_rate``) and sends ``Retry-After`` (``retry_after``).

Small orgs at a fast timescale: the emulator's limit and the loader's starting rate are
scaled up together (a portal allowing 40 requests/s and a loader starting at 400/s is the
issue's 2/s portal and 20/s client, ten times faster), so each test takes a second or two.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from helpers import Events

from ssotui.core import clients
from ssotui.core.errors import NetworkError, SessionExpired, Throttled
from ssotui.core.inventory import (
    DeadlinePassed,
    IncompleteInventory,
    Inventory,
    InventoryLoader,
    Retrying,
    RolesListed,
)

pytestmark = pytest.mark.faults

REGION = "us-east-1"


@pytest.fixture(autouse=True)
def fresh_clients():
    clients.reset_clients()
    yield
    clients.reset_clients()


def token_for(emu):
    token = emu.mint_token()["accessToken"]
    return lambda force_refresh=False: token


def expected_pairs(emu) -> set[tuple[str, str]]:
    return {(a.account_id, role) for a in emu.org.accounts for role in a.roles}


def got_pairs(inventory: Inventory) -> set[tuple[str, str]]:
    return {row.key for row in inventory.assignments()}


def roles_limiter(loader: InventoryLoader):
    return loader._limiters["ListAccountRoles"]


class WireLog:
    """Every ListAccountRoles request: its account, send and answer times, and error code
    (None for a success), by wrapping the loader's transport (plain HTTP, or boto3 with
    ``use_http=False``)."""

    def __init__(self, loader: InventoryLoader) -> None:
        self.log: list[tuple[str, float, float, str | None]] = []
        self.lock = threading.Lock()
        client, portal = loader._transport()
        target = portal if portal is not None else client
        original = target.list_account_roles

        def wrapped(*args, **kwargs):
            account = kwargs.get("accountId") or args[1]
            sent = time.monotonic()
            try:
                answer = original(*args, **kwargs)
            except Exception as exc:
                self._add(account, sent, clients.error_code(exc))
                raise
            self._add(account, sent, None)
            return answer

        target.list_account_roles = wrapped

    def _add(self, account: str, sent: float, code: str | None) -> None:
        with self.lock:
            self.log.append((account, sent, time.monotonic(), code))

    def codes(self) -> list[tuple[str, str | None]]:
        with self.lock:
            return [(account, code) for account, _sent, _answered, code in self.log]

    def calls(self) -> list[tuple[float, float, bool]]:
        """(sent, answered, throttled) of each request, in the order they were sent."""
        with self.lock:
            ordered = sorted(self.log, key=lambda call: call[1])
        return [(s, a, code == "TooManyRequestsException") for _id, s, a, code in ordered]


# -- nothing is dropped -----------------------------------------------------------------------


def test_heavy_throttling_and_server_errors_every_row_arrives(make_emulator):
    """The issue's case, ten times faster: a loader starting at 10x what the portal allows,
    and 20 % of calls answered 500. Every row arrives, nothing fails."""
    emu = make_emulator(accounts=60, seed=13, rate_limit=40, fail_rate=0.2)
    events = Events()
    loader = InventoryLoader(token_for(emu), REGION, rate_limit=400)
    inventory = loader.load(events)
    assert inventory.complete and got_pairs(inventory) == expected_pairs(emu)
    assert emu.stats.throttled["ListAccountRoles"] > 0 and emu.stats.faults["ListAccountRoles"] > 0
    assert {r.reason.split(" (")[0] for r in events.of(Retrying)} == {"throttled", "server error"}
    assert roles_limiter(loader).decreases >= 1  # it slowed down
    assert emu.stats.errors == []


def test_a_throttled_request_is_not_abandoned_after_max_attempts(make_emulator):
    """max_attempts bounds faults, not 429s: with a single try allowed, a portal that
    throttles loses no account (the previous loader gave up at the first 429)."""
    emu = make_emulator(accounts=60, seed=13, rate_limit=25)
    loader = InventoryLoader(token_for(emu), REGION, rate_limit=250, max_attempts=1)
    inventory = loader.load()
    assert inventory.complete and got_pairs(inventory) == expected_pairs(emu)
    assert emu.stats.throttled["ListAccountRoles"] > 0


def test_faults_still_have_bounded_attempts_under_throttling(make_emulator):
    emu = make_emulator(accounts=20, seed=13, rate_limit=25)

    def break_it(event):
        if isinstance(event, RolesListed) and event.done == 5:
            emu.fail_rate = 1.0

    loader = InventoryLoader(
        token_for(emu), REGION, rate_limit=100, max_attempts=3, backoff_base=0.01
    )
    wire = WireLog(loader)
    with pytest.raises(NetworkError, match="server error"):
        loader.load(Events(break_it))
    faults = Counter(account for account, code in wire.codes() if code == "InternalServerException")
    assert faults and max(faults.values()) <= 3


# -- the rate adapts --------------------------------------------------------------------------


def test_the_rate_ramps_up_on_a_portal_that_does_not_throttle(make_emulator):
    emu = make_emulator(accounts=300, seed=3)
    loader = InventoryLoader(token_for(emu), REGION, rate_limit=20)
    assert loader.load().complete
    limiter = roles_limiter(loader)
    assert limiter.rate > 4 * 20  # 300 calls at a fixed 20/s would have taken 15 s
    assert limiter.decreases == 0 and emu.stats.throttled["ListAccountRoles"] == 0


def test_the_rate_comes_down_to_the_portals_limit(make_emulator):
    emu = make_emulator(accounts=60, seed=3, rate_limit=25)
    loader = InventoryLoader(token_for(emu), REGION, rate_limit=250)
    assert loader.load().complete
    limiter = roles_limiter(loader)
    assert limiter.decreases >= 1
    assert limiter.rate < 250 / 2


# -- Retry-After ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "use_http",
    [
        False,
        True,
    ],
    ids=["botocore", "http"],
)
def test_retry_after_is_honoured(make_emulator, use_http):
    """After a 429 that says Retry-After: 0.6, no request goes out for 0.6 s (one worker, so
    the requests are in sequence)."""
    emu = make_emulator(accounts=5, seed=3, rate_limit=2)
    emu.retry_after = 0.6
    events = Events()
    loader = InventoryLoader(
        token_for(emu), REGION, rate_limit=0, workers=1, use_http=use_http, backoff_base=0.01
    )
    wire = WireLog(loader)
    inventory = loader.load(events)
    assert inventory.complete and got_pairs(inventory) == expected_pairs(emu)
    calls = wire.calls()
    assert any(throttled for _sent, _answered, throttled in calls)
    for (_sent, answered, throttled), (next_sent, _, _) in zip(calls, calls[1:], strict=False):
        if throttled:
            assert next_sent - answered >= 0.6
    assert all(r.delay >= 0.6 for r in events.of(Retrying) if r.reason == "throttled")


# -- the deadline, and partial results ---------------------------------------------------------


def test_at_the_deadline_the_load_stops_and_what_arrived_is_reported(make_emulator):
    emu = make_emulator(accounts=30, seed=5)

    def throttle_everything(event):
        if isinstance(event, RolesListed) and event.done == 10:
            emu.rate_limit = 0  # from now on every portal call is a 429

    loader = InventoryLoader(token_for(emu), REGION, rate_limit=0, workers=2, deadline=1.0)
    started = time.monotonic()
    with pytest.raises(DeadlinePassed) as caught:
        loader.load(Events(throttle_everything))
    assert time.monotonic() - started < 10  # it did stop (at 1 s, plus what was in flight)
    assert isinstance(caught.value, Throttled)
    assert str(caught.value) == (
        "the access portal kept throttling; loading stopped after 1 s (load_deadline)."
    )

    incomplete = loader.ended_early(caught.value)
    assert isinstance(incomplete, IncompleteInventory)
    assert incomplete.exit_code == 3 and incomplete.cause is caught.value
    partial = incomplete.inventory
    assert partial.complete is False and len(partial.accounts) == 30
    assert 10 <= len(partial.roles) < 30
    org = {a.account_id: a for a in emu.org.accounts}
    assert all(roles == org[account_id].roles for account_id, roles in partial.roles.items())
    missing = 30 - len(partial.roles)
    assert str(incomplete) == (
        "the access portal kept throttling; loading stopped after 1 s (load_deadline). "
        f"Incomplete list: the roles of {missing} of 30 accounts are missing."
    )


def test_an_early_end_while_accounts_were_still_being_listed_says_so(make_emulator):
    emu = make_emulator(accounts=150, seed=5, latency_ms=5)
    emu.abuse_ops, emu.pages = {"ListAccounts"}, "endless-empty"  # page 2 on: empty, forever
    loader = InventoryLoader(token_for(emu), REGION, rate_limit=0)
    with pytest.raises(Exception, match="kept sending pages") as caught:
        loader.load()
    incomplete = loader.ended_early(caught.value)
    assert incomplete is not None and "\n" not in str(incomplete)
    assert str(incomplete).endswith(
        "of the 100 accounts listed so far are missing, and the listing of accounts did not finish."
    )


def test_nothing_to_report_without_rows_or_for_a_login_problem(make_emulator):
    emu = make_emulator(accounts=5, seed=5)
    loader = InventoryLoader(token_for(emu), REGION, rate_limit=0)
    loader.load()
    assert loader.ended_early(SessionExpired("expired")) is None
    assert loader.ended_early(ValueError("a bug")) is None
    assert loader.ended_early(Throttled("x")) is None  # it was complete


def test_a_partial_load_never_replaces_a_complete_cache(make_emulator, sso_session):
    from ssotui.core.service import SsoClient

    emu = make_emulator(accounts=30, seed=5)
    client = SsoClient(sso_session)
    full = client.load_inventory(loader=InventoryLoader(token_for(emu), REGION, rate_limit=0))
    assert full.complete

    def throttle_everything(event):
        if isinstance(event, RolesListed) and event.done == 5:
            emu.rate_limit = 0

    loader = InventoryLoader(token_for(emu), REGION, rate_limit=0, workers=2, deadline=0.5)
    with pytest.raises(DeadlinePassed):
        client.load_inventory(on_event=Events(throttle_everything), loader=loader)
    assert loader.ended_early(DeadlinePassed("x")) is not None  # there was a partial list
    cached = client.cached_inventory()
    assert cached is not None and cached.complete
    assert cached.assignments() == full.assignments()
