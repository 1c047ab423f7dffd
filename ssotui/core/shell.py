"""Role credentials for a subshell or another program: the environment, the subshell itself,
``ssotui env`` export scripts and ``credential_process`` output (protocol reference §5.3, §8).

Credentials only ever go into a child's *environment* (or stdout when the user asks for an
export script), never into argv, where other users could read them with ``ps``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping

from ssotui.core.credcache import process_json as credential_process_json  # noqa: F401
from ssotui.core.errors import ConfigError, SsoError
from ssotui.core.models import Assignment, RoleCredentials
from ssotui.core.timeutil import format_utc
from ssotui.core.untrusted import for_terminal, is_region, marker

CREDENTIAL_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
)
REGION_VARS = ("AWS_REGION", "AWS_DEFAULT_REGION")
MARKER_VARS = (
    "SSOTUI_ACCOUNT_ID",
    "SSOTUI_ACCOUNT_NAME",
    "SSOTUI_ROLE_NAME",
    "SSOTUI_SESSION",
    "SSOTUI_EXPIRATION",
)
EXPORTED_VARS = CREDENTIAL_VARS + REGION_VARS + MARKER_VARS
# Exported only when set: the account's tags (space-separated) and "1" for a row the
# settings' [[protected]] rules cover (core/labels.py).
LABEL_VARS = ("SSOTUI_LABELS", "SSOTUI_PROTECTED")
# Variables that would confuse SDKs next to our credentials (aws-vault unsets the same).
REMOVED_VARS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN")
EXPORT_FORMATS = ("sh", "fish", "powershell", "json")
# What a credential from the portal may hold before it goes into an environment or an export
# line: printable ASCII without whitespace, quotes or backslashes (real ones are base64).
_CREDENTIAL = re.compile(r"[\x21\x23-\x26\x28-\x5b\x5d-\x5f\x61-\x7e]+")


def prompt_markers(assignment: Assignment, session_label: str) -> dict[str, str]:
    """The ``SSOTUI_*`` markers a prompt may show. A prompt may also *expand* them
    (``PS1='[$SSOTUI_ACCOUNT_NAME]'`` runs ``$(…)`` in the value), so each is restricted to a
    safe character set (:func:`ssotui.core.untrusted.marker`): portal names are untrusted."""
    return {
        "SSOTUI_ACCOUNT_ID": marker(assignment.account_id),
        "SSOTUI_ACCOUNT_NAME": marker(assignment.account_name),
        "SSOTUI_ROLE_NAME": marker(assignment.role_name),
        "SSOTUI_SESSION": marker(session_label),
    }


def check_region(region: str) -> str:
    """``region`` if it is a region code (it becomes AWS_REGION and part of hostnames)."""
    if not is_region(region):
        shown = for_terminal(region)
        raise ConfigError(f"{shown!r} is not an AWS region (expected e.g. eu-west-1).")
    return region


def _checked_credentials(creds: RoleCredentials) -> RoleCredentials:
    """The portal's credentials, refused unless each value is plain printable ASCII (they
    are exported into environments and shell scripts). The values are never shown."""
    for field, value in (
        ("accessKeyId", creds.access_key_id),
        ("secretAccessKey", creds.secret_access_key),
        ("sessionToken", creds.session_token),
    ):
        if not isinstance(value, str) or not _CREDENTIAL.fullmatch(value):
            raise SsoError(
                f"the portal sent role credentials with an unusable {field} (not plain "
                "ASCII text): refusing to export them."
            )
    return creds


def role_environment(
    creds: RoleCredentials,
    assignment: Assignment,
    *,
    region: str,
    session_label: str,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A copy of ``base`` (default: ``os.environ``) with the role's credentials, both region
    variables and the ``SSOTUI_*`` markers set, and the profile variables removed."""
    creds = _checked_credentials(creds)
    if region:
        check_region(region)
    env = dict(os.environ if base is None else base)
    for name in REMOVED_VARS:
        env.pop(name, None)
    expiration = format_utc(creds.expiration)
    env.update(
        {
            "AWS_ACCESS_KEY_ID": creds.access_key_id,
            "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
            "AWS_SESSION_TOKEN": creds.session_token,
            "AWS_CREDENTIAL_EXPIRATION": expiration,
            **prompt_markers(assignment, session_label),
            "SSOTUI_EXPIRATION": expiration,
        }
    )
    if region:
        env["AWS_REGION"] = region
        env["AWS_DEFAULT_REGION"] = region  # boto3 reads only this one (§8.1)
    else:
        for name in REGION_VARS:
            env.pop(name, None)
    return env


