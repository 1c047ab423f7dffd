"""``main``: parse, run one command, and turn whatever happens into an exit status.

- An error is one line on stderr (``ssotui: …``) and its exit status (2 for configuration
  and usage); ``--debug`` adds the traceback.
- Ctrl-C (SIGINT) anywhere: one line, 130. A reader that goes away (``| head -1``): quiet,
  141, as a program killed by SIGPIPE.
- ``exec`` returns the command's own status (127 not found, 126 not runnable, 128 + N after
  signal N).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ssotui.cli import output
from ssotui.core.errors import SsoError

COMPLETE = "__complete"  # the hidden completion backend: ssotui __complete SHELL WORD...
# Commands whose warm path reads no token: they call warn_about_token_files() on a cache miss.
LIGHT = frozenset({"console", "shell", "exec", "env", "credential-process"})


def warn_about_token_files() -> None:
    """Show the token cache's warnings (e.g. a token file other users could read was
    tightened) as ``warning: …`` lines."""
    from ssotui.core import tokencache

    tokencache.set_warning_handler(lambda message: output.err(f"warning: {message}"))


def _handlers() -> dict:
    from ssotui.cli import commands, roles

    return {
        "login": commands.cmd_login,
        "status": commands.cmd_status,
        "logout": commands.cmd_logout,
        "list": commands.cmd_list,
        "console": roles.cmd_console,
        "shell": roles.cmd_shell,
        "exec": roles.cmd_exec,
        "env": roles.cmd_env,
        "credential-process": roles.cmd_credential_process,
        "profiles": commands.cmd_profiles,
        "completion": commands.cmd_completion,
        "demo": commands.cmd_demo,
        "emulator": _emulator,
        None: commands.cmd_picker,
    }


def _emulator(args) -> int:
    """``ssotui emulator ARGS``: the emulator parses its own flags (ARGS are only seen when
    ``emulator`` comes first)."""
    from ssotui.emulator.cli import main as emulator_main

    try:
        return emulator_main(getattr(args, "emulator_args", []))
    except SystemExit as exc:
        return _status(exc.code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ssotui ARGV`` (default: ``sys.argv[1:]``) and return its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        try:
            code = _run(argv)
        finally:
            output.flush_stdout()  # a closed pipe shows here, not at interpreter exit
    except BrokenPipeError:
        output.discard_output()
        return output.EXIT_SIGPIPE
    except KeyboardInterrupt:
        try:
            output.err("ssotui: cancelled.")
        except (BrokenPipeError, KeyboardInterrupt):
            output.discard_output()
        return output.EXIT_SIGINT
    return code


def _status(code: object) -> int:
    """An exit status from ``SystemExit.code`` (argparse: 0 or 2; None: 0)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    output.err(str(code))
    return 1


def _run(argv: list[str]) -> int:
    output.never_fail_on_encoding()
    if argv[:1] == [COMPLETE]:
        from ssotui.cli.completion import complete_main

        return complete_main(argv[1:])
    if argv[:1] == ["emulator"]:
        return _emulator(argparse.Namespace(emulator_args=argv[1:]))
    command_argv: list[str] | None = None
    if "exec" in argv and "--" in argv:
        # Everything after `--` is the command, options included (`-- ls -la`).
        split = argv.index("--")
        argv, command_argv = argv[:split], argv[split + 1 :]
    from ssotui.cli.parser import COMMANDS, build_parser

    only = argv[0] if argv and argv[0] in COMMANDS else None  # its parser alone: faster
    try:
        args = build_parser(only).parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (already printed)
        return _status(exc.code)
    if command_argv is not None:
        args.argv = command_argv
    debug = bool(getattr(args, "debug", False))
    if debug:
        from ssotui.core.redact import enable_debug_logging

        enable_debug_logging()
        import logging

        from ssotui import __version__

        logging.getLogger("ssotui").debug("ssotui %s: %s", __version__, args.command or "picker")
    try:
        if args.command is not None and args.command not in LIGHT:
            warn_about_token_files()
        return _handlers()[args.command](args)
    except SsoError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        output.err(f"ssotui: {exc}")
        return exc.exit_code
    except (BrokenPipeError, KeyboardInterrupt):
        raise  # main() ends these quietly
    except SystemExit as exc:  # the demo, on SIGHUP or SIGTERM
        return _status(exc.code)
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback, unless --debug
        if debug:
            raise
        from ssotui.core.redact import redact

        output.err(
            f"ssotui: unexpected error ({exc.__class__.__name__}: {redact(str(exc))}); "
            "run with --debug for details."
        )
        return 1
