"""First run (no session configured): ask for the start URL, the SSO region and a name,
validate them with the core's validators, and save an ``[sso-session]`` section (the rest of
the AWS config is left untouched). Dismisses with the new session."""

from __future__ import annotations

import os
import re
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Input, Label

from ssotui.core.config import add_sso_session, load_config, validate_region, validate_start_url
from ssotui.core.errors import ConfigError
from ssotui.core.models import SsoSession
from ssotui.core.untrusted import is_region
from ssotui.tui.screens.base import sentence

_NAME = re.compile(r"[A-Za-z0-9_.\-]+")


def with_scheme(start_url: str) -> str:
    """A start URL pasted without a scheme (``corp.awsapps.com/start``) gets ``https://``."""
    url = start_url.strip()
    if url and "://" not in url:
        return "https://" + url
    return url


def default_region(environ) -> str:
    """The region the user already works in (``AWS_REGION``, ``AWS_DEFAULT_REGION``), if it is
    a region: offered as the field's value, which the user sees and can change."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        value = (environ.get(name) or "").strip()
        if is_region(value):
            return value
    return ""


def suggest_name(start_url: str) -> str:
    """``https://my-company.awsapps.com/start`` → ``my-company``."""
    match = re.match(r"^https://([A-Za-z0-9-]+)\.", start_url.strip())
    return match.group(1) if match else "default"


class SetupScreen(Screen[SsoSession]):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save and sign in", id="setup.save", tooltip="Save and sign in"),
    ]

    def __init__(self, config_path: Path, *, cursor_blink: bool = True) -> None:
        super().__init__()
        self.config_path = config_path
        self.cursor_blink = cursor_blink

    def compose(self) -> ComposeResult:
        with Vertical(id="setup-box"):
            yield Label("Set up ssotui", id="setup-title")
            yield Label(
                "No IAM Identity Center session is configured yet. Enter the AWS access "
                "portal URL your administrator gave you and the region of IAM Identity Center.",
                id="setup-intro",
            )
            yield Label("AWS access portal URL (start URL)", classes="field-label")
            yield Input(placeholder="https://my-company.awsapps.com/start", id="start-url")
            yield Label("", id="start-url-error", classes="field-error", markup=False)
            yield Label("IAM Identity Center region", classes="field-label")
            yield Input(
                value=default_region(os.environ),
                placeholder="required, e.g. eu-central-1",
                id="region",
            )
            yield Label("", id="region-error", classes="field-error", markup=False)
            yield Label("Session name", classes="field-label")
            yield Input(placeholder="my-company", id="name")
            yield Label("", id="name-error", classes="field-error", markup=False)
            yield Checkbox(
                Content(f"Save it as [sso-session NAME] in {self.config_path}"), True, id="save"
            )
            yield Label("", id="setup-error", classes="field-error", markup=False)
            with Horizontal(id="setup-buttons"):
                yield Button("Save and sign in", id="setup-save", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = self.cursor_blink
        self.query_one("#start-url", Input).focus()

    @on(Input.Changed, "#start-url")
    def _url_changed(self, event: Input.Changed) -> None:
        self.query_one("#name", Input).placeholder = suggest_name(with_scheme(event.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        fields = ["start-url", "region", "name"]
        current = event.input.id or ""
        if current in fields[:-1]:
            self.query_one(f"#{fields[fields.index(current) + 1]}", Input).focus()
        else:
            self.action_save()

    @on(Button.Pressed, "#setup-save")
    def _save_pressed(self) -> None:
        self.action_save()

    def _error(self, field: str, text: str) -> None:
        self.query_one(f"#{field}-error", Label).update(text)

    def values(self) -> tuple[str, str, str] | None:
        """The three fields, validated; errors shown under each field. None if any is bad."""
        url_input = self.query_one("#start-url", Input)
        url = with_scheme(url_input.value)
        if url != url_input.value.strip():
            url_input.value = url  # show what is saved
        region = self.query_one("#region", Input).value.strip()
        name_input = self.query_one("#name", Input)
        name = name_input.value.strip() or name_input.placeholder
        ok = True
        saving = self.query_one(Checkbox).value  # then it must be ASCII, as the AWS CLI reads it

        def check_url(value: str) -> str:
            return validate_start_url(value, to_write=saving)

        for field, check, value in (
            ("start-url", check_url, url),
            ("region", validate_region, region),
        ):
            try:
                check(value)
                self._error(field, "")
            except ConfigError as error:
                self._error(field, sentence(str(error)))
                ok = False
        if not _NAME.fullmatch(name):
            self._error("name", "Use letters, digits, dots, dashes and underscores only.")
            ok = False
        else:
            self._error("name", "")
        return (url, region, name) if ok else None

    def action_save(self) -> None:
        values = self.values()
        if values is None:
            return
        url, region, name = values
        if not self.query_one(Checkbox).value:
            self.dismiss(SsoSession(name=None, start_url=url, region=region))
            return
        try:
            add_sso_session(name, url, region, path=self.config_path)
            session = load_config(self.config_path).sessions[name]
        except ConfigError as error:
            self._error("setup", sentence(str(error)))
            return
        self.notify(f"Saved [sso-session {name}] in {self.config_path}.", markup=False)
        self.dismiss(session)
