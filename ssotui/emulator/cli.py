"""``ssotui emulator``: run the local IAM Identity Center stand-in in the foreground."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

START_URL = "https://d-9067000000.awsapps.com/start"
REGION = "us-east-1"

DESCRIPTION = """\
Serve a local stand-in for AWS IAM Identity Center (sso-oidc, the SSO portal API and the
console federation endpoint) on 127.0.0.1. boto3, the AWS CLI and ssotui talk to it when
AWS_ENDPOINT_URL_SSO and AWS_ENDPOINT_URL_SSO_OIDC point at it. Nothing is sent to AWS.

The base URL is printed alone on the first line of output. Stop with Ctrl-C."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ssotui emulator",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: a free one)")
    add("--accounts", type=int, default=50, metavar="N", help="accounts in the org (default 50)")
    add("--seed", type=int, default=7, help="seed of the generated org (default 7)")
    add("--latency-ms", type=float, default=0.0, metavar="MS", help="delay every API call")
    add(
        "--rate-limit",
        type=float,
        default=None,
        metavar="RPS",
        help="portal requests per second per operation before 429 (default: unlimited)",
    )
    add(
        "--fail-rate",
        type=float,
        default=0.0,
        metavar="F",
        help="share (0..1) of API calls answered with a 500 (default 0)",
    )
    add(
        "--approve-after",
        type=float,
        default=None,
        metavar="S",
        help="approve logins by themselves, S seconds after they start (device codes and "
        "browser logins; default: only the verification or approval page approves)",
    )
    add("--token-ttl", type=float, default=3600, metavar="S", help="access token lifetime")
    add("--session-ttl", type=float, default=8 * 3600, metavar="S", help="session lifetime")
    add("--credentials-ttl", type=float, default=3600, metavar="S", help="role credential lifetime")
    add("--deny-all", action="store_true", help="deny every device authorization")
    add(
        "--hostile",
        action="store_true",
        help="add accounts whose names and roles carry terminal escapes, newlines, quotes, "
        "$(...) and invalid ids (for testing clients)",
    )
    return parser


def banner(base_url: str, account_id: str = "", role: str = "") -> str:
    text = f"""\
# IAM Identity Center emulator; verification page: {base_url}/device
export AWS_ENDPOINT_URL_SSO={base_url} AWS_ENDPOINT_URL_SSO_OIDC={base_url} \
AWS_ENDPOINT_URL_SIGNIN={base_url} AWS_ENDPOINT_URL_STS={base_url}
# Sample ~/.aws/config sections:
[sso-session emulator]
sso_start_url = {START_URL}
sso_region = {REGION}
sso_registration_scopes = sso:account:access"""
    if account_id and role:
        text += f"""
[profile emulator]
sso_session = emulator
sso_account_id = {account_id}
sso_role_name = {role}
region = {REGION}"""
    return text


def chained_banner(org) -> str:
    """The org's roles reached by role chaining, with the role each one trusts (for
    ``[[chained_roles]]`` in the settings)."""
    if not org.chained:
        return ""
    lines = ["# Roles reached by role chaining (sts:AssumeRole), and the role each trusts:"]
    for arn, role in org.chained.items():
        account_id, source_role = role.trusted[0]
        source = org.account(account_id)
        start = f"{source.name if source else account_id}/{source_role}"
        extra = f" (external_id {role.external_id})" if role.external_id else ""
        lines.append(f"#   {arn}  from {start}{extra}")
    return "\n".join(lines)


def from_args(args: argparse.Namespace):
    """An (unstarted) Emulator configured by ``build_parser()``'s options."""
    from . import Emulator

    if not 0 <= args.fail_rate <= 1:
        build_parser().error("--fail-rate must be between 0 and 1")
    return Emulator(
        accounts=args.accounts,
        seed=args.seed,
        latency_ms=args.latency_ms,
        rate_limit=args.rate_limit,
        fail_rate=args.fail_rate,
        approve_after=args.approve_after,
        token_ttl=args.token_ttl,
        session_ttl=args.session_ttl,
        credentials_ttl=args.credentials_ttl,
        deny_all=args.deny_all,
        port=args.port,
        hostile=args.hostile,
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    emu = from_args(args)
    try:
        emu.start()
    except OSError as err:
        print(f"ssotui emulator: cannot listen on port {args.port}: {err}", file=sys.stderr)
        return 1
    done = threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, lambda *_: done.set())
    try:
        print(emu.base_url, flush=True)
        first = emu.org.accounts[0] if emu.org.accounts else None
        print(banner(emu.base_url, *((first.account_id, first.roles[0]) if first else ())))
        print(chained_banner(emu.org))
        sys.stdout.flush()
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
