"""The top line: app name, IAM Identity Center session, how long the access token is valid and
whether it refreshes itself.

The access token lasts about an hour; with a refresh token it is renewed until the IAM
Identity Center session ends (which the token cache does not record). So the countdown is the
token's, never shown as the session's end."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import var
from textual.widgets import Label

from ssotui.core.untrusted import for_terminal
from ssotui.tui.widgets.format import countdown


class SessionHeader(Horizontal):
    """``session_label`` and ``start_url`` are data (never markup); ``token_expires`` is the
    access token's expiry, ``refreshable`` whether a refresh token can renew it, ``now`` the
    clock the countdown is computed against (the screen ticks it every second). The text:
    "token 42m · renews itself" or "token 42m · no refresh" (then a login is needed), and a
    tooltip that says what the time is."""

    # ``var``: the labels below repaint themselves; the container has nothing to repaint.
    session_label: var[str] = var("", init=False)
    start_url: var[str] = var("", init=False)
    token_expires: var[datetime | None] = var(None, init=False)
    refreshable: var[bool] = var(False, init=False)
    signed_in: var[bool] = var(False, init=False)
    now: var[datetime | None] = var(None, init=False)

    _token_text: str | None = None

    def compose(self) -> ComposeResult:
        yield Label("ssotui", id="app-name")
        yield Label("", id="session", markup=False)
        yield Label("", id="start-url", markup=False)
        yield Label("", id="token", markup=False)

    def on_mount(self) -> None:
        self.query_one("#token", Label).tooltip = (
            "How long the access token is valid. One that renews itself is refreshed until "
            "the IAM Identity Center session ends; otherwise log in again when it runs out."
        )
        self._token_changed()

    def watch_session_label(self, label: str) -> None:
        self.query_one("#session", Label).update(for_terminal(label))

    def watch_start_url(self, url: str) -> None:
        self.query_one("#start-url", Label).update(for_terminal(url))

    def _token_changed(self) -> None:
        text = self.token_text()
        if text == self._token_text:
            return  # the clock ticks every second; the countdown shows minutes above an hour
        self._token_text = text
        # Fixed width in app.tcss: no relayout of the screen for the countdown.
        self.query_one("#token", Label).update(text, layout=False)

    watch_token_expires = watch_refreshable = watch_signed_in = watch_now = _token_changed

    def token_text(self) -> str:
        if not self.signed_in or self.token_expires is None:
            return "not signed in"
        if self.now is None:
            return ""
        left = (self.token_expires - self.now).total_seconds()
        if left > 0:
            # Seconds only in the last ten minutes: above that the text, and so the header,
            # changes once a minute instead of with every clock tick.
            text = countdown(left) if left < 600 or left >= 3600 else f"{int(left // 60)}m"
            then = "renews itself" if self.refreshable else "no refresh"
            return f"token {text} · {then}"
        return "token renews on next use" if self.refreshable else "token expired"
