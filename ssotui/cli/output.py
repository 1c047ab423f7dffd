"""What the CLI writes, and what happens when nobody reads it.

stderr gets one line per message, made safe for the terminal (messages quote names the portal
sent). stdout and stderr never fail on encoding. When the reader of a pipe goes away
(``ssotui list | head -1``), the command ends quietly with 141 (128 + SIGPIPE), as programs
killed by SIGPIPE do, after pointing both streams at /dev/null so that the interpreter's final
flush has nowhere to fail (the Python documentation's advice for SIGPIPE).
"""

from __future__ import annotations

import os
import sys
from datetime import datetime

EXIT_SIGINT = 130  # 128 + SIGINT
EXIT_SIGPIPE = 141  # 128 + SIGPIPE


def err(message: str) -> None:
    """One line on stderr, made safe for the terminal."""
    from ssotui.core.untrusted import for_terminal

    print(for_terminal(message), file=sys.stderr, flush=True)


def never_fail_on_encoding() -> None:
    """A character the terminal's encoding cannot hold (a lone surrogate in a name) is shown
    replaced instead of failing the whole command."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (OSError, ValueError):
                pass


def flush_stdout() -> None:
    """Flush stdout now, so that a closed pipe shows here (BrokenPipeError) and not in the
    interpreter's flush at exit."""
    if sys.stdout is not None:
        sys.stdout.flush()


def discard_output() -> None:
    """After EPIPE: send whatever is still buffered, and anything written later, to
    /dev/null (stdout and stderr: they are often the same pipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        for stream in (sys.stdout, sys.stderr):
            try:
                os.dup2(devnull, stream.fileno())
            except (AttributeError, OSError, ValueError):
                pass  # not a real file descriptor (captured in a test): nothing to protect
    finally:
        os.close(devnull)


def local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M %Z").strip()
