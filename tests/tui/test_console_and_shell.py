"""Fitting the user's toolbox: the console destination and region pickers (`d`), the console
modes from the settings (portal links, Firefox containers) and refreshing subshells (`R`)."""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from ssotui.core import console
from ssotui.core.settings import Settings
from ssotui.tui.app import known_binding_ids
from ssotui.tui.picker.destinations import ChoiceScreen, destination_choices, region_choices

from .conftest import make_app, notifications, sign_in, wait_for
from .test_picker import open_picker, select


def signin_destination(url: str) -> str:
    """The Destination of a federated sign-in URL."""
    [destination] = parse_qs(urlsplit(url).query)["Destination"]
    return destination


def accepted(url: str) -> bool:
    with urllib.request.urlopen(url) as answer:
        return answer.status == 200


async def choose(pilot, text: str) -> None:
    """Type into the chooser's filter and press Enter."""
    screen = pilot.app.screen
    assert isinstance(screen, ChoiceScreen)
    await pilot.press(*text, "enter")
    await wait_for(pilot, lambda: pilot.app.screen is not screen, what="the chooser to close")


def first_choice(screen: ChoiceScreen) -> str:
    options = screen.options
    return options.get_option_at_index(options.highlighted).id


async def test_d_opens_the_console_at_the_chosen_service_and_region(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "payments-prod", "SupportUser")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="destinations")
        assert first_choice(app.screen) == "home"  # nothing chosen yet: the console home
        await choose(pilot, "lambda")
        # Then the region: the session's region is offered first; "frankfurt" finds its code.
        assert isinstance(app.screen, ChoiceScreen)
        assert first_choice(app.screen) == sso_session.region
        await choose(pilot, "frankfurt")
        await wait_for(pilot, lambda: fakes.opened, what="the browser")
        [url] = fakes.opened
        assert url.startswith(emulator.base_url)
        assert signin_destination(url) == console.destination_url("lambda", "eu-central-1")
        assert signin_destination(url).startswith("https://eu-central-1.console.aws.amazon.com/")
        assert accepted(url)

        # The choice is remembered for the session: both lists start with it next time.
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="destinations")
        assert first_choice(app.screen) == "lambda"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.title_text.startswith("Open lambda in"))
        assert first_choice(app.screen) == "eu-central-1"
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(fakes.opened) == 2, what="the second console")
        assert signin_destination(fakes.opened[1]) == signin_destination(url)


async def test_a_global_service_skips_the_region_and_esc_cancels(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes, Settings(default_region="eu-west-1"))
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "management", "Billing")
        # Esc in either list opens nothing.
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is picker)
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await choose(pilot, "s3")
        assert first_choice(app.screen) == "eu-west-1"  # default_region comes first
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is picker)
        await pilot.pause(0.2)
        assert fakes.opened == []
        # iam has no region: it opens at once.
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await choose(pilot, "iam")
        await wait_for(pilot, lambda: fakes.opened, what="the browser")
        assert app.screen is picker
        [url] = fakes.opened
        assert signin_destination(url) == "https://console.aws.amazon.com/iam/home"
        assert accepted(url)


async def test_console_home_overrides_the_default_destination(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes, Settings(default_destination="s3"))
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "log-archive")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("enter")  # Console home
        await wait_for(pilot, lambda: app.screen.title_text.startswith("Open the console home"))
        await choose(pilot, "us-west-2")
        await wait_for(pilot, lambda: fakes.opened, what="the browser")
        assert signin_destination(fakes.opened[0]) == console.destination_url(None, "us-west-2")


async def test_d_is_in_the_action_menu_and_the_palette(emulator, sso_session, fakes):
    from ssotui.tui.picker.menu import ActionMenu
    from ssotui.tui.picker.palette import PickerCommands

    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "log-archive")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionMenu))
        assert "open_console_at" in app.screen.names
        await pilot.press("ctrl+g")  # the menu's keys work as on the list
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is picker)
        actions = [action for action, _, _ in PickerCommands(picker)._commands()]
        assert "open_console_at" in actions and "toggle_refreshing" in actions
    assert {"picker.open_console_at", "picker.toggle_refreshing"} <= known_binding_ids()


def test_the_choice_lists():
    destinations = destination_choices()
    assert destinations[0].id == "home"
    assert {c.id for c in destinations[1:]} == set(console.SERVICES)
    regions = region_choices("eu-west-1")
    assert regions[0].id == "eu-west-1"
    assert len({c.id for c in regions}) == len(regions)
    assert all(console.partition(c.id) == "aws" for c in regions)
    assert region_choices("us-gov-west-1")[0].id == "us-gov-west-1"  # a GovCloud session


