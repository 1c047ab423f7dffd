"""The SSO token cache shared with the AWS CLI v2 and botocore (``~/.aws/sso/cache``).

Files are read and written byte-compatibly with the AWS CLI (see the protocol reference §4):
the token file is ``sha1(<sso-session name or exact start URL>).json``, the client
registration lives beside it under the CLI's own key. We write atomically (temp file in the
same directory, fsync, ``os.replace``) with mode 0600, and we never write back fewer keys than
we read. The directory is shared: the AWS CLI makes it 0755, and we leave that alone, but we
write only into a real directory of the user's that nobody else can write to. Nothing but the
AWS-format JSON files stays in it (other tools read every file there as JSON). The CLI and
botocore take no locks; :meth:`TokenCache.lock` is an advisory lock, kept in ssotui's own
``<cache dir>/locks``, that at least keeps our own processes and threads from refreshing at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from ssotui.core import locks, paths, timeutil
from ssotui.core.errors import LoginRequired
from ssotui.core.files import atomic_write_text, remove_temp_files, temp_prefix
from ssotui.core.models import SsoSession
from ssotui.core.tokens import Registration, Token

# The key order the AWS CLI v2 and botocore write (protocol reference §4.2).
_TOKEN_KEYS = (
    "startUrl",
    "region",
    "accessToken",
    "expiresAt",
    "clientId",
    "clientSecret",
    "registrationExpiresAt",
    "refreshToken",
)
_READ_ATTEMPTS = 3
_READ_RETRY_DELAY = 0.05

log = logging.getLogger(__name__)
_warn: Callable[[str], None] = log.warning


def set_warning_handler(handler: Callable[[str], None] | None) -> None:
    """Where the one-line warnings of this module go (the CLI prints them on stderr);
    None restores the default, a ``logging`` warning."""
    global _warn
    _warn = handler if handler is not None else log.warning


def _tighten(path: Path, holds: str) -> None:
    """A secret file other users can read or write (another tool's umask, a copy, a restore) is
    made 0600, with one warning saying so. Only the file: the AWS CLI's 0755 directory is fine
    (it lists names, not contents) and is left as it is. Best effort, never raises."""
    try:
        st = os.stat(path)
    except OSError:
        return  # no file: nothing to protect yet
    if not st.st_mode & 0o077 or st.st_uid != os.getuid():
        return
    try:
        os.chmod(path, 0o600)
    except OSError:
        return
    _warn(
        f"{path} ({holds}) was accessible to other users; tightened its permissions "
        f"(file {stat.S_IMODE(st.st_mode):04o} -> 0600)."
    )


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def token_file_name(session: SsoSession) -> str:
    """``sha1(name)`` for an sso-session, ``sha1(start URL)`` for a legacy profile, + ``.json``."""
    return _sha1(session.cache_key) + ".json"


def registration_file_name(session: SsoSession) -> str:
    """The AWS CLI's registration-cache file name (``_registration_cache_key``)."""
    scopes = list(session.configured_scopes) if session.configured_scopes is not None else None
    key = json.dumps(
        {
            "tool": "botocore",
            "startUrl": session.start_url,
            "region": session.region,
            "scopes": scopes,
            "session_name": session.name,
        },
        sort_keys=True,
    )
    return _sha1(key) + ".json"


class _Unreadable(Exception):
    """Internal: the file exists but is not a usable cache entry."""


def _read_json(path: Path) -> dict | None:
    """The parsed JSON object at ``path``; None if missing; ``_Unreadable`` otherwise.

    A JSON decode error is retried a couple of times: the AWS CLI truncates and rewrites in
    place, so another process may be half-way through a write.
    """
    for attempt in range(_READ_ATTEMPTS):
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise _Unreadable(exc.__class__.__name__) from None
        try:
            data = json.loads(text)
        except ValueError:
            if attempt + 1 < _READ_ATTEMPTS:
                time.sleep(_READ_RETRY_DELAY * (attempt + 1))
                continue
            raise _Unreadable("invalid JSON") from None
        if not isinstance(data, dict):
            raise _Unreadable("not a JSON object")
        return data
    raise _Unreadable("invalid JSON")  # pragma: no cover - loop always returns or raises


def _optional_str(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Unreadable(f"{key} is not a string")
    return value


def _optional_time(data: dict, key: str):
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Unreadable(f"{key} is not a timestamp")
    try:
        return timeutil.parse_utc(value)
    except ValueError:
        raise _Unreadable(f"{key} is not a timestamp") from None


def token_from_dict(data: dict) -> Token:
    """Parse a token-file dict. Raises ``_Unreadable`` if a required key is missing or bad."""
    access_token = data.get("accessToken")
    if not isinstance(access_token, str) or not access_token:
        raise _Unreadable("no accessToken")
    expires_at = _optional_time(data, "expiresAt")
    if expires_at is None:
        raise _Unreadable("no expiresAt")
    return Token(
        start_url=_optional_str(data, "startUrl") or "",
        region=_optional_str(data, "region") or "",
        access_token=access_token,
        expires_at=expires_at,
        client_id=_optional_str(data, "clientId"),
        client_secret=_optional_str(data, "clientSecret"),
        registration_expires_at=_optional_time(data, "registrationExpiresAt"),
        refresh_token=_optional_str(data, "refreshToken"),
        extra={k: v for k, v in data.items() if k not in _TOKEN_KEYS},
    )


def token_to_dict(token: Token) -> dict:
    """The AWS CLI's key order; optional keys omitted when None; then other tools' keys."""
    values = {
        "startUrl": token.start_url,
        "region": token.region,
        "accessToken": token.access_token,
        "expiresAt": timeutil.format_utc(token.expires_at),
        "clientId": token.client_id,
        "clientSecret": token.client_secret,
        "registrationExpiresAt": (
            timeutil.format_utc(token.registration_expires_at)
            if token.registration_expires_at is not None
            else None
        ),
        "refreshToken": token.refresh_token,
    }
    out = {key: value for key, value in values.items() if value is not None}
    for key, value in token.extra.items():
        if key not in _TOKEN_KEYS:
            out[key] = value
    return out


class TokenCache:
    """One session's token file and client-registration file."""

    def __init__(
        self,
        session: SsoSession,
        directory: Path | None = None,
        lock_directory: Path | None = None,
    ) -> None:
        self.session = session
        self.directory = Path(directory) if directory is not None else paths.sso_cache_dir()
        self.token_path = self.directory / token_file_name(session)
        self.registration_path = self.directory / registration_file_name(session)
        self.lock_directory = (
            Path(lock_directory) if lock_directory is not None else paths.lock_dir()
        )
        # One lock per token file, wherever the directory is reached from.
        key = _sha1(os.path.join(os.path.realpath(self.directory), self.token_path.name))
        self.lock_path = self.lock_directory / f"{key}.lock"

    def __repr__(self) -> str:
        return f"TokenCache({self.session.label!r}, {str(self.token_path)!r})"

    # -- token ---------------------------------------------------------------------------

    def load_token(self) -> Token | None:
        """The cached token (possibly expired), or None if there is no file.

        An unreadable file raises :class:`LoginRequired` naming the file; it is left as is.
        A file other users can read is tightened first (with a warning).
        """
        _tighten(self.token_path, "your login token")
        try:
            data = _read_json(self.token_path)
            if data is None:
                return None
            return token_from_dict(data)
        except _Unreadable:
            raise LoginRequired(
                f"{self.token_path}: the cached token is unreadable — run `ssotui login`."
            ) from None

    def save_token(self, token: Token) -> None:
        """Write ``token`` exactly as AWS CLI v2 does (one line, its key order, ``…Z`` times)."""
        self._write(self.token_path, json.dumps(token_to_dict(token)))

    def delete_token(self) -> None:
        """Delete the token file, and whatever of ours is left beside it (for logout)."""
        with self.lock():
            with suppress(FileNotFoundError):
                self.token_path.unlink()
            self._remove_leftovers()

    def _write(self, path: Path, text: str) -> None:
        """Write ``text`` to ``path`` atomically with mode 0600, under the lock, into a
        directory that passed :func:`paths.shared_dir`; first remove what killed writes left."""
        with self.lock():
            paths.shared_dir(self.directory)
            self._remove_leftovers()
            atomic_write_text(path, text, mode=0o600)

    def _remove_leftovers(self) -> None:
        """Our temp files for this session (every writer of them holds the lock we hold, so
        any that exist were left by a killed process) and the lock file that earlier versions
        of ssotui kept in this directory. Other tools' files are never touched."""
        for path in (self.token_path, self.registration_path):
            remove_temp_files(self.directory, temp_prefix(path))
        with suppress(OSError):
            old_lock = self.directory / f".ssotui-{self.token_path.stem}.lock"
            if stat.S_ISREG(os.lstat(old_lock).st_mode):
                old_lock.unlink()

    # -- client registration ---------------------------------------------------------------

    def load_registration(self) -> Registration | None:
        """The cached registration, or None if missing or unusable (it can be re-created)."""
        _tighten(self.registration_path, "your client registration")
        try:
            data = _read_json(self.registration_path)
            if data is None:
                return None
            client_id = _optional_str(data, "clientId")
            client_secret = _optional_str(data, "clientSecret")
            expires_at = _optional_time(data, "expiresAt")
            scopes = data.get("scopes")
            grant_types = data.get("grantTypes")
        except _Unreadable:
            return None
        if not client_id or not client_secret or expires_at is None:
            return None
        return Registration(
            client_id=client_id,
            client_secret=client_secret,
            expires_at=expires_at,
            scopes=_str_tuple(scopes),
            grant_types=_str_tuple(grant_types),
        )

    def save_registration(self, registration: Registration) -> None:
        data: dict = {
            "clientId": registration.client_id,
            "clientSecret": registration.client_secret,
            "expiresAt": timeutil.format_utc(registration.expires_at),
        }
        if registration.scopes is not None:
            data["scopes"] = list(registration.scopes)
        if registration.grant_types is not None:
            data["grantTypes"] = list(registration.grant_types)
        self._write(self.registration_path, json.dumps(data))

    # -- locking ---------------------------------------------------------------------------

    def lock(self):
        """Hold the advisory lock for this session's token (re-entrant within a thread).

        Threads of this process and other processes serialise on one lock file in ssotui's own
        lock directory (``<cache dir>/locks/<sha1 of the token file's path>.lock``; 0700,
        checked like every private directory; :func:`locks.held_file`). Nothing is added to
        the shared token cache directory.
        """
        return locks.held_file(self.lock_path)


def _str_tuple(value) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None
