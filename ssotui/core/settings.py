"""User settings from a TOML file (``paths.settings_file()``).

Reading never writes: a missing file means defaults. Every problem (bad TOML, an unknown key,
a value of the wrong type) is a ``ConfigError`` with one line naming the key and the file.

Every key, with its default and what it does, is in ``settings_example.toml`` next to this
module (shipped in the package; :func:`example_text` returns it).
"""

from __future__ import annotations

from collections import namedtuple
from pathlib import Path
from types import MappingProxyType

from ssotui.core import paths
from ssotui.core.config import validate_region
from ssotui.core.errors import ConfigError
from ssotui.core.untrusted import for_terminal

ENTER_ACTIONS = ("menu", "console", "copy_url", "shell", "exports", "portal")
"""What Enter (and a double-click) does on a row: the action menu, or one action directly."""
CONSOLE_MODES = ("federation", "portal")
"""How ``o`` opens the console: a federated sign-in URL made from the role's credentials, or
the access portal's shortcut link (no local credentials; for the console's multi-session mode)."""
LOGIN_FLOWS = ("auto", "pkce", "device")
_BOOLEAN_KEYS = (
    "open_browser_on_login",
    "firefox_containers",
    "refreshing_shell",
    "label_inference",
    "all_sessions",
)
RATE_LIMIT_RANGE = (0.1, 100000.0)
"""``rate_limit`` bounds, both included: outside them (or nan, inf) the loader's arithmetic
overflows or its threads wait for ages. It is the rate the inventory load *starts* at, per
operation; the rate then adapts to the portal (faster while it answers, slower on a 429)."""
LOAD_DEADLINE_RANGE = (1.0, 86400.0)
"""``load_deadline`` bounds in seconds, both included: the longest an inventory load may take
(retrying throttled requests for as long as the portal throttles) before it stops and shows
what arrived."""


_DEFAULTS: dict[str, object] = {
    "enter_action": "menu",
    "default_region": None,
    "default_destination": None,
    "browser_command": None,
    "keymap": MappingProxyType({}),  # binding id -> keys; read-only, shared by every default
    "theme": None,
    "rate_limit": 20.0,
    "load_deadline": 600.0,
    # auto: the browser (PKCE) for an [sso-session], the device code where a browser cannot
    # call back (SSH, containers, CI, no display); pkce or device: always that one.
    "login_flow": "auto",
    "redirect_port": None,  # a fixed loopback port for the browser login (for ``ssh -L``)
    "open_browser_on_login": True,
    "console_mode": "federation",
    "firefox_containers": False,
    "refreshing_shell": False,
    # The picker shows every configured [sso-session] in one list (``--all-sessions``).
    "all_sessions": False,
    # Rows pinned first, in this order: (ACCOUNT, ROLE) with ACCOUNT a 12-digit id or an
    # account name, resolved like the CLI's ``ACCOUNT ROLE`` arguments.
    "favorites": (),
    # Roles reached through an SSO role with sts:AssumeRole (core/chains.py: Chain tuples).
    "chained_roles": (),
    # Labels and the production safety rail (core/labels.py).
    "label_inference": True,
    "account_labels": (),
    "protected": (),
    "path": None,  # the file these settings came from (None for defaults); not compared
}


class Settings(namedtuple("Settings", list(_DEFAULTS), defaults=list(_DEFAULTS.values()))):
    """The user's settings, every key with its default (see ``settings_example.toml``).

    A named tuple, not a dataclass: every warm command reads the settings, and importing
    :mod:`dataclasses` costs more than the rest of its start-up (issue 12, B9). Two settings
    are equal when every key is, wherever they were read from (``path`` is not compared).
    """

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Settings):
            return NotImplemented
        return self[:-1] == other[:-1]

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]  # keymap is a mapping


SETTING_KEYS = tuple(name for name in Settings._fields if name != "path")
"""The keys a settings file may hold."""


