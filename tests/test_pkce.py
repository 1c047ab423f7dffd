"""The browser (PKCE) login, through real boto3 against the emulator. The browser is faked only
at its boundary: a function that does the HTTP GET of the /authorize URL and follows the
emulator's redirect to our loopback listener, as a browser would."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from ssotui.core import auth as auth_module
from ssotui.core import clients, pkce, timeutil
from ssotui.core.auth import Authenticator
from ssotui.core.errors import LoginDenied, LoginTimedOut, SsoError, Throttled
from ssotui.core.models import SsoSession
from ssotui.core.tokencache import TokenCache

AUTH_CODE = "authorization_code"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def browser(url: str) -> str:
    """What a browser does with the URL: GET it, follow redirects, return the final page."""
    try:
        with _NO_PROXY.open(url, timeout=5) as response:
            return response.read().decode()
    except urllib.error.HTTPError as err:
        return err.read().decode()


def no_redirect(url: str) -> str:
    """The emulator's redirect target (the callback URL) without visiting it."""

    class Stop(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            raise urllib.error.HTTPError(newurl, code, msg, headers, fp)

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), Stop)
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(url, timeout=5)
    return info.value.filename


@pytest.fixture
def auth(sso_session) -> Authenticator:
    return Authenticator(sso_session)


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


# -- approve -------------------------------------------------------------------------------------


def test_browser_login_approved_writes_the_same_token_file_as_the_device_flow(
    auth, emulator, sso_session
):
    emulator.authorize_auto = "approve"
    login = auth.start_browser_login()
    # The listener is bound before any browser is opened.
    with socket.create_connection(("127.0.0.1", login.listener.port), timeout=2):
        pass
    assert login.url.startswith(emulator.base_url + "/authorize?")
    params = query_of(login.url)
    assert params["response_type"] == "code"
    assert params["scopes"] == "sso:account:access"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["redirect_uri"] == login.redirect_uri
    assert login.redirect_uri == f"http://127.0.0.1:{login.listener.port}/oauth/callback"
    assert "scopes=sso%3Aaccount%3Aaccess" in login.url  # encoded as botocore does
    page = browser(login.url)
    assert "You can close this tab" in page
    token = auth.wait_for_browser_login(login)
    assert token is not None and token.refresh_token
    # The token file is the device flow's and the AWS CLI's.
    assert auth.cache.token_path == TokenCache(sso_session).token_path
    data = json.loads(auth.cache.token_path.read_text())
    assert list(data) == [
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    ]
    assert data["startUrl"] == sso_session.start_url and data["accessToken"] == token.access_token
    # Registered as the AWS CLI's PKCE flow does.
    client = emulator.state.clients[token.client_id]
    assert client.grant_types == [AUTH_CODE, "refresh_token"]
    assert client.redirect_uris == ["http://127.0.0.1/oauth/callback"]
    assert client.issuer_url == sso_session.start_url
    assert client.scopes == ["sso:account:access"]
    # It works, and refreshes.
    assert auth.token(force_refresh=True).access_token != token.access_token
    assert emulator.stats.calls["Authorize"] == 1


def test_the_page_approves_by_hand_too(auth, emulator):
    """No knob: the emulator shows its Allow/Deny page; the user clicks Allow."""
    login = auth.start_browser_login()
    page = browser(login.url)
    request_id = page.split('name="request_id" value="', 1)[1].split('"', 1)[0]
    approve = emulator.base_url + f"/authorize?request_id={request_id}&action=approve"
    assert "You can close this tab" in browser(approve)
    assert auth.wait_for_browser_login(login) is not None


def test_a_second_answer_changes_nothing(auth, emulator):
    emulator.authorize_auto = "approve"
    login = auth.start_browser_login()
    callback = no_redirect(login.url)
    assert "You can close this tab" in browser(callback)
    assert "Already done" in browser(callback.replace("code=", "code=x"))
    assert auth.wait_for_browser_login(login) is not None


# -- deny, wrong state, errors ----------------------------------------------------------------


def test_denied_in_the_browser(auth, emulator):
    emulator.authorize_auto = "deny"
    login = auth.start_browser_login()
    assert "did not finish" in browser(login.url)
    with pytest.raises(LoginDenied, match=r"^the login was denied in the browser\.$"):
        auth.wait_for_browser_login(login)
    assert not auth.cache.token_path.exists()


def test_an_answer_with_the_wrong_state_is_refused_and_nothing_is_saved(auth, emulator):
    emulator.authorize_auto = "approve"
    login = auth.start_browser_login()
    callback = no_redirect(login.url)
    assert query_of(callback)["state"] == login.state
    forged = callback.replace(f"state={login.state}", "state=someone-elses")
    browser(forged)
    with pytest.raises(SsoError) as info:
        auth.wait_for_browser_login(login)
    assert str(info.value) == (
        "the browser's answer does not belong to this login (state mismatch); "
        "nothing was saved — run the login again."
    )
    assert not auth.cache.token_path.exists()
    assert emulator.stats.calls["CreateToken"] == 0  # the code was never exchanged


