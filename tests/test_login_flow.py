"""Which login runs: PKCE for an [sso-session], the device code for legacy profiles and where
a browser cannot come back to this machine (SSH, containers, CI, no display); flags win."""

from __future__ import annotations

import pytest
from conftest import write_aws_config

from ssotui.core.config import load_config
from ssotui.core.errors import ConfigError
from ssotui.core.loginflow import choose_flow
from ssotui.core.models import SsoSession

NAMED = SsoSession("corp", "https://corp.awsapps.com/start", "eu-central-1")
LEGACY = SsoSession(None, "https://corp.awsapps.com/start", "eu-central-1")
DESKTOP = {"DISPLAY": ":0"}


def choose(session=NAMED, environ=None, requested=None, *, files=(), tools=(), platform="linux"):
    return choose_flow(
        session,
        DESKTOP if environ is None else environ,
        requested,
        platform=platform,
        exists=lambda path: path in files,
        which=lambda name: f"/usr/bin/{name}" if name in tools else None,
    )


def test_an_sso_session_on_a_desktop_uses_the_browser_login():
    choice = choose()
    assert (choice.flow, choice.browser_command) == ("pkce", None)
    assert choose(environ={}, platform="darwin").flow == "pkce"


def test_a_legacy_profile_always_uses_the_device_code():
    assert choose(LEGACY).flow == "device"
    assert choose(LEGACY, requested="pkce").flow == "device"
    assert "legacy" in choose(LEGACY).reason


@pytest.mark.parametrize("variable", ["SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"])
def test_ssh_falls_back_to_the_device_code(variable):
    choice = choose(environ={**DESKTOP, variable: "10.0.0.1 5555 10.0.0.2 22"})
    assert choice.flow == "device"
    assert choice.reason == "an SSH session (the browser cannot reach this machine)"


@pytest.mark.parametrize(
    ("environ", "files"),
    [
        ({}, ("/.dockerenv",)),
        ({}, ("/run/.containerenv",)),
        ({"CODESPACES": "true"}, ()),
        ({"CLOUD_SHELL": "true"}, ()),
        ({"AWS_EXECUTION_ENV": "CloudShell"}, ()),
    ],
)
def test_containers_use_the_device_code(environ, files):
    choice = choose(environ={**DESKTOP, **environ}, files=files)
    assert choice.flow == "device" and "container" in choice.reason


def test_ci_and_no_display_use_the_device_code():
    assert choose(environ={**DESKTOP, "CI": "true"}).reason == "CI (no browser)"
    assert choose(environ={**DESKTOP, "CI": "false"}).flow == "pkce"
    assert choose(environ={}).reason == "no display to open a browser on"


def test_flags_and_the_setting_win_over_the_environment():
    ssh = {"SSH_CONNECTION": "x"}
    assert choose(environ=ssh, requested="pkce").flow == "pkce"  # with ssh -L and a fixed port
    assert choose(requested="device").flow == "device"
    assert choose(environ=ssh, requested="auto").flow == "device"
    with pytest.raises(ConfigError, match="must be auto, pkce or device"):
        choose(requested="browser")


def test_wsl_opens_the_windows_browser_with_wslview_when_present():
    wsl = {"WSL_DISTRO_NAME": "Ubuntu"}
    choice = choose(environ=wsl, tools=("wslview",))
    assert (choice.flow, choice.browser_command) == ("pkce", "wslview")
    assert choose(environ=wsl).flow == "device"  # no wslview, no display


# -- the fixed callback port from the AWS config -------------------------------------------------


def test_sso_redirect_port_is_read_per_session(home):
    write_aws_config(
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = eu-central-1\nsso_redirect_port = 8400\n"
        "[sso-session other]\nsso_start_url = https://o.awsapps.com/start\nsso_region = eu-west-1\n"
    )
    config = load_config()
    assert config.redirect_port(config.sessions["corp"]) == 8400
    assert config.redirect_port(config.sessions["other"]) is None
    assert config.redirect_port(LEGACY) is None


@pytest.mark.parametrize("value", ["0", "65536", "http", "-1"])
def test_a_bad_sso_redirect_port_is_one_line_naming_it(home, value):
    path = write_aws_config(
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
        f"sso_region = eu-central-1\nsso_redirect_port = {value}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config()
    assert str(info.value) == (
        f"{path} [sso-session corp] sso_redirect_port: '{value}' is not a port (expected 1-65535)."
    )
