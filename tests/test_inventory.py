"""The inventory loader against the emulator (real boto3 over loopback HTTP), its cache, and
the rate limiter it is built on."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from datetime import UTC, datetime

import pytest
from helpers import Events

from ssotui.core import clients, timeutil
from ssotui.core.errors import NetworkError, SessionExpired, Throttled
from ssotui.core.inventory import (
    AccountsListed,
    Inventory,
    InventoryCache,
    InventoryLoader,
    Retrying,
    RolesListed,
)
from ssotui.core.models import Account, SsoSession

REGION = "us-east-1"


def no_sleep(_seconds: float) -> None:
    pass


@pytest.fixture(autouse=True)
def fresh_clients():
    clients.reset_clients()
    yield
    clients.reset_clients()


class Tokens:
    """A token source like Authenticator.access_token, counting forced refreshes."""

    def __init__(self, emulator, after_refresh: str | None = None) -> None:
        self.emulator = emulator
        self.after_refresh = after_refresh
        self.refreshes = 0
        self.lock = threading.Lock()
        self.value = emulator.mint_token()["accessToken"]

    def __call__(self, force_refresh: bool = False) -> str:
        with self.lock:
            if force_refresh:
                self.refreshes += 1
                self.value = self.after_refresh or self.emulator.mint_token()["accessToken"]
            return self.value


def expected_pairs(emu) -> set[tuple[str, str]]:
    return {(a.account_id, role) for a in emu.org.accounts for role in a.roles}


def got_pairs(inventory: Inventory) -> set[tuple[str, str]]:
    return {row.key for row in inventory.assignments()}


def record_max_results(loader: InventoryLoader, seen: list[int]) -> None:
    """Hook the loader's transport (plain HTTP, or the botocore client when the loader was
    told to use it) so that every request's page size is recorded."""
    _client, portal = loader._transport()
    if portal is None:

        def hook(params, **_kwargs):
            if "maxResults" in params:
                seen.append(params["maxResults"])

        loader._sso().meta.events.register("provide-client-params.sso.*", hook)
        return
    get = portal._get

    def spy(path, query, token):
        seen.append(int(dict(query)["max_result"]))
        return get(path, query, token)

    portal._get = spy


# -- loading ---------------------------------------------------------------------------------


def test_every_assignment_of_a_three_page_org_arrives(make_emulator):
    emu = make_emulator(accounts=250, seed=3)
    sizes: list[int] = []
    recorder = Events()
    loader = InventoryLoader(Tokens(emu), REGION, rate_limit=0, sleep=no_sleep)
    record_max_results(loader, sizes)

    inventory = loader.load(recorder)

    assert inventory.complete
    assert got_pairs(inventory) == expected_pairs(emu)
    assert [a.account_id for a in inventory.accounts] == [a.account_id for a in emu.org.accounts]
    assert {a.account_id: a.email for a in inventory.accounts} == {
        a.account_id: a.email for a in emu.org.accounts
    }
    assert emu.stats.calls["ListAccounts"] == 3
    assert emu.stats.calls["ListAccountRoles"] == 250
    assert sizes and max(sizes) == 100
    # Events: accounts announced before their roles, `done` counts up without gaps.
    listed: set[str] = set()
    done = []
    for event in recorder.events:
        if isinstance(event, AccountsListed):
            listed.update(a.account_id for a in event.accounts)
            assert event.total_so_far == len(listed)
        elif isinstance(event, RolesListed):
            assert event.account.account_id in listed
            assert event.total <= len(listed)
            done.append(event.done)
    assert done == list(range(1, 251))
    assert not recorder.of(Retrying)
    assert loader.partial.complete and got_pairs(loader.partial) == expected_pairs(emu)


def test_throttling_is_retried_and_nothing_is_dropped(make_emulator):
    emu = make_emulator(accounts=60, seed=5, rate_limit=30)
    recorder = Events()
    loader = InventoryLoader(Tokens(emu), REGION, rate_limit=80, backoff_base=0.05, backoff_cap=0.4)
    inventory = loader.load(recorder)
    assert inventory.complete
    assert got_pairs(inventory) == expected_pairs(emu)
    retries = recorder.of(Retrying)
    assert emu.stats.throttled["ListAccountRoles"] > 0
    assert retries and {r.reason for r in retries} == {"throttled"}
    assert all(r.operation == "ListAccountRoles" and r.delay > 0 for r in retries)


