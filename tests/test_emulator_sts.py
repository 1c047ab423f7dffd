"""Issue 16 groundwork: the emulator's sts:AssumeRole (query protocol, XML) for roles outside
the org reached from SSO roles, through real boto3, and the console's refusal of a
SessionDuration for chained credentials."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError

from ssotui.core.credentials import CredentialBroker


def sso_credentials(emu, account_name: str, role: str):
    token = emu.mint_token()["accessToken"]
    broker = CredentialBroker(lambda force_refresh=False: token, "us-east-1")
    return broker.get(emu.org.find(account_name).account_id, role)


def sts_client(creds):
    return boto3.client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        aws_session_token=creds.session_token,
    )


def chained_arn(emu, name: str) -> str:
    return next(arn for arn in emu.org.chained if arn.endswith("/" + name))


def assume(creds, arn: str, **extra):
    answer = sts_client(creds).assume_role(RoleArn=arn, RoleSessionName="tester@ssotui", **extra)
    return answer["Credentials"], answer["AssumedRoleUser"]["Arn"]


def test_an_sso_role_assumes_the_role_that_trusts_it(emulator):
    arn = chained_arn(emulator, "LegacyAdmin")
    chained, who = assume(sso_credentials(emulator, "management", "AdministratorAccess"), arn)
    account = arn.split(":")[4]
    assert who == f"arn:aws:sts::{account}:assumed-role/LegacyAdmin/tester@ssotui"
    assert chained["AccessKeyId"].startswith("ASIA") and chained["SessionToken"]
    assert emulator.stats.calls["AssumeRole"] == 1


def test_a_chain_of_chains_and_its_one_hour_cap(emulator):
    legacy, _ = assume(
        sso_credentials(emulator, "management", "AdministratorAccess"),
        chained_arn(emulator, "LegacyAdmin"),
    )
    from ssotui.core.models import RoleCredentials

    as_creds = RoleCredentials(
        "", "", legacy["AccessKeyId"], legacy["SecretAccessKey"], legacy["SessionToken"], None
    )
    deep, who = assume(as_creds, chained_arn(emulator, "DeepOps"))
    assert who.endswith(":assumed-role/DeepOps/tester@ssotui")
    with pytest.raises(ClientError, match="exceeds the 1 hour session limit"):
        assume(as_creds, chained_arn(emulator, "DeepOps"), DurationSeconds=7200)


def test_a_role_that_does_not_trust_the_caller_is_access_denied(emulator):
    creds = sso_credentials(emulator, "management", "ReadOnlyAccess")
    with pytest.raises(ClientError) as raised:
        assume(creds, chained_arn(emulator, "LegacyAdmin"))
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_the_external_id_is_required_where_the_trust_asks_for_it(emulator):
    creds = sso_credentials(emulator, "security-audit", "SecurityAudit")
    arn = chained_arn(emulator, "AuditReader")
    with pytest.raises(ClientError, match="AccessDenied"):
        assume(creds, arn)
    chained, _ = assume(creds, arn, ExternalId="ssotui-demo")
    assert chained["AccessKeyId"]


def test_unknown_credentials_are_an_invalid_token(emulator):
    from ssotui.core.models import RoleCredentials

    forged = RoleCredentials("", "", "ASIAFORGED0000000000", "x" * 40, "not-a-token", None)
    with pytest.raises(ClientError) as raised:
        assume(forged, chained_arn(emulator, "LegacyAdmin"))
    assert raised.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_assume_role_is_throttled_like_the_portal(emulator):
    creds = sso_credentials(emulator, "management", "AdministratorAccess")
    emulator.rate_limit = 0.001
    emulator.limiter.allow("AssumeRole", 0.001)  # spend the bucket's one token
    with pytest.raises(ClientError) as raised:
        sts_client(creds).assume_role(
            RoleArn=chained_arn(emulator, "LegacyAdmin"), RoleSessionName="ab"
        )
    assert raised.value.response["Error"]["Code"] == "Throttling"


def _signin(emu, chained: dict, duration: int | None) -> int:
    form = {
        "Action": "getSigninToken",
        "Session": json.dumps(
            {
                "sessionId": chained["AccessKeyId"],
                "sessionKey": chained["SecretAccessKey"],
                "sessionToken": chained["SessionToken"],
            }
        ),
    }
    if duration is not None:
        form["SessionDuration"] = str(duration)
    request = urllib.request.Request(
        f"{emu.base_url}/federation", data=urllib.parse.urlencode(form).encode(), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_console_refuses_a_session_duration_for_chained_credentials(emulator):
    chained, _ = assume(
        sso_credentials(emulator, "management", "AdministratorAccess"),
        chained_arn(emulator, "LegacyAdmin"),
    )
    assert _signin(emulator, chained, 3600) == 400
    assert _signin(emulator, chained, None) == 200
