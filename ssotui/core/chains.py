"""Roles reached through an SSO role (role chaining): ``sts:AssumeRole`` with the credentials
of an SSO role, or of another chained role.

Where chains come from:

- the settings' ``[[chained_roles]]`` (``role_arn``, ``source`` = ``"ACCOUNT/ROLE"`` of an SSO
  role or the ARN of another chained role, and optional ``external_id``,
  ``role_session_name``, ``duration_seconds``);
- AWS config profiles with ``role_arn`` and ``source_profile`` whose ``source_profile`` chain
  ends in an SSO profile (``sso_account_id`` + ``sso_role_name``) of the session in use.

A chained session lasts at most an hour (AWS's role-chaining cap), so ``duration_seconds`` is
900-3600 (default 3600). Every problem is one line: a missing source, a loop, an AssumeRole
that AWS refuses. Everything from the config or the settings is checked before it reaches STS
or an environment (the role ARN's account id and name, the session name's characters).
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable, Iterable

from ssotui.core.errors import ConfigError, NotFound, SsoError
from ssotui.core.models import Assignment, RoleCredentials

CHAINED_MAX_S = 3600
# ASCII only (\w would take any letter): these go to STS and into ~/.aws/config.
_ROLE_ARN = re.compile(
    r"arn:aws(?:-cn|-us-gov)?:iam::([0-9]{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})", re.ASCII
)
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)


CHAIN_KEYS = frozenset(
    {"role_arn", "source", "external_id", "role_session_name", "duration_seconds"}
)
"""The keys of a ``[[chained_roles]]`` table."""


class Chain(
    namedtuple(
        "Chain",
        "role_arn source external_id role_session_name duration_seconds origin",
        defaults=(None, None, None, "settings"),
    )
):
    """One chained role. ``source``: ``(ACCOUNT, ROLE)`` of an SSO role (ACCOUNT an id or a
    name), or the role ARN of another chain. ``origin``: where it was declared, for errors."""

    __slots__ = ()

    @property
    def account_id(self) -> str:
        return _ROLE_ARN.fullmatch(self.role_arn).group(1)

    @property
    def role_name(self) -> str:
        return _ROLE_ARN.fullmatch(self.role_arn).group(2)

    @property
    def via(self) -> str:
        """How the row reads: ``via ACCOUNT/ROLE`` (or ``via ROLE`` of the chain before)."""
        if isinstance(self.source, tuple):
            return f"via {self.source[0]}/{self.source[1]}"
        return f"via {_ROLE_ARN.fullmatch(self.source).group(2)}"

    def assignment(self) -> Assignment:
        """The row for this role: the account is the one in the ARN, named by its source."""
        return Assignment(self.account_id, self.via, "", self.role_name)

    @property
    def cache_role(self) -> str:  # also the role_name of its RoleCredentials
        """The role part of its credential cache key: the ARN, so that a chained role never
        shares an entry with an SSO role of the same account and name, and a digest of how it
        is reached, so that credentials cached before the chain's source, external id, session
        name or duration changed are not handed out as if the new settings had worked."""
        import hashlib

        how = repr((self.source, self.external_id, self.role_session_name, self.duration_seconds))
        return f"{self.role_arn}#{hashlib.sha1(how.encode()).hexdigest()[:12]}"


def check_chain(values: dict, where: str, origin: str = "settings") -> Chain:
    """A :class:`Chain` from settings or profile values, every field checked (ConfigError)."""
    arn = values.get("role_arn")
    if not isinstance(arn, str) or not _ROLE_ARN.fullmatch(arn.strip()):
        raise ConfigError(
            f"{where}: role_arn must be an IAM role ARN (arn:aws:iam::123456789012:role/Name), "
            f"not {arn!r}."
        )
    source = values.get("source")
    if isinstance(source, str) and _ROLE_ARN.fullmatch(source.strip()):
        source = source.strip()
    elif isinstance(source, str) and "/" in source:
        account, _, role = source.strip().rpartition("/")
        if not account.strip() or not role.strip():
            raise ConfigError(
                f"{where}: source must be ACCOUNT/ROLE or a role ARN, not {source!r}."
            )
        source = (account.strip(), role.strip())
    elif not isinstance(source, tuple):
        raise ConfigError(
            f'{where}: source must be the SSO role it starts from ("ACCOUNT/ROLE") or the '
            f"role ARN of another chained role, not {source!r}."
        )
    external_id = values.get("external_id")
    if external_id is not None and (
        not isinstance(external_id, str) or not _EXTERNAL_ID.fullmatch(external_id)
    ):
        raise ConfigError(f"{where}: external_id must be 2-1224 characters of [\\w+=,.@:/-].")
    name = values.get("role_session_name")
    if name is not None and (not isinstance(name, str) or not _SESSION_NAME.fullmatch(name)):
        raise ConfigError(f"{where}: role_session_name must be 2-64 characters of [\\w+=,.@-].")
    duration = values.get("duration_seconds")
    if duration is not None:
        try:
            duration = int(duration)
        except (TypeError, ValueError):
            duration = 0
        if isinstance(values.get("duration_seconds"), bool) or not 900 <= duration <= CHAINED_MAX_S:
            raise ConfigError(
                f"{where}: duration_seconds must be 900-3600 (a chained session lasts at most 1 h)."
            )
    return Chain(arn.strip(), source, external_id, name, duration, origin)


def from_profiles(sections: dict[str, dict[str, str]], session_name: str | None, where: str):
    """Chains from AWS config profiles (``{profile name: values}``) with ``role_arn`` and a
    ``source_profile`` chain that ends in an SSO profile of ``session_name``; profiles of other
    sessions and chains that end elsewhere (access keys, another tool) are left out."""
    chains: list[Chain] = []
    for name, values in sections.items():
        if "role_arn" not in values or "source_profile" not in values:
            continue
        source = _profile_source(sections, values["source_profile"], session_name, {name})
        if source is None:
            continue
        chains.append(check_chain({**values, "source": source}, f"{where} [profile {name}]",
                                  f"profile {name}"))  # fmt: skip
    return chains


def _profile_source(sections, name: str, session_name: str | None, seen: set[str]):
    """What profile ``name`` stands for as a source: (ACCOUNT, ROLE) for an SSO profile of the
    session, its role ARN for a chained one, None when the chain ends elsewhere or loops."""
    values = sections.get(name)
    if values is None or name in seen:
        return None
    if "sso_account_id" in values and "sso_role_name" in values:
        if session_name is not None and values.get("sso_session") not in (None, session_name):
            return None
        return (values["sso_account_id"].strip(), values["sso_role_name"].strip())
    if "role_arn" in values and "source_profile" in values:
        parent = _profile_source(sections, values["source_profile"], session_name, seen | {name})
        return values["role_arn"].strip() if parent is not None else None
    return None


def declared(session, settings, config) -> list[Chain]:
    """The chained roles of ``session``: the settings' ``[[chained_roles]]``, then the AWS
    config's profiles that chain to an SSO profile of that session."""
    found = list(settings.chained_roles)
    if any("role_arn" in values for values in config.profiles.values()):
        found += from_profiles(config.profiles, session.name, str(config.path))
    return found


