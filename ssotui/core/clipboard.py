"""Putting text on the user's clipboard, wherever the user is.

:func:`copy` tries, in order, and stops at the first that works:

1. ``system``: the system clipboard (pyperclip: pbcopy, wl-copy, xclip, xsel, clip.exe).
2. ``tmux``: inside tmux (``TMUX`` set), ``tmux load-buffer -w -``. The text goes on stdin,
   never on the command line (a sign-in URL is a secret, and argv is visible in ``ps``).
   ``-w`` also hands it to the outer terminal's clipboard (OSC 52) when tmux's
   ``set-clipboard`` allows it. A tmux older than 3.2 has no ``-w``: then the text goes into
   tmux's paste buffer only (``tmux-buffer``; paste with prefix + ``]``).
3. ``osc52``: on a terminal (a controlling terminal we can open for writing), the OSC 52
   sequence ``ESC ] 52 ; c ; <base64> BEL`` written to it in one write.

What counts as success: for ``system``, the library did not fail; for ``tmux`` and
``tmux-buffer``, tmux exited 0 (the text is in its buffer, so it can be pasted in tmux even
when the outer terminal ignores OSC 52); for ``osc52``, the whole sequence was written to the
terminal. A terminal never answers OSC 52, so ``osc52`` means "sent", not "arrived": many
terminals ignore it (some by default, for safety). :func:`hint` is the one line to show the
user for every method but ``system``. When nothing works, :class:`SsoError` says so in one
line; the text itself never appears in it.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Mapping

from ssotui.core.errors import SsoError

SYSTEM = "system"
TMUX = "tmux"
TMUX_BUFFER = "tmux-buffer"
OSC52 = "osc52"

TTY = "/dev/tty"
TMUX_TIMEOUT = 5.0  # seconds for `tmux load-buffer`; a wedged tmux server must not hang us
# Terminals cap what they take in one OSC 52 (xterm and others around 100,000 bytes);
# a longer sequence is not sent rather than sent cut.
MAX_OSC52 = 100_000

NOTHING_COPIED = "no clipboard available (install xclip/xsel or wl-clipboard) — nothing was copied."

_HINTS = {
    TMUX: "Copied through tmux; if it does not paste outside tmux, "
    "set tmux's set-clipboard to on (or install xclip, xsel or wl-clipboard).",
    TMUX_BUFFER: "Copied into tmux's paste buffer (prefix + ]); this tmux is too old "
    "to pass it to the system clipboard.",
    OSC52: "Sent to the terminal's clipboard (OSC 52); if nothing pastes, your terminal "
    "does not allow it: install xclip, xsel or wl-clipboard.",
}


def copy(
    text: str,
    *,
    environ: Mapping[str, str] | None = None,
    tty: str | None = None,
    osc52: bool = True,
) -> str:
    """Put ``text`` on the clipboard; returns the method that took it (``SYSTEM``, ``TMUX``,
    ``TMUX_BUFFER`` or ``OSC52``). ``environ`` is where ``TMUX`` and ``PATH`` are read (and
    what tmux runs with); ``tty`` the terminal OSC 52 goes to (default :data:`TTY`).
    ``osc52=False`` leaves the terminal to the caller (a full-screen app that owns it)."""
    environ = os.environ if environ is None else environ
    tty = TTY if tty is None else tty
    if _system(text):
        return SYSTEM
    if environ.get("TMUX"):
        method = _tmux(text, environ)
        if method is not None:
            return method
    if osc52 and _osc52(text, tty):
        return OSC52
    raise SsoError(NOTHING_COPIED)


def hint(method: str) -> str:
    """The one line to show once after a copy by ``method`` ("" for the system clipboard)."""
    return _HINTS.get(method, "")


def osc52_sequence(text: str) -> bytes:
    """``ESC ] 52 ; c ; <base64 of the UTF-8 text> BEL``: base64 keeps any text inert."""
    payload = base64.b64encode(text.encode("utf-8", "surrogateescape"))
    return b"\x1b]52;c;" + payload + b"\x07"


def _system(text: str) -> bool:
    import pyperclip

    try:
        pyperclip.copy(text)
    except (pyperclip.PyperclipException, OSError):
        return False
    return True


def _tmux(text: str, environ: Mapping[str, str]) -> str | None:
    program = shutil.which("tmux", path=environ.get("PATH", os.defpath))
    if program is None:
        return None
    for flags, method in ((["-w"], TMUX), ([], TMUX_BUFFER)):
        try:
            done = subprocess.run(
                [program, "load-buffer", *flags, "-"],
                input=text.encode("utf-8", "surrogateescape"),
                capture_output=True,
                env=dict(environ),
                timeout=TMUX_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        if done.returncode == 0:
            return method
    return None


def _osc52(text: str, tty: str) -> bool:
    sequence = osc52_sequence(text)
    if len(sequence) > MAX_OSC52:
        return False
    flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(tty, flags)
    except OSError:  # no controlling terminal (a pipe, a service, CI)
        return False
    try:
        return os.write(fd, sequence) == len(sequence)
    except OSError:
        return False
    finally:
        os.close(fd)