def nesting_warning(base: Mapping[str, str] | None = None) -> str | None:
    """A sentence when ``base`` (default: ``os.environ``) already carries AWS credentials.
    The names in it come from the environment (an older ssotui may have put a portal name
    there as it was): they are made safe to print."""
    env = os.environ if base is None else base
    role = env.get("SSOTUI_ROLE_NAME")
    if role:
        account = env.get("SSOTUI_ACCOUNT_NAME") or env.get("SSOTUI_ACCOUNT_ID") or "?"
        return (
            f"already inside an ssotui shell for {for_terminal(account)}/{for_terminal(role)} — "
            "this shell replaces its credentials."
        )
    vault = env.get("AWS_VAULT")
    if vault:
        return (
            f"already inside an aws-vault shell for {for_terminal(vault)} — "
            "this shell replaces its credentials."
        )
    if env.get("AWS_ACCESS_KEY_ID"):
        return "AWS credentials are already set in this environment — this shell replaces them."
    return None


def shell_argv(shell: str | None = None, base: Mapping[str, str] | None = None) -> list[str]:
    """The command line of the subshell: ``shell`` (split like a shell would), else
    ``$SHELL``, else ``/bin/sh``."""
    import shlex

    if shell and shell.strip():
        try:
            parts = shlex.split(shell)
        except ValueError:
            parts = [shell.strip()]
        if parts:
            return parts
    env = os.environ if base is None else base
    login_shell = (env.get("SHELL") or "").strip()
    return [login_shell] if login_shell else ["/bin/sh"]


def _ignore(signum, frame) -> None:
    pass


# Exit statuses as a POSIX shell gives them when a command cannot run.
EXIT_NOT_FOUND = 127
EXIT_CANNOT_RUN = 126


def _cannot_run(program: str, why: str, status: int) -> SsoError:
    error = SsoError(f"cannot run {program}: {why}.")
    error.exit_code = status
    return error


def run(argv: list[str], env: dict[str, str]) -> int:
    """Run ``argv`` with ``env`` on our terminal and wait; return its exit code (128 + N when
    killed by signal N). A program that is not found raises SsoError with ``exit_code`` 127,
    one that cannot be run (not executable, a directory, not a program) 126, as a shell does.

    While it runs (main thread only) SIGINT and SIGQUIT do nothing in this process, as with
    ``system()``, so that Ctrl-C reaches the child and not us. (A no-op handler rather than
    SIG_IGN: ignored signals would stay ignored in the child.)"""
    if not argv:
        raise SsoError("cannot run an empty command.")
    import signal  # here, not at the top: `ssotui env` never runs anything

    saved = {}
    for sig in (signal.SIGINT, getattr(signal, "SIGQUIT", None)):
        if sig is not None:
            try:
                saved[sig] = signal.signal(sig, _ignore)
            except ValueError:  # not the main thread: leave the signals alone
                break
    try:
        code = _spawn_and_wait(argv, env, signal)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    return 128 - code if code < 0 else code


