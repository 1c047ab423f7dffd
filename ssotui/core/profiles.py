"""Generate one AWS config profile per account × permission set (``ssotui profiles``).

The profiles use the modern keys (``sso_session``, ``sso_account_id``, ``sso_role_name``) so that
``aws --profile X`` and ``boto3.Session(profile_name=X)`` share the login with ssotui. They live
in a managed block between two marker comments; everything outside the block is left exactly
as it was, byte for byte, and a profile the user defined outside the block is never shadowed.
Writing is atomic (temp file, fsync, ``os.replace``), keeps the file's mode, and leaves a 0600
backup of the previous content beside the file. Everything written is ASCII (botocore reads the
config in the locale's encoding), and only account ids, role names and a region of the proper
form are written: a row that is not is left out (``ProfilePlan.rejected``).
"""

from __future__ import annotations

import configparser
import difflib
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

from ssotui.core.config import written_path
from ssotui.core.errors import ConfigError
from ssotui.core.files import atomic_write_text
from ssotui.core.models import Assignment, SsoSession
from ssotui.core.untrusted import for_terminal, is_account_id, is_region, is_role_name

DEFAULT_TEMPLATE = "{account_name}.{role_name}"
TEMPLATE_FIELDS = ("account_name", "account_id", "role_name", "session")
BACKUP_SUFFIX = ".ssotui-backup"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_PROFILE_HEADER = re.compile(r"^\s*\[\s*profile\s+([^\]]*?)\s*\]")
_DEFAULT_HEADER = re.compile(r"^\s*\[\s*default\s*\]")


def begin_marker(session_name: str) -> str:
    return (
        f"# BEGIN ssotui profiles for sso-session {session_name}"
        " - generated, edits inside are overwritten"
    )


def _old_begin_marker(session_name: str) -> str:
    """The marker earlier versions wrote (with an em dash, which breaks botocore under an
    ASCII locale): still recognised, so the block is rewritten in place."""
    return begin_marker(session_name).replace(" - generated", " \u2014 generated")


def end_marker(session_name: str) -> str:
    return f"# END ssotui profiles for sso-session {session_name}"


