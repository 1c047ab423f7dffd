"""A broken or hostile portal (issue 11 §2-§4): rows with invalid account ids or role names are
skipped and said so, wrong-typed JSON is one clear error naming the operation, and endless
pages, a stalled or trickled answer and a huge body each end in one line within the limits
(``portal_http``: 30 s per request and 8 MiB per answer; shrunk here so that each test takes a
second or two), with the cached inventory untouched.

Everything goes through real boto3 / our transport / real ``ssotui`` processes against the
emulator's hostile knobs on loopback. Calls that would hang on the old code run under a
bound (``finishes``, or the subprocess timeout), so that they fail instead of hanging."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers import assert_one_line_error, run_ssotui, sign_in

from ssotui.core import inventory as inventory_module
from ssotui.core import portal_http, untrusted
from ssotui.core.auth import Authenticator
from ssotui.core.credentials import CredentialBroker
from ssotui.core.errors import BadAnswer, NetworkError, SsoError
from ssotui.core.inventory import Inventory, InventoryCache, InventoryLoader
from ssotui.core.models import Account, SsoSession
from ssotui.core.service import SsoClient
from ssotui.emulator.hostile import BAD_IDS, BAD_ROLES, HOSTILE_NAMES, INJECTION_MARKER

REGION = "us-east-1"
SESSION = SsoSession("test", "https://d-9067000000.awsapps.com/start", REGION)


def no_sleep(_seconds: float) -> None:
    pass


def finishes(call, seconds: float = 15.0):
    """``call()``'s result (or its exception), failing the test if it runs longer than
    ``seconds`` (the old code ran minutes, or for ever, in these cases)."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def loader(emu, *, use_http: bool = True, **knobs) -> InventoryLoader:
    token = emu.mint_token()["accessToken"]
    return InventoryLoader(
        lambda force_refresh=False: token,
        REGION,
        rate_limit=0,
        sleep=no_sleep,
        use_http=use_http,
        **knobs,
    )


@pytest.fixture
def short_limits(monkeypatch):
    """A 1 s whole-request deadline (30 s in use) and a 64 KiB answer cap (8 MiB)."""
    monkeypatch.setattr(portal_http, "DEADLINE", 1.0)
    monkeypatch.setattr(portal_http, "MAX_BODY", 64 << 10)


def one_line(message: str) -> str:
    assert "\n" not in message and "Traceback" not in message
    return message


# -- §2 validation at the inventory boundary ------------------------------------------------


@pytest.mark.parametrize("use_http", [True, False], ids=["http", "botocore"])
def test_hostile_rows_are_skipped_and_said_so_and_hostile_names_kept_clean(
    make_emulator, tmp_path, use_http
):
    emu = make_emulator(accounts=5, seed=2, hostile=True)
    inventory = loader(emu, use_http=use_http).load()

    assert inventory.complete
    ids = {a.account_id for a in inventory.accounts}
    assert all(untrusted.is_account_id(i) for i in ids)
    assert not ids & set(BAD_IDS)
    rows = inventory.assignments()
    assert all(untrusted.is_role_name(r.role_name) for r in rows)
    assert inventory.roles["999000000100"] == ("ReadOnlyAccess",)
    # Every skipped row is described once, in one printable line.
    assert len(inventory.skipped) == len(BAD_IDS) + len(BAD_ROLES)
    assert all(line == untrusted.for_terminal(line) for line in inventory.skipped)
    assert "account id '12345678901\ufffd' is not 12 digits" in inventory.skipped
    assert sum("of account 999000000100 is not valid" in line for line in inventory.skipped) == 5
    # Valid accounts with hostile names are all kept, their names encodable (no lone
    # surrogate, no NUL) and otherwise as the portal sent them.
    names = {a.account_id: a.account_name for a in inventory.accounts}
    for index, name in enumerate(HOSTILE_NAMES):
        kept = names[f"{999000000000 + index:012d}"]
        kept.encode("utf-8")
        assert "\x00" not in kept
        assert kept == untrusted.clean_text(name)
    # The cache is written and reads back the same.
    cache = InventoryCache(tmp_path)
    cache.save(SESSION, inventory)
    again = cache.load(SESSION)
    assert again is not None
    assert again.accounts == inventory.accounts and again.roles == inventory.roles
    assert again.skipped == inventory.skipped


