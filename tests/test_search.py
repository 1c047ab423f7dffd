"""SearchIndex: fzf-like semantics, base order kept, incremental narrowing equals a fresh search."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from ssotui.core.models import Assignment
from ssotui.tui.search import FIELDS, SearchIndex, parse_query

ROWS = [
    Assignment("111122223333", "payments-prod", "aws+payments-prod@acme.example", "Admin"),
    Assignment("111122223333", "payments-prod", "aws+payments-prod@acme.example", "ReadOnly"),
    Assignment("444455556666", "Billing-Staging", "billing@acme.example", "AdministratorAccess"),
    Assignment("777788889999", "prod-shared", "shared@acme.example", "PowerUserAccess"),
    Assignment("112233445566", "sandbox", "sandbox@acme.example", "ReadOnly"),
]


def names(index: SearchIndex, query: str) -> list[tuple[str, str]]:
    return [(index.rows[i].account_name, index.rows[i].role_name) for i in index.filter(query)]


@pytest.fixture
def index() -> SearchIndex:
    return SearchIndex(ROWS)


def test_empty_query_returns_every_row_in_order(index):
    assert index.filter("") == [0, 1, 2, 3, 4]
    assert index.filter("   ") == [0, 1, 2, 3, 4]
    assert len(index) == 5
    assert index.rows is ROWS


def test_substring_is_case_insensitive(index):
    assert names(index, "BILLING") == [("Billing-Staging", "AdministratorAccess")]
    assert names(index, "staging") == names(index, "StAgInG")


def test_every_term_must_match_possibly_in_different_fields(index):
    # Both terms in the account name.
    assert names(index, "prod pay") == [("payments-prod", "Admin"), ("payments-prod", "ReadOnly")]
    # One term in the account, one in the role.
    assert names(index, "pay readonly") == [("payments-prod", "ReadOnly")]
    assert names(index, "readonly pay") == [("payments-prod", "ReadOnly")]
    # A term that matches nothing empties the result.
    assert index.filter("pay zebra") == []


def test_fuzzy_subsequence_within_one_field(index):
    assert names(index, "pymprd") == [("payments-prod", "Admin"), ("payments-prod", "ReadOnly")]
    assert names(index, "admacc") == [("Billing-Staging", "AdministratorAccess")]
    # "g" ends the name, "a" starts the role: a subsequence only across two fields is no match.
    assert index.filter("stagingadministrator") == []


def test_digits_match_ids_as_substrings_only(index):
    assert names(index, "4444") == [("Billing-Staging", "AdministratorAccess")]
    assert names(index, "2222") == [("payments-prod", "Admin"), ("payments-prod", "ReadOnly")]
    # 1..3..5 is a subsequence of 112233445566 but not a substring: digits are never fuzzy.
    assert index.filter("135") == []


def test_pasted_ids_and_arns(index):
    assert names(index, "4444-5555-6666") == [("Billing-Staging", "AdministratorAccess")]
    assert names(index, "arn:aws:iam::777788889999:role/whatever") == [
        ("prod-shared", "PowerUserAccess")
    ]
    arn = (
        "arn:aws:sts::111122223333:assumed-role/"
        "AWSReservedSSO_ReadOnly_0123456789abcdef/someone@acme.example"
    )
    assert names(index, arn) == [("payments-prod", "ReadOnly")]
    assert parse_query(arn) == ("111122223333", "readonly")


def test_parse_query_lowercases_splits_and_dedupes():
    assert parse_query("  Prod  PAY prod\t") == ("prod", "pay")
    assert parse_query("") == ()


def test_best_match_first_exact_then_word_prefix_then_substring_then_fuzzy():
    rows = [
        Assignment("000000000001", "p-r-o-d", "", "R"),  # letters in order
        Assignment("000000000002", "reproduce", "", "R"),  # substring
        Assignment("000000000003", "zzz-prod", "", "R"),  # word prefix
        Assignment("000000000004", "prod", "", "R"),  # the whole name
        Assignment("000000000005", "zzz-production", "", "R"),  # word prefix
    ]
    index = SearchIndex(rows)
    assert names(index, "prod") == [
        ("prod", "R"),
        ("zzz-prod", "R"),
        ("zzz-production", "R"),
        ("reproduce", "R"),
        ("p-r-o-d", "R"),
    ]


def test_within_a_tier_the_callers_order_holds():
    rows = [
        Assignment("000000000001", "zeta-prod", "", "R"),  # say a favorite, first
        Assignment("000000000002", "alpha-prod", "", "R"),
        Assignment("000000000003", "preprod", "", "R"),
        Assignment("000000000004", "beta-prod", "", "R"),
    ]
    assert names(SearchIndex(rows), "prod") == [
        ("zeta-prod", "R"),
        ("alpha-prod", "R"),
        ("beta-prod", "R"),
        ("preprod", "R"),
    ]


def test_find_key(index):
    assert index.find(("444455556666", "AdministratorAccess")) == 2
    assert index.find(("444455556666", "Nope")) is None


def test_positions_substring_in_every_field_that_has_it(index):
    found = index.positions(0, "prod")
    assert set(found) == set(FIELDS)
    assert found["account_name"] == [9, 10, 11, 12]  # payments-[prod]
    assert found["email"] == [13, 14, 15, 16]  # aws+payments-[prod]@...
    assert found["role_name"] == [] and found["account_id"] == []


def test_positions_fuzzy_only_in_the_first_field_holding_it(index):
    found = index.positions(2, "admacc")
    assert found["role_name"] == [0, 1, 2, 13, 14, 15]  # [Adm]inistrator[Acc]ess
    assert found["account_name"] == [] and found["email"] == []


def test_positions_of_several_terms_and_ids(index):
    found = index.positions(1, "pay read 2222")
    assert found["account_name"][:3] == [0, 1, 2]
    assert found["role_name"] == [0, 1, 2, 3]
    assert found["account_id"] == [4, 5, 6, 7]
    assert index.positions(1, "") == {name: [] for name in FIELDS}


def test_positions_stay_aligned_when_lowercase_changes_length():
    # "İ".lower() is two characters; offsets must still point into the original string.
    index = SearchIndex([Assignment("123456789012", "İstanbul-prod", "", "Admin")])
    assert index.filter("prod") == [0]
    assert index.positions(0, "prod")["account_name"] == [9, 10, 11, 12]


def test_rows_sharing_an_account_are_matched_per_row():
    rows = [
        Assignment("123456789012", "acct", "a@x", "Admin"),
        Assignment("123456789012", "acct", "a@x", "Viewer"),
    ]
    index = SearchIndex(rows)
    assert index.filter("acct view") == [1]
    assert index.filter("acct") == [0, 1]


# -- incremental narrowing == fresh search ----------------------------------------------------

WORDS = "payments billing prod staging dev data lake api edge core ops audit".split()
ROLE_NAMES = "AdministratorAccess ReadOnlyAccess PowerUserAccess Billing DataScientist".split()


def generated_rows(count: int, seed: int) -> list[Assignment]:
    rnd = random.Random(seed)
    rows = []
    while len(rows) < count:
        name = "-".join(rnd.sample(WORDS, rnd.randint(1, 3)))
        if rnd.random() < 0.1:
            name = name.upper()
        account_id = f"{rnd.randrange(10**11, 10**12):012d}"
        for role in rnd.sample(ROLE_NAMES, rnd.randint(1, 3)):
            rows.append(Assignment(account_id, name, f"aws+{name}@example.com", role))
    return rows[:count]


BREAKS = "-_./@+: "


def word_starts(text: str, humps: bool) -> set[int]:
    """Offsets where a word begins: the start, after a break, and (``humps``) at camelCase."""
    starts = {0}
    for i in range(1, len(text)):
        before, char, after = text[i - 1], text[i], text[i + 1 : i + 2]
        if before in BREAKS:
            starts.add(i)
        elif humps and char.isupper() and (before.islower() or before.isdigit()):
            starts.add(i)
        elif humps and before.isupper() and char.isupper() and after.islower():
            starts.add(i)
    return starts


def naive_tier(term: str, row: Assignment) -> int | None:
    """A term's tier in a row (0 exact … 3 letters in order), None where it does not match."""

    def subsequence(text: str) -> bool:
        position = 0
        for char in text:
            if position < len(term) and char == term[position]:
                position += 1
        return position == len(term)

    fields = [(getattr(row, name), name in ("account_name", "role_name")) for name in FIELDS]
    if term in (row.account_name.lower(), row.account_id.lower(), row.role_name.lower()):
        return 0
    for text, humps in fields[:3]:  # not the e-mail: a substring there at best
        if any(text.lower().startswith(term, i) for i in word_starts(text, humps)):
            return 1
    if any(term in text.lower() for text, _ in fields):
        return 2
    if term.isdigit() or len(term) == 1:
        return None
    if any(subsequence(text.lower()) for text, _ in fields[:3]):  # e-mail: substring only
        return 3
    return None