def _spawn_and_wait(argv: list[str], env: dict[str, str], signal) -> int:
    """``argv`` started with ``posix_spawnp`` (found on PATH, as subprocess would) and waited
    for: its exit code, or -N after signal N. Signals Python ignores (SIGPIPE, SIGXFSZ) are
    back to their defaults in the child, as with ``subprocess``'s ``restore_signals``;
    descriptors other than 0-2 are not inherited (Python opens them close-on-exec).
    ``subprocess`` itself is not imported: it would add a tenth to ``exec``'s start-up."""
    restored = [getattr(signal, name) for name in ("SIGPIPE", "SIGXFSZ") if hasattr(signal, name)]
    try:
        pid = os.posix_spawnp(argv[0], argv, env, setsigdef=restored)
    except (FileNotFoundError, ValueError):  # ValueError: an empty name, as `""` in a shell
        raise _cannot_run(argv[0] or "''", "not found", EXIT_NOT_FOUND) from None
    except PermissionError:
        raise _cannot_run(argv[0], "permission denied", EXIT_CANNOT_RUN) from None
    except OSError as exc:
        raise _cannot_run(argv[0], str(exc.strerror or exc), EXIT_CANNOT_RUN) from None
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


# -- export scripts -----------------------------------------------------------------------------


def _exported(
    source: Mapping[str, str] | RoleCredentials,
    region: str | None,
    assignment: Assignment | None,
    session_label: str,
) -> dict[str, str]:
    if isinstance(source, RoleCredentials):
        assignment = assignment or Assignment(
            source.account_id, source.account_id, "", source.role_name
        )
        source = role_environment(
            source, assignment, region=region or "", session_label=session_label, base={}
        )
    names = EXPORTED_VARS + LABEL_VARS
    return {name: str(source[name]) for name in names if source.get(name) is not None}


def _sh_quote(value: str) -> str:
    """POSIX single quotes: nothing inside is special; a ' ends them, so it is spelled '\\''."""
    return "'" + value.replace("'", "'\\''") + "'"


def _fish_quote(value: str) -> str:
    """fish single quotes: only \\\\ and \\' are escapes inside."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# PowerShell ends a single-quoted string at any of these (the ASCII quote and the typographic
# single quotes U+2018-U+201B); inside one, each is written twice.
_PWSH_QUOTES = re.compile("['\u2018\u2019\u201a\u201b]")


def _pwsh_quote(value: str) -> str:
    return "'" + _PWSH_QUOTES.sub(lambda m: m.group() * 2, value) + "'"


def _exportable(values: dict[str, str]) -> dict[str, str]:
    """Every value fits on its export line: no NUL, newline or other control character
    (markers, regions and credentials are checked before; this is the last line of defence)."""
    for name, value in values.items():
        if not value.isprintable():
            raise SsoError(f"cannot export {name}: its value holds control characters.")
    return values


def export_script(
    source: Mapping[str, str] | RoleCredentials,
    fmt: str = "sh",
    *,
    region: str | None = None,
    assignment: Assignment | None = None,
    session_label: str = "",
) -> str:
    """Text for ``eval "$(ssotui env …)"`` and friends.

    ``source`` is an environment from :func:`role_environment` (only the credential, region
    and ``SSOTUI_*`` variables are taken from it) or bare RoleCredentials (then ``region``,
    ``assignment`` and ``session_label`` fill in the rest). ``fmt`` is ``sh`` (bash, zsh, …),
    ``fish``, ``powershell`` or ``json``. The shell formats also unset the profile variables.
    """
    values = _exportable(_exported(source, region, assignment, session_label))
    if fmt == "json":
        return json.dumps(values, indent=2) + "\n"
    if fmt == "sh":
        lines = [f"unset {' '.join(REMOVED_VARS)}"]
        lines += [f"export {k}={_sh_quote(v)}" for k, v in values.items()]
    elif fmt == "fish":
        lines = [f"set -e {name}" for name in REMOVED_VARS]
        lines += [f"set -gx {k} {_fish_quote(v)}" for k, v in values.items()]
    elif fmt in ("powershell", "pwsh"):
        lines = [f"Remove-Item Env:{name} -ErrorAction SilentlyContinue" for name in REMOVED_VARS]
        lines += [f"$Env:{k} = {_pwsh_quote(v)}" for k, v in values.items()]
    else:
        raise SsoError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}.")
    return "\n".join(lines) + "\n"
