"""The picker's search: fzf-like terms over assignments, best match first, incremental narrowing.

Pure Python (no textual, no rich), so it can be tested and benchmarked on its own.

Semantics
    The query is split on whitespace into terms; a row matches when every term matches. A term
    matches a field (account name, account id, role name, email) as a case-insensitive
    substring, or as a fuzzy subsequence (its characters in order, gaps allowed) inside that one
    field — except the e-mail and an account's extra text (its alias and tags, ``env:prod``),
    which only match as substrings. Digits-only terms match only
    as substrings (a fuzzy "123" would match nearly every 12-digit id). A pasted ARN or a dashed
    id ("1234-5678-9012") becomes the 12-digit account id, plus the permission set name when the
    ARN names an ``AWSReservedSSO_<name>_<hex>`` role (an ``assumed-role/…`` or an IAM
    ``role/aws-reserved/sso.amazonaws.com/…`` ARN, or the bare role name). ``account/role``
    (an account name or id, a slash, a role) becomes those two terms.

    The best match comes first. Each term gets a tier per row, the best of its fields:
      0  exact: the whole account name, account id or role name
      1  word prefix: the term starts at a word of the name, role or id; words begin after
         ``- _ . / @ + :`` or a space, and at camelCase humps ("acc" in ReadOnlyAccess)
      2  substring (the e-mail ranks here at best)
      3  letters in order (fuzzy)
    A row's tier is its worst term's: "prod pay" puts every row where both are word prefixes
    (payments-prod) above rows where either is only fuzzy (sandbox-playground). Within a tier,
    a lower sum of the terms' tiers comes first ("payments-prod admin": payments-prod, the
    whole name, above payments-prod-eu, a prefix), then the caller's order (favorites, recents,
    then name). So a pasted role ARN or ``account/role`` puts that role first. Highlights
    (`SearchIndex.spans`) show a term where it starts a word, if it does anywhere in the field.

    `SearchIndex.suggest` is for a query that matches nothing: the rows where each term (split
    at the word breaks above) matches, or is one edit (a letter missing, extra, wrong, or two
    neighbours swapped) away from a word of the account name or role name or from a prefix of
    one ("paymnets" finds payments-prod). Terms shorter than 3 letters and digits are not edited.

Speed
    Rows are (account × permission set), so the fields of one account repeat once per role. The
    index therefore matches each term once per distinct account and once per distinct role name
    (C-level ``map`` over precomputed lowercase strings), then combines the two per row. A query
    that refines a cached one (a term extended or appended) only looks at the cached result, and
    the last few results are kept, so backspace is a dictionary lookup.
    Ranking comes after matching, on the matched rows only (and is cached like the matches): a
    term's tier code per account comes from one more ``map`` pass (word starts; the substring
    pass of matching is reused) over only the accounts that may match, kept per term; per role
    it is a loop over the few role names. The codes are picked per row into bytes and combined
    as big integers (OR is the better field, AND the worse term), then one ``compress`` per tier
    present. At 50,000 rows this adds 1-4 ms to a key that searches. The word texts (~9 ms at
    50,000 rows) are built by ``prepare()``, which the list calls just after its rows are set
    (else on the first ranked query). `SearchIndex.suggest` runs only when nothing matched: one
    Python test per distinct word of the names and roles, then one ``map`` per close prefix
    (~2-30 ms).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import compress, islice, repeat
from operator import eq, itemgetter, not_, or_

from ssotui.core.models import Assignment
from ssotui.tui.search_rank import (
    BREAK_RUN,
    EXACT,
    FUZZY,
    MIN_EDITED,
    SUM_TERMS,
    TIER,
    WORST,
    by_key,
    near_prefix,
    role_tiers,
    substring_only,
    tier_codes,
    word_find,
    word_term,
    word_texts,
    words_of,
)

__all__ = ["FIELDS", "SearchIndex", "parse_query"]

FIELDS: tuple[str, ...] = ("account_name", "account_id", "role_name", "email")
"""Searchable fields, in the order ``positions()`` prefers for fuzzy highlights."""

_SEP = "\x1f"  # between the fields of one account text; str.split() treats it as whitespace
_CACHE_SIZE = 24
_RANKED_SIZE = 8

_ARN = re.compile(r"^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):(.*)$")
_SSO_ROLE = re.compile(r"(?:^|/)awsreservedsso_([^/]+)_[0-9a-f]{16}(?:/|$)")
_DASHED_ID = re.compile(r"^\d{4}-\d{4}-\d{4}$")


def fold(text: str) -> str:
    """Lowercase ``text`` keeping one character per character, so offsets stay valid."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(char.lower()[0] for char in text)


