"""The session commands: login, status, logout, list, profiles, completion, demo and the picker.

Nothing here imports textual or boto3 at module level: ``ssotui list`` must not pay for the
TUI, and the picker must paint from its cache before boto3 is loaded.
"""

from __future__ import annotations

import json
import sys

from ssotui.cli.output import err, local_time
from ssotui.core.errors import SsoError


def session_choice(args) -> dict:
    """The session flags as ``resolve_session`` takes them."""
    return {
        "sso_session": getattr(args, "sso_session", None),
        "start_url": getattr(args, "start_url", None),
        "region": getattr(args, "sso_region", None),
    }


def session(args):
    from ssotui.core.config import load_config, require_session

    return require_session(load_config(), **session_choice(args))


def client(args):
    """The SsoClient for the chosen session, and the settings."""
    from ssotui.core.service import SsoClient
    from ssotui.core.settings import load_settings

    settings = load_settings()
    return SsoClient(
        session(args), rate_limit=settings.rate_limit, load_deadline=settings.load_deadline
    ), settings


def cmd_login(args) -> int:
    from ssotui.cli.login import log_in, logged_out
    from ssotui.cli.output import EXIT_SIGINT
    from ssotui.core.config import validate_port
    from ssotui.core.errors import LoginRequired

    if getattr(args, "redirect_port", None) is not None:  # refused before anything else
        validate_port(args.redirect_port, "--redirect-port")
    sso, settings = client(args)
    label = sso.session.label
    ended = False
    if args.force:
        # A new IAM Identity Center session: the portal logout first, else the browser's
        # current session would simply be joined again.
        try:
            ended = sso.auth.cached_token() is not None
        except SsoError:
            ended = True
        if not sso.auth.end_session() and ended:
            err(
                f"warning: the portal did not confirm the end of the old session of {label}; "
                "this login may join it."
            )
    else:
        try:
            token = sso.auth.token()
        except (LoginRequired, SsoError):
            pass
        else:
            err(f"Already logged in to {label} (token valid until {local_time(token.expires_at)}).")
            return 0
    try:
        log_in(sso, settings, args, browser=not args.no_browser)
    except KeyboardInterrupt:
        if not ended:
            raise  # main(): "ssotui: cancelled.", 130
        err(f"ssotui: cancelled; {logged_out(args, label)}")
        return EXIT_SIGINT
    except SsoError as error:
        if ended:
            error.message = f"{str(error).rstrip('.')}; {logged_out(args, label)}"
        raise
    return 0


def cmd_status(args) -> int:
    """The session's state from local files (no network, no boto3) unless --check: exit 0
    when it can be used without a browser, 1 when a login is needed."""
    from ssotui.core.auth import Authenticator
    from ssotui.core.status import session_status

    chosen = session(args)
    status = session_status(chosen, auth=Authenticator(chosen), check=bool(args.check))
    if args.json:
        print(json.dumps(status.to_json(), indent=2, ensure_ascii=True))
    else:
        from ssotui.core.untrusted import for_terminal

        for line in status.lines():
            print(for_terminal(line))
    return 0 if status.usable else 1


def cmd_logout(args) -> int:
    """Delete this session's token, its cached role credentials and its cached account list
    (the user's list of accounts is not left behind on a shared machine)."""
    from ssotui.core.credcache import CredentialCache

    sso, _settings = client(args)
    had = sso.auth.logout()
    CredentialCache(sso.session).clear()
    sso.cache.clear(sso.session)
    label = sso.session.label
    err(f"Logged out of {label}." if had else f"Not logged in to {label}.")
    return 0


def cmd_list(args) -> int:
    """Every row; exit 3 after printing what arrived when a load ended early (the portal kept
    throttling past load_deadline, or failed for good after some rows), with one line saying
    how much is missing."""
    from ssotui.core.errors import SsoError

    if getattr(args, "all_sessions", False):
        return _list_all_sessions(args)
    sso, _settings = client(args)
    inventory = None if args.refresh else sso.cached_inventory()
    if inventory is None or not inventory.complete:
        loader = sso.loader()
        try:
            inventory = sso.refresh_inventory(on_event=_progress_printer(), loader=loader)
        except SsoError as exc:
            incomplete = loader.ended_early(exc)  # None: nothing arrived, or login/config
            if incomplete is None:
                raise
            _print_rows(incomplete.inventory, args.json)
            raise incomplete from exc
    _print_rows(inventory, args.json)
    return 0


def _list_all_sessions(args) -> int:
    """Every session's rows, each tagged with its session; a session that could not be listed
    (or only in part) is one line on stderr, and the exit status is then 3."""
    from ssotui.core.all_sessions import load_all
    from ssotui.core.config import load_config
    from ssotui.core.errors import LoginRequired
    from ssotui.core.settings import load_settings

    config = load_config()
    if not config.all_sessions:
        raise SsoError(f"no [sso-session] in {config.path}: add one, or run `ssotui` to.")
    results = load_all(config.all_sessions, load_settings(), refresh=bool(args.refresh))
    rows = []
    for result in results:
        if result.inventory is not None:
            warn_skipped(result.inventory)
            rows += [(result.session.label, r) for r in result.inventory.assignments()]
    _print_rows_of(rows, args.json)
    failed = [r for r in results if r.error is not None]
    for result in failed:
        what = result.error
        if isinstance(result.error, LoginRequired):
            session = result.session
            flag = (
                f"--sso-session {session.name}"
                if session.name
                else (f"--start-url {session.start_url} --sso-region {session.region}")
            )
            what = f"not logged in; the others are listed (run `ssotui login {flag}`)."
        err(f"ssotui: session {result.session.label}: {what}")
    return 3 if failed else 0


