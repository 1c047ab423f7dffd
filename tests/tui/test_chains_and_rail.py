"""Issue 16 §1 and §2 in the picker: chained roles as rows (every action, through real boto3
against the emulator's GetRoleCredentials and sts:AssumeRole), labels shown and searchable,
and the production safety rail (a protected row asks before anything opens)."""

from __future__ import annotations

import contextlib
import urllib.request
from urllib.parse import parse_qs, urlsplit

from ssotui.core.chains import Chain
from ssotui.core.labels import LabelRule, ProtectRule
from ssotui.core.settings import Settings
from ssotui.tui.picker.confirm import ConfirmProtected
from ssotui.tui.picker.details import DetailsPane
from ssotui.tui.picker.labeling import ChainedRow
from ssotui.tui.picker.menu import ActionMenu

from .conftest import make_app, notifications, sign_in, wait_for
from .test_picker import open_picker, select, shown_rows


def chained_arn(emulator, name: str) -> str:
    return next(arn for arn in emulator.org.chained if arn.endswith("/" + name))


def chain_settings(emulator, **more) -> Settings:
    """LegacyAdmin from management/AdministratorAccess, and DeepOps behind it."""
    legacy, deep = chained_arn(emulator, "LegacyAdmin"), chained_arn(emulator, "DeepOps")
    chains = (
        Chain(legacy, ("management", "AdministratorAccess")),
        Chain(deep, legacy, duration_seconds=1800),
    )
    return Settings(login_flow="device", chained_roles=chains, **more)


def rail_settings(**more) -> Settings:
    return Settings(login_flow="device", protected=(ProtectRule("env:prod", "*Admin*"),), **more)


def row_text(picker) -> str:
    """The highlighted row as drawn."""
    rows = picker.rows
    return rows.render_line(rows.highlighted_index - rows.scroll_offset.y).text


def details(picker) -> str:
    return picker.query_one(DetailsPane).text


def exports(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export ") :].partition("=")
            found[key] = value.strip("'")
    return found


async def test_chained_roles_are_rows_and_open_a_console_the_emulator_accepts(
    emulator, sso_session, fakes
):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes, chain_settings(emulator))
    messages: list = []
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        picker = await open_picker(pilot, app)
        shown = shown_rows(picker)
        assert ("via management/AdministratorAccess", "LegacyAdmin") in shown
        assert ("via LegacyAdmin", "DeepOps") in shown
        await select(pilot, picker, "legacyadmin")
        row = picker.highlighted
        assert isinstance(row, ChainedRow) and row.role_name == "LegacyAdmin"
        assert "via management/AdministratorAccess" in row_text(picker)
        assert row.account_id in row_text(picker)  # the account the role is in
        assert "reached by role chaining from management/AdministratorAccess" in details(picker)
        assert "at most 1 h" in details(picker)

        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: fakes.opened, what="the browser")
        [url] = fakes.opened
        # The emulator refuses a SessionDuration for chained credentials: accepted means none.
        assert "SessionDuration" not in url
        with urllib.request.urlopen(url) as answer:
            assert answer.status == 200
        assert emulator.stats.calls["AssumeRole"] == 1
        await wait_for(pilot, lambda: notifications(messages))
        assert any("LegacyAdmin" in text for text in notifications(messages))
        # The chain's credentials are held now: the details pane says until when.
        await wait_for(pilot, lambda: "credentials held until" in details(picker))


async def test_a_refreshing_shell_of_a_chained_role_serves_its_credentials(
    emulator, sso_session, fakes
):
    from .test_console_and_shell import fetch_credentials

    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes, chain_settings(emulator, refreshing_shell=True))
    served: list[dict] = []

    def run_process(argv, env) -> int:  # the shell's SDK asks the loopback server
        served.append(fetch_credentials(dict(env)))
        return 0

    app.services.run_process = run_process
    async with app.run_test(size=(120, 40)) as pilot:
        app.suspend = contextlib.nullcontext
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "legacyadmin")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: served, what="the subshell")
        assert served[0]["AccessKeyId"].startswith("ASIA")
        assert emulator.stats.calls["AssumeRole"] == 1  # fetched once, then from the cache


async def test_every_credentials_action_works_on_a_chained_row_but_the_portal_link(
    emulator, sso_session, fakes
):
    sign_in(emulator, sso_session)
    fakes.environ["TMUX"] = "/tmp/tmux-1000/default,1,0"
    app = make_app(sso_session, fakes, chain_settings(emulator))
    messages: list = []
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        app.suspend = contextlib.nullcontext  # the headless driver cannot hand over
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "deepops")
        assert picker.highlighted.role_name == "DeepOps"

        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: fakes.copied, what="the exports")
        env = exports(fakes.copied[0])
        assert env["SSOTUI_ROLE_NAME"] == "DeepOps"
        assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")
        assert emulator.stats.calls["AssumeRole"] == 2  # LegacyAdmin, then DeepOps

        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: fakes.processes, what="the shell")
        assert fakes.processes[0][1]["AWS_ACCESS_KEY_ID"] == env["AWS_ACCESS_KEY_ID"]  # cached

        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: fakes.tmux, what="the tmux window")
        assert fakes.tmux[0][2]["SSOTUI_ROLE_NAME"] == "DeepOps"

        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: len(fakes.copied) == 2, what="the sign-in URL")
        with urllib.request.urlopen(fakes.copied[1]) as answer:
            assert answer.status == 200

        # No portal shortcut for a chained role: the key does nothing, the menu lacks it.
        await pilot.press("ctrl+n")
        await pilot.pause(0.2)
        assert len(fakes.copied) == 2
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionMenu), what="the menu")
        assert "copy_portal_link" not in app.screen.names
        assert "shell" in app.screen.names


