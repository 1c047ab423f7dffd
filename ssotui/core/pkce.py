"""The pieces of the PKCE (authorization-code) login that are not AWS calls: the verifier and
its challenge, the ``/authorize`` URL, and the loopback listener the browser comes back to.

As the AWS CLI v2 does it (protocol reference §2.6), with two differences: the listener binds
``127.0.0.1`` only (the CLI binds every interface), and it is bound before the browser is
opened, so an answer that comes back at once is never refused.

The listener answers every request with a small page and keeps only the first answer on the
callback path (``/oauth/callback``): its ``code``, or its ``error``. Whether the ``state``
matches is decided by the caller (:mod:`auth`). Nothing a request carries is ever shown
unchecked: an ``error`` value is kept only if it is a short OAuth error code.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import re
import secrets
import string
import threading
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

from ssotui.core.errors import SsoError
from ssotui.core.tokens import Registration

CALLBACK_PATH = "/oauth/callback"
# What is registered: loopback, no port (the service accepts any port at authorize time).
REGISTERED_REDIRECT_URI = "http://127.0.0.1" + CALLBACK_PATH
VERIFIER_ALPHABET = string.ascii_letters + string.digits + "-._~"
VERIFIER_LENGTH = 64
HANDLER_TIMEOUT = 5.0  # seconds a connection to the listener may take to send its request
_ERROR_CODE = re.compile(r"[a-z_]{1,64}")
_SAFE = "-_.~"  # botocore.utils.percent_encode_sequence's safe characters


def new_verifier() -> str:
    """64 characters from ``[A-Za-z0-9-._~]`` (RFC 7636 §4.1; the AWS CLI's length)."""
    return "".join(secrets.choice(VERIFIER_ALPHABET) for _ in range(VERIFIER_LENGTH))


def challenge(verifier: str) -> str:
    """``base64url(sha256(verifier))`` without ``=`` padding: 43 characters (S256)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def new_state() -> str:
    return secrets.token_urlsafe(24)


def authorize_url(
    oidc_base: str,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    code_challenge: str,
    scopes: tuple[str, ...] | list[str],
) -> str:
    """``{oidc_base}/authorize?…`` with the AWS CLI's parameters, names and order, encoded as
    botocore's ``percent_encode_sequence`` does (RFC 3986; space is ``%20``)."""
    params = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("state", state),
        ("code_challenge_method", "S256"),
        ("scopes", " ".join(scopes)),
        ("code_challenge", code_challenge),
    ]
    query = "&".join(f"{quote(k, safe=_SAFE)}={quote(v, safe=_SAFE)}" for k, v in params)
    return f"{oidc_base.rstrip('/')}/authorize?{query}"


def oidc_base_url(oidc_client) -> str:
    """The sso-oidc endpoint exactly as botocore resolves it for this client (so that
    ``AWS_ENDPOINT_URL_SSO_OIDC``, a config-file endpoint, FIPS and dual-stack all move
    ``/authorize``): a RegisterClient call is built and stopped before it is sent, as the
    AWS CLI does. No request leaves the machine."""
    oidc_client.meta.events.register(
        "before-call.sso-oidc.RegisterClient", _capture, unique_id="ssotui-oidc-endpoint"
    )
    found: list[str] = []
    _dry_run.found = found
    try:
        oidc_client.register_client(clientName="ssotui-endpoint-probe", clientType="public")
    except _Stop:
        pass
    finally:
        _dry_run.found = None
    if not found:  # pragma: no cover - botocore always emits before-call
        raise SsoError("could not work out the IAM Identity Center sign-in address.")
    parts = urlsplit(found[0])
    path = parts.path
    if path.endswith("/client/register"):
        path = path[: -len("/client/register")]
    return f"{parts.scheme}://{parts.netloc}{path.rstrip('/')}"


_dry_run = threading.local()  # .found: the list this thread's dry run collects into


class _Stop(Exception):
    """Raised inside botocore to stop the dry RegisterClient call before it is sent."""


def _capture(params, **_kwargs) -> None:
    found = getattr(_dry_run, "found", None)
    if found is not None:
        found.append(params["url"])
        raise _Stop


@dataclass
class BrowserLogin:
    """A PKCE login waiting for the browser. ``url`` is the page to open (``/authorize``);
    the listener at ``redirect_uri`` is already bound. Close it when done (the Authenticator's
    wait does; a caller that gives up early calls :meth:`close`)."""

    url: str
    redirect_uri: str
    expires_at: datetime
    timeout: float  # seconds, for messages
    state: str = field(repr=False)
    verifier: str = field(repr=False)
    registration: Registration = field(repr=False)
    listener: CallbackListener = field(repr=False)

    def close(self) -> None:
        self.listener.close()


# -- the loopback listener -----------------------------------------------------------------


class CallbackListener:
    """An HTTP listener on ``127.0.0.1:port`` (0: a free port) serving in a daemon thread from
    the moment it is created. ``answer`` is the first callback's query (a dict) once one came.
    Always :meth:`close` it (it is a context manager too)."""

    def __init__(self, port: int = 0) -> None:
        if not 0 <= port <= 65535:
            raise SsoError(f"the redirect port must be from 1 to 65535, not {port}.")
        try:
            server = _Server(("127.0.0.1", port), _Handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise SsoError(
                    f"port {port} on 127.0.0.1 is already in use, so the browser could not "
                    "come back to ssotui: choose another redirect port, or log in with "
                    "--use-device-code."
                ) from None
            reason = exc.strerror or exc.__class__.__name__
            raise SsoError(
                f"cannot listen on 127.0.0.1:{port} for the browser's answer ({reason}); "
                "log in with --use-device-code."
            ) from None
        server.listener = self
        self._server = server
        self.port: int = server.server_address[1]
        self.answer: dict[str, str] | None = None
        self.answered = threading.Event()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="ssotui-login-callback",
            daemon=True,
        )
        self._thread.start()

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{CALLBACK_PATH}"

    def _take(self, query: dict[str, str]) -> bool:
        """Keep ``query`` if it is the first answer; False if one came before."""
        with self._lock:
            if self.answer is not None:
                return False
            self.answer = query
        self.answered.set()
        return True

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)

    def __enter__(self) -> CallbackListener:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    listener: CallbackListener

    def server_bind(self) -> None:
        # HTTPServer.server_bind would look the host name up (getfqdn): not needed.
        import socketserver

        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


_PAGE = """<!doctype html>
<html lang=en><head><meta charset=utf-8><title>ssotui</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto;
padding: 0 1rem; color: #16191f; }}</style></head>
<body><h1>{title}</h1><p>{text}</p></body></html>
"""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = HANDLER_TIMEOUT  # a connection that sends nothing is dropped

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - say nothing
        pass

    def version_string(self) -> str:
        return "ssotui"

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != CALLBACK_PATH:
            self._page(404, "Not found", "This is ssotui's login listener.")
            return
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        if not self.server.listener._take(query):
            self._page(200, "Already done", "You can close this tab.")
        elif "error" in query or "code" not in query:
            self._page(
                200,
                "Login not completed",
                "The sign-in did not finish. Return to the terminal for details; "
                "you can close this tab.",
            )
        else:
            self._page(
                200,
                "ssotui: request received",
                "You can close this tab and return to the terminal.",
            )

    def _page(self, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=title, text=text).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True


def error_code(answer: dict[str, str]) -> str:
    """The ``error`` of a callback as a short OAuth code, or ``"unknown"`` (the value comes
    from whoever reached the listener: it is never printed as sent)."""
    value = answer.get("error", "")
    return value if _ERROR_CODE.fullmatch(value) else "unknown"