def test_an_old_cache_with_bad_rows_reads_without_them(tmp_path):
    cache = InventoryCache(tmp_path)
    cache.save(SESSION, Inventory([], {}, inventory_module.timeutil.utcnow(), True))
    path = cache.path_for(SESSION)
    data = json.loads(path.read_text())
    data.pop("skipped")  # as an older version wrote it
    data["accounts"] = [
        {"accountId": "111111111111", "accountName": "ok\udcff", "emailAddress": "",
         "roles": ["Admin", "Admin\n[profile x]\ncredential_process=sh", "Read"]},
        {"accountId": "11111111111\n", "accountName": "bad", "emailAddress": "", "roles": []},
        {"accountId": "٣٣٣٣٣٣٣٣٣٣٣٣", "accountName": "digits", "emailAddress": "", "roles": []},
    ]  # fmt: skip
    path.write_text(json.dumps(data))

    loaded = cache.load(SESSION)

    assert loaded is not None and loaded.complete
    assert loaded.accounts == [Account("111111111111", "ok\ufffd", "")]
    assert loaded.roles == {"111111111111": ("Admin", "Read")}
    assert loaded.skipped == (
        "role name 'Admin\ufffd[profile x]\ufffdcredential_process=sh' of account "
        "111111111111 is not valid",
        "account id '11111111111\ufffd' is not 12 digits",
        "account id '٣٣٣٣٣٣٣٣٣٣٣٣' is not 12 digits",
    )


def test_the_cache_is_written_even_with_a_name_that_cannot_be_encoded(tmp_path):
    """Before, one lone surrogate made the write fail with UnicodeEncodeError (and every
    command with "unexpected error"); the writer now escapes it and the reader cleans it."""
    cache = InventoryCache(tmp_path)
    inventory = Inventory(
        [Account("111111111111", "lone\udcffsurrogate")],
        {"111111111111": ("Admin",)},
        inventory_module.timeutil.utcnow(),
        True,
    )
    cache.save(SESSION, inventory)
    loaded = cache.load(SESSION)
    assert loaded is not None
    assert loaded.accounts == [Account("111111111111", "lone\ufffdsurrogate")]


def test_credentials_are_never_asked_for_an_invalid_account_id_or_role(emulator):
    token = emulator.mint_token()["accessToken"]
    broker = CredentialBroker(lambda force_refresh=False: token, REGION)
    account = emulator.org.accounts[0]
    for account_id, role in [
        ("12345678901\n", account.roles[0]),
        ("../../../../tmp/x", account.roles[0]),
        ("123456789012$(id)", account.roles[0]),
        (account.account_id, "Admin\n[profile injected]"),
        (account.account_id, "Role$(touch /tmp/x)"),
        (account.account_id, "x" * 65),
    ]:
        with pytest.raises(SsoError) as caught:
            broker.get(account_id, role)
        one_line(str(caught.value))
    assert emulator.stats.calls["GetRoleCredentials"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("secretAccessKey", "abc def"),
        ("sessionToken", "tok'en"),
        ("accessKeyId", 'AKIA"X'),
        ("sessionToken", "line\nbreak"),
        ("accessKeyId", 12345),
        ("expiration", "soon"),
        ("expiration", 10**30),
    ],
)
def test_credentials_with_unusable_fields_are_refused(emulator, monkeypatch, field, value):
    issue = emulator.federation.issue_credentials

    def tampered(account_id, role):
        return {**issue(account_id, role), field: value}

    monkeypatch.setattr(emulator.federation, "issue_credentials", tampered)
    token = emulator.mint_token()["accessToken"]
    broker = CredentialBroker(lambda force_refresh=False: token, REGION)
    account = emulator.org.accounts[0]
    with pytest.raises(SsoError) as caught:
        broker.get(account.account_id, account.roles[0])
    assert "GetRoleCredentials" in one_line(str(caught.value))


