"""Locks shared between ssotui processes: ``flock`` on a 0600 file in ``paths.lock_dir()``.

The lock directory is verified private (:func:`paths.private_dir`) before a file is opened in
it. Used so that many processes started together (SDKs and IDEs run ``credential_process``
for several profiles at once) make one portal call and share its answer: the first takes the
lock and fetches, the others wait, then find what it saved. Light: no boto3.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager

from ssotui.core import paths

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock between processes
    fcntl = None  # type: ignore[assignment]


def lock_name(*parts: str) -> str:
    """A lock file name for ``parts`` (hashed: names may hold anything)."""
    key = "\n".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha1(key).hexdigest() + ".lock"


@contextmanager
def held(name: str) -> Iterator[None]:
    """Hold the exclusive lock ``<lock dir>/<name>`` (blocks until it is free)."""
    directory = paths.private_dir(paths.lock_dir())
    if fcntl is None:  # pragma: no cover
        yield
        return
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(directory / name, flags, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock
