"""Role credentials the portal hands out, and the console federation endpoint that accepts
them (``/federation?Action=getSigninToken`` then ``Action=login``)."""

from __future__ import annotations

import json
import secrets
import string
import threading
import time
from dataclasses import dataclass

from . import pages
from .state import random_string, same_secret

KEY_ALPHABET = string.ascii_uppercase + string.digits
SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"
SIGNIN_TOKEN_TTL = 900.0  # a login URL is valid for 15 minutes
TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"


@dataclass
class Creds:
    access_key_id: str
    secret: str
    token: str
    account_id: str
    role: str
    expires_at: float
    chained: bool = False  # from sts:AssumeRole with role credentials (at most 1 h)


class Federation:
    def __init__(self, knobs) -> None:
        self.knobs = knobs
        self.lock = threading.Lock()
        self.creds: dict[str, Creds] = {}  # by access key id
        self.signin_tokens: dict[str, tuple[str, str, float]] = {}  # -> account, role, issued

    def issue_credentials(
        self, account_id: str, role: str, *, chained: bool = False, ttl: float | None = None
    ) -> dict:
        creds = Creds(
            access_key_id="ASIAEMU" + random_string(KEY_ALPHABET, 13),
            secret=random_string(SECRET_ALPHABET, 40),
            token=random_string(SECRET_ALPHABET, 356),
            account_id=account_id,
            role=role,
            expires_at=time.time() + float(self.knobs.credentials_ttl if ttl is None else ttl),
            chained=chained,
        )
        with self.lock:
            self.creds[creds.access_key_id] = creds
        return {
            "accessKeyId": creds.access_key_id,
            "secretAccessKey": creds.secret,
            "sessionToken": creds.token,
            "expiration": int(creds.expires_at * 1000),
        }

    def caller(self, access_key_id: str, session_token: object) -> Creds | None:
        """The unexpired credentials this emulator issued with this key and session token."""
        with self.lock:
            creds = self.creds.get(access_key_id)
        if creds is None or not same_secret(creds.token, session_token):
            return None
        return creds if time.time() < creds.expires_at else None

    def is_chained(self, session: object) -> bool:
        if not isinstance(session, dict):
            return False
        with self.lock:
            creds = self.creds.get(str(session.get("sessionId")))
        return creds is not None and creds.chained

    def signin_token(self, session: dict) -> str | None:
        """A sign-in token for credentials this emulator issued that are still valid."""
        with self.lock:
            creds = self.creds.get(str(session.get("sessionId")))
            if (
                creds is None
                or not same_secret(creds.secret, session.get("sessionKey"))
                or not same_secret(creds.token, session.get("sessionToken"))
                or time.time() >= creds.expires_at
            ):
                return None
            token = secrets.token_urlsafe(180)
            self.signin_tokens[token] = (creds.account_id, creds.role, time.time())
            return token

    def login(self, signin_token: str) -> tuple[str, str] | None:
        with self.lock:
            found = self.signin_tokens.get(signin_token)
        if found is None or time.time() - found[2] > SIGNIN_TOKEN_TTL:
            return None
        return found[0], found[1]

    def handle(self, params: dict[str, str], org) -> tuple[int, str, bytes]:
        """Answer ``/federation`` (GET query or POST form): (status, content type, body)."""
        action = params.get("Action", "")
        if action == "getSigninToken":
            return self._get_signin_token(params)
        if action == "login":
            return self._login(params, org)
        return 400, TEXT, b"Invalid Action parameter\n"

    def _get_signin_token(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        duration = params.get("SessionDuration")
        if duration is not None:
            try:
                seconds = int(duration)
            except ValueError:
                seconds = -1
            if not 900 <= seconds <= 43200:
                return 400, TEXT, b"Invalid SessionDuration parameter\n"
        try:
            session = json.loads(params.get("Session", ""))
        except ValueError:
            session = None
        if duration is not None and self.is_chained(session):
            # As AWS: a console session from role chaining cannot ask for a duration.
            return 400, TEXT, b"SessionDuration is not supported for role chaining credentials\n"
        token = self.signin_token(session) if isinstance(session, dict) else None
        if token is None:
            return 400, TEXT, b"Invalid credentials parameter\n"
        return 200, "application/json", json.dumps({"SigninToken": token}).encode()

    def _login(self, params: dict[str, str], org) -> tuple[int, str, bytes]:
        found = self.login(params.get("SigninToken", ""))
        if found is None:
            return 400, TEXT, b"Invalid SigninToken parameter (unknown or expired)\n"
        account_id, role = found
        account = org.account(account_id)
        body = pages.login_page(
            org.name,
            account.name if account else "unknown",
            account_id,
            role,
            params.get("Destination", ""),
            params.get("Issuer", ""),
        )
        return 200, HTML, body