def naive_filter(rows: list[Assignment], query: str) -> list[int]:
    """The semantics, written as plainly as possible: every term matches; the worst term's
    tier first, then the sum of the tiers (2 to 10 terms), then the caller's order."""
    terms = parse_query(query)
    keyed = []
    for i, row in enumerate(rows):
        tiers = [naive_tier(term, row) for term in terms]
        if None in tiers:
            continue
        total = sum(tiers) if 1 < len(terms) <= 10 else 0
        keyed.append((max(tiers, default=0), total, i))
    return [i for *_, i in sorted(keyed)]


def random_queries(rows: list[Assignment], rnd: random.Random, steps: int) -> list[str]:
    """Typing, backspacing, clearing and pasting, as a user would."""
    alphabet = "abcdefghijklmnoprstuy -"
    query = ""
    queries = []
    for _ in range(steps):
        roll = rnd.random()
        if roll < 0.55:
            query += rnd.choice(alphabet)
        elif roll < 0.8:
            query = query[:-1]
        elif roll < 0.85:
            query = ""
        elif roll < 0.9:
            query += rnd.choice(rows).account_id[: rnd.randint(1, 6)]
        elif roll < 0.95:
            query += " " + rnd.choice(WORDS)[: rnd.randint(1, 4)]
        else:
            query = rnd.choice(rows).role_name[: rnd.randint(2, 8)]
        queries.append(query)
    return queries


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_narrowing_gives_the_same_result_as_a_fresh_search(seed):
    rows = generated_rows(3000, seed)
    rnd = random.Random(seed)
    incremental = SearchIndex(rows)
    for query in random_queries(rows, rnd, 150):
        expected = SearchIndex(rows).filter(query)  # no cache, no narrowing
        assert incremental.filter(query) == expected, query


