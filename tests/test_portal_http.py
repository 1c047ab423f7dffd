"""The plain-HTTP transport for the inventory's hot calls: wire format, error mapping, and the
loader's retry policy on top of it (scripted answers from a tiny local server)."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ssotui.core import clients, portal_http
from ssotui.core.errors import NetworkError, RoleNotAssigned, SessionExpired
from ssotui.core.inventory import InventoryLoader, Retrying
from ssotui.core.portal_http import PortalHttp, PortalHttpError

ACCOUNT = "111111111111"


class Scripted:
    """A loopback server answering from a list of (status, headers, body) per path."""

    def __init__(self) -> None:
        self.answers: dict[str, list[tuple[int, dict, bytes]]] = {}
        self.requests: list[tuple[str, dict]] = []
        script = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                script.requests.append((self.path, dict(self.headers)))
                queue = script.answers.get(path) or [(200, {}, b"{}")]
                status, headers, body = queue.pop(0) if len(queue) > 1 else queue[0]
                if status == 0:  # cut the connection without answering
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def portal():
    server = Scripted()
    yield server
    server.close()


def ok(data: dict) -> tuple[int, dict, bytes]:
    return 200, {"Content-Type": "application/json"}, json.dumps(data).encode()


def error(status: int, shape: str, header: bool = True) -> tuple[int, dict, bytes]:
    body = {"message": "nope", "__type": f"com.amazonaws.switchboard.portal#{shape}"}
    headers = {"x-amzn-ErrorType": f"{shape}:http://internal.amazon.com/"} if header else {}
    return status, headers, json.dumps(body).encode()


ACCOUNTS = ok({"accountList": [{"accountId": ACCOUNT, "accountName": "a", "emailAddress": "e"}]})


def loader_for(portal: Scripted, tokens=None, **knobs) -> InventoryLoader:
    loader = InventoryLoader(
        tokens or (lambda force_refresh=False: "t2" if force_refresh else "t1"),
        "us-east-1",
        rate_limit=0,
        sleep=lambda _s: None,
        **knobs,
    )
    loader._client = object()  # no boto3 needed: the transport is given directly
    loader._portal = PortalHttp(portal.url)
    return loader


def test_wire_format_and_pagination(portal):
    portal.answers["/assignment/roles"] = [
        ok({"roleList": [{"roleName": "Admin"}], "nextToken": "a/b+c="}),
        ok({"roleList": [{"roleName": "Read"}]}),
    ]
    http = PortalHttp(portal.url)
    page = http.list_account_roles("tok", ACCOUNT, 100)
    assert page["roleList"] == [{"roleName": "Admin"}] and page["nextToken"] == "a/b+c="
    assert page["ResponseMetadata"]["HTTPStatusCode"] == 200
    http.list_account_roles("tok", ACCOUNT, 100, "a/b+c=")
    (first, headers), (second, _) = portal.requests
    assert first == f"/assignment/roles?account_id={ACCOUNT}&max_result=100"
    assert second.endswith("&next_token=a%2Fb%2Bc%3D")
    assert headers["x-amz-sso_bearer_token"] == "tok"
    http.close()


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (error(429, "TooManyRequestsException"), "TooManyRequestsException"),
        (error(401, "UnauthorizedException", header=False), "UnauthorizedException"),
        (error(403, "ForbiddenException"), "ForbiddenException"),
        ((502, {}, b"<html>bad gateway</html>"), "502"),
    ],
)
def test_errors_carry_the_aws_code_like_botocore(portal, answer, code):
    portal.answers["/assignment/accounts"] = [answer]
    with pytest.raises(PortalHttpError) as caught:
        PortalHttp(portal.url).list_accounts("t", 100)
    assert clients.error_code(caught.value) == code


def test_network_error_is_classified_and_names_the_host():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(PortalHttpError) as caught:
        PortalHttp(f"http://127.0.0.1:{port}").list_accounts("t", 100)
    assert clients.error_code(caught.value) == "network"
    assert clients.is_retryable(caught.value)
    message = str(clients.to_sso_error(caught.value, "listing accounts"))
    assert f"127.0.0.1:{port}" in message


def test_429_and_5xx_are_retried_then_succeed(portal):
    portal.answers["/assignment/accounts"] = [ACCOUNTS]
    portal.answers["/assignment/roles"] = [
        error(429, "TooManyRequestsException"),
        error(500, "InternalServerException"),
        ok({"roleList": [{"roleName": "Admin"}]}),
    ]
    events: list = []
    inventory = loader_for(portal).load(events.append)
    assert inventory.complete and inventory.roles == {ACCOUNT: ("Admin",)}
    reasons = [e.reason for e in events if isinstance(e, Retrying)]
    assert reasons == ["throttled", "server error (InternalServerException)"]


def test_401_refreshes_the_token_once_and_retries(portal):
    portal.answers["/assignment/accounts"] = [error(401, "UnauthorizedException"), ACCOUNTS]
    portal.answers["/assignment/roles"] = [ok({"roleList": [{"roleName": "Admin"}]})]
    inventory = loader_for(portal).load()
    assert inventory.roles == {ACCOUNT: ("Admin",)}
    tokens = [h["x-amz-sso_bearer_token"] for _, h in portal.requests]
    assert tokens[:2] == ["t1", "t2"] and set(tokens[2:]) == {"t2"}


def test_second_401_is_session_expired(portal):
    portal.answers["/assignment/accounts"] = [error(401, "UnauthorizedException")]
    with pytest.raises(SessionExpired):
        loader_for(portal).load()


def test_404_means_no_roles_and_403_is_refused(portal):
    portal.answers["/assignment/accounts"] = [ACCOUNTS]
    portal.answers["/assignment/roles"] = [error(404, "ResourceNotFoundException")]
    assert loader_for(portal).load().roles == {ACCOUNT: ()}
    portal.answers["/assignment/roles"] = [error(403, "ForbiddenException")]
    with pytest.raises(RoleNotAssigned):
        loader_for(portal).load()


def test_cut_connections_are_retried_then_raise_network_error(portal):
    portal.answers["/assignment/accounts"] = [ACCOUNTS]
    portal.answers["/assignment/roles"] = [(0, {}, b"")]
    with pytest.raises(NetworkError, match="cannot reach 127.0.0.1"):
        loader_for(portal, max_attempts=3).load()
    roles_calls = [p for p, _ in portal.requests if p.startswith("/assignment/roles")]
    assert len(roles_calls) >= 3


def test_malformed_body_is_retried_as_an_incomplete_answer(portal):
    portal.answers["/assignment/accounts"] = [ACCOUNTS]
    portal.answers["/assignment/roles"] = [
        (200, {}, b'{"roleList": [{"roleN'),
        ok({"roleList": [{"roleName": "Admin"}]}),
    ]
    events: list = []
    assert loader_for(portal).load(events.append).roles == {ACCOUNT: ("Admin",)}
    assert [e.reason for e in events if isinstance(e, Retrying)] == ["incomplete answer"]
    portal.answers["/assignment/roles"] = [(200, {}, b"not json")]
    with pytest.raises(NetworkError, match="incomplete answers"):
        loader_for(portal, max_attempts=2).load()


def test_an_empty_success_means_no_roles(portal):
    portal.answers["/assignment/accounts"] = [ACCOUNTS]
    portal.answers["/assignment/roles"] = [(200, {}, b"{}")]
    assert loader_for(portal).load().roles == {ACCOUNT: ()}


def test_proxy_or_no_endpoint_keeps_botocore(monkeypatch):
    class Meta:
        endpoint_url = "https://portal.sso.us-east-1.amazonaws.com"

    class Client:
        meta = Meta()

    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert isinstance(portal_http.for_client(Client()), PortalHttp)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    assert portal_http.for_client(Client()) is None
    monkeypatch.setenv("NO_PROXY", "amazonaws.com")
    assert isinstance(portal_http.for_client(Client()), PortalHttp)
    assert portal_http.for_client(object()) is None
