"""Typed messages that thread workers post to the screen that started them.

Workers never touch widgets: each one ends by posting one of these (``post_message`` is
thread-safe), and a handler on the main thread updates the view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.message import Message

from ssotui.core.inventory import Inventory, InventoryEvent
from ssotui.core.models import Assignment, RoleCredentials
from ssotui.core.tokens import DeviceAuthorization, Token

CredentialsUse = Literal["shell", "tmux", "exports"]


@dataclass
class InventoryProgress(Message):
    """One event from the inventory loader (accounts listed, roles listed, retrying)."""

    event: InventoryEvent


@dataclass
class InventoryLoaded(Message):
    """The portal listed everything; ``inventory`` replaces what is shown."""

    inventory: Inventory


@dataclass
class LoginStarted(Message):
    """A device authorization is waiting for the user to approve ``authorization.user_code``."""

    authorization: DeviceAuthorization


@dataclass
class LoginPolling(Message):
    """Still pending; the portal asks us to poll every ``interval`` seconds."""

    interval: float
    trouble: str = ""
    """A transient problem with the last poll (e.g. the network), empty when all is well."""


@dataclass
class LoginApproved(Message):
    token: Token


@dataclass
class CredentialsReady(Message):
    assignment: Assignment
    credentials: RoleCredentials
    use: CredentialsUse


@dataclass
class ActionDone(Message):
    """A background action finished; ``message`` is what the user is told (plain text), and
    ``key`` the row it was for (it becomes a recent pick)."""

    message: str
    key: tuple[str, str] | None = None
    severity: str = "information"


@dataclass
class ClipboardFallback(Message):
    """The system clipboard failed (``reason``); the screen asks the terminal instead."""

    text: str
    done: str
    reason: str
    key: tuple[str, str] | None = None
