"""The loopback credentials endpoint under local abuse (issue 11 §5): any local process may
connect, so idle connections are hung up, heads are capped, connections are capped, a reset
prints nothing into the user's shell, and the SDK keeps getting its credentials."""

from __future__ import annotations

import select
import socket
import struct
import threading
import time
import tracemalloc
from datetime import UTC, datetime

import pytest
from botocore.credentials import ContainerProvider

from ssotui.core import credserver
from ssotui.core.credserver import FULL_URI_VAR, TOKEN_VAR, CredentialServer
from ssotui.core.models import RoleCredentials

CREDS = RoleCredentials(
    account_id="111122223333",
    role_name="Admin",
    access_key_id="ASIAEMUONE",
    secret_access_key="secret",
    session_token="token",
    expiration=datetime(2030, 1, 1, tzinfo=UTC),
)


def sdk_access_key(server: CredentialServer) -> str:
    """What botocore's container provider gets from ``server`` (the shell's SDK call)."""
    provider = ContainerProvider(environ={FULL_URI_VAR: server.url, TOKEN_VAR: server.token})
    return provider.load().get_frozen_credentials().access_key


def idle(server: CredentialServer) -> socket.socket:
    """A connection that never sends a byte."""
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def hung_up(sock: socket.socket, within: float) -> bool:
    """Did the server close ``sock`` (EOF or reset) within ``within`` seconds?"""
    readable, _, _ = select.select([sock], [], [], within)
    if not readable:
        return False
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def wait_for_handlers_to_finish(timeout: float = 5.0) -> None:
    """Until no thread is left handling a connection (http.server names them after
    process_request_thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any("process_request_thread" in t.name for t in threading.enumerate()):
            return
        time.sleep(0.01)


def test_idle_connections_are_hung_up_after_the_timeout(monkeypatch):
    monkeypatch.setattr(credserver, "REQUEST_TIMEOUT", 0.3, raising=False)
    with CredentialServer(lambda: CREDS) as server:
        socks = [idle(server) for _ in range(3)]
        # Sending part of a request does not buy more time either.
        socks[1].sendall(b"GET / HTTP/1.1\r\n")
        assert all(hung_up(sock, within=5) for sock in socks)
        assert sdk_access_key(server) == "ASIAEMUONE"
    for sock in socks:
        sock.close()


def test_stop_hangs_up_open_connections_and_returns_at_once():
    server = CredentialServer(lambda: CREDS).start()
    socks = [idle(server) for _ in range(3)]
    assert sdk_access_key(server) == "ASIAEMUONE"  # the idle ones are accepted by now
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 3
    # Well before the 5 s request timeout: stop() did it.
    assert all(hung_up(sock, within=3) for sock in socks)
    for sock in socks:
        sock.close()


def test_a_6_mb_head_is_refused_after_8_kib_with_bounded_memory():
    header = b"X-Pad: " + b"a" * 64000 + b"\r\n"  # just under http.server's line limit
    payload = b"GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n" + header * 95 + b"\r\n"  # 6 MB
    with CredentialServer(lambda: CREDS) as server:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        tracemalloc.start()
        try:
            try:
                sock.sendall(payload)
                sent_everything = True
            except (BrokenPipeError, ConnectionResetError):
                sent_everything = False
            try:
                answer = sock.recv(4096)
            except ConnectionResetError:
                answer = b""
            wait_for_handlers_to_finish()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            sock.close()
        assert peak < 1_000_000, f"{peak} bytes held for one connection"
        # Either the server said so, or it had stopped reading long before the end.
        assert answer.startswith(b"HTTP/1.0 431 ") or not sent_everything
        assert sdk_access_key(server) == "ASIAEMUONE"


def test_a_reset_connection_prints_nothing_to_the_terminal(capfd):
    with CredentialServer(lambda: CREDS) as server:
        for request in (b"GET / HTTP/1.1\r\nHost: x", b""):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            if request:
                sock.sendall(request)
            # Close with a reset (RST) instead of a FIN.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        # A request whose answer meets a reset connection.
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.sendall(f"GET {server.path} HTTP/1.1\r\nAuthorization: {server.token}\r\n".encode())
        sock.close()
        wait_for_handlers_to_finish()
        assert sdk_access_key(server) == "ASIAEMUONE"
    wait_for_handlers_to_finish()
    out, err = capfd.readouterr()
    assert err == "" and out == ""


def test_connections_are_capped_and_the_sdk_still_gets_through():
    with CredentialServer(lambda: CREDS) as server:
        socks = [idle(server) for _ in range(40)]
        # Served while 40 connections sit idle: a new one hangs up the oldest idle one.
        assert sdk_access_key(server) == "ASIAEMUONE"
        cap = getattr(credserver, "MAX_CONNECTIONS", 16)
        oldest, newest = socks[: 40 - cap], socks[40 - cap + 1 :]
        assert all(hung_up(sock, within=3) for sock in oldest)
        assert not any(hung_up(sock, within=0) for sock in newest)
        assert sdk_access_key(server) == "ASIAEMUONE"
    for sock in socks:
        sock.close()


@pytest.mark.parametrize(
    "request_head",
    [
        b"\r\n",
        b"GET\r\n\r\n",
        b"BREW /pot HTTP/1.1\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"\xff\xfe\x00 garbage\r\n\r\n",
    ],
)
def test_malformed_requests_get_an_answer_or_a_hang_up_and_no_output(capfd, request_head):
    with CredentialServer(lambda: CREDS) as server:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.sendall(request_head)
        sock.settimeout(5)
        answer = sock.recv(4096)
        sock.close()
        assert answer == b"" or answer.startswith(b"HTTP/1.")
        assert sdk_access_key(server) == "ASIAEMUONE"
    wait_for_handlers_to_finish()
    assert capfd.readouterr() == ("", "")
