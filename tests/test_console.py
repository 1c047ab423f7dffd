"""Console federation against the emulator, destinations, partition hosts, portal and
container links, and handing URLs to a browser or the clipboard."""

from __future__ import annotations

import json
import socket
import sys
import time
import urllib.request
import webbrowser
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from ssotui.core import console, timeutil
from ssotui.core.credentials import CredentialBroker
from ssotui.core.errors import ConsoleError, NetworkError, SsoError
from ssotui.core.models import RoleCredentials

START_URL = "https://d-9067000000.awsapps.com/start"


def role_credentials(emu) -> RoleCredentials:
    token = emu.mint_token()["accessToken"]
    broker = CredentialBroker(lambda force_refresh=False: token, "us-east-1")
    account = emu.org.accounts[0]
    return broker.get(account.account_id, account.roles[0])


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


# -- sign-in URL -------------------------------------------------------------------------------


def test_signin_url_is_accepted_by_the_federation_endpoint(emulator):
    creds = role_credentials(emulator)
    url = console.signin_url(
        creds, region="eu-west-1", destination="s3", issuer=START_URL, session_duration=3600
    )
    assert url.startswith(f"{emulator.base_url}/federation?Action=login&")
    query = query_of(url)
    assert query["Action"] == "login"
    assert query["Issuer"] == START_URL
    assert (
        query["Destination"] == "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
    )
    assert query["SigninToken"]
    # The secret never travels in the login URL, only the sign-in token does.
    assert creds.secret_access_key not in unquote(url)
    assert creds.session_token not in unquote(url)
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
    assert emulator.stats.calls["GetSigninToken"] == 1
    assert emulator.stats.calls["Login"] == 1


def test_a_huge_signin_answer_is_refused_without_reading_it(emulator):
    """A sign-in endpoint (AWS_ENDPOINT_URL_SIGNIN may point anywhere) that answers with a
    gigabyte: one line, at once, and memory stays bounded (only the cap is read)."""
    creds = role_credentials(emulator)
    emulator.abuse_ops = {"GetSigninToken"}
    emulator.huge_body_bytes = 1 << 30
    started = time.monotonic()
    with pytest.raises(ConsoleError, match="more than 64 KiB"):
        console.signin_url(creds, region="eu-west-1")
    assert time.monotonic() - started < 5


def test_signin_url_defaults_to_console_home_and_empty_issuer(emulator):
    url = console.signin_url(role_credentials(emulator), region="us-west-2")
    query = query_of(url)
    assert query["Issuer"] == ""
    assert query["Destination"] == (
        "https://us-west-2.console.aws.amazon.com/console/home?region=us-west-2"
    )


def test_rejected_credentials_are_a_console_error_without_secrets(emulator):
    good = role_credentials(emulator)
    bad = RoleCredentials(
        good.account_id,
        good.role_name,
        good.access_key_id,
        "wrong-secret-value-0123456789",
        good.session_token,
        good.expiration,
    )
    with pytest.raises(ConsoleError) as caught:
        console.signin_url(bad, region="us-east-1")
    message = str(caught.value)
    for secret in (bad.secret_access_key, bad.session_token, bad.access_key_id):
        assert secret not in message and secret not in repr(caught.value)
    assert "http" not in message.lower() or "HTTP 400" in message
    assert "federation" not in message


def test_invalid_session_duration_is_refused_before_any_request(emulator):
    with pytest.raises(ConsoleError, match="900 and 43200"):
        console.signin_url(role_credentials(emulator), region="us-east-1", session_duration=60)
    assert emulator.stats.calls["GetSigninToken"] == 0


def test_unreachable_signin_endpoint_is_a_network_error(monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", f"http://127.0.0.1:{port}")
    creds = RoleCredentials(
        "111111111111", "R", "ASIAX", "s3cr3t", "t0k3n", timeutil.utcnow() + timedelta(hours=1)
    )
    with pytest.raises(NetworkError) as caught:
        console.signin_url(creds, region="us-east-1")
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "s3cr3t" not in str(caught.value) and "t0k3n" not in str(caught.value)


# -- hosts and destinations ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "part", "endpoint", "base"),
    [
        (
            "us-east-1",
            "aws",
            "https://signin.aws.amazon.com/federation",
            "https://us-east-1.console.aws.amazon.com",
        ),
        (
            "eu-central-1",
            "aws",
            "https://eu-central-1.signin.aws.amazon.com/federation",
            "https://eu-central-1.console.aws.amazon.com",
        ),
        (
            "cn-north-1",
            "aws-cn",
            "https://signin.amazonaws.cn/federation",
            "https://console.amazonaws.cn",
        ),
        (
            "cn-northwest-1",
            "aws-cn",
            "https://cn-northwest-1.signin.amazonaws.cn/federation",
            "https://console.amazonaws.cn",
        ),
        (
            "us-gov-west-1",
            "aws-us-gov",
            "https://signin.amazonaws-us-gov.com/federation",
            "https://console.amazonaws-us-gov.com",
        ),
        (
            "us-gov-east-1",
            "aws-us-gov",
            "https://us-gov-east-1.signin.amazonaws-us-gov.com/federation",
            "https://console.amazonaws-us-gov.com",
        ),
    ],
)
def test_partition_hosts(monkeypatch, region, part, endpoint, base):
    monkeypatch.delenv("AWS_ENDPOINT_URL_SIGNIN", raising=False)
    assert console.partition(region) == part
    assert console.federation_endpoint(region) == endpoint
    assert console.console_base(region) == base
    assert console.destination_url(None, region) == f"{base}/console/home?region={region}"


