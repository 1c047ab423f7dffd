"""Every request to the portal and to sso-oidc, over plain ``http.client``, bounded in time and
size.

The two hot inventory calls (ListAccounts, ListAccountRoles) are simple REST GETs answered with
JSON, so the inventory sends them itself (botocore spends ~1.3-1.5 ms of CPU per call, which
for ~1,000 accounts is most of a cold load):

    GET /assignment/accounts?max_result=100[&next_token=...]
    GET /assignment/roles?account_id=...&max_result=100[&next_token=...]
    x-amz-sso_bearer_token: <access token>

Every other call (GetRoleCredentials, RegisterClient, StartDeviceAuthorization, CreateToken,
Logout) is still built and parsed by botocore, but sent by :meth:`PortalHttp.send_botocore`
(registered on botocore's ``before-send`` event by :mod:`clients`), so the same limits apply.

Limits (module constants; tests shrink them):

- ``CONNECT_TIMEOUT`` = 10 s to open a connection (TCP and TLS).
- ``DEADLINE`` = 30 s for a whole request: connect, send, status line, headers and body. Each
  socket read waits only for what is left of it, so neither a server that never answers nor
  one that trickles a byte at a time holds a call longer.
- ``MAX_BODY`` = 8 MiB per answer (a page of 100 accounts is ~15 KB). A longer answer is
  refused from its Content-Length, or cut off as soon as it passes the cap when it announces
  none; memory stays bounded by the cap.

Running out of time or size is final: such a request is never retried (codes ``"timeout"``
and ``"too-large"``), so a call ends in one clear error within ``DEADLINE`` seconds.

The endpoint still comes from boto3 (``client.meta.endpoint_url``), so ``AWS_ENDPOINT_URL_SSO``,
``AWS_ENDPOINT_URL``, config-file endpoints and FIPS/dual-stack settings are honoured. When a
proxy applies to the endpoint (``HTTPS_PROXY`` & co.), :func:`for_client` returns None and
botocore sends everything itself, which supports proxies, within the same limits
(:mod:`proxied`).

Answers of the hot GETs are shaped like botocore's parsed responses (``accountList``/
``roleList``/``nextToken`` and ``ResponseMetadata``), and failures raise
:class:`PortalHttpError`, whose ``response`` carries the AWS error code the same way a botocore
``ClientError`` does, so that ``clients.error_code``/``is_retryable``/``to_sso_error`` classify
both alike (network trouble is the code ``"network"``).
"""

from __future__ import annotations

import functools
import http.client
import io
import json
import os
import ssl
import threading
import time
import urllib.request
from urllib.parse import quote, urlsplit

USER_AGENT = "ssotui"
CONNECT_TIMEOUT = 10.0
DEADLINE = 30.0
MAX_BODY = 8 << 20
MAX_IDLE = 64  # idle keep-alive connections kept per endpoint (the loader runs up to 48)
_CHUNK = 1 << 16


