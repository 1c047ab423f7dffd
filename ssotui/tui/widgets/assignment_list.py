"""Moved to :mod:`ssotui.tui.picker.assignment_list`; this name stays for the benchmarks'
frame spy (benchmarks/picker_driver.py) until they import it from there."""

from ssotui.tui.picker.assignment_list import AssignmentList, Columns, layout_columns

__all__ = ["AssignmentList", "Columns", "layout_columns"]
