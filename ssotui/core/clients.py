"""boto3 clients for sso-oidc and the portal, and the one place botocore errors become ours.

boto3 is imported lazily (it costs ~150 ms), so that the TUI can paint from the cache before
anything network-related is loaded. Clients honour the SDK's own ``AWS_ENDPOINT_URL_SSO`` and
``AWS_ENDPOINT_URL_SSO_OIDC`` because we never pass ``endpoint_url`` ourselves.

botocore builds each request and parses its answer, but :mod:`portal_http` sends it (botocore's
``before-send`` event), within that module's limits: 10 s to connect, 30 s for the whole
request, 8 MiB for the answer. Through a proxy botocore sends it itself, within the same
limits (:mod:`proxied`).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from urllib.parse import urlsplit

from ssotui.core.errors import (
    BadAnswer,
    LoginDenied,
    LoginTimedOut,
    NetworkError,
    RoleNotAssigned,
    SessionExpired,
    SsoError,
    Throttled,
)

_lock = threading.Lock()
_clients: dict[tuple[str, str, int], object] = {}
_session = None

USER_AGENT = "ssotui"

# Codes a caller may retry after a pause (throttling, server faults, network trouble).
THROTTLE_CODES = {"TooManyRequestsException", "ThrottlingException", "Throttling", "429"}
FAULT_CODES = {"InternalServerException", "ServiceUnavailableException", "500", "502", "503", "504"}
# What a parser raises on JSON of the wrong shape (botocore's, and ours on its output).
MALFORMED = (AttributeError, TypeError, ValueError, KeyError, IndexError)


def bad_answer(operation: str, what: str = "", who: str = "the access portal") -> BadAnswer:
    """``BadAnswer`` naming the operation: "the access portal sent a malformed answer to
    ListAccounts (nextToken is not a string)." ``what`` must already be safe to print."""
    detail = f" ({what})" if what else ""
    return BadAnswer(f"{who} sent a malformed answer to {operation}{detail}.")


def client(service: str, region: str, *, max_attempts: int = 3):
    """A cached, thread-safe boto3 client (``"sso"`` or ``"sso-oidc"``) for ``region``.

    ``max_attempts`` is the total number of requests botocore may send for one call (its
    ``total_max_attempts``; botocore's own ``max_attempts`` counts retries only). Callers that
    do their own retrying and rate limiting (the inventory) pass 1 so that botocore's silent
    retries do not multiply the load on a throttled portal.
    """
    key = (service, region, max_attempts)
    found = _clients.get(key)
    if found is not None:
        return found
    with _lock:
        found = _clients.get(key)
        if found is None:
            found = _make(service, region, max_attempts)
            _clients[key] = found
        return found


def _make(service: str, region: str, max_attempts: int):
    global _session
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    from ssotui.core import portal_http

    if _session is None:
        import botocore.session

        core = botocore.session.Session()
        # We need no profile: credentials are the SSO bearer token. Ignore AWS_PROFILE, which
        # may name a profile that does not exist (botocore would raise ProfileNotFound);
        # with None it falls back to [default] when there is one, and to nothing otherwise.
        core.get_component("config_store").set_config_variable("profile", None)
        _session = boto3.session.Session(botocore_session=core)
    config = Config(
        signature_version=UNSIGNED,
        region_name=region,
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        connect_timeout=portal_http.CONNECT_TIMEOUT,
        read_timeout=portal_http.DEADLINE,
        max_pool_connections=32,
        user_agent_extra=USER_AGENT,
    )
    made = _session.client(service, region_name=region, config=config)
    transport = portal_http.for_client(made, ca_bundle=ca_bundle())
    if transport is not None:
        made.meta.events.register("before-send", transport.send_botocore)
        return made
    http_session = getattr(getattr(made, "_endpoint", None), "http_session", None)
    if http_session is not None:  # a proxy applies: botocore sends, still within the limits
        from ssotui.core.proxied import ProxiedSender

        sender = ProxiedSender(http_session, made.meta.endpoint_url)
        made.meta.events.register("before-send", sender)
    return made


def sts_client(creds, region: str):
    """A boto3 STS client signing with role ``creds`` (for role chaining). Not cached: each set
    of credentials is its own client. The endpoint is botocore's (``AWS_ENDPOINT_URL_STS``
    honoured), with the same timeouts and bounded attempts as the portal's clients."""
    import boto3
    from botocore.config import Config

    from ssotui.core import portal_http

    config = Config(
        region_name=region,
        retries={"mode": "standard", "total_max_attempts": 3},
        connect_timeout=portal_http.CONNECT_TIMEOUT,
        read_timeout=portal_http.DEADLINE,
        user_agent_extra=USER_AGENT,
    )
    import botocore.session

    core = botocore.session.Session()
    core.get_component("config_store").set_config_variable("profile", None)  # as _make
    return boto3.session.Session(
        botocore_session=core,
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        aws_session_token=creds.session_token,
        region_name=region,
    ).client("sts", config=config)