def shared_credentials(sso, chain: Chain, chains: Iterable[Chain], left=None) -> RoleCredentials:
    """``chain``'s credentials for the picker and the CLI alike: from the shared credential
    cache (under the chain's ARN), else the source's (``sso``: an SsoClient) and AssumeRole,
    once for every process asking at the same moment."""
    from ssotui.core.credcache import CredentialCache

    def sso_credentials(account: str, role: str) -> RoleCredentials:
        target = sso.named(sso.target(account, role))
        return sso.shared_credentials(target, account)

    def fetch() -> RoleCredentials:
        region = sso.session.region
        return credentials(
            chain, chains, sso_credentials, lambda creds, step: assume_role(creds, step, region)
        )

    cache = CredentialCache(sso.session)
    if left is None:
        return cache.shared(chain.account_id, chain.cache_role, fetch)
    return cache.shared(chain.account_id, chain.cache_role, fetch, left)


def find(
    chains: Iterable[Chain], account: str, role: str, sso_roles: Iterable[str] = ()
) -> Chain | None:
    """The chain for ACCOUNT (its ARN, or the role's account id) and ROLE (its name, any
    case), None when no chain is that role; NotFound for its ARN with another role name.
    ``sso_roles``: the permission sets the portal lists for that account id: an id and role
    that name one of them mean the SSO role, not a chain (the chain is then reached by its
    ARN)."""
    taken = {name.casefold() for name in sso_roles}
    for chain in chains:
        if account == chain.role_arn:
            if role.casefold() != chain.role_name.casefold():
                raise NotFound(
                    f"the role of {chain.role_arn} is {chain.role_name}, not {role!r}: give its "
                    "name as ROLE."
                )
            return chain
        if account == chain.account_id and role.casefold() == chain.role_name.casefold():
            if role.casefold() not in taken:
                return chain
    return None


