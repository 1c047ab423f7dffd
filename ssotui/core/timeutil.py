"""Timestamps as the AWS CLI writes them: ``YYYY-MM-DDTHH:MM:SSZ`` (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def format_utc(moment: datetime) -> str:
    """Format as the AWS CLI and botocore do: no fractional seconds, ``Z`` suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> datetime:
    """Parse ``...Z``, ``...UTC`` (old CLIs) and ``+00:00`` forms; naive values are UTC.

    Raises ``ValueError`` for anything else.
    """
    value = text.strip()
    if value.endswith("UTC"):
        value = value[:-3].strip() + "+00:00"
    elif value.endswith("Z"):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def from_epoch_ms(ms: int | float) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def from_epoch_s(seconds: int | float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
