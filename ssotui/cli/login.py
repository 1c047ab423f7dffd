"""Logging in from the command line: the flow choice, the browser login (PKCE) and the device
code, with their instructions on stderr (stdout stays clean for ``credential-process``).

``login``, and every command that has to log in again (``credential-process``, ``console``,
...), go through :func:`log_in`, so they all make the same choice.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime

from ssotui.cli.output import err, local_time
from ssotui.core.errors import SsoError


def requested_flow(args, settings) -> str:
    """The flow asked for: "device" for ``--use-device-code``, "pkce" for
    ``--use-authorization-code``, else the ``login_flow`` setting (default "auto")."""
    if getattr(args, "use_device_code", False):
        return "device"
    if getattr(args, "use_authorization_code", False):
        return "pkce"
    return getattr(settings, "login_flow", None) or "auto"


def redirect_port(args, settings, session) -> int:
    """``--redirect-port``, else the ``redirect_port`` setting, else the session's
    ``sso_redirect_port``, else 0 (a free port)."""
    from ssotui.core.config import validate_port

    flag = getattr(args, "redirect_port", None)
    if flag is not None:
        return validate_port(flag, "--redirect-port")
    setting = getattr(settings, "redirect_port", None)
    if setting:
        return validate_port(setting, "redirect_port (settings)")
    from ssotui.core.config import load_config

    return load_config().redirect_port(session) or 0


def log_in(sso, settings, args=None, *, browser: bool = True) -> None:
    """Log in to ``sso.session`` with the flow :func:`loginflow.choose_flow` picks; says on
    stderr when it falls back to the device code, and why."""
    from ssotui.core.loginflow import PKCE, choose_flow

    requested = requested_flow(args, settings)
    choice = choose_flow(sso.session, os.environ, requested)
    command = choice.browser_command or getattr(settings, "browser_command", None)
    if choice.flow == PKCE:
        port = redirect_port(args, settings, sso.session)
        browser_login(sso, port=port, browser=browser, command=command)
        return
    if requested != "device":
        err(f"Using the device code: {choice.reason}.")
    device_login(sso, browser=browser, command=command)


def logged_out(args, label: str) -> str:
    """Why the user is logged out, and the command that logs in again: for ``login --force``
    when the old session was ended and the new login did not finish."""
    import shlex

    from ssotui.core.untrusted import for_terminal

    command = ["ssotui", "login"]
    for flag, value in (
        ("--sso-session", getattr(args, "sso_session", None)),
        ("--start-url", getattr(args, "start_url", None)),
        ("--sso-region", getattr(args, "sso_region", None)),
    ):
        if value:
            command += [flag, value]
    again = for_terminal(shlex.join(command))
    return (
        f"the old session of {label} was ended, so you are logged out: "
        f"run `{again}` to log in again."
    )


def _open(url: str, command: str | None) -> None:
    from ssotui.core import console

    try:
        console.open_in_browser(url, command)
    except SsoError as exc:
        err(str(exc))


def browser_login(sso, *, port: int = 0, browser: bool = True, command: str | None = None) -> None:
    """The authorization-code (PKCE) login: the page is printed (and opened when there is a
    display); ssotui waits for the browser to come back to its loopback listener."""
    from ssotui.core import console
    from ssotui.core.untrusted import browser_url

    auth = sso.auth
    label = sso.session.label
    login = auth.start_browser_login(redirect_port=port)
    try:
        # The address is built from the endpoint botocore resolved: still, only a web
        # address a browser may be given is shown or opened.
        url = browser_url(login.url)
        if url is None:
            raise SsoError(
                "the login page address is not an https:// URL; not showing or opening it."
            )
        err(f"Log in to {label} ({sso.session.start_url}) in the browser:")
        err(f"Open {url}")
        if browser and console.has_display():
            _open(url, command)
        minutes = max(1, round(login.timeout / 60))
        err(
            f"Waiting for the browser (up to {minutes} min; Ctrl-C to cancel; "
            "--use-device-code if it cannot reach this machine)…"
        )
        token = auth.wait_for_browser_login(login)
    finally:
        login.close()
    if token is None:
        raise SsoError("login cancelled.")
    err(f"Logged in to {label}; the token is valid until {local_time(token.expires_at)}.")


def device_login(sso, *, browser: bool, command: str | None = None) -> None:
    """The device-code login. The user code is printed on a line of its own."""
    from ssotui.core import console
    from ssotui.core.untrusted import browser_url, for_terminal

    auth = sso.auth
    label = sso.session.label
    authorization = auth.start_login()
    # The page and the code come from the network: the page is shown and opened only if it
    # is a web address a browser may be given, the code only as printable text.
    url = browser_url(authorization.verification_uri_complete) or browser_url(
        authorization.verification_uri
    )
    if url is None:
        raise SsoError(
            "the portal sent an approval page address that is not an https:// URL; "
            "not showing or opening it."
        )
    err(f"Log in to {label} ({sso.session.start_url}).")
    err(f"Open {url}")
    err("and check that it shows this code:")
    print(for_terminal(authorization.user_code), file=sys.stderr, flush=True)
    if browser and console.has_display():
        _open(url, command)
    left = authorization.expires_at - datetime.now(authorization.expires_at.tzinfo)
    minutes = max(1, round(left.total_seconds() / 60))
    err(f"Waiting for approval (the code expires in {minutes} min; Ctrl-C to cancel)…")
    token = auth.wait_for_login(authorization)
    if token is None:
        raise SsoError("login cancelled.")
    err(f"Logged in to {label}; the token is valid until {local_time(token.expires_at)}.")
