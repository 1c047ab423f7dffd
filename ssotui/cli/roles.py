"""The commands for one ACCOUNT and ROLE: console, shell, exec, env and credential-process."""

from __future__ import annotations

import os

from ssotui.cli.commands import client, session
from ssotui.cli.output import err, local_time
from ssotui.core.errors import SsoError


def _check_region_flag(args) -> None:
    """``--region`` on console, shell, exec and env: a region code, before anything is built
    from it (hostnames, AWS_REGION)."""
    region = getattr(args, "workload_region", None)
    if region is not None:
        from ssotui.core.errors import ConfigError
        from ssotui.core.untrusted import for_terminal, is_region

        if not is_region(region):
            raise ConfigError(
                f"--region {for_terminal(region)!r} is not an AWS region (expected e.g. eu-west-1)."
            )


def _workload_region(args, sso, settings) -> str:
    return getattr(args, "workload_region", None) or settings.default_region or sso.session.region


def _target(args, sso):
    return sso.resolve(args.account, args.role, inventory=sso.cached_inventory())


def cmd_console(args) -> int:
    from ssotui.core import console
    from ssotui.core.untrusted import for_terminal

    _check_region_flag(args)
    sso, settings = client(args)
    assignment = _target(args, sso)
    region = _workload_region(args, sso, settings)
    destination = args.destination or settings.default_destination
    if args.portal_link:
        url = sso.portal_link(assignment, region=region, destination=destination)
    else:
        url = sso.console_url(assignment, region=region, destination=destination)
    what = f"{assignment.account_name} ({assignment.account_id}) as {assignment.role_name}"
    if args.container:
        name = for_terminal(f"{assignment.account_name}/{assignment.role_name}")  # as shown
        url = console.container_url(url, name)
    if args.print:
        print(url)
    elif args.copy:
        console.copy_to_clipboard(url)
        err(f"Copied the console URL for {what} (valid 15 minutes).")
    else:
        console.open_in_browser(url, settings.browser_command)
        err(f"Opened the console for {what}.")
    return 0


def _role_env(args, sso, settings):
    from ssotui.core import shell

    assignment = _target(args, sso)
    creds = sso.credentials(assignment)
    env = shell.role_environment(
        creds,
        assignment,
        region=_workload_region(args, sso, settings),
        session_label=sso.session.label,
    )
    return assignment, creds, env


def _warn_if_nested() -> None:
    from ssotui.core import shell

    warning = shell.nesting_warning(os.environ)
    if warning:
        err(f"warning: {warning}")


def cmd_shell(args) -> int:
    from ssotui.core import shell

    _check_region_flag(args)
    if args.refreshing:
        return _refreshing_shell(args)
    sso, settings = client(args)
    assignment, creds, env = _role_env(args, sso, settings)
    _warn_if_nested()
    argv = shell.shell_argv(args.shell)
    err(
        f"Starting {argv[0]} as {assignment.role_name} in {assignment.account_name} "
        f"({assignment.account_id}); credentials expire at {local_time(creds.expiration)}. "
        "Type `exit` to leave."
    )
    return shell.run(argv, env)


def _refreshing_shell(args) -> int:
    from datetime import timedelta

    from ssotui.core import shell
    from ssotui.core.credserver import CredentialServer, refreshing_environment

    sso, settings = client(args)
    assignment = _target(args, sso)
    # SDKs refresh container credentials 15 min (advisory) / 10 min (mandatory) before they
    # expire: hand them ones with more left than that, so they do not ask on every call.
    sso.broker.min_remaining = timedelta(minutes=16)
    sso.credentials(assignment)  # fail now (not logged in, role gone), not in the shell
    region = _workload_region(args, sso, settings)
    _warn_if_nested()
    argv = shell.shell_argv(args.shell)
    with CredentialServer(lambda: sso.credentials(assignment)) as server:
        env = refreshing_environment(
            server, assignment, region=region, session_label=sso.session.label
        )
        err(
            f"Starting {argv[0]} as {assignment.role_name} in {assignment.account_name} "
            f"({assignment.account_id}); credentials are renewed while it runs "
            "(the SDKs fetch them from a local endpoint). Type `exit` to leave."
        )
        return shell.run(argv, env)


def cmd_exec(args) -> int:
    """The command's exit status; 127 when it is not found, 126 when it cannot be run (one
    line each, as a shell says), 128 + N when a signal N ended it."""
    from ssotui.core import shell

    argv = list(args.argv)
    if not argv:
        raise SsoError("nothing to run: use `ssotui exec ACCOUNT ROLE -- CMD [ARGS...]`.")
    _check_region_flag(args)
    sso, settings = client(args)
    _assignment, _creds, env = _role_env(args, sso, settings)
    return shell.run(argv, env)


def cmd_env(args) -> int:
    from ssotui.core import shell

    _check_region_flag(args)
    sso, settings = client(args)
    _assignment, _creds, env = _role_env(args, sso, settings)
    print(shell.export_script(env, args.format))
    return 0


def cmd_credential_process(args) -> int:
    """Fast on repeat calls: unexpired credentials come from the 0600 file cache without
    importing boto3; a miss fetches (logging in once, under a lock, if the session ended)."""
    from ssotui.core.credcache import FETCH_MIN, CredentialCache, process_json
    from ssotui.core.timeutil import utcnow
    from ssotui.core.untrusted import is_account_id

    chosen = session(args)
    cache = CredentialCache(chosen)

    def fresh(account_id: str, role: str):
        cached = cache.load(account_id, role)
        if cached is not None and cached.expiration - utcnow() >= FETCH_MIN:
            print(process_json(cached), flush=True)
            return None, True
        return cached, False

    if is_account_id(args.account):
        cached, done = fresh(args.account, args.role)
        if done:
            return 0
    from ssotui.cli.login import log_in
    from ssotui.core import console
    from ssotui.core.relogin import call_with_login
    from ssotui.core.service import SsoClient
    from ssotui.core.settings import load_settings

    settings = load_settings()
    sso = SsoClient(chosen, rate_limit=settings.rate_limit)

    def with_login(call):
        def log_in_again() -> None:
            err(f"ssotui: the session {sso.session.label} has ended; logging in again.")
            log_in(sso, settings)

        return call_with_login(sso.auth, call, log_in_again, can_log_in=console.has_display())

    if is_account_id(args.account):
        # No inventory needed (the portal checks the assignment); a cached one may only
        # spell the role as the portal does (readonlyaccess -> ReadOnlyAccess).
        account_id, role = args.account, _role_as_cached(sso, args.account, args.role)
        if role != args.role:
            cached, done = fresh(account_id, role)
            if done:
                return 0
    else:
        target = with_login(lambda: _target(args, sso))
        account_id, role = target.account_id, target.role_name
        cached, done = fresh(account_id, role)
        if done:
            return 0
    sso.broker.min_remaining = FETCH_MIN

    def fetch():
        return sso.broker.get(account_id, role)

    if cached is None:
        creds = with_login(fetch)
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


def _role_as_cached(sso, account_id: str, role: str) -> str:
    """``role`` as the cached inventory spells it for ``account_id`` when it differs only in
    case (and only one role matches); else ``role`` as given. No network."""
    inventory = sso.cached_inventory()
    if inventory is None:
        return role
    from ssotui.core.errors import NotFound
    from ssotui.core.service import resolve_assignment

    try:
        return resolve_assignment(inventory.assignments(), account_id, role).role_name
    except NotFound:
        return role