# -- §3 wrong-typed JSON ----------------------------------------------------------------------


@pytest.mark.parametrize("use_http", [True, False], ids=["http", "botocore"])
@pytest.mark.parametrize("malformed", ["string-list", "int-token", "item-not-object"])
@pytest.mark.parametrize("operation", ["ListAccounts", "ListAccountRoles"])
def test_wrong_typed_json_is_one_line_naming_the_operation(
    make_emulator, malformed, operation, use_http
):
    emu = make_emulator(accounts=3, seed=4)
    emu.abuse_ops = {operation}
    emu.malformed = malformed
    with pytest.raises(BadAnswer) as caught:
        loader(emu, use_http=use_http).load()
    assert f"malformed answer to {operation}" in one_line(str(caught.value))


def test_role_credentials_that_are_not_an_object_are_one_line(emulator):
    emulator.malformed = "string-list"  # roleCredentials becomes a string
    token = emulator.mint_token()["accessToken"]
    broker = CredentialBroker(lambda force_refresh=False: token, REGION)
    account = emulator.org.accounts[0]
    with pytest.raises(BadAnswer) as caught:
        broker.get(account.account_id, account.roles[0])
    assert "malformed answer to GetRoleCredentials" in one_line(str(caught.value))


def tamper_oidc(operation: str, **fields):
    """Change fields of one sso-oidc answer after botocore parsed it (the client is ours)."""
    from ssotui.core import clients

    def after_call(parsed, **_kwargs):
        parsed.update(fields)

    client = clients.client("sso-oidc", REGION)
    client.meta.events.register(f"after-call.sso-oidc.{operation}", after_call)


@pytest.mark.parametrize(
    "fields",
    [{"accessToken": 123}, {"accessToken": "a b"}, {"expiresIn": "3600"}, {"refreshToken": []}],
)
def test_a_wrong_typed_refresh_answer_is_one_line_and_the_token_file_is_kept(
    emulator, sso_session, fields
):
    sign_in(emulator, sso_session)
    auth = Authenticator(sso_session)
    before = auth.cache.token_path.read_bytes()
    tamper_oidc("CreateToken", **fields)
    with pytest.raises(BadAnswer) as caught:
        auth.token(force_refresh=True)
    assert "malformed answer to CreateToken" in one_line(str(caught.value))
    assert auth.cache.token_path.read_bytes() == before


@pytest.mark.parametrize(
    ("operation", "fields"),
    [
        ("RegisterClient", {"clientSecretExpiresAt": "later"}),
        ("RegisterClient", {"clientId": None}),
        ("StartDeviceAuthorization", {"userCode": ["ABCD"]}),
        ("StartDeviceAuthorization", {"interval": "5"}),
        ("StartDeviceAuthorization", {"deviceCode": 7}),
    ],
)
def test_a_wrong_typed_login_answer_is_one_line(emulator, sso_session, operation, fields):
    tamper_oidc(operation, **fields)
    with pytest.raises(BadAnswer) as caught:
        Authenticator(sso_session).start_login()
    assert f"malformed answer to {operation}" in one_line(str(caught.value))


# -- §4 bounded: pages ------------------------------------------------------------------------


@pytest.mark.parametrize("use_http", [True, False], ids=["http", "botocore"])
@pytest.mark.parametrize("pages", ["endless-empty", "endless-repeat"])
@pytest.mark.parametrize("operation", ["ListAccounts", "ListAccountRoles"])
def test_endless_pages_end_with_one_line(make_emulator, pages, operation, use_http):
    """A fresh nextToken every time: the old code asked for ever (it only caught a token it
    had seen before)."""
    emu = make_emulator(accounts=1, seed=4)
    emu.abuse_ops = {operation}
    emu.pages = pages
    with pytest.raises(BadAnswer) as caught:
        finishes(loader(emu, use_http=use_http).load)
    assert "with nothing new" in one_line(str(caught.value))
    # The first page, then MAX_EMPTY_PAGES pages that brought nothing new.
    assert emu.stats.calls[operation] <= 1 + inventory_module.MAX_EMPTY_PAGES + 1


