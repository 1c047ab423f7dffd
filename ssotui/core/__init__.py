"""Everything about AWS: config, login, token cache, inventory, credentials, console, shell.

This package must never import textual or rich (tests/test_layering.py proves it), and
nothing outside it sees a botocore exception: every failure is a `ssotui.core.errors.SsoError`.
"""
