"""Widgets shared by the screens (the picker's own are in :mod:`ssotui.tui.picker`)."""


def __getattr__(name: str):
    # ``from ssotui.tui.widgets import AssignmentList`` (benchmarks/picker_bench.py), loaded
    # only when asked for: the login screen's imports of this package stay light.
    if name == "AssignmentList":
        from ssotui.tui.picker.assignment_list import AssignmentList

        return AssignmentList
    raise AttributeError(name)