def test_a_listing_stops_after_max_pages(make_emulator, monkeypatch):
    monkeypatch.setattr(inventory_module, "MAX_PAGES", 2)
    emu = make_emulator(accounts=250, seed=4)  # three pages of 100
    with pytest.raises(BadAnswer, match="more than 2 ListAccounts pages"):
        loader(emu).load()
    assert emu.stats.calls["ListAccounts"] == 2


# -- §4 bounded: time and size ----------------------------------------------------------------


@pytest.mark.parametrize("use_http", [True, False], ids=["http", "botocore"])
@pytest.mark.parametrize("how", ["stall", "trickle"])
def test_a_stalled_or_trickled_answer_ends_at_the_deadline_and_is_not_retried(
    make_emulator, short_limits, how, use_http
):
    """Before: a stall waited 20 s per read, four times (83 s); a trickle of one byte every
    0.2 s never tripped the per-read timeout and took the body's length × 0.2 s."""
    emu = make_emulator(accounts=2, seed=4)
    if how == "stall":
        emu.stall = True
    else:
        emu.trickle_s = 0.2
    with pytest.raises(NetworkError) as caught:
        finishes(loader(emu, use_http=use_http).load)
    assert "no answer from 127.0.0.1:" in one_line(str(caught.value))
    assert "within 1 s while listing accounts" in str(caught.value)
    assert emu.stats.calls["ListAccounts"] == 1


@pytest.mark.parametrize("use_http", [True, False], ids=["http", "botocore"])
def test_a_huge_answer_is_refused_fast_and_not_retried(make_emulator, use_http):
    emu = make_emulator(accounts=2, seed=4)
    emu.huge_body_bytes = 1 << 30
    with pytest.raises(BadAnswer) as caught:
        finishes(loader(emu, use_http=use_http).load)
    assert "sent an answer over 8 MiB while listing accounts" in one_line(str(caught.value))
    assert emu.stats.calls["ListAccounts"] == 1


