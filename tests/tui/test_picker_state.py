"""The picker's streaming rules, without Textual."""

from datetime import UTC, datetime

from ssotui.core.inventory import Inventory
from ssotui.core.models import Account
from ssotui.tui.picker.state import LOADING_ROLE, PickerState, is_placeholder

A = Account("111111111111", "alpha", "a@example.com")
B = Account("222222222222", "beta", "b@example.com")
C = Account("333333333333", "gamma", "c@example.com")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def roles(state: PickerState) -> list[tuple[str, str]]:
    return [(r.account_name, r.role_name) for r in state.rows()]


def test_a_first_load_streams_placeholders_then_roles():
    state = PickerState()
    state.begin()
    assert state.loading and not state.revalidating
    state.add_accounts([A, B], total=2)
    assert roles(state) == [("alpha", LOADING_ROLE), ("beta", LOADING_ROLE)]
    assert is_placeholder(state.rows()[0])
    state.add_roles(B, ("Admin", "Read"), done=1)
    assert roles(state) == [("alpha", LOADING_ROLE), ("beta", "Admin"), ("beta", "Read")]
    assert state.needs_roles(A.account_id) and not state.needs_roles(B.account_id)
    change = state.finish(
        Inventory([A, B], {A.account_id: ("Dev",), B.account_id: ("Admin",)}, NOW, True)
    )
    assert change is None  # nothing was shown before: no "+N −M"
    assert roles(state) == [("alpha", "Dev"), ("beta", "Admin")]
    assert not state.needs_roles(A.account_id)


def test_a_revalidation_reports_added_and_removed_rows():
    state = PickerState()
    state.show(
        Inventory([A, B], {A.account_id: ("Dev",), B.account_id: ("Admin", "Read")}, NOW, True)
    )
    state.begin()
    assert state.revalidating
    state.add_accounts([C], total=3)
    # Cached rows stay while their roles are re-fetched; a new account is a placeholder.
    assert ("alpha", "Dev") in roles(state) and ("gamma", LOADING_ROLE) in roles(state)
    fresh = Inventory([A, C], {A.account_id: ("Dev",), C.account_id: ("Admin",)}, NOW, True)
    assert state.finish(fresh) == (1, 2)
    assert roles(state) == [("alpha", "Dev"), ("gamma", "Admin")]


def test_a_stopped_load_keeps_rows_and_drops_placeholders():
    state = PickerState()
    state.begin()
    state.add_accounts([A, B], total=2)
    state.add_roles(A, ("Dev",), done=1)
    state.stop()
    assert roles(state) == [("alpha", "Dev")]
    assert state.row_count == 1


def test_placeholders_are_there_only_while_an_account_waits_for_its_roles():
    state = PickerState()
    state.show(Inventory([A], {A.account_id: ("Dev",)}, NOW, True))
    state.begin()  # a revalidation of the cached list: every shown account has its roles
    assert not state.has_placeholders()
    state.add_accounts([A, B], total=2)
    assert state.has_placeholders()  # beta is listed, its roles are not here yet
    state.stop(failed=True)
    assert not state.has_placeholders()
    assert roles(state) == [("alpha", "Dev")]  # beta's placeholder went with the load
