"""The emulator's browser login (PKCE: /authorize and the authorization_code grant), its
RegisterClient checks, the page-size rule and the vanity redirector, through real boto3 and
raw HTTP on 127.0.0.1 — including the exact requests the AWS CLI v2's PKCE flow sends."""

from __future__ import annotations

import base64
import hashlib
import http.client
import re
from urllib.parse import parse_qsl, urlsplit

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.utils import percent_encode_sequence

from ssotui.emulator import authorize

NO_RETRY = {"total_max_attempts": 1}
START_URL = "https://d-9067000000.awsapps.com/start"
CLI_REDIRECT = "http://127.0.0.1/oauth/callback"
VERIFIER = "A" * 20 + "b-._~" + "9" * 39  # 64 characters of the RFC 7636 alphabet


def oidc_client():
    return boto3.client("sso-oidc", region_name="us-east-1", config=Config(retries=NO_RETRY))


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def register_like_the_cli(oidc, **changes):
    """RegisterClient exactly as AWS CLI v2's PKCE flow sends it (reference §2.6 step 3)."""
    request = {
        "clientName": "botocore-client-test",
        "clientType": "public",
        "grantTypes": ["authorization_code", "refresh_token"],
        "redirectUris": [CLI_REDIRECT],
        "issuerUrl": START_URL,
        "scopes": ["sso:account:access"],
    }
    request.update(changes)
    return oidc.register_client(**request)


def authorize_query(reg, redirect_uri, state="st-1", verifier=VERIFIER, **changes) -> str:
    """The AWS CLI's /authorize query: its names, order and percent_encode_sequence."""
    params = {
        "response_type": "code",
        "client_id": reg["clientId"],
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge_method": "S256",
        "scopes": "sso:account:access",
        "code_challenge": s256(verifier),
    }
    params.update(changes)
    return percent_encode_sequence({k: v for k, v in params.items() if v is not None})


