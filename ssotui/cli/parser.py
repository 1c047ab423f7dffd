"""The argument parser: every command, its flags and its help.

One meaning per flag: ``--region`` is the AWS region to work in, and exists only where there is
one (``console``, ``shell``, ``exec``, ``env``); the IAM Identity Center region of
``--start-url`` is always ``--sso-region``. Elsewhere ``--region`` is still accepted as the old
spelling of ``--sso-region``, without being offered in the help or in completions.
"""

from __future__ import annotations

import argparse

from ssotui import __version__

COMPLETION_SHELLS = ("bash", "zsh", "fish")
EXPORT_FORMATS = ("sh", "fish", "powershell", "json")  # as ssotui.core.shell.EXPORT_FORMATS
# The commands that take ACCOUNT and ROLE; the first four also take a workload --region.
TARGET_COMMANDS = ("console", "shell", "exec", "env", "credential-process")
COMMANDS = (
    "login",
    "status",
    "logout",
    "list",
    *TARGET_COMMANDS,
    "profiles",
    "completion",
    "demo",
    "emulator",
)


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error in one line (``ssotui env: the following arguments are
    required: ACCOUNT, ROLE (see `ssotui env --help`).``) instead of the usage block."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`).\n")


def _session_flags(
    parser: argparse.ArgumentParser, *, suppress: bool, old_region: bool = True
) -> None:
    """--sso-session / --start-url / --sso-region, and --debug.

    On subcommands the defaults are suppressed so that a flag given before the command is
    not overwritten by the subcommand's default. ``old_region``: also accept ``--region`` as
    the old spelling of ``--sso-region`` (hidden; not where --region is the workload region).
    """
    default = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("session")
    group.add_argument(
        "--sso-session", metavar="NAME", default=default, help="the [sso-session NAME] to use"
    )
    group.add_argument(
        "--start-url", metavar="URL", default=default, help="an access portal start URL (https)"
    )
    group.add_argument(
        "--sso-region",
        metavar="R",
        default=default,
        help="the IAM Identity Center region of --start-url",
    )
    if old_region:
        group.add_argument(
            "--region", dest="sso_region", metavar="R", default=default, help=argparse.SUPPRESS
        )
    _debug_flag(parser, suppress=suppress)


def _debug_flag(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    parser.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="show debug logs (secrets redacted) and tracebacks",
    )


