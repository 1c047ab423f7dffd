"""`ssotui list` when a load ends early: what arrived is printed, one line says how much is
missing, and the exit status is 3 (scripts can tell a partial list from a failure)."""

from __future__ import annotations

import json

from conftest import SESSION_NAME
from helpers import run_ssotui, sign_in

from ssotui.core.inventory import InventoryCache


def test_list_prints_what_arrived_before_the_deadline_says_what_is_missing_and_exits_3(
    make_emulator, sso_session, tmp_path, monkeypatch
):
    emulator = make_emulator(accounts=60, rate_limit=4)
    sign_in(emulator, sso_session)
    monkeypatch.setenv("SSOTUI_CONFIG_FILE", str(tmp_path / "settings.toml"))
    (tmp_path / "settings.toml").write_text("load_deadline = 2\n")
    proc = run_ssotui("list", "--refresh", "--json", "--sso-session", SESSION_NAME)
    assert proc.returncode == 3, proc.stderr
    rows = json.loads(proc.stdout)
    assert 0 < len(rows) < sum(len(a.roles) for a in emulator.org.accounts)
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ssotui: ") and "Incomplete list" in last and "missing" in last
    assert InventoryCache().load(sso_session) is None  # a partial list is never cached
