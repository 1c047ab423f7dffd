"""A loopback credential endpoint for shells that outlive their role credentials.

Instead of static keys, a ``shell --refreshing`` gets ``AWS_CONTAINER_CREDENTIALS_FULL_URI``
and ``AWS_CONTAINER_AUTHORIZATION_TOKEN`` (the ECS container-credentials protocol, which every
SDK and the AWS CLI speak and which botocore allows on loopback addresses). The SDKs then
fetch credentials from :class:`CredentialServer` and fetch again as they near expiry; the
server asks ``fetch`` (normally a :class:`~ssotui.core.credentials.CredentialBroker`, which
refetches near expiry) each time.

The server binds 127.0.0.1 only, serves a random path, and answers only requests carrying the
random token (compared in constant time). It logs nothing: the path and the token are secrets.

Any local process can connect, so each connection is bounded: it has :data:`REQUEST_TIMEOUT`
seconds to send its request line and headers, which may total :data:`MAX_HEAD` bytes; at most
:data:`MAX_CONNECTIONS` are open at once (a new one hangs up the oldest that has not sent its
request yet, else it is closed at once); a client that goes away is forgotten without a word
(nothing is ever printed into the user's shell); ``stop()`` hangs up every open connection.
"""

from __future__ import annotations

import hmac
import io
import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ssotui.core.errors import SsoError
from ssotui.core.models import Assignment, RoleCredentials
from ssotui.core.shell import (
    CREDENTIAL_VARS,
    REGION_VARS,
    REMOVED_VARS,
    check_region,
    prompt_markers,
)
from ssotui.core.timeutil import format_utc

FULL_URI_VAR = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
TOKEN_VAR = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
# Container-credential variables that would compete with ours.
CONTAINER_VARS = (
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    FULL_URI_VAR,
    TOKEN_VAR,
)
REQUEST_TIMEOUT = 5.0  # seconds a connection has to send its request line and headers
MAX_HEAD = 8 * 1024  # bytes of request line and headers together
MAX_CONNECTIONS = 16  # open at once


def credentials_document(creds: RoleCredentials) -> dict[str, str]:
    """The JSON body botocore's ContainerProvider reads (AccessKeyId, SecretAccessKey, Token,
    Expiration) plus the optional AccountId."""
    return {
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "Token": creds.session_token,
        "Expiration": format_utc(creds.expiration),
        "AccountId": creds.account_id,
    }


