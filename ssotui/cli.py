"""Command line: argument parsing, the commands, and the one app factory (``make_app``).

Nothing here imports textual or boto3 at module level: ``ssotui list`` and
``ssotui credential-process`` must not pay for the TUI, and the picker must paint from its
cache before boto3 is loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime

from ssotui import __version__
from ssotui.core.errors import SsoError

COMMANDS = (
    "login",
    "logout",
    "list",
    "console",
    "shell",
    "exec",
    "env",
    "credential-process",
    "profiles",
    "completion",
    "demo",
    "emulator",
)


# -- argument parsing ------------------------------------------------------------------------


def _session_flags(
    parser: argparse.ArgumentParser, *, suppress: bool, region_flag: bool = True
) -> None:
    """--sso-session / --start-url / --sso-region (and --region where it means the SSO region).

    On subcommands the defaults are suppressed so that a flag given before the command is
    not overwritten by the subcommand's default.
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
        help="the IAM Identity Center region for --start-url",
    )
    if region_flag:
        group.add_argument("--region", metavar="R", default=default, help="same as --sso-region")
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help="show debug logs (secrets redacted) and tracebacks",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ssotui",
        description="AWS IAM Identity Center in your terminal: log in, pick an account and "
        "role, open the console or a shell. With no command, opens the full-screen picker.",
    )
    parser.add_argument("--version", action="version", version=f"ssotui {__version__}")
    parser.add_argument("--refresh", action="store_true", help="ignore the cached inventory")
    _session_flags(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help: str, region_flag: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        _session_flags(p, suppress=True, region_flag=region_flag)
        return p

    def target(p: argparse.ArgumentParser, region: bool = True) -> None:
        p.add_argument("account", metavar="ACCOUNT", help="12-digit account id or exact name")
        p.add_argument("role", metavar="ROLE", help="permission set name")
        if region:
            p.add_argument(
                "--region",
                dest="workload_region",
                metavar="R",
                help="AWS region to use (default: the SSO region)",
            )

    p = command("login", "log in with the device flow (shares the AWS CLI v2 token cache)")
    p.add_argument("--no-browser", action="store_true", help="print the URL, don't open it")
    p.add_argument("--force", action="store_true", help="log in even if the token is valid")

    command("logout", "log out of this session and delete its cached token")

    p = command("list", "list every account and permission set you are assigned")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.add_argument(
        "--refresh",
        action="store_true",
        default=argparse.SUPPRESS,
        help="ignore the cached inventory",
    )

    p = command("console", "open the AWS console for ACCOUNT and ROLE", region_flag=False)
    target(p)
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

    p = command("shell", "start a shell with the role's credentials", region_flag=False)
    target(p)
    p.add_argument("--shell", metavar="PATH", help="the shell to run (default: $SHELL)")
    p.add_argument(
        "--refreshing",
        action="store_true",
        help="serve fresh credentials to the shell from a loopback endpoint instead of "
        "static keys, so that it outlives them",
    )

    p = command("exec", "run a command with the role's credentials", region_flag=False)
    target(p)
    p.add_argument("argv", nargs="*", metavar="-- CMD [ARGS...]", help="the command to run")

    p = command("env", "print the role's credentials as shell exports", region_flag=False)
    target(p)
    p.add_argument("--format", choices=("sh", "fish", "powershell", "json"), default="sh")

    p = command("credential-process", "print credentials for the SDKs' credential_process")
    target(p, region=False)

    p = command(
        "profiles", "write one AWS config profile per account and role (dry run by default)"
    )
    p.add_argument("--write", action="store_true", help="apply the change (default: show a diff)")
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
    p.add_argument(
        "--refresh",
        action="store_true",
        default=argparse.SUPPRESS,
        help="ignore the cached inventory",
    )

    p = sub.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description="print a shell completion script: "
        'eval "$(ssotui completion bash)", or source it from your shell\'s startup file',
    )
    p.add_argument("shell_name", metavar="SHELL", choices=COMPLETION_SHELLS)

    p = command("demo", "try everything against a built-in emulated organization")
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

    sub.add_parser(
        "emulator", help="serve the IAM Identity Center emulator (see --help)", add_help=False
    )
    return parser


COMPLETION_SHELLS = ("bash", "zsh", "fish")


# -- helpers ---------------------------------------------------------------------------------


