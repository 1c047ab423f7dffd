"""The command line. ``main`` is the ``ssotui`` entry point; ``make_app`` builds the picker.

- ``parser``: the commands, their flags and help
- ``entry``: ``main`` (dispatch, one-line errors, exit statuses, pipes and Ctrl-C)
- ``commands``: login, logout, list, profiles, completion, demo, the picker
- ``roles``: console, shell, exec, env, credential-process (one account and role)
- ``completion``: the shell scripts and the ``__complete`` backend they call
- ``output``: stderr lines, encodings, a reader that went away
"""

from ssotui.app_factory import make_app
from ssotui.cli.entry import main

__all__ = ["main", "make_app"]