def example_text() -> str:
    """The commented example settings file shipped with the package."""
    from importlib.resources import files

    return files("ssotui.core").joinpath("settings_example.toml").read_text(encoding="utf-8")


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file; a missing file gives the defaults."""
    path = path or paths.settings_file()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the settings ({exc.__class__.__name__}).") from None
    if not raw.strip():
        return Settings(path=path)  # an empty file: the defaults, without importing tomllib
    import tomllib  # only when there is a file: a warm command without one skips the import

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}.") from None
    return parse_settings(data, path)


def parse_settings(data: dict, path: Path) -> Settings:
    known = set(SETTING_KEYS)
    for key in data:
        if key not in known:
            choices = ", ".join(sorted(known))
            raise ConfigError(f"{path}: unknown setting {key!r} (known: {choices}).")
    values: dict[str, object] = {"path": path}
    for key, value in data.items():
        values[key] = _check(key, value, path)
    return Settings(**values)  # type: ignore[arg-type]


def _check(key: str, value: object, path: Path) -> object:
    def bad(expected: str) -> ConfigError:
        return ConfigError(f"{path}: {key} must be {expected}, not {value!r}.")

    if key == "enter_action":
        if value not in ENTER_ACTIONS:
            raise bad("one of " + ", ".join(ENTER_ACTIONS))
        return value
    if key == "default_region":
        if not isinstance(value, str):
            raise bad('a region name such as "eu-west-1"')
        return validate_region(value, f"{path}: default_region")
    if key == "default_destination":
        if not isinstance(value, str) or not value.strip():
            raise bad('a console service (e.g. "s3") or an https:// URL')
        return _check_destination(value.strip(), path)
    if key in ("browser_command", "theme"):
        if not isinstance(value, str) or not value.strip():
            raise bad("a non-empty string")
        return value.strip()
    if key == "keymap":
        if not isinstance(value, dict):
            raise bad('a table of binding id = "keys"')
        for binding_id, keys in value.items():
            if not isinstance(keys, str) or not keys.strip():
                raise ConfigError(
                    f'{path}: keymap.{binding_id} must be a key such as "ctrl+o", not {keys!r}.'
                )
        return {str(k): v.replace(" ", "") for k, v in value.items()}
    if key == "rate_limit":
        low, high = RATE_LIMIT_RANGE
        if not _number_within(value, low, high):
            raise bad(f"a positive number of requests per second, from {low:g} to {high:g}")
        return float(value)
    if key == "load_deadline":
        low, high = LOAD_DEADLINE_RANGE
        if not _number_within(value, low, high):
            raise bad(f"a number of seconds from {low:g} to {high:g}")
        return float(value)
    if key == "login_flow":
        if value not in LOGIN_FLOWS:
            raise bad("one of " + ", ".join(LOGIN_FLOWS))
        return value
    if key == "redirect_port":
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
            raise bad("a port number from 1 to 65535")
        return value
    if key == "console_mode":
        if value not in CONSOLE_MODES:
            raise bad("one of " + ", ".join(CONSOLE_MODES))
        return value
    if key in _BOOLEAN_KEYS:
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if key == "favorites":
        return _check_favorites(value, path)
    if key in ("chained_roles", "account_labels", "protected"):
        return _check_tables(key, value, path)
    raise AssertionError(key)  # pragma: no cover - parse_settings filters unknown keys


def _number_within(value: object, low: float, high: float) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and low <= value <= high  # nan fails the comparison too


def _check_favorites(value: object, path: Path) -> tuple[tuple[str, str], ...]:
    """``["ACCOUNT/ROLE", ...]``: split at the last slash (permission-set names have none;
    account names may), both parts non-empty; duplicates are dropped."""
    shape = '"ACCOUNT/ROLE" (a 12-digit account id or an account name, "/", a role name)'
    if not isinstance(value, list):
        raise ConfigError(f"{path}: favorites must be a list of {shape} strings, not {value!r}.")
    pairs: list[tuple[str, str]] = []
    for number, item in enumerate(value, 1):
        account, slash, role = item.rpartition("/") if isinstance(item, str) else ("", "", "")
        account, role = account.strip(), role.strip()
        if not (slash and account and role):
            raise ConfigError(f"{path}: favorites entry {number} must be {shape}, not {item!r}.")
        if (account, role) not in pairs:
            pairs.append((account, role))
    return tuple(pairs)


def _check_tables(key: str, value: object, path: Path) -> tuple:
    """``[[chained_roles]]``, ``[[account_labels]]`` or ``[[protected]]``: a list of tables,
    each with only its known keys, each checked by its own module (chains, labels)."""
    from ssotui.core import chains, labels

    known, check = {
        "chained_roles": (chains.CHAIN_KEYS, chains.check_chain),
        "account_labels": (labels.LABEL_KEYS, labels.check_label_rule),
        "protected": (labels.PROTECT_KEYS, labels.check_protect_rule),
    }[key]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ConfigError(f"{path}: {key} must be [[{key}]] tables.")
    checked = []
    for number, item in enumerate(value, 1):
        at = f"{path}: {key} entry {number}"
        unknown = sorted(set(item) - known)
        if unknown:
            choices = ", ".join(sorted(known))
            raise ConfigError(f"{at}: unknown key {unknown[0]!r} (known: {choices}).")
        checked.append(check(item, at))
    return tuple(checked)


def _check_destination(value: str, path: Path) -> str:
    from ssotui.core.console import SERVICES, is_console_url

    if value.lower().startswith("https://"):
        if not is_console_url(value):
            raise ConfigError(
                f"{path}: default_destination must be a console service or an https:// URL on "
                "the AWS console (console.aws.amazon.com or a host below it), not "
                f"{for_terminal(value)[:100]!r}."
            )
        return value
    if value not in SERVICES:
        raise ConfigError(
            f"{path}: default_destination {value!r} is not a known console service "
            '(use a service shortcut such as "s3" or an https:// URL).'
        )
    return value