@pytest.mark.parametrize(
    ("error", "shown"),
    [("server_error", "server_error"), ("\x1b]0;pwned\x07bad", "unknown")],
)
def test_another_error_from_the_browser_is_one_safe_line(auth, emulator, error, shown):
    login = auth.start_browser_login()
    from urllib.parse import quote

    browser(f"{login.redirect_uri}?error={quote(error)}&state={login.state}")
    with pytest.raises(SsoError) as info:
        auth.wait_for_browser_login(login)
    assert str(info.value) == f"the browser login failed ({shown}) — run the login again."


def test_a_bad_code_is_refused_by_the_service(auth, emulator):
    login = auth.start_browser_login()
    browser(f"{login.redirect_uri}?code=made-up&state={login.state}")
    with pytest.raises(SsoError, match="refused the browser's login code"):
        auth.wait_for_browser_login(login)
    assert not auth.cache.token_path.exists()


# -- waiting: timeout, cancel, closed tab -------------------------------------------------------


def test_nobody_comes_back_gives_up_after_ten_minutes(sso_session, emulator):
    """The user closed the tab: after 10 minutes (a fake clock) one clear line."""
    now = [timeutil.utcnow()]

    def clock():
        now[0] += timedelta(minutes=2)  # each look at the clock is two minutes later
        return now[0]

    auth = Authenticator(sso_session, clock=clock)
    login = auth.start_browser_login()
    assert login.expires_at - now[0] == timedelta(seconds=600)
    with pytest.raises(LoginTimedOut) as info:
        auth.wait_for_browser_login(login)
    assert str(info.value) == (
        "no answer from the browser within 10 minutes — run the login again "
        "(or log in with --use-device-code)."
    )
    assert "\n" not in str(info.value)
    with pytest.raises(OSError):  # the listener is closed
        socket.create_connection(("127.0.0.1", login.listener.port), timeout=1)


def test_a_shrunk_timeout(auth, emulator):
    login = auth.start_browser_login(timeout=0.05)
    with pytest.raises(LoginTimedOut):
        auth.wait_for_browser_login(login)


def test_cancelled_returns_none_and_closes_the_listener(auth, emulator):
    login = auth.start_browser_login()
    assert auth.wait_for_browser_login(login, cancelled=lambda: True) is None
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", login.listener.port), timeout=1)
    assert not auth.cache.token_path.exists()


# -- the callback port ----------------------------------------------------------------------------


def test_a_fixed_port_that_is_taken_is_one_clear_line(auth, emulator):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(SsoError) as info:
            auth.start_browser_login(redirect_port=port)
    assert sum(emulator.stats.calls.values()) == 0  # refused before any request
    assert str(info.value) == (
        f"port {port} on 127.0.0.1 is already in use, so the browser could not come back to "
        "ssotui: choose another redirect port, or log in with --use-device-code."
    )


def test_a_fixed_port_is_used(auth, emulator):
    emulator.authorize_auto = "approve"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    login = auth.start_browser_login(redirect_port=port)
    assert login.redirect_uri == f"http://127.0.0.1:{port}/oauth/callback"
    browser(login.url)
    assert auth.wait_for_browser_login(login) is not None


def test_the_listener_is_loopback_only_and_ignores_other_paths(emulator):
    with pkce.CallbackListener() as listener:
        assert listener._server.server_address[0] == "127.0.0.1"
        assert "login listener" in browser(f"http://127.0.0.1:{listener.port}/favicon.ico")
        assert listener.answer is None


# -- the /authorize endpoint follows botocore's endpoint resolution ------------------------------


def test_authorize_moves_with_the_oidc_endpoint_variable(auth, emulator, monkeypatch):
    login = auth.start_browser_login()
    login.close()
    assert login.url.startswith(emulator.base_url + "/authorize?")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", emulator.base_url + "/prefix")
    clients.reset_clients()
    base = pkce.oidc_base_url(clients.client("sso-oidc", "us-east-1"))
    assert base == emulator.base_url + "/prefix"
    assert emulator.stats.calls["RegisterClient"] == 1  # the probes sent nothing


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        (None, "https://oidc.eu-west-1.amazonaws.com"),
        ("AWS_USE_FIPS_ENDPOINT", "https://oidc-fips.eu-west-1.amazonaws.com"),
        ("AWS_USE_DUALSTACK_ENDPOINT", "https://oidc.eu-west-1.api.aws"),
    ],
)
def test_authorize_follows_fips_and_dual_stack(monkeypatch, variable, expected):
    monkeypatch.delenv("AWS_ENDPOINT_URL_SSO_OIDC", raising=False)
    if variable:
        monkeypatch.setenv(variable, "true")
    clients.reset_clients()
    try:
        # No request is sent: nothing here could reach AWS (and it must not try).
        assert pkce.oidc_base_url(clients.client("sso-oidc", "eu-west-1")) == expected
    finally:
        clients.reset_clients()


