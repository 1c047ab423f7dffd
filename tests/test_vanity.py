"""Vanity start URLs: one redirect, only to an AWS-owned https:// portal, region from the host;
the configured URL stays the cache key. The redirect comes from the emulator on loopback."""

from __future__ import annotations

import json
import socket
import urllib.request

import pytest

from ssotui.core import vanity
from ssotui.core.auth import Authenticator
from ssotui.core.errors import ConfigError, NetworkError
from ssotui.core.models import SsoSession
from ssotui.core.tokencache import TokenCache

TARGET = "https://d-1111111111.awsapps.com/start"


def never(url):
    raise AssertionError(f"no request expected for {url}")


@pytest.mark.parametrize(
    ("url", "region"),
    [
        ("https://d-1234567890.awsapps.com/start", None),
        ("https://corp.awsapps.cn/start", None),
        ("https://start.us-gov-home.awsapps.com/directory/d-1", None),
        ("https://identitycenter.amazonaws.com/ssoins-1234567890abcdef", None),
        ("https://ssoins-1234567890abcdef.portal.eu-west-1.app.aws", "eu-west-1"),
        ("https://ssoins-1.ap-south-2.portal.amazonaws.com", "ap-south-2"),
        ("https://ssoins-1.portal.cn-north-1.app.amazonwebservices.com.cn", "cn-north-1"),
        ("https://ssoins-1.eu-central-1.portal.amazonaws.eu", "eu-central-1"),
    ],
)
def test_aws_owned_urls_are_used_as_they_are_without_a_request(url, region):
    found = vanity.resolve(url, head=never)
    assert (found.configured, found.issuer, found.region) == (url, url, region)
    assert not found.redirected


@pytest.mark.parametrize(
    "host",
    ["awsapps.com.evil.example", "evilawsapps.com", "app.aws.evil", "identitycenter.amazonaws.co"],
)
def test_look_alike_hosts_are_not_aws_owned(host):
    assert not vanity.is_aws_owned(host)


def test_a_vanity_url_follows_one_redirect_to_the_portal(emulator):
    emulator.vanity_target = "https://D-1111111111.awsapps.com:443/start/?x=1#frag"
    found = vanity.resolve(emulator.base_url + "/vanity")
    assert found.issuer == TARGET  # normalised: host case, default port, /, query, fragment
    assert found.configured == emulator.base_url + "/vanity"
    assert found.redirected and found.region is None
    assert emulator.stats.calls["Vanity"] == 1


def test_the_region_is_read_from_the_portal_host(emulator):
    emulator.vanity_target = "https://ssoins-72231cd8e3e1c5a1.portal.eu-west-1.app.aws/"
    found = vanity.resolve(emulator.base_url + "/vanity")
    assert found.issuer == "https://ssoins-72231cd8e3e1c5a1.portal.eu-west-1.app.aws"
    assert found.region == "eu-west-1"


def test_head_refused_falls_back_to_get(emulator):
    emulator.vanity_target = TARGET
    emulator.vanity_head = False
    assert vanity.resolve(emulator.base_url + "/vanity").issuer == TARGET
    assert emulator.stats.calls["Vanity"] == 2  # HEAD (405), then GET


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/start",  # not AWS
        "https://awsapps.com.evil.example/start",  # looks like AWS
        "http://d-1111111111.awsapps.com/start",  # not https
        "https://user:pw@d-1111111111.awsapps.com/start",
    ],
)
def test_a_redirect_to_anything_but_an_aws_portal_is_refused(emulator, target):
    emulator.vanity_target = target
    with pytest.raises(ConfigError) as info:
        vanity.resolve(emulator.base_url + "/vanity")
    message = str(info.value)
    assert "\n" not in message
    assert message.endswith("which is not an AWS access portal; not using it.")


def test_never_a_second_hop(emulator):
    emulator.vanity_target = emulator.base_url + "/vanity"  # redirects to itself
    with pytest.raises(ConfigError, match="not an AWS access portal"):
        vanity.resolve(emulator.base_url + "/vanity")
    assert emulator.stats.calls["Vanity"] == 1


def test_no_redirect_is_refused(emulator):
    with pytest.raises(ConfigError) as info:
        vanity.resolve(emulator.base_url + "/vanity")
    assert "does not redirect to one (HTTP 200)" in str(info.value)


def test_http_is_refused_off_loopback():
    with pytest.raises(ConfigError, match=r"must be an https:// URL\.$"):
        vanity.resolve("http://aws.example.com/start", head=never)


def test_an_unreachable_vanity_host_is_one_line():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(NetworkError) as info:
        vanity.resolve(f"http://127.0.0.1:{port}/start")
    assert "could not be reached while resolving it" in str(info.value)
    assert "\n" not in str(info.value)


# -- logins through a vanity URL -----------------------------------------------------------------


@pytest.fixture
def vanity_session(emulator) -> SsoSession:
    emulator.vanity_target = TARGET
    return SsoSession("corp", emulator.base_url + "/vanity", "us-east-1")


def test_device_login_sends_the_resolved_url_and_keeps_the_configured_one(vanity_session, emulator):
    auth = Authenticator(vanity_session)
    authorization = auth.start_login()
    emulator.approve(authorization.user_code)
    token = auth.wait_for_login(authorization, sleep=lambda s: None)
    device = next(iter(emulator.state.devices.values()))
    assert device.start_url == TARGET
    data = json.loads(auth.cache.token_path.read_text())
    assert data["startUrl"] == vanity_session.start_url == token.start_url
    assert auth.cache.token_path == TokenCache(vanity_session).token_path


def test_browser_login_registers_with_the_resolved_url_as_issuer(vanity_session, emulator):
    emulator.authorize_auto = "approve"
    auth = Authenticator(vanity_session)
    login = auth.start_browser_login()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    opener.open(login.url, timeout=5).read()
    token = auth.wait_for_browser_login(login)
    assert emulator.state.clients[token.client_id].issuer_url == TARGET
    assert token.start_url == vanity_session.start_url
    # Resolved once per login attempt's Authenticator.
    assert emulator.stats.calls["Vanity"] == 1


def test_a_portal_in_another_region_than_sso_region_is_one_line(vanity_session, emulator):
    emulator.vanity_target = "https://ssoins-1.portal.eu-west-1.app.aws"
    with pytest.raises(ConfigError) as info:
        Authenticator(vanity_session).start_login()
    assert str(info.value) == (
        "corp: the start URL leads to the access portal in eu-west-1, but sso_region is "
        "us-east-1; set sso_region = eu-west-1."
    )
    assert emulator.stats.calls["RegisterClient"] == 0


def test_a_refused_vanity_url_stops_the_login_before_any_registration(vanity_session, emulator):
    emulator.vanity_target = "https://evil.example/start"
    with pytest.raises(ConfigError):
        Authenticator(vanity_session).start_browser_login()
    assert emulator.stats.calls["RegisterClient"] == 0
