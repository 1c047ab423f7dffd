"""Helpers for the TUI tests: the app runs against the real core and the emulator; only the
browser, the clipboard, subprocesses, tmux and the clock are replaced (``Services``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import sign_in  # noqa: F401  (the TUI tests import it from here)

from ssotui.app_factory import make_app as build_app
from ssotui.core import clients, timeutil
from ssotui.core.config import AwsConfig, load_config
from ssotui.core.inventory import Inventory, InventoryCache
from ssotui.core.models import Account, SsoSession
from ssotui.core.picks import PickStore
from ssotui.core.settings import Settings
from ssotui.tui.services import Services

FIXED_NOW = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_boto_clients():
    """boto3 clients are cached per process with the endpoint they were made with; every
    test has its own emulator, so every test starts with new clients."""
    clients.reset_clients()
    yield
    clients.reset_clients()


@dataclass
class Fakes:
    """What the app did at its boundaries."""

    opened: list[str] = field(default_factory=list)
    copied: list[str] = field(default_factory=list)
    processes: list[tuple[list[str], dict[str, str]]] = field(default_factory=list)
    tmux: list[tuple[str, list[str], dict[str, str]]] = field(default_factory=list)
    environ: dict[str, str] = field(default_factory=lambda: {"SHELL": "/bin/sh", "HOME": "/h"})
    clock: Callable[[], datetime] = timeutil.utcnow
    picks_path: Path | None = None
    exit_status: int = 0

    def services(self, settings: Settings | None = None) -> Services:
        """The default services for ``settings`` (so rate_limit reaches the client), with
        every boundary replaced by a recorder."""

        def run_process(argv, env) -> int:
            self.processes.append((list(argv), dict(env)))
            return self.exit_status

        return dataclasses.replace(
            Services.default(settings or Settings()),
            open_url=self.opened.append,
            copy=self.copied.append,
            run_process=run_process,
            tmux_new_window=lambda name, argv, env: self.tmux.append((name, list(argv), dict(env))),
            clock=lambda: self.clock(),
            environ=self.environ,
            picks=PickStore(self.picks_path),
            cursor_blink=False,
        )


@pytest.fixture
def fakes(tmp_path) -> Fakes:
    return Fakes(picks_path=tmp_path / "picks.json")


def make_app(
    session: SsoSession | None,
    fakes: Fakes,
    settings: Settings | None = None,
    aws_config: AwsConfig | None = None,
    **kwargs,
):
    """The app as the CLI builds it (``ssotui.app_factory.make_app``), with ``fakes``."""
    # The device code unless a test asks for the browser login: which one "auto" picks depends
    # on the machine (a display, SSH, a container).
    settings = settings or Settings(login_flow="device")
    return build_app(
        session,
        aws_config if aws_config is not None else load_config(),
        settings,
        services=fakes.services(settings),
        **kwargs,
    )


def org_inventory(emulator, fetched_at: datetime | None = None) -> Inventory:
    """The emulator's org as an inventory (what a full load would return)."""
    accounts = [Account(a.account_id, a.name, a.email) for a in emulator.org.accounts]
    roles = {a.account_id: tuple(a.roles) for a in emulator.org.accounts}
    return Inventory(accounts, roles, fetched_at or timeutil.utcnow(), True)


def save_inventory(session: SsoSession, inventory: Inventory) -> None:
    InventoryCache().save(session, inventory)


def cached_then_offline(emulator, session: SsoSession) -> None:
    """Signed in with the emulator's org cached, then the portal gone: an offline start."""
    sign_in(emulator, session)
    save_inventory(session, org_inventory(emulator))
    emulator.stop()


def row_count(emulator) -> int:
    return sum(len(a.roles) for a in emulator.org.accounts)


async def wait_for(pilot, predicate: Callable[[], object], timeout: float = 10.0, what=""):
    """Let the app run until ``predicate()`` is true (fails the test after ``timeout``)."""
    loop_time = 0.0
    while not predicate():
        if loop_time > timeout:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await pilot.pause(0.05)
        loop_time += 0.05


def notifications(messages: list) -> list[str]:
    """The text of every notification posted (collect with ``run_test(message_hook=...)``)."""
    from textual.notifications import Notify

    return [m.notification.message for m in messages if isinstance(m, Notify)]


def set_org_account(emulator, account_id: str, name: str, roles: tuple[str, ...], email=""):
    """Add or change an account in the emulator's org (what an administrator would do)."""
    from ssotui.emulator import OrgAccount

    org = emulator.org
    account = OrgAccount(account_id, name, email or f"{account_id}@example.com", tuple(roles))
    org.accounts = [a for a in org.accounts if a.account_id != account_id] + [account]
    org.by_id[account_id] = account
    return account
