"""The token cache is byte-compatible with AWS CLI v2 / botocore and safe under concurrency."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ssotui.core import tokencache as tc_module
from ssotui.core.errors import LoginRequired
from ssotui.core.models import SsoSession
from ssotui.core.tokencache import TokenCache
from ssotui.core.tokens import Registration, Token

REPO = Path(__file__).resolve().parents[1]
# Subprocesses import ssotui from this checkout whether or not it is installed.
SUBPROCESS_ENV = {**os.environ, "PYTHONPATH": str(REPO)}
START = "https://d-1234567890.awsapps.com/start"
NAMED = SsoSession("my-sso", START, "us-east-1", configured_scopes=("sso:account:access",))
EXPIRES = datetime(2026, 11, 22, 8, 31, 34, tzinfo=UTC)
REG_EXPIRES = datetime(2027, 2, 20, 7, 30, tzinfo=UTC)


def full_token(**changes) -> Token:
    values = dict(
        start_url=START,
        region="us-east-1",
        access_token="aoa-access",
        expires_at=EXPIRES,
        client_id="cid",
        client_secret="csecret",
        registration_expires_at=REG_EXPIRES,
        refresh_token="aor-refresh",
    )
    values.update(changes)
    return Token(**values)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- file names ----------------------------------------------------------------------------


def test_token_file_is_sha1_of_session_name(tmp_path):
    cache = TokenCache(NAMED, tmp_path)
    assert cache.token_path == tmp_path / "0ad374308c5a4e22f723adf10145eafad7c4031c.json"


def test_legacy_token_file_is_sha1_of_exact_start_url(tmp_path):
    legacy = SsoSession(None, START, "us-east-1")
    assert TokenCache(legacy, tmp_path).token_path.name == (
        "7487b5b67d5fa1132cf33fa93ae51ef38cc37752.json"
    )
    # Not normalised: a trailing slash is a different file, as in the AWS CLI.
    slash = SsoSession(None, START + "/", "us-east-1")
    assert TokenCache(slash, tmp_path).token_path != TokenCache(legacy, tmp_path).token_path


def test_registration_file_uses_the_cli_key(tmp_path):
    assert TokenCache(NAMED, tmp_path).registration_path.name == (
        "a8343d65418848d0bc13a5f25cbb32508ceec5d1.json"
    )
    unscoped = SsoSession("my-sso", START, "us-east-1", configured_scopes=None)
    assert TokenCache(unscoped, tmp_path).registration_path.name == (
        "8b2cedd020fb181ad4cf906d1d27b232fd31557e.json"
    )


def test_default_directory_is_the_shared_cache_evaluated_at_call_time(home, monkeypatch):
    assert TokenCache(NAMED).token_path.parent == home / ".aws" / "sso" / "cache"
    monkeypatch.setenv("HOME", str(home / "elsewhere"))
    assert TokenCache(NAMED).token_path.parent == home / "elsewhere" / ".aws" / "sso" / "cache"


# -- writing -------------------------------------------------------------------------------


def test_save_writes_exact_aws_cli_bytes(tmp_path):
    cache = TokenCache(NAMED, tmp_path)
    cache.save_token(full_token())
    assert cache.token_path.read_bytes() == (
        b'{"startUrl": "https://d-1234567890.awsapps.com/start", "region": "us-east-1", '
        b'"accessToken": "aoa-access", "expiresAt": "2026-11-22T08:31:34Z", '
        b'"clientId": "cid", "clientSecret": "csecret", '
        b'"registrationExpiresAt": "2027-02-20T07:30:00Z", "refreshToken": "aor-refresh"}'
    )


def test_save_omits_absent_optional_keys_and_drops_fractions(tmp_path):
    cache = TokenCache(NAMED, tmp_path)
    token = Token(START, "eu-west-1", "aoa", datetime(2026, 1, 2, 3, 4, 5, 999999, tzinfo=UTC))
    cache.save_token(token)
    assert json.loads(cache.token_path.read_text()) == {
        "startUrl": START,
        "region": "eu-west-1",
        "accessToken": "aoa",
        "expiresAt": "2026-01-02T03:04:05Z",
    }


def test_non_utc_datetimes_are_written_in_utc(tmp_path):
    cache = TokenCache(NAMED, tmp_path)
    cet = timezone(timedelta(hours=1))
    cache.save_token(full_token(expires_at=datetime(2026, 1, 1, 1, 0, tzinfo=cet)))
    assert json.loads(cache.token_path.read_text())["expiresAt"] == "2026-01-01T00:00:00Z"


def test_file_is_0600_in_a_0700_directory_and_no_temp_files_remain(tmp_path):
    directory = tmp_path / "aws" / "sso" / "cache"
    cache = TokenCache(NAMED, directory)
    cache.save_token(full_token())
    cache.save_token(full_token(access_token="second"))
    cache.save_registration(Registration("cid", "sec", REG_EXPIRES))
    assert mode(directory) == 0o700
    assert mode(cache.token_path) == 0o600
    assert mode(cache.registration_path) == 0o600
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        [cache.token_path.name, cache.registration_path.name]
    )


def test_a_looser_file_is_replaced_private_and_the_aws_clis_0755_directory_is_kept(tmp_path):
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)  # what the AWS CLI makes
    cache = TokenCache(NAMED, directory)
    cache.token_path.write_text("{}")
    cache.token_path.chmod(0o644)
    cache.save_token(full_token())
    assert mode(cache.token_path) == 0o600
    assert mode(directory) == 0o755


# -- reading -------------------------------------------------------------------------------


def test_round_trip(tmp_path):
    cache = TokenCache(NAMED, tmp_path)
    token = full_token()
    cache.save_token(token)
    loaded = cache.load_token()
    assert loaded == token
    assert loaded.refresh_token == "aor-refresh"
    assert loaded.client_secret == "csecret"


def test_missing_file_is_none(tmp_path):
    assert TokenCache(NAMED, tmp_path).load_token() is None
    assert TokenCache(NAMED, tmp_path).load_registration() is None


@pytest.mark.parametrize(
    "text", ["2026-11-22T08:31:34Z", "2026-11-22T08:31:34UTC", "2026-11-22T08:31:34+00:00"]
)
def test_reads_z_utc_and_offset_timestamps(tmp_path, text):
    cache = TokenCache(NAMED, tmp_path)
    cache.token_path.write_text(
        json.dumps({"accessToken": "a", "expiresAt": text, "registrationExpiresAt": text})
    )
    token = cache.load_token()
    assert token.expires_at == EXPIRES
    assert token.registration_expires_at == EXPIRES


def test_minimal_legacy_file_reads_with_missing_optional_keys(tmp_path):
    cache = TokenCache(NAMED, tmp_path)
    cache.token_path.write_text('{"accessToken": "a", "expiresAt": "2026-11-22T08:31:34Z"}')
    token = cache.load_token()
    assert (token.access_token, token.refresh_token, token.client_id) == ("a", None, None)


def test_unknown_keys_are_preserved_after_the_known_ones(tmp_path):
    cache = TokenCache(NAMED, tmp_path)
    data = {
        "ssoSessionName": "my-sso",
        "startUrl": START,
        "region": "us-east-1",
        "accessToken": "a",
        "expiresAt": "2026-11-22T08:31:34Z",
        "custom": {"nested": [1, 2]},
    }
    cache.token_path.write_text(json.dumps(data))
    token = cache.load_token()
    assert token.extra == {"ssoSessionName": "my-sso", "custom": {"nested": [1, 2]}}
    cache.save_token(token)
    written = json.loads(cache.token_path.read_text())
    assert written == data
    assert list(written) == [
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "ssoSessionName",
        "custom",
    ]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'{"accessToken": "a", "expiresAt": "2026-11-',
        b"[1, 2]",
        b'{"expiresAt": "2026-11-22T08:31:34Z"}',
        b'{"accessToken": "a"}',
        b'{"accessToken": "a", "expiresAt": "tomorrow"}',
        b"\xff\xfe not utf-8",
    ],
)
def test_corrupt_token_raises_login_required_naming_the_file_and_leaves_it(
    tmp_path, monkeypatch, content
):
    monkeypatch.setattr(tc_module.time, "sleep", lambda s: None)
    cache = TokenCache(NAMED, tmp_path)
    cache.token_path.write_bytes(content)
    before = cache.token_path.stat()
    with pytest.raises(LoginRequired) as info:
        cache.load_token()
    assert str(info.value) == (
        f"{cache.token_path}: the cached token is unreadable — run `ssotui login`."
    )
    assert cache.token_path.read_bytes() == content
    assert cache.token_path.stat().st_mtime_ns == before.st_mtime_ns


def test_half_written_file_is_read_again(tmp_path, monkeypatch):
    """The AWS CLI truncates then writes in place: a reader may see a partial file once."""
    cache = TokenCache(NAMED, tmp_path)
    cache.token_path.write_text('{"accessToken": "a", "exp')
    sleeps = []

    def finish_write(seconds):
        sleeps.append(seconds)
        cache.token_path.write_text('{"accessToken": "a", "expiresAt": "2026-11-22T08:31:34Z"}')

    monkeypatch.setattr(tc_module.time, "sleep", finish_write)
    assert cache.load_token().access_token == "a"
    assert len(sleeps) == 1


def test_secrets_are_not_in_reprs(tmp_path):
    cache = TokenCache(NAMED, tmp_path)
    token = full_token()
    text = repr(token) + repr(cache) + repr(Registration("cid", "csecret", REG_EXPIRES))
    for secret in ("aoa-access", "aor-refresh", "csecret"):
        assert secret not in text


# -- registration --------------------------------------------------------------------------


def test_registration_round_trip_in_cli_format(tmp_path):
    cache = TokenCache(NAMED, tmp_path)
    reg = Registration(
        "cid",
        "sec",
        REG_EXPIRES,
        scopes=("sso:account:access",),
        grant_types=("urn:ietf:params:oauth:grant-type:device_code", "refresh_token"),
    )
    cache.save_registration(reg)
    assert cache.registration_path.read_text() == (
        '{"clientId": "cid", "clientSecret": "sec", "expiresAt": "2027-02-20T07:30:00Z", '
        '"scopes": ["sso:account:access"], '
        '"grantTypes": ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"]}'
    )
    assert cache.load_registration() == reg


def test_cli_device_registration_without_optional_keys_loads(tmp_path):
    cache = TokenCache(NAMED, tmp_path)
    cache.registration_path.write_text(
        '{"clientId": "c", "clientSecret": "s", "expiresAt": "2027-02-20T07:30:00UTC"}'
    )
    reg = cache.load_registration()
    assert (reg.client_id, reg.expires_at, reg.scopes, reg.grant_types) == (
        "c",
        REG_EXPIRES,
        None,
        None,
    )


@pytest.mark.parametrize(
    "content", ["", "{", "[]", '{"clientId": "c"}', '{"clientId": "c", "clientSecret": "s"}']
)
def test_corrupt_registration_is_none(tmp_path, monkeypatch, content):
    monkeypatch.setattr(tc_module.time, "sleep", lambda s: None)
    cache = TokenCache(NAMED, tmp_path)
    cache.registration_path.write_text(content)
    assert cache.load_registration() is None


def test_delete_token_leaves_registration(tmp_path):
    cache = TokenCache(NAMED, tmp_path)
    cache.save_token(full_token())
    cache.save_registration(Registration("cid", "sec", REG_EXPIRES))
    cache.delete_token()
    cache.delete_token()  # idempotent
    assert not cache.token_path.exists()
    assert cache.registration_path.exists()


# -- concurrency ---------------------------------------------------------------------------

_WRITER = textwrap.dedent(
    """
    import sys
    from datetime import datetime, timezone
    from pathlib import Path
    from ssotui.core.models import SsoSession
    from ssotui.core.tokens import Token
    from ssotui.core.tokencache import TokenCache

    session = SsoSession("my-sso", "https://d-1234567890.awsapps.com/start", "us-east-1")
    cache = TokenCache(session, Path(sys.argv[1]))
    tag = sys.argv[2]
    when = datetime(2026, 11, 22, tzinfo=timezone.utc)
    print("ready", flush=True)
    for i in range(int(sys.argv[3])):
        size = 10 + (i * 7919) % 4000
        cache.save_token(Token(session.start_url, "us-east-1", tag * size, when))
    """
)


def test_concurrent_writers_never_expose_invalid_json(tmp_path):
    cache = TokenCache(NAMED, tmp_path)
    first = full_token()
    cache.save_token(first)
    errors: list[BaseException] = []

    def thread_writer(tag: str):
        try:
            for i in range(150):
                cache.save_token(full_token(access_token=tag * (1 + (i * 31) % 3000)))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(tmp_path), tag, "150"],
            stdout=subprocess.PIPE,
            text=True,
            env=SUBPROCESS_ENV,
        )
        for tag in ("p", "q")
    ]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready"
    threads = [threading.Thread(target=thread_writer, args=(t,)) for t in ("x", "y")]
    for thread in threads:
        thread.start()

    reads = 0
    tags = set()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        raw = cache.token_path.read_text()
        data = json.loads(raw)  # every read parses
        if data["accessToken"] == first.access_token:
            continue  # no writer has written yet
        tags.add(data["accessToken"][0])
        assert len(set(data["accessToken"])) == 1
        assert cache.load_token() is not None
        reads += 1
        if all(p.poll() is not None for p in procs) and not any(t.is_alive() for t in threads):
            break
    for thread in threads:
        thread.join()
    for proc in procs:
        assert proc.wait(timeout=10) == 0
    assert not errors
    assert reads > 10
    assert tags & {"p", "q", "x", "y"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [cache.token_path.name]


def test_lock_serialises_threads(tmp_path):
    cache = TokenCache(NAMED, tmp_path)
    inside = 0
    most = 0
    guard = threading.Lock()

    # Two TokenCache objects for the same session share the lock.
    caches = [cache, TokenCache(NAMED, tmp_path)]

    def work(n: int):
        nonlocal inside, most
        for _ in range(20):
            with caches[n % 2].lock():
                with guard:
                    inside += 1
                    most = max(most, inside)
                time.sleep(0.0005)
                with guard:
                    inside -= 1

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1


def test_lock_is_reentrant_and_lock_file_is_private_and_not_in_the_token_cache(tmp_path):
    cache = TokenCache(NAMED, tmp_path / "c", lock_directory=tmp_path / "locks")
    with cache.lock():
        with cache.lock():
            pass
    assert not (tmp_path / "c").exists()  # nothing of ours beside the AWS CLI's files
    lock_files = list((tmp_path / "locks").iterdir())
    assert lock_files == [cache.lock_path]
    assert mode(lock_files[0]) == 0o600
    assert mode(tmp_path / "locks") == 0o700


def test_lock_excludes_another_process(tmp_path):
    holder = textwrap.dedent(
        """
        import sys, time
        from pathlib import Path
        from ssotui.core.models import SsoSession
        from ssotui.core.tokencache import TokenCache

        session = SsoSession("my-sso", "https://d-1234567890.awsapps.com/start", "us-east-1")
        cache = TokenCache(session, Path(sys.argv[1]))
        with cache.lock():
            print("locked", flush=True)
            time.sleep(0.4)
            (Path(sys.argv[1]) / "released").write_text("yes")
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env=SUBPROCESS_ENV,
    )
    try:
        assert proc.stdout.readline().strip() == "locked"
        with TokenCache(NAMED, tmp_path).lock():
            assert (tmp_path / "released").exists()
    finally:
        assert proc.wait(timeout=10) == 0
