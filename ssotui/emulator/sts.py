"""``sts:AssumeRole`` for the chained roles of the org (:class:`~.org.ChainedRole`), in the
query protocol: a form POST to ``/`` signed with role credentials, answered in XML.

The caller is the holder of credentials this emulator issued (GetRoleCredentials, or an
earlier AssumeRole): the access key id from the SigV4 ``Authorization`` header and the
``X-Amz-Security-Token`` must match an unexpired set. The signature itself is not checked: the
session token is secret enough for a loopback emulator. What AWS checks, it checks: the trust
(the caller's account and role must be trusted by the role), the ExternalId, the session name,
and ``DurationSeconds`` (900 s to 1 h for a chained session: the 1-hour role-chaining cap).
"""

from __future__ import annotations

import re
import time
import uuid
from xml.sax.saxutils import escape

from .errors import STS_XMLNS, StsError

CHAINED_MAX_S = 3600  # role chaining: a session lasts at most an hour
_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/")
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)


def assume_role(emu, form: dict[str, str], headers) -> bytes:
    """The XML answer to an AssumeRole ``form``; StsError for every refusal."""
    if form.get("Action") != "AssumeRole":
        raise StsError("InvalidAction", f"Could not find operation {form.get('Action')!r}")
    found = _CREDENTIAL.search(headers.get("Authorization", ""))
    caller = (
        emu.federation.caller(found.group(1), headers.get("X-Amz-Security-Token"))
        if found
        else None
    )
    if caller is None:
        raise StsError(
            "InvalidClientTokenId", "The security token included in the request is invalid.", 403
        )
    arn = form.get("RoleArn", "")
    session_name = form.get("RoleSessionName", "")
    if not _SESSION_NAME.fullmatch(session_name):
        raise StsError(
            "ValidationError",
            "1 validation error detected: Value at 'roleSessionName' failed to satisfy "
            r"constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*",
        )
    duration = _duration(form.get("DurationSeconds"))
    role = emu.org.chained.get(arn)
    who = f"arn:aws:sts::{caller.account_id}:assumed-role/{caller.role}/ssotui"
    if role is None or (caller.account_id, caller.role) not in role.trusted:
        raise StsError(
            "AccessDenied",
            f"User: {who} is not authorized to perform: sts:AssumeRole on resource: {arn}",
            403,
        )
    if role.external_id is not None and form.get("ExternalId") != role.external_id:
        raise StsError(
            "AccessDenied",
            f"User: {who} is not authorized to perform: sts:AssumeRole on resource: {arn}",
            403,
        )
    issued = emu.federation.issue_credentials(
        role.account_id, role.role_name, chained=True, ttl=min(duration, emu.credentials_ttl)
    )
    expiration = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(issued["expiration"] / 1000))
    return (
        f'<AssumeRoleResponse xmlns="{STS_XMLNS}"><AssumeRoleResult>'
        "<AssumedRoleUser>"
        f"<AssumedRoleId>AROAEMULATOR:{escape(session_name)}</AssumedRoleId>"
        f"<Arn>arn:aws:sts::{role.account_id}:assumed-role/{role.role_name}/"
        f"{escape(session_name)}</Arn>"
        "</AssumedRoleUser><Credentials>"
        f"<AccessKeyId>{issued['accessKeyId']}</AccessKeyId>"
        f"<SecretAccessKey>{escape(issued['secretAccessKey'])}</SecretAccessKey>"
        f"<SessionToken>{escape(issued['sessionToken'])}</SessionToken>"
        f"<Expiration>{expiration}</Expiration>"
        "</Credentials></AssumeRoleResult>"
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        "</AssumeRoleResponse>"
    ).encode()


def _duration(raw: str | None) -> int:
    if raw is None:
        return CHAINED_MAX_S
    try:
        seconds = int(raw)
    except ValueError:
        seconds = -1
    if seconds < 900:
        raise StsError(
            "ValidationError",
            "1 validation error detected: Value at 'durationSeconds' failed to satisfy "
            "constraint: Member must have value greater than or equal to 900",
        )
    if seconds > CHAINED_MAX_S:
        raise StsError(
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed "
            "by role chaining.",
        )
    return seconds
