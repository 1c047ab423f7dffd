"""Screens of the picker app. Import each from its module (``ssotui.tui.screens.picker``)."""
