"""``ssotui demo``: the whole app against an in-process emulator, with throwaway state.

Nothing touches the user's real AWS config, token cache or ssotui data: every path the app
uses is moved into a temporary directory that is removed on exit.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

DEMO_SESSION = "demo"
DEMO_START_URL = "https://d-9067000000.awsapps.com/start"
DEMO_REGION = "us-east-1"


def demo_environment(base_url: str, root: Path) -> dict[str, str]:
    """The variables that aim boto3 and ssotui at the emulator and at ``root``."""
    config = root / "config"
    config.write_text(
        f"[sso-session {DEMO_SESSION}]\n"
        f"sso_start_url = {DEMO_START_URL}\n"
        f"sso_region = {DEMO_REGION}\n"
        "sso_registration_scopes = sso:account:access\n"
    )
    return {
        "AWS_ENDPOINT_URL_SSO": base_url,
        "AWS_ENDPOINT_URL_SSO_OIDC": base_url,
        "AWS_ENDPOINT_URL_SIGNIN": base_url,
        "AWS_CONFIG_FILE": str(config),
        "SSOTUI_SSO_CACHE_DIR": str(root / "sso-cache"),
        "SSOTUI_CACHE_DIR": str(root / "cache"),
        "SSOTUI_DATA_DIR": str(root / "data"),
    }


def run_demo(
    accounts: int = 120, approve_after: float | None = None, hostile: bool = False
) -> int:
    from ssotui.cli import make_app
    from ssotui.core.config import load_config
    from ssotui.core.settings import load_settings
    from ssotui.emulator import Emulator

    root = Path(tempfile.mkdtemp(prefix="ssotui-demo-"))
    emulator = Emulator(accounts=accounts, approve_after=approve_after, hostile=hostile).start()
    saved = dict(os.environ)
    try:
        os.environ.update(demo_environment(emulator.base_url, root))
        print(
            f"ssotui demo: an emulated organization with {accounts} accounts is serving at "
            f"{emulator.base_url} (approve the login on its page).",
            file=sys.stderr,
        )
        config = load_config()
        app = make_app(config.sessions[DEMO_SESSION], config, load_settings())
        app.run()
        return int(app.return_code or 0)
    finally:
        emulator.stop()
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(root, ignore_errors=True)
