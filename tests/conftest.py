"""Test isolation: a throwaway HOME set *before* botocore is imported (botocore fixes the
token cache directory at import time), no AWS variables from the developer's shell, and an
emulator fixture that points boto3 at a loopback IAM Identity Center."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# Idempotent: this module may be imported twice (as ``conftest`` and as ``tests.conftest``);
# the second import must not move HOME away from the directory the fixtures clean. Each
# pytest-xdist worker has a HOME of its own (workers inherit the controller's environment).
_HOME_VAR = "SSOTUI_TEST_HOME" + (
    f"_{os.environ['PYTEST_XDIST_WORKER']}" if os.environ.get("PYTEST_XDIST_WORKER") else ""
)
if os.environ.get(_HOME_VAR):
    _HOME = Path(os.environ[_HOME_VAR])
else:
    _HOME = Path(tempfile.mkdtemp(prefix="ssotui-test-home-"))
    # It holds the emulator's (fake) tokens and configs: gone when this process ends.
    atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
os.environ["HOME"] = str(_HOME)
os.environ["XDG_CACHE_HOME"] = str(_HOME / ".cache")
os.environ["XDG_CONFIG_HOME"] = str(_HOME / ".config")
os.environ["XDG_DATA_HOME"] = str(_HOME / ".local" / "share")
os.environ["AWS_CONFIG_FILE"] = str(_HOME / ".aws" / "config")
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(_HOME / ".aws" / "credentials")
for _var in list(os.environ):
    if (
        _var.startswith(("AWS_ENDPOINT_URL", "SSOTUI_"))
        and not _var.startswith("SSOTUI_TEST_HOME")
        or _var
        in {
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_MAX_ATTEMPTS",
            "AWS_RETRY_MODE",
            "BROWSER",
            "DISPLAY",
            "WAYLAND_DISPLAY",
            "TMUX",
        }
    ):
        del os.environ[_var]
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ[_HOME_VAR] = str(_HOME)

import pytest  # noqa: E402

START_URL = "https://d-9067000000.awsapps.com/start"
SESSION_NAME = "test"


@pytest.fixture(autouse=True)
def clean_home():
    """Every test starts with an empty HOME (no ~/.aws, no caches, no settings)."""
    for child in _HOME.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink()
    yield _HOME


@pytest.fixture
def home() -> Path:
    return _HOME


@pytest.fixture
def make_emulator(monkeypatch):
    """Factory: start an emulator with the given knobs and aim boto3 (and us) at it."""
    from ssotui.core import clients
    from ssotui.emulator import Emulator

    started = []

    def factory(**knobs):
        emu = Emulator(**knobs).start()
        started.append(emu)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", emu.base_url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", emu.base_url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", emu.base_url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", emu.base_url)
        # Each emulator listens on a new port: forget clients aimed at the previous one.
        clients.reset_clients()
        return emu

    yield factory
    for emu in started:
        emu.stop()
    clients.reset_clients()


@pytest.fixture
def emulator(make_emulator):
    """A small org (12 accounts), no latency, no throttling, manual approval."""
    return make_emulator(accounts=12, seed=7)


def write_aws_config(text: str) -> Path:
    path = Path(os.environ["AWS_CONFIG_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def sso_session(emulator):
    """An ``[sso-session test]`` in the AWS config pointing at the emulator's org."""
    from ssotui.core.config import load_config

    write_aws_config(
        f"[sso-session {SESSION_NAME}]\n"
        f"sso_start_url = {START_URL}\n"
        "sso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n"
    )
    return load_config().sessions[SESSION_NAME]
