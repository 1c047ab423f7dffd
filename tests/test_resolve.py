"""Naming an account and a role: ids, names in any case, role names in any case when only
one matches, and the closest names when nothing does."""

from __future__ import annotations

import pytest

from ssotui.core.errors import NotFound
from ssotui.core.models import Assignment
from ssotui.core.service import resolve_assignment

ROWS = [
    Assignment("111111111111", "payments-prod", "p@example.com", "ReadOnlyAccess"),
    Assignment("111111111111", "payments-prod", "p@example.com", "AdministratorAccess"),
    Assignment("222222222222", "payments-dev", "d@example.com", "ReadOnlyAccess"),
    Assignment("333333333333", "Payments-Staging", "s@example.com", "readonly"),
    Assignment("333333333333", "Payments-Staging", "s@example.com", "ReadOnly"),
    Assignment("444444444444", "log-archive", "l@example.com", "ReadOnlyAccess"),
]


def test_ids_and_names_in_any_case():
    assert resolve_assignment(ROWS, "111111111111", "ReadOnlyAccess") == ROWS[0]
    assert resolve_assignment(ROWS, "PAYMENTS-PROD", "AdministratorAccess") == ROWS[1]
    bare = resolve_assignment(ROWS, "999999999999", "Admin")  # a stale inventory
    assert (bare.account_id, bare.role_name) == ("999999999999", "Admin")


def test_a_role_matches_ignoring_case_only_when_one_does():
    assert resolve_assignment(ROWS, "payments-prod", "readonlyaccess") == ROWS[0]
    assert resolve_assignment(ROWS, "payments-prod", "ADMINISTRATORACCESS") == ROWS[1]
    assert resolve_assignment(ROWS, "payments-staging", "ReadOnly") == ROWS[4]  # exact wins
    with pytest.raises(NotFound, match=r"no role 'READONLY'.*you have: ReadOnly, readonly"):
        resolve_assignment(ROWS, "payments-staging", "READONLY")  # two would match


def test_an_unknown_account_names_the_closest():
    with pytest.raises(NotFound) as info:
        resolve_assignment(ROWS, "paymnets-prod", "ReadOnlyAccess", "corp")
    assert str(info.value) == (
        "no account named 'paymnets-prod' in corp; did you mean 'payments-prod' or 'payments-dev'?"
    )
    with pytest.raises(NotFound) as info:
        resolve_assignment(ROWS, "log-arhcive", "ReadOnlyAccess", "corp")
    assert str(info.value).endswith("; did you mean 'log-archive'?")
    with pytest.raises(NotFound) as info:
        resolve_assignment(ROWS, "zzzz", "ReadOnlyAccess", "corp")
    assert str(info.value) == "no account named 'zzzz' in corp."


def test_an_unknown_role_names_the_closest_and_lists_them_all():
    with pytest.raises(NotFound) as info:
        resolve_assignment(ROWS, "payments-prod", "ReadOnlyAcess")
    assert str(info.value) == (
        "no role 'ReadOnlyAcess' in account 'payments-prod' (you have: AdministratorAccess, "
        "ReadOnlyAccess); did you mean 'ReadOnlyAccess'?"
    )
    with pytest.raises(NotFound) as info:
        resolve_assignment(ROWS, "log-archive", "Billing")
    assert (
        str(info.value) == "no role 'Billing' in account 'log-archive' (you have: ReadOnlyAccess)."
    )


def test_an_account_is_found_by_the_name_list_shows_for_it():
    shown_as = Assignment("999000000000", "clip\x1b]52;c;ZWNobw==\x07board-prod", "", "ReadOnly")
    other = Assignment("999000000001", "clipboard-dev", "", "ReadOnly")
    assert resolve_assignment([shown_as, other], "clipboard-prod", "ReadOnly") is shown_as
