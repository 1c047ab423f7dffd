"""The commands for one ACCOUNT and ROLE: console, shell, exec, env and credential-process."""

from __future__ import annotations

import os

from ssotui.cli.commands import client, session_choice
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


def _rail(args, chosen, settings, assignment, chain=None) -> dict[str, str]:
    """The safety rail, then the label markers for the role's environment: a row the
    settings' [[protected]] rules cover needs --yes-i-mean-prod, or the account's name (or id)
    typed at a prompt when there is a terminal to ask on; else one line, nothing opened.

    The rules judge the account the role is in: for a chained role the account of its ARN
    (by the name the org lists for it, when it does), and an account given by id is named
    first (the inventory cache, else ListAccounts) when a rule goes by name or tag; if it
    cannot be named, the row counts as protected."""
    import sys

    from ssotui.core import labels
    from ssotui.core.untrusted import for_terminal, marker

    inventory = None
    if chain is not None:
        from ssotui.core import warm

        inventory = warm.inventory_cache().load(chosen)
    judged, label, protected = labels.judge(
        assignment,
        settings,
        chain=chain,
        inventory=inventory,
        name=lambda row: _client(chosen, settings).named(row),
    )
    markers = {"SSOTUI_LABELS": marker(" ".join(label.tags))} if label.tags else {}
    if not protected:
        return markers
    shown = f"{for_terminal(judged.account_name)} ({judged.account_id})"
    what = f"{shown} as {for_terminal(assignment.role_name)}"
    if not getattr(args, "yes_i_mean_prod", False):
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise SsoError(
                f"{what} is protected by the settings' [[protected]] rules: pass "
                "--yes-i-mean-prod to confirm (there is no terminal to ask on)."
            )
        err(f"{what} is protected. Type the account name (or id) to go on:")
        sys.stderr.write("> ")
        sys.stderr.flush()
        typed = sys.stdin.readline().strip()
        if typed not in (judged.account_name, for_terminal(judged.account_name),
                         judged.account_id):  # fmt: skip
            raise SsoError(f"not confirmed: nothing was done for {what}.")
    return {**markers, "SSOTUI_PROTECTED": "1"}


def _workload_region(args, chosen, settings) -> str:
    return getattr(args, "workload_region", None) or settings.default_region or chosen.region


def _local(args):
    """(session, settings, assignment or None, credentials or None, chain or None) from local
    files alone: the assignment when the inventory cache knows the account (or it is an id),
    or when ACCOUNT and ROLE name a chained role; credentials when the shared cache holds some
    with at least 15 minutes left. No network, no boto3."""
    from ssotui.core import warm
    from ssotui.core.config import require_session
    from ssotui.core.credcache import CredentialCache
    from ssotui.core.settings import load_settings

    config = _config()
    chosen = require_session(config, **session_choice(args))
    settings = load_settings()
    inventory = warm.inventory_cache().load(chosen)
    chain = _chain(args, chosen, settings, config, inventory)
    if chain is not None:
        target = chain.assignment()
    else:
        target = warm.cached_target(inventory, args.account, args.role, chosen.label)
    creds = None
    if target is not None:
        role_key = chain.cache_role if chain is not None else target.role_name
        creds = CredentialCache(chosen).fresh(target.account_id, role_key)
    if creds is not None and getattr(args, "debug", False):
        import logging  # only with --debug: the warm path stays light

        logging.getLogger("ssotui").debug(
            "credentials of %s/%s from the credential cache (they expire at %s)",
            target.account_id,
            target.role_name,
            creds.expiration,
        )
    return chosen, settings, target, creds, chain


