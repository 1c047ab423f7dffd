"""Issue 16 §3: every configured session in one picker (``ssotui --all-sessions``, opt-in).

Two [sso-session]s point at the same emulator under different names and start URLs; each has
its own token, so one can be logged in and the other not."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from conftest import START_URL, write_aws_config

from ssotui.core import timeutil
from ssotui.core.config import load_config
from ssotui.core.settings import Settings
from ssotui.tui.picker.merged import MergedPickerScreen
from ssotui.tui.screens.login import LoginScreen
from ssotui.tui.screens.sessions import SessionChooser

from .conftest import make_app, org_inventory, row_count, save_inventory, sign_in, wait_for

OTHER_URL = "https://d-1111111111.awsapps.com/start"


def two_sessions():
    write_aws_config(
        f"[sso-session work]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n\n"
        f"[sso-session client]\nsso_start_url = {OTHER_URL}\nsso_region = us-east-1\n"
    )
    config = load_config()
    return config, config.sessions["work"], config.sessions["client"]


def merged_app(fakes, config, settings=None):
    return make_app(None, fakes, settings, aws_config=config, all_sessions=True)


async def open_merged(pilot, app) -> MergedPickerScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, MergedPickerScreen), what="the picker")
    return app.screen


def loaded(picker) -> bool:
    return not any(part.state.loading for part in picker.parts.values())


def shown(picker) -> list:
    rows = picker.rows
    return [rows._index.rows[i] for i in rows._shown]


async def test_two_sessions_are_one_list_each_row_tagged_and_the_session_searchable(
    emulator, fakes
):
    config, work, client = two_sessions()
    sign_in(emulator, work)
    sign_in(emulator, client)
    app = merged_app(fakes, config)
    async with app.run_test(size=(140, 40)) as pilot:
        picker = await open_merged(pilot, app)
        await wait_for(pilot, lambda: picker.rows.total_count == 2 * row_count(emulator))
        await wait_for(pilot, lambda: loaded(picker), what="both loads")
        assert emulator.stats.calls["ListAccounts"] == 2  # each session listed its own
        rows = shown(picker)
        assert {row.session.label for row in rows} == {"work", "client"}
        # Each row shows its session's tag in the labels column.
        line = picker.rows.render_line(0).text
        assert f"@{rows[0].session.label}" in line
        # The session's name is searchable: typing it keeps only that session's rows.
        await pilot.press(*"@client")
        await pilot.pause()
        rows = shown(picker)
        assert len(rows) == row_count(emulator)
        assert {row.session.label for row in rows} == {"client"}
        assert "2 sessions" in picker.progress


async def test_without_the_flag_several_sessions_still_offer_the_chooser(emulator, fakes):
    config, work, client = two_sessions()
    sign_in(emulator, work)
    app = make_app(None, fakes, aws_config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SessionChooser), what="chooser")


def test_the_setting_makes_it_the_default_unless_a_session_is_named(monkeypatch, emulator):
    import ssotui.app_factory
    import ssotui.core.settings
    from ssotui.cli import commands
    from ssotui.cli.parser import build_parser

    two_sessions()
    made: dict = {}

    class NotRun:
        return_code = 0

        def run(self):
            return 0

    def fake_make_app(session, aws_config, settings, **kwargs):
        made.clear()
        made.update(session=session, **kwargs)
        return NotRun()

    monkeypatch.setattr(ssotui.app_factory, "make_app", fake_make_app)
    monkeypatch.setattr(
        ssotui.core.settings, "load_settings", lambda *a, **k: Settings(all_sessions=True)
    )
    commands.cmd_picker(build_parser().parse_args([]))
    assert made["all_sessions"] is True and made["session"] is None
    commands.cmd_picker(build_parser().parse_args(["--sso-session", "work"]))
    assert not made.get("all_sessions") and made["session"].name == "work"
    monkeypatch.setattr(ssotui.core.settings, "load_settings", lambda *a, **k: Settings())
    commands.cmd_picker(build_parser().parse_args(["--all-sessions"]))
    assert made["all_sessions"] is True


async def test_a_session_not_logged_in_is_one_login_row_and_hides_nothing(emulator, fakes):
    config, work, client = two_sessions()
    sign_in(emulator, work)  # "client" never logged in
    app = merged_app(fakes, config)
    async with app.run_test(size=(140, 40)) as pilot:
        picker = await open_merged(pilot, app)
        await wait_for(pilot, lambda: picker.rows.total_count == row_count(emulator) + 1)
        await wait_for(pilot, lambda: loaded(picker), what="the work load")
        assert not isinstance(app.screen, LoginScreen)  # nobody was held up by a login
        rows = shown(picker)
        assert rows[0].account_name == "client — not logged in · Enter to log in"
        assert {row.session.label for row in rows[1:]} == {"work"}
        assert "1 not logged in" in picker.progress
        # Enter on it logs in to that session, and its rows join the list.
        picker.rows.highlight_key(rows[0].key)
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="login")
        login = app.screen
        assert login.client.session.name == "client"
        await wait_for(pilot, lambda: login.authorization is not None, what="a user code")
        assert emulator.approve(login.authorization.user_code)
        await wait_for(pilot, lambda: app.screen is picker, what="back to the picker")
        await wait_for(pilot, lambda: picker.rows.total_count == 2 * row_count(emulator))
        await wait_for(pilot, lambda: loaded(picker), what="the client load")
        assert {row.session.label for row in shown(picker)} == {"work", "client"}
        assert "not logged in" not in picker.progress


async def test_an_expired_session_keeps_its_cached_rows_under_a_login_row(make_emulator, fakes):
    emulator = make_emulator(accounts=12, seed=7, refresh_tokens=False)
    config, work, client = two_sessions()
    sign_in(emulator, work)
    sign_in(emulator, client, expires_at=timeutil.utcnow() - timedelta(minutes=5))
    save_inventory(client, org_inventory(emulator))
    app = merged_app(fakes, config)
    async with app.run_test(size=(140, 40)) as pilot:
        picker = await open_merged(pilot, app)
        await wait_for(pilot, lambda: picker.rows.total_count == 2 * row_count(emulator) + 1)
        await wait_for(pilot, lambda: loaded(picker), what="the work load")
        assert not isinstance(app.screen, LoginScreen)
        rows = shown(picker)
        assert rows[0].account_name == "client — not logged in · Enter to log in"
        labels = [row.session.label for row in rows[1:]]
        assert labels.count("work") == labels.count("client") == row_count(emulator)
        assert emulator.stats.calls["ListAccounts"] == 1  # only work's load ran


async def test_cached_rows_of_every_session_show_before_any_load(emulator, fakes):
    config, work, client = two_sessions()
    sign_in(emulator, work)
    sign_in(emulator, client)
    save_inventory(work, org_inventory(emulator))
    save_inventory(client, org_inventory(emulator))
    emulator.stop()  # nothing can load: what shows is the caches
    app = merged_app(fakes, config)
    async with app.run_test(size=(140, 40)) as pilot:
        picker = await open_merged(pilot, app)
        assert picker.rows.total_count == 2 * row_count(emulator)


async def test_an_action_on_a_row_uses_that_rows_session(emulator, fakes):
    config, work, client = two_sessions()
    sign_in(emulator, work)
    sign_in(emulator, client)
    app = merged_app(fakes, config)
    async with app.run_test(size=(140, 40)) as pilot:
        app.suspend = contextlib.nullcontext  # the shell "runs" in fakes.processes
        picker = await open_merged(pilot, app)
        await wait_for(pilot, lambda: picker.rows.total_count == 2 * row_count(emulator))
        await wait_for(pilot, lambda: loaded(picker), what="both loads")
        for label in ("client", "work"):
            target = next(r for r in shown(picker) if r.session.label == label)
            assert picker.rows.highlight_key(target.key)
            await pilot.pause()
            assert str(picker.query_one("#session").render()) == label  # the header follows
            fakes.processes.clear()
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: fakes.processes, what="the shell")
            env = fakes.processes[0][1]
            assert env["SSOTUI_SESSION"] == label
            assert env["AWS_ACCESS_KEY_ID"]
            if label == "client":  # fetched by client's own client: work holds nothing yet
                role = (target.account_id, target.role_name)
                assert picker.parts["client"].client.broker.held(*role) is not None
                assert picker.parts["work"].client.broker.held(*role) is None
        # The credentials were fetched with each session's own client (its own cache).
        assert picker.parts["work"].client is not picker.parts["client"].client


async def test_a_favorite_is_kept_for_the_rows_session_only(emulator, fakes):
    config, work, client = two_sessions()
    sign_in(emulator, work)
    sign_in(emulator, client)
    app = merged_app(fakes, config)
    async with app.run_test(size=(140, 40)) as pilot:
        picker = await open_merged(pilot, app)
        await wait_for(pilot, lambda: loaded(picker) and picker.rows.total_count, what="rows")
        await wait_for(pilot, lambda: picker.rows.total_count == 2 * row_count(emulator))
        target = next(r for r in shown(picker) if r.session.label == "client")
        assert picker.rows.highlight_key(target.key)
        await pilot.pause()
        picker.actions.toggle_favorite()
        await pilot.pause()
    store = fakes.services().picks
    assert store.load("client").favorites == ((target.account_id, target.role_name),)
    assert store.load("work").favorites == ()


async def test_one_session_configured_the_flag_changes_nothing(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(None, fakes, all_sessions=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SessionChooser), what="chooser")


def test_snapshot_of_the_merged_list(snap_compare, emulator, fakes):
    """Two sessions in one list: "client" is not logged in (its login row first), "work"'s
    rows tagged @work."""
    config, work, _client = two_sessions()
    expires = timeutil.utcnow().replace(microsecond=0) + timedelta(hours=1)
    sign_in(emulator, work, expires_at=expires)
    fakes.clock = lambda: expires - timedelta(minutes=42, seconds=10)
    app = merged_app(fakes, config)

    async def run_before(pilot):
        picker = await open_merged(pilot, pilot.app)
        await wait_for(pilot, lambda: picker.rows.total_count == row_count(emulator) + 1)
        await wait_for(pilot, lambda: loaded(picker), what="the work load")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


async def test_a_settings_favorite_is_pinned_in_every_session_that_has_it(emulator, fakes):
    config, work, client = two_sessions()
    sign_in(emulator, work)
    sign_in(emulator, client)
    account = emulator.org.accounts[5]
    settings = Settings(login_flow="device", favorites=((account.name, account.roles[0]),))
    app = merged_app(fakes, config, settings)
    async with app.run_test(size=(140, 40)) as pilot:
        picker = await open_merged(pilot, app)
        await wait_for(pilot, lambda: picker.rows.total_count == 2 * row_count(emulator))
        await wait_for(pilot, lambda: loaded(picker), what="both loads")
        first = shown(picker)[:2]
        assert {(r.account_id, r.role_name) for r in first} == {
            (account.account_id, account.roles[0])
        }
        assert {r.session.label for r in first} == {"work", "client"}
