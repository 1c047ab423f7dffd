"""The login screen, for both flows (:func:`ssotui.core.loginflow.choose_flow` picks one).

- Browser login (PKCE): the page is opened (and shown on one line, cut in the middle; ``c``
  copies it whole); the screen waits for the browser to come back to the loopback listener,
  with the time left. ``d`` switches to the device code.
- Device code: the user code in big letters, the page to approve it on, a countdown and live
  polling status.

Every blocking call runs in a worker that ends in a message. Dismisses with the new Token, or
None when the user backs out.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.message import Message
from textual.reactive import var
from textual.widgets import Button, Footer, Label
from textual.worker import Worker, get_current_worker

from ssotui.core import loginflow
from ssotui.core.errors import (
    LoginDenied,
    LoginTimedOut,
    NetworkError,
    SsoError,
    Throttled,
)
from ssotui.core.settings import Settings
from ssotui.core.tokens import DeviceAuthorization
from ssotui.core.untrusted import browser_url, for_terminal
from ssotui.tui.messages import (
    ActionDone,
    ClipboardFallback,
    LoginApproved,
    LoginPolling,
    LoginStarted,
)
from ssotui.tui.screens.base import WorkerScreen, describe
from ssotui.tui.services import Services, has_display
from ssotui.tui.widgets.format import countdown
from ssotui.tui.widgets.session_header import SessionHeader
from ssotui.tui.widgets.url_label import UrlLabel
from ssotui.tui.widgets.user_code import UserCode

if TYPE_CHECKING:
    from ssotui.core.pkce import BrowserLogin
    from ssotui.core.service import SsoClient

NETWORK_FAILURES = 3  # consecutive failed polls tolerated before giving up
WAITING = "Waiting for approval…"
WAITING_BROWSER = "Waiting for the browser…"
BAD_URL = (
    "The portal sent an approval page address that is not an https:// URL: not shown or opened."
)


def approval_page(authorization: DeviceAuthorization) -> str | None:
    """The page to open (with the code filled in when it can be): one a browser may be given
    (:func:`ssotui.core.untrusted.browser_url`), or None. Both come from the network."""
    return browser_url(authorization.verification_uri_complete) or browser_url(
        authorization.verification_uri
    )


class BrowserLoginStarted(Message):
    """A browser login (PKCE) is waiting for the browser to come back."""

    def __init__(self, login: BrowserLogin) -> None:
        super().__init__()
        self.login = login


def redirect_port(settings: Settings, session) -> int:
    """The ``redirect_port`` setting, else the session's ``sso_redirect_port``, else 0."""
    from ssotui.core.config import load_config, validate_port

    setting = getattr(settings, "redirect_port", None)
    if setting:
        return validate_port(setting, "redirect_port (settings)")
    return load_config().redirect_port(session) or 0