def _print_rows(inventory, as_json: bool) -> None:
    warn_skipped(inventory)
    _print_rows_of([(None, r) for r in inventory.assignments()], as_json)


def _print_rows_of(rows: list, as_json: bool) -> None:
    """``rows`` of (session label or None, Assignment): a table, or a JSON array whose
    objects carry ``session`` when the label is given."""
    if as_json:
        data = []
        for label, r in rows:
            item = {"session": label} if label is not None else {}
            item.update(
                accountId=r.account_id,
                accountName=r.account_name,
                emailAddress=r.email,
                roleName=r.role_name,
            )
            data.append(item)
        # JSON escapes every control character, and ensure_ascii a lone surrogate too.
        print(json.dumps(data, indent=2, ensure_ascii=True))
        return
    from ssotui.core.untrusted import for_terminal

    table = [
        tuple(map(for_terminal, (label or "", r.account_id, r.account_name, r.role_name)))
        for label, r in rows
    ]
    width = max((len(name) for _s, _id, name, _role in table), default=12)
    tagged = max((len(label) for label, *_ in table), default=0)
    for label, account_id, name, role in table:
        lead = f"{label:<{tagged}}  " if tagged else ""
        print(f"{lead}{account_id}  {name:<{width}}  {role}")


def warn_skipped(inventory) -> None:
    """One line when the portal sent rows that could not be used (the inventory leaves out
    accounts with an invalid id and roles with an invalid name, and lists them here)."""
    skipped = inventory.skipped_count
    if skipped:
        err(
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


def cmd_profiles(args) -> int:
    from ssotui.core import paths
    from ssotui.core.profiles import DEFAULT_TEMPLATE, plan_profiles
    from ssotui.core.untrusted import for_terminal

    sso, settings = client(args)
    chosen = sso.session
    if chosen.name is None:
        raise SsoError(
            "generated profiles need an [sso-session] section (this session is a legacy "
            "profile or --start-url): add one and use --sso-session NAME."
        )
    inventory = sso.inventory(refresh=bool(getattr(args, "refresh", False)))
    warn_skipped(inventory)
    plan = plan_profiles(
        chosen,
        inventory.assignments(),
        region=args.profile_region or settings.default_region or chosen.region,
        template=args.template or DEFAULT_TEMPLATE,
        path=paths.aws_config_file(),
        chains=settings.chained_roles,
    )
    for name, a in plan.skipped:
        err(
            f"warning: skipped {name} ({a.account_id} {a.role_name}): a profile of that name "
            "is already defined outside the ssotui block."
        )
    if plan.rejected:
        err(
            f"warning: left out {len(plan.rejected)} row(s) whose account id or role name "
            "cannot be written into a config file safely."
        )
    count = len(plan.profiles)
    what = f"{count} profiles for sso-session {chosen.name}"
    if not plan.changed:
        err(f"{plan.path}: no changes ({what}).")
        return 0
    if not args.write:
        # The diff quotes names the portal sent: each line is made safe for the terminal.
        sys.stdout.write("\n".join(for_terminal(line) for line in plan.diff().split("\n")))
        err(
            f"Dry run: {what}. "
            "Run `ssotui profiles --write` (with the same flags) to apply this change."
        )
        return 0
    backup = plan.write()
    saved = f"; the previous file is in {backup}" if backup else ""
    err(f"Wrote {what} to {plan.path}{saved}.")
    return 0


def cmd_completion(args) -> int:
    from ssotui.cli.completion import completion_script

    sys.stdout.write(completion_script(args.shell_name))
    return 0


def cmd_demo(args) -> int:
    from ssotui.demo import run_demo

    return run_demo(accounts=args.accounts, approve_after=args.approve_after, hostile=args.hostile)


def cmd_picker(args) -> int:
    from ssotui.app_factory import make_app
    from ssotui.core.config import load_config, resolve_session
    from ssotui.core.settings import load_settings

    config = load_config()
    settings = load_settings()
    choice = session_choice(args)
    # Every session in one list: asked for (--all-sessions, or the setting without a session
    # named on the command line), and more than one configured.
    merged = getattr(args, "all_sessions", False) or (
        settings.all_sessions and not any(choice.values())
    )
    if merged and len(config.all_sessions) > 1:
        app = make_app(None, config, settings, refresh=args.refresh, all_sessions=True)
    else:
        chosen = resolve_session(config, **choice)
        app = make_app(chosen, config, settings, refresh=args.refresh)
    result = app.run()
    return int(app.return_code or 0) if result is None else int(result or 0)
