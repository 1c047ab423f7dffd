"""Favorites and recents: ordering rules and per-session persistence."""

import json
import stat

from ssotui.core.models import Assignment
from ssotui.core.picks import RECENT_CAP, Picks, PickStore, order, pinned_keys


def row(name: str, role: str, account_id: str | None = None) -> Assignment:
    return Assignment(account_id or str(abs(hash(name)) % 10**12).zfill(12), name, "", role)


ROWS = [
    row("zeta", "Admin", "000000000003"),
    row("alpha", "ReadOnly", "000000000001"),
    row("alpha", "Admin", "000000000001"),
    row("Beta", "Admin", "000000000002"),
    row("gamma", "Admin", "000000000004"),
]


def names(rows):
    return [(r.account_name, r.role_name) for r in rows]


def test_without_picks_rows_sort_by_account_name_then_role():
    assert names(order(ROWS, Picks())) == [
        ("alpha", "Admin"),
        ("alpha", "ReadOnly"),
        ("Beta", "Admin"),
        ("gamma", "Admin"),
        ("zeta", "Admin"),
    ]


def test_favorites_then_recents_most_recent_first_then_the_rest():
    picks = Picks().toggle_favorite(("000000000004", "Admin"))
    picks = picks.record(("000000000003", "Admin")).record(("000000000001", "ReadOnly"))
    assert names(order(ROWS, picks)) == [
        ("gamma", "Admin"),
        ("alpha", "ReadOnly"),
        ("zeta", "Admin"),
        ("alpha", "Admin"),
        ("Beta", "Admin"),
    ]


def test_a_favorite_that_is_also_recent_is_listed_once_among_favorites():
    key = ("000000000003", "Admin")
    picks = Picks().toggle_favorite(key).record(key)
    ordered = order(ROWS, picks)
    assert names(ordered)[0] == ("zeta", "Admin")
    assert len(ordered) == len(ROWS)


def test_toggle_twice_unpins_and_recents_are_capped():
    key = ("1", "r")
    assert Picks().toggle_favorite(key).toggle_favorite(key).favorites == ()
    picks = Picks()
    for n in range(RECENT_CAP + 5):
        picks = picks.record((str(n), "r"))
    assert len(picks.recents) == RECENT_CAP
    assert picks.recents[0] == (str(RECENT_CAP + 4), "r")
    assert picks.record(("20", "r")).recents[0] == ("20", "r")


def test_store_round_trips_per_session_and_keeps_other_sessions(tmp_path):
    store = PickStore(tmp_path / "data" / "picks.json")
    assert store.load("work") == Picks()
    work = Picks(favorites=(("111111111111", "Admin"),), recents=(("222222222222", "Dev"),))
    store.save("work", work)
    store.save("home", Picks(favorites=(("333333333333", "Admin"),)))
    assert store.load("work") == work
    assert PickStore(store.path).load("home").favorites == (("333333333333", "Admin"),)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert json.loads(store.path.read_text())["version"] == 1


def test_default_location_is_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SSOTUI_DATA_DIR", str(tmp_path / "d"))
    PickStore().save("s", Picks(recents=(("1", "r"),)))
    assert (tmp_path / "d" / "picks.json").exists()


def test_corrupt_file_reads_as_empty(tmp_path):
    path = tmp_path / "picks.json"
    path.write_text("{not json")
    assert PickStore(path).load("s") == Picks()
    path.write_text(json.dumps({"sessions": {"s": {"favorites": [["1"], 3, ["2", "r"]]}}}))
    assert PickStore(path).load("s").favorites == (("2", "r"),)


def test_settings_favorites_resolve_by_name_or_id_like_the_cli_and_keep_their_order():
    specs = [
        ("000000000004", "Admin"),  # by id
        ("ALPHA", "ReadOnly"),  # by name, case-insensitively as the CLI does
        ("nowhere", "Admin"),  # no such account: ignored
        ("999999999999", "Admin"),  # an id that is not in the list: ignored
        ("zeta", "ReadOnly"),  # no such role: ignored
        ("gamma", "Admin"),  # the same row again: once
    ]
    assert pinned_keys(ROWS, specs) == (("000000000004", "Admin"), ("000000000001", "ReadOnly"))
    assert pinned_keys(ROWS, []) == ()
    twins = [*ROWS, row("gamma", "Admin", "000000000005")]
    assert pinned_keys(twins, [("gamma", "Admin")]) == ()  # ambiguous name: ignored


def test_settings_favorites_come_first_in_their_order_then_the_stores_favorites():
    picks = Picks().toggle_favorite(("000000000002", "Admin")).record(("000000000003", "Admin"))
    picks = picks.with_pinned(pinned_keys(ROWS, [("zeta", "Admin"), ("alpha", "ReadOnly")]))
    assert names(order(ROWS, picks)) == [
        ("zeta", "Admin"),  # settings, as written (zeta is also the most recent pick)
        ("alpha", "ReadOnly"),
        ("Beta", "Admin"),  # the store's favorite
        ("alpha", "Admin"),
        ("gamma", "Admin"),
    ]
    assert picks.favorite_keys == {
        ("000000000003", "Admin"),
        ("000000000001", "ReadOnly"),
        ("000000000002", "Admin"),
    }
    assert picks.is_favorite(("000000000003", "Admin"))
    assert picks.is_pinned(("000000000003", "Admin"))
    assert not picks.is_pinned(("000000000002", "Admin"))


def test_settings_favorites_are_read_only_and_never_saved(tmp_path):
    pinned = ("000000000003", "Admin")
    picks = Picks().with_pinned([pinned])
    assert picks.toggle_favorite(pinned) == picks
    other = ("000000000002", "Admin")
    toggled = picks.toggle_favorite(other)
    assert toggled.favorites == (other,) and toggled.pinned == (pinned,)
    store = PickStore(tmp_path / "picks.json")
    store.save("s", toggled.record(pinned))
    assert json.loads(store.path.read_text())["sessions"]["s"] == {
        "favorites": [list(other)],
        "recents": [list(pinned)],
    }
    assert store.load("s").pinned == ()
