"""The HTTP layer: a threading server on loopback that routes by method + path and speaks the
rest-json wire format of sso-oidc and the SSO portal, plus the federation and device pages."""

from __future__ import annotations

import base64
import binascii
import json
import socket
import socketserver
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import pages, sts
from .authorize import AuthorizeError
from .errors import ApiError, OidcError, PortalError, StsError

OIDC, PORTAL, STS = "oidc", "portal", "sts"
API_ROUTES = {
    ("POST", "/client/register"): ("RegisterClient", OIDC),
    ("POST", "/device_authorization"): ("StartDeviceAuthorization", OIDC),
    ("POST", "/token"): ("CreateToken", OIDC),
    ("GET", "/assignment/accounts"): ("ListAccounts", PORTAL),
    ("GET", "/assignment/roles"): ("ListAccountRoles", PORTAL),
    ("GET", "/federation/credentials"): ("GetRoleCredentials", PORTAL),
    ("POST", "/logout"): ("Logout", PORTAL),
}
FEDERATION_OPS = {"getSigninToken": "GetSigninToken", "login": "Login"}
DEFAULT_PAGE_SIZE = 20
JSON = "application/json"
HTML = "text/html; charset=utf-8"

Answer = tuple[int, dict[str, str], bytes]


def _json(data: dict) -> Answer:
    return 200, {"Content-Type": JSON}, json.dumps(data).encode()


def _html(body: bytes, status: int = 200) -> Answer:
    return status, {"Content-Type": HTML}, body


def _redirect(url: str) -> Answer:
    return 302, {"Location": url, "Content-Type": HTML, "Cache-Control": "no-store"}, b""


def _page_size(query: dict[str, str]) -> int:
    """``max_result``: 1-100, else what AWS answers since about 2026-05 (reference §9)."""
    raw = query.get("max_result")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= 100:
        raise PortalError(
            "InvalidRequestException",
            "ResultSize parameter must be within the valid limits of: 1-100",
        )
    return size