def test_signin_endpoint_override(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", "http://127.0.0.1:9999/")
    assert console.federation_endpoint("cn-north-1") == "http://127.0.0.1:9999/federation"


def test_destinations():
    region = "eu-west-1"
    base = "https://eu-west-1.console.aws.amazon.com"
    assert console.destination_url("", region) == f"{base}/console/home?region={region}"
    assert console.destination_url("s3", region) == f"{base}/s3/home?region={region}"
    assert console.destination_url("EC2", region) == f"{base}/ec2/home?region={region}"
    assert console.destination_url("dynamodb", region) == f"{base}/dynamodbv2/home?region={region}"
    assert console.destination_url("ssm", region) == f"{base}/systems-manager/home?region={region}"
    # The region goes before a fragment, not after it.
    assert console.destination_url("logs", region) == (
        f"{base}/cloudwatch/home?region={region}#logsV2:"
    )
    # Global services: the partition's global host and no region.
    assert console.destination_url("iam", region) == "https://console.aws.amazon.com/iam/home"
    assert console.destination_url("route53", "us-gov-west-1") == (
        "https://console.amazonaws-us-gov.com/route53/v2/home"
    )
    full = "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:"
    assert console.destination_url(full, region) == full


def test_services_table():
    assert len(console.SERVICES) >= 40
    for name in ("s3", "ec2", "cloudwatch", "lambda", "iam", "rds", "dynamodb", "ecs", "eks"):
        assert name in console.SERVICES
    for name in ("cloudformation", "route53", "billing", "vpc", "sqs", "sns", "kms", "logs"):
        assert name in console.SERVICES
    assert console.GLOBAL_SERVICES <= set(console.SERVICES)
    assert {"iam", "route53", "billing"} <= console.GLOBAL_SERVICES
    assert all(not path.startswith("/") for path in console.SERVICES.values())


def test_unknown_destination_suggests_close_names():
    with pytest.raises(SsoError) as caught:
        console.destination_url("lamda", "us-east-1")
    assert "lambda" in str(caught.value)
    with pytest.raises(SsoError):
        console.destination_url("http://example.com", "us-east-1")


# -- portal and container links -----------------------------------------------------------------


def test_portal_link():
    destination = console.destination_url("s3", "eu-west-1")
    link = console.portal_link(START_URL + "/", "012345678901", "Admin Access", destination)
    prefix = f"{START_URL}/#/console?"
    assert link.startswith(prefix)
    fragment_query = parse_qs(link[len(prefix) :])
    assert fragment_query == {
        "account_id": ["012345678901"],
        "role_name": ["Admin Access"],
        "destination": [destination],
    }
    assert "https%3A%2F%2Feu-west-1.console" in link
    assert console.portal_link(START_URL, "012345678901", "R", None).endswith("role_name=R")


def test_container_url_escapes_everything():
    url = "https://signin.aws.amazon.com/federation?Action=login&SigninToken=a+b/c"
    link = console.container_url(url, "prod & co=#1", color="red", icon="dollar")
    assert link.startswith("ext+granted-containers:name=prod%20%26%20co%3D%231&url=")
    params = dict(part.split("=", 1) for part in link.split(":", 1)[1].split("&"))
    assert unquote(params["url"]) == url
    assert unquote(params["name"]) == "prod & co=#1"
    assert (params["color"], params["icon"]) == ("red", "dollar")


def test_container_colour_and_icon_are_picked_from_the_name():
    first = console.container_url("https://x", "payments-prod/Admin")
    again = console.container_url("https://x", "payments-prod/Admin", color="toolbar", icon="")
    assert first == again
    params = dict(part.split("=", 1) for part in first.split(":", 1)[1].split("&"))
    assert params["color"] in console.CONTAINER_COLORS
    assert params["icon"] in console.CONTAINER_ICONS
    links = [console.container_url("https://x", n) for n in ("a", "b", "c", "d", "e")]
    colours = {
        dict(p.split("=", 1) for p in link.split(":", 1)[1].split("&"))["color"] for link in links
    }
    assert len(colours) > 1


# -- browser and clipboard ------------------------------------------------------------------------


@pytest.fixture
def recorder_script(tmp_path):
    """An executable that writes its arguments (JSON) to a file, then exits with $EXIT."""
    out = tmp_path / "argv.json"
    script = tmp_path / "fake-browser"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"open({str(out)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
        "sys.exit(int(os.environ.get('EXIT', '0')))\n"
    )
    script.chmod(0o755)
    return script, out