class PortalHttpError(Exception):
    """A failed portal call; ``response`` mimics botocore's ``ClientError.response``.
    ``limit`` is the bound that was hit (seconds for "timeout", bytes for "too-large")."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int | None,
        endpoint_url: str,
        limit: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.response = {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": headers or {}},
        }
        self.kwargs = {"endpoint_url": endpoint_url}  # what to_sso_error names in messages
        self.limit = limit


class _TooLarge(Exception):
    pass


def for_client(client, *, ca_bundle: str | None = None) -> PortalHttp | None:
    """A transport for this boto3 client's endpoint, or None to keep using botocore.

    None when the client has no endpoint URL (a test double), for schemes other than
    http/https, and when a proxy would apply to the endpoint."""
    url = getattr(getattr(client, "meta", None), "endpoint_url", None)
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    proxies = urllib.request.getproxies()
    if proxies.get(parts.scheme) and not urllib.request.proxy_bypass(parts.hostname):
        return None
    return PortalHttp(url, ca_bundle=ca_bundle)


class PortalHttp:
    """Thread-safe: a thread takes an idle keep-alive connection (or opens one) per request
    and gives it back when the answer was read whole."""

    def __init__(self, endpoint_url: str, *, ca_bundle: str | None = None) -> None:
        parts = urlsplit(endpoint_url)
        self.endpoint_url = endpoint_url
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._netloc = parts.netloc
        self._prefix = parts.path.rstrip("/")
        self._ca_bundle = ca_bundle
        self._context: ssl.SSLContext | None = None
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    # -- the two operations ---------------------------------------------------------------

    def list_accounts(self, token: str, max_results: int, next_token: str | None = None) -> dict:
        query = [("max_result", str(max_results))]
        if next_token:
            query.append(("next_token", next_token))
        return self._get("/assignment/accounts", query, token)

    def list_account_roles(
        self, token: str, account_id: str, max_results: int, next_token: str | None = None
    ) -> dict:
        query = [("account_id", account_id), ("max_result", str(max_results))]
        if next_token:
            query.append(("next_token", next_token))
        return self._get("/assignment/roles", query, token)

    def close(self) -> None:
        with self._lock:
            connections, self._idle = self._idle, []
        for conn in connections:
            conn.close()

    # -- botocore's calls -----------------------------------------------------------------

    def send_botocore(self, request, **_kwargs):
        """A ``before-send`` handler: send botocore's prepared request within the limits and
        hand back its answer for botocore to parse. None (botocore sends it) for a request to
        another host or with a streaming body. Connection failures raise botocore's
        ``EndpointConnectionError`` (which it may retry); a timeout or an oversized answer
        raises :class:`PortalHttpError`, which it does not."""
        from botocore.awsrequest import AWSResponse
        from botocore.exceptions import EndpointConnectionError

        parts = urlsplit(request.url)
        body = request.body
        if isinstance(body, str):
            body = body.encode()
        if parts.netloc != self._netloc or not isinstance(body, (bytes, bytearray, type(None))):
            return None
        target = parts.path + ("?" + parts.query if parts.query else "")
        try:
            status, response, data = self._request(
                request.method, target, dict(request.headers.items()), body or None
            )
        except PortalHttpError as exc:
            if exc.response["Error"]["Code"] == "network":
                raise EndpointConnectionError(endpoint_url=request.url, error=exc) from exc
            raise
        return AWSResponse(request.url, status, response.getheaders(), Body(data))

    # -- wire -----------------------------------------------------------------------------

    def _get(self, path: str, query: list[tuple[str, str]], token: str) -> dict:
        target = self._prefix + path + "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query)
        headers = {
            "x-amz-sso_bearer_token": token,
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }
        status, response, body = self._request("GET", target, headers)
        return self._parse(status, response, body)

    def _request(
        self, method: str, target: str, headers: dict, body: bytes | None = None
    ) -> tuple[int, http.client.HTTPResponse, bytes]:
        """(status, response, body): one request within ``DEADLINE`` and ``MAX_BODY``."""
        deadline = time.monotonic() + DEADLINE
        for attempt in (1, 2):
            conn, fresh = self._take(deadline, reuse=attempt == 1)
            response = None
            try:
                conn.sock.settimeout(_left(deadline))  # bounds the send
                conn.response_class = functools.partial(_Response, deadline=deadline)
                conn.request(method, target, body=body, headers=headers)
                response = conn.getresponse()
                data = _read(response)
            except _TooLarge:
                _discard(conn, response)
                raise PortalHttpError(
                    "too-large", f"answer over {MAX_BODY} bytes", None, self.endpoint_url, MAX_BODY
                ) from None
            except TimeoutError:
                _discard(conn, response)
                raise self._timeout(DEADLINE) from None
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                _discard(conn, response)
                if fresh or attempt == 2:
                    raise self._network(exc) from exc
                continue  # the server closed an idle keep-alive connection: once more, fresh
            except (OSError, http.client.HTTPException) as exc:
                _discard(conn, response)
                raise self._network(exc) from exc
            if response.will_close:
                conn.close()
            else:
                self._give(conn)
            return response.status, response, data
        raise AssertionError("unreachable")  # pragma: no cover

    def _parse(self, status: int, response: http.client.HTTPResponse, body: bytes) -> dict:
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            data = None
        if 200 <= status < 300:
            if not isinstance(data, dict):
                data = {}  # no list in it: the loader retries it as an incomplete answer
            data["ResponseMetadata"] = {
                "HTTPStatusCode": status,
                "HTTPHeaders": {"content-length": str(len(body))},
            }
            return data
        code = response.getheader("x-amzn-ErrorType") or ""
        if not code and isinstance(data, dict):
            code = str(data.get("__type") or data.get("code") or "")
        code = code.split(":", 1)[0].rsplit("#", 1)[-1].strip() or str(status)
        message = ""
        if isinstance(data, dict):
            message = str(data.get("message") or data.get("Message") or "")
        # Lower-case names, as botocore gives them (Retry-After is read from these).
        headers = {name.lower(): value for name, value in response.getheaders()}
        raise PortalHttpError(code, message, status, self.endpoint_url, headers=headers)

    def _network(self, exc: BaseException) -> PortalHttpError:
        return PortalHttpError(
            "network", str(exc) or exc.__class__.__name__, None, self.endpoint_url
        )

    def _timeout(self, seconds: float) -> PortalHttpError:
        return PortalHttpError(
            "timeout", f"no answer within {seconds:g} s", None, self.endpoint_url, seconds
        )

    # -- connections ----------------------------------------------------------------------

    def _take(self, deadline: float, reuse: bool) -> tuple[http.client.HTTPConnection, bool]:
        """An idle connection if ``reuse`` and there is one (False), else a new one (True)."""
        if reuse:
            with self._lock:
                if self._idle:
                    return self._idle.pop(), False
        timeout = min(CONNECT_TIMEOUT, deadline - time.monotonic())
        if timeout <= 0:
            raise self._timeout(DEADLINE)
        if self._https:
            conn = http.client.HTTPSConnection(
                self._host, self._port, timeout=timeout, context=self._ssl_context()
            )
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
        try:
            conn.connect()
        except TimeoutError:
            conn.close()
            raise self._timeout(timeout) from None
        except OSError as exc:
            conn.close()
            raise self._network(exc) from exc
        return conn, True

    def _give(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < MAX_IDLE:
                self._idle.append(conn)
                return
        conn.close()

    def _ssl_context(self) -> ssl.SSLContext:
        if self._context is None:
            cafile = self._ca_bundle or os.environ.get("AWS_CA_BUNDLE") or _botocore_ca_bundle()
            self._context = ssl.create_default_context(cafile=cafile)
        return self._context


# -- reading within the limits -----------------------------------------------------------------


def _left(deadline: float) -> float:
    """Seconds left before ``deadline``; TimeoutError once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the request's deadline passed")
    return left


