"""SVG snapshots of every screen (``pytest tests/tui --snapshot-update`` after looking at
``snapshot_report.html``). Deterministic: the emulator's org comes from a fixed seed, the
clock is fixed through ``Services``, input cursors do not blink, the device code is fixed."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from ssotui.core import timeutil
from ssotui.core.config import load_config
from ssotui.core.settings import Settings

from .conftest import FIXED_NOW, make_app, set_org_account, sign_in, wait_for
from .test_login import DEVICE, PKCE

SIZE = (120, 40)


@pytest.fixture
def signed_in(emulator, sso_session, fakes):
    """Logged in; the clock reads 42m 10s before the token expires."""
    expires = timeutil.utcnow().replace(microsecond=0) + timedelta(hours=1)
    sign_in(emulator, sso_session, expires_at=expires)
    fakes.clock = lambda: expires - timedelta(minutes=42, seconds=10)
    return sso_session


async def loaded(pilot):
    picker = pilot.app.screen
    await wait_for(pilot, lambda: getattr(picker, "loader", None) and not picker.state.loading)
    await pilot.pause()
    return picker


def test_login_screen(snap_compare, emulator, sso_session, fakes):
    """The device login: big user code, approval page, countdown, polling status."""
    fakes.clock = lambda: FIXED_NOW
    app = make_app(sso_session, fakes, DEVICE)

    async def run_before(pilot):
        from ssotui.tui.screens.login import LoginScreen

        await wait_for(pilot, lambda: isinstance(pilot.app.screen, LoginScreen))
        login = pilot.app.screen
        await wait_for(pilot, lambda: login.authorization is not None)
        # Stop polling (a "slow down" from the emulator would change the status line) and
        # show a fixed code and URL (the emulator's change every run).
        login.workers.cancel_group(login, "login")
        authorization = login.authorization
        authorization.user_code = "WXKD-PQRT"
        authorization.verification_uri = "https://device.sso.us-east-1.amazonaws.com/"
        authorization.expires_at = FIXED_NOW + timedelta(minutes=9, seconds=30)
        login.authorization = None
        login.authorization = authorization
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


BROWSER_PAGE = (
    "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code"
    "&client_id=ZXhhbXBsZUNsaWVudElkRXhhbXBsZUNsaWVudElk"
    "&redirect_uri=http%3A%2F%2F127.0.0.1%3A43121%2Foauth%2Fcallback"
    "&state=cWhpS3ZtbGJ0cW9hY2t6dXhwZGZ5c2dq&code_challenge_method=S256"
    "&scopes=sso%3Aaccount%3Aaccess&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)


def test_browser_login_screen(snap_compare, emulator, sso_session, fakes):
    """The browser login (PKCE): the page, "Waiting for the browser…" with the time left, and
    d for a device code."""
    fakes.clock = lambda: FIXED_NOW
    app = make_app(sso_session, fakes, PKCE)

    async def run_before(pilot):
        from ssotui.tui.screens.login import LoginScreen

        await wait_for(pilot, lambda: isinstance(pilot.app.screen, LoginScreen))
        login = pilot.app.screen
        await wait_for(pilot, lambda: login.browser_login is not None)
        # Stop waiting, and show a fixed page (the emulator's port and state change every run).
        login.workers.cancel_group(login, "login")
        fixed = dataclasses.replace(
            login.browser_login,
            url=BROWSER_PAGE,
            expires_at=FIXED_NOW + timedelta(minutes=9, seconds=30),
        )
        login.browser_login = None
        login.browser_login = fixed
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_picker(snap_compare, emulator, signed_in, fakes):
    """At start: every row of the emulator's 12-account org, the filter has the focus."""
    app = make_app(signed_in, fakes)
    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)


def test_filtered_picker(snap_compare, emulator, signed_in, fakes):
    """`prod pay`: matched characters highlighted, 4/29 in the count."""
    app = make_app(signed_in, fakes)

    async def run_before(pilot):
        await loaded(pilot)
        await pilot.press(*"prod pay")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_details_of_a_favorite(snap_compare, emulator, signed_in, fakes):
    """A pinned row moves to the top with a star, the highlight stays on it."""
    app = make_app(signed_in, fakes)

    async def run_before(pilot):
        await loaded(pilot)
        await pilot.press(*"payments-prod", "down", "down", "escape", "escape", "ctrl+f")
        pilot.app.clear_notifications()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def rail_and_chains(emulator) -> Settings:
    """Two chained roles, a label with a colour, and env:prod admin roles protected."""
    from ssotui.core.chains import Chain
    from ssotui.core.labels import LabelRule, ProtectRule

    legacy = next(arn for arn in emulator.org.chained if arn.endswith("/LegacyAdmin"))
    deep = next(arn for arn in emulator.org.chained if arn.endswith("/DeepOps"))
    return Settings(
        login_flow="device",
        chained_roles=(Chain(legacy, ("management", "AdministratorAccess")), Chain(deep, legacy)),
        account_labels=(LabelRule("payments-*", "Payments", ("team:payments",), "orange"),),
        protected=(ProtectRule("env:prod", "*Admin*"),),
    )


