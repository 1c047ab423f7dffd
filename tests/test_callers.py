"""Issue 12: many processes asking at once share one portal call (emulator counters).

- one GetRoleCredentials for an account and role across many parallel callers;
- an account name resolves through ListAccounts alone (no ListAccountRoles), listed once;
- a second ``list --refresh`` while one runs waits for it instead of loading again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from helpers import sign_in


@pytest.fixture
def logged_in(emulator, sso_session):
    return sign_in(emulator, sso_session)


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ssotui", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )


def finish(procs: list[subprocess.Popen]) -> list[str]:
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (_out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
    return [out for out, _err in results]


def test_parallel_callers_by_id_share_one_get_role_credentials(logged_in, emulator):
    account = emulator.org.accounts[0]
    role = account.roles[0]
    outs = finish([start("credential-process", account.account_id, role) for _ in range(10)])
    keys = {json.loads(out)["AccessKeyId"] for out in outs}
    assert len(keys) == 1  # every caller got the same set
    assert emulator.stats.calls["GetRoleCredentials"] == 1
    assert emulator.stats.calls["ListAccountRoles"] == 0


def test_parallel_callers_by_name_list_accounts_once_and_no_roles(logged_in, emulator):
    account = emulator.org.accounts[2]
    role = account.roles[0]
    kinds = [
        ("credential-process", account.name, role),
        ("env", account.name, role),
        ("exec", account.name, role, "--", sys.executable, "-c", "pass"),
        ("console", account.name, role, "--print"),
    ]
    procs = [start(*kinds[i % len(kinds)]) for i in range(8)]
    outs = finish(procs)
    assert json.loads(outs[0])["AccessKeyId"].startswith("ASIAEMU")
    assert f"AWS_ACCESS_KEY_ID={json.loads(outs[0])['AccessKeyId']}" in outs[1].replace("'", "")
    assert emulator.stats.calls["ListAccountRoles"] == 0
    assert emulator.stats.calls["ListAccounts"] == 1  # 12 accounts: one page, listed once
    assert emulator.stats.calls["GetRoleCredentials"] == 1


def test_a_name_the_cache_lacks_lists_accounts_and_keeps_the_complete_cache(
    logged_in, emulator, sso_session
):
    from helpers import assert_one_line_error

    from ssotui.core.inventory import InventoryCache

    finish([start("list")])
    before = InventoryCache().load(sso_session)
    assert before is not None and before.complete
    roles = emulator.stats.calls["ListAccountRoles"]
    proc = start("credential-process", "no-such-account", "Admin")
    out, err = proc.communicate(timeout=60)
    assert_one_line_error(
        subprocess.CompletedProcess(proc.args, proc.returncode, out, err),
        "no account named 'no-such-account'",
    )
    assert emulator.stats.calls["ListAccounts"] == 2  # the list, then one accounts-only listing
    assert emulator.stats.calls["ListAccountRoles"] == roles
    assert InventoryCache().load(sso_session) == before  # never replaced by less


def test_a_second_list_refresh_waits_for_the_first(logged_in, emulator):
    emulator.latency_ms = 1500  # the first load is still running when the second starts
    first = start("list", "--refresh")
    while emulator.stats.calls["ListAccounts"] == 0 and first.poll() is None:
        time.sleep(0.02)  # the first holds the refresh lock from before its first call
    second = start("list", "--refresh")
    one, two = finish([first, second])
    assert one == two and len(one.splitlines()) == sum(len(a.roles) for a in emulator.org.accounts)
    assert emulator.stats.calls["ListAccounts"] == 1
    assert emulator.stats.calls["ListAccountRoles"] == len(emulator.org.accounts)