def _next_token(scope: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{scope}|{offset}".encode()).decode()


def _offset(query: dict[str, str], scope: str) -> int:
    token = query.get("next_token")
    if not token:
        return 0
    try:
        found, _, offset = base64.urlsafe_b64decode(token.encode()).decode().rpartition("|")
        if found == scope and int(offset) >= 0:
            return int(offset)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise PortalError("InvalidRequestException", "Invalid next token")


def _paginate(items: list, query: dict[str, str], scope: str, key: str) -> Answer:
    size, start = _page_size(query), _offset(query, scope)
    reply: dict = {key: items[start : start + size]}
    if start + size < len(items):
        reply["nextToken"] = _next_token(scope, start + size)
    return _json(reply)


_endless = iter(range(1, 1 << 62))


def _abused_page(emu, items: list, query: dict[str, str], key: str) -> Answer:
    """A page as a broken or hostile portal sends it (the ``pages``/``malformed`` knobs)."""
    size = _page_size(query)
    first = items[:size]
    if emu.malformed == "string-list":
        return _json({key: "not a list"})
    if emu.malformed == "int-token":
        return _json({key: first, "nextToken": 5})
    if emu.malformed == "item-not-object":
        return _json({key: [1, "x", None, [], *first]})
    # Endless pagination: a fresh nextToken every time, so "the same token twice" never shows.
    fresh = f"endless-{next(_endless)}"
    if emu.pages == "endless-repeat" or not query.get("next_token"):
        return _json({key: first, "nextToken": fresh})
    return _json({key: [], "nextToken": fresh})


def _required(query: dict[str, str], name: str) -> str:
    value = query.get(name)
    if not value:
        raise PortalError("InvalidRequestException", f"{name} is required")
    return value


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator) -> None:
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would do a reverse DNS lookup (getfqdn): skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def track(self, conn: socket.socket, alive: bool) -> None:
        with self._connections_lock:
            (self._connections.add if alive else self._connections.discard)(conn)

    def drop_connections(self) -> None:
        """Cut kept-alive connections so that clients cannot reuse them after stop()."""
        with self._connections_lock:
            connections, self._connections = list(self._connections), set()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # client went away: not our problem
            self.emulator.stats.error(traceback.format_exc())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are written separately: without TCP_NODELAY, Nagle plus delayed ACKs
    # add ~40 ms to every response on loopback.
    disable_nagle_algorithm = True
    server: Server

    def version_string(self) -> str:
        return "ssotui-emulator"

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - keep the console quiet
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        self._op: str | None = None
        try:
            status, headers, body = self._route(method)
        except ApiError as err:
            status, headers, body = err.wire()
            headers.setdefault("Content-Type", JSON)
            if status == 429 and self.server.emulator.retry_after is not None:
                headers["Retry-After"] = f"{float(self.server.emulator.retry_after):g}"
        except Exception:
            self.server.emulator.stats.error(traceback.format_exc())
            status, headers, body = PortalError("InternalServerException", "Emulator bug").wire()
        emu = self.server.emulator
        abused = self._op is not None and (emu.abuse_ops is None or self._op in emu.abuse_ops)
        if abused and emu.stall:
            emu.released.wait()  # accept, read the request, never answer (until stop())
            self.close_connection = True
            return
        if abused and emu.huge_body_bytes:
            self._send_huge(int(emu.huge_body_bytes))
            return
        self.send_response(status)
        headers.setdefault("Content-Type", JSON)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if method == "HEAD":
            return
        if abused and emu.trickle_s:
            self._trickle(body, float(emu.trickle_s))
            return
        self.wfile.write(body)

    def _send_huge(self, size: int) -> None:
        """A 200 with a syntactically valid JSON body of ``size`` bytes, streamed in chunks."""
        head, tail = b'{"accountList": [], "roleList": [], "pad": "', b'"}'
        size = max(size, len(head) + len(tail))
        self.send_response(200)
        self.send_header("Content-Type", JSON)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        self.wfile.write(head)
        left = size - len(head) - len(tail)
        chunk = b"x" * 65536
        try:
            while left > 0 and not self.server.emulator.released.is_set():
                piece = chunk[: min(left, len(chunk))]
                self.wfile.write(piece)
                left -= len(piece)
            self.wfile.write(tail)
        except OSError:
            pass
        self.close_connection = True

    def _trickle(self, body: bytes, interval: float) -> None:
        """Send ``body`` one byte every ``interval`` seconds (the headers went out at once)."""
        released = self.server.emulator.released
        try:
            for index in range(len(body)):
                self.wfile.write(body[index : index + 1])
                self.wfile.flush()
                if released.wait(interval):
                    break
        except OSError:
            pass
        self.close_connection = True

    def _route(self, method: str) -> Answer:
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        emu = self.server.emulator
        if (method, path) in API_ROUTES:
            op, kind = API_ROUTES[method, path]
            self._op = op
            self._admit(op, kind)
            if kind == OIDC:
                return self._oidc(op, query, raw)
            return self._portal(op, query)
        if (method, path) == ("POST", "/") and "Action=" in raw.decode("latin-1"):
            return self._sts(raw)
        if path == "/federation":
            params = dict(query)
            if method == "POST":
                params.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
            op = FEDERATION_OPS.get(params.get("Action", ""))
            if op:
                self._op = op  # the transport knobs (stall, trickle, huge body) apply too
                self._admit(op, None)
            status, content_type, body = emu.federation.handle(params, emu.org)
            return status, {"Content-Type": content_type}, body
        if path == "/device":
            return self._device(method, query, raw)
        if path == "/authorize":
            return self._authorize(method, query, raw)
        if path == "/vanity":
            return self._vanity(method)
        if path == "/" and method == "GET":
            return _html(pages.index_page(emu.base_url, emu.org.name, len(emu.org.accounts)))
        body = {"message": f"No route for {method} {url.path}"}
        return 404, {"x-amzn-ErrorType": "UnknownOperationException"}, json.dumps(body).encode()

    def _admit(self, op: str, kind: str | None) -> None:
        """Count the call, then apply the latency, rate limit and fault knobs."""
        emu = self.server.emulator
        emu.stats.add("calls", op)
        latency = float(emu.latency_ms or 0)
        if latency > 0:
            time.sleep(latency / 1000)
        if kind in (PORTAL, STS) and not emu.limiter.allow(op, emu.rate_limit):
            emu.stats.add("throttled", op)
            if kind == STS:
                raise StsError("Throttling", "Rate exceeded", 400)
            raise PortalError("TooManyRequestsException", "HTTP 429 Unknown Code")
        if kind is not None and emu.state.chance(float(emu.fail_rate or 0)):
            emu.stats.add("faults", op)
            if kind == STS:
                raise StsError("InternalFailure", "Injected fault (fail_rate)", 500)
            error = OidcError if kind == OIDC else PortalError
            raise error("InternalServerException", "Injected fault (fail_rate)")

    def _sts(self, raw: bytes) -> Answer:
        """STS in the query protocol (``AWS_ENDPOINT_URL_STS``): AssumeRole only (sts.py)."""
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        self._op = "AssumeRole"
        self._admit("AssumeRole", STS)
        body = sts.assume_role(self.server.emulator, form, self.headers)
        return 200, {"Content-Type": "text/xml"}, body

    def _oidc(self, op: str, query: dict[str, str], raw: bytes) -> Answer:
        state = self.server.emulator.state
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise OidcError("InvalidRequestException", "The request body is not a JSON object")
        if op == "RegisterClient":
            emu = self.server.emulator
            with state.lock:
                slow_down = emu.register_slow_down > 0
                if slow_down:
                    emu.register_slow_down -= 1
            if slow_down:
                raise OidcError("SlowDownException", "Client is registering too fast")
            return _json(state.register_client(body))
        if op == "StartDeviceAuthorization":
            return _json(state.start_device(body, self.server.emulator.base_url))
        if "aws_iam" in query:
            raise OidcError("InvalidRequestException", "CreateTokenWithIAM is not emulated")
        return _json(state.create_token(body))

    def _portal(self, op: str, query: dict[str, str]) -> Answer:
        emu = self.server.emulator
        token = self.headers.get("x-amz-sso_bearer_token")
        if op == "Logout":
            emu.state.logout(token)
            return 200, {"Content-Type": JSON}, b""
        emu.state.session_for(token)
        abused = emu.abuse_ops is None or op in emu.abuse_ops
        if op == "ListAccounts":
            accounts = [
                {"accountId": a.account_id, "accountName": a.name, "emailAddress": a.email}
                for a in emu.org.accounts
            ]
            if abused and (emu.pages or emu.malformed):
                return _abused_page(emu, accounts, query, "accountList")
            return _paginate(accounts, query, "accounts", "accountList")
        account_id = _required(query, "account_id")
        account = emu.org.account(account_id)
        if op == "ListAccountRoles":
            if account is None:
                raise PortalError("ResourceNotFoundException", "Account not found")
            roles = [{"roleName": role, "accountId": account_id} for role in account.roles]
            if abused and (emu.pages or emu.malformed):
                return _abused_page(emu, roles, query, "roleList")
            return _paginate(roles, query, f"roles:{account_id}", "roleList")
        role = _required(query, "role_name")
        if account is None or role not in account.roles:
            raise PortalError("ForbiddenException", "No access")
        if abused and emu.malformed:
            return _json({"roleCredentials": "not an object"})
        return _json({"roleCredentials": emu.federation.issue_credentials(account_id, role)})

    def _device(self, method: str, query: dict[str, str], raw: bytes) -> Answer:
        emu = self.server.emulator
        form = dict(query)
        if method == "POST":
            form.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        code = form.get("user_code", "").strip()
        if not code:
            return _html(pages.device_form_page(emu.org.name))
        device = emu.state.find_device(code)
        if device is None or emu.state.status(device) in ("expired", "used"):
            page = pages.device_form_page(emu.org.name, "Unknown or expired code.", code)
            return _html(page, 404)
        if method == "GET":
            client = emu.state.clients.get(device.client_id)
            name = client.name if client else "an application"
            status = emu.state.status(device)
            return _html(pages.device_confirm_page(emu.org.name, device.user_code, name, status))
        action = form.get("action", "")
        if action not in ("approve", "deny"):
            return _html(pages.device_form_page(emu.org.name, "Choose Approve or Deny.", code), 400)
        if not emu.state.decide(code, action == "approve"):
            page = pages.device_form_page(emu.org.name, "Unknown or expired code.", code)
            return _html(page, 404)
        return _html(pages.device_result_page(emu.org.name, device.user_code, action == "approve"))

    def _authorize(self, method: str, query: dict[str, str], raw: bytes) -> Answer:
        """``GET /authorize`` (PKCE): redirect at once, or the approve/deny page, whose form
        (or self-approving refresh) comes back here with ``request_id`` and ``action``."""
        emu = self.server.emulator
        emu.stats.add("calls", "Authorize")
        form = dict(query)
        if method == "POST":
            form.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        org = emu.org.name
        request_id = form.get("request_id")
        if request_id:
            action = form.get("action", "")
            if action not in ("approve", "deny"):
                return _html(pages.authorize_error_page(org, "Choose Allow or Deny."), 400)
            target = emu.state.authorizations.decide(request_id, action == "approve")
            if target is None:
                return _html(pages.authorize_error_page(org, "Unknown or expired request."), 404)
            return _redirect(target)
        if method != "GET":
            return _html(pages.authorize_error_page(org, "Use GET."), 405)
        try:
            kind, found = emu.state.authorizations.begin(form)
        except AuthorizeError as err:
            return _html(pages.authorize_error_page(org, str(err)), 400)
        if kind == "redirect":
            return _redirect(found)
        client = emu.state.clients.get(found.client_id)
        name = client.name if client else "an application"
        if kind == "wait":
            after = float(emu.approve_after or 0)
            return _html(pages.authorize_wait_page(org, name, found.request_id, after))
        return _html(pages.authorize_page(org, name, found.request_id, found.scopes))

    def _vanity(self, method: str) -> Answer:
        """A company's own start URL: one redirect to ``vanity_target`` (when set); HEAD is
        refused with 405 when ``vanity_head`` is off, as some servers do."""
        emu = self.server.emulator
        emu.stats.add("calls", "Vanity")
        if method not in ("GET", "HEAD") or (method == "HEAD" and not emu.vanity_head):
            return 405, {"Allow": "GET", "Content-Type": HTML}, b""
        if not emu.vanity_target:
            return _html(pages.vanity_page(emu.org.name))
        return _redirect(emu.vanity_target)