def test_server_faults_are_retried(make_emulator):
    emu = make_emulator(accounts=80, seed=11, fail_rate=0.1)
    recorder = Events()
    loader = InventoryLoader(Tokens(emu), REGION, rate_limit=0, sleep=no_sleep)
    inventory = loader.load(recorder)
    assert inventory.complete
    assert got_pairs(inventory) == expected_pairs(emu)
    assert sum(emu.stats.faults.values()) > 0
    assert any(r.reason.startswith("server error") for r in recorder.of(Retrying))


def test_backoff_grows_and_stays_jittered_within_the_cap():
    loader = InventoryLoader(lambda **_: "t", REGION, backoff_base=0.25, backoff_cap=8.0)
    for attempt in range(1, 12):
        ceiling = min(8.0, 0.25 * 2 ** (attempt - 1))
        delays = [loader._backoff(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1


def roles_order(recorder: Events) -> list[str]:
    return [e.account.account_id for e in recorder.of(RolesListed)]


def test_prioritized_account_jumps_the_queue(make_emulator):
    emu = make_emulator(accounts=250, seed=3, latency_ms=10)
    last = emu.org.accounts[-1].account_id  # on the third ListAccounts page
    end_of_page_one = emu.org.accounts[99].account_id
    wanted = {last, end_of_page_one}

    def stop_when_both_arrived(event):
        if isinstance(event, RolesListed):
            wanted.discard(event.account.account_id)
            if not wanted:
                loader.cancel()  # the rest would only take time

    recorder = Events(stop_when_both_arrived)
    loader = InventoryLoader(Tokens(emu), REGION, rate_limit=0, workers=4)
    loader.prioritize(end_of_page_one)
    loader.prioritize(last)  # most recent request first, as soon as it is listed
    loader.load(recorder)
    order = roles_order(recorder)
    assert order.index(end_of_page_one) < 6
    assert order.index(last) < 30


def test_prioritize_from_another_thread_while_loading(make_emulator):
    emu = make_emulator(accounts=120, seed=4, latency_ms=5)
    target = emu.org.accounts[90].account_id
    asked = []

    def on_event(event):
        if isinstance(event, RolesListed) and event.done == 3 and not asked:
            asked.append(event.done)
            threading.Thread(target=loader.prioritize, args=(target,)).start()

    recorder = Events(on_event)
    loader = InventoryLoader(Tokens(emu), REGION, rate_limit=0, workers=2)
    loader.load(recorder)
    assert roles_order(recorder).index(target) < 12


def test_prioritize_from_the_accounts_listed_callback(make_emulator):
    """The UI highlights an account the moment it appears: that request must not be lost."""
    emu = make_emulator(accounts=150, seed=4)
    target = emu.org.accounts[50].account_id

    def on_event(event):
        if isinstance(event, AccountsListed) and event.total_so_far == 100:
            loader.prioritize(target)

    recorder = Events(on_event)
    loader = InventoryLoader(Tokens(emu), REGION, rate_limit=0, workers=1)
    loader.load(recorder)
    assert roles_order(recorder)[0] == target


def test_one_refresh_when_the_token_expires_before_the_load(make_emulator):
    emu = make_emulator(accounts=30, seed=2)
    tokens = Tokens(emu)
    emu.expire_access_tokens()
    inventory = InventoryLoader(tokens, REGION, rate_limit=0, sleep=no_sleep).load()
    assert inventory.complete and got_pairs(inventory) == expected_pairs(emu)
    assert tokens.refreshes == 1


def test_one_refresh_when_many_workers_hit_401_at_once(make_emulator):
    emu = make_emulator(accounts=120, seed=2, latency_ms=5)
    tokens = Tokens(emu)

    def expire(event):
        if isinstance(event, RolesListed) and event.done == 10:
            emu.expire_access_tokens()

    loader = InventoryLoader(tokens, REGION, rate_limit=0, workers=8, sleep=no_sleep)
    inventory = loader.load(Events(expire))
    assert inventory.complete and got_pairs(inventory) == expected_pairs(emu)
    assert tokens.refreshes == 1


def test_second_401_is_session_expired(make_emulator):
    emu = make_emulator(accounts=30, seed=2)
    tokens = Tokens(emu, after_refresh="not-a-valid-token")
    emu.expire_access_tokens()
    loader = InventoryLoader(tokens, REGION, rate_limit=0, sleep=no_sleep)
    with pytest.raises(SessionExpired):
        loader.load()
    assert tokens.refreshes == 1
    assert loader.partial.complete is False


def test_dead_endpoint_mid_load_raises_network_error_and_keeps_what_arrived(make_emulator):
    emu = make_emulator(accounts=150, seed=9, latency_ms=2)

    def stop(event):
        if isinstance(event, RolesListed) and event.done == 20:
            emu.stop()

    loader = InventoryLoader(Tokens(emu), REGION, rate_limit=0, max_attempts=3, sleep=no_sleep)
    with pytest.raises(NetworkError) as caught:
        loader.load(Events(stop))
    partial = loader.partial
    assert partial.complete is False
    assert len(partial.accounts) == 150
    assert 20 <= len(partial.roles) < 150
    org = {a.account_id: a for a in emu.org.accounts}
    for account_id, roles in partial.roles.items():
        assert roles == org[account_id].roles
    assert str(caught.value).startswith("cannot reach 127.0.0.1:")


def test_server_failing_for_good_raises_after_bounded_attempts(make_emulator):
    emu = make_emulator(accounts=60, seed=9)

    def break_it(event):
        if isinstance(event, RolesListed) and event.done == 10:
            emu.fail_rate = 1.0

    recorder = Events(break_it)
    loader = InventoryLoader(Tokens(emu), REGION, rate_limit=0, max_attempts=3, sleep=no_sleep)
    with pytest.raises(NetworkError):
        loader.load(recorder)
    assert loader.partial.complete is False
    assert 10 <= len(loader.partial.roles) < 60
    # Every failing account got exactly max_attempts tries (2 retries each), no more.
    per_account = max(r.attempt for r in recorder.of(Retrying))
    assert per_account == 2


def test_throttled_for_good_raises_throttled_at_the_deadline(make_emulator):
    """A portal that only throttles is asked again until the load's deadline, however many
    tries that takes (max_attempts bounds faults, not 429s); then one Throttled error."""
    emu = make_emulator(accounts=10, seed=9, rate_limit=0)  # every portal call is a 429
    loader = InventoryLoader(
        Tokens(emu), REGION, rate_limit=0, max_attempts=2, sleep=no_sleep, deadline=0.5
    )
    with pytest.raises(Throttled, match=r"kept throttling; loading stopped after 0.5 s"):
        loader.load()
    assert emu.stats.calls["ListAccounts"] > 2
    assert loader.partial.accounts == [] and loader.partial.complete is False
    assert loader.ended_early(Throttled("x")) is None  # nothing arrived: nothing to show


class FakeSso:
    """Stands in for the boto3 client: answers as botocore does after parsing."""

    def __init__(self, roles_answers: list[dict]) -> None:
        self.roles_answers = roles_answers

    @staticmethod
    def meta(length: int) -> dict:
        return {"ResponseMetadata": {"HTTPHeaders": {"content-length": str(length)}}}

    def list_accounts(self, **_params):
        return {"accountList": [{"accountId": "111111111111", "accountName": "a"}]}

    def list_account_roles(self, **_params):
        return self.roles_answers.pop(0)


def test_a_truncated_answer_is_retried_not_taken_for_no_roles():
    truncated = FakeSso.meta(145)  # headers announced a body, none arrived
    good = {"roleList": [{"roleName": "Admin"}], **FakeSso.meta(60)}
    recorder = Events()
    loader = InventoryLoader(lambda **_: "t", REGION, rate_limit=0, sleep=no_sleep)
    loader._client = FakeSso([truncated, good])
    inventory = loader.load(recorder)
    assert inventory.roles == {"111111111111": ("Admin",)}
    assert [r.reason for r in recorder.of(Retrying)] == ["incomplete answer"]


def test_truncated_answers_for_good_raise_network_error():
    loader = InventoryLoader(lambda **_: "t", REGION, rate_limit=0, max_attempts=3, sleep=no_sleep)
    loader._client = FakeSso([FakeSso.meta(145)] * 3)
    with pytest.raises(NetworkError, match="incomplete answers"):
        loader.load()
    assert loader.partial.roles == {}


def test_an_empty_answer_without_a_list_means_no_roles():
    loader = InventoryLoader(lambda **_: "t", REGION, rate_limit=0, sleep=no_sleep)
    loader._client = FakeSso([FakeSso.meta(2)])  # "{}"
    assert loader.load().roles == {"111111111111": ()}


def test_cancel_stops_promptly_and_keeps_what_arrived(make_emulator):
    emu = make_emulator(accounts=200, seed=9, latency_ms=20)
    started = time.monotonic()

    def cancel(event):
        if isinstance(event, RolesListed) and event.done == 5:
            loader.cancel()

    loader = InventoryLoader(Tokens(emu), REGION, rate_limit=0, workers=4)
    inventory = loader.load(Events(cancel))
    assert time.monotonic() - started < 2.0
    assert inventory.complete is False
    assert 5 <= len(inventory.roles) < 30
    time.sleep(0.1)  # calls in flight finish; nothing new starts
    calls = emu.stats.calls["ListAccountRoles"]
    time.sleep(0.1)
    assert emu.stats.calls["ListAccountRoles"] == calls


def test_rate_limit_is_the_starting_rate(make_emulator):
    emu = make_emulator(accounts=3, seed=1)
    started = time.monotonic()
    loader = InventoryLoader(Tokens(emu), REGION, rate_limit=5)
    loader.load()
    # 3 ListAccountRoles calls starting at 5/s: 200 ms, then a little less (it ramps up).
    assert time.monotonic() - started >= 0.35
    assert emu.stats.throttled["ListAccountRoles"] == 0
    assert loader._limiters["ListAccountRoles"].start_rate == 5


def test_loader_is_single_use(make_emulator):
    emu = make_emulator(accounts=3, seed=1)
    loader = InventoryLoader(Tokens(emu), REGION, rate_limit=0)
    loader.load()
    with pytest.raises(RuntimeError):
        loader.load()


# -- the inventory itself -------------------------------------------------------------------


def test_assignments_are_ordered_by_account_name_then_role():
    inventory = Inventory(
        accounts=[
            Account("3", "beta"),
            Account("1", "Alpha", "a@x"),
            Account("2", "gamma"),
        ],
        roles={"3": ("Zed", "admin"), "1": ("ReadOnly",)},  # gamma not loaded yet
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
        complete=False,
    )
    rows = [(a.account_name, a.role_name) for a in inventory.assignments()]
    assert rows == [("Alpha", "ReadOnly"), ("beta", "admin"), ("beta", "Zed")]
    assert inventory.assignments()[0].email == "a@x"


# -- cache -----------------------------------------------------------------------------------


SESSION = SsoSession("test", "https://d-9067000000.awsapps.com/start", REGION)


def test_cache_round_trip_holds_no_token(make_emulator, tmp_path):
    emu = make_emulator(accounts=40, seed=8)
    tokens = Tokens(emu)
    loader = InventoryLoader(tokens, REGION, rate_limit=0)
    inventory = loader.load()
    cache = InventoryCache(tmp_path / "inv")
    cache.save(SESSION, inventory)

    loaded = cache.load(SESSION)
    assert loaded is not None
    assert loaded.accounts == inventory.accounts
    assert loaded.roles == inventory.roles
    assert loaded.complete is True
    assert loaded.fetched_at == inventory.fetched_at.replace(microsecond=0)

    files = list((tmp_path / "inv").iterdir())
    assert len(files) == 1
    text = files[0].read_text()
    assert tokens.value not in text
    assert "accessToken" not in text and "refreshToken" not in text
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "inv").stat().st_mode) == 0o700