def _chain(args, chosen, settings, config, inventory=None):
    """The chained role ACCOUNT and ROLE name (its ARN, or its account id and name when that
    is not also an SSO role the inventory lists), or None. Costs nothing without chains: the
    module is imported only when some are declared."""
    chains = settings.chained_roles or any("role_arn" in v for v in config.profiles.values())
    chain = None
    if chains:
        from ssotui.core.chains import declared, find

        chains = declared(chosen, settings, config)
        listed = inventory.roles.get(args.account, ()) if inventory is not None else ()
        chain = find(chains, args.account, args.role, listed)
    if chain is not None:
        args.chains = chains  # for the fetch, which walks the chain back to its SSO role
    elif args.account.startswith("arn:"):
        from ssotui.core.untrusted import for_terminal

        raise SsoError(
            f"no chained role {for_terminal(args.account)} is declared (add it to the settings' "
            "[[chained_roles]], or a profile with role_arn and source_profile)."
        )
    return chain


def _config():
    from ssotui.core.config import load_config

    return load_config()


def _chained_credentials(args, chosen, settings, chain, left=None):
    """The chained role's credentials (core.chains.shared_credentials): cached, else the
    source's (the shared cache or the portal), then AssumeRole."""
    from ssotui.core.chains import shared_credentials

    return shared_credentials(_client(chosen, settings), chain, args.chains, left)


def _client(chosen, settings):
    from ssotui.cli.entry import warn_about_token_files
    from ssotui.core.service import SsoClient

    warn_about_token_files()  # a miss reads the token: its warnings are shown

    return SsoClient(chosen, rate_limit=settings.rate_limit)


def _role(args):
    """(session, settings, assignment, credentials): from the caches when they hold them,
    else the account listed (a name the cache lacks) and the credentials fetched, once for
    every process asking at the same moment."""
    chosen, settings, target, creds, chain = _local(args)
    if creds is None and chain is not None:
        creds = _chained_credentials(args, chosen, settings, chain)
    elif creds is None:
        sso = _client(chosen, settings)
        target = sso.named(target or sso.target(args.account, args.role))
        creds = sso.shared_credentials(target, args.account)
    return chosen, settings, target, creds, chain


def cmd_console(args) -> int:
    from ssotui.core import console
    from ssotui.core.untrusted import for_terminal

    _check_region_flag(args)
    chosen, settings, assignment, creds, chain = _local(args)
    region = _workload_region(args, chosen, settings)
    destination = args.destination or settings.default_destination
    if args.portal_link:  # no credentials needed
        if chain is not None:
            raise SsoError(
                f"{chain.role_arn} is reached by role chaining: it has no access portal link "
                "(drop --portal-link)."
            )
        if assignment is None:
            assignment = _client(chosen, settings).target(args.account, args.role)
        _rail(args, chosen, settings, assignment)
        target = console.destination_url(destination, region)
        url = console.portal_link(
            chosen.start_url, assignment.account_id, assignment.role_name, target
        )
    else:
        if creds is None:
            chosen, settings, assignment, creds, chain = _role(args)
        _rail(args, chosen, settings, assignment, chain)  # before a sign-in token is asked for
        url = console.signin_url(
            creds, region=region, destination=destination, issuer=chosen.start_url
        )
    what = f"{assignment.account_name} ({assignment.account_id}) as {assignment.role_name}"
    if args.container:
        if assignment.account_name == assignment.account_id:
            assignment = _client(chosen, settings).named(assignment)
        name = for_terminal(f"{assignment.account_name}/{assignment.role_name}")  # as shown
        url = console.container_url(url, name)
    if args.print:
        print(url)
    elif args.copy:
        from ssotui.core.clipboard import hint

        how = console.copy_to_clipboard(url, osc52=True)  # no TUI draws here: OSC 52 is ours
        err(f"Copied the console URL for {what} (valid 15 minutes).")
        if hint(how):
            err(hint(how))
    else:
        console.open_in_browser(url, settings.browser_command)
        err(f"Opened the console for {what}.")
    return 0


