"""A local IAM Identity Center stand-in that speaks the real sso-oidc and SSO portal wire
protocol, so that real boto3 pointed at it (``AWS_ENDPOINT_URL_SSO`` and
``AWS_ENDPOINT_URL_SSO_OIDC``) behaves as against AWS. Standard library only, loopback only.

    with Emulator(accounts=50, approve_after=0) as emu:
        os.environ["AWS_ENDPOINT_URL_SSO"] = emu.base_url
        ...

The knobs (``latency_ms``, ``rate_limit``, ``fail_rate``, ``approve_after``, ``token_ttl``,
``session_ttl``, ``credentials_ttl``, ``deny_all``, ``refresh_tokens``, ``retry_after``) are
plain attributes and may be changed while the server runs. ``retry_after`` (seconds, None: not
sent) puts a ``Retry-After`` header on every 429; it may be fractional, which HTTP does not
allow but makes quick tests.

Browser logins (PKCE, ``GET /authorize``; see ``authorize.py``): ``authorize_auto`` ("approve",
"deny" or None for the approve/deny page; ``deny_all`` and ``approve_after`` apply too).
``register_slow_down`` is how many of the next RegisterClient calls answer SlowDownException.
Vanity start URLs: ``<base>/vanity`` redirects once to ``vanity_target`` (None: no redirect);
``vanity_head = False`` answers HEAD with 405 (the client must fall back to GET).

Role chaining (``sts.py``; ``AWS_ENDPOINT_URL_STS``): ``POST /`` answers ``sts:AssumeRole`` for
the org's chained roles (``org.chained``: roles outside the org trusted by SSO roles, one behind
another chained role, one requiring an ExternalId), with the same latency, rate limit and fault
knobs; chained sessions last at most an hour, and the console refuses a SessionDuration for them.

Hostile mode (see ``hostile.py``): ``hostile=True`` adds accounts whose names, e-mails, ids
and role names carry terminal escapes, newlines, surrogates, NUL, quotes and ``$(…)``. The
transport knobs, also live, apply to the API operations in ``abuse_ops`` (None: every one):
``pages`` ("endless-empty" or "endless-repeat": a nextToken that never ends), ``stall``
(accept, read the request, never answer), ``trickle_s`` (send the answer one byte every N
seconds), ``huge_body_bytes`` (answer with a JSON body this big, streamed) and ``malformed``
("string-list", "int-token", "item-not-object": wrong-typed JSON fields).
"""

from __future__ import annotations

import ipaddress
import threading

from .federation import Federation
from .org import Org, OrgAccount, generate_org
from .server import Server
from .state import RateLimiter, State, Stats

__all__ = ["Emulator", "Org", "OrgAccount", "generate_org"]

OPERATIONS = (
    "RegisterClient",
    "StartDeviceAuthorization",
    "CreateToken",
    "ListAccounts",
    "ListAccountRoles",
    "GetRoleCredentials",
    "Logout",
    "GetSigninToken",
    "Login",
    "AssumeRole",
)


def _loopback(host: str) -> str:
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or address.version != 4 or not address.is_loopback:
        raise ValueError(f"the emulator only listens on IPv4 loopback, not {host!r}")
    return host


class Emulator:
    def __init__(
        self,
        accounts: int = 50,
        seed: int = 7,
        latency_ms: float = 0.0,
        rate_limit: float | None = None,
        fail_rate: float = 0.0,
        approve_after: float | None = None,
        token_ttl: float = 3600,
        session_ttl: float = 8 * 3600,
        credentials_ttl: float = 3600,
        deny_all: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        refresh_tokens: bool = True,
        hostile: bool = False,
    ) -> None:
        self.host = _loopback(host)
        self.port = port
        self.latency_ms = latency_ms
        self.rate_limit = rate_limit
        self.fail_rate = fail_rate
        self.retry_after: float | None = None
        self.approve_after = approve_after
        self.token_ttl = token_ttl
        self.session_ttl = session_ttl
        self.credentials_ttl = credentials_ttl
        self.deny_all = deny_all
        self.refresh_tokens = refresh_tokens
        self.org: Org = generate_org(accounts, seed)
        if hostile:
            from .hostile import hostile_accounts

            extra = [a for a in hostile_accounts() if a.account_id not in self.org.by_id]
            self.org = Org(self.org.name, self.org.accounts + extra, chained=self.org.chained)
        self.hostile = hostile
        # Browser logins and start URLs (live knobs; see the module docstring).
        self.authorize_auto: str | None = None
        self.register_slow_down = 0
        self.vanity_target: str | None = None
        self.vanity_head = True
        # Transport abuse (live knobs; see the module docstring).
        self.abuse_ops: set[str] | None = None
        self.pages: str | None = None
        self.stall = False
        self.trickle_s: float | None = None
        self.huge_body_bytes = 0
        self.malformed: str | None = None
        self.released = threading.Event()  # set by stop(): stalled handlers give up
        self.stats = Stats()
        self.state = State(self, seed)  # tests may shrink state.device_ttl / poll_interval
        self.federation = Federation(self)
        self.limiter = RateLimiter()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind and serve in a daemon thread. Returns self.

        After ``stop()`` it serves again on the same port: ``stop()`` then ``start()`` is a
        portal outage and its end (clients get "connection refused" in between)."""
        with self._lock:
            if self._server is not None:
                return self
            server = Server((self.host, self.port), self)
            self.released.clear()
            self.port = server.server_address[1]
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"ssotui-emulator:{self.port}",
                daemon=True,
            )
            self._server, self._thread = server, thread
            thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: close the listening socket and cut open connections."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        self.released.set()
        server.shutdown()
        server.server_close()
        server.drop_connections()
        if thread is not None:
            thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if not self.port:
            raise RuntimeError("the emulator has not been started")
        return f"http://{self.host}:{self.port}"

    def __repr__(self) -> str:
        where = self.base_url if self.running else "stopped"
        return f"<Emulator {where} accounts={len(self.org.accounts)}>"

    # --- what a user or a test does -----------------------------------------------------

    def approve(self, user_code: str) -> bool:
        """Approve a device code, as the verification page's button does (False if unknown)."""
        return self.state.decide(user_code, True)

    def deny(self, user_code: str) -> bool:
        return self.state.decide(user_code, False)

    def mint_token(self, ttl: float | None = None) -> dict:
        """A valid session without the device flow.

        Returns ``accessToken``, ``refreshToken`` (unless refresh tokens are off) and
        ``expiresIn``, plus the ``clientId``/``clientSecret``/``clientSecretExpiresAt`` of the
        registration the refresh token is bound to.
        """
        return self.state.mint(ttl)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far now gets 401; refresh tokens still work."""
        self.state.expire_access_tokens()

    def end_sessions(self) -> None:
        """Every session so far is over: access tokens get 401, refresh gets InvalidGrant."""
        self.state.end_sessions()

    def reset_stats(self) -> None:
        self.stats.reset()