@lru_cache(maxsize=64)
def parse_query(query: str) -> tuple[str, ...]:
    """Split a query into lowercase terms; ARNs and dashed ids become account ids, a role ARN
    or ``account/role`` also the role name."""
    terms: list[str] = []
    for raw in fold(query).split():
        terms += _terms_of(raw)
    return tuple(dict.fromkeys(terms))  # drop repeats, keep order


def _terms_of(raw: str) -> list[str]:
    """The terms one whitespace-free piece of a (folded) query stands for."""
    if arn := _ARN.match(raw):
        account_id, resource = arn.groups()
        role = _SSO_ROLE.search(resource)
        return [account_id, role.group(1)] if role else [account_id]
    if role := _SSO_ROLE.search(raw):  # a role name or path without the ARN around it
        return [role.group(1)]
    if _DASHED_ID.match(raw):
        return [raw.replace("-", "")]
    account, slash, role = raw.strip("/").rpartition("/")
    if slash:  # account/role (an account name may hold a slash; a role name never does)
        return [account.replace("-", "") if _DASHED_ID.match(account) else account, role]
    return [role] if role else []


def _implies(strong: str, weak: str) -> bool:
    """True when every row matching ``strong`` also matches ``weak``."""
    return weak in strong and (strong.isdigit() or not weak.isdigit())


@lru_cache(maxsize=256)
def _fuzzy_match(term: str) -> Callable[[str], re.Match[str] | None]:
    """``match`` of a regex that holds when ``term`` is a subsequence of the (one-field) text.

    "ab" becomes ``[^a]*+a[^b]*+b``: anchored and possessive, so one linear pass per text (the
    leftmost subsequence match is found or nothing is). Measured 2-3x faster than ``search`` for
    ``a.*?b`` or ``a[^b]*b`` over the same texts.
    """
    parts = []
    for char in term:
        esc = re.escape(char)
        parts.append(f"[^{esc}]*+{esc}")
    return re.compile("".join(parts)).match


def _test(term: str, texts: list[str]) -> bytearray:
    """For each one-field text, 1 when ``term`` matches it."""
    if substring_only(term):
        return bytearray(map(str.__contains__, texts, repeat(term)))
    return bytearray(map(bool, map(_fuzzy_match(term), texts)))


def _fuzzy_positions(term: str, text: str) -> list[int] | None:
    """Offsets of a tight subsequence match of ``term`` in ``text`` (both folded), or None."""
    pos = -1
    for char in term:
        pos = text.find(char, pos + 1)
        if pos < 0:
            return None
    # Walk back from the end of the leftmost match to get the shortest window ending there.
    found: list[int] = []
    end = pos + 1
    for char in reversed(term):
        end = text.rfind(char, 0, end)
        found.append(end)
    found.reverse()
    return found


class _Rows(list[int]):
    """Row indices, ascending, with their ``mask``: bit i set when row i is one of them. Kept
    by a dense search so that narrowing it further ANDs masks instead of looking up rows."""

    __slots__ = ("mask",)

    def __init__(self, rows: Iterable[int], mask: int) -> None:
        super().__init__(rows)
        self.mask = mask