def _err(message: str) -> None:
    """One line on stderr. Lines quote names the portal sent: made safe for the terminal."""
    from ssotui.core.untrusted import for_terminal

    print(for_terminal(message), file=sys.stderr, flush=True)


def _never_fail_on_encoding() -> None:
    """A character the terminal's encoding cannot hold (a lone surrogate in a name) is shown
    replaced instead of failing the whole command."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (OSError, ValueError):
                pass


def _session(args):
    from ssotui.core.config import load_config, require_session

    config = load_config()
    return require_session(config, **_session_choice(args))


def _session_choice(args) -> dict:
    """The session flags; on console/shell/exec/env ``--region`` is the workload region, so
    with ``--start-url`` and no ``--sso-region`` it doubles as the SSO region."""
    start_url = getattr(args, "start_url", None)
    region = getattr(args, "sso_region", None) or getattr(args, "region", None)
    if start_url and not region:
        region = getattr(args, "workload_region", None)
    return {
        "sso_session": getattr(args, "sso_session", None),
        "start_url": start_url,
        "region": region,
    }


def _client(args):
    from ssotui.core.service import SsoClient
    from ssotui.core.settings import load_settings

    settings = load_settings()
    return SsoClient(_session(args), rate_limit=settings.rate_limit), settings


def _local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M %Z").strip()


def _workload_region(args, client, settings) -> str:
    return (
        getattr(args, "workload_region", None) or settings.default_region or client.session.region
    )


def _check_region_flag(args) -> None:
    """``--region`` on console, shell, exec and env: a region code, before anything is built
    from it (hostnames, AWS_REGION)."""
    region = getattr(args, "workload_region", None)
    if region is not None:
        from ssotui.core.errors import ConfigError
        from ssotui.core.untrusted import for_terminal, is_region

        if not is_region(region):
            raise ConfigError(
                f"--region {for_terminal(region)!r} is not an AWS region (expected e.g. "
                "eu-west-1)."
            )


# -- commands --------------------------------------------------------------------------------


def cmd_login(args) -> int:
    from ssotui.core.errors import LoginRequired

    client, _settings = _client(args)
    auth = client.auth
    label = client.session.label
    if not args.force:
        try:
            token = auth.token()
        except (LoginRequired, SsoError):
            pass
        else:
            _err(
                f"Already logged in to {label} (token valid until {_local_time(token.expires_at)})."
            )
            return 0
    _device_login(client, browser=not args.no_browser)
    return 0


def _device_login(client, *, browser: bool) -> None:
    """The device-code login with its instructions on stderr (stdout stays clean)."""
    from ssotui.core import console
    from ssotui.core.untrusted import browser_url, for_terminal

    auth = client.auth
    label = client.session.label
    authorization = auth.start_login()
    # The page and the code come from the network: the page is shown and opened only if it
    # is a web address a browser may be given, the code only as printable text.
    url = browser_url(authorization.verification_uri_complete) or browser_url(
        authorization.verification_uri
    )
    if url is None:
        raise SsoError(
            "the portal sent an approval page address that is not an https:// URL; "
            "not showing or opening it."
        )
    _err(f"Log in to {label} ({client.session.start_url}).")
    _err(f"Open {url}")
    _err("and check that it shows this code:")
    print(for_terminal(authorization.user_code), file=sys.stderr, flush=True)
    if browser and console.has_display():
        try:
            console.open_in_browser(url)
        except SsoError as exc:
            _err(str(exc))
    minutes = max(
        1,
        round(
            (
                authorization.expires_at - datetime.now(authorization.expires_at.tzinfo)
            ).total_seconds()
            / 60
        ),
    )
    _err(f"Waiting for approval (the code expires in {minutes} min; Ctrl-C to cancel)…")
    token = auth.wait_for_login(authorization)
    if token is None:
        raise SsoError("login cancelled.")
    _err(f"Logged in to {label}; the token is valid until {_local_time(token.expires_at)}.")


def cmd_logout(args) -> int:
    from ssotui.core.credcache import CredentialCache

    client, _settings = _client(args)
    had = client.auth.logout()
    CredentialCache(client.session).clear()
    _err(
        f"Logged out of {client.session.label}."
        if had
        else f"Not logged in to {client.session.label}."
    )
    return 0


def cmd_list(args) -> int:
    client, _settings = _client(args)
    inventory = None if args.refresh else client.cached_inventory()
    if inventory is None or not inventory.complete:
        inventory = client.load_inventory(on_event=_progress_printer())
    _warn_skipped(inventory)
    rows = inventory.assignments()
    if args.json:
        data = [
            {
                "accountId": r.account_id,
                "accountName": r.account_name,
                "emailAddress": r.email,
                "roleName": r.role_name,
            }
            for r in rows
        ]
        # JSON escapes every control character, and ensure_ascii a lone surrogate too.
        print(json.dumps(data, indent=2, ensure_ascii=True))
        return 0
    from ssotui.core.untrusted import for_terminal

    table = [tuple(map(for_terminal, (r.account_id, r.account_name, r.role_name))) for r in rows]
    width = max((len(name) for _id, name, _role in table), default=12)
    for account_id, name, role in table:
        print(f"{account_id}  {name:<{width}}  {role}")
    return 0


def _warn_skipped(inventory) -> None:
    """One line when the portal sent rows that could not be used (the inventory leaves out
    accounts with an invalid id and roles with an invalid name, and lists them here)."""
    skipped = inventory.skipped_count
    if skipped:
        _err(
            f"warning: skipped {skipped} row(s) the portal sent with an invalid account id "
            "or role name"
        )


def _progress_printer():
    """Progress on stderr while the inventory loads, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None

    def on_event(event) -> None:
        done = getattr(event, "done", None)
        total = getattr(event, "total", None)
        if done is not None and total:
            print(f"\rloading roles: {done}/{total} accounts", end="", file=sys.stderr, flush=True)
            if done == total:
                print(file=sys.stderr)

    return on_event


