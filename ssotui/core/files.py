"""Writing files so that a reader never sees half of one (the AWS CLI does not lock or
write atomically, so every reader here also retries; see tokencache), and removing the temp
files such a write leaves behind when its process is killed half-way."""

from __future__ import annotations

import os
import stat
import tempfile
import time
from contextlib import suppress
from pathlib import Path

from ssotui.core import paths

STALE_AFTER_S = 60.0
"""A write takes milliseconds: a temp file older than this was left by a killed process."""


def temp_prefix(path: Path) -> str:
    """How the names of :func:`atomic_write_text`'s temp files for ``path`` begin."""
    return f".{path.name}."


def atomic_write_text(path: Path, text: str, mode: int = 0o600) -> None:
    """Replace ``path`` with ``text``: a temp file in the same directory, given ``mode``
    before any byte is written, fsync'd, then ``os.replace``; the directory is fsync'd too
    so the rename survives a crash. Creates missing parent directories 0700 (callers that
    write secrets check theirs first with ``paths.private_dir``)."""
    directory = path.parent
    paths.make_dirs(directory)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=temp_prefix(path), suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


def remove_temp_files(
    directory: Path, prefix: str = ".", *, older_than: float | None = None
) -> int:
    """Delete temp files that :func:`atomic_write_text` left in ``directory``: regular files of
    ours named ``<prefix>*.tmp`` (``prefix`` starts with a dot, see :func:`temp_prefix`), only
    those older than ``older_than`` seconds when it is given. Returns how many; never raises."""
    if not prefix.startswith("."):
        raise ValueError("temp file prefixes start with a dot")
    now = time.time()
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid():
                continue
            if older_than is not None and now - st.st_mtime < older_than:
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed += 1
    return removed


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (best effort; not possible on every platform)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
