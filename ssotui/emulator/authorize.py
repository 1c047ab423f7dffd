"""The authorization-code (PKCE) side of sso-oidc: ``GET /authorize``, the approve/deny
decision, the one-time codes it hands out, and the ``authorization_code`` grant of CreateToken.

What the real service does, as far as a client can tell (protocol reference §2.6, §9):

- ``/authorize`` takes ``response_type=code``, ``client_id``, ``redirect_uri``, ``state``,
  ``code_challenge`` with ``code_challenge_method=S256``, and the scopes as ``scopes`` (the AWS
  CLI) or ``scope`` (aws-sso-cli, granted), space-separated.
- ``redirect_uri`` must be ``http://`` on loopback, with the path of a registered redirect URI;
  the port is free (RFC 8252 §7.3). A bad client or redirect URI is an error page, never a
  redirect; every later problem is a redirect with ``?error=…&state=…``.
- The code lives 5 minutes and is single-use; CreateToken must repeat the authorize-time
  ``redirectUri`` and send the ``codeVerifier`` whose S256 is the challenge.

Decisions come from the live knobs: ``authorize_auto`` ("approve" | "deny" | None),
``deny_all``, and ``approve_after`` (0: at once; N > 0: the page approves itself after N
seconds); otherwise the approve/deny page waits for a click.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from .errors import OidcError

AUTH_CODE_GRANT = "authorization_code"
CODE_TTL = 300.0  # seconds an authorization code lives
REQUEST_TTL = 600.0  # seconds an approve/deny page stays answerable
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class AuthorizeError(Exception):
    """A request that must not be redirected (unknown client, bad redirect URI): an error
    page with status 400."""


@dataclass
class AuthRequest:
    request_id: str
    client_id: str
    redirect_uri: str
    state: str
    challenge: str
    scopes: list[str]
    created: float


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    challenge: str
    expires_at: float
    used: bool = False


def s256(verifier: str) -> str:
    """``base64url(sha256(verifier))`` without padding (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _path(url: str) -> str:
    return urlsplit(url).path.rstrip("/")


def redirect_allowed(redirect_uri: str, registered: list[str]) -> bool:
    """``http://`` on a loopback host, any port, same path as a registered redirect URI."""
    try:
        parts = urlsplit(redirect_uri)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if parts.scheme != "http" or host not in _LOOPBACK_HOSTS:
        return False
    if parts.username or parts.password or parts.fragment:
        return False
    return any(_path(uri) == parts.path.rstrip("/") for uri in registered)


def registered_redirect_ok(uri: object) -> bool:
    """A redirect URI a client may register: http on loopback, or https with a host."""
    if not isinstance(uri, str):
        return False
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if parts.scheme == "https":
        return bool(host)
    return parts.scheme == "http" and host in _LOOPBACK_HOSTS


def with_query(url: str, **params: str) -> str:
    return url + ("&" if urlsplit(url).query else "?") + urlencode(params)


class Authorizations:
    """Pending /authorize requests and issued codes; uses the State's lock and clients."""

    def __init__(self, state) -> None:
        self.state = state
        self.requests: dict[str, AuthRequest] = {}
        self.codes: dict[str, AuthCode] = {}

    # --- /authorize -------------------------------------------------------------------------

    def begin(self, query: dict[str, str]) -> tuple[str, object]:
        """``("redirect", url)``, or ``("page", AuthRequest)`` for the approve/deny page, or
        ``("wait", AuthRequest)`` for a page that approves itself (approve_after > 0)."""
        state = self.state
        client = state.clients.get(query.get("client_id", ""))
        if client is None or time.time() >= client.expires_at:
            raise AuthorizeError("Unknown or expired client_id.")
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_allowed(redirect_uri, client.redirect_uris):
            raise AuthorizeError("redirect_uri is not a registered loopback redirect URI.")
        oauth_state = query.get("state", "")

        def refuse(error: str, description: str) -> tuple[str, object]:
            params = {"error": error, "error_description": description}
            if oauth_state:
                params["state"] = oauth_state
            return "redirect", with_query(redirect_uri, **params)

        if query.get("response_type") != "code":
            return refuse("unsupported_response_type", "response_type must be code")
        if client.grant_types is not None and AUTH_CODE_GRANT not in client.grant_types:
            return refuse("unauthorized_client", "the client may not use authorization_code")
        if not oauth_state:
            return refuse("invalid_request", "state is required")
        challenge = query.get("code_challenge", "")
        if query.get("code_challenge_method") != "S256" or not 43 <= len(challenge) <= 128:
            return refuse("invalid_request", "a code_challenge with method S256 is required")
        raw_scopes = query.get("scopes", query.get("scope", ""))
        scopes = [s for s in raw_scopes.replace(",", " ").split() if s]
        if any(s not in client.scopes for s in scopes):
            return refuse("invalid_scope", "a scope was not registered for this client")
        request = AuthRequest(
            request_id=secrets.token_urlsafe(16),
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            state=oauth_state,
            challenge=challenge,
            scopes=scopes or list(client.scopes),
            created=time.time(),
        )
        knobs = state.knobs
        auto = getattr(knobs, "authorize_auto", None)
        if knobs.deny_all or auto == "deny":
            return "redirect", self._answer(request, False)
        after = knobs.approve_after
        if auto == "approve" or (auto is None and after is not None and after <= 0):
            return "redirect", self._answer(request, True)
        with state.lock:
            self.requests[request.request_id] = request
        if auto is None and after is not None:
            return "wait", request
        return "page", request

    def decide(self, request_id: str, approve: bool) -> str | None:
        """What the page's buttons do: the redirect URL, or None for an unknown request."""
        with self.state.lock:
            request = self.requests.pop(request_id, None)
        if request is None or time.time() >= request.created + REQUEST_TTL:
            return None
        return self._answer(request, approve)

    def _answer(self, request: AuthRequest, approve: bool) -> str:
        if not approve:
            return with_query(
                request.redirect_uri,
                error="access_denied",
                error_description="The user denied the request",
                state=request.state,
            )
        code = secrets.token_urlsafe(32)
        with self.state.lock:
            self.codes[code] = AuthCode(
                client_id=request.client_id,
                redirect_uri=request.redirect_uri,
                challenge=request.challenge,
                expires_at=time.time() + CODE_TTL,
            )
        return with_query(request.redirect_uri, code=code, state=request.state)

    # --- CreateToken(grantType=authorization_code) --------------------------------------------

    def grant(self, body: dict) -> dict:
        state = self.state
        with state.lock:
            client = state._client(body, AUTH_CODE_GRANT)
            entry = self.codes.get(str(body.get("code") or ""))
            if entry is None or entry.client_id != client.client_id:
                raise OidcError("InvalidGrantException", "Invalid authorization code provided")
            if entry.used:
                raise OidcError("InvalidGrantException", "Authorization code has already been used")
            entry.used = True  # one attempt per code, right or wrong
            if time.time() >= entry.expires_at:
                raise OidcError("ExpiredTokenException", "Authorization code has expired")
            if body.get("redirectUri") != entry.redirect_uri:
                raise OidcError("InvalidGrantException", "redirectUri does not match")
            verifier = body.get("codeVerifier")
            if not isinstance(verifier, str) or not hmac.compare_digest(
                s256(verifier), entry.challenge
            ):
                raise OidcError("InvalidGrantException", "Code verifier does not match")
            return state._new_session(client)
