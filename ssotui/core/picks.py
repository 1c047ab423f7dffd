"""Favorites and recent picks, per IAM Identity Center session, in ``data_dir()/picks.json``.

The file is small JSON, replaced atomically. A missing or unreadable file is an empty store
(it is a convenience, never a reason to fail).  Rows are keyed by ``(account_id, role_name)``.

The ``favorites`` of the settings file are merged in read-only as ``Picks.pinned``
(:func:`pinned_keys` resolves them against the rows); they are never written here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ssotui.core import paths
from ssotui.core.errors import NotFound
from ssotui.core.files import atomic_write_text
from ssotui.core.models import Assignment
from ssotui.core.service import resolve_assignment

Key = tuple[str, str]
RECENT_CAP = 10
FILE_NAME = "picks.json"
VERSION = 1

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Picks:
    """Favorites (in pinning order) and recents (most recent first) for one session, plus
    ``pinned``: the settings file's favorites that match a row (in the file's order), which
    count as favorites but which ``toggle_favorite`` leaves alone and the store never saves."""

    favorites: tuple[Key, ...] = ()
    recents: tuple[Key, ...] = ()
    pinned: tuple[Key, ...] = ()

    def is_favorite(self, key: Key) -> bool:
        return key in self.pinned or key in self.favorites

    def is_pinned(self, key: Key) -> bool:
        """Whether ``key`` is a favorite from the settings file (``f`` cannot unpin it)."""
        return key in self.pinned

    @property
    def favorite_keys(self) -> frozenset[Key]:
        """Every key shown as a favorite: the settings file's and the store's."""
        return frozenset((*self.pinned, *self.favorites))

    def with_pinned(self, pinned: Iterable[Key]) -> Picks:
        pinned = tuple(pinned)
        return self if pinned == self.pinned else replace(self, pinned=pinned)

    def toggle_favorite(self, key: Key) -> Picks:
        """Pin or unpin ``key`` in the store; a settings favorite is left as it is."""
        if key in self.pinned:
            return self
        if key in self.favorites:
            return replace(self, favorites=tuple(k for k in self.favorites if k != key))
        return replace(self, favorites=(*self.favorites, key))

    def record(self, key: Key, cap: int = RECENT_CAP) -> Picks:
        """Move ``key`` to the front of the recents (dropping the oldest beyond ``cap``)."""
        rest = tuple(k for k in self.recents if k != key)
        return replace(self, recents=((key, *rest))[:cap])


def pinned_keys(rows: Sequence[Assignment], specs: Iterable[tuple[str, str]]) -> tuple[Key, ...]:
    """The keys of the rows that the settings favorites ``(ACCOUNT, ROLE)`` name, in the
    order written, resolved as the CLI resolves ``ACCOUNT ROLE``
    (:func:`~ssotui.core.service.resolve_assignment`). Entries that match no row (unknown,
    ambiguous, or not loaded yet) are skipped silently."""
    specs = tuple(specs)
    if not specs:
        return ()
    present = {row.key for row in rows}
    keys: list[Key] = []
    for account, role in specs:
        try:
            key = resolve_assignment(rows, account, role).key
        except NotFound:
            continue
        if key in present and key not in keys:  # an unknown 12-digit id resolves to no row
            keys.append(key)
    return tuple(keys)


def order(rows: Iterable[Assignment], picks: Picks) -> list[Assignment]:
    """The settings file's favorites first (in the file's order), then the other favorites
    (by name), then recents (most recent first), then the rest by account name, account id
    and role."""

    def by_name(row: Assignment) -> tuple:
        return (row.account_name.lower(), row.account_name, row.account_id, row.role_name.lower())

    pin_rank = {key: rank for rank, key in enumerate(picks.pinned)}
    favorites = set(picks.favorites)
    recent_rank = {key: rank for rank, key in enumerate(picks.recents)}
    pinned_rows: list[Assignment] = []
    favorite_rows: list[Assignment] = []
    recent: list[Assignment] = []
    rest: list[Assignment] = []
    for row in rows:
        key = row.key
        if key in pin_rank:
            pinned_rows.append(row)
        elif key in favorites:
            favorite_rows.append(row)
        elif key in recent_rank:
            recent.append(row)
        else:
            rest.append(row)
    pinned_rows.sort(key=lambda row: pin_rank[row.key])
    favorite_rows.sort(key=by_name)
    recent.sort(key=lambda row: recent_rank[row.key])
    rest.sort(key=by_name)
    return pinned_rows + favorite_rows + recent + rest


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

    def save(self, session_key: str, picks: Picks) -> bool:
        """Replace this session's entry; other sessions' entries are kept as they were.

        Best effort, like reading: a directory that is not private (``paths.private_dir``
        refuses it) or a disk error is logged and False returned; the picks stay in memory."""
        sessions = self._read()
        sessions[session_key] = {
            "favorites": [list(k) for k in picks.favorites],
            "recents": [list(k) for k in picks.recents],
        }
        document = {"version": VERSION, "sessions": sessions}
        try:
            paths.private_dir(self.path.parent)
            atomic_write_text(self.path, json.dumps(document, indent=2) + "\n", mode=0o600)
        except OSError as error:  # errors.UnsafeDirectory is one
            log.warning("favorites and recent picks not saved: %s", error)
            return False
        return True

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