class _Reader(io.RawIOBase):
    """The socket, read only until ``deadline``: each read waits at most for what is left."""

    def __init__(self, sock, deadline: float) -> None:
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)  # holds the socket open, as http.client's
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self._sock.settimeout(_left(self._deadline))
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Response(http.client.HTTPResponse):
    """http.client's response, reading the status line, headers and body through
    :class:`_Reader`, so that the whole answer is bound by the request's deadline."""

    def __init__(self, sock, *args, deadline: float, **kwargs) -> None:
        super().__init__(sock, *args, **kwargs)
        reader = io.BufferedReader(_Reader(sock, deadline))
        self.fp.close()
        self.fp = reader


def _read(response: http.client.HTTPResponse) -> bytes:
    """The body, at most ``MAX_BODY`` bytes (else _TooLarge, without reading the rest)."""
    if response.length is not None:
        if response.length > MAX_BODY:
            raise _TooLarge
        return response.read()
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(_CHUNK):
        size += len(chunk)
        if size > MAX_BODY:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _discard(conn: http.client.HTTPConnection, response) -> None:
    """Close a connection whose answer was not read whole (and the answer's own handle)."""
    if response is not None:
        response.close()
    conn.close()


class Body:
    """A body already read, as botocore's ``AWSResponse.raw`` hands it out."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_kwargs):
        yield self._data


def _botocore_ca_bundle() -> str | None:
    """The CA bundle botocore itself would verify against (certifi's, or its own)."""
    try:
        from botocore.httpsession import get_cert_path

        return get_cert_path(True)
    except Exception:  # noqa: BLE001 - fall back to the system store
        return None
