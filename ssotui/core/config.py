"""Reading (and carefully appending to) the AWS config file.

Sessions come from ``[sso-session NAME]`` sections and from legacy profiles that carry
``sso_start_url`` directly. Parsing follows botocore: a ``RawConfigParser`` without
interpolation, so a file botocore accepts we accept, and a file it rejects we reject with
one line naming the file and the problem.
"""

from __future__ import annotations

import configparser
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from ssotui.core import paths
from ssotui.core.errors import ConfigError
from ssotui.core.models import DEFAULT_SCOPES, SsoSession
from ssotui.core.untrusted import is_region

_SESSION_NAME_RE = re.compile(r"[A-Za-z0-9_.\-]+")


class AwsConfig:
    """What we read from the AWS config: named sso-sessions and legacy start URLs.

    ``redirect_ports``: the ``sso_redirect_port`` of an [sso-session] (the browser login's
    fixed callback port, for SSH -L forwarding; as in the AWS CLI), by session name."""

    def __init__(
        self,
        path: Path,
        sessions: dict[str, SsoSession] | None = None,
        legacy: list[SsoSession] | None = None,
        exists: bool = True,
        redirect_ports: dict[str, int] | None = None,
        profiles: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.path = path
        self.sessions = {} if sessions is None else sessions
        self.legacy = [] if legacy is None else legacy
        self.exists = exists
        self.redirect_ports = {} if redirect_ports is None else redirect_ports
        # Every [profile NAME] (and [default]) as read, for role chains (core/chains.py).
        self.profiles = {} if profiles is None else profiles

    def __repr__(self) -> str:
        return f"AwsConfig({str(self.path)!r}, sessions={sorted(self.sessions)!r})"

    def redirect_port(self, session: SsoSession) -> int | None:
        """The configured callback port for ``session``, None when not set."""
        return self.redirect_ports.get(session.name) if session.name is not None else None

    @property
    def all_sessions(self) -> list[SsoSession]:
        return list(self.sessions.values()) + self.legacy


def validate_start_url(url: str, where: str = "", *, to_write: bool = False) -> str:
    """``url`` without surrounding blanks if it is an ``https://`` URL. ``to_write``: it is
    going into the AWS config, so it must also be printable ASCII without blanks (botocore reads
    the file in the locale's encoding, and a line break would start a new line of the file)."""
    url = url.strip()
    parts = urlsplit(url)
    prefix = f"{where}: " if where else ""
    if parts.scheme != "https" or not parts.netloc:
        raise ConfigError(f"{prefix}the start URL must be an https:// URL, not {url!r}.")
    if to_write and not (url.isascii() and url.isprintable() and " " not in url):
        raise ConfigError(
            f"{prefix}the start URL must be plain ASCII without spaces (the AWS CLI reads the "
            f"config file as ASCII), not {url!r}."
        )
    return url


def validate_region(region: str, where: str = "") -> str:
    region = region.strip()
    prefix = f"{where}: " if where else ""
    if not is_region(region):
        raise ConfigError(f"{prefix}{region!r} is not an AWS region (expected e.g. us-east-1).")
    return region


def validate_port(value: str | int, where: str = "") -> int:
    """A TCP port from 1 to 65535 (``sso_redirect_port``, ``--redirect-port``)."""
    prefix = f"{where}: " if where else ""
    try:
        port = int(str(value).strip())
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise ConfigError(f"{prefix}{str(value)!r} is not a port (expected 1-65535).")
    return port


def _split_scopes(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    scopes = tuple(s.strip() for s in value.split(",") if s.strip())
    return scopes or None


def load_config(path: Path | None = None) -> AwsConfig:
    """Parse the AWS config. A missing file is an empty config, not an error."""
    path = path or paths.aws_config_file()
    parser = configparser.RawConfigParser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return AwsConfig(path=path, exists=False)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path}: cannot read the AWS config ({exc.__class__.__name__})."
        ) from exc
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        first = str(exc).splitlines()[0].rstrip(".")
        raise ConfigError(f"{path}: the AWS config is malformed: {first}.") from None

    config = AwsConfig(path=path)
    seen_legacy: set[tuple[str, str]] = set()
    for section in parser.sections():
        values = dict(parser.items(section))
        if section.startswith("sso-session "):
            name = section[len("sso-session ") :].strip()
            where = f"{path} [sso-session {name}]"
            start_url = values.get("sso_start_url")
            region = values.get("sso_region")
            if not start_url or not region:
                missing = "sso_start_url" if not start_url else "sso_region"
                raise ConfigError(f"{where}: {missing} is missing.")
            configured = _split_scopes(values.get("sso_registration_scopes"))
            config.sessions[name] = SsoSession(
                name=name,
                start_url=validate_start_url(start_url, where),
                region=validate_region(region, where),
                scopes=configured or DEFAULT_SCOPES,
                configured_scopes=configured,
            )
            if values.get("sso_redirect_port"):
                config.redirect_ports[name] = validate_port(
                    values["sso_redirect_port"], f"{where} sso_redirect_port"
                )
        elif section == "default" or section.startswith("profile "):
            config.profiles[section.removeprefix("profile ").strip()] = values
            if "sso_start_url" in values and "sso_session" not in values:
                where = f"{path} [{section}]"
                region = values.get("sso_region")
                if not region:
                    raise ConfigError(f"{where}: sso_region is missing.")
                key = (values["sso_start_url"].strip(), region.strip())
                if key in seen_legacy:
                    continue
                seen_legacy.add(key)
                config.legacy.append(
                    SsoSession(
                        name=None,
                        start_url=validate_start_url(key[0], where),
                        region=validate_region(key[1], where),
                    )
                )
    return config


