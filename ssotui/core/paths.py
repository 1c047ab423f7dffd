"""Where things live on disk. Every path is computed when asked (never at import time),
so tests and users can move them with HOME, XDG_* or the variables below."""

from __future__ import annotations

import os
from pathlib import Path

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


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) with mode 0700 for the leaf; tighten it if looser."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
    except OSError:
        pass
    return path