def _role_env(args):
    from ssotui.core import shell

    chosen, settings, assignment, creds, chain = _role(args)
    markers = _rail(args, chosen, settings, assignment, chain)
    env = shell.role_environment(
        creds,
        assignment,
        region=_workload_region(args, chosen, settings),
        session_label=chosen.label,
    )
    return assignment, creds, {**env, **markers}


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
    assignment, creds, env = _role_env(args)
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

    from ssotui.cli.entry import warn_about_token_files
    from ssotui.core import shell
    from ssotui.core.credserver import CredentialServer, refreshing_environment

    sso, settings = client(args)
    warn_about_token_files()
    chain = _chain(args, sso.session, settings, _config(), sso.cached_inventory())
    if chain is not None:
        assignment = chain.assignment()
        # Ask for 16 min left, or less when the chain's sessions are shorter than that: else
        # every request from the shell's SDKs would be another AssumeRole.
        lasts = timedelta(seconds=chain.duration_seconds or 3600)
        left = min(timedelta(minutes=16), lasts - timedelta(minutes=2))

        def fetch():
            return _chained_credentials(args, sso.session, settings, chain, left)
    else:
        assignment = sso.target(args.account, args.role)
        # SDKs refresh container credentials 15 min (advisory) / 10 min (mandatory) before
        # they expire: hand them ones with more left than that, so they do not ask each call.
        sso.broker.min_remaining = timedelta(minutes=16)

        def fetch():
            return sso.credentials(assignment)

    markers = _rail(args, sso.session, settings, assignment, chain)
    fetch()  # fail now (not logged in, role gone, AssumeRole denied), not in the shell
    region = _workload_region(args, sso.session, settings)
    _warn_if_nested()
    argv = shell.shell_argv(args.shell)
    with CredentialServer(fetch) as server:
        env = refreshing_environment(
            server, assignment, region=region, session_label=sso.session.label
        )
        env.update(markers)
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
    _assignment, _creds, env = _role_env(args)
    return shell.run(argv, env)


def cmd_env(args) -> int:
    from ssotui.core import shell

    _check_region_flag(args)
    _assignment, _creds, env = _role_env(args)
    print(shell.export_script(env, args.format))
    return 0


def cmd_credential_process(args) -> int:
    """Fast on repeat calls: unexpired credentials come from the 0600 file cache without
    importing boto3; a miss fetches once for every process asking at the same moment (logging
    in once, under a lock, if the session ended). A name needs ListAccounts at most."""
    from ssotui.core import warm
    from ssotui.core.config import load_config, require_session
    from ssotui.core.credcache import CredentialCache, process_json
    from ssotui.core.untrusted import is_account_id

    config = load_config()
    chosen = require_session(config, **session_choice(args))
    cache = CredentialCache(chosen)
    if is_account_id(args.account):  # the fastest path: no inventory read
        found = cache.fresh(args.account, args.role)
        if found is not None:
            print(process_json(found), flush=True)
            return 0
    from ssotui.core.settings import load_settings

    settings = load_settings()
    chain = _chain(args, chosen, settings, config)
    if chain is not None:  # never a login prompt: SDKs cannot answer one
        creds = cache.fresh(chain.account_id, chain.cache_role)
        creds = creds or _chained_credentials(args, chosen, settings, chain)
        print(process_json(creds), flush=True)
        return 0
    target = warm.cached_target(
        warm.inventory_cache().load(chosen), args.account, args.role, chosen.label
    )
    if target is not None:
        found = cache.fresh(target.account_id, target.role_name)
        if found is not None:
            print(process_json(found), flush=True)
            return 0
    from ssotui.cli.login import log_in
    from ssotui.core import console
    from ssotui.core.relogin import call_with_login

    sso = _client(chosen, settings)

    def with_login(call):
        def log_in_again() -> None:
            err(f"ssotui: the session {sso.session.label} has ended; logging in again.")
            log_in(sso, settings)

        return call_with_login(sso.auth, call, log_in_again, can_log_in=console.has_display())

    if target is None:
        target = with_login(lambda: sso.target(args.account, args.role))
    cached = cache.load(target.account_id, target.role_name)  # more than 10 minutes left
    if cached is None:
        creds = with_login(lambda: sso.shared_credentials(target, args.account))
    else:
        try:
            creds = sso.shared_credentials(target, args.account)  # no interactive login
        except SsoError:
            creds = cached  # while the cached set still works: better than failing
    print(process_json(creds), flush=True)
    return 0
