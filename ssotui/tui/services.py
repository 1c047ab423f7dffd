"""The boundaries between the app and the outside world, in one small object tests replace.

Everything that opens a browser, touches the clipboard, runs a process or reads the time goes
through :class:`Services`; the default instance uses the real core. A test passes its own
(``Services.default(settings)`` with a few fields replaced via ``dataclasses.replace``).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ssotui.core import paths, timeutil
from ssotui.core.errors import SsoError
from ssotui.core.picks import PickStore
from ssotui.core.settings import Settings

if TYPE_CHECKING:
    from ssotui.core.models import SsoSession
    from ssotui.core.service import SsoClient


@dataclass
class Services:
    client_factory: Callable[[SsoSession], SsoClient]
    """Build the core facade for a session (no network)."""
    open_url: Callable[[str], None]
    """Open a URL in the user's browser. Called from a worker thread."""
    copy: Callable[[str], None]
    """Put text on the clipboard. Called from a worker thread."""
    run_process: Callable[[Sequence[str], Mapping[str, str]], int]
    """Run an interactive process (the subshell) in the foreground; returns its exit status."""
    clock: Callable[[], datetime]
    """The current time (UTC) for countdowns; tests fix it."""
    environ: Mapping[str, str]
    """The environment the app was started with (TMUX, DISPLAY, SHELL, ...)."""
    tmux_new_window: Callable[[str, Sequence[str], Mapping[str, str]], None]
    """Open ``argv`` in a new tmux window named ``name`` with ``env`` exported in it."""
    picks: PickStore = field(default_factory=PickStore)
    """Where favorites and recents live."""
    cursor_blink: bool = True
    """Blinking input cursors (snapshot tests switch it off)."""

    @classmethod
    def default(cls, settings: Settings | None = None) -> Services:
        settings = settings or Settings()

        def client_factory(session: SsoSession) -> SsoClient:
            from ssotui.core.service import SsoClient

            return SsoClient(session, rate_limit=settings.rate_limit)

        def open_url(url: str) -> None:
            from ssotui.core.console import open_in_browser

            open_in_browser(url, command=settings.browser_command)

        def copy(text: str) -> None:
            from ssotui.core.console import copy_to_clipboard

            copy_to_clipboard(text)

        def run_process(argv: Sequence[str], env: Mapping[str, str]) -> int:
            from ssotui.core import shell

            return shell.run(list(argv), dict(env))

        return cls(
            client_factory=client_factory,
            open_url=open_url,
            copy=copy,
            run_process=run_process,
            clock=timeutil.utcnow,
            environ=os.environ,
            tmux_new_window=tmux_new_window,
        )


def has_display(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Can a browser be opened here? On Linux and the BSDs only with X11, Wayland or $BROWSER
    (an SSH session usually has none of them)."""
    if platform.startswith(("darwin", "win", "cygwin")):
        return True
    return any(environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"))


def env_script(env: Mapping[str, str], base: Mapping[str, str]) -> str:
    """POSIX shell lines that turn ``base`` into ``env``: ``export`` what is new or changed and
    ``unset`` what ``env`` dropped (e.g. AWS_PROFILE)."""
    lines = [f"unset {name}" for name in sorted(base) if name not in env and _is_name(name)]
    lines += [
        f"export {name}={shlex.quote(value)}"
        for name, value in sorted(env.items())
        if base.get(name) != value and _is_name(name)
    ]
    return "\n".join(lines) + "\n"


def _is_name(name: str) -> bool:
    return name.replace("_", "a").isalnum() and not name[:1].isdigit()


def tmux_new_window(name: str, argv: Sequence[str], env: Mapping[str, str]) -> None:
    """``tmux new-window -n NAME`` running ``argv`` with ``env``, keeping secrets out of argv.

    A new tmux window gets the tmux *server's* environment, not ours, and ``-e K=V`` would put
    the credentials on a command line anyone can read in ``ps``. So the variables go into a
    0600 file in a 0700 directory, which the window's shell sources and deletes before it
    ``exec``s the shell. If tmux fails to start the window, we delete the file ourselves.
    """
    directory = paths.private_dir(Path(tempfile.gettempdir()) / f"ssotui-{os.getuid()}")
    fd, script = tempfile.mkstemp(dir=directory, prefix="env-", suffix=".sh")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(env_script(env, os.environ))
        quoted = shlex.quote(script)
        command = f". {quoted}; rm -f {quoted}; exec {shlex.join(argv)}"
        result = subprocess.run(
            ["tmux", "new-window", "-n", name, command],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as error:
        _unlink(script)
        raise SsoError(f"cannot run tmux: {error.strerror or error}.") from None
    except BaseException:
        _unlink(script)
        raise
    if result.returncode != 0:
        _unlink(script)
        detail = (result.stderr or "").strip().splitlines()
        raise SsoError("tmux could not open a new window" + (f": {detail[-1]}" if detail else "."))


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
