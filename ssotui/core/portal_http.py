"""The two hot inventory calls (ListAccounts, ListAccountRoles) over plain ``http.client``.

botocore spends ~1.3-1.5 ms of CPU per call (request serialization, the event system, parsing
and its retry machinery), which for ~1,000 accounts is most of a cold load. These two calls are
simple REST GETs answered with JSON, so the inventory sends them itself, on one keep-alive
connection per worker thread:

    GET /assignment/accounts?max_result=100[&next_token=...]
    GET /assignment/roles?account_id=...&max_result=100[&next_token=...]
    x-amz-sso_bearer_token: <access token>

The endpoint still comes from boto3 (``client.meta.endpoint_url``), so ``AWS_ENDPOINT_URL_SSO``,
``AWS_ENDPOINT_URL``, config-file endpoints and FIPS/dual-stack settings are honoured exactly as
before. When a proxy applies to the endpoint (``HTTPS_PROXY`` & co.), :func:`for_client` returns
None and the caller keeps using botocore, which supports proxies.

Answers are shaped like botocore's parsed responses (``accountList``/``roleList``/``nextToken``
and ``ResponseMetadata``), and failures raise :class:`PortalHttpError`, whose ``response``
carries the AWS error code the same way a botocore ``ClientError`` does, so that
``clients.error_code``/``is_retryable``/``to_sso_error`` classify both alike (network trouble
is the code ``"network"``).
"""

from __future__ import annotations

import http.client
import json
import os
import ssl
import threading
import urllib.request
from urllib.parse import quote, urlsplit

USER_AGENT = "ssotui"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 20.0


class PortalHttpError(Exception):
    """A failed portal call; ``response`` mimics botocore's ``ClientError.response``."""

    def __init__(self, code: str, message: str, status: int | None, endpoint_url: str) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.response = {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }
        self.kwargs = {"endpoint_url": endpoint_url}  # what to_sso_error names in messages


def for_client(client) -> PortalHttp | None:
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
    return PortalHttp(url)


class PortalHttp:
    """Thread-safe: each thread gets its own keep-alive connection."""

    def __init__(self, endpoint_url: str, *, ca_bundle: str | None = None) -> None:
        parts = urlsplit(endpoint_url)
        self.endpoint_url = endpoint_url
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._ca_bundle = ca_bundle
        self._context: ssl.SSLContext | None = None
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []
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
            connections, self._all = self._all, []
        for conn in connections:
            conn.close()

    # -- wire -----------------------------------------------------------------------------

    def _get(self, path: str, query: list[tuple[str, str]], token: str) -> dict:
        target = self._prefix + path + "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query)
        headers = {
            "x-amz-sso_bearer_token": token,
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }
        for attempt in (1, 2):
            conn, fresh = self._connection()
            try:
                conn.request("GET", target, headers=headers)
                response = conn.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self._drop(conn)
                if fresh or attempt == 2:
                    raise self._network(exc) from exc
                continue  # the server closed an idle keep-alive connection: once more, fresh
            except (OSError, http.client.HTTPException) as exc:
                self._drop(conn)
                raise self._network(exc) from exc
            if response.will_close:
                self._drop(conn)
            return self._parse(response, body)
        raise AssertionError("unreachable")  # pragma: no cover

    def _parse(self, response: http.client.HTTPResponse, body: bytes) -> dict:
        status = response.status
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
        raise PortalHttpError(code, message, status, self.endpoint_url)

    def _network(self, exc: BaseException) -> PortalHttpError:
        return PortalHttpError(
            "network", str(exc) or exc.__class__.__name__, None, self.endpoint_url
        )

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn, False
        if self._https:
            conn = http.client.HTTPSConnection(
                self._host, self._port, timeout=CONNECT_TIMEOUT, context=self._ssl_context()
            )
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=CONNECT_TIMEOUT)
        try:
            conn.connect()
        except OSError as exc:
            conn.close()
            raise self._network(exc) from exc
        if conn.sock is not None:
            conn.sock.settimeout(READ_TIMEOUT)
        self._local.conn = conn
        with self._lock:
            self._all.append(conn)
        return conn, True

    def _drop(self, conn: http.client.HTTPConnection) -> None:
        conn.close()
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None
        with self._lock:
            if conn in self._all:
                self._all.remove(conn)

    def _ssl_context(self) -> ssl.SSLContext:
        if self._context is None:
            cafile = self._ca_bundle or os.environ.get("AWS_CA_BUNDLE") or _botocore_ca_bundle()
            self._context = ssl.create_default_context(cafile=cafile)
        return self._context


def _botocore_ca_bundle() -> str | None:
    """The CA bundle botocore itself would verify against (certifi's, or its own)."""
    try:
        from botocore.httpsession import get_cert_path

        return get_cert_path(True)
    except Exception:  # noqa: BLE001 - fall back to the system store
        return None
