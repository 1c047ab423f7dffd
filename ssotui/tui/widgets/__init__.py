"""Widgets shared by the screens (the picker's own are in :mod:`ssotui.tui.picker`)."""
