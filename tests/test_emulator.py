"""The emulator against real boto3 on 127.0.0.1: every behaviour the app relies on, with the
typed exceptions botocore raises for them."""

from __future__ import annotations

import hashlib
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from ssotui.emulator import Emulator
from ssotui.emulator.org import PERMISSION_SETS, generate_org

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
START_URL = "https://d-9067000000.awsapps.com/start"
REPO = Path(__file__).resolve().parent.parent
# Note: {"max_attempts": 1} would still retry once: in botocore it counts *retries* (legacy
# mode); total_max_attempts counts requests.
NO_RETRY = {"total_max_attempts": 1}


def oidc_client():
    return boto3.client("sso-oidc", region_name="us-east-1", config=Config(retries=NO_RETRY))


def sso_client():
    config = Config(signature_version=UNSIGNED, retries=NO_RETRY)
    return boto3.client("sso", region_name="us-east-1", config=config)


def register(oidc, **extra):
    extra.setdefault("scopes", ["sso:account:access"])
    return oidc.register_client(clientName="botocore-client-test", clientType="public", **extra)


def start(oidc, reg):
    return oidc.start_device_authorization(
        clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=START_URL
    )


def poll(oidc, reg, device):
    return oidc.create_token(
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        grantType=DEVICE_GRANT,
        deviceCode=device["deviceCode"],
    )


def refresh(oidc, reg, refresh_token):
    return oidc.create_token(
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        grantType="refresh_token",
        refreshToken=refresh_token,
    )


def login(emu, oidc=None):
    """Register, start, approve, exchange: (registration, token response)."""
    oidc = oidc or oidc_client()
    reg = register(oidc)
    device = start(oidc, reg)
    assert emu.approve(device["userCode"])
    return reg, poll(oidc, reg, device)