def get(emu, target: str, method: str = "GET", body: bytes | None = None):
    """(status, headers, body) without following redirects."""
    conn = http.client.HTTPConnection(emu.host, emu.port, timeout=5)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    try:
        conn.request(method, target, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def redirected(answer) -> tuple[str, dict[str, str]]:
    status, headers, _ = answer
    assert status == 302, answer
    location = headers["Location"]
    parts = urlsplit(location)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", dict(parse_qsl(parts.query))


def exchange(oidc, reg, code, redirect_uri, verifier=VERIFIER):
    """CreateToken exactly as the AWS CLI sends it for the authorization_code grant."""
    return oidc.create_token(
        grantType="authorization_code",
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        redirectUri=redirect_uri,
        codeVerifier=verifier,
        code=code,
    )


def accounts(token: str) -> int:
    sso = boto3.client(
        "sso", region_name="us-east-1", config=Config(signature_version=UNSIGNED, retries=NO_RETRY)
    )
    return len(sso.list_accounts(accessToken=token, maxResults=100)["accountList"])


# -- the AWS CLI v2's PKCE flow, request for request ------------------------------------------


def test_the_aws_cli_pkce_requests_get_a_working_refreshable_token(emulator):
    emulator.authorize_auto = "approve"
    oidc = oidc_client()
    reg = register_like_the_cli(oidc)
    client = emulator.state.clients[reg["clientId"]]
    assert client.issuer_url == START_URL
    assert client.redirect_uris == [CLI_REDIRECT]
    redirect_uri = "http://127.0.0.1:54321/oauth/callback"  # any port: RFC 8252 §7.3
    answer = get(emulator, "/authorize?" + authorize_query(reg, redirect_uri))
    where, params = redirected(answer)
    assert where == redirect_uri
    assert params["state"] == "st-1" and len(params["code"]) >= 32
    token = exchange(oidc, reg, params["code"], redirect_uri)
    assert token["tokenType"] == "Bearer" and token["expiresIn"] == 3600
    assert token["refreshToken"]
    assert accounts(token["accessToken"]) == 12
    refreshed = oidc.create_token(
        grantType="refresh_token",
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        refreshToken=token["refreshToken"],
    )
    assert accounts(refreshed["accessToken"]) == 12


def test_scope_singular_and_a_port_only_redirect_uri_as_aws_sso_cli_sends_them(emulator):
    emulator.authorize_auto = "approve"
    oidc = oidc_client()
    reg = register_like_the_cli(oidc, redirectUris=["http://127.0.0.1"])
    redirect_uri = "http://127.0.0.1:40404"
    query = authorize_query(reg, redirect_uri, scopes=None, scope="sso:account:access")
    where, params = redirected(get(emulator, "/authorize?" + query))
    assert where == redirect_uri
    assert exchange(oidc, reg, params["code"], redirect_uri)["accessToken"]


# -- approve, deny, the page -------------------------------------------------------------------


@pytest.mark.parametrize("knob", ["authorize_auto", "deny_all"])
def test_denied_redirects_with_access_denied_and_the_state(emulator, knob):
    setattr(emulator, knob, "deny" if knob == "authorize_auto" else True)
    reg = register_like_the_cli(oidc_client())
    redirect_uri = "http://127.0.0.1:5000/oauth/callback"
    where, params = redirected(get(emulator, "/authorize?" + authorize_query(reg, redirect_uri)))
    assert where == redirect_uri
    assert params["error"] == "access_denied" and params["state"] == "st-1"
    assert "code" not in params


def test_the_approve_and_deny_page(emulator):
    oidc = oidc_client()
    reg = register_like_the_cli(oidc)
    redirect_uri = "http://127.0.0.1:5001/oauth/callback"
    status, _, body = get(emulator, "/authorize?" + authorize_query(reg, redirect_uri))
    assert status == 200
    page = body.decode()
    assert "botocore-client-test" in page and "Allow access" in page and "Deny" in page
    request_id = re.search(r'name="request_id" value="([^"]+)"', page).group(1)
    form = f"request_id={request_id}&action=approve".encode()
    where, params = redirected(get(emulator, "/authorize", "POST", form))
    assert where == redirect_uri
    assert exchange(oidc, reg, params["code"], redirect_uri)["accessToken"]
    # The same request cannot be answered twice.
    assert get(emulator, "/authorize", "POST", form)[0] == 404
    # Deny on a second page.
    _, _, body = get(emulator, "/authorize?" + authorize_query(reg, redirect_uri, state="s2"))
    request_id = re.search(r'name="request_id" value="([^"]+)"', body.decode()).group(1)
    deny = f"request_id={request_id}&action=deny".encode()
    _, params = redirected(get(emulator, "/authorize", "POST", deny))
    assert params == {
        "error": "access_denied",
        "error_description": "The user denied the request",
        "state": "s2",
    }


def test_approve_after_applies_to_the_browser_login(emulator):
    reg = register_like_the_cli(oidc_client())
    redirect_uri = "http://127.0.0.1:5002/oauth/callback"
    emulator.approve_after = 0
    _, params = redirected(get(emulator, "/authorize?" + authorize_query(reg, redirect_uri)))
    assert params["code"]
    emulator.approve_after = 3
    status, _, body = get(emulator, "/authorize?" + authorize_query(reg, redirect_uri))
    assert status == 200
    refresh = re.search(r'http-equiv="refresh" content="3;url=([^"]+)"', body.decode())
    target = refresh.group(1).replace("&amp;", "&")
    _, params = redirected(get(emulator, target))
    assert params["code"] and params["state"] == "st-1"


# -- what /authorize refuses -------------------------------------------------------------------


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://evil.example/oauth/callback",  # not loopback
        "https://127.0.0.1:5003/oauth/callback",  # not http
        "http://127.0.0.1:5003/other/callback",  # not the registered path
        "http://user@127.0.0.1:5003/oauth/callback",
    ],
)
def test_a_redirect_uri_that_is_not_a_registered_loopback_one_is_never_redirected_to(
    emulator, redirect_uri
):
    emulator.authorize_auto = "approve"
    reg = register_like_the_cli(oidc_client())
    status, headers, body = get(emulator, "/authorize?" + authorize_query(reg, redirect_uri))
    assert status == 400 and "Location" not in headers
    assert b"redirect_uri" in body
    assert not emulator.state.authorizations.codes


def test_unknown_client_is_an_error_page(emulator):
    emulator.authorize_auto = "approve"
    reg = {"clientId": "nope"}
    status, headers, _ = get(
        emulator, "/authorize?" + authorize_query(reg, "http://127.0.0.1:1/oauth/callback")
    )
    assert status == 400 and "Location" not in headers


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"state": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"scopes": "sso:account:access admin:everything"}, "invalid_scope"),
    ],
)
def test_bad_parameters_come_back_as_oauth_errors(emulator, changes, error):
    emulator.authorize_auto = "approve"
    reg = register_like_the_cli(oidc_client())
    redirect_uri = "http://127.0.0.1:5004/oauth/callback"
    query = authorize_query(reg, redirect_uri, **changes)
    where, params = redirected(get(emulator, "/authorize?" + query))
    assert where == redirect_uri
    assert params["error"] == error and "code" not in params