def test_fresh_search_matches_the_plain_definition():
    rows = generated_rows(1500, 7)
    rnd = random.Random(7)
    index = SearchIndex(rows)
    for query in random_queries(rows, rnd, 80) + ["prod pay", "admacc", "ao", "b2"]:
        assert SearchIndex(rows).filter(query) == naive_filter(rows, query), query
        assert index.filter(query) == naive_filter(rows, query), query


def test_the_plain_definition_holds_with_many_role_names_and_rows_out_of_account_order():
    # Over 256 role names (no one-byte role code per row) and an account's rows apart (as
    # favorites at the top put them): the row masks must still pick the right rows.
    rnd = random.Random(11)
    rows = [
        Assignment(row.account_id, row.account_name, row.email, f"{row.role_name}{n % 300}")
        for n, row in enumerate(generated_rows(1200, 11))
    ]
    rnd.shuffle(rows)
    index = SearchIndex(rows)
    for query in random_queries(rows, rnd, 60) + ["a", "ad", "r1", "access2", "12"]:
        assert index.filter(query) == naive_filter(rows, query), query


@pytest.mark.parametrize("count", [0, 1, 2])
def test_tiny_lists(count):
    rows = generated_rows(count, 3)
    for query in ("", "a", "pay", "adm", "1", "zz"):
        assert SearchIndex(rows).filter(query) == naive_filter(rows, query), query