def http(url, data=None, headers=None):
    """(status, headers, body) of a raw request; errors are answers, not exceptions."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def error_of(excinfo) -> tuple[str, int, str]:
    response = excinfo.value.response
    status = response["ResponseMetadata"]["HTTPStatusCode"]
    return response["Error"]["Code"], status, response["Error"].get("Message", "")


# --- sso-oidc: device flow ----------------------------------------------------------------


def test_device_flow_from_registration_to_token(emulator):
    oidc = oidc_client()
    reg = register(oidc)
    now = time.time()
    assert abs(reg["clientSecretExpiresAt"] - (now + 90 * 86400)) < 60
    assert abs(reg["clientIdIssuedAt"] - now) < 60
    device = start(oidc, reg)
    assert re.fullmatch(r"[A-Z]{4}-[A-Z]{4}", device["userCode"])
    assert device["verificationUri"] == emulator.base_url + "/device"
    assert device["verificationUriComplete"] == (
        f"{emulator.base_url}/device?user_code={device['userCode']}"
    )
    assert (device["expiresIn"], device["interval"]) == (600, 1)
    with pytest.raises(oidc.exceptions.AuthorizationPendingException) as excinfo:
        poll(oidc, reg, device)
    assert error_of(excinfo)[:2] == ("AuthorizationPendingException", 400)
    assert emulator.approve(device["userCode"])
    token = poll(oidc, reg, device)
    assert token["tokenType"] == "Bearer"
    assert token["expiresIn"] == 3600
    assert token["accessToken"] and token["refreshToken"]
    assert token["ResponseMetadata"]["RequestId"]
    listed = sso_client().list_accounts(accessToken=token["accessToken"], maxResults=100)
    assert len(listed["accountList"]) == 12
    assert emulator.stats.calls["CreateToken"] == 2
    assert emulator.stats.errors == []


def test_polling_faster_than_the_interval_is_told_to_slow_down(emulator):
    oidc = oidc_client()
    reg = register(oidc)
    device = start(oidc, reg)
    with pytest.raises(oidc.exceptions.AuthorizationPendingException):
        poll(oidc, reg, device)
    with pytest.raises(oidc.exceptions.SlowDownException) as excinfo:
        poll(oidc, reg, device)
    assert error_of(excinfo)[:2] == ("SlowDownException", 400)
    time.sleep(device["interval"])  # exactly the interval is never too fast
    with pytest.raises(oidc.exceptions.AuthorizationPendingException):
        poll(oidc, reg, device)


def test_expired_device_code(emulator):
    oidc = oidc_client()
    reg = register(oidc)
    device = start(oidc, reg)
    emulator.state.find_device(device["userCode"]).expires_at = time.time() - 1
    with pytest.raises(oidc.exceptions.ExpiredTokenException):
        poll(oidc, reg, device)
    assert not emulator.approve(device["userCode"])
    status, _, body = http(f"{emulator.base_url}/device?user_code={device['userCode']}")
    assert status == 404 and b"expired" in body


def test_denied_and_deny_all(emulator):
    oidc = oidc_client()
    reg = register(oidc)
    device = start(oidc, reg)
    assert emulator.deny(device["userCode"])
    with pytest.raises(oidc.exceptions.AccessDeniedException) as excinfo:
        poll(oidc, reg, device)
    assert error_of(excinfo) == ("AccessDeniedException", 400, "Authorization was denied")
    emulator.deny_all = True
    other = start(oidc, reg)
    emulator.approve(other["userCode"])  # deny_all wins over a click
    with pytest.raises(oidc.exceptions.AccessDeniedException):
        poll(oidc, reg, other)


def test_device_code_is_single_use_and_must_be_known(emulator):
    oidc = oidc_client()
    reg = register(oidc)
    device = start(oidc, reg)
    emulator.approve(device["userCode"])
    poll(oidc, reg, device)
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        poll(oidc, reg, device)
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        poll(oidc, reg, {"deviceCode": "forged"})
    other_client = register(oidc)  # a device code is bound to its client
    fresh = start(oidc, reg)
    emulator.approve(fresh["userCode"])
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        poll(oidc, other_client, fresh)


def test_approve_after_knob_is_live(emulator):
    oidc = oidc_client()
    reg = register(oidc)
    device = start(oidc, reg)
    with pytest.raises(oidc.exceptions.AuthorizationPendingException):
        poll(oidc, reg, device)
    emulator.approve_after = 0
    assert poll(oidc, reg, device)["accessToken"]


def test_bad_client_credentials(emulator):
    oidc = oidc_client()
    reg = register(oidc)
    bad = dict(reg, clientSecret="wrong")
    with pytest.raises(oidc.exceptions.InvalidClientException) as excinfo:
        start(oidc, bad)
    assert error_of(excinfo)[:2] == ("InvalidClientException", 401)
    device = start(oidc, reg)
    emulator.approve(device["userCode"])
    with pytest.raises(oidc.exceptions.InvalidClientException):
        poll(oidc, bad, device)
    with pytest.raises(oidc.exceptions.InvalidClientException):
        start(oidc, dict(reg, clientId="unknown"))
    with pytest.raises(oidc.exceptions.InvalidClientMetadataException):
        oidc.register_client(clientName="x", clientType="confidential")


def test_grant_types(emulator):
    oidc = oidc_client()
    reg = register(oidc)
    with pytest.raises(oidc.exceptions.UnsupportedGrantTypeException):
        oidc.create_token(
            clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="password"
        )
    device_only = register(oidc, grantTypes=[DEVICE_GRANT])
    device = start(oidc, device_only)
    emulator.approve(device["userCode"])
    token = poll(oidc, device_only, device)
    assert "refreshToken" not in token  # it could never use one
    with pytest.raises(oidc.exceptions.UnauthorizedClientException):
        refresh(oidc, device_only, "aor-anything")
    pkce_only = register(
        oidc,
        grantTypes=["authorization_code", "refresh_token"],
        redirectUris=["http://127.0.0.1/oauth/callback"],
    )
    with pytest.raises(oidc.exceptions.UnauthorizedClientException):
        start(oidc, pkce_only)


def test_no_refresh_token_for_legacy_clients_or_when_switched_off(make_emulator):
    emu = make_emulator(accounts=3, approve_after=0)
    oidc = oidc_client()
    legacy = oidc.register_client(clientName="legacy", clientType="public")
    assert "refreshToken" not in poll(oidc, legacy, start(oidc, legacy))
    reg = register(oidc)
    assert "refreshToken" in poll(oidc, reg, start(oidc, reg))
    emu.refresh_tokens = False
    token = poll(oidc, reg, start(oidc, reg))
    assert "refreshToken" not in token and token["accessToken"]


# --- sso-oidc: refresh and session end ------------------------------------------------------


def test_refresh_rotates_and_the_old_refresh_token_is_dead(emulator):
    oidc, sso = oidc_client(), sso_client()
    reg, first = login(emulator, oidc)
    second = refresh(oidc, reg, first["refreshToken"])
    assert second["accessToken"] != first["accessToken"]
    assert second["refreshToken"] != first["refreshToken"]
    assert second["expiresIn"] == 3600
    assert sso.list_accounts(accessToken=second["accessToken"])["accountList"]
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        refresh(oidc, reg, first["refreshToken"])
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        refresh(oidc, register(oidc), second["refreshToken"])  # bound to its client
    third = refresh(oidc, reg, second["refreshToken"])
    assert third["refreshToken"] not in (first["refreshToken"], second["refreshToken"])


def test_expire_access_tokens_keeps_refresh_working(emulator):
    oidc, sso = oidc_client(), sso_client()
    reg, token = login(emulator, oidc)
    emulator.expire_access_tokens()
    with pytest.raises(sso.exceptions.UnauthorizedException):
        sso.list_accounts(accessToken=token["accessToken"])
    fresh = refresh(oidc, reg, token["refreshToken"])
    assert sso.list_accounts(accessToken=fresh["accessToken"])["accountList"]


def test_end_sessions_kills_access_and_refresh(emulator):
    oidc, sso = oidc_client(), sso_client()
    reg, token = login(emulator, oidc)
    emulator.end_sessions()
    with pytest.raises(sso.exceptions.UnauthorizedException):
        sso.list_accounts(accessToken=token["accessToken"])
    with pytest.raises(oidc.exceptions.InvalidGrantException) as excinfo:
        refresh(oidc, reg, token["refreshToken"])
    assert error_of(excinfo)[:2] == ("InvalidGrantException", 400)
    _, again = login(emulator, oidc)  # a new login works
    assert sso.list_accounts(accessToken=again["accessToken"])["accountList"]


def test_session_ttl_ends_refresh(make_emulator):
    emu = make_emulator(accounts=2, session_ttl=0.3)
    oidc = oidc_client()
    reg, token = login(emu, oidc)
    assert token["expiresIn"] == 0  # an access token never outlives its session
    time.sleep(0.35)
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        refresh(oidc, reg, token["refreshToken"])


def test_mint_token(emulator):
    minted = emulator.mint_token(ttl=120)
    assert minted["expiresIn"] == 120
    sso = sso_client()
    assert sso.list_accounts(accessToken=minted["accessToken"])["accountList"]
    reg = {"clientId": minted["clientId"], "clientSecret": minted["clientSecret"]}
    fresh = refresh(oidc_client(), reg, minted["refreshToken"])
    assert fresh["expiresIn"] == 3600


# --- portal ------------------------------------------------------------------------------------


def test_list_accounts_paginates_every_account_exactly_once(make_emulator):
    emu = make_emulator(accounts=45)
    token = emu.mint_token()["accessToken"]
    paginator = sso_client().get_paginator("list_accounts")
    pages = list(paginator.paginate(accessToken=token))
    assert len(pages) == 3  # default page size 20
    ids = [a["accountId"] for page in pages for a in page["accountList"]]
    assert sorted(ids) == sorted(a.account_id for a in emu.org.accounts)
    assert len(set(ids)) == 45
    first = pages[0]["accountList"][0]
    account = emu.org.account(first["accountId"])
    assert first == {
        "accountId": account.account_id,
        "accountName": account.name,
        "emailAddress": account.email,
    }
    emu.reset_stats()
    pages = list(paginator.paginate(accessToken=token, PaginationConfig={"PageSize": 100}))
    assert len(pages) == 1 and len(pages[0]["accountList"]) == 45
    assert "nextToken" not in pages[0]
    assert emu.stats.calls["ListAccounts"] == 1


def test_list_accounts_large_org_with_max_results_100(make_emulator):
    emu = make_emulator(accounts=250)
    token = emu.mint_token()["accessToken"]
    pages = list(
        sso_client()
        .get_paginator("list_accounts")
        .paginate(accessToken=token, PaginationConfig={"PageSize": 100})
    )
    assert [len(p["accountList"]) for p in pages] == [100, 100, 50]
    assert len({a["accountId"] for p in pages for a in p["accountList"]}) == 250


def test_bad_max_results_and_next_token(emulator):
    sso = sso_client()
    token = emulator.mint_token()["accessToken"]
    with pytest.raises(sso.exceptions.InvalidRequestException) as excinfo:
        sso.list_accounts(accessToken=token, maxResults=101)
    assert error_of(excinfo)[:2] == ("InvalidRequestException", 400)
    with pytest.raises(sso.exceptions.InvalidRequestException):
        sso.list_accounts(accessToken=token, nextToken="not-a-token")


def test_list_account_roles(emulator):
    sso = sso_client()
    token = emulator.mint_token()["accessToken"]
    account = max(emulator.org.accounts, key=lambda a: len(a.roles))
    assert len(account.roles) >= 2
    pages = sso.get_paginator("list_account_roles").paginate(
        accessToken=token, accountId=account.account_id, PaginationConfig={"PageSize": 1}
    )
    roles = [r for page in pages for r in page["roleList"]]
    assert roles == [{"roleName": r, "accountId": account.account_id} for r in account.roles]
    with pytest.raises(sso.exceptions.ResourceNotFoundException) as excinfo:
        sso.list_account_roles(accessToken=token, accountId="000000000000")
    assert error_of(excinfo)[:2] == ("ResourceNotFoundException", 404)


def test_get_role_credentials_and_no_access(emulator):
    sso = sso_client()
    token = emulator.mint_token()["accessToken"]
    account = emulator.org.accounts[0]
    creds = sso.get_role_credentials(
        accessToken=token, accountId=account.account_id, roleName=account.roles[0]
    )["roleCredentials"]
    assert creds["accessKeyId"].startswith("ASIAEMU") and len(creds["accessKeyId"]) == 20
    assert len(creds["secretAccessKey"]) == 40
    assert len(creds["sessionToken"]) > 100
    assert abs(creds["expiration"] / 1000 - (time.time() + 3600)) < 60  # epoch milliseconds
    again = sso.get_role_credentials(
        accessToken=token, accountId=account.account_id, roleName=account.roles[0]
    )["roleCredentials"]
    assert again["accessKeyId"] != creds["accessKeyId"]
    unassigned = next(r for r in PERMISSION_SETS if r not in account.roles)
    for account_id, role in ((account.account_id, unassigned), ("000000000000", "ReadOnlyAccess")):
        with pytest.raises(ClientError) as excinfo:
            sso.get_role_credentials(accessToken=token, accountId=account_id, roleName=role)
        assert error_of(excinfo) == ("ForbiddenException", 403, "No access")


def test_missing_or_bad_bearer_token_is_unauthorized(emulator):
    sso = sso_client()
    with pytest.raises(sso.exceptions.UnauthorizedException) as excinfo:
        sso.list_accounts(accessToken="aoa-forged")
    assert error_of(excinfo) == (
        "UnauthorizedException",
        401,
        "Session token not found or invalid",
    )
    status, headers, body = http(f"{emulator.base_url}/assignment/accounts")
    assert status == 401
    assert headers["x-amzn-ErrorType"] == "UnauthorizedException"
    assert json.loads(body) == {
        "message": "Session token not found or invalid",
        "__type": "com.amazonaws.switchboard.portal#UnauthorizedException",
    }
    assert headers["x-amzn-RequestId"]


def test_query_order_does_not_matter(emulator):
    token = emulator.mint_token()["accessToken"]
    account = emulator.org.accounts[1]
    query = urllib.parse.urlencode(
        {"role_name": account.roles[0], "account_id": account.account_id}
    )
    status, _, body = http(
        f"{emulator.base_url}/federation/credentials?{query}",
        headers={"x-amz-sso_bearer_token": token},
    )
    assert status == 200
    assert json.loads(body)["roleCredentials"]["accessKeyId"].startswith("ASIAEMU")


def test_logout_invalidates_access_and_refresh(emulator):
    oidc, sso = oidc_client(), sso_client()
    reg, token = login(emulator, oidc)
    _, other = login(emulator, oidc)
    response = sso.logout(accessToken=token["accessToken"])
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(sso.exceptions.UnauthorizedException):
        sso.list_accounts(accessToken=token["accessToken"])
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        refresh(oidc, reg, token["refreshToken"])
    assert sso.list_accounts(accessToken=other["accessToken"])["accountList"]  # only that one
    assert emulator.stats.calls["Logout"] == 1


# --- knobs ---------------------------------------------------------------------------------------


def test_rate_limit_answers_429_too_many_requests(make_emulator):
    emu = make_emulator(accounts=3, rate_limit=2)
    sso = sso_client()
    token = emu.mint_token()["accessToken"]
    outcomes = []
    for _ in range(6):
        try:
            sso.list_accounts(accessToken=token)
            outcomes.append("ok")
        except sso.exceptions.TooManyRequestsException as err:
            assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 429
            outcomes.append("429")
    assert outcomes[:2] == ["ok", "ok"] and "429" in outcomes
    assert emu.stats.throttled["ListAccounts"] == outcomes.count("429")
    assert emu.stats.calls["ListAccounts"] == 6
    account = emu.org.accounts[0]  # buckets are per operation
    assert sso.list_account_roles(accessToken=token, accountId=account.account_id)["roleList"]
    status, headers, body = http(
        f"{emu.base_url}/assignment/accounts", headers={"x-amz-sso_bearer_token": token}
    )
    assert status == 429 and headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    assert json.loads(body) == {
        "message": "HTTP 429 Unknown Code",
        "__type": "com.amazonaws.switchboard.portal#TooManyRequestsException",
    }
    emu.rate_limit = None
    assert sso.list_accounts(accessToken=token)["accountList"]


def test_fail_rate_one_gives_server_errors(make_emulator):
    emu = make_emulator(accounts=3, fail_rate=1.0)
    oidc, sso = oidc_client(), sso_client()
    with pytest.raises(oidc.exceptions.InternalServerException) as excinfo:
        register(oidc)
    assert error_of(excinfo)[:2] == ("InternalServerException", 500)
    token = emu.mint_token()["accessToken"]
    with pytest.raises(ClientError) as excinfo:
        sso.list_accounts(accessToken=token)
    assert error_of(excinfo)[:2] == ("InternalServerException", 500)
    assert emu.stats.faults == {"RegisterClient": 1, "ListAccounts": 1}
    retrying = boto3.client(
        "sso",
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
    )
    with pytest.raises(ClientError):
        retrying.list_accounts(accessToken=token)
    assert emu.stats.faults["ListAccounts"] == 3  # botocore retried the 500 once
    emu.fail_rate = 0.0
    assert sso.list_accounts(accessToken=token)["accountList"]


def test_fault_injection_is_reproducible():
    def pattern():
        with Emulator(accounts=2, seed=3, fail_rate=0.5) as emu:
            token = emu.mint_token()["accessToken"]
            headers = {"x-amz-sso_bearer_token": token}
            return [
                http(f"{emu.base_url}/assignment/accounts", headers=headers)[0] for _ in range(12)
            ]

    first = pattern()
    assert set(first) == {200, 500}
    assert pattern() == first


def test_latency(make_emulator):
    emu = make_emulator(accounts=2, latency_ms=150)
    token = emu.mint_token()["accessToken"]
    began = time.monotonic()
    sso_client().list_accounts(accessToken=token)
    assert time.monotonic() - began >= 0.15


def test_concurrent_clients(make_emulator):
    emu = make_emulator(accounts=120)
    token = emu.mint_token()["accessToken"]
    sso = sso_client()
    results, failures = {}, []

    def worker(accounts):
        try:
            for account in accounts:
                roles = sso.list_account_roles(accessToken=token, accountId=account.account_id)
                results[account.account_id] = [r["roleName"] for r in roles["roleList"]]
        except Exception as err:  # pragma: no cover - reported below
            failures.append(err)

    threads = [threading.Thread(target=worker, args=(emu.org.accounts[i::20],)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert failures == []
    assert results == {a.account_id: list(a.roles) for a in emu.org.accounts}
    assert emu.stats.calls["ListAccountRoles"] == 120
    assert emu.stats.errors == []


# --- console federation -----------------------------------------------------------------------


def _credentials(emu):
    token = emu.mint_token()["accessToken"]
    account = emu.org.accounts[2]
    creds = sso_client().get_role_credentials(
        accessToken=token, accountId=account.account_id, roleName=account.roles[0]
    )["roleCredentials"]
    session = {
        "sessionId": creds["accessKeyId"],
        "sessionKey": creds["secretAccessKey"],
        "sessionToken": creds["sessionToken"],
    }
    return account, session


def _signin(emu, session, method="GET", **extra):
    params = urllib.parse.urlencode(
        {"Action": "getSigninToken", "Session": json.dumps(session), **extra}
    )
    if method == "POST":
        return http(f"{emu.base_url}/federation", data=params.encode())
    return http(f"{emu.base_url}/federation?{params}")


def test_federation_signin_and_login(emulator):
    account, session = _credentials(emulator)
    status, headers, body = _signin(emulator, session, SessionDuration="3600")
    assert status == 200 and headers["Content-Type"] == "application/json"
    signin_token = json.loads(body)["SigninToken"]
    status, _, body = _signin(emulator, session, method="POST")
    assert status == 200 and json.loads(body)["SigninToken"]
    destination = "https://console.aws.amazon.com/ec2/home?region=eu-west-1"
    query = urllib.parse.urlencode(
        {
            "Action": "login",
            "Issuer": START_URL,
            "Destination": destination,
            "SigninToken": signin_token,
        }
    )
    status, _, body = http(f"{emulator.base_url}/federation?{query}")
    assert status == 200
    text = body.decode()
    expected = f"Signed in to {account.name} ({account.account_id}) as {account.roles[0]}"
    assert expected in text
    assert "destination: https://console.aws.amazon.com/ec2/home?region=eu-west-1" in text.replace(
        "&amp;", "&"
    )
    forged = query.replace(urllib.parse.quote_plus(signin_token), "forged")
    assert http(f"{emulator.base_url}/federation?{forged}")[0] == 400
    assert emulator.stats.calls["GetSigninToken"] == 2
    assert emulator.stats.calls["Login"] == 2


def test_federation_rejects_bad_sessions(make_emulator):
    emu = make_emulator(accounts=4, credentials_ttl=0.3)
    _, session = _credentials(emu)
    for duration in ("899", "43201", "soon"):
        assert _signin(emu, session, SessionDuration=duration)[0] == 400
    assert _signin(emu, session, SessionDuration="900")[0] == 200
    assert _signin(emu, session, SessionDuration="43200")[0] == 200
    status, _, body = _signin(emu, dict(session, sessionKey="x" * 40))
    assert status == 400 and b"Invalid credentials parameter" in body
    assert _signin(emu, {"sessionId": session["sessionId"]})[0] == 400
    status, _, _ = http(f"{emu.base_url}/federation?Action=getSigninToken&Session=not-json")
    assert status == 400
    time.sleep(0.35)  # the role credentials expire
    assert _signin(emu, session)[0] == 400


# --- device verification page ------------------------------------------------------------------


def test_device_page_approve_by_form_post(emulator):
    oidc = oidc_client()
    reg = register(oidc)
    device = start(oidc, reg)
    typed = device["userCode"].lower().replace("-", "")  # case and dash do not matter
    status, headers, body = http(f"{emulator.base_url}/device?user_code={typed}")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    page = body.decode()
    assert device["userCode"] in page and emulator.org.name in page
    assert "Approve" in page and "Deny" in page and 'action="/device"' in page
    form = urllib.parse.urlencode({"user_code": typed, "action": "approve"}).encode()
    status, _, body = http(f"{emulator.base_url}/device", data=form)
    assert status == 200 and b"approved" in body
    assert poll(oidc, reg, device)["accessToken"]


def test_device_page_deny_form_and_index(emulator):
    oidc = oidc_client()
    reg = register(oidc)
    device = start(oidc, reg)
    form = urllib.parse.urlencode({"user_code": device["userCode"], "action": "deny"}).encode()
    status, _, body = http(f"{emulator.base_url}/device", data=form)
    assert status == 200 and b"denied" in body
    with pytest.raises(oidc.exceptions.AccessDeniedException):
        poll(oidc, reg, device)
    status, _, body = http(f"{emulator.base_url}/device")
    assert status == 200 and b'name="user_code"' in body
    assert http(f"{emulator.base_url}/device?user_code=ZZZZ-ZZZZ")[0] == 404
    status, headers, body = http(emulator.base_url + "/")
    assert status == 200 and b"/device" in body and headers["x-amzn-RequestId"]


def test_oidc_error_wire_format(emulator):
    body = json.dumps({"clientId": "nope", "clientSecret": "x", "startUrl": START_URL}).encode()
    status, headers, raw = http(
        f"{emulator.base_url}/device_authorization",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert status == 401
    assert headers["x-amzn-ErrorType"] == (
        "InvalidClientException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"
    )
    assert json.loads(raw)["error"] == "invalid_client"
    assert "error_description" in json.loads(raw)


# --- org ---------------------------------------------------------------------------------------


def test_org_is_deterministic_and_realistic():
    org = generate_org(60, seed=7)
    assert org == generate_org(60, seed=7)
    assert org.accounts != generate_org(60, seed=8).accounts
    names = [a.name for a in org.accounts]
    ids = [a.account_id for a in org.accounts]
    assert len(set(names)) == 60 and len(set(ids)) == 60
    assert all(re.fullmatch(r"\d{12}", i) for i in ids)
    assert any(i.startswith("0") for i in ids)
    assert "payments-prod" in names and "payments-staging" in names
    assert sum("prod" in n for n in names) >= 3
    for account in org.accounts:
        assert account.email == f"aws+{account.name}@example.com"
        assert 1 <= len(account.roles) <= 6
        assert set(account.roles) <= set(PERMISSION_SETS)
        assert len(set(account.roles)) == len(account.roles)
    assert org.name
    small = generate_org(1, seed=1)
    assert small.accounts[0].name == "payments-prod"


def test_large_org_is_fast_and_unique():
    began = time.perf_counter()
    org = generate_org(5000, seed=7)
    assert time.perf_counter() - began < 0.5
    assert len({a.name for a in org.accounts}) == 5000
    assert len({a.account_id for a in org.accounts}) == 5000
    assert any(a.name.endswith("-eu") for a in org.accounts)
    assert any(re.search(r"-\d\d$", a.name) for a in org.accounts)


def test_only_loopback():
    with pytest.raises(ValueError):
        Emulator(accounts=1, host="0.0.0.0")


# --- lifecycle and CLI -------------------------------------------------------------------------


def test_stop_refuses_connections_even_for_kept_alive_clients(make_emulator):
    emu = make_emulator(accounts=2)
    sso = sso_client()
    token = emu.mint_token()["accessToken"]
    assert sso.list_accounts(accessToken=token)["accountList"]  # leaves a pooled connection
    port = emu.port
    emu.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)
    began = time.monotonic()
    with pytest.raises(EndpointConnectionError):
        sso.list_accounts(accessToken=token)
    assert time.monotonic() - began < 2
    emu.stop()  # idempotent


def test_context_manager():
    with Emulator(accounts=1) as emu:
        assert http(emu.base_url + "/")[0] == 200
        port = emu.port
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_the_url_first_and_exits_quietly(signum):
    proc = subprocess.Popen(
        [sys.executable, "-m", "ssotui.emulator.cli", "--accounts", "3", "--seed", "1"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", first), first
        rest = [proc.stdout.readline() for _ in range(3)]
        assert any(f"AWS_ENDPOINT_URL_SSO_OIDC={first}" in line for line in rest)
        status, _, body = http(first + "/")
        assert status == 200 and b"3 accounts" in body
        proc.send_signal(signum)
        proc.wait(timeout=10)
        out, err = proc.stdout.read(), proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert err == ""
    assert "[sso-session" in out and "d-9067000000.awsapps.com/start" in out


def test_cli_help(capsys):
    from ssotui.emulator.cli import main

    with pytest.raises(SystemExit) as excinfo:
        main(["--help"])
    assert excinfo.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ssotui emulator")
    assert "--rate-limit" in out and "--approve-after" in out


def test_botocore_own_sso_provider_refreshes_and_gets_credentials(emulator, home):
    """botocore's SSOTokenProvider (refresh) and SSOProvider (GetRoleCredentials) work as-is."""
    minted = emulator.mint_token()
    account = emulator.org.accounts[0]
    config = home / ".aws" / "config"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f"[sso-session emu]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n"
        f"[profile p]\nsso_session = emu\nsso_account_id = {account.account_id}\n"
        f"sso_role_name = {account.roles[0]}\nregion = eu-west-1\n"
    )

    def stamp(seconds):
        moment = datetime.now(UTC) + timedelta(seconds=seconds)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    cache = home / ".aws" / "sso" / "cache" / (hashlib.sha1(b"emu").hexdigest() + ".json")
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(
        json.dumps(
            {
                "startUrl": START_URL,
                "region": "us-east-1",
                "accessToken": minted["accessToken"],
                "expiresAt": stamp(300),  # inside botocore's 15-minute refresh window
                "clientId": minted["clientId"],
                "clientSecret": minted["clientSecret"],
                "registrationExpiresAt": stamp(86400),
                "refreshToken": minted["refreshToken"],
            }
        )
    )
    creds = boto3.Session(profile_name="p").get_credentials().get_frozen_credentials()
    assert creds.access_key.startswith("ASIAEMU")
    assert emulator.stats.calls["CreateToken"] == 1
    assert emulator.stats.calls["GetRoleCredentials"] == 1
    rewritten = json.loads(cache.read_text())
    assert rewritten["accessToken"] != minted["accessToken"]
    assert rewritten["refreshToken"] not in ("", minted["refreshToken"])