def test_a_device_only_client_may_not_authorize(emulator):
    emulator.authorize_auto = "approve"
    oidc = oidc_client()
    reg = oidc.register_client(
        clientName="dev",
        clientType="public",
        grantTypes=["urn:ietf:params:oauth:grant-type:device_code"],
        redirectUris=[CLI_REDIRECT],
    )
    redirect_uri = "http://127.0.0.1:5005/oauth/callback"
    _, params = redirected(get(emulator, "/authorize?" + authorize_query(reg, redirect_uri)))
    assert params["error"] == "unauthorized_client"


# -- the authorization_code grant --------------------------------------------------------------


def approved_code(emulator, oidc, redirect_uri="http://127.0.0.1:6000/oauth/callback"):
    emulator.authorize_auto = "approve"
    reg = register_like_the_cli(oidc)
    _, params = redirected(get(emulator, "/authorize?" + authorize_query(reg, redirect_uri)))
    return reg, params["code"], redirect_uri


def test_a_wrong_verifier_is_refused_and_burns_the_code(emulator):
    oidc = oidc_client()
    reg, code, redirect_uri = approved_code(emulator, oidc)
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        exchange(oidc, reg, code, redirect_uri, verifier="x" * 64)
    with pytest.raises(oidc.exceptions.InvalidGrantException):  # single use, right or wrong
        exchange(oidc, reg, code, redirect_uri)


def test_the_redirect_uri_must_be_the_authorize_time_one(emulator):
    oidc = oidc_client()
    reg, code, _ = approved_code(emulator, oidc)
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        exchange(oidc, reg, code, "http://127.0.0.1:6001/oauth/callback")


def test_a_code_is_single_use_and_bound_to_its_client(emulator):
    oidc = oidc_client()
    reg, code, redirect_uri = approved_code(emulator, oidc)
    other = register_like_the_cli(oidc)
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        exchange(oidc, other, code, redirect_uri)
    reg2, code2, redirect_uri2 = approved_code(emulator, oidc)
    assert exchange(oidc, reg2, code2, redirect_uri2)["accessToken"]
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        exchange(oidc, reg2, code2, redirect_uri2)


def test_an_expired_code(emulator, monkeypatch):
    monkeypatch.setattr(authorize, "CODE_TTL", -1.0)
    oidc = oidc_client()
    reg, code, redirect_uri = approved_code(emulator, oidc)
    with pytest.raises(oidc.exceptions.ExpiredTokenException):
        exchange(oidc, reg, code, redirect_uri)


def test_a_pkce_client_cannot_start_a_device_authorization(emulator):
    oidc = oidc_client()
    reg = register_like_the_cli(oidc)
    with pytest.raises(oidc.exceptions.UnauthorizedClientException):
        oidc.start_device_authorization(
            clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=START_URL
        )


# -- RegisterClient ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"redirectUris": ["http://evil.example/oauth/callback"]},
        {"redirectUris": ["javascript:alert(1)"]},
        {"redirectUris": []},  # authorization_code needs one
    ],
)
def test_register_client_checks_redirect_uris(emulator, changes):
    oidc = oidc_client()
    with pytest.raises(oidc.exceptions.InvalidRedirectUriException):
        register_like_the_cli(oidc, **changes)


def test_register_client_slow_down_knob(emulator):
    oidc = oidc_client()
    emulator.register_slow_down = 2
    for _ in range(2):
        with pytest.raises(oidc.exceptions.SlowDownException):
            register_like_the_cli(oidc)
    assert register_like_the_cli(oidc)["clientId"]
    assert emulator.register_slow_down == 0


# -- page size and the vanity redirector ---------------------------------------------------------


def test_max_result_above_100_is_refused_with_the_aws_message(emulator):
    token = emulator.mint_token()["accessToken"]
    status, _, body = get(emulator, "/assignment/accounts?max_result=101", "GET")
    assert status == 401  # no token: unauthorized first
    conn = http.client.HTTPConnection(emulator.host, emulator.port, timeout=5)
    conn.request(
        "GET", "/assignment/accounts?max_result=101", headers={"x-amz-sso_bearer_token": token}
    )
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    assert response.status == 400
    assert response.getheader("x-amzn-ErrorType") == "InvalidRequestException"
    assert b"ResultSize parameter must be within the valid limits of: 1-100" in payload


def test_vanity_redirector(emulator):
    target = "https://d-1111111111.awsapps.com/start"
    status, _, _ = get(emulator, "/vanity", "HEAD")
    assert status == 200  # no target: no redirect
    emulator.vanity_target = target
    status, headers, body = get(emulator, "/vanity", "HEAD")
    assert (status, headers["Location"], body) == (302, target, b"")
    emulator.vanity_head = False
    assert get(emulator, "/vanity", "HEAD")[0] == 405
    status, headers, _ = get(emulator, "/vanity", "GET")
    assert (status, headers["Location"]) == (302, target)
