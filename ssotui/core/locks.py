"""Locks shared between ssotui processes and threads: ``flock`` on a 0600 file in
``paths.lock_dir()`` (or another private directory of ours), plus a thread lock per file.

The directory is verified private (:func:`paths.private_dir`) before a file is opened in it.
Used so that many processes started together (SDKs and IDEs run ``credential_process``
for several profiles at once) make one portal call and share its answer: the first takes the
lock and fetches, the others wait, then find what it saved; and so that the token cache's
threads and processes never refresh at once. Light: no boto3.

:func:`held_file` is the one primitive: threads of this process serialise on a re-entrant lock
keyed by the file's path, and the process holds one ``flock`` on it while any of its threads
does, so a thread may take a lock it already holds (the token cache's refresh does).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ssotui.core import paths

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: threads only, no lock between processes
    fcntl = None  # type: ignore[assignment]


def lock_name(*parts: str) -> str:
    """A lock file name for ``parts`` (hashed: names may hold anything)."""
    key = "\n".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha1(key).hexdigest() + ".lock"


@contextmanager
def held(name: str) -> Iterator[None]:
    """Hold the exclusive lock ``<lock dir>/<name>`` (blocks until it is free)."""
    with held_file(paths.lock_dir() / name):
        yield


class _FileLock:
    """The state of one lock file in this process: who holds it, how deeply, and the
    descriptor that holds the ``flock``."""

    __slots__ = ("thread_lock", "depth", "fd")

    def __init__(self) -> None:
        self.thread_lock = threading.RLock()
        self.depth = 0
        self.fd: int | None = None


_registry_guard = threading.Lock()
_registry: dict[str, _FileLock] = {}


def _file_lock(path: Path) -> _FileLock:
    key = os.path.abspath(path)
    with _registry_guard:
        found = _registry.get(key)
        if found is None:
            found = _registry[key] = _FileLock()
        return found


@contextmanager
def held_file(path: Path) -> Iterator[None]:
    """Hold the exclusive lock on the file ``path`` (blocks until it is free; re-entrant
    within a thread). Its directory is created or checked private when the lock is taken."""
    state = _file_lock(path)
    with state.thread_lock:
        if state.depth == 0:
            state.fd = _flock(path)
        state.depth += 1
        try:
            yield
        finally:
            state.depth -= 1
            if state.depth == 0 and state.fd is not None:
                fd, state.fd = state.fd, None
                try:
                    if fcntl is not None:
                        fcntl.flock(fd, fcntl.LOCK_UN)
                finally:
                    os.close(fd)


def _flock(path: Path) -> int | None:
    """Open ``path`` (0600, created if missing, never through a symlink) in a private
    directory and ``flock`` it; the descriptor, or None where there is no ``flock``."""
    paths.private_dir(path.parent)
    if fcntl is None:  # pragma: no cover
        return None
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    return fd
