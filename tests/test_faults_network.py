"""Fault injection, network side (core and CLI): a throttling storm, injected 5xx, the portal
going away mid-listing and coming back, and working offline from the cache.

Everything runs real boto3 / our HTTP transport against the emulator on loopback; the faults
come from the emulator's knobs (``rate_limit``, ``fail_rate``) and from stopping it (then
``start()`` again serves on the same port, as a portal that comes back would)."""

from __future__ import annotations

import json
import threading
from collections import Counter

import pytest
from conftest import SESSION_NAME
from helpers import Events, assert_one_line_error, run_ssotui, sign_in

from ssotui.core.errors import NetworkError
from ssotui.core.inventory import (
    AccountsListed,
    Inventory,
    InventoryLoader,
    Retrying,
    RolesListed,
)
from ssotui.core.service import SsoClient

pytestmark = pytest.mark.faults

REGION = "us-east-1"


# -- helpers ----------------------------------------------------------------------------------


def no_sleep(_seconds: float) -> None:
    pass


class WireCounter:
    """Counts every request the loader puts on the wire, per request (operation, account,
    page), by wrapping its plain-HTTP transport."""

    def __init__(self, loader: InventoryLoader) -> None:
        self.sent: Counter[tuple[str, str, str]] = Counter()
        self.lock = threading.Lock()
        _client, portal = loader._transport()
        assert portal is not None, "the loader should use the plain-HTTP transport"
        list_accounts, list_roles = portal.list_accounts, portal.list_account_roles

        def accounts(token, max_results, next_token=None):
            self._count("ListAccounts", "", next_token)
            return list_accounts(token, max_results, next_token)

        def roles(token, account_id, max_results, next_token=None):
            self._count("ListAccountRoles", account_id, next_token)
            return list_roles(token, account_id, max_results, next_token)

        portal.list_accounts, portal.list_account_roles = accounts, roles

    def _count(self, op: str, account_id: str, next_token) -> None:
        with self.lock:
            self.sent[op, account_id, next_token or ""] += 1

    def most(self) -> int:
        return max(self.sent.values())


def expected_pairs(emulator) -> set[tuple[str, str]]:
    return {(a.account_id, role) for a in emulator.org.accounts for role in a.roles}


def got_pairs(inventory: Inventory) -> set[tuple[str, str]]:
    return {row.key for row in inventory.assignments()}


def assert_progress_grew(events: Events, accounts: int) -> None:
    """Progress went up by one account at a time, to the end, with no gap."""
    done = [e.done for e in events.of(RolesListed)]
    assert done == list(range(1, accounts + 1))
    pages = events.of(AccountsListed)
    listed = [e.total_so_far for e in pages]
    assert listed == sorted(listed) and listed[-1] == accounts
    assert [e.last for e in pages] == [False] * (len(pages) - 1) + [True]


# -- 1. throttling storm ----------------------------------------------------------------------


def run_storm(make_emulator, sso_session, accounts: int, portal_rate: float, **knobs):
    """Load through the facade, starting at 4x what the portal allows per operation: the
    first requests beyond its bucket are answered 429 until the loader has slowed down.
    (More throttling, with server errors and Retry-After, is in test_faults_throttling.)"""
    emu = make_emulator(accounts=accounts, seed=13, rate_limit=portal_rate, **knobs)
    sign_in(emu, sso_session)
    client = SsoClient(sso_session, rate_limit=4 * portal_rate)
    loader = client.loader()
    wire = WireCounter(loader)
    events = Events()
    inventory = client.load_inventory(on_event=events, loader=loader)  # raises on any error
    return emu, client, loader, wire, events, inventory


def assert_storm_survived(emu, client, loader, wire, events, inventory, accounts: int) -> None:
    assert inventory.complete
    assert got_pairs(inventory) == expected_pairs(emu)
    assert [a.account_id for a in inventory.accounts] == [a.account_id for a in emu.org.accounts]
    cached = client.cached_inventory()
    assert cached is not None and cached.complete and got_pairs(cached) == expected_pairs(emu)
    # Every account's roles were asked for; only 429s were retried (they are retried until
    # the load's deadline, however many it takes), and the loader slowed down: far fewer
    # than the 3 in 4 requests a client keeping to 4x the portal's rate would see refused.
    assert {k[1] for k in wire.sent if k[0] == "ListAccountRoles"} == {
        a.account_id for a in emu.org.accounts
    }
    assert {r.reason for r in events.of(Retrying)} <= {"throttled"}
    assert loader._limiters["ListAccountRoles"].decreases >= 1
    assert emu.stats.throttled["ListAccountRoles"] < 0.25 * emu.stats.calls["ListAccountRoles"]
    assert sum(wire.sent.values()) == sum(emu.stats.calls[op] for op in wire_ops(wire))
    assert_progress_grew(events, accounts)
    assert emu.stats.errors == []