def test_backspace_returns_the_earlier_result():
    rows = generated_rows(2000, 5)
    index = SearchIndex(rows)
    typed = ["p", "pr", "pro", "prod", "prod ", "prod d", "prod da"]
    first = [index.filter(query) for query in typed]
    for query, result in zip(reversed(typed), reversed(first), strict=True):
        assert index.filter(query) == result
    assert index.filter("") == list(range(len(rows)))


def test_results_are_copies(index):
    result = index.filter("prod")
    result.clear()
    assert index.filter("prod") != []


def test_search_module_imports_neither_textual_nor_rich():
    code = (
        "import json, sys, ssotui.tui.search\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('textual', 'rich'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def test_extending_the_query_only_searches_the_previous_result(monkeypatch):
    rows = generated_rows(2000, 11)
    index = SearchIndex(rows)
    searched: list[tuple[str, int]] = []
    narrow = index._narrow

    def spy(term, candidates):
        searched.append((term, len(candidates)))
        return narrow(term, candidates)

    monkeypatch.setattr(index, "_narrow", spy)
    prod = index.filter("prod")
    assert searched == [("prod", len(rows))]
    searched.clear()
    prod_a = index.filter("prod a")  # a term appended: only "a", only over the "prod" rows
    assert searched == [("a", len(prod))]
    searched.clear()
    index.filter("prod ap")  # the last term extended: only "ap", over the "prod a" rows
    assert searched == [("ap", len(prod_a))]
    searched.clear()
    index.filter("prod a")  # backspace: cached
    index.filter("prod")
    assert searched == []
    index.filter("prod d")  # "d" holds wherever "prod" does: nothing to search
    assert searched == []


def test_email_matches_only_as_a_substring():
    """A long e-mail holds almost any subsequence: fuzzy matching there floods the results."""
    rows = [
        Assignment("111111111111", "payments-prod", "aws+payments-prod@example.com", "Admin"),
        # "prod" and "pay" are in order inside this e-mail, but are not substrings of it
        Assignment("222222222222", "sandbox", "aws+sandbox-p.r.o.d-p.a.y@example.com", "Dev"),
    ]
    index = SearchIndex(rows)
    assert index.filter("prod pay") == [0]
    assert index.filter("p.r.o.d") == [1]  # a substring of the e-mail still matches
    assert index.positions(1, "prod")["email"] == []


def test_extra_text_per_account_matches_like_the_email():
    """Labels (alias and tags) are searchable: ``env:prod`` finds the accounts tagged so, an
    alias finds its account, and extra text never matches fuzzily."""
    extra = {"111122223333": "Payments env:prod pci", "777788889999": "env:prod"}
    index = SearchIndex(ROWS, extra)
    assert {name for name, _ in names(index, "env:prod")} == {"payments-prod", "prod-shared"}
    assert {name for name, _ in names(index, "pci admin")} == {"payments-prod"}
    assert names(index, "envprod") == []  # letters in order do not reach the extra text
    assert names(SearchIndex(ROWS), "env:prod") == []  # without the extra text: nothing
    # The extra text ranks as a substring: an exact account name still comes first.
    tagged = SearchIndex(ROWS, {"444455556666": "sandbox"})
    assert names(tagged, "sandbox")[0] == ("sandbox", "ReadOnly")


def test_narrowing_a_wide_result_gives_what_a_fresh_index_gives():
    """Wide results are narrowed by ANDing row masks (and the word data may be built ahead
    with prepare()): the rows and their order must be those of a fresh index's."""
    rows = generated_rows(3000, 5)
    typed = SearchIndex(rows)
    typed.prepare()
    for query in ("p", "pr", "pro", "pro a", "pro ad", "a", "ad", "adm", "e", "e r", "e ro"):
        assert typed.filter(query) == SearchIndex(rows).filter(query), query