# -- registration shared with the AWS CLI --------------------------------------------------------

CLI_START = "https://d-1234567890.awsapps.com/start"
CLI_REGISTRATION_FILE = "a8343d65418848d0bc13a5f25cbb32508ceec5d1.json"  # reference §4.3


@pytest.fixture
def my_sso(emulator) -> SsoSession:
    scopes = ("sso:account:access",)
    return SsoSession("my-sso", CLI_START, "us-east-1", scopes=scopes, configured_scopes=scopes)


def test_our_pkce_registration_is_in_the_file_the_aws_cli_reads(my_sso, emulator, home):
    emulator.authorize_auto = "approve"
    auth = Authenticator(my_sso)
    login = auth.start_browser_login()
    browser(login.url)
    token = auth.wait_for_browser_login(login)
    path = home / ".aws" / "sso" / "cache" / CLI_REGISTRATION_FILE
    data = json.loads(path.read_text())
    # What the AWS CLI's PKCE flow needs to reuse it: the grant, and a live secret.
    assert data["clientId"] == token.client_id
    assert data["clientSecret"] == token.client_secret
    assert data["grantTypes"] == [AUTH_CODE, "refresh_token"]
    assert data["scopes"] == ["sso:account:access"]
    expires = timeutil.parse_utc(data["expiresAt"])
    assert data["expiresAt"].endswith("Z")
    assert expires - timeutil.utcnow() > timedelta(days=89)
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_pkce_registration_written_by_the_aws_cli_is_reused(my_sso, emulator, home):
    """The AWS CLI registered first (its exact request) and cached it; we register nothing."""
    emulator.authorize_auto = "approve"
    reply = emulator.state.register_client(
        {
            "clientName": "botocore-client-my-sso",
            "clientType": "public",
            "grantTypes": [AUTH_CODE, "refresh_token"],
            "redirectUris": ["http://127.0.0.1/oauth/callback"],
            "issuerUrl": CLI_START,
            "scopes": ["sso:account:access"],
        }
    )
    cache = home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    expires = timeutil.format_utc(timeutil.from_epoch_s(reply["clientSecretExpiresAt"]))
    (cache / CLI_REGISTRATION_FILE).write_text(
        json.dumps(
            {
                "clientId": reply["clientId"],
                "clientSecret": reply["clientSecret"],
                "expiresAt": expires,
                "scopes": ["sso:account:access"],
                "grantTypes": [AUTH_CODE, "refresh_token"],
            }
        )
    )
    auth = Authenticator(my_sso)
    login = auth.start_browser_login()
    browser(login.url)
    token = auth.wait_for_browser_login(login)
    assert token.client_id == reply["clientId"]
    assert emulator.stats.calls["RegisterClient"] == 0


def test_switching_flows_replaces_the_shared_registration_as_the_cli_does(auth, emulator):
    emulator.authorize_auto = "approve"
    emulator.approve_after = 0
    device = auth.start_login()  # device flow: a registration without authorization_code
    assert auth.wait_for_login(device, sleep=lambda s: None) is not None
    login = auth.start_browser_login()  # PKCE cannot use it
    browser(login.url)
    pkce_token = auth.wait_for_browser_login(login)
    assert emulator.stats.calls["RegisterClient"] == 2
    assert auth.cache.load_registration().grant_types == (AUTH_CODE, "refresh_token")
    again = auth.start_browser_login()  # ...but PKCE reuses its own
    again.close()
    assert emulator.stats.calls["RegisterClient"] == 2
    device = auth.start_login()  # and the device flow cannot use PKCE's
    assert auth.cache.load_registration().client_id != pkce_token.client_id
    assert auth.cache.load_registration().grant_types == (DEVICE_GRANT, "refresh_token")
    assert emulator.stats.calls["RegisterClient"] == 3


def test_register_client_slow_down_is_retried_then_one_line(auth, emulator, monkeypatch):
    monkeypatch.setattr(auth_module, "REGISTER_SLOW_DOWN_PAUSE", 0.0)
    emulator.register_slow_down = 1
    auth.start_browser_login().close()
    assert emulator.stats.calls["RegisterClient"] == 2
    auth.cache.registration_path.unlink()
    emulator.register_slow_down = 10
    with pytest.raises(Throttled) as info:
        auth.start_browser_login()
    assert str(info.value) == (
        "IAM Identity Center kept asking to slow down while registering this client; "
        "try again in a minute."
    )
