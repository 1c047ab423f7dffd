"""A generated AWS organization: accounts with plain names, 12-digit ids and permission sets.

The same ``(size, seed)`` always gives the same org, so screenshots and tests are stable.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

# Accounts every org starts with (in this order of preference), as in a typical landing zone.
CORE_ACCOUNTS = (
    "payments-prod",
    "payments-staging",
    "security-audit",
    "log-archive",
    "shared-services-prod",
    "data-platform-dev",
    "management",
    "network-hub",
    "payments-dev",
    "identity-prod",
    "data-platform-prod",
    "sandbox-playground",
)

TEAMS = (
    "payments",
    "checkout",
    "billing",
    "identity",
    "data-platform",
    "analytics",
    "ml-platform",
    "search",
    "mobile-api",
    "web-frontend",
    "ledger",
    "fraud-detection",
    "notifications",
    "customer-portal",
    "inventory",
    "logistics",
    "marketing-site",
    "partner-api",
    "reporting",
    "streaming",
    "observability",
    "ci-cd",
    "networking",
    "shared-services",
    "risk-engine",
    "support-tools",
    "hr-systems",
    "recommendations",
    "media-processing",
    "core-banking",
)

ENVIRONMENTS = ("prod", "staging", "dev", "qa", "sandbox", "perf", "dr", "test")

# Variants used once every team x environment name is taken (large orgs).
REGION_SUFFIXES = ("-eu", "-us", "-apac")

PERMISSION_SETS = (
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "ViewOnlyAccess",
    "DeveloperAccess",
    "Billing",
    "SecurityAudit",
    "DataScientist",
    "NetworkAdministrator",
    "SupportUser",
    "DatabaseAdministrator",
    "IncidentResponder",
)

FIXED_ROLES = {
    "management": ("AdministratorAccess", "Billing", "ReadOnlyAccess"),
    "security-audit": ("SecurityAudit", "ReadOnlyAccess"),
    "log-archive": ("ReadOnlyAccess",),
    "payments-prod": ("AdministratorAccess", "ReadOnlyAccess", "SupportUser"),
}

ORG_NAMES = (
    "Example Corp",
    "Acme Payments",
    "Globex Cloud",
    "Initech",
    "Umbrella Retail",
    "Northwind Traders",
)

ROLE_COUNT_WEIGHTS = (30, 30, 20, 10, 6, 4)  # 1..6 permission sets per account


@dataclass(frozen=True)
class OrgAccount:
    account_id: str
    name: str
    email: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class ChainedRole:
    """An IAM role outside IAM Identity Center, reached with ``sts:AssumeRole`` from the
    credentials of one of ``trusted`` (account id, role name): an SSO role, or another chained
    role (a chain of chains). ``external_id``: the ExternalId its trust policy requires."""

    arn: str
    trusted: tuple[tuple[str, str], ...]
    external_id: str | None = None

    @property
    def account_id(self) -> str:
        return self.arn.split(":")[4]

    @property
    def role_name(self) -> str:
        return self.arn.rsplit("/", 1)[-1]


@dataclass
class Org:
    name: str
    accounts: list[OrgAccount]
    by_id: dict[str, OrgAccount] = field(default_factory=dict, repr=False)
    chained: dict[str, ChainedRole] = field(default_factory=dict)  # by role ARN

    def __post_init__(self) -> None:
        if not self.by_id:
            self.by_id = {account.account_id: account for account in self.accounts}

    def account(self, account_id: str) -> OrgAccount | None:
        return self.by_id.get(account_id)

    def find(self, name: str) -> OrgAccount | None:
        """The account with this exact name (test helper)."""
        for account in self.accounts:
            if account.name == name:
                return account
        return None

    def __len__(self) -> int:
        return len(self.accounts)


def _names(rng: random.Random) -> Iterator[str]:
    """Unique account names: the core set, then team x environment, then suffixed variants."""
    yield from CORE_ACCOUNTS
    combos = [f"{team}-{env}" for team in TEAMS for env in ENVIRONMENTS]
    combos = [name for name in combos if name not in CORE_ACCOUNTS]
    rng.shuffle(combos)
    yield from combos
    round_no = 0
    while True:
        suffix = (
            REGION_SUFFIXES[round_no]
            if round_no < len(REGION_SUFFIXES)
            else f"-{round_no - len(REGION_SUFFIXES) + 2:02d}"
        )
        for name in combos:
            yield name + suffix
        round_no += 1


def _roles(rng: random.Random, name: str) -> tuple[str, ...]:
    if name in FIXED_ROLES:
        return FIXED_ROLES[name]
    count = rng.choices(range(1, 7), weights=ROLE_COUNT_WEIGHTS)[0]
    chosen = set(rng.sample(PERMISSION_SETS, count))
    if "-prod" in name:
        chosen.add("ReadOnlyAccess")
    return tuple(role for role in PERMISSION_SETS if role in chosen)


def generate_org(size: int = 50, seed: int = 7) -> Org:
    """``size`` accounts; identical for the same seed. About 40 ms for 5,000 accounts."""
    if size < 0:
        raise ValueError("size must be >= 0")
    rng = random.Random(seed)
    names = _names(rng)
    picked = [next(names) for _ in range(size)]
    rng.shuffle(picked)  # ListAccounts order is arbitrary in the real service too
    seen: set[str] = set()
    accounts = []
    for index, name in enumerate(picked):
        while True:
            # Every 7th account gets an id with a leading zero: ids are strings, never ints.
            top = 10**11 if index % 7 == 1 else 10**12
            account_id = f"{rng.randrange(10**10, top):012d}"
            if account_id not in seen:
                seen.add(account_id)
                break
        accounts.append(OrgAccount(account_id, name, f"aws+{name}@example.com", _roles(rng, name)))
    org = Org(name=rng.choice(ORG_NAMES), accounts=accounts)
    org.chained = chained_roles(org, seed)
    return org


def chained_roles(org: Org, seed: int = 7) -> dict[str, ChainedRole]:
    """Roles in accounts outside the org (a legacy data centre, a vendor's audit account),
    trusted by SSO roles of the landing-zone accounts the org has: ``LegacyAdmin`` from
    management/AdministratorAccess, ``AuditReader`` (ExternalId ``ssotui-demo``) from
    security-audit/SecurityAudit, and ``DeepOps``, reached from LegacyAdmin only (a chain of
    chains). Their own random numbers: the accounts above are the same with or without them."""
    rng = random.Random(f"chained-{seed}")
    outside = [f"{rng.randrange(10**11, 10**12):012d}" for _ in range(2)]
    names = {account.name: account for account in org.accounts}
    roles: list[ChainedRole] = []
    management = names.get("management")
    if management is not None:
        legacy = ChainedRole(
            f"arn:aws:iam::{outside[0]}:role/LegacyAdmin",
            ((management.account_id, "AdministratorAccess"),),
        )
        roles.append(legacy)
        roles.append(
            ChainedRole(f"arn:aws:iam::{outside[0]}:role/DeepOps", ((outside[0], "LegacyAdmin"),))
        )
    audit = names.get("security-audit")
    if audit is not None:
        roles.append(
            ChainedRole(
                f"arn:aws:iam::{outside[1]}:role/AuditReader",
                ((audit.account_id, "SecurityAudit"),),
                external_id="ssotui-demo",
            )
        )
    return {role.arn: role for role in roles}
