"""Screens other than the picker (which is ``ssotui.tui.picker``). Import each from its module."""