def _target(args, client):
    return client.resolve(args.account, args.role, inventory=client.cached_inventory())


def cmd_console(args) -> int:
    from ssotui.core import console

    _check_region_flag(args)
    client, settings = _client(args)
    assignment = _target(args, client)
    region = _workload_region(args, client, settings)
    destination = args.destination or settings.default_destination
    if args.portal_link:
        url = client.portal_link(assignment, region=region, destination=destination)
    else:
        url = client.console_url(assignment, region=region, destination=destination)
    what = f"{assignment.account_name} ({assignment.account_id}) as {assignment.role_name}"
    if args.container:
        from ssotui.core.untrusted import for_terminal

        name = for_terminal(f"{assignment.account_name}/{assignment.role_name}")  # as shown
        url = console.container_url(url, name)
    if args.print:
        print(url)
    elif args.copy:
        console.copy_to_clipboard(url)
        _err(f"Copied the console URL for {what} (valid 15 minutes).")
    else:
        console.open_in_browser(url, settings.browser_command)
        _err(f"Opened the console for {what}.")
    return 0


def _role_env(args, client, settings):
    from ssotui.core import shell

    assignment = _target(args, client)
    creds = client.credentials(assignment)
    region = _workload_region(args, client, settings)
    warning = shell.nesting_warning(os.environ)
    env = shell.role_environment(
        creds, assignment, region=region, session_label=client.session.label
    )
    return assignment, creds, env, warning


def cmd_shell(args) -> int:
    from ssotui.core import shell

    _check_region_flag(args)
    if args.refreshing:
        return _refreshing_shell(args)
    client, settings = _client(args)
    assignment, creds, env, warning = _role_env(args, client, settings)
    if warning:
        _err(f"warning: {warning}")
    argv = shell.shell_argv(args.shell)
    _err(
        f"Starting {argv[0]} as {assignment.role_name} in {assignment.account_name} "
        f"({assignment.account_id}); credentials expire at {_local_time(creds.expiration)}. "
        "Type `exit` to leave."
    )
    return shell.run(argv, env)


def _refreshing_shell(args) -> int:
    from datetime import timedelta

    from ssotui.core import shell
    from ssotui.core.credserver import CredentialServer, refreshing_environment

    client, settings = _client(args)
    assignment = _target(args, client)
    # SDKs refresh container credentials 15 min (advisory) / 10 min (mandatory) before they
    # expire: hand them ones with more left than that, so they do not ask on every call.
    client.broker.min_remaining = timedelta(minutes=16)
    client.credentials(assignment)  # fail now (not logged in, role gone), not in the shell
    region = _workload_region(args, client, settings)
    warning = shell.nesting_warning(os.environ)
    if warning:
        _err(f"warning: {warning}")
    argv = shell.shell_argv(args.shell)
    with CredentialServer(lambda: client.credentials(assignment)) as server:
        env = refreshing_environment(
            server, assignment, region=region, session_label=client.session.label
        )
        _err(
            f"Starting {argv[0]} as {assignment.role_name} in {assignment.account_name} "
            f"({assignment.account_id}); credentials are renewed while it runs "
            "(the SDKs fetch them from a local endpoint). Type `exit` to leave."
        )
        return shell.run(argv, env)


