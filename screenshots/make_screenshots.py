"""Rebuild the screenshots in this directory after changing the UI.

    .venv/bin/python screenshots/make_screenshots.py

Starts the local emulator (a generated demo org), runs the app headless at 120×40 in a
throwaway HOME and writes ``login.svg`` (the browser login), ``login-device.svg`` (after ``d``:
the device code), ``picker.svg``, ``filtered.svg``, ``menu.svg``,
``help.svg``, ``destinations.svg`` and ``details.svg`` next to this script. Nothing reaches
AWS, no browser opens, and no secret is ever on screen: the logins show a fixed page address
and user code, and no token, credential or console URL is displayed by the app.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZE = (120, 40)
ACCOUNTS = 200
START_URL = "https://d-9067000000.awsapps.com/start"
# What the login screen shows instead of the emulator's random code and loopback URL.
SHOWN_CODE = "WXKD-PQRT"
SHOWN_URL = "https://device.sso.us-east-1.amazonaws.com/"
SHOWN_PAGE = (
    "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code"
    "&client_id=ZXhhbXBsZUNsaWVudElkRXhhbXBsZUNsaWVudElk"
    "&redirect_uri=http%3A%2F%2F127.0.0.1%3A43121%2Foauth%2Fcallback"
    "&state=cWhpS3ZtbGJ0cW9hY2t6dXhwZGZ5c2dq&code_challenge_method=S256"
    "&scopes=sso%3Aaccount%3Aaccess&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)
NOW = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)


def isolate(home: Path) -> None:
    """Point everything at a throwaway HOME before the core (and botocore) is imported."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "SSOTUI_")) or name in ("DISPLAY", "WAYLAND_DISPLAY", "TMUX"):
            del os.environ[name]
    os.environ.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(home / ".aws" / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        SSOTUI_CACHE_DIR=str(home / "cache"),
        SSOTUI_DATA_DIR=str(home / "data"),
        SSOTUI_CONFIG_FILE=str(home / "settings.toml"),
        SSOTUI_SSO_CACHE_DIR=str(home / "sso-cache"),
    )


class Clock:
    """A fixed time; after login it reads 42 minutes before the token expires."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def drive(pilot, emulator, clock: Clock, out: Path) -> None:
    from ssotui.tui.picker.screen import PickerScreen
    from ssotui.tui.screens.login import LoginScreen

    app = pilot.app

    async def until(predicate, timeout: float = 30.0) -> None:
        waited = 0.0
        while not predicate():
            if waited > timeout:
                raise SystemExit(f"timed out in {sys._getframe(1).f_code.co_name}")
            await pilot.pause(0.05)
            waited += 0.05

    async def shot(name: str) -> None:
        app.clear_notifications()
        await pilot.pause(0.3)
        path = out / f"{name}.svg"
        path.write_text(app.export_screenshot(title="ssotui"), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")

    await until(lambda: isinstance(app.screen, LoginScreen))
    login = app.screen
    await until(lambda: login.browser_login is not None)
    login.workers.cancel_group(login, "login")
    login.browser_login = dataclasses.replace(
        login.browser_login, url=SHOWN_PAGE, expires_at=NOW + timedelta(minutes=9, seconds=30)
    )
    await shot("login")

    await pilot.press("d")  # the device code instead
    await until(lambda: login.authorization is not None)
    real_code = login.authorization.user_code
    login.workers.cancel_group(login, "login")
    shown = dataclasses.replace(
        login.authorization,
        user_code=SHOWN_CODE,
        verification_uri=SHOWN_URL,
        expires_at=NOW + timedelta(minutes=9, seconds=30),
    )
    login.authorization = shown
    await shot("login-device")

    # Approve the real code, and poll once more to pick up the token.
    emulator.approve(real_code)
    login.authorization = dataclasses.replace(shown, user_code=real_code)
    login.poll(login.authorization)
    await until(lambda: isinstance(app.screen, PickerScreen))
    picker = app.screen
    token = picker.client.auth.cached_token()
    clock.now = token.expires_at - timedelta(minutes=42, seconds=10)
    await until(lambda: picker.loader is not None and not picker.state.loading)
    await shot("picker")

    await pilot.press(*"prod pay")  # the filter has the focus at start
    await shot("filtered")

    await pilot.press("escape", "enter")
    await shot("menu")
    await pilot.press("escape", "escape")

    await pilot.press("f1")
    await shot("help")
    await pilot.press("escape")

    await pilot.press("ctrl+g", *"lo")
    await shot("destinations")
    await pilot.press("escape")

    await pilot.press(*"payments-prod", "down", "escape", "escape", "ctrl+f")
    await shot("details")
    app.exit()


def main() -> int:
    out = HERE
    with tempfile.TemporaryDirectory(prefix="ssotui-screenshots-") as tmp:
        home = Path(tmp)
        isolate(home)
        sys.path.insert(0, str(ROOT))
        from ssotui.emulator import Emulator

        with Emulator(accounts=ACCOUNTS, seed=7) as emulator:
            for name in ("SSO", "SSO_OIDC", "SIGNIN"):
                os.environ[f"AWS_ENDPOINT_URL_{name}"] = emulator.base_url

            from ssotui.app_factory import make_app
            from ssotui.core.config import add_sso_session, load_config
            from ssotui.core.settings import Settings
            from ssotui.tui.services import Services

            @dataclasses.dataclass(frozen=True)
            class BrowserLoginSettings(Settings):
                login_flow: str = "pkce"  # as on a desktop, whatever this machine is

            add_sso_session("demo", START_URL, "us-east-1")
            config = load_config()
            clock = Clock()
            services = dataclasses.replace(
                Services.default(Settings()),
                open_url=lambda url: None,
                copy=lambda text: None,
                run_process=lambda argv, env: 0,
                clock=clock,
                environ={"SHELL": "/bin/sh"},
                cursor_blink=False,
            )
            settings = BrowserLoginSettings()
            app = make_app(config.sessions["demo"], config, settings, services=services)
            app.run(
                headless=True,
                size=SIZE,
                auto_pilot=lambda pilot: drive(pilot, emulator, clock, out),
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
