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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ssotui.core import paths, timeutil
from ssotui.core.errors import SsoError
from ssotui.core.picks import PickStore
from ssotui.core.settings import Settings
from ssotui.core.untrusted import for_terminal

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

            return SsoClient(
                session,
                rate_limit=settings.rate_limit,
                load_deadline=settings.load_deadline,
            )

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


# The window's command: /bin/sh (not tmux's default-shell, which may be fish or anything)
# sources the 0600 file named by $1, deletes it and its private directory, then execs the rest
# of its arguments. No text from the portal or the environment is ever parsed by a shell here.
WINDOW_SCRIPT = '. "$1"; rm -f -- "$1"; rmdir -- "${1%/*}" 2>/dev/null; shift; exec "$@"'


def tmux_window_name(name: str) -> str:
    """``name`` as tmux shows it literally: control characters made harmless and ``#``
    doubled (tmux expands ``#{...}`` and ``#(...)`` formats in window names)."""
    return for_terminal(name).replace("#", "##")


def tmux_word(word: str) -> str:
    """``word`` as tmux passes it on unchanged: tmux ends a command at any argument that ends
    with ``;`` (and turns a final ``\\;`` into ``;``), so a final ``;`` gets a backslash."""
    return word[:-1] + "\\;" if word.endswith(";") else word


def tmux_new_window(name: str, argv: Sequence[str], env: Mapping[str, str]) -> None:
    """``tmux new-window -n NAME`` running ``argv`` with ``env``, keeping secrets out of argv.

    A new tmux window gets the tmux *server's* environment, not ours, and ``-e K=V`` would put
    the credentials on a command line anyone can read in ``ps``. So the variables go into a
    0600 file in a fresh private directory (``mkdtemp`` under ``XDG_RUNTIME_DIR`` or the temp
    directory, never a predictable name), which the window's ``/bin/sh`` sources and deletes
    before it ``exec``s ``argv``. The command reaches tmux as separate words after ``--``, so
    tmux runs it directly, not through its default-shell. If tmux fails to start the window,
    we delete the file ourselves.
    """
    try:
        directory = paths.private_temp_dir("ssotui-")
    except SsoError:
        raise  # not a private place: one line saying why
    except OSError as error:
        raise SsoError(
            f"cannot create a private directory for the tmux window: {error.strerror or error}."
        ) from None
    script = directory / "env.sh"
    try:
        fd = os.open(script, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(env_script(env, os.environ))
        command = ["/bin/sh", "-c", WINDOW_SCRIPT, "ssotui-window", str(script), *argv]
        words = ["-n", tmux_window_name(name), "--", *command]
        result = subprocess.run(
            ["tmux", "new-window", *(tmux_word(word) for word in words)],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as error:
        _remove(directory)
        raise SsoError(f"cannot run tmux: {error.strerror or error}.") from None
    except BaseException:
        _remove(directory)
        raise
    if result.returncode != 0:
        _remove(directory)
        detail = (result.stderr or "").strip().splitlines()
        raise SsoError(
            "tmux could not open a new window"
            + (f": {for_terminal(detail[-1])}" if detail else ".")
        )


def _remove(directory: Path) -> None:
    _unlink(str(directory / "env.sh"))
    try:
        os.rmdir(directory)
    except OSError:
        pass


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