def _refresh_flag(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    parser.add_argument(
        "--refresh",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="ignore the cached inventory",
    )


def _target(p: argparse.ArgumentParser, *, region: bool = True) -> None:
    p.add_argument("account", metavar="ACCOUNT", help="12-digit account id or account name")
    p.add_argument("role", metavar="ROLE", help="permission set name")
    if region:  # console, shell, exec, env: also the safety rail's confirmation
        p.add_argument(
            "--yes-i-mean-prod",
            action="store_true",
            help="confirm a role the settings' [[protected]] rules cover (without a terminal "
            "to ask on, it is refused otherwise)",
        )
        p.add_argument(
            "--region",
            dest="workload_region",
            metavar="R",
            help="the AWS region to work in (default: settings' default_region, else the "
            "SSO region)",
        )


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with ``only``, of that one command alone.

    ``ssotui env ACCOUNT ROLE`` parses the same with either, and ``only`` spares a warm
    command building fourteen subparsers it does not use (a sixth of its start-up)."""
    parser = Parser(
        prog="ssotui",
        description="AWS IAM Identity Center in your terminal: log in, pick an account and "
        "role, open the console or a shell. With no command, opens the full-screen picker.",
    )
    parser.add_argument("--version", action="version", version=f"ssotui {__version__}")
    _refresh_flag(parser, suppress=False)
    parser.add_argument(
        "--all-sessions",
        action="store_true",
        help="the picker shows every configured [sso-session] in one list (setting: all_sessions)",
    )
    _session_flags(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def wanted(name: str) -> bool:
        return only is None or only == name

    def command(name: str, help: str, *, session: bool = True, old_region: bool = True):
        p = sub.add_parser(name, help=help, description=help)
        if session:
            _session_flags(p, suppress=True, old_region=old_region)
        else:
            _debug_flag(p, suppress=True)
        return p

    if wanted("login"):
        p = command(
            "login",
            "log in: in the browser (PKCE) for an [sso-session], else with a device code "
            "(shares the AWS CLI v2 token cache)",
        )
        p.add_argument("--no-browser", action="store_true", help="print the URL, don't open it")
        p.add_argument(
            "--force",
            action="store_true",
            help="end the current session at the portal and start a new one",
        )
        flow = p.add_mutually_exclusive_group()
        flow.add_argument(
            "--use-device-code",
            action="store_true",
            help="log in with a device code (no browser on this machine needed)",
        )
        flow.add_argument(
            "--use-authorization-code",
            action="store_true",
            help="log in in the browser (PKCE), even over SSH or in a container",
        )
        p.add_argument(
            "--redirect-port",
            metavar="PORT",
            help="the loopback port the browser comes back to (default: a free port)",
        )

    if wanted("status"):
        p = command(
            "status",
            "show the session, how long its access token is valid, whether it refreshes itself "
            "and the account list's age; exit 0 when usable, 1 when a login is needed",
        )
        p.add_argument("--json", action="store_true", help="print a JSON object")
        p.add_argument(
            "--check", action="store_true", help="ask the portal whether it still takes the token"
        )

    if wanted("logout"):
        command("logout", "log out of this session: delete its token, credentials and account list")

    if wanted("list"):
        p = command("list", "list every account and permission set you are assigned")
        p.add_argument("--json", action="store_true", help="print a JSON array")
        p.add_argument(
            "--all-sessions",
            action="store_true",
            help="every configured [sso-session] (and legacy start URL) in one list, each row "
            "with its session; one that needs a login is reported and the others listed",
        )
        _refresh_flag(p, suppress=True)

    if wanted("console"):
        p = command("console", "open the AWS console for ACCOUNT and ROLE", old_region=False)
        _target(p)
        p.add_argument(
            "--destination",
            metavar="D",
            help="a service (s3, ec2, cloudwatch, ...) or a full console URL",
        )
        out = p.add_mutually_exclusive_group()
        out.add_argument("--print", action="store_true", help="print the URL instead of opening it")
        out.add_argument("--copy", action="store_true", help="copy the URL to the clipboard")
        p.add_argument(
            "--portal-link",
            action="store_true",
            help="use the access portal's shortcut link (no credentials; multi-session)",
        )
        p.add_argument(
            "--container",
            action="store_true",
            help="wrap the URL in a Firefox container link named after the account and role",
        )

    if wanted("shell"):
        p = command("shell", "start a shell with the role's credentials", old_region=False)
        _target(p)
        p.add_argument("--shell", metavar="PATH", help="the shell to run (default: $SHELL)")
        p.add_argument(
            "--refreshing",
            action="store_true",
            help="serve fresh credentials to the shell from a loopback endpoint instead of "
            "static keys, so that it outlives them",
        )

    if wanted("exec"):
        p = command("exec", "run a command with the role's credentials", old_region=False)
        _target(p)
        p.add_argument("argv", nargs="*", metavar="-- CMD [ARGS...]", help="the command to run")

    if wanted("env"):
        p = command("env", "print the role's credentials as shell exports", old_region=False)
        _target(p)
        p.add_argument(
            "--format", choices=EXPORT_FORMATS, default="sh", help="the shell to export for"
        )

    if wanted("credential-process"):
        p = command("credential-process", "print credentials for the SDKs' credential_process")
        _target(p, region=False)

    if wanted("profiles"):
        p = command(
            "profiles", "write one AWS config profile per account and role (dry run by default)"
        )
        p.add_argument(
            "--write", action="store_true", help="apply the change (default: show a diff)"
        )
        p.add_argument(
            "--template",
            metavar="T",
            default=None,
            help="profile name template (default {account_name}.{role_name}; "
            "fields: account_name, account_id, role_name, session)",
        )
        p.add_argument(
            "--profile-region",
            metavar="R",
            help="the region = line of each profile (default: settings' default region, else "
            "the SSO region)",
        )
        _refresh_flag(p, suppress=True)

    if wanted("completion"):
        p = sub.add_parser(
            "completion",
            help="print a shell completion script (bash, zsh or fish)",
            description="print a shell completion script: "
            'eval "$(ssotui completion bash)", or source it from your shell\'s startup file',
        )
        p.add_argument("shell_name", metavar="SHELL", choices=COMPLETION_SHELLS)

    if wanted("demo"):
        p = command(
            "demo", "try everything against a built-in emulated organization", session=False
        )
        p.add_argument(
            "--accounts",
            type=int,
            default=120,
            metavar="N",
            help="accounts in the demo org (default 120)",
        )
        p.add_argument(
            "--approve-after",
            type=float,
            default=None,
            metavar="S",
            help="approve the login by itself after S seconds",
        )
        p.add_argument(
            "--hostile",
            action="store_true",
            help="add accounts whose names carry terminal escapes, newlines, quotes and $(...)",
        )

    if wanted("emulator"):  # `ssotui emulator ARGS` goes to the emulator's own parser (entry.py)
        sub.add_parser(
            "emulator", help="serve the IAM Identity Center emulator (see --help)", add_help=False
        )

    return parser