def cmd_exec(args) -> int:
    from ssotui.core import shell

    argv = list(args.argv)
    if not argv:
        raise SsoError("nothing to run: use `ssotui exec ACCOUNT ROLE -- CMD [ARGS...]`.")
    _check_region_flag(args)
    client, settings = _client(args)
    _assignment, _creds, env, _warning = _role_env(args, client, settings)
    return shell.run(argv, env)


def cmd_env(args) -> int:
    from ssotui.core import shell

    _check_region_flag(args)
    client, settings = _client(args)
    _assignment, _creds, env, _warning = _role_env(args, client, settings)
    print(shell.export_script(env, args.format))
    return 0


def cmd_credential_process(args) -> int:
    """Fast on repeat calls: unexpired credentials come from the 0600 file cache without
    importing boto3; a miss fetches (logging in once, under a lock, if the session ended)."""
    from ssotui.core.credcache import FETCH_MIN, CredentialCache, process_json
    from ssotui.core.timeutil import utcnow

    session = _session(args)
    cache = CredentialCache(session)
    cached = None
    if _is_account_id(args.account):
        cached = cache.load(args.account, args.role)
        if cached is not None and cached.expiration - utcnow() >= FETCH_MIN:
            print(process_json(cached), flush=True)
            return 0
    from ssotui.core.service import SsoClient
    from ssotui.core.settings import load_settings

    client = SsoClient(session, rate_limit=load_settings().rate_limit)
    if _is_account_id(args.account):
        account_id = args.account  # no inventory needed: the portal checks the assignment
    else:
        account_id = _with_login(client, lambda: _target(args, client)).account_id
        cached = cache.load(account_id, args.role)
        if cached is not None and cached.expiration - utcnow() >= FETCH_MIN:
            print(process_json(cached), flush=True)
            return 0
    client.broker.min_remaining = FETCH_MIN

    def fetch():
        return client.broker.get(account_id, args.role)

    if cached is None:
        creds = _with_login(client, fetch)
        cache.save(creds)
    else:
        try:
            creds = fetch()  # no interactive login while the cached set still works
        except SsoError:
            creds = cached  # more than 10 minutes left: better than failing
        else:
            cache.save(creds)
    print(process_json(creds), flush=True)
    return 0


def _is_account_id(text: str) -> bool:
    return len(text) == 12 and text.isdigit()


def _with_login(client, call):
    """``call()``; if the session has ended, log in once and call again. The first of many
    concurrent processes takes the token lock and runs the device flow (browser, instructions
    on stderr); the others wait on the lock, see the new token and use it."""
    from ssotui.core import console
    from ssotui.core.errors import LoginRequired

    auth = client.auth
    try:
        before = auth.cache.load_token()
    except LoginRequired:
        before = None
    try:
        return call()
    except LoginRequired:
        if not console.has_display():
            raise  # nobody could see the instructions (the SDK swallows our stderr)
    with auth.cache.lock():
        try:
            latest = auth.cache.load_token()
        except LoginRequired:
            latest = None
        if latest is not None and (before is None or latest.access_token != before.access_token):
            try:
                return call()  # another process logged in meanwhile
            except LoginRequired:
                pass
        _err(f"ssotui: the session {client.session.label} has ended; logging in again.")
        _device_login(client, browser=True)
        return call()