async def test_a_chained_row_and_an_sso_row_of_the_same_account_and_role_are_two_rows(
    emulator, sso_session, fakes
):
    sign_in(emulator, sso_session)
    payments = emulator.org.by_id["083432905170"]
    same = f"arn:aws:iam::{payments.account_id}:role/AdministratorAccess"
    settings = Settings(
        login_flow="device", chained_roles=(Chain(same, ("management", "AdministratorAccess")),)
    )
    app = make_app(sso_session, fakes, settings)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "via management")
        chained = picker.highlighted
        assert isinstance(chained, ChainedRow) and chained.role_name == "AdministratorAccess"
        sso_key = (payments.account_id, "AdministratorAccess")
        assert chained.key != sso_key
        assert picker.rows._index.find(sso_key) is not None  # the SSO row is still there
        await pilot.press("ctrl+f")  # pin the chained row only
        await wait_for(pilot, lambda: picker.picks.is_favorite(chained.key))
        assert not picker.picks.is_favorite(sso_key)


async def test_labels_are_shown_and_searchable(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    labels = (LabelRule("payments-*", "Payments", ("team:payments",), "red"),)
    app = make_app(sso_session, fakes, Settings(login_flow="device", account_labels=labels))
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "env:prod")
        names = {name for name, _role in shown_rows(picker)}
        assert names == {"data-platform-prod", "shared-services-prod", "identity-prod",
                         "payments-prod"}  # fmt: skip
        picker.filter.value = "team:payments"
        await pilot.pause(0.1)
        names = {name for name, _role in shown_rows(picker)}
        assert names == {"payments-prod", "payments-dev", "payments-staging"}
        picker.filter.value = "payments-prod"
        await pilot.pause(0.1)
        assert "Payments env:prod team:pay" in row_text(picker)  # cut to its column
        assert "Labels Payments · env:prod team:payments" in details(picker)


async def test_a_protected_row_asks_first_and_typing_never_confirms(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes, rail_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "payments-prod", "AdministratorAccess")
        assert "⚠" in row_text(picker)
        assert "protected" in details(picker)

        for key in ("ctrl+o", "ctrl+l", "ctrl+y", "ctrl+s"):
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmProtected), what=key)
            assert "payments-prod (083432905170) as AdministratorAccess" in app.screen.what
            await pilot.press("y", "e", "s", "space", "ctrl+o")  # typing never confirms
            assert isinstance(app.screen, ConfirmProtected)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is picker)
        await pilot.pause(0.3)
        assert fakes.opened == [] and fakes.copied == [] and fakes.processes == []
        assert emulator.stats.calls["GetRoleCredentials"] == 0

        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmProtected))
        await pilot.press("enter")
        await wait_for(pilot, lambda: fakes.opened, what="the browser")


async def test_a_protected_shell_carries_the_markers_after_enter_twice(
    emulator, sso_session, fakes
):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes, rail_settings(enter_action="shell"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.suspend = contextlib.nullcontext  # the headless driver cannot hand over
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "payments-prod", "AdministratorAccess")
        await pilot.press("enter")  # enter_action = shell: the question first
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmProtected))
        assert fakes.processes == []
        await pilot.press("enter")
        await wait_for(pilot, lambda: fakes.processes, what="the shell")
        env = fakes.processes[0][1]
        assert env["SSOTUI_PROTECTED"] == "1"
        assert env["SSOTUI_LABELS"] == "env:prod"

        # Not protected: no question, no SSOTUI_PROTECTED, the labels still.
        picker.filter.value = ""
        await select(pilot, picker, "payments-prod", "ReadOnlyAccess")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(fakes.processes) == 2, what="the second shell")
        env = fakes.processes[1][1]
        assert "SSOTUI_PROTECTED" not in env
        assert env["SSOTUI_LABELS"] == "env:prod"


async def test_a_protected_row_through_the_menu_asks_again(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes, rail_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "payments-prod", "AdministratorAccess")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionMenu))
        await pilot.press("enter")  # the first item: open the console
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmProtected))
        assert fakes.opened == []
        await pilot.press("enter")
        await wait_for(pilot, lambda: fakes.opened, what="the browser")
        [url] = fakes.opened
        assert parse_qs(urlsplit(url).query)["Action"] == ["login"]


def test_a_chained_row_reads_as_its_role_in_its_account_in_sentences():
    from ssotui.core.chains import check_chain
    from ssotui.tui.picker.labeling import ChainedRow
    from ssotui.tui.picker.row_actions import as_role, what

    chain = check_chain(
        {"role_arn": "arn:aws:iam::210987654321:role/LegacyAdmin", "source": "mgmt/Admin"}, "x"
    )
    row = ChainedRow(chain, "via mgmt/Admin")
    assert as_role(row) == "LegacyAdmin in 210987654321 (via mgmt/Admin)"
    assert what(row) == "210987654321 / LegacyAdmin (via mgmt/Admin)"