def recorded(out, timeout: float = 5.0) -> list[str]:
    """The recorder's argv (a custom command may still be running when open_in_browser
    returns)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return json.loads(out.read_text())
        except (OSError, ValueError):
            time.sleep(0.02)
    raise AssertionError("the browser command never ran")


# Shell syntax without whitespace (a URL with whitespace is refused before any browser runs).
TRICKY_URL = "https://example.com/?a=1&b=$(touch${IFS}pwned);echo${IFS}'x'\"y\"%s"


def test_open_in_browser_honours_browser_variable(monkeypatch, recorder_script, tmp_path):
    script, out = recorder_script
    monkeypatch.setenv("BROWSER", str(script))
    monkeypatch.setattr(webbrowser, "_tryorder", None)  # re-read BROWSER
    monkeypatch.setattr(webbrowser, "_browsers", {})
    monkeypatch.chdir(tmp_path)
    console.open_in_browser(TRICKY_URL)
    assert recorded(out) == [TRICKY_URL]
    assert not (tmp_path / "pwned").exists()


def test_open_in_browser_with_a_custom_command(recorder_script, tmp_path, monkeypatch):
    script, out = recorder_script
    monkeypatch.chdir(tmp_path)
    console.open_in_browser(TRICKY_URL, f"'{script}' --new-tab %s --private")
    assert recorded(out) == ["--new-tab", TRICKY_URL, "--private"]
    out.unlink()
    console.open_in_browser("https://example.com/2", str(script))
    assert recorded(out) == ["https://example.com/2"]
    assert not (tmp_path / "pwned").exists()


def test_custom_browser_failures(recorder_script, monkeypatch):
    script, _out = recorder_script
    monkeypatch.setenv("EXIT", "3")
    with pytest.raises(SsoError, match="exited with status 3"):
        console.open_in_browser("https://example.com", str(script))
    with pytest.raises(SsoError, match="could not open a browser"):
        console.open_in_browser("https://example.com", "/nonexistent/browser --flag")
    with pytest.raises(SsoError, match="malformed"):
        console.open_in_browser("https://example.com", "firefox 'unclosed")


def test_open_in_browser_without_any_browser(monkeypatch):
    def none_found(using=None):
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(webbrowser, "get", none_found)
    with pytest.raises(SsoError, match="could not open a browser: none was found"):
        console.open_in_browser("https://example.com")


def test_a_text_browser_is_not_started_in_our_terminal(monkeypatch):
    started = []

    class Lynx(webbrowser.GenericBrowser):
        def open(self, url, new=0, autoraise=True):
            started.append(url)
            return True

    monkeypatch.delenv("BROWSER", raising=False)
    monkeypatch.setattr(webbrowser, "get", lambda using=None: Lynx("lynx"))
    with pytest.raises(SsoError, match="text-mode browser lynx"):
        console.open_in_browser("https://example.com")
    assert started == []


def test_copy_to_clipboard(monkeypatch):
    import pyperclip

    copied = []
    monkeypatch.setattr(pyperclip, "copy", copied.append)
    console.copy_to_clipboard("https://secret-url")
    assert copied == ["https://secret-url"]

    def broken(_text):
        raise pyperclip.PyperclipException("no copy/paste mechanism")

    monkeypatch.setattr(pyperclip, "copy", broken)
    with pytest.raises(SsoError) as caught:
        console.copy_to_clipboard("https://secret-url")
    assert str(caught.value).startswith("no clipboard available (install xclip/xsel")
    assert "secret-url" not in str(caught.value)


def test_has_display_only_with_a_graphical_session_or_browser():
    from ssotui.core.console import has_display

    assert not has_display({}, "linux")  # e.g. over SSH
    assert has_display({"DISPLAY": ":0"}, "linux")
    assert has_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert has_display({"BROWSER": "w3m"}, "linux")
    assert has_display({}, "darwin")


def test_on_wsl_the_windows_browser_opens_through_wslview(monkeypatch, tmp_path):
    """WSL without BROWSER: Python's webbrowser finds no browser there; wslview (wslu) opens
    the Windows one. The URL is one argv element; no shell runs."""
    record = tmp_path / "argv"
    wslview = tmp_path / "wslview"
    wslview.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\n')
    wslview.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setenv("WSL_DISTRO_NAME", "Ubuntu")
    monkeypatch.delenv("BROWSER", raising=False)
    monkeypatch.setattr(webbrowser, "get", lambda: pytest.fail("webbrowser used on WSL"))
    url = "https://eu-west-1.console.aws.amazon.com/s3/home?a=$(x)&b=1"
    console.open_in_browser(url)
    for _ in range(50):
        if record.exists():
            break
        time.sleep(0.05)
    assert record.read_text() == url + "\n"
    monkeypatch.setenv("BROWSER", "firefox")  # the user's choice wins
    assert console.wsl_browser_command() is None
    monkeypatch.delenv("BROWSER")
    monkeypatch.delenv("WSL_DISTRO_NAME")
    assert console.wsl_browser_command() is None
