"""Where things live on disk. Every path is computed when asked (never at import time),
so tests and users can move them with HOME, XDG_* or the variables below."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ssotui.core.errors import UnsafeDirectory

APP_NAME = "ssotui"


def aws_config_file() -> Path:
    """``AWS_CONFIG_FILE`` or ``~/.aws/config``, as every AWS SDK reads it."""
    value = os.environ.get("AWS_CONFIG_FILE")
    return Path(value).expanduser() if value else Path.home() / ".aws" / "config"


def sso_cache_dir() -> Path:
    """The token cache shared with the AWS CLI v2 and botocore: ``~/.aws/sso/cache``.

    The SDKs have no override for it. ``SSOTUI_SSO_CACHE_DIR`` moves *our* copy only; it exists
    so that ``ssotui demo`` never writes a demo token into the user's real cache.
    """
    value = os.environ.get("SSOTUI_SSO_CACHE_DIR")
    if value:
        return Path(value).expanduser()
    return Path.home() / ".aws" / "sso" / "cache"


def cache_dir() -> Path:
    """Our own cache (inventory, no secrets): ``SSOTUI_CACHE_DIR`` or the platform cache dir."""
    value = os.environ.get("SSOTUI_CACHE_DIR")
    if value:
        return Path(value).expanduser()
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    """Favorites and recents: ``SSOTUI_DATA_DIR`` or the platform data dir."""
    value = os.environ.get("SSOTUI_DATA_DIR")
    if value:
        return Path(value).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def settings_file() -> Path:
    """The TOML settings file: ``SSOTUI_CONFIG_FILE`` or ``<config dir>/settings.toml``."""
    value = os.environ.get("SSOTUI_CONFIG_FILE")
    if value:
        return Path(value).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / "settings.toml"


def lock_dir() -> Path:
    """Where ssotui keeps its lock files: ``<cache dir>/locks`` (never in ``~/.aws/sso/cache``,
    where other tools read every file as JSON)."""
    return cache_dir() / "locks"


def make_dirs(path: Path, mode: int = 0o700) -> None:
    """Create ``path`` and every missing parent with ``mode``, set explicitly on each level
    (``mkdir(parents=True)`` gives parents the umask's mode, 0777 under ``umask 000``).
    Levels that already exist are left as they are."""
    missing = []
    level = Path(os.path.abspath(path))
    while not os.path.lexists(level):
        missing.append(level)
        if level.parent == level:
            break
        level = level.parent
    for level in reversed(missing):
        try:
            os.mkdir(level, mode)
        except FileExistsError:
            continue  # made meanwhile by someone else: the caller's check judges it
        fd = os.open(level, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW)
        try:
            os.fchmod(fd, mode)
        finally:
            os.close(fd)


def private_dir(path: Path) -> Path:
    """``path``, created 0700 if missing (each missing level), and verified with ``lstat``: a
    real directory, not a symlink, owned by the caller, with no access for others. A directory of
    ours that others may only read is made 0700; anything else is refused
    (:class:`UnsafeDirectory`, one line saying what to do)."""
    make_dirs(path)
    _check_dir(path, strict=True)
    return path


def shared_dir(path: Path) -> Path:
    """Like :func:`private_dir` for the one directory we share with the AWS CLI
    (``~/.aws/sso/cache``): the CLI makes it 0755 and we leave that mode alone, but it must
    still be a real directory of the caller's that nobody else can write to."""
    make_dirs(path)
    _check_dir(path, strict=False)
    return path


def read_own_file(path: Path, *, tighten: bool = False) -> bytes | None:
    """The bytes of ``path`` if it is a regular file of ours, opened without following a
    symlink; else None (also when it cannot be read). ``tighten``: a file of ours that others
    may read is made 0600 first (it holds secrets)."""
    try:
        fd = os.open(path, os.O_RDONLY | _O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
                return None
            if tighten and info.st_mode & 0o077:
                try:
                    os.fchmod(fd, 0o600)
                except OSError:
                    pass
            return handle.read()
        except OSError:
            return None


def is_private_dir(path: Path) -> bool:
    """Whether ``path`` exists and passes :func:`private_dir`'s checks (it is not created).
    For readers: a cache in a directory someone else controls may have been planted."""
    try:
        _check_dir(path, strict=True)
    except OSError:  # UnsafeDirectory is one
        return False
    return True


def _check_dir(path: Path, *, strict: bool) -> None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise UnsafeDirectory(f"{path} disappeared while ssotui was creating it.") from None
    keep_out = "ssotui keeps secrets only in a directory that is yours alone"
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeDirectory(f"{path} is a symbolic link; {keep_out} (remove the link).")
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeDirectory(f"{path} is not a directory; {keep_out}.")
    if st.st_uid != os.getuid():
        raise UnsafeDirectory(f"{path} belongs to another user (uid {st.st_uid}); {keep_out}.")
    mode = stat.S_IMODE(st.st_mode)
    if _writable_by_others(st):
        wanted = "700" if strict else "755"
        raise UnsafeDirectory(
            f"{path} can be changed by other users (mode {mode:04o}); {keep_out}: "
            f"check what is in it, then run `chmod {wanted} {path}`."
        )
    _check_ancestors(path, keep_out)
    if strict and mode & 0o077:
        os.chmod(path, 0o700)  # ours, only readable by others: nothing can have been put in it


def _check_ancestors(path: Path, keep_out: str) -> None:
    """Every directory above ``path`` (after resolving symlinks) must be ours or root's and
    not writable by others, unless it is sticky (like ``/tmp``): otherwise another user could
    rename ``path`` away and put a directory of theirs in its place."""
    real = Path(os.path.realpath(path))
    for parent in real.parents:
        try:
            st = os.stat(parent)
        except OSError:
            continue
        sticky = bool(st.st_mode & stat.S_ISVTX)  # others can't move what is ours in it
        if st.st_uid not in (os.getuid(), 0):  # its owner can, sticky or not
            raise UnsafeDirectory(
                f"{path} is inside {parent}, which belongs to another user (uid {st.st_uid}); "
                f"{keep_out}."
            )
        if _writable_by_others(st) and not sticky:
            raise UnsafeDirectory(
                f"{path} is inside {parent}, which other users can change "
                f"(mode {stat.S_IMODE(st.st_mode):04o}); {keep_out}."
            )


def _writable_by_others(st: os.stat_result) -> bool:
    """World-writable, or group-writable for a group that is not the user's own private group
    (Debian and Ubuntu give every user a group of their own and umask 002, so the AWS CLI's
    directory is often 0775 there, and nobody else can write to it)."""
    if st.st_mode & 0o002:
        return True
    return bool(st.st_mode & 0o020) and not _own_private_group(st.st_gid)


def _own_private_group(gid: int) -> bool:
    try:
        import grp
        import pwd

        user = pwd.getpwuid(os.getuid())
        group = grp.getgrgid(gid)
    except (ImportError, KeyError):
        return False
    return (
        gid == user.pw_gid and group.gr_name == user.pw_name and set(group.gr_mem) <= {user.pw_name}
    )


def is_safe_parent(path: Path) -> bool:
    """Whether others cannot move or replace entries we create in ``path``: it is a directory
    of ours or root's, and writable only by its owner, or sticky (like ``/tmp``)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode) or st.st_uid not in (os.getuid(), 0):
        return False
    return not _writable_by_others(st) or bool(st.st_mode & stat.S_ISVTX)


def private_temp_dir(prefix: str) -> Path:
    """A new directory only we can use (``mkdtemp``: 0700, a fresh random name), under
    ``XDG_RUNTIME_DIR`` when it is set and safe, else the temp directory."""
    import tempfile  # here, not at the top: credential-process cache hits import this module

    candidates = [os.environ.get("XDG_RUNTIME_DIR") or "", tempfile.gettempdir()]
    for parent in candidates:
        if parent and is_safe_parent(Path(parent)):
            path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
            _check_dir(path, strict=True)
            return path
    raise UnsafeDirectory(
        f"{candidates[-1]} is not a safe place for a private file "
        "(other users could replace what ssotui puts there); set TMPDIR to a directory of yours."
    )


_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