def resolve_session(
    config: AwsConfig,
    sso_session: str | None = None,
    start_url: str | None = None,
    region: str | None = None,
) -> SsoSession | None:
    """Pick the session the user asked for.

    ``--start-url`` (with ``--sso-region``, or a legacy profile that names that URL) wins; then
    ``--sso-session``; then the only configured sso-session (or the only legacy start URL).
    Returns None when several are configured and none was chosen (the UI offers a chooser).
    """
    if start_url:
        url = validate_start_url(start_url, "--start-url")
        if region:
            region = validate_region(region, "--sso-region")
            return SsoSession(name=None, start_url=url, region=region)
        for legacy in config.legacy:
            if legacy.start_url == url:
                return legacy
        for session in config.sessions.values():
            if session.start_url == url:
                return SsoSession(name=None, start_url=url, region=session.region)
        raise ConfigError("--start-url needs --sso-region (the IAM Identity Center region).")
    if region and not sso_session:
        raise ConfigError("--sso-region needs --start-url.")
    if sso_session:
        session = config.sessions.get(sso_session)
        if session is None:
            known = ", ".join(sorted(config.sessions)) or "none"
            raise ConfigError(
                f"{config.path}: there is no [sso-session {sso_session}] (configured: {known})."
            )
        return session
    if len(config.sessions) == 1:
        return next(iter(config.sessions.values()))
    if not config.sessions and len(config.legacy) == 1:
        return config.legacy[0]
    return None


def require_session(config: AwsConfig, **choice: str | None) -> SsoSession:
    """Like resolve_session, but a missing choice is an error with advice (for the CLI)."""
    session = resolve_session(config, **choice)
    if session is not None:
        return session
    if config.sessions or config.legacy:
        names = ", ".join(sorted(config.sessions)) or "legacy profiles only"
        raise ConfigError(
            f"several IAM Identity Center sessions are configured ({names}): "
            "choose one with --sso-session NAME."
        )
    raise ConfigError(
        f"no [sso-session] in {config.path}: add one, run `ssotui` to create it, "
        "or pass --start-url URL --sso-region R."
    )


def add_sso_session(name: str, start_url: str, region: str, path: Path | None = None) -> Path:
    """Append an ``[sso-session NAME]`` section, leaving every other byte of the file as it was.

    The file is replaced atomically and keeps its mode (0600 for a new file); a symlinked
    config is written through the link (the link stays, its target changes). What is written
    is ASCII, as the AWS CLI reads the file in the locale's encoding.
    """
    path = path or paths.aws_config_file()
    if not _SESSION_NAME_RE.fullmatch(name):
        raise ConfigError(f"{name!r} is not a valid sso-session name (letters, digits, - _ .).")
    start_url = validate_start_url(start_url, to_write=True)
    region = validate_region(region)
    existing = load_config(path)
    if name in existing.sessions:
        raise ConfigError(f"{path}: [sso-session {name}] already exists.")
    target = written_path(path)
    try:
        old = target.read_text(encoding="utf-8")
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        old, mode = "", 0o600
    block = (
        f"[sso-session {name}]\n"
        f"sso_start_url = {start_url}\n"
        f"sso_region = {region}\n"
        "sso_registration_scopes = sso:account:access\n"
    )
    sep = "" if not old else ("\n" if old.endswith("\n") else "\n\n")
    if old and not old.endswith("\n\n") and sep == "\n":
        sep = "\n"
    from ssotui.core.files import atomic_write_text  # writing only: reading stays light

    atomic_write_text(target, old + sep + block, mode=mode)
    return path


def written_path(path: Path) -> Path:
    """The file to replace when writing ``path``: its target if it is a symlink (replacing the
    link itself would leave the real file unchanged and the link gone), else ``path``."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path
