"""``make_app``: the one place the full-screen app is built, for the CLI, the demo, the tests
and the screenshots. Its own module, so that the CLI and the demo both import it and not each
other; textual is imported only when an app is made."""

from __future__ import annotations


def make_app(
    session, aws_config, settings, *, refresh: bool = False, services=None, all_sessions=False
):
    """The picker app for ``session`` (None: the app offers a chooser or the first-run form).
    ``services`` replaces the browser, clipboard, subprocesses and clock (tests, screenshots).
    ``all_sessions``: every configured session in one list (with more than one; else as
    without it)."""
    from ssotui.tui.app import SsoTuiApp

    return SsoTuiApp(
        session=session,
        aws_config=aws_config,
        settings=settings,
        refresh=refresh,
        services=services,
        all_sessions=all_sessions,
    )
