"""``ssotui demo``: the whole app against an in-process emulator, with throwaway state.

Nothing touches the user's real AWS config, token cache or ssotui data: every path the app
uses is moved into a temporary directory that is removed on exit, also when the terminal
closes (SIGHUP) or the demo is terminated (SIGTERM). A demo killed outright (SIGKILL) leaves its
directory behind; the next demo removes those of demos that are no longer running (each holds
a ``pid`` file).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import stat
import sys
import tempfile
import time
from pathlib import Path

DEMO_SESSION = "demo"
DEMO_START_URL = "https://d-9067000000.awsapps.com/start"
DEMO_REGION = "us-east-1"
DEMO_PREFIX = "ssotui-demo-"
PID_FILE = "pid"
STALE_WITHOUT_PID_S = 3600.0  # a directory from before pid files, or whose start was cut short


def demo_environment(base_url: str, root: Path, org=None) -> dict[str, str]:
    """The variables that aim boto3 and ssotui at the emulator and at ``root``. With the
    emulator's ``org``, its chained roles become AWS config profiles (role_arn +
    source_profile), so role chaining can be tried too."""
    config = root / "config"
    _write_private(
        config,
        f"[sso-session {DEMO_SESSION}]\n"
        f"sso_start_url = {DEMO_START_URL}\n"
        f"sso_region = {DEMO_REGION}\n"
        "sso_registration_scopes = sso:account:access\n" + _chained_profiles(org),
    )
    return {
        "AWS_ENDPOINT_URL_SSO": base_url,
        "AWS_ENDPOINT_URL_SSO_OIDC": base_url,
        "AWS_ENDPOINT_URL_SIGNIN": base_url,
        "AWS_ENDPOINT_URL_STS": base_url,
        "AWS_CONFIG_FILE": str(config),
        "SSOTUI_SSO_CACHE_DIR": str(root / "sso-cache"),
        "SSOTUI_CACHE_DIR": str(root / "cache"),
        "SSOTUI_DATA_DIR": str(root / "data"),
    }


def run_demo(accounts: int = 120, approve_after: float | None = None, hostile: bool = False) -> int:
    from ssotui.app_factory import make_app
    from ssotui.core.config import load_config
    from ssotui.core.settings import load_settings
    from ssotui.emulator import Emulator

    saved = dict(os.environ)
    app = root = emulator = None
    # The handlers go in first: a hangup at any later point ends in the finally below.
    previous = _exit_on_hangup(lambda: app)
    try:
        root = Path(tempfile.mkdtemp(prefix=DEMO_PREFIX))
        _write_private(root / PID_FILE, f"{os.getpid()}\n")
        remove_stale_demos(root.parent, keep=root)
        emulator = Emulator(accounts=accounts, approve_after=approve_after, hostile=hostile)
        emulator.start()
        os.environ.update(demo_environment(emulator.base_url, root, emulator.org))
        print(
            f"ssotui demo: an emulated organization with {accounts} accounts is serving at "
            f"{emulator.base_url} "
            + (
                f"(it approves the login by itself after {approve_after:g} s)."
                if approve_after is not None
                else "(approve the login on its page)."
            ),
            file=sys.stderr,
        )
        config = load_config()
        app = make_app(config.sessions[DEMO_SESSION], config, load_settings())
        app.run()
        return int(app.return_code or 0)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if emulator is not None:
            emulator.stop()
        os.environ.clear()
        os.environ.update(saved)
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)


def _chained_profiles(org) -> str:
    """``[profile demo-<role>]`` for each chained role of the org whose source is an SSO role,
    beside the SSO profile it starts from (chains of chains follow their source's profile)."""
    if org is None:
        return ""
    text, names = "", {}
    for arn, role in org.chained.items():
        account_id, source_role = role.trusted[0]
        source = org.account(account_id)
        if source is not None:
            sso_profile = f"demo-{source.name}-{source_role}"
            if sso_profile not in names.values():
                text += (
                    f"\n[profile {sso_profile}]\nsso_session = {DEMO_SESSION}\n"
                    f"sso_account_id = {account_id}\nsso_role_name = {source_role}\n"
                )
            names[(account_id, source_role)] = sso_profile
        else:  # trusted by another chained role: its profile
            names[(account_id, source_role)] = f"demo-{source_role}"
        text += f"\n[profile demo-{role.role_name}]\nrole_arn = {arn}\n"
        text += f"source_profile = {names[(account_id, source_role)]}\n"
        if role.external_id:
            text += f"external_id = {role.external_id}\n"
    return text


def _write_private(path: Path, text: str) -> None:
    """A new 0600 file (whatever the umask: it only ever removes bits)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _exit_on_hangup(running_app) -> dict:
    """SIGHUP (terminal closed) and SIGTERM end the demo through its ``finally`` (which
    removes the directory) instead of killing the process where it stands.

    While the app's event loop runs, the signal asks the app to exit (an exception raised
    inside the loop could be swallowed by whatever task it lands in); before and after that,
    it raises SystemExit."""

    def leave(signum, frame) -> None:
        app = running_app()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if app is None or loop is None:
            raise SystemExit(128 + signum)
        loop.call_soon_threadsafe(app.exit, 128 + signum)

    previous = {}
    for signum in (signal.SIGHUP, signal.SIGTERM):
        try:
            previous[signum] = signal.signal(signum, leave)
        except (ValueError, OSError):  # not the main thread, or no such signal here
            pass
    return previous


def remove_stale_demos(directory: Path, keep: Path | None = None) -> list[Path]:
    """Remove the demo directories in ``directory`` that belong to us and whose demo is no
    longer running. Returns what was removed."""
    removed = []
    try:
        candidates = list(directory.glob(DEMO_PREFIX + "*"))
    except OSError:
        return removed
    for path in candidates:
        if keep is not None and path == keep:
            continue
        try:
            info = path.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue  # a symlink, a file, or another user's: never ours to remove
        if _still_running(path, info.st_mtime):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _still_running(path: Path, mtime: float) -> bool:
    try:
        pid = int((path / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return time.time() - mtime < STALE_WITHOUT_PID_S
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, but not ours to signal
    return True
