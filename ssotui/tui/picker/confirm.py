"""The safety rail's question: opening a protected row (the settings' ``[[protected]]``) asks
first. Enter opens it, Esc cancels; any other key is ignored, so typing never confirms.
Dismisses with True (open) or False."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label


class ConfirmProtected(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmProtected {
        align: center middle;
    }
    ConfirmProtected > #confirm-box {
        width: auto;
        max-width: 90%;
        height: auto;
        padding: 1 2;
        border: thick $error;
        background: $surface;
    }
    ConfirmProtected #confirm-keys {
        color: $text-muted;
        margin-top: 1;
    }
    """

    BINDINGS = [
        Binding("enter", "answer(True)", "Open", id="confirm.open"),
        Binding("escape", "answer(False)", "Cancel", id="confirm.cancel"),
    ]

    def __init__(self, what: str, action: str) -> None:
        """``what``: the row in a sentence, safe to draw; ``action``: "open the console"."""
        super().__init__()
        self.what = what
        self.action_text = action

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(
                Content.assemble(("⚠ ", "bold $text-error"), (self.what, "bold"), " is protected"),
                id="confirm-title",
            )
            yield Label(
                Content(f"Press Enter to {self.action_text}, Esc to cancel."), id="confirm-keys"
            )

    def on_key(self, event: events.Key) -> None:
        """Only Enter and Esc answer: everything else (typing included) is ignored here."""
        if event.key not in ("enter", "escape"):
            event.stop()
            event.prevent_default()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
