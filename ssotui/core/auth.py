"""Logging in to IAM Identity Center (the browser's PKCE flow or the device code) and keeping
the token fresh.

The token lives in the cache shared with the AWS CLI v2 and botocore (:mod:`tokencache`), so a
login here is a login for ``aws`` and boto3 too, and a token they refreshed is used here. The
refresh follows botocore's ``SSOTokenProvider`` (same request, same file), but runs under an
advisory lock and never loses a refresh token.

Every answer of sso-oidc is checked for type before use (tokens, codes and ids must be
printable ASCII without spaces; lifetimes whole numbers): a wrong one is a ``BadAnswer``
naming the operation. Each call is bounded like every portal call (:mod:`portal_http`).

Two logins, as in the AWS CLI v2 (:mod:`loginflow` picks one):

- PKCE: ``start_browser_login()`` registers (or reuses) an authorization-code client, binds
  the loopback listener and returns the ``/authorize`` URL to open; ``wait_for_browser_login()``
  waits for the browser (10 minutes at most), checks ``state`` and exchanges the code.
- Device code: ``start_login()``, then ``wait_for_login()`` (or ``poll_login()`` per tick).

Both write the same token file, and share the registration file with the AWS CLI under its
rule: the device flow reuses any registration without the ``authorization_code`` grant, PKCE
only one with it. A vanity start URL is resolved first (:mod:`vanity`); the configured URL
stays the cache key.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ssotui.core import clients, timeutil, vanity
from ssotui.core.errors import (
    ConfigError,
    LoginDenied,
    LoginRequired,
    LoginTimedOut,
    NetworkError,
    SessionExpired,
    SsoError,
    Throttled,
)
from ssotui.core.models import SsoSession
from ssotui.core.tokencache import TokenCache
from ssotui.core.tokens import DeviceAuthorization, Registration, Token

if TYPE_CHECKING:  # imported when a browser login starts (http.server is not cheap)
    from ssotui.core import pkce

log = logging.getLogger(__name__)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"
AUTH_CODE_GRANT = "authorization_code"

# A token valid for at least this long is used as is.
FRESH_FOR = timedelta(minutes=5)
# A cached registration is reused until this long before it expires (as the AWS CLI does).
REGISTRATION_MARGIN = timedelta(minutes=15)
# After a failed refresh of a still-valid token, wait this long before trying again.
REFRESH_RETRY_AFTER = timedelta(seconds=30)
# After a refused refresh of an unusable token, how long (seconds) to wait for the token
# a tool without our lock (botocore) may be writing after it refreshed first.
REFRESH_RACE_GRACE = 1.0
DEFAULT_INTERVAL = 5.0
SLOW_DOWN_STEP = 5.0
LOGOUT_TIMEOUT = 3.0
# Consecutive network failures tolerated while waiting for approval.
POLL_NETWORK_FAILURES = 3
# How long a browser (PKCE) login waits for the browser to come back.
PKCE_TIMEOUT = 600.0
PKCE_TICK = 0.1  # seconds between checks of ``cancelled`` while waiting
# RegisterClient answered SlowDownException: tries in all, and the first pause (then doubled).
REGISTER_ATTEMPTS = 3
REGISTER_SLOW_DOWN_PAUSE = 2.0

_REFUSED_REFRESH = {
    "InvalidGrantException",
    "InvalidClientException",
    "UnauthorizedClientException",
    "ExpiredTokenException",
    "AccessDeniedException",
    "InvalidRequestException",
    "UnauthorizedException",
    "400",
    "401",
    "403",
}


_PLAIN = re.compile(r"[!-~]{1,65536}")  # a token, code, id or URL: printable ASCII, no space
_MAX_SECONDS = 10 * 366 * 86400  # a lifetime or an interval longer than ten years is wrong
_YEAR_9999 = 253_402_300_799  # the last second datetime can hold


def _expiry(now: datetime, expires_in) -> datetime:
    """``now + expiresIn`` in whole seconds, exactly as it will read back from the file."""
    return (now + timedelta(seconds=int(expires_in or 0))).replace(microsecond=0)


def _text(reply: object, name: str, operation: str, *, required: bool = True) -> str | None:
    """``reply[name]``, a plain ASCII string (None when absent and not ``required``)."""
    value = reply.get(name) if isinstance(reply, dict) else None
    if value is None and not required:
        return None
    if not isinstance(value, str) or not _PLAIN.fullmatch(value):
        raise _bad(operation, f"{name} is missing or not a plain string")
    return value


def _number(reply: object, name: str, operation: str, *, limit: int = _MAX_SECONDS) -> int | None:
    """``reply[name]``, a whole number from 0 to ``limit`` (None when absent)."""
    value = reply.get(name) if isinstance(reply, dict) else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise _bad(operation, f"{name} is not a number")
    return value


def _bad(operation: str, what: str = "") -> SsoError:
    return clients.bad_answer(operation, what, who="IAM Identity Center")


def _malformed(exc: BaseException, operation: str) -> None:
    """Raise BadAnswer when ``exc`` is what botocore's parser raises on JSON of the wrong
    shape (it raises builtins such as AttributeError, not its own errors)."""
    if isinstance(exc, clients.MALFORMED) and not clients.is_aws_error(exc):
        raise _bad(operation) from exc


class Authenticator:
    """Login, token refresh and logout for one session. Thread-safe; blocking."""

    def __init__(
        self,
        session: SsoSession,
        cache: TokenCache | None = None,
        *,
        clock: Callable[[], datetime] = timeutil.utcnow,
        client_name: str = "ssotui",
    ) -> None:
        self.session = session
        self.cache = cache if cache is not None else TokenCache(session)
        self._clock = clock
        self.client_name = client_name
        self._memo: tuple[tuple[int, int, int], Token] | None = None
        self._memo_lock = threading.Lock()
        self._refresh_failed_at: datetime | None = None
        self._start_url: vanity.StartUrl | None = None

    def __repr__(self) -> str:
        return f"Authenticator({self.session.label!r})"

    # -- reading -------------------------------------------------------------------------

    def cached_token(self) -> Token | None:
        """The cached token without any network call (it may be expired); None if missing."""
        return self._read()

    def _read(self, *, fresh: bool = False) -> Token | None:
        """Re-read the token file, skipping the parse when its stat has not changed."""
        path = self.cache.token_path
        try:
            st = path.stat()
        except FileNotFoundError:
            with self._memo_lock:
                self._memo = None
            return None
        except OSError:
            st = None
        key = (st.st_mtime_ns, st.st_size, st.st_ino) if st is not None else None
        if not fresh and key is not None:
            memo = self._memo
            if memo is not None and memo[0] == key:
                return memo[1]
        token = self.cache.load_token()
        with self._memo_lock:
            self._memo = (key, token) if key is not None and token is not None else None
        return token

    def _remember(self, token: Token) -> None:
        try:
            st = self.cache.token_path.stat()
        except OSError:
            return
        with self._memo_lock:
            self._memo = ((st.st_mtime_ns, st.st_size, st.st_ino), token)

    # -- tokens --------------------------------------------------------------------------

    def _not_logged_in(self) -> LoginRequired:
        return LoginRequired(f"not logged in to {self.session.label} — run `ssotui login`.")

    def _expired(self) -> SessionExpired:
        return SessionExpired(
            f"{self.session.label}: IAM Identity Center session expired — run `ssotui login`."
        )

    def _is_fresh(self, token: Token, now: datetime) -> bool:
        return token.expires_at - now >= FRESH_FOR

    def token(self, *, force_refresh: bool = False) -> Token:
        """A usable token, refreshed if it has less than 5 minutes left (or if forced).

        ``force_refresh`` is for a caller whose token was just refused (HTTP 401).
        """
        current = self._read()
        if current is None:
            raise self._not_logged_in()
        now = self._clock()
        if not force_refresh and self._is_fresh(current, now):
            return current
        if (
            not force_refresh
            and current.expires_at > now
            and self._refresh_failed_at is not None
            and now - self._refresh_failed_at < REFRESH_RETRY_AFTER
        ):
            return current  # a refresh just failed; keep using the valid token for now
        with self.cache.lock():
            latest = self._read(fresh=True)
            if latest is None:
                raise self._not_logged_in()
            now = self._clock()
            if latest.access_token != current.access_token and self._is_fresh(latest, now):
                return latest  # another process or thread refreshed it meanwhile
            if not force_refresh and self._is_fresh(latest, now):
                return latest
            return self._refresh(latest, now, forced=force_refresh)

    def access_token(self, *, force_refresh: bool = False) -> str:
        """The bearer token for portal calls (what the inventory and credential code use)."""
        return self.token(force_refresh=force_refresh).access_token

    def _refresh(self, token: Token, now: datetime, *, forced: bool) -> Token:
        """Refresh ``token`` (caller holds the lock). See :meth:`token` for the outcomes."""
        usable = token.expires_at > now and not forced
        if not (token.refresh_token and token.client_id and token.client_secret):
            if usable:
                return token  # a legacy, non-refreshable token: use it until it expires
            raise self._expired()
        if token.registration_expires_at is not None and token.registration_expires_at <= now:
            if usable:
                return token
            raise self._expired()
        oidc = clients.client("sso-oidc", self.session.region)
        try:
            reply = oidc.create_token(
                grantType=REFRESH_GRANT,
                clientId=token.client_id,
                clientSecret=token.client_secret,
                refreshToken=token.refresh_token,
            )
        except Exception as exc:  # noqa: BLE001 - classified below; nothing escapes raw
            _malformed(exc, "CreateToken")
            return self._refresh_failed(token, exc, usable=usable)
        access_token = _text(reply, "accessToken", "CreateToken")
        expires_in = _number(reply, "expiresIn", "CreateToken")
        refresh_token = _text(reply, "refreshToken", "CreateToken", required=False)
        self._refresh_failed_at = None
        refreshed = Token(
            start_url=self.session.start_url,
            region=self.session.region,
            access_token=access_token,
            expires_at=_expiry(self._clock(), expires_in),
            client_id=token.client_id,
            client_secret=token.client_secret,
            registration_expires_at=token.registration_expires_at,
            refresh_token=refresh_token or token.refresh_token,
            extra=dict(token.extra),
        )
        self.cache.save_token(refreshed)
        self._remember(refreshed)
        log.debug("refreshed the token for %s", self.session.label)
        return refreshed

    def _refresh_failed(self, token: Token, exc: Exception, *, usable: bool) -> Token:
        code = clients.error_code(exc)
        if not clients.is_aws_error(exc):
            raise exc
        self._refresh_failed_at = self._clock()
        log.debug("token refresh for %s failed: %s", self.session.label, code)
        if code in _REFUSED_REFRESH:
            # A tool without our lock (botocore, the CLI) may have refreshed with the same
            # refresh token a moment ago; the service then refuses ours. Use theirs — and
            # when ours is no longer usable, give that tool a moment to finish writing it.
            latest = self._newer_token(token, wait=0.0 if usable else REFRESH_RACE_GRACE)
            if latest is not None:
                return latest
            if usable:
                return token
            raise self._expired() from None
        if usable:
            return token  # network trouble: the token still works for a few minutes
        error = clients.to_sso_error(exc, "refreshing the login token")
        if isinstance(error, LoginRequired):
            raise self._expired() from None
        raise error from None

    def _newer_token(self, token: Token, *, wait: float) -> Token | None:
        """An unexpired token other than ``token`` in the file, waiting up to ``wait``
        seconds for one to appear; None if there is none."""
        deadline = time.monotonic() + wait
        while True:
            try:
                latest = self.cache.load_token()
            except LoginRequired:
                latest = None
            if (
                latest is not None
                and latest.access_token != token.access_token
                and latest.expires_at > self._clock()
            ):
                return latest
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    # -- client registration (shared with the AWS CLI) -----------------------------------

    def start_url(self) -> vanity.StartUrl:
        """The configured start URL and the issuer URL it leads to (one request, once, for a
        vanity URL; none for an AWS portal URL). ConfigError when the portal's host names
        another region than ``sso_region``."""
        if self._start_url is None:
            found = vanity.resolve(self.session.start_url)
            if found.region is not None and found.region != self.session.region:
                raise ConfigError(
                    f"{self.session.label}: the start URL leads to the access portal in "
                    f"{found.region}, but sso_region is {self.session.region}; "
                    f"set sso_region = {found.region}."
                )
            self._start_url = found
        return self._start_url

    def _registration_usable(
        self, registration: Registration, now: datetime, flow: str = "device"
    ) -> bool:
        """The AWS CLI's rule: not within 15 minutes of expiry, and for PKCE with the
        ``authorization_code`` grant, for the device code without it."""
        if registration.expires_at - now < REGISTRATION_MARGIN:
            return False
        auth_code = AUTH_CODE_GRANT in (registration.grant_types or ())
        return auth_code if flow == "pkce" else not auth_code

    def _registration(self, flow: str, *, force: bool = False) -> tuple[Registration, bool]:
        """(the registration for ``flow``, whether it was made just now)."""
        registration = None if force else self.cache.load_registration()
        if registration is not None and self._registration_usable(
            registration, self._clock(), flow
        ):
            return registration, False
        return self._register(flow), True

    def _register(self, flow: str = "device") -> Registration:
        if flow == "pkce":
            from ssotui.core import pkce

            grants = (AUTH_CODE_GRANT, REFRESH_GRANT)
            extra = {
                "redirectUris": [pkce.REGISTERED_REDIRECT_URI],
                "issuerUrl": self.start_url().issuer,
            }
        else:
            grants, extra = (DEVICE_GRANT, REFRESH_GRANT), {}
        oidc = clients.client("sso-oidc", self.session.region)
        for attempt in range(1, REGISTER_ATTEMPTS + 1):
            try:
                reply = oidc.register_client(
                    clientName=f"{self.client_name}-{self.session.name or 'legacy'}",
                    clientType="public",
                    scopes=list(self.session.scopes),
                    grantTypes=list(grants),
                    **extra,
                )
                break
            except Exception as exc:  # noqa: BLE001 - classified below; nothing escapes raw
                _malformed(exc, "RegisterClient")
                if clients.error_code(exc) == "SlowDownException":
                    if attempt < REGISTER_ATTEMPTS:
                        time.sleep(REGISTER_SLOW_DOWN_PAUSE * 2 ** (attempt - 1))
                        continue
                    raise Throttled(
                        "IAM Identity Center kept asking to slow down while registering this "
                        "client; try again in a minute."
                    ) from None
                with clients.translated("registering with IAM Identity Center"):
                    raise
        expires = _number(reply, "clientSecretExpiresAt", "RegisterClient", limit=_YEAR_9999)
        if expires is None:
            raise _bad("RegisterClient", "clientSecretExpiresAt is missing")
        registration = Registration(
            client_id=_text(reply, "clientId", "RegisterClient"),
            client_secret=_text(reply, "clientSecret", "RegisterClient"),
            expires_at=timeutil.from_epoch_s(expires),
            scopes=tuple(self.session.scopes),
            grant_types=grants,
        )
        with self.cache.lock():
            self.cache.save_registration(registration)
        log.debug("registered a new OIDC client (%s) for %s", flow, self.session.label)
        return registration

    # -- device-code login ---------------------------------------------------------------

    def start_login(self, *, force_register: bool = False) -> DeviceAuthorization:
        """Register (or reuse the cached registration) and start a device authorization."""
        start_url = self.start_url().issuer
        registration, registered_now = self._registration("device", force=force_register)
        oidc = clients.client("sso-oidc", self.session.region)
        doing = "starting the login"
        for attempt in (1, 2):
            try:
                reply = oidc.start_device_authorization(
                    clientId=registration.client_id,
                    clientSecret=registration.client_secret,
                    startUrl=start_url,
                )
                break
            except Exception as exc:  # noqa: BLE001
                _malformed(exc, "StartDeviceAuthorization")
                if (
                    clients.error_code(exc)
                    in ("InvalidClientException", "UnauthorizedClientException")
                    and attempt == 1
                    and not registered_now
                ):
                    registration = self._register()
                    registered_now = True
                    continue
                with clients.translated(doing):
                    raise
        else:  # pragma: no cover - the loop always breaks or raises
            raise SsoError(f"could not start the login for {self.session.label}.")
        op = "StartDeviceAuthorization"
        interval = _number(reply, "interval", op, limit=3600) or DEFAULT_INTERVAL
        uri = _text(reply, "verificationUri", op)
        return DeviceAuthorization(
            user_code=_text(reply, "userCode", op),
            verification_uri=uri,
            verification_uri_complete=_text(reply, "verificationUriComplete", op, required=False)
            or uri,
            device_code=_text(reply, "deviceCode", op),
            expires_at=self._clock() + timedelta(seconds=_number(reply, "expiresIn", op) or 600),
            interval=float(interval),
            registration=registration,
        )

    def poll_login(self, authorization: DeviceAuthorization) -> Token | None:
        """One CreateToken attempt: the saved token once approved, None while pending."""
        registration = authorization.registration
        oidc = clients.client("sso-oidc", self.session.region)
        try:
            reply = oidc.create_token(
                grantType=DEVICE_GRANT,
                clientId=registration.client_id,
                clientSecret=registration.client_secret,
                deviceCode=authorization.device_code,
            )
        except Exception as exc:  # noqa: BLE001
            _malformed(exc, "CreateToken")
            code = clients.error_code(exc)
            if code == "AuthorizationPendingException":
                return None
            if code == "SlowDownException":
                authorization.interval += SLOW_DOWN_STEP
                return None
            if code == "AccessDeniedException":
                raise LoginDenied("the login was denied in the browser.") from None
            if code in ("ExpiredTokenException", "InvalidGrantException"):
                raise LoginTimedOut(
                    "the login code expired before it was approved — run the login again."
                ) from None
            with clients.translated("waiting for the login to be approved"):
                raise
            raise  # pragma: no cover - translated() always raises
        return self._save_login(reply, registration)

    def _save_login(self, reply: object, registration: Registration) -> Token:
        """Write the token of a successful login (either flow) in the AWS CLI's format."""
        access_token = _text(reply, "accessToken", "CreateToken")
        expires_in = _number(reply, "expiresIn", "CreateToken")
        now = self._clock()
        with self.cache.lock():
            previous = self._previous_token()
            refresh_token = _text(reply, "refreshToken", "CreateToken", required=False)
            if not refresh_token and previous is not None:
                # An answer without a refresh token must not drop the one we had for the
                # same client (a refresh that fails later just asks for a login again).
                if previous.client_id == registration.client_id:
                    refresh_token = previous.refresh_token
            token = Token(
                start_url=self.session.start_url,
                region=self.session.region,
                access_token=access_token,
                expires_at=_expiry(now, expires_in),
                client_id=registration.client_id,
                client_secret=registration.client_secret,
                registration_expires_at=registration.expires_at,
                refresh_token=refresh_token,
                extra=dict(previous.extra) if previous is not None else {},
            )
            self.cache.save_token(token)
            self._remember(token)
        self._refresh_failed_at = None
        log.debug("logged in to %s", self.session.label)
        return token

    def _previous_token(self) -> Token | None:
        """The token file a login replaces (its other tools' keys are kept), None if none
        or unreadable."""
        try:
            return self.cache.load_token()
        except LoginRequired:
            return None

    def wait_for_login(
        self,
        authorization: DeviceAuthorization,
        *,
        sleep: Callable[[float], object] = time.sleep,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> Token | None:
        """Poll every ``authorization.interval`` seconds until approved (the token), denied
        or expired (raises), or ``cancelled()`` (None).

        To cancel promptly pass ``sleep=event.wait, cancelled=event.is_set``.
        """
        network_failures = 0
        while True:
            if cancelled():
                return None
            if self._clock() >= authorization.expires_at:
                raise LoginTimedOut(
                    "the login code expired before it was approved — run the login again."
                )
            try:
                token = self.poll_login(authorization)
            except (NetworkError, Throttled):
                network_failures += 1
                if network_failures >= POLL_NETWORK_FAILURES:
                    raise
                token = None
            else:
                network_failures = 0
            if token is not None:
                return token
            if cancelled():
                return None
            remaining = (authorization.expires_at - self._clock()).total_seconds()
            sleep(max(0.0, min(authorization.interval, remaining)))

    # -- browser (PKCE) login ------------------------------------------------------------

    def start_browser_login(
        self, *, redirect_port: int = 0, timeout: float = PKCE_TIMEOUT
    ) -> pkce.BrowserLogin:
        """Start a PKCE login: register (or reuse) an authorization-code client, bind the
        loopback listener on ``127.0.0.1:redirect_port`` (0: a free port) and build the
        ``/authorize`` URL on the sso-oidc endpoint botocore resolves. Open ``.url`` in the
        browser (and show it), then call :meth:`wait_for_browser_login`.

        Raises SsoError in one line when the port is taken, ConfigError for a start URL that
        does not lead to an AWS portal."""
        from ssotui.core import pkce

        listener = pkce.CallbackListener(redirect_port)  # a busy port fails before any call
        try:
            self.start_url()  # a vanity URL that leads nowhere stops here, before registering
            registration, _ = self._registration("pkce")
            base = pkce.oidc_base_url(clients.client("sso-oidc", self.session.region))
        except BaseException:
            listener.close()
            raise
        verifier, state = pkce.new_verifier(), pkce.new_state()
        url = pkce.authorize_url(
            base,
            client_id=registration.client_id,
            redirect_uri=listener.redirect_uri,
            state=state,
            code_challenge=pkce.challenge(verifier),
            scopes=self.session.scopes,
        )
        return pkce.BrowserLogin(
            url=url,
            redirect_uri=listener.redirect_uri,
            expires_at=self._clock() + timedelta(seconds=timeout),
            timeout=timeout,
            state=state,
            verifier=verifier,
            registration=registration,
            listener=listener,
        )

    def wait_for_browser_login(
        self, login: pkce.BrowserLogin, *, cancelled: Callable[[], bool] = lambda: False
    ) -> Token | None:
        """Wait for the browser to come back, then exchange the code and save the token.

        None if ``cancelled()`` became true first. Raises LoginTimedOut after
        ``login.expires_at``, LoginDenied when the user denied, SsoError for a ``state``
        mismatch or another error from the browser. Closes the listener in every case."""
        from ssotui.core import pkce

        try:
            while not login.listener.answered.is_set():
                if cancelled():
                    return None
                left = (login.expires_at - self._clock()).total_seconds()
                if left <= 0:
                    span = login.timeout
                    within = f"{span / 60:g} minutes" if span >= 60 else f"{span:g} s"
                    raise LoginTimedOut(
                        f"no answer from the browser within {within} — run the login again "
                        "(or log in with --use-device-code)."
                    )
                login.listener.answered.wait(min(PKCE_TICK, left))
        finally:
            login.close()
        answer = login.listener.answer or {}
        if answer.get("state") != login.state:
            raise SsoError(
                "the browser's answer does not belong to this login (state mismatch); "
                "nothing was saved — run the login again."
            )
        if "error" in answer or not answer.get("code"):
            code = pkce.error_code(answer) if "error" in answer else "no code"
            if code == "access_denied":
                raise LoginDenied("the login was denied in the browser.")
            raise SsoError(f"the browser login failed ({code}) — run the login again.")
        return self._exchange_code(login, answer["code"])

    def _exchange_code(self, login: pkce.BrowserLogin, code: str) -> Token:
        registration = login.registration
        oidc = clients.client("sso-oidc", self.session.region)
        try:
            reply = oidc.create_token(
                grantType=AUTH_CODE_GRANT,
                clientId=registration.client_id,
                clientSecret=registration.client_secret,
                redirectUri=login.redirect_uri,
                codeVerifier=login.verifier,
                code=code,
            )
        except Exception as exc:  # noqa: BLE001
            _malformed(exc, "CreateToken")
            error = clients.error_code(exc)
            if error == "ExpiredTokenException":
                raise LoginTimedOut(
                    "the browser's login code expired before it was used — run the login again."
                ) from None
            if error == "InvalidGrantException":
                raise SsoError(
                    "IAM Identity Center refused the browser's login code — run the login again."
                ) from None
            with clients.translated("finishing the login"):
                raise
            raise  # pragma: no cover - translated() always raises
        return self._save_login(reply, registration)

    # -- logout --------------------------------------------------------------------------

    def logout(self) -> bool:
        """Invalidate the session at AWS (best effort) and delete this session's token file.

        Registrations and other sessions' tokens are left alone (unlike ``aws sso logout``).
        Returns True if there was a token file.
        """
        try:
            token = self.cache.load_token()
        except LoginRequired:
            token = None  # unreadable: nothing to send, but the user asked to remove it
        existed = self.cache.token_path.exists()
        if token is not None:
            self._server_logout(token)
        self._forget_token()
        return existed

    def end_session(self) -> bool:
        """For ``login --force``: end the IAM Identity Center session at the portal (``POST
        /logout`` with the bearer token, refreshed first if it has expired), so that the next
        login starts a new session instead of joining the browser's current one, then delete
        this session's token file (the registration stays). True when the portal confirmed;
        False when there was no token or the portal could not be reached (the login may
        then join the old session)."""
        try:
            token = self.token()
        except SsoError:
            token = self._previous_token()
        confirmed = token is not None and self._server_logout(token)
        self._forget_token()
        return confirmed

    def _forget_token(self) -> None:
        """Delete this session's token file (under the lock) and the token held in memory."""
        with self.cache.lock():
            self.cache.delete_token()
        with self._memo_lock:
            self._memo = None

    def _server_logout(self, token: Token) -> bool:
        """``sso.Logout`` within LOGOUT_TIMEOUT seconds; True if the portal answered 2xx."""
        region = token.region or self.session.region
        done: list[bool] = []

        def call() -> None:
            try:
                portal = clients.client("sso", region, max_attempts=1)
                portal.logout(accessToken=token.access_token)
                done.append(True)
            except Exception as exc:  # noqa: BLE001 - best effort
                log.debug("sso Logout failed: %s", clients.error_code(exc) or type(exc).__name__)

        worker = threading.Thread(target=call, name="ssotui-logout", daemon=True)
        worker.start()
        worker.join(LOGOUT_TIMEOUT)
        return bool(done)
