"""A small on-disk cache of role credentials for ``ssotui credential-process``.

The SDKs run ``credential_process`` afresh in every new process and do not cache its answer
(protocol reference §5.3), so without this cache every ``aws`` command would pay for a
GetRoleCredentials call. Entries live in ``<cache dir>/credentials/`` (mode 0700), one file per
session × account × role named ``<sha1(session cache key)[:16]>-<sha1(session, account,
role)>.json``; each file holds secrets, so it is written atomically with mode 0600 (a looser
file is tightened on read) and is deleted by ``ssotui logout``, with any temp file a killed
write left (the session prefix tells whose it is; another session's are removed once stale).
Nothing here imports boto3: a cache hit must stay fast.

Many processes asking for the same account and role at once (``credential-process``, ``exec``,
``env``, ``console``, ``shell``) share one GetRoleCredentials: :meth:`CredentialCache.shared`
takes a per-entry lock (:mod:`locks`) and looks at the cache again once it holds it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path

from ssotui.core import paths, timeutil
from ssotui.core.models import RoleCredentials, SsoSession

# botocore re-runs credential_process 15 min (advisory) and 10 min (mandatory) before expiry:
# hand out cached credentials only while more than REUSE_MIN is left, and fetch new ones so
# that they have at least FETCH_MIN left when possible.
REUSE_MIN = timedelta(minutes=10)
FETCH_MIN = timedelta(minutes=15)
_VERSION = 1


def cache_directory() -> Path:
    return paths.cache_dir() / "credentials"


def session_prefix(session: SsoSession) -> str:
    """How the names of this session's entries begin."""
    return hashlib.sha1(session.cache_key.encode("utf-8")).hexdigest()[:16] + "-"


def entry_name(session: SsoSession, account_id: str, role_name: str) -> str:
    key = json.dumps([session.cache_key, account_id, role_name], separators=(",", ":"))
    return session_prefix(session) + hashlib.sha1(key.encode("utf-8")).hexdigest() + ".json"


class CredentialCache:
    """Role credentials of one session, shared between processes through 0600 files."""

    def __init__(
        self,
        session: SsoSession,
        directory: Path | None = None,
        *,
        clock: Callable[[], datetime] = timeutil.utcnow,
        reuse_min: timedelta = REUSE_MIN,
    ) -> None:
        self.session = session
        self.directory = Path(directory) if directory is not None else cache_directory()
        self._clock = clock
        self.reuse_min = reuse_min

    def path(self, account_id: str, role_name: str) -> Path:
        return self.directory / entry_name(self.session, account_id, role_name)

    def load(self, account_id: str, role_name: str) -> RoleCredentials | None:
        """Cached credentials with more than ``reuse_min`` left, else None (never raises)."""
        raw = paths.read_own_file(self.path(account_id, role_name), tighten=True)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            creds = _from_dict(data)
        except (ValueError, KeyError, TypeError):
            return None
        if (
            creds.account_id != account_id
            or creds.role_name != role_name
            or data.get("Session") != self.session.cache_key
        ):
            return None
        if creds.expiration - self._clock() <= self.reuse_min:
            return None
        return creds

    def fresh(self, account_id: str, role_name: str, left: timedelta = FETCH_MIN):
        """Cached credentials with at least ``left`` of their lifetime left, else None."""
        found = self.load(account_id, role_name)
        if found is not None and found.expiration - self._clock() >= left:
            return found
        return None

    @contextmanager
    def lock(self, account_id: str, role_name: str) -> Iterator[None]:
        """Hold the lock of this entry, between processes (``flock`` in the lock directory)."""
        from ssotui.core import locks

        name = entry_name(self.session, account_id, role_name).replace(".json", ".lock")
        with locks.held("credentials-" + name):
            yield

    def shared(
        self,
        account_id: str,
        role_name: str,
        fetch: Callable[[], RoleCredentials],
        left: timedelta = FETCH_MIN,
    ) -> RoleCredentials:
        """Credentials with at least ``left`` left: cached ones, else ``fetch()``ed once for
        every process asking at the same moment (under the entry's lock; the cache is read
        again once the lock is held) and saved."""
        found = self.fresh(account_id, role_name, left)
        if found is not None:
            return found
        with self.lock(account_id, role_name):
            found = self.fresh(account_id, role_name, left)
            if found is not None:
                return found  # another process fetched them while this one waited
            creds = fetch()
            self.save(creds)
            return creds

    def save(self, creds: RoleCredentials) -> None:
        """Write ``creds`` atomically (temp file, fsync, rename) with mode 0600, into a
        verified private directory; temp files that killed writes left are removed first."""
        from ssotui.core.files import (  # a miss only: hits stay light
            STALE_AFTER_S,
            atomic_write_text,
            remove_temp_files,
        )

        paths.private_dir(self.directory)  # 0700, ours, no symlink: the file holds secrets
        remove_temp_files(self.directory, older_than=STALE_AFTER_S)
        data = {
            "Version": _VERSION,
            "Session": self.session.cache_key,
            "AccountId": creds.account_id,
            "RoleName": creds.role_name,
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "SessionToken": creds.session_token,
            "Expiration": timeutil.format_utc(creds.expiration),
        }
        atomic_write_text(self.path(creds.account_id, creds.role_name), json.dumps(data))

    def clear(self) -> int:
        """Delete every cached entry of this session (for logout), this session's temp files
        and other sessions' stale ones; returns how many entries."""
        from ssotui.core.files import STALE_AFTER_S, remove_temp_files

        remove_temp_files(self.directory, "." + session_prefix(self.session))
        remove_temp_files(self.directory, older_than=STALE_AFTER_S)
        removed = 0
        try:
            entries = list(self.directory.glob("*.json"))
        except OSError:
            return 0
        for path in entries:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                mine = isinstance(data, dict) and data.get("Session") == self.session.cache_key
            except (OSError, ValueError):
                mine = False
            if mine:
                with suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
        return removed


def process_json(creds: RoleCredentials) -> str:
    """The ``credential_process`` answer botocore's ProcessProvider expects (§5.3).

    It lives here, not in :mod:`ssotui.core.shell` (which re-exports it as
    ``credential_process_json``), to keep subprocess off the cache-hit path."""
    return json.dumps(
        {
            "Version": 1,
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "SessionToken": creds.session_token,
            "Expiration": timeutil.format_utc(creds.expiration),
        }
    )


def _from_dict(data) -> RoleCredentials:
    if not isinstance(data, dict) or data.get("Version") != _VERSION:
        raise ValueError("not a credential cache entry")
    return RoleCredentials(
        account_id=str(data["AccountId"]),
        role_name=str(data["RoleName"]),
        access_key_id=str(data["AccessKeyId"]),
        secret_access_key=str(data["SecretAccessKey"]),
        session_token=str(data["SessionToken"]),
        expiration=timeutil.parse_utc(str(data["Expiration"])),
    )
