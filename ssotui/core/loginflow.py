"""Which login to run: the browser's authorization-code flow (PKCE) or the device code.

As in the AWS CLI v2, an ``[sso-session]`` logs in with PKCE and a legacy start-URL profile
with the device code. PKCE needs a browser on this machine that can reach its loopback
address, so the device code is chosen by itself where that is unlikely: an SSH session, a
container or codespace, CI, or no display. ``--use-device-code`` / ``--use-authorization-code``
(or the ``login_flow`` setting) decide instead; with a fixed redirect port and ``ssh -L``
forwarding, PKCE works over SSH too.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ssotui.core.errors import ConfigError
from ssotui.core.models import SsoSession

PKCE, DEVICE = "pkce", "device"
REQUESTS = ("auto", PKCE, DEVICE)


@dataclass(frozen=True)
class FlowChoice:
    """``flow``: "pkce" or "device". ``reason``: a few words for the user ("an SSH
    session"). ``browser_command``: a command to open the browser with ("wslview" on WSL when
    it is installed), or None for the usual browser."""

    flow: str
    reason: str
    browser_command: str | None = None


def _set(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def in_wsl(environ: Mapping[str, str]) -> bool:
    return bool(environ.get("WSL_DISTRO_NAME") or environ.get("WSL_INTEROP"))


def choose_flow(
    session: SsoSession,
    environ: Mapping[str, str] | None = None,
    requested: str | None = None,
    *,
    platform: str = sys.platform,
    exists: Callable[[str], bool] = os.path.exists,
    which: Callable[[str], str | None] = shutil.which,
) -> FlowChoice:
    """The flow for ``session``. ``requested``: None or "auto" (decide from ``environ``),
    "pkce" or "device" (a flag or the ``login_flow`` setting). A legacy start-URL profile
    always gets the device code, as in the AWS CLI."""
    from ssotui.core import console

    environ = os.environ if environ is None else environ
    requested = (requested or "auto").strip().lower()
    if requested not in REQUESTS:
        raise ConfigError(f"the login flow must be auto, pkce or device, not {requested!r}.")
    browser = "wslview" if in_wsl(environ) and which("wslview") else None
    if session.name is None:
        return FlowChoice(DEVICE, "a legacy start-URL profile (as in the AWS CLI)", browser)
    if requested == DEVICE:
        return FlowChoice(DEVICE, "the device code was asked for", browser)
    if requested == PKCE:
        return FlowChoice(PKCE, "the browser login was asked for", browser)
    if any(environ.get(name) for name in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY")):
        return FlowChoice(DEVICE, "an SSH session (the browser cannot reach this machine)")
    if (
        exists("/.dockerenv")
        or exists("/run/.containerenv")
        or _set(environ, "CODESPACES")
        or _set(environ, "CLOUD_SHELL")
        or environ.get("AWS_EXECUTION_ENV", "") == "CloudShell"
        or _set(environ, "REMOTE_CONTAINERS")
    ):
        return FlowChoice(DEVICE, "a container (the browser cannot reach it)")
    if _set(environ, "CI"):
        return FlowChoice(DEVICE, "CI (no browser)")
    if browser is None and not console.has_display(environ, platform):
        return FlowChoice(DEVICE, "no display to open a browser on")
    return FlowChoice(PKCE, "the browser login (as in the AWS CLI)", browser)