def cmd_profiles(args) -> int:
    from ssotui.core.profiles import DEFAULT_TEMPLATE, plan_profiles

    client, settings = _client(args)
    session = client.session
    if session.name is None:
        raise SsoError(
            "generated profiles need an [sso-session] section (this session is a legacy "
            "profile or --start-url): add one and use --sso-session NAME."
        )
    from ssotui.core import paths

    inventory = client.inventory(refresh=bool(getattr(args, "refresh", False)))
    _warn_skipped(inventory)
    plan = plan_profiles(
        session,
        inventory.assignments(),
        region=args.profile_region or settings.default_region or session.region,
        template=args.template or DEFAULT_TEMPLATE,
        path=paths.aws_config_file(),
    )
    for name, a in plan.skipped:
        _err(
            f"warning: skipped {name} ({a.account_id} {a.role_name}): a profile of that name "
            "is already defined outside the ssotui block."
        )
    if plan.rejected:
        _err(
            f"warning: left out {len(plan.rejected)} row(s) whose account id or role name "
            "cannot be written into a config file safely."
        )
    count = len(plan.profiles)
    if not plan.changed:
        _err(f"{plan.path}: no changes ({count} profiles for sso-session {session.name}).")
        return 0
    if not args.write:
        from ssotui.core.untrusted import for_terminal

        # The diff quotes names the portal sent: each line is made safe for the terminal.
        sys.stdout.write("\n".join(for_terminal(line) for line in plan.diff().split("\n")))
        _err(
            f"Dry run: {count} profiles for sso-session {session.name}. "
            "Run `ssotui profiles --write` (with the same flags) to apply this change."
        )
        return 0
    backup = plan.write()
    saved = f"; the previous file is in {backup}" if backup else ""
    _err(f"Wrote {count} profiles for sso-session {session.name} to {plan.path}{saved}.")
    return 0


def cmd_completion(args) -> int:
    sys.stdout.write(completion_script(build_parser(), args.shell_name))
    return 0


# -- shell completion --------------------------------------------------------------------------


def _options(parser: argparse.ArgumentParser) -> list[tuple[str, str]]:
    """``(option, help)`` for every long option of ``parser`` (short ones too if no long)."""
    out = []
    for action in parser._actions:  # argparse has no public accessor for this
        longs = [o for o in action.option_strings if o.startswith("--")]
        for option in longs or action.option_strings:
            text = action.help if action.help not in (None, argparse.SUPPRESS) else ""
            out.append((option, " ".join(str(text).split())))
    return out


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            return {name: (helps.get(name, ""), p) for name, p in action.choices.items()}
    return {}