def check_template(template: str) -> str:
    """``template`` if it only uses the known fields; a ConfigError otherwise."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        raise ConfigError(f"the profile template {template!r} is malformed.") from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in TEMPLATE_FIELDS or spec or conversion:
            raise ConfigError(
                f"the profile template may use only {{{'}, {'.join(TEMPLATE_FIELDS)}}}, "
                f"not {{{name}}}."
            )
    if not any(name for _l, name, _s, _c in parsed) and not sanitize(template):
        raise ConfigError(f"the profile template {template!r} gives empty profile names.")
    return template


def sanitize(name: str) -> str:
    """Keep ``[A-Za-z0-9._-]``; runs of anything else become one ``-``. Terminal escape
    sequences in portal names are dropped whole first (as ``list`` shows the name)."""
    return _UNSAFE.sub("-", for_terminal(name)).strip("-")


def profile_names(
    assignments: list[Assignment], session_name: str, template: str = DEFAULT_TEMPLATE
) -> list[tuple[str, Assignment]]:
    """A unique, sanitised name for every assignment, sorted by name.

    Names that collide get ``.<account id>`` appended (then ``.<role>``, then a counter), so the
    outcome depends only on the set of assignments, not on their order.
    """
    check_template(template)
    rows = sorted(set(assignments), key=lambda a: (a.account_id, a.role_name))

    def base(a: Assignment) -> str:
        name = template.format(
            account_name=a.account_name or a.account_id,
            account_id=a.account_id,
            role_name=a.role_name,
            session=session_name,
        )
        return sanitize(name) or sanitize(f"{a.account_id}.{a.role_name}")

    names = {a: base(a) for a in rows}
    for suffix in (lambda a: a.account_id, lambda a: sanitize(a.role_name) or "role"):
        counts: dict[str, int] = {}
        for name in names.values():
            counts[name] = counts.get(name, 0) + 1
        for a in rows:
            if counts[names[a]] > 1:
                names[a] = f"{names[a]}.{suffix(a)}"
    used: set[str] = set()
    out = []
    for a in rows:
        name, n = names[a], 2
        while name in used:
            name, n = f"{names[a]}-{n}", n + 1
        used.add(name)
        out.append((name, a))
    return sorted(out, key=lambda pair: pair[0].lower())


@dataclass
class ProfilePlan:
    """What ``ssotui profiles`` would change; :meth:`write` applies it."""

    path: Path
    session_name: str
    old_text: str
    new_text: str
    profiles: list[tuple[str, Assignment]] = field(default_factory=list)
    skipped: list[tuple[str, Assignment]] = field(default_factory=list)
    exists: bool = True
    rejected: list[Assignment] = field(default_factory=list)
    """Rows left out because their account id or role name is not of the AWS form (they would
    not be safe to write into the config)."""

    @property
    def changed(self) -> bool:
        return self.old_text != self.new_text

    @property
    def backup_path(self) -> Path:
        return self.path.with_name(self.path.name + BACKUP_SUFFIX)

    def diff(self) -> str:
        lines = difflib.unified_diff(
            self.old_text.splitlines(keepends=True),
            self.new_text.splitlines(keepends=True),
            fromfile=str(self.path),
            tofile=f"{self.path} (with ssotui profiles)",
        )
        out = []
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(out)

    def write(self) -> Path | None:
        """Apply the plan atomically, keeping the file's mode; back up the old content
        (0600) first. Returns the backup path (None when there was no file or no change)."""
        if not self.changed:
            return None
        target = written_path(self.path)
        backup = None
        try:
            mode = target.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o600
        else:
            backup = self.backup_path
            atomic_write_text(backup, self.old_text, mode=0o600)
        atomic_write_text(target, self.new_text, mode=mode)
        return backup


def _chain_sources(kept, chained) -> dict:
    """For each chained row, the name of the profile it starts from (an SSO row's, or another
    chain's), when that profile is among ``kept``."""
    by_key = {(a.account_id, a.role_name.casefold()): name for name, a in kept}
    by_name = {(a.account_name, a.role_name.casefold()): name for name, a in kept}
    by_arn = {c.role_arn: a for a, c in chained.items()}
    names = {a: name for name, a in kept}
    found = {}
    for a, chain in chained.items():
        if isinstance(chain.source, tuple):
            account, role = chain.source[0], chain.source[1].casefold()
            source = by_key.get((account, role)) or by_name.get((account, role))
        else:
            source = names.get(by_arn.get(chain.source))
        if source is not None:
            found[a] = source
    changed = True
    while changed:  # a chain whose source chain has no profile has none either
        changed = False
        for a, chain in chained.items():
            if a in found and not isinstance(chain.source, tuple):
                if by_arn.get(chain.source) not in found:
                    del found[a]
                    changed = True
    return found


def _chained_lines(chain, source_profile: str) -> list[str]:
    lines = [f"role_arn = {chain.role_arn}\n", f"source_profile = {source_profile}\n"]
    if chain.role_session_name:
        lines.append(f"role_session_name = {chain.role_session_name}\n")
    if chain.external_id:
        lines.append(f"external_id = {chain.external_id}\n")
    if chain.duration_seconds:
        lines.append(f"duration_seconds = {chain.duration_seconds}\n")
    return lines


def _writable(a: Assignment) -> bool:
    return is_account_id(a.account_id) and is_role_name(a.role_name)


def _defined_profiles(lines: list[str]) -> set[str]:
    names = set()
    for line in lines:
        match = _PROFILE_HEADER.match(line)
        if match:
            names.add(match.group(1))
        elif _DEFAULT_HEADER.match(line):
            names.add("default")
    return names


def _find_block(lines: list[str], session_name: str, path: Path) -> tuple[int, int] | None:
    begins = {begin_marker(session_name), _old_begin_marker(session_name)}
    end = end_marker(session_name)
    starts = [i for i, line in enumerate(lines) if line.rstrip() in begins]
    ends = [i for i, line in enumerate(lines) if line.rstrip() == end]
    if not starts and not ends:
        return None
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ConfigError(
            f"{path}: the ssotui profiles block for sso-session {session_name} is damaged "
            "(restore its BEGIN and END marker lines or delete the block)."
        )
    return starts[0], ends[0]


def plan_profiles(
    session: SsoSession,
    assignments: list[Assignment],
    *,
    region: str,
    template: str = DEFAULT_TEMPLATE,
    path: Path,
    chains=(),
) -> ProfilePlan:
    """The config text with this session's managed block (re)generated. ``chains`` (from the
    settings, :mod:`chains`) become profiles with ``role_arn`` and ``source_profile`` naming
    the generated profile of their source, so the AWS CLI and the SDKs chain them natively;
    one whose source has no profile here is left out (``rejected``)."""
    if session.name is None:
        raise ConfigError(
            "generated profiles need an [sso-session] section (this session is a legacy "
            "profile or --start-url): add one and use --sso-session NAME."
        )
    if not is_region(region):
        raise ConfigError(f"{region!r} is not an AWS region for the profiles (e.g. us-east-1).")
    if not session.name.isascii() or not session.name.isprintable():
        raise ConfigError(
            f"{path}: the sso-session name {session.name!r} is not plain ASCII; the AWS CLI "
            "reads the config file as ASCII, so ssotui writes no profiles for it."
        )
    chained = {Assignment(c.account_id, c.account_id, "", c.role_name): c for c in chains}
    rejected = [a for a in assignments if not _writable(a)]
    assignments = [a for a in assignments if _writable(a)] + list(chained)
    try:
        old = path.read_text(encoding="utf-8")
        exists = True
    except FileNotFoundError:
        old, exists = "", False
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path}: cannot read the AWS config ({exc.__class__.__name__})."
        ) from None
    lines = old.splitlines(keepends=True)
    block_at = _find_block(lines, session.name, path)
    outside = lines if block_at is None else lines[: block_at[0]] + lines[block_at[1] + 1 :]
    taken = _defined_profiles(outside)
    kept, skipped = [], []
    for name, assignment in profile_names(assignments, session.name, template):
        (skipped if name in taken else kept).append((name, assignment))
    sources = _chain_sources(kept, chained)
    rejected += [a for name, a in kept if a in chained and a not in sources]
    kept = [(name, a) for name, a in kept if a not in chained or a in sources]
    block = [begin_marker(session.name) + "\n"]
    for i, (name, a) in enumerate(kept):
        if i:
            block.append("\n")
        block.append(f"[profile {name}]\n")
        if a in chained:
            block += _chained_lines(chained[a], sources[a])
        else:
            block += [
                f"sso_session = {session.name}\n",
                f"sso_account_id = {a.account_id}\n",
                f"sso_role_name = {a.role_name}\n",
            ]
        block.append(f"region = {region}\n")
    block.append(end_marker(session.name) + "\n")
    if block_at is not None:
        start, stop = block_at
        new = "".join(lines[:start] + block + lines[stop + 1 :])
    else:
        sep = "" if not old else ("\n" if old.endswith("\n") else "\n\n")
        new = old + sep + "".join(block)
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(new, source=str(path))
    except configparser.Error as exc:
        first = str(exc).splitlines()[0].rstrip(".")
        raise ConfigError(
            f"{path}: the generated profiles would break the config: {first}."
        ) from None
    return ProfilePlan(
        path=path,
        session_name=session.name,
        old_text=old,
        new_text=new,
        profiles=kept,
        skipped=skipped,
        exists=exists,
        rejected=rejected,
    )
