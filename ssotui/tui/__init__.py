"""The full-screen picker (Textual). Import :class:`ssotui.tui.app.SsoTuiApp` from its module:
this package itself imports nothing, so that the CLI only pays for Textual when it runs it."""