def wire_ops(wire: WireCounter) -> set[str]:
    return {k[0] for k in wire.sent}


def test_throttling_storm_completes_with_every_assignment(make_emulator, sso_session):
    accounts = 40  # ~1.5 s at 25 req/s; the longer storm is the slow test below
    emu, client, loader, wire, events, inventory = run_storm(
        make_emulator, sso_session, accounts, portal_rate=25
    )
    assert_storm_survived(emu, client, loader, wire, events, inventory, accounts)
    # It was a storm: the portal did answer 429s, and they were retried, not surfaced.
    assert emu.stats.throttled["ListAccountRoles"] > 0
    assert {r.reason for r in events.of(Retrying)} == {"throttled"}


@pytest.mark.slow
def test_throttling_storm_250_accounts_at_20_rps(make_emulator, sso_session):
    """250 ListAccountRoles at 20 req/s cannot take less than ~12 s: the portal's limit is
    the floor. Three ListAccounts pages go at the same time (their own 20 req/s bucket)."""
    accounts = 250
    emu, client, loader, wire, events, inventory = run_storm(
        make_emulator, sso_session, accounts, portal_rate=20
    )
    assert_storm_survived(emu, client, loader, wire, events, inventory, accounts)
    assert emu.stats.calls["ListAccounts"] >= 3
    assert emu.stats.throttled["ListAccountRoles"] > 0


# -- 2. injected server errors ----------------------------------------------------------------


def test_five_percent_server_errors_complete_with_every_assignment(make_emulator, sso_session):
    emu = make_emulator(accounts=400, seed=21, fail_rate=0.05)
    sign_in(emu, sso_session)
    client = SsoClient(sso_session, rate_limit=0)
    loader = InventoryLoader(
        client.auth.access_token, REGION, rate_limit=0, backoff_base=0.02, backoff_cap=0.1
    )
    wire = WireCounter(loader)
    events = Events()
    inventory = client.load_inventory(on_event=events, loader=loader)
    assert inventory.complete
    assert got_pairs(inventory) == expected_pairs(emu)
    assert got_pairs(client.cached_inventory()) == expected_pairs(emu)
    faults = sum(emu.stats.faults.values())
    assert faults >= 5  # ~5 % of ~400 calls
    retries = events.of(Retrying)
    assert len(retries) == faults  # every 500 was retried, nothing else was
    assert {r.reason for r in retries} == {"server error (InternalServerException)"}
    assert wire.most() <= loader.max_attempts
    assert_progress_grew(events, 400)


# -- 3. connection refused mid-listing, then the portal comes back ----------------------------


def full_load(client: SsoClient, token: str) -> Inventory:
    loader = InventoryLoader(lambda force_refresh=False: token, REGION, rate_limit=0)
    return client.load_inventory(loader=loader)


def test_connection_refused_mid_listing_keeps_what_arrived_and_a_retry_finishes(
    make_emulator, sso_session
):
    emu = make_emulator(accounts=250, seed=9, latency_ms=2)  # three ListAccounts pages
    token = emu.mint_token()["accessToken"]
    client = SsoClient(sso_session)
    cache_path = client.cache.path_for(sso_session)

    def refuse_after_the_first_page(event):
        if isinstance(event, AccountsListed) and event.total_so_far == 100:
            emu.stop()  # the listening socket is closed: connection refused from now on

    loader = InventoryLoader(
        lambda force_refresh=False: token, REGION, rate_limit=0, max_attempts=3, sleep=no_sleep
    )
    events = Events(refuse_after_the_first_page)
    with pytest.raises(NetworkError) as caught:
        client.load_inventory(on_event=events, loader=loader)
    message = str(caught.value)
    assert message.startswith("cannot reach 127.0.0.1:") and "\n" not in message
    assert "Traceback" not in message

    # What arrived is kept, marked incomplete, and it is exactly what the portal said.
    partial = loader.partial
    assert partial.complete is False
    assert [a.account_id for a in partial.accounts] == [
        a.account_id for a in emu.org.accounts[:100]
    ]
    org = {a.account_id: a.roles for a in emu.org.accounts}
    assert all(roles == org[account_id] for account_id, roles in partial.roles.items())
    assert len(partial.roles) < 250
    assert not any(e.last for e in events.of(AccountsListed))  # the listing never finished
    # A partial inventory never reaches the cache.
    assert not cache_path.exists()

    # The portal comes back on the same address: a new load (what `r` does) finishes it.
    emu.start()
    inventory = full_load(client, token)
    assert inventory.complete and got_pairs(inventory) == expected_pairs(emu)
    cached = client.cached_inventory()
    assert cached.complete and got_pairs(cached) == expected_pairs(emu)