def _sq(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def completion_script(parser: argparse.ArgumentParser, shell_name: str) -> str:
    """A static completion script for ``shell_name`` (bash, zsh or fish), generated from the
    parser: the subcommands, the global flags and each subcommand's flags."""
    subs = _subcommands(parser)
    top = [o for o, _h in _options(parser)]
    # global options that take a value: their value is not the command
    valued = "|".join(
        o for a in parser._actions if a.option_strings and a.nargs != 0 for o in a.option_strings
    )
    if shell_name == "bash":
        lines = [
            '# ssotui completion for bash: eval "$(ssotui completion bash)"',
            "_ssotui() {",
            '    local cur="${COMP_WORDS[COMP_CWORD]}" cmd="" i',
            "    for ((i = 1; i < COMP_CWORD; i++)); do",
            '        case "${COMP_WORDS[i]}" in',
            f"            {valued}) ((i++)) ;;",
            "            -*) ;;",
            '            *) cmd="${COMP_WORDS[i]}"; break ;;',
            "        esac",
            "    done",
            '    local words=""',
            '    case "$cmd" in',
        ]
        for name, (_help, sub) in subs.items():
            flags = " ".join(o for o, _h in _options(sub))
            lines.append(f'        {name}) words="{flags}" ;;')
        lines += [
            f'        "") words="{" ".join(subs)} {" ".join(top)}" ;;',
            "    esac",
            '    COMPREPLY=($(compgen -W "$words" -- "$cur"))',
            "}",
            "complete -o default -F _ssotui ssotui",
        ]
    elif shell_name == "zsh":
        lines = [
            "#compdef ssotui",
            '# ssotui completion for zsh: eval "$(ssotui completion zsh)"',
            "_ssotui() {",
            "    local cmd='' i",
            "    for ((i = 2; i < CURRENT; i++)); do",
            "        case ${words[i]} in",
            f"            {valued}) ((i++)) ;;",
            "            -*) ;;",
            "            *) cmd=${words[i]}; break ;;",
            "        esac",
            "    done",
            "    local -a items",
            "    case $cmd in",
        ]
        for name, (_help, sub) in subs.items():
            items = " ".join(
                _sq(f"{o}:{h.replace(':', ' ')}" if h else o) for o, h in _options(sub)
            )
            lines.append(f"        {name}) items=({items}) ;;")
        cmd_items = " ".join(_sq(f"{n}:{h.replace(':', ' ')}") for n, (h, _p) in subs.items())
        top_items = " ".join(
            _sq(f"{o}:{h.replace(':', ' ')}" if h else o) for o, h in _options(parser)
        )
        lines += [
            f"        '') items=({cmd_items} {top_items}) ;;",
            "    esac",
            "    _describe -t commands ssotui items || _files",
            "}",
            'if [ "$funcstack[1]" = "_ssotui" ]; then _ssotui "$@";',
            "else compdef _ssotui ssotui; fi",
        ]
    elif shell_name == "fish":
        names = " ".join(subs)
        lines = ["# ssotui completion for fish: ssotui completion fish | source"]
        lines.append("complete -c ssotui -f")
        for name, (help_text, _sub) in subs.items():
            lines.append(
                f"complete -c ssotui -n 'not __fish_seen_subcommand_from {names}' "
                f"-a {name} -d {_sq(help_text)}"
            )
        for option, help_text in _options(parser):
            if option.startswith("--"):
                lines.append(
                    f"complete -c ssotui -n 'not __fish_seen_subcommand_from {names}' "
                    f"-l {option[2:]} -d {_sq(help_text)}"
                )
        for name, (_help, sub) in subs.items():
            for option, help_text in _options(sub):
                if option.startswith("--"):
                    lines.append(
                        f"complete -c ssotui -n '__fish_seen_subcommand_from {name}' "
                        f"-l {option[2:]} -d {_sq(help_text)}"
                    )
    else:
        raise SsoError(f"no completion for {shell_name!r}: use one of bash, zsh, fish.")
    return "\n".join(lines) + "\n"


def cmd_demo(args) -> int:
    from ssotui.demo import run_demo

    return run_demo(
        accounts=args.accounts, approve_after=args.approve_after, hostile=args.hostile
    )


def cmd_picker(args) -> int:
    from ssotui.core.config import load_config, resolve_session
    from ssotui.core.settings import load_settings

    config = load_config()
    session = resolve_session(config, **_session_choice(args))
    app = make_app(session, config, load_settings(), refresh=args.refresh)
    result = app.run()
    return int(app.return_code or 0) if result is None else int(result or 0)


def make_app(session, aws_config, settings, *, refresh: bool = False, services=None):
    """The one place the TUI app is built, for the CLI, the demo, tests and screenshots."""
    from ssotui.tui.app import SsoTuiApp

    return SsoTuiApp(
        session=session,
        aws_config=aws_config,
        settings=settings,
        refresh=refresh,
        services=services,
    )


HANDLERS = {
    "login": cmd_login,
    "logout": cmd_logout,
    "list": cmd_list,
    "console": cmd_console,
    "shell": cmd_shell,
    "exec": cmd_exec,
    "env": cmd_env,
    "credential-process": cmd_credential_process,
    "profiles": cmd_profiles,
    "completion": cmd_completion,
    "demo": cmd_demo,
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "emulator":
        from ssotui.emulator.cli import main as emulator_main

        return emulator_main(argv[1:])
    command_argv: list[str] | None = None
    if argv and "exec" in argv and "--" in argv:
        # Everything after `--` is the command, options included (`-- ls -la`).
        split = argv.index("--")
        argv, command_argv = argv[:split], argv[split + 1 :]
    _never_fail_on_encoding()
    args = build_parser().parse_args(argv)
    if command_argv is not None:
        args.argv = command_argv
    debug = bool(getattr(args, "debug", False))
    if debug:
        from ssotui.core.redact import enable_debug_logging

        enable_debug_logging()
    handler = HANDLERS.get(args.command, cmd_picker)
    if handler is not cmd_picker:  # e.g. a token file other users could read was tightened
        from ssotui.core import tokencache

        tokencache.set_warning_handler(lambda message: _err(f"warning: {message}"))
    try:
        return handler(args)
    except SsoError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        _err(f"ssotui: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        _err("ssotui: cancelled.")
        return 130
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback, unless --debug
        if debug:
            raise
        from ssotui.core.redact import redact

        _err(
            f"ssotui: unexpected error ({exc.__class__.__name__}: {redact(str(exc))}); "
            "run with --debug for details."
        )
        return 1