def credentials(
    chain: Chain,
    chains: Iterable[Chain],
    sso_credentials: Callable[[str, str], RoleCredentials],
    assume: Callable[[RoleCredentials, Chain], RoleCredentials],
) -> RoleCredentials:
    """Credentials of ``chain``: its source's (``sso_credentials(ACCOUNT, ROLE)`` for an SSO
    role, else those of the chain it names, recursively), then ``assume``. A loop or a source
    no chain declares is a ConfigError naming the chain."""
    by_arn = {c.role_arn: c for c in chains}
    path = [chain]
    while not isinstance(path[-1].source, tuple):
        before = by_arn.get(path[-1].source)
        if before is None:
            raise ConfigError(
                f"the chained role {path[-1].role_arn} ({path[-1].origin}) starts from "
                f"{path[-1].source}, which is neither an SSO role nor a chained role."
            )
        if before in path:
            names = " -> ".join(c.role_name for c in [*path, before])
            raise ConfigError(f"the chained roles form a loop: {names}.")
        path.append(before)
    creds = sso_credentials(*path[-1].source)
    for step in reversed(path):
        creds = assume(creds, step)
    return creds


def assume_role(creds: RoleCredentials, chain: Chain, region: str) -> RoleCredentials:
    """``sts:AssumeRole`` (boto3, so ``AWS_ENDPOINT_URL_STS`` is honoured) with ``creds``;
    one-line errors: access denied, throttled, unreachable."""
    from botocore.exceptions import BotoCoreError, ClientError

    from ssotui.core import clients
    from ssotui.core.errors import NetworkError, Throttled

    session_name = chain.role_session_name or _session_name(creds)
    request = {"RoleArn": chain.role_arn, "RoleSessionName": session_name}
    request["DurationSeconds"] = chain.duration_seconds or CHAINED_MAX_S
    if chain.external_id:
        request["ExternalId"] = chain.external_id
    try:
        client = clients.sts_client(creds, region)
        answer = client.assume_role(**request)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        message = str(exc.response.get("Error", {}).get("Message", ""))[:200]
        if code in ("Throttling", "ThrottlingException", "RequestLimitExceeded"):
            raise Throttled(f"STS throttled AssumeRole of {chain.role_arn}; try again.") from None
        if code == "AccessDenied":
            raise SsoError(
                f"AWS refused to let {_who(chain)} assume {chain.role_arn} (AccessDenied): check "
                "the role's trust policy" + (" and external_id." if chain.external_id else ".")
            ) from None
        raise SsoError(f"AssumeRole of {chain.role_arn} failed ({code}: {message}).") from None
    except BotoCoreError as exc:
        raise NetworkError(f"cannot reach STS to assume {chain.role_arn}: {exc}.") from None
    got = answer["Credentials"]
    return RoleCredentials(
        chain.account_id,
        chain.cache_role,
        got["AccessKeyId"],
        got["SecretAccessKey"],
        got["SessionToken"],
        got["Expiration"],
    )


def _who(chain: Chain) -> str:
    source = chain.source
    return f"{source[0]}/{source[1]}" if isinstance(source, tuple) else source


def _session_name(creds: RoleCredentials) -> str:
    """``<source role>@<source account>`` as aws-sso-cli names them, trimmed to STS's rules."""
    # A chained source's role_name is its cache_role: ARN#digest.
    role = creds.role_name.split("#", 1)[0].rsplit("/", 1)[-1]
    name = re.sub(r"[^\w+=,.@-]", "-", f"{role}@{creds.account_id}", flags=re.ASCII)[:64]
    return name if len(name) >= 2 else "ssotui"
