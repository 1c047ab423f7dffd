"""Favorites and recent picks, per IAM Identity Center session, in ``data_dir()/picks.json``.

The file is small JSON, replaced atomically. A missing or unreadable file is an empty store
(it is a convenience, never a reason to fail).  Rows are keyed by ``(account_id, role_name)``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from ssotui.core import paths
from ssotui.core.config import atomic_write_text
from ssotui.core.models import Assignment

Key = tuple[str, str]
RECENT_CAP = 10
FILE_NAME = "picks.json"
VERSION = 1


@dataclass(frozen=True)
class Picks:
    """Favorites (in pinning order) and recents (most recent first) for one session."""

    favorites: tuple[Key, ...] = ()
    recents: tuple[Key, ...] = ()

    def is_favorite(self, key: Key) -> bool:
        return key in self.favorites

    def toggle_favorite(self, key: Key) -> Picks:
        if key in self.favorites:
            return replace(self, favorites=tuple(k for k in self.favorites if k != key))
        return replace(self, favorites=(*self.favorites, key))

    def record(self, key: Key, cap: int = RECENT_CAP) -> Picks:
        """Move ``key`` to the front of the recents (dropping the oldest beyond ``cap``)."""
        rest = tuple(k for k in self.recents if k != key)
        return replace(self, recents=((key, *rest))[:cap])


def order(rows: Iterable[Assignment], picks: Picks) -> list[Assignment]:
    """Favorites first (by name), then recents (most recent first), then the rest by
    account name, account id and role."""

    def by_name(row: Assignment) -> tuple:
        return (row.account_name.lower(), row.account_name, row.account_id, row.role_name.lower())

    favorites = set(picks.favorites)
    recent_rank = {key: rank for rank, key in enumerate(picks.recents)}
    pinned: list[Assignment] = []
    recent: list[Assignment] = []
    rest: list[Assignment] = []
    for row in rows:
        if row.key in favorites:
            pinned.append(row)
        elif row.key in recent_rank:
            recent.append(row)
        else:
            rest.append(row)
    pinned.sort(key=by_name)
    recent.sort(key=lambda row: recent_rank[row.key])
    rest.sort(key=by_name)
    return pinned + recent + rest


class PickStore:
    """Loads and saves ``Picks`` per session key (``SsoSession.cache_key``)."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path

    @property
    def path(self) -> Path:
        return self._path or paths.data_dir() / FILE_NAME

    def load(self, session_key: str) -> Picks:
        entry = self._read().get(session_key)
        if not isinstance(entry, dict):
            return Picks()
        return Picks(
            favorites=_keys(entry.get("favorites")),
            recents=_keys(entry.get("recents"))[:RECENT_CAP],
        )

    def save(self, session_key: str, picks: Picks) -> None:
        """Replace this session's entry; other sessions' entries are kept as they were."""
        sessions = self._read()
        sessions[session_key] = {
            "favorites": [list(k) for k in picks.favorites],
            "recents": [list(k) for k in picks.recents],
        }
        document = {"version": VERSION, "sessions": sessions}
        paths.private_dir(self.path.parent)
        atomic_write_text(self.path, json.dumps(document, indent=2) + "\n", mode=0o600)

    def _read(self) -> dict:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        sessions = document.get("sessions") if isinstance(document, dict) else None
        return dict(sessions) if isinstance(sessions, dict) else {}


def _keys(value: object) -> tuple[Key, ...]:
    if not isinstance(value, list):
        return ()
    keys: list[Key] = []
    for item in value:
        if (
            isinstance(item, list)
            and len(item) == 2
            and all(isinstance(part, str) for part in item)
            and tuple(item) not in keys
        ):
            keys.append((item[0], item[1]))
    return tuple(keys)
