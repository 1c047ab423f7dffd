"""The rows of the merged picker (every configured session in one list, ``--all-sessions``).

Pure Python (no Textual): a :class:`SessionRow` is an assignment that knows its session, keyed
by session too (the same account can be in two sessions); a session that is not logged in is
one login row. Favorites and recents stay per session on disk; in the merged list their keys
carry the session's name (:func:`merged_picks`, :func:`session_picks`).
"""

from __future__ import annotations

from collections.abc import Iterable

from ssotui.core.models import Assignment, SsoSession
from ssotui.core.picks import Picks
from ssotui.core.untrusted import for_terminal

LOGIN_ROLE = "(not logged in)"
"""The role of a session's login row. Not a valid permission-set name, so it never collides."""


class SessionRow(Assignment):
    """A row of one of several sessions: its key and its ``scope`` (what the search's extra
    text and the labels column are looked up by) include the session's name."""

    session: SsoSession | None = None  # a copy made by ``_replace`` has none

    def __new__(cls, row: Assignment, session: SsoSession) -> SessionRow:
        made = super().__new__(cls, *row)
        made.session = session
        return made

    def __getnewargs__(self) -> tuple[Assignment, SsoSession | None]:  # copies keep the session
        return (Assignment(*self), self.session)

    # The same account and role in two sessions are two rows (a reactive that compares the
    # highlighted row must see the change).
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, tuple):
            return NotImplemented
        return tuple.__eq__(self, other) and self.session == getattr(other, "session", None)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash((tuple(self), self.session))

    @property
    def key(self) -> tuple[str, str, str]:  # type: ignore[override]
        label = self.session.label if self.session is not None else ""
        return (self.account_id, self.role_name, label)

    @property
    def scope(self) -> str:
        label = self.session.label if self.session is not None else ""
        return f"{label}\x1f{self.account_id}"


def login_row(session: SsoSession) -> SessionRow:
    """The one row of a session that is not logged in: Enter on it logs in."""
    name = for_terminal(f"{session.label} — not logged in · Enter to log in")
    return SessionRow(Assignment("", name, "", LOGIN_ROLE), session)


def is_login_row(row: Assignment | None) -> bool:
    return row is not None and row.role_name == LOGIN_ROLE and isinstance(row, SessionRow)


def tag(session: SsoSession) -> str:
    """How a row shows and the search finds its session: "@work"."""
    return "@" + for_terminal(session.label)


def merged_picks(per_session: Iterable[tuple[str, Picks]]) -> Picks:
    """One Picks for the merged list: each session's keys with its name added."""
    favorites: list[tuple] = []
    recents: list[tuple] = []
    for label, picks in per_session:
        favorites += [(*key, label) for key in picks.favorites]
        recents += [(*key, label) for key in picks.recents]
    return Picks(favorites=tuple(favorites), recents=tuple(recents))


def session_picks(picks: Picks, label: str) -> Picks:
    """The part of the merged ``picks`` that belongs to session ``label``, keyed as on disk."""
    return Picks(
        favorites=tuple(key[:2] for key in picks.favorites if key[2:] == (label,)),
        recents=tuple(key[:2] for key in picks.recents if key[2:] == (label,)),
    )