class _Handler(BaseHTTPRequestHandler):
    server_version = "ssotui"
    sys_version = ""
    server: _Server

    def setup(self) -> None:
        self.timeout = REQUEST_TIMEOUT  # a backstop for each read and write
        super().setup()

    def handle(self) -> None:
        try:
            self._handle_request()
        except OSError:  # reset, broken pipe, timeout, hung up: the client is gone
            self.close_connection = True

    def _handle_request(self) -> None:
        """One request per connection: the head read within :data:`MAX_HEAD` bytes, then
        parsed by http.server from that buffer, so nothing unbounded is ever read."""
        self.close_connection = True
        head = self._read_head()
        self.server.request_read(self.connection)
        if head is None:
            return
        if len(head) > MAX_HEAD:
            self.command, self.requestline, self.request_version = "", "", "HTTP/1.0"
            self._send(431, {"Code": "TooLarge", "Message": "request headers too large."})
            return
        raw, self.rfile = self.rfile, io.BytesIO(head)
        try:
            self.raw_requestline = self.rfile.readline()
            parsed = self.parse_request()
        finally:
            self.rfile = raw
        if not parsed:
            return
        method = getattr(self, f"do_{self.command}", None)
        if method is None:
            self._send(405, {"Code": "MethodNotAllowed", "Message": "use GET."})
            return
        method()
        self.wfile.flush()

    def _read_head(self) -> bytes | None:
        """The request line and headers up to the blank line; a result longer than
        :data:`MAX_HEAD` when they do not fit (reading stops there); None when the client
        closed the connection first."""
        head = b""
        while True:
            line = self.rfile.readline(MAX_HEAD + 1 - len(head))
            head += line
            if len(head) > MAX_HEAD:
                return head
            if not line.endswith(b"\n"):
                return None
            if line in (b"\r\n", b"\n"):
                return head if len(head) > len(line) else None

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        owner = self.server.owner
        if self.path != owner.path:
            self._send(404, {"Code": "NotFound", "Message": "not found."})
            return
        given = self.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode("utf-8"), owner.token.encode("utf-8")):
            self._send(403, {"Code": "AccessDenied", "Message": "wrong authorization token."})
            return
        try:
            creds = owner.fetch()
        except SsoError as exc:
            owner.last_error = exc
            self._send(500, {"Code": type(exc).__name__, "Message": str(exc)})
            return
        except Exception as exc:  # noqa: BLE001 - never let the server thread die
            owner.last_error = exc
            self._send(500, {"Code": "InternalError", "Message": "could not get credentials."})
            return
        owner.served += 1
        self._send(200, credentials_document(creds))

    def do_POST(self) -> None:  # noqa: N802
        self._send(405, {"Code": "MethodNotAllowed", "Message": "use GET."})

    do_PUT = do_DELETE = do_POST  # noqa: N815

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (bad request line, unsupported version, ...), in JSON."""
        self._send(code, {"Code": "BadRequest", "Message": "bad request."})

    def _send(self, status: int, body: dict) -> None:
        if self.request_version == "HTTP/0.9":  # an answer with a status line all the same
            self.request_version = "HTTP/1.0"
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - never log the path
        pass


class _Server(ThreadingHTTPServer):
    """Keeps every open connection with the time by which it must have sent its request
    (None once it has), to hang up the late, the surplus and, on ``stop()``, all of them.
    Only a connection still listed is ever shut down from another thread: its own thread
    unlists it (under the lock) before closing it."""

    daemon_threads = True
    allow_reuse_address = False
    # Room in the listen backlog for a burst (the default 5 makes later clients, the SDK's
    # among them, wait seconds for the kernel to retry their SYN); each is then taken at once.
    request_queue_size = 4 * MAX_CONNECTIONS
    owner: CredentialServer

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self._open: dict[socket.socket, float | None] = {}

    def process_request(self, request, client_address) -> None:
        with self._lock:
            if len(self._open) >= MAX_CONNECTIONS:
                waiting = next((c for c, due in self._open.items() if due is not None), None)
                if waiting is None:
                    request.close()  # every slot is busy answering: refuse the newcomer
                    return
                self._hang_up(waiting)
            self._open[request] = time.monotonic() + REQUEST_TIMEOUT
        super().process_request(request, client_address)

    def request_read(self, request) -> None:
        with self._lock:
            if request in self._open:
                self._open[request] = None

    def service_actions(self) -> None:
        """Called by serve_forever at least every poll interval: hang up the late."""
        now = time.monotonic()
        with self._lock:
            for request, due in list(self._open.items()):
                if due is not None and due <= now:
                    self._hang_up(request)

    def hang_up_all(self) -> None:
        with self._lock:
            for request in list(self._open):
                self._hang_up(request)

    def _hang_up(self, request: socket.socket) -> None:
        """Unlist ``request`` and shut it down (its thread's read ends; it closes it). Holds
        _lock."""
        del self._open[request]
        try:
            request.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def shutdown_request(self, request) -> None:
        with self._lock:
            self._open.pop(request, None)
        super().shutdown_request(request)

    def handle_error(self, request, client_address) -> None:
        """Never print a traceback into the user's shell (the default writes to stderr)."""


class CredentialServer:
    """Serves ``fetch()`` as container credentials on ``http://127.0.0.1:<port>/<random>``.

    ``start()`` returns self with ``.url`` and ``.token`` set; ``stop()`` shuts it down. Also a
    context manager. ``served`` counts successful answers.
    """

    def __init__(self, fetch: Callable[[], RoleCredentials], *, host: str = "127.0.0.1") -> None:
        if host not in ("127.0.0.1", "localhost"):
            raise SsoError("the credential server listens on 127.0.0.1 only.")
        self.fetch = fetch
        self.host = "127.0.0.1"
        self.path = "/" + secrets.token_urlsafe(24)
        self.token = secrets.token_urlsafe(32)
        self.served = 0
        self.last_error: Exception | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise SsoError("the credential server is not running.")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.path}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> CredentialServer:
        if self._server is not None:
            return self
        try:
            server = _Server((self.host, 0), _Handler)
        except OSError as exc:
            raise SsoError(
                f"could not start the local credential server ({exc.strerror or exc})."
            ) from None
        server.owner = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="ssotui-credserver",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.hang_up_all()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    def __enter__(self) -> CredentialServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:  # never show the path or the token
        state = f"port {self.port}" if self._server is not None else "stopped"
        return f"CredentialServer({state})"


def refreshing_environment(
    server: CredentialServer,
    assignment: Assignment,
    *,
    region: str,
    session_label: str,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A copy of ``base`` (default: ``os.environ``) for a shell whose SDKs fetch credentials
    from ``server``: the container-credential variables, both region variables and the
    ``SSOTUI_*`` markers (``SSOTUI_REFRESHING=1``; no ``SSOTUI_EXPIRATION``, since the
    credentials are renewed); static credential and profile variables removed."""
    env = dict(os.environ if base is None else base)
    for name in (*REMOVED_VARS, *CREDENTIAL_VARS, *CONTAINER_VARS, "SSOTUI_EXPIRATION"):
        env.pop(name, None)
    env.update({FULL_URI_VAR: server.url, TOKEN_VAR: server.token, "SSOTUI_REFRESHING": "1"})
    env.update(prompt_markers(assignment, session_label))  # restricted: prompts expand them
    if region:
        env["AWS_REGION"] = check_region(region)
        env["AWS_DEFAULT_REGION"] = region
    else:
        for name in REGION_VARS:
            env.pop(name, None)
    return env
