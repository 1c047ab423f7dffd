"""Issue 12: with a valid cached credential, exec, env and console --print use the shared 0600
credential cache and import neither boto3 nor textual (checked in a child's sys.modules)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import sign_in
from test_cli import ssotui

HEAVY = ("boto3", "botocore", "textual", "rich")
# Not heavy, but each a noticeable share of a warm command's start-up (B9): env and exec, which
# make no HTTP call, load none of them (console --print asks the sign-in endpoint over HTTP).
SLOW_TO_IMPORT = ("dataclasses", "logging", "subprocess", "http.client", "ssotui.core.inventory")


@pytest.fixture
def warm(emulator, sso_session):
    """A login, and one role's credentials in the shared cache (fetched by name)."""
    sign_in(emulator, sso_session)
    account = emulator.org.accounts[0]
    ssotui("credential-process", account.name, account.roles[0])
    return account


def heavy_modules(*argv: str, heavy: tuple[str, ...] = HEAVY) -> tuple[str, str]:
    code = (
        "import sys\n"
        "from ssotui.cli import main\n"
        f"rc = main({list(argv)!r})\n"
        f"heavy = sorted(m for m in {heavy!r} if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
        "raise SystemExit(rc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return proc.stdout, proc.stderr


@pytest.mark.parametrize("by", ["name", "id"])
@pytest.mark.parametrize("command", ["env", "exec", "console"])
def test_warm_commands_import_neither_boto3_nor_textual_nor_slow_modules(
    warm, emulator, command, by
):
    account = warm
    target = [account.name if by == "name" else account.account_id, account.roles[0]]
    calls = emulator.stats.calls["GetRoleCredentials"]
    extra = {"env": [], "exec": ["--", "true"], "console": ["--print"]}[command]
    argv = [command, *target, *extra]
    out, err = heavy_modules(*argv, heavy=HEAVY + (SLOW_TO_IMPORT if command != "console" else ()))
    assert "HEAVY=\n" in err, err
    assert emulator.stats.calls["GetRoleCredentials"] == calls  # the cached set was used
    if command == "env":
        cached = json.loads(ssotui("credential-process", *target).stdout)
        assert f"AWS_ACCESS_KEY_ID={cached['AccessKeyId']}" in out.replace("'", "")
    if command == "console":
        assert "SigninToken=" in out