class LoginScreen(WorkerScreen):
    DEFAULT_CSS = """
    LoginScreen #login-flow {
        color: $text-muted;
    }
    """
    BINDINGS = [
        Binding(
            "b",
            "open_browser",
            "Open browser",
            id="login.open_browser",
            tooltip="Open the approval page in the browser",
        ),
        Binding("enter", "open_browser", "Open browser", show=False, id="login.open_browser_enter"),
        Binding(
            "c",
            "copy_code",
            "Copy code",
            id="login.copy_code",
            tooltip="Copy the user code to the clipboard",
        ),
        Binding(
            "c",
            "copy_url",
            "Copy URL",
            id="login.copy_url",
            tooltip="Copy the login page's address to the clipboard",
        ),
        Binding(
            "d",
            "use_device_code",
            "Device code",
            id="login.use_device_code",
            tooltip="Log in with a device code instead (no browser on this machine needed)",
        ),
        Binding(
            "r",
            "retry",
            "Try again",
            id="login.retry",
            tooltip="Start the login again with a new code",
        ),
        Binding(
            "escape",
            "back",
            "Back to the list",
            id="login.back",
            tooltip="Back to the cached list, without signing in",
        ),
    ]

    # State for the bound widgets; a screen ``reactive`` would repaint the screen each second.
    authorization: var[DeviceAuthorization | None] = var(None, bindings=True, init=False)
    browser_login: var[BrowserLogin | None] = var(None, bindings=True, init=False)
    flow: var[str] = var(loginflow.DEVICE, bindings=True, init=False)
    failed: var[bool] = var(False, bindings=True, init=False)
    status: var[str] = var("", init=False)
    now: var[datetime | None] = var(None)

    def __init__(
        self,
        client: SsoClient,
        *,
        settings: Settings,
        services: Services,
        can_go_back: bool = False,
        reason: str = "",
    ) -> None:
        super().__init__()
        self.reason = reason
        self.client = client
        self.settings = settings
        self.services = services
        self.can_go_back = can_go_back
        self.flow_note = ""
        try:
            choice = loginflow.choose_flow(
                client.session, services.environ, getattr(settings, "login_flow", None)
            )
        except SsoError as error:  # a login_flow setting that is not auto, pkce or device
            choice = loginflow.FlowChoice(loginflow.DEVICE, describe(error))
        self.set_reactive(LoginScreen.flow, choice.flow)
        if choice.flow == loginflow.DEVICE and getattr(settings, "login_flow", "auto") != "device":
            self.flow_note = f"Using the device code: {choice.reason}."

    def compose(self) -> ComposeResult:
        yield SessionHeader(id="header").data_bind(LoginScreen.now)
        with Center(id="login-center"):
            with Vertical(id="login-box"):
                yield Label("Sign in to AWS IAM Identity Center", id="login-title")
                yield Label("", id="login-portal", markup=False)
                yield Label(self.flow_note, id="login-flow", markup=False)
                yield Label(self.reason, id="login-reason", markup=False)
                yield Label("", id="login-step1", classes="step", markup=False)
                yield UrlLabel(id="login-url")
                yield Label("", id="login-step2", classes="step", markup=False)
                with Center():
                    yield UserCode(id="user-code")
                yield Label("", id="login-expiry", markup=False)
                yield Label("", id="login-status", markup=False)
                with Horizontal(id="login-buttons"):
                    yield Button("Open browser  b", id="open-browser", variant="primary")
                    yield Button("Copy code  c", id="copy-code")
                    yield Button("Copy URL  c", id="copy-url")
                    yield Button("Device code  d", id="use-device-code")
                    yield Button("Try again  r", id="retry")
        yield Footer()

    def on_mount(self) -> None:
        header = self.query_one(SessionHeader)
        session = self.client.session
        header.session_label = session.label
        header.start_url = session.start_url if session.name else ""
        self.query_one("#login-portal", Label).update(session.start_url)
        self.query_one("#login-reason", Label).display = bool(self.reason)
        self.query_one("#login-flow", Label).display = bool(self.flow_note)
        self._show_flow()
        self.now = self.services.clock()
        self.set_interval(1.0, self._tick)
        self.begin()

    def _tick(self) -> None:
        self.now = self.services.clock()
        self._show_expiry()

    # -- state -> view ----------------------------------------------------------------------

    def watch_authorization(self, authorization: DeviceAuthorization | None) -> None:
        code = for_terminal(authorization.user_code) if authorization else ""
        self.query_one(UserCode).code = code
        url = ""
        if authorization is not None:
            url = browser_url(authorization.verification_uri) or approval_page(authorization)
        self._show_url(url, authorization is not None)
        self._show_expiry()

    def watch_flow(self, flow: str) -> None:
        self._show_flow()

    def _show_flow(self) -> None:
        device = self.flow == loginflow.DEVICE
        if device:
            step1 = "1. Open this page in a browser:"
            step2 = "2. Check that it shows this code, then approve it:"
        else:
            step1 = "Approve the login in the browser. If it did not open, open this page:"
            step2 = "No browser on this machine? Press d to log in with a device code."
        self.query_one("#login-step1", Label).update(step1)
        self.query_one("#login-step2", Label).update(step2)
        self.query_one(UserCode).display = device
        self.query_one("#copy-code", Button).display = device
        self.query_one("#copy-url", Button).display = not device
        self.query_one("#use-device-code", Button).display = not device
        self.query_one("#retry", Button).label = "New code  r" if device else "Try again  r"

    def watch_browser_login(self, login: BrowserLogin | None) -> None:
        if self.flow != loginflow.PKCE:
            return
        url = browser_url(login.url) if login is not None else None
        self._show_url(url, login is not None)
        self._show_expiry()

    def _show_url(self, url: str | None, started: bool) -> None:
        """The page to open, on one line; or why there is none."""
        label = self.query_one("#login-url", UrlLabel)
        if url:
            label.show_url(url)
        else:
            label.show_text(BAD_URL if started else "")

    def watch_status(self, status: str) -> None:
        self.query_one("#login-status", Label).update(status)

    def watch_failed(self, failed: bool) -> None:
        self.query_one("#retry", Button).display = failed
        self.query_one("#login-box").set_class(failed, "-failed")

    def _show_expiry(self) -> None:
        label = self.query_one("#login-expiry", Label)
        if self.flow == loginflow.PKCE:
            login = self.browser_login
            if login is None or self.failed or self.now is None:
                label.update("")
                return
            left = (login.expires_at - self.now).total_seconds()
            label.update(f"{countdown(left)} left" if left > 0 else "Time is up.")
            return
        authorization = self.authorization
        if authorization is None or self.failed or self.now is None:
            label.update("")
            return
        left = (authorization.expires_at - self.now).total_seconds()
        code = for_terminal(authorization.user_code)
        label.update(
            f"Code {code} · expires in {countdown(left)}" if left > 0 else f"Code {code} expired."
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        pkce = self.flow == loginflow.PKCE
        if action == "use_device_code":
            return pkce
        if pkce and action == "copy_code":
            return False
        if action == "copy_url":
            return pkce and self._page_url() is not None
        if pkce and action == "open_browser":
            return self._page_url() is not None
        if action in ("open_browser", "copy_code"):
            authorization = self.authorization
            if authorization is None or self.failed:
                return False
            return action == "copy_code" or approval_page(authorization) is not None
        if action == "retry":
            return self.failed
        if action == "back":
            return self.can_go_back
        return True

    # -- flow -------------------------------------------------------------------------------

    def begin(self, force_register: bool = False) -> None:
        self.failed = False
        self.authorization = None
        self._close_browser_login()
        self.status = "Starting the login…"
        if self.flow == loginflow.PKCE:
            self.start_browser_login()
        else:
            self.start_login(force_register)

    def _close_browser_login(self) -> None:
        login, self.browser_login = self.browser_login, None
        if login is not None:
            login.close()

    def on_unmount(self) -> None:
        self.workers.cancel_group(self, "login")
        if self.browser_login is not None:  # its widgets are gone: no reactive update
            self.browser_login.close()

    # The browser login (PKCE).

    @work(thread=True, exclusive=True, exit_on_error=False, group="login", name="start_browser")
    def start_browser_login(self) -> None:
        port = redirect_port(self.settings, self.client.session)
        login = self.client.auth.start_browser_login(redirect_port=port)
        if get_current_worker().is_cancelled:
            login.close()
            return
        self.post_message(BrowserLoginStarted(login))

    @on(BrowserLoginStarted)
    def _browser_started(self, message: BrowserLoginStarted) -> None:
        if self.flow != loginflow.PKCE or not self.is_attached:
            message.login.close()  # switched to the device code (or closed) meanwhile
            return
        self.browser_login = message.login
        self.status = WAITING_BROWSER
        url = browser_url(message.login.url)
        if url and self.settings.open_browser_on_login and has_display(self.services.environ):
            self.open_url(url, quiet=True)
        self.wait_for_browser(message.login)

    @work(thread=True, exclusive=True, exit_on_error=False, group="login", name="wait_browser")
    def wait_for_browser(self, login: BrowserLogin) -> None:
        worker = get_current_worker()
        token = self.client.auth.wait_for_browser_login(
            login, cancelled=lambda: worker.is_cancelled
        )
        if token is not None and not worker.is_cancelled:
            self.post_message(LoginApproved(token))

    # The device code.

    @work(thread=True, exclusive=True, exit_on_error=False, group="login", name="start_login")
    def start_login(self, force_register: bool) -> None:
        authorization = self.client.auth.start_login(force_register=force_register)
        if not get_current_worker().is_cancelled:
            self.post_message(LoginStarted(authorization))

    @on(LoginStarted)
    def _started(self, message: LoginStarted) -> None:
        self.authorization = message.authorization
        self.status = WAITING
        page = approval_page(message.authorization)
        if page and self.settings.open_browser_on_login and has_display(self.services.environ):
            self.open_url(page, quiet=True)
        self.poll(message.authorization)

    @work(thread=True, exclusive=True, exit_on_error=False, group="login", name="poll")
    def poll(self, authorization: DeviceAuthorization) -> None:
        worker = get_current_worker()
        interval = authorization.interval
        failures = 0
        while not worker.is_cancelled:
            if self.services.clock() >= authorization.expires_at:
                raise LoginTimedOut("the code expired before it was approved.")
            trouble = ""
            try:
                token = self.client.auth.poll_login(authorization)
            except (NetworkError, Throttled) as error:
                failures += 1
                if failures >= NETWORK_FAILURES:
                    raise
                token, trouble = None, str(error)
            else:
                failures = 0
            if worker.is_cancelled:
                return
            if token is not None:
                self.post_message(LoginApproved(token))
                return
            if trouble or authorization.interval != interval:
                interval = authorization.interval
                self.post_message(LoginPolling(interval, trouble))
            deadline = time.monotonic() + interval
            while not worker.is_cancelled and time.monotonic() < deadline:
                time.sleep(0.05)

    @on(LoginPolling)
    def _polling(self, message: LoginPolling) -> None:
        if message.trouble:
            self.status = f"{WAITING} (retrying: {message.trouble})"
        else:
            self.status = f"Slow down — polling every {message.interval:g} s. {WAITING}"

    @on(LoginApproved)
    def _approved(self, message: LoginApproved) -> None:
        self.status = "Approved."
        self.dismiss(message.token)

    def worker_failed(self, worker: Worker, error: BaseException) -> None:
        if worker.group != "login":
            super().worker_failed(worker, error)
            return
        self.failed = True
        if self.flow == loginflow.PKCE:
            self._close_browser_login()
            again = "Press r to try again, or d for a device code."
            if isinstance(error, LoginDenied):
                self.status = f"The login was denied in the browser. {again}"
            elif isinstance(error, LoginTimedOut):
                self.status = f"No answer from the browser in time. {again}"
            else:
                self.status = f"{describe(error)} {again}"
        elif isinstance(error, LoginDenied):
            self.status = "The login was denied in the browser. Press r to try again."
        elif isinstance(error, LoginTimedOut):
            self.status = "The code expired before it was approved. Press r for a new code."
        else:
            self.status = f"{describe(error)} Press r to try again."

    # -- actions ----------------------------------------------------------------------------

    def action_open_browser(self) -> None:
        if self.flow == loginflow.PKCE:
            if self.browser_login is not None and (url := browser_url(self.browser_login.url)):
                self.open_url(url, quiet=False)
            return
        if self.authorization is not None and (page := approval_page(self.authorization)):
            self.open_url(page, quiet=False)

    def action_use_device_code(self) -> None:
        if self.flow != loginflow.PKCE:
            return
        self.workers.cancel_group(self, "login")
        self._close_browser_login()
        self.flow = loginflow.DEVICE
        self.begin()

    def action_copy_code(self) -> None:
        if self.authorization is not None:
            self.copy_text(for_terminal(self.authorization.user_code), "Copied the code.")

    def action_copy_url(self) -> None:
        if self.flow == loginflow.PKCE and (url := self._page_url()):
            self.copy_text(url, "Copied the login page's address.")

    def _page_url(self) -> str | None:
        """The browser login's page, while it waits (None before it starts and after it failed)."""
        login = self.browser_login
        if login is None or self.failed:
            return None
        return browser_url(login.url)

    def action_retry(self) -> None:
        if self.failed:
            self.begin(force_register=False)

    def action_back(self) -> None:
        if self.can_go_back:
            self.workers.cancel_group(self, "login")
            self._close_browser_login()
            self.dismiss(None)

    @on(Button.Pressed, "#open-browser")
    def _open_pressed(self) -> None:
        self.action_open_browser()

    @on(Button.Pressed, "#copy-code")
    def _copy_pressed(self) -> None:
        self.action_copy_code()

    @on(Button.Pressed, "#copy-url")
    def _copy_url_pressed(self) -> None:
        self.action_copy_url()

    @on(Button.Pressed, "#use-device-code")
    def _device_pressed(self) -> None:
        self.action_use_device_code()

    @on(Button.Pressed, "#retry")
    def _retry_pressed(self) -> None:
        self.action_retry()

    @work(thread=True, exclusive=True, exit_on_error=False, group="browser", name="open_browser")
    def open_url(self, url: str, quiet: bool) -> None:
        try:
            self.services.open_url(url)
        except SsoError as error:
            self.post_message(
                ActionDone(f"{describe(error)} Open the page above yourself.", severity="warning")
            )
            return
        if not quiet:
            self.post_message(ActionDone("Opened the login page in the browser."))

    @work(thread=True, exclusive=True, exit_on_error=False, group="clipboard", name="copy")
    def copy_text(self, text: str, done: str) -> None:
        try:
            self.services.copy(text)
        except SsoError as error:
            self.post_message(ClipboardFallback(text, done, str(error)))
        else:
            self.post_message(ActionDone(done))

    @on(ActionDone)
    def _done(self, message: ActionDone) -> None:
        self.notify(message.message, markup=False, timeout=6, severity=message.severity)

    @on(ClipboardFallback)
    def _fallback(self, message: ClipboardFallback) -> None:
        self.app.copy_to_clipboard(message.text)
        self.notify(f"{message.done} Sent through the terminal (OSC 52).", markup=False)