def test_an_answer_without_a_length_is_cut_off_at_the_cap(monkeypatch):
    """A chunked answer announces no length: reading stops as soon as it passes the cap."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    sent: list[int] = []

    class Endless(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 4096
            try:
                for _ in range(1 << 14):  # 64 MiB if nobody stops it
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent.append(len(chunk))
            except OSError:
                pass

    monkeypatch.setattr(portal_http, "MAX_BODY", 64 << 10)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endless)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        http = portal_http.PortalHttp(f"http://127.0.0.1:{server.server_address[1]}")
        with pytest.raises(portal_http.PortalHttpError) as caught:
            finishes(lambda: http.list_accounts("t", 100))
        assert caught.value.response["Error"]["Code"] == "too-large"
    finally:
        server.shutdown()
        server.server_close()
    assert sum(sent) < 64 << 20  # it stopped reading long before the end


@pytest.mark.parametrize("how", ["stall", "trickle", "huge"])
def test_get_role_credentials_is_bounded_and_not_retried(make_emulator, short_limits, how):
    """Through botocore (with its own retries, three attempts) as before, but sent by our
    transport: one request, ended by the deadline or the size cap."""
    emu = make_emulator(accounts=2, seed=4)
    token = emu.mint_token()["accessToken"]
    setattr(emu, {"stall": "stall", "trickle": "trickle_s", "huge": "huge_body_bytes"}[how],
            {"stall": True, "trickle": 0.2, "huge": 1 << 30}[how])  # fmt: skip
    broker = CredentialBroker(lambda force_refresh=False: token, REGION)
    account = emu.org.accounts[0]
    with pytest.raises(SsoError) as caught:
        finishes(lambda: broker.get(account.account_id, account.roles[0]))
    message = one_line(str(caught.value))
    assert "getting credentials for" in message
    assert emu.stats.calls["GetRoleCredentials"] == 1


def test_a_stalled_token_refresh_ends_at_the_deadline(emulator, sso_session, short_limits):
    sign_in(emulator, sso_session)
    auth = Authenticator(sso_session)
    before = auth.cache.token_path.read_bytes()
    emulator.abuse_ops = {"CreateToken"}
    emulator.stall = True
    with pytest.raises(NetworkError, match="within 1 s while refreshing the login token"):
        finishes(lambda: auth.token(force_refresh=True))
    assert emulator.stats.calls["CreateToken"] == 1
    assert auth.cache.token_path.read_bytes() == before


# -- through a proxy: botocore sends, within the same limits ----------------------------------


@pytest.fixture
def through_a_proxy(monkeypatch):
    """As when ``HTTPS_PROXY`` applies: our transport steps aside and botocore sends (here
    straight to the emulator: the proxy itself is botocore's business). Returns the URLs the
    bounded sender handled."""
    from ssotui.core import proxied

    monkeypatch.setattr(portal_http, "for_client", lambda client, **_: None)
    sent: list[str] = []
    send = proxied.ProxiedSender.__call__

    def counting(self, request, **kwargs):
        sent.append(request.url)
        return send(self, request, **kwargs)

    monkeypatch.setattr(proxied.ProxiedSender, "__call__", counting)
    return sent


def test_through_a_proxy_the_listing_and_credentials_still_work(make_emulator, through_a_proxy):
    emu = make_emulator(accounts=5, seed=4)
    inventory = loader(emu).load()
    assert inventory.complete
    assert {r.key for r in inventory.assignments()} == {
        (a.account_id, role) for a in emu.org.accounts for role in a.roles
    }
    token = emu.mint_token()["accessToken"]
    account = emu.org.accounts[0]
    creds = CredentialBroker(lambda force_refresh=False: token, REGION).get(
        account.account_id, account.roles[0]
    )
    assert creds.access_key_id.startswith("ASIA")
    assert len(through_a_proxy) == sum(emu.stats.calls.values())


@pytest.mark.parametrize("how", ["stall", "trickle", "huge"])
def test_through_a_proxy_every_call_is_bounded_and_not_retried(
    make_emulator, short_limits, through_a_proxy, how
):
    """botocore's read timeout bounds each read only (before: 20 s a read, a trickle never
    tripped it, and a 1 GiB body was read whole)."""
    emu = make_emulator(accounts=2, seed=4)
    token = emu.mint_token()["accessToken"]
    setattr(emu, {"stall": "stall", "trickle": "trickle_s", "huge": "huge_body_bytes"}[how],
            {"stall": True, "trickle": 0.2, "huge": 1 << 30}[how])  # fmt: skip
    with pytest.raises(SsoError) as caught:
        finishes(loader(emu).load)
    assert "while listing accounts" in one_line(str(caught.value))
    account = emu.org.accounts[0]
    broker = CredentialBroker(lambda force_refresh=False: token, REGION)
    with pytest.raises(SsoError) as caught:
        finishes(lambda: broker.get(account.account_id, account.roles[0]))
    assert "while getting credentials for" in one_line(str(caught.value))
    assert emu.stats.calls["ListAccounts"] == 1 and emu.stats.calls["GetRoleCredentials"] == 1
    assert len(through_a_proxy) == 2


# -- the CLI, as a user runs it ---------------------------------------------------------------


def ssotui_limited(*args: str, deadline: float = 1.0, timeout: float = 30):
    """``ssotui ARGS`` in a real process with a shorter whole-request deadline."""
    code = (
        "import sys\n"
        "from ssotui.core import portal_http\n"
        f"portal_http.DEADLINE = {deadline!r}\n"
        "from ssotui.cli import main\n"
        "raise SystemExit(main(sys.argv[1:]))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ),
    )


@pytest.fixture
def cached(emulator, sso_session):
    """Signed in with a complete inventory cached; returns the cache file's bytes."""
    sign_in(emulator, sso_session)
    client = SsoClient(sso_session)
    assert client.load_inventory().complete
    path = client.cache.path_for(sso_session)
    return path, path.read_bytes()


def test_cli_endless_pages_are_one_line_and_the_cache_is_kept(emulator, cached):
    path, saved = cached
    emulator.abuse_ops = {"ListAccounts"}
    emulator.pages = "endless-empty"
    proc = run_ssotui("list", "--refresh", timeout=60)
    assert_one_line_error(proc, "kept sending pages of accounts with nothing new")
    assert path.read_bytes() == saved