def test_cache_keeps_partial_inventories_and_accounts_without_roles(tmp_path):
    cache = InventoryCache(tmp_path)
    inventory = Inventory(
        [Account("111111111111", "a"), Account("011111111111", "b", "b@x")],
        {"111111111111": ("Admin",)},
        datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        complete=False,
    )
    cache.save(SESSION, inventory)
    assert cache.load(SESSION) == inventory


def test_cache_is_per_session_and_start_url(tmp_path):
    cache = InventoryCache(tmp_path)
    inventory = Inventory([Account("1", "a")], {"1": ("R",)}, datetime.now(UTC), True)
    cache.save(SESSION, inventory)
    other_url = SsoSession("test", "https://other.awsapps.com/start", REGION)
    other_region = SsoSession("test", SESSION.start_url, "eu-west-1")
    other_name = SsoSession("prod", SESSION.start_url, REGION)
    assert cache.load(other_url) is None
    assert cache.load(other_region) is None
    assert cache.load(other_name) is None
    # A file copied under another session's name still does not apply to it.
    cache.path_for(other_url).write_text(cache.path_for(SESSION).read_text())
    assert cache.load(other_url) is None


@pytest.mark.parametrize(
    "content",
    [
        "",
        "{not json",
        "[]",
        '{"version": 99}',
        "null",
        "SENTINEL_TRUNCATED",
        "SENTINEL_BAD_ROLES",
        "SENTINEL_BAD_DATE",
    ],
)
def test_corrupt_cache_reads_as_none(tmp_path, content):
    cache = InventoryCache(tmp_path)
    good = Inventory([Account("1", "a")], {"1": ("R",)}, datetime.now(UTC), True)
    cache.save(SESSION, good)
    path = cache.path_for(SESSION)
    data = json.loads(path.read_text())
    if content == "SENTINEL_TRUNCATED":
        content = path.read_text()[:40]
    elif content == "SENTINEL_BAD_ROLES":
        data["accounts"][0]["roles"] = "R"
        content = json.dumps(data)
    elif content == "SENTINEL_BAD_DATE":
        data["fetchedAt"] = "yesterday"
        content = json.dumps(data)
    path.write_text(content)
    assert cache.load(SESSION) is None


