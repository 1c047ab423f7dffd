"""Moved to :mod:`ssotui.tui.picker.state`; this name stays for benchmarks/picker_driver.py
until it imports it from there."""

from ssotui.tui.picker.state import LOADING_ROLE, PickerState, is_placeholder

__all__ = ["LOADING_ROLE", "PickerState", "is_placeholder"]
