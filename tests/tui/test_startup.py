"""Warm start: from a cached inventory of ~5,000 rows to a painted, interactive picker, with
no boto3/botocore import on the way (they load later, in the revalidation worker)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SETUP = """
import sys
from datetime import timedelta
from ssotui.core import timeutil
from ssotui.core.config import add_sso_session, load_config
from ssotui.core.inventory import Inventory, InventoryCache
from ssotui.core.models import Account
from ssotui.core.tokens import Token
from ssotui.core.tokencache import TokenCache
from ssotui.emulator.org import generate_org

add_sso_session("bench", "https://d-1.awsapps.com/start", "us-east-1")
session = load_config().sessions["bench"]
org = generate_org(2000, 7)
inventory = Inventory(
    [Account(a.account_id, a.name, a.email) for a in org.accounts],
    {a.account_id: a.roles for a in org.accounts},
    timeutil.utcnow(),
    True,
)
InventoryCache().save(session, inventory)
token = Token(session.start_url, session.region, "x", timeutil.utcnow() + timedelta(hours=1))
TokenCache(session).save_token(token)
print(len(inventory.assignments()))
"""

# Measures from the first line of the process: imports, app construction, cache load and
# the first frame written with rows in it (headless driver).
WARM = """
import time
T0 = time.perf_counter()
import asyncio, json, sys
from ssotui.core.config import load_config
from ssotui.core.settings import load_settings
from ssotui.app_factory import make_app
from ssotui.tui.picker.assignment_list import AssignmentList
import textual.app

seen = {}
render_line = AssignmentList.render_line
def spy_render(self, y):
    if "rows" not in seen and self.total_count:
        seen["rows"] = self.total_count
        seen["network_libraries"] = sorted(
            m for m in ("boto3", "botocore", "urllib3") if m in sys.modules
        )
    return render_line(self, y)
AssignmentList.render_line = spy_render

display = textual.app.App._display
def spy_display(self, screen, renderable):
    if "rows" in seen and "painted" not in seen:
        seen["painted"] = time.perf_counter() - T0
    return display(self, screen, renderable)
textual.app.App._display = spy_display

async def main():
    config = load_config()
    app = make_app(config.sessions["bench"], config, load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        while "painted" not in seen:
            await pilot.pause(0.01)
        await pilot.press("down")
        seen["highlighted"] = app.screen.highlighted is not None
asyncio.run(main())
print(json.dumps(seen))
"""


@pytest.fixture
def isolated_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SSOTUI_", "XDG_"))}
    env.update(
        HOME=str(tmp_path),
        AWS_CONFIG_FILE=str(tmp_path / ".aws" / "config"),
        AWS_ENDPOINT_URL_SSO="http://127.0.0.1:9",  # nothing listens: revalidation fails
        AWS_ENDPOINT_URL_SSO_OIDC="http://127.0.0.1:9",
        SSOTUI_CACHE_DIR=str(tmp_path / "cache"),
        SSOTUI_DATA_DIR=str(tmp_path / "data"),
        SSOTUI_CONFIG_FILE=str(tmp_path / "settings.toml"),
        SSOTUI_SSO_CACHE_DIR=str(tmp_path / "sso-cache"),
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    return env


def run(code: str, env: dict[str, str]) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout


def test_warm_start_paints_5000_cached_rows_quickly_without_boto3(isolated_env):
    rows = int(run(SETUP, isolated_env))
    assert rows > 5000
    runs = [json.loads(run(WARM, isolated_env)) for _ in range(3)]
    for result in runs:
        assert result["rows"] == rows
        assert result["network_libraries"] == []
        assert result["highlighted"]
    best = min(r["painted"] for r in runs)
    # The target is 0.7 s on a developer machine; the bound leaves room for a busy CI box.
    assert best < 1.2, runs
