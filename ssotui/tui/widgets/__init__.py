"""Reusable widgets of the TUI."""

from ssotui.tui.widgets.assignment_list import AssignmentList

__all__ = ["AssignmentList"]