class SearchIndex:
    """Filters a fixed list of assignments by query; see the module docstring for semantics."""

    def __init__(self, rows: Sequence[Assignment], extra: Mapping[str, str] | None = None) -> None:
        """``extra``: more text per account id (its alias and tags), matched like the e-mail:
        as a substring, ranked as one, never highlighted."""
        self.rows: Sequence[Assignment] = rows
        accounts: dict[tuple[str, str, str, str], int] = {}
        roles: dict[str, int] = {}
        account_of: list[int] = []
        role_of: list[int] = []
        # Rows of several sessions (the merged picker) have a ``scope`` per session and
        # account: the same account in two sessions is two accounts here, each with its extra.
        scoped = bool(rows) and hasattr(rows[0], "scope")
        for row in rows:
            scope = row.scope if scoped else row.account_id
            account_key = (row.account_name, row.account_id, row.email, scope)
            account = accounts.get(account_key)
            if account is None:
                account = accounts[account_key] = len(accounts)
            role = roles.get(row.role_name)
            if role is None:
                role = roles[row.role_name] = len(roles)
            account_of.append(account)
            role_of.append(role)
        self._account_of = account_of
        self._role_of = role_of
        # Substring terms test one joined string per account ("\x1f" is never inside a term).
        if extra:
            self._account_joined = [
                fold(_SEP.join((*key[:3], extra.get(key[3], "")))) for key in accounts
            ]
        else:
            self._account_joined = [fold(_SEP.join(key[:3])) for key in accounts]
        # Fuzzy terms test each field on its own: one anchored regex pass per field. A term with
        # a non-digit never matches an all-digit account id, so ids are skipped when they are.
        # E-mails match as substrings only: a long address holds almost any short subsequence
        # ("prod" is in order inside "playground@example.com"), which floods the results.
        names, ids = (tuple(k[0] for k in accounts), tuple(k[1] for k in accounts))
        self._names, self._ids, self._roles = names, ids, tuple(roles)
        fuzzy_fields = [names] if all(map(str.isdigit, ids)) else [names, ids]
        self._account_fields = [[fold(text) for text in field] for field in fuzzy_fields]
        self._role_text = [fold(role) for role in roles]
        # Row masks from account and role results, without a Python-level loop over rows:
        # one itemgetter call picks every row's account byte, and one bytes.translate every
        # row's role byte (when there are at most 256 role names, nearly always).
        self._accounts_of_rows = itemgetter(*account_of) if len(rows) > 1 else None
        self._role_bytes = bytes(role_of) if len(roles) <= 256 else None
        # Every row index, made once: results are picked from it (``compress``), which reuses
        # these int objects instead of making new ones per key (half the cost at 50,000 rows).
        self._everything = list(range(len(rows)))
        self._cache: OrderedDict[tuple[str, ...], list[int]] = OrderedDict()
        self._cache[()] = self._everything
        self._ranked: OrderedDict[tuple[str, ...], list[int]] = OrderedDict()
        # Per tested term, one byte per account: 0 where the account failed it, 1 where it
        # matched or was not tested (see _match_accounts). A term's failures hold for every
        # term that implies it.
        self._failures: OrderedDict[str, bytes] = OrderedDict()
        # Per ranked term, its tier code per account (see _account_tiers), and per term tested
        # against every account, whether each holds it as a substring (see _test_accounts).
        self._tiers: OrderedDict[str, bytes] = OrderedDict()
        self._found: OrderedDict[str, bytes] = OrderedDict()
        self._word_data: tuple[list[str], list[str], frozenset[str]] | None = None
        self._words: frozenset[str] | None = None
        self._key_to_row: dict[tuple[str, str], int] | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def find(self, key: tuple[str, str]) -> int | None:
        """The row index of an assignment key, or None. Builds a dict on first use."""
        if self._key_to_row is None:
            mapping: dict[tuple[str, str], int] = {}
            for index, row in enumerate(self.rows):
                mapping.setdefault(row.key, index)
            self._key_to_row = mapping
        return self._key_to_row.get(key)

    def filter(self, query: str) -> list[int]:
        """Indices of the rows matching ``query``, the best match first (see the module
        docstring), else in the caller's order. Empty query: every row, in order."""
        terms = parse_query(query)
        key = tuple(sorted(terms))
        ranked = self._ranked.get(key)
        if ranked is None:
            ranked = self._rank(terms, self._matches(terms, key))
            self._ranked[key] = ranked
            if len(self._ranked) > _RANKED_SIZE:
                self._ranked.popitem(last=False)
        else:
            self._ranked.move_to_end(key)
        return list(ranked)

    def _matches(self, terms: tuple[str, ...], key: tuple[str, ...]) -> list[int]:
        """Indices of the rows matching every term, ascending (cached)."""
        cached = self._cache.get(key)
        if cached is None:
            cached = self._search(terms)
            self._cache[key] = cached
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return cached

    def _search(self, terms: tuple[str, ...]) -> list[int]:
        """Narrow the smallest cached result that ``terms`` refines."""
        base_terms: tuple[str, ...] = ()
        base = self._everything
        for old_terms, result in self._cache.items():
            if len(result) < len(base) and all(
                any(_implies(new, old) for new in terms) for old in old_terms
            ):
                base_terms, base = old_terms, result
        # Terms already implied by the base query hold for every base row.
        todo = [t for t in terms if not any(_implies(old, t) for old in base_terms)]
        todo.sort(key=len, reverse=True)  # longer terms are usually more selective
        for term in todo:
            if not base:
                break
            base = self._narrow(term, base)
        return base

    def _narrow(self, term: str, candidates: list[int]) -> list[int]:
        """The candidates that match ``term`` in some field."""
        account_of, role_of = self._account_of, self._role_of
        rows = len(account_of)
        if len(candidates) * 2 >= rows:  # dense: C-level passes over every row
            account_ok = self._match_accounts(term, range(len(self._account_joined)))
            role_ok = _test(term, self._role_text)
            found = self._row_mask(account_ok, role_ok)
            if len(candidates) == rows:
                return _Rows(compress(self._everything, found), int.from_bytes(found, "little"))
            mask = getattr(candidates, "mask", None)
            if mask is None:
                return self._select(candidates, found)
            # The candidates' mask AND this term's, as big integers: no per-row lookups.
            both = mask & int.from_bytes(found, "little")
            return _Rows(compress(self._everything, both.to_bytes(rows, "little")), both)
        # Only test the accounts that still have a candidate row.
        wanted = list(dict.fromkeys(map(account_of.__getitem__, candidates)))
        account_ok = self._match_accounts(term, wanted)
        role_ok = _test(term, self._role_text)
        picked = zip(
            candidates,
            map(account_of.__getitem__, candidates),
            map(role_of.__getitem__, candidates),
            strict=True,
        )
        return [i for i, account, role in picked if account_ok[account] or role_ok[role]]

    def _row_mask(self, account_ok: bytearray, role_ok: bytearray) -> bytes:
        """One byte per row: 1 when its account or its role matched (C-level loops only)."""
        rows = len(self._account_of)
        if self._accounts_of_rows is not None:
            mask = bytes(self._accounts_of_rows(account_ok))
        else:  # itemgetter of one item returns the item, not a tuple
            mask = bytes(map(account_ok.__getitem__, self._account_of))
        if not any(role_ok):
            return mask
        if self._role_bytes is not None:
            by_role = self._role_bytes.translate(bytes(role_ok).ljust(256, b"\0"))
        else:
            by_role = bytes(map(role_ok.__getitem__, self._role_of))
        either = int.from_bytes(mask, "little") | int.from_bytes(by_role, "little")
        return either.to_bytes(rows, "little")

    def _select(self, candidates: list[int], mask: bytes) -> list[int]:
        """The candidates whose byte in ``mask`` is set, in order."""
        if len(candidates) == len(mask):  # every row: candidates are 0..n-1
            return list(compress(self._everything, mask))
        return list(compress(candidates, map(mask.__getitem__, candidates)))

    def _match_accounts(self, term: str, accounts: Sequence[int]) -> bytearray:
        """One byte per account, 1 for those of ``accounts`` that ``term`` matches.

        An account that failed a weaker term (one that ``term`` implies: "pr" for "pro", "ad"
        for "admin") fails ``term`` too, so only the others are tested. Typing a word narrows
        the accounts to test key by key, and the failures of each term are kept for the next.
        """
        count = len(self._account_joined)
        may_match = self._may_match(term)
        todo: Sequence[int] = accounts
        if may_match is not None and len(accounts) == count and may_match.count(1) * 2 >= count:
            # Most accounts may match: testing them all (C-level passes) costs less than
            # picking them out and putting the answers back in Python, and gives the same
            # answer (an account that failed a weaker term fails this one).
            may_match = None
        if may_match is not None:
            todo = list(compress(accounts, map(may_match.__getitem__, accounts)))
        matched = self._test_accounts(term, todo)
        if len(todo) == count:  # every account, in order: all are known now
            account_ok = bytearray(matched)
            may_match = bytes(matched)
        else:
            account_ok = bytearray(count)
            for account in compress(todo, matched):
                account_ok[account] = 1
            may_match = bytearray(may_match if may_match is not None else b"\1" * count)
            for account in compress(todo, map(not_, matched)):
                may_match[account] = 0
        self._failures[term] = may_match
        if len(self._failures) > _CACHE_SIZE:
            self._failures.popitem(last=False)
        return account_ok

    def _may_match(self, term: str) -> bytes | None:
        """One byte per account, 0 where an account is known not to match ``term`` (it failed
        a term that ``term`` implies); None when no such term was tested."""
        weaker = [old for old in self._failures if _implies(term, old)]
        if not weaker:
            return None
        return self._failures[max(weaker, key=len)]

    def _test_accounts(self, term: str, accounts: Sequence[int]) -> bytearray:
        """For each account slot in ``accounts``, 1 when ``term`` matches its name, id or email."""
        everything = len(accounts) == len(self._account_joined)
        joined = self._account_joined
        if substring_only(term):  # whatever matches is a substring: the ranking need not know
            texts = joined if everything else [joined[a] for a in accounts]
            return bytearray(map(str.__contains__, texts, repeat(term)))
        if len(accounts) * 2 < len(joined):
            result = bytearray(map(str.__contains__, [joined[a] for a in accounts], repeat(term)))
        else:  # most accounts: test them all, and keep that for the ranking (_account_tiers)
            found = bytes(map(str.__contains__, joined, repeat(term)))
            self._found[term] = found
            if len(self._found) > _CACHE_SIZE:
                self._found.popitem(last=False)
            result = bytearray(found if everything else map(found.__getitem__, accounts))
        match = _fuzzy_match(term)
        either = int.from_bytes(result, "little")  # OR as big integers, not per account
        for field in self._account_fields:  # the fuzzy fields: name and id, not the e-mail
            texts = field if everything else [field[a] for a in accounts]
            either |= int.from_bytes(bytes(map(bool, map(match, texts))), "little")
        return bytearray(either.to_bytes(len(result), "little"))

    # -- ranking ----------------------------------------------------------------------------------

    def _rank(self, terms: tuple[str, ...], matched: list[int]) -> list[int]:
        """``matched`` (ascending), the best match first; see the module docstring."""
        if len(matched) < 2 or not terms:
            return matched
        count = len(matched)
        every_row = count == len(self.rows)
        of_matched = None if every_row else itemgetter(*matched)
        accounts: list[int] | None = None  # the accounts to rank, when only a few
        pick_accounts = self._accounts_of_rows  # one code per account -> one per row
        if of_matched is not None:
            account_of = of_matched(self._account_of)
            pick_accounts = itemgetter(*account_of)
            if count * 8 < len(self.rows):
                accounts = list(dict.fromkeys(account_of))
        assert pick_accounts is not None  # only None for fewer than two rows
        pick_roles = None
        worst = -1
        total = 0
        summed = 1 < len(terms) <= SUM_TERMS
        for term in terms:
            # A row's code for the term is the better of its account's and its role's (OR);
            # its worst term's code is the AND over the terms. A code that is the same for
            # every account (or role) needs no gathering per row.
            codes = 0
            for by_parent, pick in (
                (self._account_tiers(term, accounts), pick_accounts),
                (role_tiers(term, self._role_text, self._word_index()[1]), None),
            ):
                if by_parent.count(by_parent[0]) == len(by_parent):
                    codes |= int.from_bytes(by_parent[:1] * count, "little")
                    continue
                if pick is None:
                    if pick_roles is None:
                        pick_roles = self._role_picker(of_matched)
                    pick = pick_roles
                codes |= int.from_bytes(bytes(pick(by_parent)), "little")
            worst &= codes
            if summed:
                tiers = codes.to_bytes(count, "little").translate(TIER)
                total += int.from_bytes(tiers, "little")  # bytes <= 30: no carries
        keys = worst.to_bytes(count, "little").translate(WORST if summed else TIER)
        if summed:
            keys = (int.from_bytes(keys, "little") + total).to_bytes(count, "little")
        return by_key(matched, keys)

    def _role_picker(self, of_matched: itemgetter | None) -> Callable[[bytes], Iterable[int]]:
        """From one code per role name, one per row (``of_matched`` picks the rows)."""
        if self._role_bytes is None:  # over 256 role names: no byte per row
            role_of = self._role_of if of_matched is None else of_matched(self._role_of)
            return lambda codes: map(codes.__getitem__, role_of)
        role_bytes = self._role_bytes if of_matched is None else bytes(of_matched(self._role_bytes))
        return lambda codes: role_bytes.translate(codes.ljust(256, b"\0"))

    def _account_tiers(self, term: str, accounts: Sequence[int] | None = None) -> bytes:
        """The term's tier code per account, for ``accounts`` only when given (fuzzy for the
        others). Where the term is no substring the code says fuzzy, whether it matched or
        not: only matched rows are ranked, and a row whose account does not match takes its
        role's code (ORed with fuzzy, the lowest, that stays as it is)."""
        tiers = self._tiers.get(term)
        if tiers is not None:
            self._tiers.move_to_end(term)
            return tiers
        account_words, _role_words, exact = self._word_index()
        count = len(account_words)
        found = self._found.get(term)
        # Accounts known not to match the term (see _may_match) need no code. Picking out
        # accounts costs more per account than a pass over all (C-level only): worth it for
        # fewer than this many.
        fewer = count // (4 if found is not None else 2)
        known = self._failures.get(term)
        # Codes for every account that may match are as good as codes for all: keep them.
        complete = True
        if known is not None and known.count(1) < fewer:
            accounts = list(compress(range(count), known))
        elif known is not None and accounts is not None:
            accounts = list(compress(accounts, map(known.__getitem__, accounts)))
            complete = False
        elif accounts is not None:
            complete = False
        if accounts is None or len(accounts) >= fewer:
            tiers = tier_codes(term, self._account_joined, account_words, found)
            complete = True
        else:
            joined = [self._account_joined[account] for account in accounts]
            words = [account_words[account] for account in accounts]
            tiers = bytearray((FUZZY,)) * count
            for account, code in zip(accounts, tier_codes(term, joined, words, None), strict=True):
                tiers[account] = code
        if term in exact:  # the whole name or id of some account
            names, *ids = self._account_fields  # the folded ids, unless all are digits
            same = map(
                or_,
                map(eq, names, repeat(term)),
                map(eq, ids[0] if ids else self._ids, repeat(term)),
            )
            tiers = bytearray(tiers)
            for account in compress(range(count), same):
                tiers[account] = EXACT
        if complete:  # every account that may match: keep it for the next queries
            tiers = bytes(tiers)
            self._tiers[term] = tiers
            if len(self._tiers) > _CACHE_SIZE:
                self._tiers.popitem(last=False)
        return tiers

    def prepare(self) -> None:
        """Build what the first ranked query needs (the word texts, ~7 ms at 50,000 rows) now,
        so that the first key typed does not pay for it. Safe to skip: it is built on first use
        otherwise."""
        self._word_index()

    def _word_index(self) -> tuple[list[str], list[str], frozenset[str]]:
        """The word texts of the accounts (name and id) and of the roles, and the set of folded
        account names and ids. Built on the first ranking."""
        if self._word_data is None:
            names, *ids = self._account_fields  # the folded ids unless all are digits
            accounts = word_texts([names, ids[0] if ids else self._ids], self._names)
            roles = word_texts([self._role_text], self._roles)
            exact = frozenset(names).union(ids[0] if ids else self._ids)
            self._word_data = (accounts, roles, exact)
        return self._word_data

    # -- close matches ----------------------------------------------------------------------------

    def suggest(self, query: str, limit: int = 20) -> list[int]:
        """Rows that ``query`` nearly matches, for when `filter` finds none: each term (split at
        word breaks) matches, or is one edit from a word of the account name or role name or a
        prefix of one. At most ``limit`` rows, in the caller's order."""
        pieces = [piece for term in parse_query(query) for piece in BREAK_RUN.split(term)]
        terms = [piece for piece in dict.fromkeys(pieces) if piece]
        if not terms or not self.rows:
            return []
        mask = -1
        for term in terms:
            account_ok = self._match_accounts(term, range(len(self._account_joined)))
            role_ok = _test(term, self._role_text)
            if len(term) >= MIN_EDITED and not term.isdigit():
                self._add_near(term, account_ok, role_ok)
            mask &= int.from_bytes(self._row_mask(account_ok, role_ok), "little")
            if not mask:
                return []
        rows = len(self.rows)
        return list(islice(compress(range(rows), mask.to_bytes(rows, "little")), limit))

    def _add_near(self, term: str, account_ok: bytearray, role_ok: bytearray) -> None:
        """Mark the accounts and roles with a word that ``term`` is one edit from (or from a
        prefix of it)."""
        near = {prefix for word in self._name_words() if (prefix := near_prefix(term, word))}
        # A word starting with a longer prefix also starts with its shorter ones.
        starts = [
            word_term(prefix)
            for prefix in near
            if not any(other != prefix and prefix.startswith(other) for other in near)
        ]
        account_words, role_words, _exact = self._word_index()
        for start in starts:
            found = map(str.__contains__, account_words, repeat(start))
            account_ok[:] = bytes(map(or_, account_ok, found))
        for role, words in enumerate(role_words):
            if any(start in words for start in starts):
                role_ok[role] = 1

    def _name_words(self) -> frozenset[str]:
        """Every word of the account names and role names, folded (digits-only words left out).
        Built on the first call."""
        if self._words is None:
            words = words_of((*self._names, *self._roles))
            self._words = frozenset(fold(word) for word in words if not word.isdigit())
        return self._words

    # -- highlights -------------------------------------------------------------------------------

    def positions(self, row_index: int, query: str) -> dict[str, list[int]]:
        """Offsets of the matched characters per field of one row, for highlighting.

        Every field containing a term as a substring is highlighted there (where it starts a
        word, if it does anywhere); a term that is found only fuzzily is highlighted in the
        first field (in ``FIELDS`` order) that holds it.
        """
        return {
            name: [offset for begin, end in spans for offset in range(begin, end)]
            for name, spans in zip(FIELDS, self.spans(row_index, query), strict=True)
        }

    def spans(self, row_index: int, query: str) -> tuple[list[tuple[int, int]], ...]:
        """Like `positions`, as sorted, non-overlapping ``(start, end)`` runs per field
        (in ``FIELDS`` order). Cheaper to render from than single offsets."""
        row = self.rows[row_index]
        texts = (row.account_name, row.account_id, row.role_name, row.email)
        folded = tuple(map(fold, texts))
        found: tuple[list[tuple[int, int]], ...] = ([], [], [], [])
        for term in parse_query(query):
            hit = False
            for low, text, runs in zip(folded, texts, found, strict=True):
                start = word_find(term, low, text)
                if start >= 0:
                    runs.append((start, start + len(term)))
                    hit = True
            if hit or substring_only(term):
                continue
            for low, runs in zip(folded[:3], found[:3], strict=True):  # not the e-mail
                offsets = _fuzzy_positions(term, low)
                if offsets is not None:
                    runs.extend((offset, offset + 1) for offset in offsets)
                    break
        return tuple(_merge(runs) if len(runs) > 1 else runs for runs in found)


def _merge(runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort runs and join the ones that overlap or touch."""
    runs.sort()
    merged = [runs[0]]
    for start, end in runs[1:]:
        last_start, last_end = merged[-1]
        if start <= last_end:
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged
