"""SearchIndex: the best match first on the demo org, pasted ARNs and account/role, close
matches (suggest), and highlights at word starts."""

from __future__ import annotations

import random

import pytest

from ssotui.core.models import Assignment
from ssotui.emulator.org import generate_org
from ssotui.tui.search import SearchIndex, parse_query
from ssotui.tui.search_rank import near_prefix, one_edit
from tests.test_search import naive_filter, random_queries


def demo_rows(size: int = 300, first: tuple[str, ...] = ()) -> list[Assignment]:
    """The demo org's rows in the picker's order: the accounts named in ``first`` (as
    favorites would be), then by account name."""
    org = generate_org(size, 7)
    rows = [Assignment(a.account_id, a.name, a.email, r) for a in org.accounts for r in a.roles]
    rows.sort(key=lambda r: (r.account_name not in first, r.account_name, r.role_name))
    return rows


def shown(index: SearchIndex, rows: list[int]) -> list[str]:
    return [f"{index.rows[i].account_name}/{index.rows[i].role_name}" for i in rows]


def accounts(index: SearchIndex, query: str) -> list[str]:
    return list(dict.fromkeys(index.rows[i].account_name for i in index.filter(query)))


# -- the best match first --------------------------------------------------------------------


def test_prod_pay_puts_the_payments_production_account_on_top():
    # sandbox-playground holds p..r..o..d and p..a..y in order; as a favorite it comes first
    # in the caller's order, and used to stay first.
    index = SearchIndex(demo_rows(300, first=("sandbox-playground",)))
    assert accounts(index, "prod pay") == ["payments-prod", "sandbox-playground"]
    assert accounts(index, "pay prod") == ["payments-prod", "sandbox-playground"]


def test_the_whole_name_comes_before_names_it_begins():
    rows = [
        Assignment("000000000001", "payments-prod-eu", "", "ReadOnlyAccess"),
        Assignment("000000000002", "payments-prod", "", "AdministratorAccess"),
        Assignment("000000000002", "payments-prod", "", "ReadOnlyAccess"),
    ]
    index = SearchIndex(rows)
    assert shown(index, index.filter("payments-prod")) == [
        "payments-prod/AdministratorAccess",
        "payments-prod/ReadOnlyAccess",
        "payments-prod-eu/ReadOnlyAccess",
    ]
    assert shown(index, index.filter("payments-prod readonlyaccess")) == [
        "payments-prod/ReadOnlyAccess",
        "payments-prod-eu/ReadOnlyAccess",
    ]


def test_a_word_of_a_camel_case_role_is_a_word_prefix():
    rows = [
        Assignment("000000000001", "alpha", "", "Raccoon"),  # "acc" inside a word
        Assignment("000000000002", "beta", "", "ReadOnlyAccess"),  # "Acc" begins a hump
    ]
    assert shown(SearchIndex(rows), SearchIndex(rows).filter("acc")) == [
        "beta/ReadOnlyAccess",
        "alpha/Raccoon",
    ]


def test_an_id_prefix_comes_before_an_id_containing_the_digits():
    rows = [
        Assignment("999912340000", "one", "", "R"),
        Assignment("123499990000", "two", "", "R"),
        Assignment("123400000000", "three", "", "R"),
    ]
    index = SearchIndex(rows)
    assert [index.rows[i].account_name for i in index.filter("1234")] == ["two", "three", "one"]
    assert [index.rows[i].account_name for i in index.filter("123400000000")] == ["three"]


MIXED_NAMES = (
    "PaymentsProd",
    "payments_prod.eu",
    "data/lake@Core",
    "APIGateway-dev",
    "Prod",
    "reprod",
    "Edge+Ops",
    "Billing2Go",
)


def mixed_rows(count: int, seed: int) -> list[Assignment]:
    """Names with camelCase, every break character and capitals; rows out of order."""
    rnd = random.Random(seed)
    roles = ["AdministratorAccess", "ReadOnlyAccess", "SRE-OnCall", "prod", "BreakGlass"]
    rows = []
    for _ in range(count):
        name = rnd.choice(MIXED_NAMES) + rnd.choice(["", "-2", " x", "Qa"])
        account_id = f"{rnd.randrange(10**11, 10**12):012d}"
        rows.append(Assignment(account_id, name, f"{name.lower()}@Example.com", rnd.choice(roles)))
    rnd.shuffle(rows)
    return rows


@pytest.mark.parametrize("seed", [1, 2])
def test_the_ranking_is_the_plain_definition_with_camel_case_and_every_break(seed):
    rows = mixed_rows(600, seed)
    rnd = random.Random(seed)
    incremental = SearchIndex(rows)
    extra = ["prod", "payments-prod", "pp", "api", "gateway", "go", "core", "lake@c", "x", "2"]
    for query in random_queries(rows, rnd, 120) + extra + [f"{w} prod" for w in extra]:
        expected = naive_filter(rows, query)
        assert SearchIndex(rows).filter(query) == expected, query
        assert incremental.filter(query) == expected, query


def test_ranking_many_rows_narrowed_or_fresh_is_the_same():
    # Over 50 % and under 1/8 of the rows take different paths (tier codes for all accounts,
    # or for the few that matched): both must give the plain definition's order.
    rows = demo_rows(800)
    index = SearchIndex(rows)
    for query in ["p", "pr", "pro", "prod", "prod p", "prod pa", "prod pay", "a", "ad", "admin"]:
        assert index.filter(query) == naive_filter(rows, query), query


# -- pasted ARNs and account/role -------------------------------------------------------------


def test_a_pasted_assumed_role_arn_picks_out_that_role():
    index = SearchIndex(demo_rows(300))
    row = next(r for r in index.rows if r.account_name == "payments-prod")
    arn = (
        f"arn:aws:sts::{row.account_id}:assumed-role/"
        f"AWSReservedSSO_{row.role_name}_0123456789abcdef/someone@example.com"
    )
    assert shown(index, index.filter(arn)) == [f"payments-prod/{row.role_name}"]


def test_a_pasted_iam_role_arn_puts_that_role_first():
    index = SearchIndex(demo_rows(300))
    row = next(r for r in index.rows if r.account_name == "management" and r.role_name == "Billing")
    arn = (
        f"arn:aws:iam::{row.account_id}:role/aws-reserved/sso.amazonaws.com/eu-west-1/"
        "AWSReservedSSO_Billing_a1b2c3d4e5f60718"
    )
    assert parse_query(arn) == (row.account_id, "billing")
    assert shown(index, index.filter(arn)) == ["management/Billing"]


def test_account_slash_role_puts_that_role_first():
    index = SearchIndex(demo_rows(3000))
    assert shown(index, index.filter("payments-prod/ReadOnlyAccess"))[0] == (
        "payments-prod/ReadOnlyAccess"
    )
    account_id = next(r.account_id for r in index.rows if r.account_name == "security-audit")
    assert shown(index, index.filter(f"{account_id}/SecurityAudit"))[0] == (
        "security-audit/SecurityAudit"
    )


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("payments-prod/ReadOnly", ("payments-prod", "readonly")),
        ("1111-2222-3333/Admin", ("111122223333", "admin")),
        ("team/x/Admin", ("team/x", "admin")),  # an account name may hold a slash
        ("pay/", ("pay",)),
        ("/adm", ("adm",)),
        ("/", ()),
        ("AWSReservedSSO_Admin_0123456789abcdef", ("admin",)),
        (
            "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Data_Eng_0123456789abcdef/"
            "x_0123456789abcdef",
            ("111122223333", "data_eng"),
        ),
        ("arn:aws:iam::111122223333:role/Deploy", ("111122223333",)),
    ],
)
def test_parse_query_pasted_forms(query, terms):
    assert parse_query(query) == terms


# -- close matches ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typo",
    ["paymnets", "paymments", "paymemts", "apyments", "paymen5s", "paymentz"],
)
def test_one_edit_away_finds_the_payments_accounts(typo):
    index = SearchIndex(demo_rows(300))
    assert index.filter(typo) == []
    found = {index.rows[i].account_name for i in index.suggest(typo, limit=1000)}
    assert found and all(name.startswith("payments-") for name in found)
    assert "payments-prod" in found


def test_close_matches_keep_the_other_terms_and_the_limit():
    index = SearchIndex(demo_rows(300))
    assert shown(index, index.suggest("paymnets prod")) == [
        "payments-prod/AdministratorAccess",
        "payments-prod/ReadOnlyAccess",
        "payments-prod/SupportUser",
    ]
    assert len(index.suggest("paymnets", limit=5)) == 5
    rows = index.suggest("paymnets", limit=1000)
    assert rows == sorted(rows)  # the caller's order


def test_close_matches_in_role_names_and_across_a_break():
    index = SearchIndex(demo_rows(300))
    assert index.filter("adminsitrator") == []
    roles = {index.rows[i].role_name for i in index.suggest("adminsitrator", limit=1000)}
    assert roles == {"AdministratorAccess", "NetworkAdministrator", "DatabaseAdministrator"}
    assert {index.rows[i].account_name for i in index.suggest("sandbx-plaground")} == {
        "sandbox-playground"
    }


def test_no_close_match_for_short_terms_two_edits_or_nothing_typed():
    index = SearchIndex(demo_rows(300))
    assert index.suggest("zzzzzz") == []
    assert index.suggest("pymnets") == []  # two letters missing
    assert index.suggest("qz") == []  # too short to take for a typo
    assert index.suggest("") == []
    assert SearchIndex([]).suggest("paymnets") == []


# -- highlights ---------------------------------------------------------------------------------


def test_highlight_the_occurrence_that_starts_a_word():
    rows = [Assignment("123456789012", "preprod-prod", "", "BaccaratAccess")]
    index = SearchIndex(rows)
    assert index.positions(0, "prod")["account_name"] == [8, 9, 10, 11]  # preprod-[prod]
    assert index.positions(0, "acc")["role_name"] == [8, 9, 10]  # Baccarat[Acc]ess
    assert index.positions(0, "cc")["role_name"] == [2, 3]  # no word start: the first
    assert index.spans(0, "preprod/baccarataccess")[0] == [(0, 7)]


def edit_distance(one: str, other: str) -> int:
    """Optimal string alignment distance (insert, delete, substitute, swap neighbours)."""
    rows = [
        [i + j if i * j == 0 else 0 for j in range(len(other) + 1)] for i in range(len(one) + 1)
    ]
    for i in range(1, len(one) + 1):
        for j in range(1, len(other) + 1):
            cost = one[i - 1] != other[j - 1]
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and one[i - 1] == other[j - 2] and one[i - 2] == other[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


def test_one_edit_is_an_edit_distance_of_at_most_one():
    rnd = random.Random(5)
    for _ in range(4000):
        one = "".join(rnd.choice("abc") for _ in range(rnd.randint(0, 5)))
        other = "".join(rnd.choice("abc") for _ in range(rnd.randint(0, 5)))
        assert one_edit(one, other) == (edit_distance(one, other) <= 1), (one, other)
        prefixes = [other[:n] for n in range(len(other) + 1)]
        close = [p for p in prefixes if edit_distance(one, p) <= 1]
        assert near_prefix(one, other) == (min(close, key=len) if close else None), (one, other)
