"""The picker's chained-role rows, and the labels and safety rail of every row.

Pure Python (no Textual): the rules are core's (:mod:`ssotui.core.chains`,
:mod:`ssotui.core.labels`); this module only makes rows of the chains and keeps the judgments
of the rows shown, so that drawing a row or opening it costs a dictionary look-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from ssotui.core import labels
from ssotui.core.models import Account, Assignment
from ssotui.core.untrusted import for_terminal, is_account_id, marker

if TYPE_CHECKING:  # chains.py is imported only when some are declared
    from ssotui.core.chains import Chain

Key = tuple[str, str]


class ChainedRow(Assignment):
    """A role reached by role chaining, as a row: the account id of its ARN, "via ACCOUNT/ROLE"
    as its account name, no e-mail, its role name. Its key's role part is the role ARN, so it
    never collides with an SSO row of the same account id and role name (its credentials are
    cached under the ARN too)."""

    chain: Chain

    def __new__(cls, chain: Chain, via: str) -> ChainedRow:
        row = super().__new__(cls, chain.account_id, via, "", chain.role_name)
        row.chain = chain
        return row

    def __getnewargs__(self) -> tuple[Chain, str]:  # copies keep the chain
        return (self.chain, self.account_name)

    @property
    def key(self) -> Key:
        return (self.account_id, self.chain.role_arn)


def is_chained(row: Assignment | None) -> bool:
    return isinstance(row, ChainedRow)


def chained_rows(chains: Iterable[Chain], accounts: Mapping[str, Account]) -> list[ChainedRow]:
    """One row per chain, its source named as the portal names it ("via management/Admin"
    for a source given by id). Config and settings text is made safe for the terminal."""
    rows = []
    for chain in chains:
        via = chain.via
        if isinstance(chain.source, tuple) and is_account_id(chain.source[0]):
            known = accounts.get(chain.source[0])
            if known is not None:
                via = f"via {known.account_name}/{chain.source[1]}"
        rows.append(ChainedRow(chain, for_terminal(via)))
    return rows


def reached_by(row: ChainedRow) -> str:
    """The details pane's line for a chained row."""
    from ssotui.core.chains import CHAINED_MAX_S

    hours = CHAINED_MAX_S // 3600
    source = row.account_name.removeprefix("via ")
    return f"reached by role chaining from {source} (sessions last at most {hours} h)"


class Labeler:
    """Labels and protection of the picker's rows under the settings, kept per row.

    ``account``: the account of an id as the picker lists it (for a chained role's account),
    or None."""

    def __init__(self, settings, account: Callable[[str], Account | None]) -> None:
        self.settings = settings
        self._account = account
        self._judged: dict[tuple, tuple[Assignment, labels.Label, bool]] = {}
        self._texts: dict[tuple[str, str], str] = {}

    def is_chained(self, row: Assignment) -> bool:
        return isinstance(row, ChainedRow)

    def account(self, account_id: str) -> Account | None:  # labels.judge's inventory
        return self._account(account_id)

    def judge(self, row: Assignment) -> tuple[Assignment, labels.Label, bool]:
        """(the row as judged, its label, protected): labels.judge, once per row."""
        if isinstance(row, ChainedRow):
            known = self._account(row.account_id)
            cache_key: tuple = (row.key, known.account_name if known else None)
            chain = row.chain
        else:
            cache_key = (row.key, row.account_name)
            chain = None
        found = self._judged.get(cache_key)
        if found is None:
            found = labels.judge(row, self.settings, chain=chain, inventory=self)
            if len(self._judged) > 100_000:
                self._judged.clear()
            self._judged[cache_key] = found
        return found

    def label(self, row: Assignment) -> labels.Label:
        return self.judge(row)[1]

    def protected(self, row: Assignment) -> bool:
        return self.judge(row)[2]

    def text(self, row: Assignment) -> str:
        """The label as the row shows it and the search finds it: alias, then tags."""
        label = self.label(row)
        return " ".join(filter(None, (label.alias, *label.tags)))

    def search_texts(
        self, accounts: Iterable[Account], chained: Iterable[ChainedRow] = ()
    ) -> dict[str, str]:
        """Account id -> its label text, for those that have one (the search matches it like
        the e-mail): the listed ``accounts``, then the accounts chained roles land in that
        are not listed. Kept per account, so a streaming load pays for new accounts only."""
        texts: dict[str, str] = {}
        cache = self._texts
        settings = self.settings
        for account in accounts:
            key = (account.account_id, account.account_name)
            text = cache.get(key)
            if text is None:
                row = Assignment(account.account_id, account.account_name, "", "")
                label = labels.label_of(row, settings.account_labels, settings.label_inference)
                text = cache[key] = " ".join(filter(None, (label.alias, *label.tags)))
            if text:
                texts[account.account_id] = text
        for row in chained:
            if row.account_id not in texts and (text := self.text(row)):
                texts[row.account_id] = text
        return texts

    def markers(self, row: Assignment) -> dict[str, str]:
        """What a shell, tmux window or exports of ``row`` carry, as the CLI's do:
        SSOTUI_LABELS (the tags, safe characters only) and, when protected,
        SSOTUI_PROTECTED=1."""
        _judged, label, protected = self.judge(row)
        found = {"SSOTUI_LABELS": marker(" ".join(label.tags))} if label.tags else {}
        if protected:
            found["SSOTUI_PROTECTED"] = "1"
        return found

    def sentence(self, row: Assignment) -> str:
        """ "payments-prod (123456789012) as AdministratorAccess", safe to draw."""
        judged = self.judge(row)[0]
        return for_terminal(f"{judged.account_name} ({judged.account_id}) as {row.role_name}")