def test_cache_missing_and_default_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("SSOTUI_CACHE_DIR", str(tmp_path / "c"))
    cache = InventoryCache()
    assert cache.load(SESSION) is None
    cache.save(SESSION, Inventory([], {}, datetime.now(UTC), True))
    assert cache.path_for(SESSION).parent == tmp_path / "c" / "inventory"
    assert cache.load(SESSION) is not None


def test_cache_write_failure_is_not_fatal(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = InventoryCache(blocker / "inv")  # cannot create a directory under a file
    cache.save(SESSION, Inventory([], {}, datetime.now(UTC), True))
    assert cache.load(SESSION) is None
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert os.listdir(tmp_path) == ["file"]


# -- facade ----------------------------------------------------------------------------------


def test_facade_never_saves_a_partial_inventory_over_a_good_cache(emulator, sso_session):
    """Quitting mid-refresh cancels the load: the cache must keep the complete inventory."""
    from ssotui.core.service import SsoClient

    client = SsoClient(sso_session)
    token = emulator.mint_token()["accessToken"]
    full = client.load_inventory(
        loader=InventoryLoader(lambda force_refresh=False: token, "us-east-1")
    )
    assert full.complete and client.cached_inventory().assignments() == full.assignments()

    loader = InventoryLoader(lambda force_refresh=False: token, "us-east-1")

    def cancel_early(event):
        if isinstance(event, RolesListed):
            loader.cancel()

    partial = client.load_inventory(on_event=cancel_early, loader=loader)
    assert not partial.complete
    assert client.cached_inventory().assignments() == full.assignments()


def test_botocore_path_still_loads_everything(make_emulator):
    """``use_http=False`` (and a proxy, see test_portal_http) sends the calls through boto3."""
    emu = make_emulator(accounts=120, seed=4)
    sizes: list[int] = []
    loader = InventoryLoader(Tokens(emu), REGION, rate_limit=0, sleep=no_sleep, use_http=False)
    record_max_results(loader, sizes)
    inventory = loader.load()
    assert inventory.complete and got_pairs(inventory) == expected_pairs(emu)
    assert loader._transport()[1] is None and sizes and max(sizes) == 100


def test_skipped_count_is_exact_past_the_described_rows():
    from ssotui.core.inventory_cache import MAX_SKIPPED, Skipped

    skipped = Skipped()
    for index in range(MAX_SKIPPED + 10):
        skipped.add(f"account id '{index}' is not 12 digits")
    inventory = Inventory([], {}, timeutil.utcnow(), True, skipped.lines())
    assert len(inventory.skipped) == MAX_SKIPPED
    assert inventory.skipped_count == MAX_SKIPPED + 10
    assert Inventory([], {}, timeutil.utcnow(), True, ("role name 'x' …",)).skipped_count == 1
    assert Inventory([], {}, timeutil.utcnow(), True).skipped_count == 0