def ca_bundle() -> str | None:
    """The CA bundle botocore verifies against when configured (``AWS_CA_BUNDLE`` or
    ``ca_bundle`` in the AWS config), for our own transport; None: the default."""
    try:
        value = _session._session.get_config_variable("ca_bundle") if _session else None
    except Exception:  # noqa: BLE001 - a config botocore cannot read: keep the default
        return None
    return value if isinstance(value, str) and value else None


def reset_clients() -> None:
    """Forget cached clients (tests that change endpoint variables call this).

    The boto3 session (its loaded service models) is kept: endpoint variables are read when
    a client is created, so a new client sees the new endpoints.
    """
    with _lock:
        _clients.clear()


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError, ``"network"`` for a connection
    problem, or None for anything else. Lets callers classify without importing botocore."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code:
            return str(code)
        if status:
            return str(status)
    try:
        from botocore.exceptions import (
            ConnectionClosedError,
            EndpointConnectionError,
            HTTPClientError,
            ReadTimeoutError,
        )
    except ImportError:  # pragma: no cover
        return None
    if isinstance(exc, (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError)):
        return "network"
    if isinstance(exc, HTTPClientError):
        return "network"
    return None


def is_aws_error(exc: BaseException) -> bool:
    """Whether ``exc`` came from botocore/urllib3 (and so must be translated, never re-raised)."""
    return error_code(exc) is not None or exc.__class__.__module__.startswith(
        ("botocore", "urllib3", "boto3")
    )


def is_retryable(exc: BaseException) -> bool:
    code = error_code(exc)
    return code in THROTTLE_CODES or code in FAULT_CODES or code == "network"


def _endpoint_host(exc: BaseException) -> str:
    url = getattr(exc, "kwargs", {}).get("endpoint_url") if hasattr(exc, "kwargs") else None
    if url:
        return urlsplit(url).netloc or url
    return "IAM Identity Center"


def to_sso_error(exc: BaseException, doing: str) -> SsoError:
    """Turn a botocore exception into one of ours with a one-sentence message.

    ``doing`` completes "while ..." (e.g. "listing accounts"). Secrets are never included:
    botocore messages from these services carry none, and we do not add request parameters.
    """
    if isinstance(exc, SsoError):
        return exc
    code = error_code(exc)
    if code == "network":
        return NetworkError(
            f"cannot reach {_endpoint_host(exc)} while {doing}: check your network or VPN."
        )
    if code in ("UnauthorizedException", "InvalidGrantException", "401"):
        return SessionExpired("IAM Identity Center session expired — run `ssotui login`.")
    if code in ("ForbiddenException", "403"):
        return RoleNotAssigned(f"access denied while {doing}: that role is not assigned to you.")
    if code in THROTTLE_CODES:
        return Throttled(f"AWS kept throttling requests while {doing}; try again in a minute.")
    if code in FAULT_CODES:
        return NetworkError(f"IAM Identity Center had a server error while {doing}; try again.")
    if code == "timeout":
        limit = getattr(exc, "limit", None)
        within = f" within {limit:g} s" if limit else ""
        return NetworkError(
            f"no answer from {_endpoint_host(exc)}{within} while {doing}; "
            "check your network or VPN, or try again later."
        )
    if code == "too-large":
        limit = getattr(exc, "limit", None) or 0
        return BadAnswer(
            f"{_endpoint_host(exc)} sent an answer over {limit / (1 << 20):g} MiB while {doing}; "
            "it was not read."
        )
    if code == "AccessDeniedException":
        return LoginDenied("the login was denied in the browser.")
    if code == "ExpiredTokenException":
        return LoginTimedOut("the login code expired before it was approved; run the login again.")
    if code == "InvalidClientException":
        return SessionExpired("the client registration is no longer valid — run `ssotui login`.")
    message = ""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        message = response.get("Error", {}).get("Message") or ""
    detail = f"{code}: {message}".strip(": ") if code else exc.__class__.__name__
    return SsoError(f"AWS refused the request while {doing} ({detail}).")


@contextmanager
def translated(doing: str):
    """``with translated("listing accounts"): client.list_accounts(...)`` — raises only SsoError."""
    try:
        yield
    except SsoError:
        raise
    except Exception as exc:  # noqa: BLE001 - everything from botocore ends here
        if is_aws_error(exc):
            raise to_sso_error(exc, doing) from exc
        raise
