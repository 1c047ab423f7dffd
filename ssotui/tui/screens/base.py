"""What every screen with thread workers shares: the one place worker failures are handled.

Each screen starts its own blocking work with
``@work(thread=True, exclusive=True, exit_on_error=False, group=..., name=...)``; when one
fails, :meth:`WorkerScreen.worker_failed` maps the core's error to what the user sees. Screens
override the hooks (``login_required``, ``went_offline``) where they can do better than a
notification. Nothing here ever shows a traceback.
"""

from __future__ import annotations

import logging

from textual import on
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from ssotui.core.errors import (
    LoginRequired,
    NetworkError,
    RoleNotAssigned,
    SsoError,
    Throttled,
)
from ssotui.core.untrusted import for_terminal

log = logging.getLogger(__name__)


def sentence(text: str) -> str:
    """The core's messages start in lower case (they also end CLI lines): capitalise them."""
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def describe(error: BaseException) -> str:
    """One sentence for any failure (messages may quote names or answers from the portal:
    made safe for the terminal)."""
    if isinstance(error, RoleNotAssigned):
        text = sentence(for_terminal(error))
        return text + " The list may be out of date: refresh it (Refresh, in the footer)."
    if isinstance(error, SsoError):
        return sentence(for_terminal(error))
    if isinstance(error, OSError):
        reason = error.strerror or error.__class__.__name__
        return for_terminal(f"Something failed on this computer: {reason}.")
    return f"Something unexpected went wrong ({error.__class__.__name__}); nothing was changed."


class WorkerScreen(Screen):
    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            event.stop()
            self.worker_failed(event.worker, event.worker.error)

    def worker_failed(self, worker: Worker, error: BaseException) -> None:
        if not isinstance(error, SsoError):
            log.error("worker %s failed", worker.name, exc_info=error)
        if isinstance(error, LoginRequired):
            self.login_required(worker, error)
        elif isinstance(error, NetworkError):
            self.went_offline(worker, error)
        elif isinstance(error, Throttled):
            self.notify(describe(error), title="Throttled", severity="warning", markup=False)
        else:
            self.notify(describe(error), severity="error", markup=False)

    def login_required(self, worker: Worker, error: LoginRequired) -> None:
        self.notify(describe(error), severity="error", markup=False)

    def went_offline(self, worker: Worker, error: NetworkError) -> None:
        self.notify(describe(error), title="Offline", severity="error", markup=False)