@pytest.mark.parametrize("malformed", ["string-list", "int-token", "item-not-object"])
def test_cli_wrong_typed_json_is_one_line_and_the_cache_is_kept(emulator, cached, malformed):
    path, saved = cached
    emulator.malformed = malformed
    proc = run_ssotui("list", "--refresh", timeout=60)
    assert_one_line_error(proc, "malformed answer to ListAccounts")
    assert "unexpected error" not in proc.stderr
    assert path.read_bytes() == saved


@pytest.mark.parametrize("how", ["stall", "trickle"])
def test_cli_stall_and_trickle_end_within_the_deadline(emulator, cached, how):
    """The subprocess timeout (30 s) is the bound: before, a stall took 83 s and a trickle
    of one byte every 0.5 s took the body's length × 0.5 s."""
    path, saved = cached
    if how == "stall":
        emulator.stall = True
    else:
        emulator.trickle_s = 0.5
    proc = ssotui_limited("list", "--refresh")
    assert_one_line_error(proc, "no answer from 127.0.0.1:", "within 1 s while listing accounts")
    assert emulator.stats.calls["ListAccounts"] == 2  # the cached load, then this one
    assert path.read_bytes() == saved


RSS_PROBE = """
import resource, sys
from ssotui.cli import main
try:
    code = main(sys.argv[2:])
finally:
    with open(sys.argv[1], "w") as out:
        out.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
raise SystemExit(code)
"""


def peak_rss_kb(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, int]:
    report = tmp_path / "rss"
    proc = subprocess.run(
        [sys.executable, "-c", RSS_PROBE, str(report), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    return proc, int(report.read_text())


def test_cli_huge_body_ends_fast_with_bounded_memory_and_no_retry(emulator, cached, tmp_path):
    """A 1 GiB answer: before, 2.1 GB of RSS, then retried. Now refused from its length."""
    path, _ = cached
    normal, baseline = peak_rss_kb(tmp_path, "list", "--refresh")
    assert normal.returncode == 0, normal.stderr
    saved = path.read_bytes()
    emulator.reset_stats()
    emulator.huge_body_bytes = 1 << 30
    proc, peak = peak_rss_kb(tmp_path, "list", "--refresh")
    assert_one_line_error(proc, "sent an answer over 8 MiB while listing accounts")
    assert peak - baseline < 100 * 1024  # KiB: under 100 MB more than a normal run
    assert emulator.stats.calls["ListAccounts"] == 1
    assert path.read_bytes() == saved


def test_cli_hostile_org_lists_and_caches_and_profiles_write_no_injection(
    make_emulator, sso_session, home
):
    """Before: "unexpected error (UnicodeEncodeError)" for every command, the cache never
    written, and `profiles --write` wrote a role name with a newline (a new profile with a
    credential_process)."""
    emu = make_emulator(accounts=3, seed=2, hostile=True)
    sign_in(emu, sso_session)
    proc = run_ssotui("list", "--refresh", "--json", timeout=60)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert {r["accountId"] for r in rows} >= {f"{999000000000 + i:012d}" for i in range(13)}
    assert all(untrusted.is_account_id(r["accountId"]) for r in rows)
    assert all(untrusted.is_role_name(r["roleName"]) for r in rows)
    cached = SsoClient(sso_session).cached_inventory()
    assert cached is not None and cached.complete and len(cached.skipped) == 10

    proc = run_ssotui("profiles", "--write", timeout=60)
    assert proc.returncode == 0, proc.stderr
    config = Path(os.environ["AWS_CONFIG_FILE"]).read_text()
    assert "credential_process" not in config and "[profile injected]" not in config
    for line in config.splitlines():
        if line.startswith("sso_role_name"):
            assert untrusted.is_role_name(line.split("=", 1)[1].strip())
        if line.startswith("sso_account_id"):
            assert untrusted.is_account_id(line.split("=", 1)[1].strip())
    assert not Path(INJECTION_MARKER).exists()