async def test_portal_mode_opens_the_portal_shortcut_without_fetching_credentials(
    emulator, sso_session, fakes
):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes, Settings(console_mode="portal", default_destination="ec2"))
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "payments-prod", "SupportUser")
        row = picker.highlighted
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: fakes.opened, what="the browser")
        [link] = fakes.opened
        assert link.startswith(sso_session.start_url.rstrip("/") + "/#/console?")
        params = parse_qs(link.split("#/console?", 1)[1])
        assert params["account_id"] == [row.account_id]
        assert params["role_name"] == ["SupportUser"]
        assert params["destination"] == [console.destination_url("ec2", sso_session.region)]
        assert emulator.stats.calls.get("GetRoleCredentials", 0) == 0
        # `d` uses the portal link too.
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await choose(pilot, "sqs")
        await choose(pilot, "ap-southeast-2")
        await wait_for(pilot, lambda: len(fakes.opened) == 2, what="the second link")
        params = parse_qs(fakes.opened[1].split("#/console?", 1)[1])
        assert params["destination"] == [console.destination_url("sqs", "ap-southeast-2")]
        assert emulator.stats.calls.get("GetRoleCredentials", 0) == 0


async def test_firefox_containers_wraps_the_console_url(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes, Settings(firefox_containers=True))
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "payments-prod", "SupportUser")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: fakes.opened, what="the browser")
        [url] = fakes.opened
        assert url.startswith("ext+granted-containers:")
        fields = dict(
            part.split("=", 1) for part in url.removeprefix("ext+granted-containers:").split("&")
        )
        assert unquote(fields["name"]) == "payments-prod/SupportUser"
        assert fields["color"] in console.CONTAINER_COLORS
        inner = unquote(fields["url"])
        assert inner.startswith(emulator.base_url)
        assert accepted(inner)
        # c still copies the plain sign-in URL (it goes to a clipboard, not to Firefox).
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: fakes.copied, what="the clipboard")
        assert fakes.copied[0].startswith(emulator.base_url)


def fetch_credentials(env: dict[str, str]) -> dict:
    request = urllib.request.Request(
        env["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
        headers={"Authorization": env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.loads(answer.read())


@pytest.mark.parametrize("from_settings", [True, False])
async def test_refreshing_shell_gets_a_credential_server_for_its_lifetime(
    emulator, sso_session, fakes, from_settings
):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes, Settings(refreshing_shell=from_settings))
    answers: list[dict] = []
    seen: list[dict[str, str]] = []

    def run_process(argv, env) -> int:
        seen.append(dict(env))
        if "AWS_CONTAINER_CREDENTIALS_FULL_URI" in env:
            answers.append(fetch_credentials(env))  # the "shell" asks while it runs
        return 0

    app.services.run_process = run_process
    messages: list = []
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        app.suspend = contextlib.nullcontext
        picker = await open_picker(pilot, app)
        mode = picker.query_one("#shell-mode")
        if not from_settings:
            assert not picker.refreshing_shell and not mode.display
            await pilot.press("escape", "f6")
            assert "Subshells now get refreshing credentials" in " ".join(notifications(messages))
        assert picker.refreshing_shell and mode.display
        assert "refreshing" in str(mode.render())
        await select(pilot, picker, "prod pay", "AdministratorAccess")
        row = picker.highlighted
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: seen, what="the subshell")
        [env] = seen
        assert env["AWS_CONTAINER_CREDENTIALS_FULL_URI"].startswith("http://127.0.0.1:")
        assert "AWS_SECRET_ACCESS_KEY" not in env and "AWS_ACCESS_KEY_ID" not in env
        assert env["SSOTUI_ROLE_NAME"] == row.role_name == "AdministratorAccess"
        assert env["AWS_REGION"] == sso_session.region
        [answer] = answers
        assert {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"} <= set(answer)
        assert answer["AccessKeyId"].startswith("ASIA")
        # The shell has exited: the server is gone.
        await pilot.pause()
        with pytest.raises(urllib.error.URLError):
            fetch_credentials(env)
        # R again: back to static keys.
        await pilot.press("f6")
        assert not picker.refreshing_shell and not mode.display
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(seen) == 2, what="a static subshell")
        assert "AWS_SECRET_ACCESS_KEY" in seen[1]
        assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" not in seen[1]


async def test_the_credential_server_stops_even_when_the_shell_fails(emulator, sso_session, fakes):
    from ssotui.core.errors import SsoError

    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes, Settings(refreshing_shell=True))
    seen: list[dict[str, str]] = []

    def run_process(argv, env) -> int:
        seen.append(dict(env))
        raise SsoError("cannot run /bin/sh.")

    app.services.run_process = run_process
    async with app.run_test(size=(120, 40)) as pilot:
        app.suspend = contextlib.nullcontext
        picker = await open_picker(pilot, app)
        await select(pilot, picker, "log-archive")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: seen, what="the subshell")
        await pilot.pause()
        with pytest.raises(urllib.error.URLError):
            fetch_credentials(seen[0])


async def test_the_rate_limit_setting_reaches_the_client(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    app = make_app(sso_session, fakes, Settings(rate_limit=2))
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot, app, loaded=False)
        assert picker.client.rate_limit == 2.0
