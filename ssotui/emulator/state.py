"""What the OIDC side remembers, behind one lock: client registrations, device codes, sessions
with their access and refresh tokens. Also the per-operation counters and the rate limiter.
(Role credentials and console sign-in tokens live in federation.py.)"""

from __future__ import annotations

import hmac
import random
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from .authorize import AUTH_CODE_GRANT, Authorizations, registered_redirect_ok
from .errors import OidcError, unauthorized

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"
KNOWN_GRANTS = (DEVICE_GRANT, REFRESH_GRANT, AUTH_CODE_GRANT)

USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels, no look-alikes


def normalize_user_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def same_secret(expected: str, given: object) -> bool:
    return hmac.compare_digest(expected.encode(), str(given).encode())


def random_string(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass
class Client:
    client_id: str
    secret: str
    name: str
    scopes: list[str]
    grant_types: list[str] | None
    redirect_uris: list[str]
    issued_at: float
    expires_at: float
    issuer_url: str | None = None


@dataclass
class Device:
    device_code: str
    user_code: str  # "ABCD-EFGH"
    client_id: str
    created: float
    expires_at: float
    interval: int
    start_url: str = ""
    decision: str = "pending"  # pending | approved | denied | used
    last_poll: float | None = None


@dataclass
class Session:
    session_id: str
    client_id: str
    ends_at: float
    refresh_token: str | None = None
    ended: bool = False
    access_tokens: dict[str, float] = field(default_factory=dict)  # token -> expires_at


class Stats:
    """Per-operation counters. Increments happen under a lock; reads are plain dict reads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.errors: list[str] = []  # unexpected server-side exceptions (should stay empty)

    def add(self, counter: str, op: str) -> None:
        with self._lock:
            getattr(self, counter)[op] += 1

    def error(self, text: str) -> None:
        with self._lock:
            self.errors.append(text)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.throttled.clear()
            self.faults.clear()
            self.errors.clear()


class RateLimiter:
    """A token bucket per operation; capacity is one second's worth (at least one token)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, op: str, rate: float | None) -> bool:
        if rate is None:
            return True
        if rate <= 0:
            return False
        now = time.monotonic()
        capacity = max(float(rate), 1.0)
        with self._lock:
            tokens, last = self._buckets.get(op, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * rate)
            allowed = tokens >= 1.0
            self._buckets[op] = (tokens - 1.0 if allowed else tokens, now)
        return allowed


class State:
    """Reads the live knobs (token_ttl, approve_after, deny_all, ...) from ``knobs``."""

    def __init__(self, knobs, seed: int = 0) -> None:
        self.knobs = knobs
        self.lock = threading.RLock()
        self.device_ttl = 600.0  # seconds a device code lives
        self.poll_interval = 1  # the "interval" StartDeviceAuthorization returns
        self.slow_down_tolerance = 0.2  # a client sleeping exactly `interval` is fine
        self.registration_ttl = 90 * 86400.0
        self.clients: dict[str, Client] = {}
        self.devices: dict[str, Device] = {}  # by device code
        self.user_codes: dict[str, str] = {}  # normalized user code -> device code
        self.sessions: dict[str, Session] = {}
        self.access: dict[str, str] = {}  # access token -> session id
        self.refresh: dict[str, str] = {}  # live refresh token -> session id
        self.used_refresh: set[str] = set()
        self.authorizations = Authorizations(self)  # /authorize and its codes
        self._fault_rng = random.Random(seed)
        self._fault_lock = threading.Lock()

    def chance(self, probability: float) -> bool:
        if probability <= 0:
            return False
        with self._fault_lock:
            return self._fault_rng.random() < probability

    # --- sso-oidc -----------------------------------------------------------------------

    def register_client(self, body: dict) -> dict:
        name, client_type = body.get("clientName"), body.get("clientType")
        if not isinstance(name, str) or not name:
            raise OidcError("InvalidRequestException", "clientName is required")
        if client_type != "public":
            raise OidcError("InvalidClientMetadataException", "clientType must be public")
        grant_types = body.get("grantTypes")
        for grant in grant_types or ():
            if grant not in KNOWN_GRANTS:
                raise OidcError("UnsupportedGrantTypeException", f"Unsupported grant: {grant}")
        redirect_uris = body.get("redirectUris") or []
        if not isinstance(redirect_uris, list) or not all(
            map(registered_redirect_ok, redirect_uris)
        ):
            raise OidcError("InvalidRedirectUriException", "Invalid redirect URI")
        if AUTH_CODE_GRANT in (grant_types or ()) and not redirect_uris:
            raise OidcError(
                "InvalidRedirectUriException", "redirectUris is required for authorization_code"
            )
        issuer = body.get("issuerUrl")
        if issuer is not None and not isinstance(issuer, str):
            raise OidcError("InvalidRequestException", "issuerUrl must be a string")
        now = time.time()
        client = Client(
            client_id=secrets.token_urlsafe(16),
            secret=secrets.token_urlsafe(64),
            name=name,
            scopes=list(body.get("scopes") or []),
            grant_types=list(grant_types) if grant_types else None,
            redirect_uris=list(redirect_uris),
            issued_at=now,
            expires_at=now + self.registration_ttl,
            issuer_url=issuer,
        )
        with self.lock:
            self.clients[client.client_id] = client
        return {
            "clientId": client.client_id,
            "clientSecret": client.secret,
            "clientIdIssuedAt": int(now),
            "clientSecretExpiresAt": int(client.expires_at),
        }

    def _client(self, body: dict, grant: str) -> Client:
        client = self.clients.get(str(body.get("clientId")))
        secret = str(body.get("clientSecret") or "")
        if (
            client is None
            or not same_secret(client.secret, secret)
            or time.time() >= client.expires_at
        ):
            raise OidcError("InvalidClientException", "Invalid client")
        if client.grant_types is not None and grant not in client.grant_types:
            raise OidcError("UnauthorizedClientException", f"Client is not allowed {grant}")
        return client

    def start_device(self, body: dict, base_url: str) -> dict:
        if not body.get("startUrl"):
            raise OidcError("InvalidRequestException", "startUrl is required")
        with self.lock:
            client = self._client(body, DEVICE_GRANT)
            while True:
                raw = random_string(USER_CODE_ALPHABET, 8)
                if raw not in self.user_codes:
                    break
            now = time.time()
            device = Device(
                device_code=secrets.token_urlsafe(48),
                user_code=f"{raw[:4]}-{raw[4:]}",
                client_id=client.client_id,
                created=now,
                expires_at=now + self.device_ttl,
                interval=self.poll_interval,
                start_url=str(body["startUrl"]),
            )
            self.devices[device.device_code] = device
            self.user_codes[raw] = device.device_code
        return {
            "deviceCode": device.device_code,
            "userCode": device.user_code,
            "verificationUri": f"{base_url}/device",
            "verificationUriComplete": f"{base_url}/device?user_code={device.user_code}",
            "expiresIn": max(1, round(self.device_ttl)),
            "interval": device.interval,
        }

    def status(self, device: Device, now: float | None = None) -> str:
        """pending | approved | denied | expired | used, with the live knobs applied."""
        now = time.time() if now is None else now
        if device.decision == "used":
            return "used"
        if now >= device.expires_at:
            return "expired"
        if self.knobs.deny_all or device.decision == "denied":
            return "denied"
        if device.decision == "approved":
            return "approved"
        after = self.knobs.approve_after
        if after is not None and now >= device.created + after:
            return "approved"
        return "pending"

    def find_device(self, user_code: str) -> Device | None:
        with self.lock:
            device_code = self.user_codes.get(normalize_user_code(user_code))
            return self.devices.get(device_code) if device_code else None

    def decide(self, user_code: str, approve: bool) -> bool:
        """What the Approve/Deny buttons do. False if the code is unknown, used or expired."""
        with self.lock:
            device = self.find_device(user_code)
            if device is None or self.status(device) in ("used", "expired"):
                return False
            device.decision = "approved" if approve else "denied"
            return True

    def create_token(self, body: dict) -> dict:
        grant = body.get("grantType")
        if grant == DEVICE_GRANT:
            return self._device_grant(body)
        if grant == REFRESH_GRANT:
            return self._refresh_grant(body)
        if grant == AUTH_CODE_GRANT:
            return self.authorizations.grant(body)
        if not grant:
            raise OidcError("InvalidRequestException", "grantType is required")
        raise OidcError("UnsupportedGrantTypeException", f"Unsupported grant type: {grant}")

    def _device_grant(self, body: dict) -> dict:
        with self.lock:
            client = self._client(body, DEVICE_GRANT)
            device = self.devices.get(str(body.get("deviceCode")))
            if device is None or device.client_id != client.client_id:
                raise OidcError("InvalidGrantException", "Invalid device code provided")
            now = time.time()
            status = self.status(device, now)
            last, device.last_poll = device.last_poll, now
            if status == "used":
                raise OidcError("InvalidGrantException", "Device code has already been used")
            if status == "expired":
                raise OidcError("ExpiredTokenException", "Device code has expired")
            if status == "denied":
                raise OidcError("AccessDeniedException", "Authorization was denied")
            if status == "pending":
                if last is not None and now - last < device.interval - self.slow_down_tolerance:
                    raise OidcError("SlowDownException", "Client is polling too fast")
                raise OidcError("AuthorizationPendingException", "Authorization is still pending")
            device.decision = "used"
            return self._new_session(client)

    def _refresh_grant(self, body: dict) -> dict:
        with self.lock:
            client = self._client(body, REFRESH_GRANT)
            token = str(body.get("refreshToken") or "")
            if not token:
                raise OidcError("InvalidRequestException", "refreshToken is required")
            if token in self.used_refresh:
                raise OidcError("InvalidGrantException", "Refresh token has already been used")
            session = self.sessions.get(self.refresh.get(token, ""))
            if session is None or session.client_id != client.client_id:
                raise OidcError("InvalidGrantException", "Invalid refresh token provided")
            if session.ended or time.time() >= session.ends_at:
                raise OidcError("InvalidGrantException", "The session has ended")
            del self.refresh[token]
            self.used_refresh.add(token)
            session.refresh_token = None
            return self._issue(session, client)

    def _new_session(self, client: Client, ttl: float | None = None) -> dict:
        session = Session(
            session_id=secrets.token_hex(8),
            client_id=client.client_id,
            ends_at=time.time() + float(self.knobs.session_ttl),
        )
        self.sessions[session.session_id] = session
        return self._issue(session, client, ttl)

    def _issue(self, session: Session, client: Client, ttl: float | None = None) -> dict:
        """A new access token (and a rotated refresh token when the client may refresh)."""
        now = time.time()
        ttl = float(self.knobs.token_ttl if ttl is None else ttl)
        expires_at = min(now + ttl, session.ends_at)  # never outlives the session
        access = "aoa" + secrets.token_urlsafe(96)
        session.access_tokens[access] = expires_at
        self.access[access] = session.session_id
        reply: dict = {
            "accessToken": access,
            "tokenType": "Bearer",
            "expiresIn": max(0, round(expires_at - now)),
        }
        refreshable = (
            self.knobs.refresh_tokens
            and client.scopes
            and (client.grant_types is None or REFRESH_GRANT in client.grant_types)
        )
        if refreshable:
            session.refresh_token = "aor" + secrets.token_urlsafe(96)
            self.refresh[session.refresh_token] = session.session_id
            reply["refreshToken"] = session.refresh_token
        return reply

    # --- test helpers -------------------------------------------------------------------

    def mint(self, ttl: float | None = None) -> dict:
        """A session without the device flow, for a built-in client with scopes."""
        reply = self.register_client(
            {
                "clientName": "emulator-minted",
                "clientType": "public",
                "scopes": ["sso:account:access"],
            }
        )
        with self.lock:
            token = self._new_session(self.clients[reply["clientId"]], ttl)
        token["clientId"], token["clientSecret"] = reply["clientId"], reply["clientSecret"]
        token["clientSecretExpiresAt"] = reply["clientSecretExpiresAt"]
        return token

    def expire_access_tokens(self) -> None:
        with self.lock:
            for session in self.sessions.values():
                for token in session.access_tokens:
                    session.access_tokens[token] = 0.0

    def end_sessions(self) -> None:
        with self.lock:
            for session in self.sessions.values():
                session.ended = True

    # --- portal -------------------------------------------------------------------------

    def session_for(self, access_token: str | None) -> Session:
        with self.lock:
            session = self.sessions.get(self.access.get(access_token or "", ""))
            if session is None or session.ended or time.time() >= session.ends_at:
                raise unauthorized()
            if time.time() >= session.access_tokens.get(access_token or "", 0.0):
                raise unauthorized()
            return session

    def logout(self, access_token: str | None) -> None:
        with self.lock:
            self.session_for(access_token).ended = True