def test_a_failed_refresh_never_overwrites_a_complete_cache(make_emulator, sso_session):
    emu = make_emulator(accounts=150, seed=9, latency_ms=2)
    token = emu.mint_token()["accessToken"]
    client = SsoClient(sso_session)
    first = full_load(client, token)
    saved = client.cache.path_for(sso_session).read_bytes()

    def refuse_mid_roles(event):
        if isinstance(event, RolesListed) and event.done == 30:
            emu.stop()

    loader = InventoryLoader(
        lambda force_refresh=False: token, REGION, rate_limit=0, max_attempts=3, sleep=no_sleep
    )
    with pytest.raises(NetworkError):
        client.load_inventory(on_event=Events(refuse_mid_roles), loader=loader)
    assert 30 <= len(loader.partial.roles) < 150 and not loader.partial.complete
    assert client.cache.path_for(sso_session).read_bytes() == saved
    assert got_pairs(client.cached_inventory()) == got_pairs(first)

    emu.start()
    assert got_pairs(full_load(client, token)) == expected_pairs(emu)


# -- 4. offline: the loader ------------------------------------------------------------------


def test_an_unreachable_portal_is_reported_after_a_few_tries_not_ten(make_emulator):
    """Connection refused is not worth ten tries with backoff (~30 s of an offline user
    waiting): the loader gives up after ``max_network_attempts`` tries in a row."""
    emu = make_emulator(accounts=5, seed=1)
    token = emu.mint_token()["accessToken"]
    emu.stop()
    loader = InventoryLoader(lambda force_refresh=False: token, REGION, sleep=no_sleep)
    wire = WireCounter(loader)
    events = Events()
    with pytest.raises(NetworkError, match="^cannot reach 127.0.0.1:"):
        loader.load(events)
    assert wire.sent == {("ListAccounts", "", ""): loader.max_network_attempts}
    assert loader.max_network_attempts == 4 < loader.max_attempts
    assert [r.reason for r in events.of(Retrying)] == ["network error"] * 3
    assert loader.partial.accounts == [] and not loader.partial.complete


# -- 4. offline: the CLI ----------------------------------------------------------------------


ssotui = run_ssotui


@pytest.fixture
def offline_with_cache(emulator, sso_session):
    """Signed in, a complete inventory cached, and then the portal is gone."""
    sign_in(emulator, sso_session)
    client = SsoClient(sso_session)
    inventory = client.load_inventory()
    assert inventory.complete
    emulator.stop()
    return emulator


def test_offline_cli_commands_that_need_the_portal_fail_with_one_line(offline_with_cache):
    emu = offline_with_cache
    account = emu.org.accounts[0]
    host = emu.base_url.removeprefix("http://")
    assert_one_line_error(
        ssotui("console", account.account_id, account.roles[0], "--print"),
        f"cannot reach {host}",
        "check your network",
    )
    assert_one_line_error(
        ssotui("console", account.name, account.roles[0], "--print"), f"cannot reach {host}"
    )
    assert_one_line_error(ssotui("list", "--refresh"), f"cannot reach {host}", "listing accounts")
    assert_one_line_error(
        ssotui("env", account.account_id, account.roles[0]), f"cannot reach {host}"
    )


def test_offline_cli_list_still_answers_from_the_cache(offline_with_cache):
    emu = offline_with_cache
    proc = ssotui("list", "--json", "--sso-session", SESSION_NAME)
    assert proc.returncode == 0, proc.stderr
    rows = {(r["accountId"], r["roleName"]) for r in json.loads(proc.stdout)}
    assert rows == expected_pairs(emu)
