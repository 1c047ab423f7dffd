"""A loopback credential endpoint for shells that outlive their role credentials.

Instead of static keys, a ``shell --refreshing`` gets ``AWS_CONTAINER_CREDENTIALS_FULL_URI``
and ``AWS_CONTAINER_AUTHORIZATION_TOKEN`` (the ECS container-credentials protocol, which every
SDK and the AWS CLI speak and which botocore allows on loopback addresses). The SDKs then
fetch credentials from :class:`CredentialServer` and fetch again as they near expiry; the
server asks ``fetch`` (normally a :class:`~ssotui.core.credentials.CredentialBroker`, which
refetches near expiry) each time.

The server binds 127.0.0.1 only, serves a random path, and answers only requests carrying the
random token (compared in constant time). It logs nothing: the path and the token are secrets.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ssotui.core.errors import SsoError
from ssotui.core.models import Assignment, RoleCredentials
from ssotui.core.shell import CREDENTIAL_VARS, REGION_VARS, REMOVED_VARS
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

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - never log the path
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False
    owner: CredentialServer


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
    env.update(
        {
            FULL_URI_VAR: server.url,
            TOKEN_VAR: server.token,
            "SSOTUI_ACCOUNT_ID": assignment.account_id,
            "SSOTUI_ACCOUNT_NAME": assignment.account_name,
            "SSOTUI_ROLE_NAME": assignment.role_name,
            "SSOTUI_SESSION": session_label,
            "SSOTUI_REFRESHING": "1",
        }
    )
    if region:
        env["AWS_REGION"] = region
        env["AWS_DEFAULT_REGION"] = region
    else:
        for name in REGION_VARS:
            env.pop(name, None)
    return env
