"""Inputs that build hosts or reach a browser's command line (issue 11 §2, §3): a region is a
region code before any host is made from it, a console destination never leaves the AWS
console, numeric settings are bounded, and only https:// (or loopback http://) URLs are handed
to a browser."""

from __future__ import annotations

import socket
import sys
import webbrowser
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import assert_one_line_error, run_ssotui, sign_in

from ssotui.core import console, timeutil
from ssotui.core.errors import ConfigError, SsoError
from ssotui.core.models import RoleCredentials
from ssotui.core.settings import load_settings

CREDS = RoleCredentials(
    "111111111111", "R", "ASIAX", "s3cr3t", "t0k3n", timeutil.utcnow() + timedelta(hours=1)
)


@pytest.fixture
def listener():
    """A TCP listener on loopback that nobody accepts from: any connection made to it waits
    in its backlog, where ``connected()`` finds it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)

    def connected() -> bool:
        try:
            conn, _ = sock.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    yield sock.getsockname()[1], connected
    sock.close()


# -- regions ----------------------------------------------------------------------------------


def test_console_with_a_host_for_a_region_sends_nothing_there(
    emulator, sso_session, listener, monkeypatch
):
    port, connected = listener
    # The real sign-in host is built from the region (the emulator's override would hide it).
    monkeypatch.delenv("AWS_ENDPOINT_URL_SIGNIN")
    sign_in(emulator, sso_session)
    account = emulator.org.accounts[0]
    proc = run_ssotui(
        "console",
        account.account_id,
        account.roles[0],
        "--region",
        f"127.0.0.1:{port}/steal#",
        "--print",
        timeout=60,
    )
    assert_one_line_error(proc, "is not an AWS region")
    assert proc.stdout == ""
    assert not connected()
    assert emulator.stats.calls["GetSigninToken"] == 0


BAD_REGIONS = ["127.0.0.1:8443/steal#", "evil.example/x?", "us-east-1.evil.example", "eu west 1"]


@pytest.mark.parametrize("region", BAD_REGIONS)
def test_every_host_builder_refuses_a_region_that_is_not_one(region, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL_SIGNIN", raising=False)
    for build in (
        console.partition,
        console.federation_endpoint,
        console.console_base,
        lambda r: console.destination_url(None, r),
        lambda r: console.destination_url("iam", r),
    ):
        with pytest.raises(ConfigError) as caught:
            build(region)
        assert "is not an AWS region" in str(caught.value)
        assert "\n" not in str(caught.value)
    # With the override the region does not reach the host, but it is refused all the same.
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", "http://127.0.0.1:9")
    with pytest.raises(ConfigError):
        console.federation_endpoint(region)


def test_signin_url_with_a_bad_region_makes_no_request(listener, monkeypatch):
    port, connected = listener
    monkeypatch.delenv("AWS_ENDPOINT_URL_SIGNIN", raising=False)
    with pytest.raises(ConfigError):
        console.signin_url(CREDS, region=f"127.0.0.1:{port}/steal#")
    assert not connected()


def test_a_region_with_control_characters_is_shown_harmlessly(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL_SIGNIN", raising=False)
    with pytest.raises(ConfigError) as caught:
        console.console_base("\x1b]52;c;aGk=\x07us-east-1\n")
    assert "\x1b" not in str(caught.value) and "\n" not in str(caught.value)


def test_real_regions_still_build_hosts(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL_SIGNIN", raising=False)
    assert console.federation_endpoint(" EU-West-1 ") == (
        "https://eu-west-1.signin.aws.amazon.com/federation"
    )
    assert console.partition(None) == "aws"
    assert console.console_base("us-gov-east-1") == "https://console.amazonaws-us-gov.com"


# -- console destinations -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "destination",
    [
        "https://evil.example/",
        "https://evil.example\\.console.aws.amazon.com/",
        "https://console.aws.amazon.com@evil.example/",
        "https://user@console.aws.amazon.com/",
        "https://console.aws.amazon.com:8443/",
        "https://console.aws.amazon.com.evil.example/",
        "https://console.amazonaws.cn/",  # another partition's console
        "https://console.aws.amazon.com/ x",
    ],
)
def test_a_destination_off_the_console_is_refused_before_any_request(emulator, destination):
    with pytest.raises(SsoError) as caught:
        console.signin_url(CREDS, region="eu-west-1", destination=destination)
    assert "must be an https:// address on the AWS console" in str(caught.value)
    assert emulator.stats.calls["GetSigninToken"] == 0


def test_console_destinations_are_still_accepted():
    for url in (
        "https://console.aws.amazon.com/iam/home",
        "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:",
        "https://s3.console.aws.amazon.com/s3/buckets",
        "HTTPS://console.aws.amazon.com/iam/home",
    ):
        assert console.destination_url(url, "eu-west-1") == url
    cn = "https://console.amazonaws.cn/ec2/home"
    assert console.destination_url(cn, "cn-north-1") == cn


# -- settings -----------------------------------------------------------------------------------


def settings_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "settings.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert str(path) in message and "\n" not in message
    return message


@pytest.mark.parametrize(
    "value", ["inf", "-inf", "nan", "1e-300", "0.05", "100001", "1e308", "0", "-3"]
)
def test_rate_limit_out_of_range_is_one_line_naming_key_and_file(tmp_path, value):
    message = settings_error(tmp_path, f"rate_limit = {value}\n")
    assert "rate_limit must be a positive number of requests per second" in message
    assert "from 0.1 to 100000" in message


def test_rate_limit_bounds_are_accepted(tmp_path):
    path = tmp_path / "settings.toml"
    for value in (0.1, 20, 100000):
        path.write_text(f"rate_limit = {value}\n")
        assert load_settings(path).rate_limit == float(value)


def test_default_region_that_is_a_host_is_refused(tmp_path):
    message = settings_error(tmp_path, 'default_region = "127.0.0.1:8443/steal#"\n')
    assert "default_region" in message and "is not an AWS region" in message


def test_default_destination_off_the_console_is_refused(tmp_path):
    message = settings_error(tmp_path, 'default_destination = "https://evil.example/x"\n')
    assert "default_destination must be a console service or an https:// URL on" in message
    path = tmp_path / "ok.toml"
    path.write_text('default_destination = "https://console.amazonaws.cn/ec2/home"\n')
    assert load_settings(path).default_destination == "https://console.amazonaws.cn/ec2/home"


# -- the browser's command line -----------------------------------------------------------------


@pytest.fixture
def fake_browser(tmp_path, monkeypatch):
    """A BROWSER that appends its argv to a file; returns (script, what it recorded)."""
    out = tmp_path / "argv.txt"
    script = tmp_path / "fake-browser"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"open({str(out)!r}, 'a').write(repr(sys.argv[1:]) + '\\n')\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(script))
    monkeypatch.setattr(webbrowser, "_tryorder", None)  # re-read BROWSER
    monkeypatch.setattr(webbrowser, "_browsers", {})

    def recorded() -> list[str]:
        return out.read_text().splitlines() if out.exists() else []

    return script, recorded


HOSTILE_URLS = [
    "--renderer-cmd-prefix=/bin/sh -c 'touch pwned'",
    "--renderer-cmd-prefix=touch",
    "file:///etc/passwd",
    "http://evil.example/",
    "javascript:alert(1)",
    "https://device.example/ --new-window",
    "https://device.example/\nhttps://evil.example/",
    "ext+granted-containers:name=x&url=file%3A%2F%2F%2Fetc%2Fpasswd",
    "ext+granted-containers:name=x",
    "",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_a_url_that_is_not_https_never_reaches_the_browser(fake_browser, url):
    script, recorded = fake_browser
    with pytest.raises(SsoError) as caught:
        console.open_in_browser(url)
    assert str(caught.value).startswith("could not open a browser: the address is not")
    with pytest.raises(SsoError):
        console.open_in_browser(url, f"{script} %s")
    with pytest.raises(SsoError):
        console.browser_argv(url, str(script))
    assert recorded() == []


def test_https_loopback_http_and_container_links_still_reach_the_browser(fake_browser):
    script, recorded = fake_browser
    console.open_in_browser("https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH")
    console.open_in_browser("http://127.0.0.1:8080/device?user_code=ABCD-EFGH")
    link = console.container_url("https://signin.aws.amazon.com/federation?a=1&b=2", "prod/Admin")
    console.open_in_browser(link)
    assert recorded() == [
        repr(["https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH"]),
        repr(["http://127.0.0.1:8080/device?user_code=ABCD-EFGH"]),
        repr([link]),
    ]


def test_a_container_link_is_not_made_for_a_url_that_is_not_https():
    for url in ("file:///etc/passwd", "--renderer-cmd-prefix=x", "http://evil.example/"):
        with pytest.raises(SsoError):
            console.container_url(url, "prod/Admin")


def test_the_eu_sovereign_cloud_region_is_a_region():
    from ssotui.core.untrusted import is_region

    assert is_region("eusc-de-east-1")
    assert not is_region("eusc-de-east-1.evil") and not is_region("toolong-x-1")