def test_labels_chained_roles_and_a_protected_row(snap_compare, emulator, signed_in, fakes):
    """Labels in their column (Payments in orange), chained rows (via …, dim), and a
    protected row (⚠) highlighted: the details pane says so."""
    app = make_app(signed_in, fakes, rail_and_chains(emulator))

    async def run_before(pilot):
        picker = await loaded(pilot)
        await pilot.press(*"admin", "escape")  # chained LegacyAdmin among them
        while picker.highlighted.key != ("083432905170", "AdministratorAccess"):
            await pilot.press("down")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_protected_row_asks_first(snap_compare, emulator, signed_in, fakes):
    """ctrl+o on a protected row: the question, Enter to open, Esc to cancel."""
    app = make_app(signed_in, fakes, rail_and_chains(emulator))

    async def run_before(pilot):
        await loaded(pilot)
        await pilot.press(*"payments-prod admin", "ctrl+o")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_chained_rows_in_a_small_terminal(snap_compare, emulator, signed_in, fakes):
    """60x15: the chained rows stay readable (via … shares the room with the role)."""
    app = make_app(signed_in, fakes, rail_and_chains(emulator))

    async def run_before(pilot):
        await loaded(pilot)
        await pilot.press(*"via")

    assert snap_compare(app, terminal_size=(60, 15), run_before=run_before)


def test_help(snap_compare, emulator, signed_in, fakes):
    """F1: the keys of the picker, generated from its action table and bindings."""
    app = make_app(signed_in, fakes)

    async def run_before(pilot):
        await loaded(pilot)
        await pilot.press("escape", "f1")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_action_menu(snap_compare, emulator, signed_in, fakes):
    """Enter on a row: the action menu."""
    app = make_app(signed_in, fakes)

    async def run_before(pilot):
        await loaded(pilot)
        await pilot.press("escape", "down", "enter")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_session_chooser(snap_compare, fakes, home):
    """Several sessions configured and none chosen."""
    (home / ".aws").mkdir()
    (home / ".aws" / "config").write_text(
        "[sso-session work]\nsso_start_url = https://work.awsapps.com/start\n"
        "sso_region = eu-west-1\n\n"
        "[sso-session lab]\nsso_start_url = https://d-9067000000.awsapps.com/start\n"
        "sso_region = us-east-1\n\n"
        "[profile old]\nsso_start_url = https://legacy.awsapps.com/start\n"
        "sso_region = ap-southeast-2\n"
    )
    config = load_config()
    config.path = config.path.relative_to(home).as_posix()  # the same on every machine
    app = make_app(None, fakes, aws_config=config)
    assert snap_compare(app, terminal_size=SIZE)


def test_first_run_form_with_errors(snap_compare, fakes, home):
    """No session configured: the form, with inline errors for a bad URL and region."""
    config = load_config()
    config.path = config.path.relative_to(home)
    app = make_app(None, fakes, aws_config=config)
    assert snap_compare(
        app, terminal_size=SIZE, press=[*"http://x", "enter", *"mars-1", "enter", "ctrl+s"]
    )


def test_role_not_assigned_notification(snap_compare, emulator, signed_in, fakes):
    """An error is a notification in one sentence, never a traceback."""
    app = make_app(signed_in, fakes, Settings(enter_action="console"))

    async def run_before(pilot):
        picker = await loaded(pilot)
        account = emulator.org.find("payments-prod")
        set_org_account(emulator, account.account_id, account.name, ("AdministratorAccess",))
        await pilot.press(*"payments-prod support", "enter")
        await wait_for(pilot, lambda: pilot.app.screen.query("Toast"), what="the notification")
        assert picker.highlighted.role_name == "SupportUser"
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_destination_picker(snap_compare, emulator, signed_in, fakes):
    """ctrl+g on a row, then `lo`: the console pages that match, best first."""
    app = make_app(signed_in, fakes)

    async def run_before(pilot):
        from ssotui.tui.picker.destinations import ChoiceScreen

        await loaded(pilot)
        await pilot.press("escape", "down", "ctrl+g")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChoiceScreen))
        await pilot.press(*"lo")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_small_terminal_with_stacked_toasts(snap_compare, emulator, signed_in, fakes):
    """60×15: the details pane folds away and the list gets the room; three stacked toasts
    cover their rows to the right edge (no stray column of the screen beside them)."""
    app = make_app(signed_in, fakes)

    async def run_before(pilot):
        await loaded(pilot)
        await pilot.press("ctrl+f", "ctrl+f", "f6")
        await wait_for(pilot, lambda: len(pilot.app.screen.query("Toast")) == 3, what="toasts")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(60, 15), run_before=run_before)
