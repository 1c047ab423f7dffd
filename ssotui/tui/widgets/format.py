"""Small text helpers shared by screens and widgets (plain strings, no markup)."""

from __future__ import annotations

from datetime import datetime


def countdown(seconds: float) -> str:
    """``1h 05m``, ``4m 09s``, ``9s``: short and stable in width per magnitude."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def age(then: datetime, now: datetime) -> str:
    """``just now``, ``5 min ago``, ``3 h ago``, ``2 days ago``."""
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} days ago"


def local_time(moment: datetime) -> str:
    """``14:32`` in the local time zone."""
    return moment.astimezone().strftime("%H:%M")
