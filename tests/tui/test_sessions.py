"""Choosing a session, and the first-run form that writes one."""

from __future__ import annotations

from textual import events

from ssotui.core.config import load_config
from ssotui.tui.picker.screen import PickerScreen
from ssotui.tui.screens.login import LoginScreen
from ssotui.tui.screens.sessions import SessionChooser
from ssotui.tui.screens.setup import SetupScreen

from .conftest import make_app, sign_in, wait_for

START_URL = "https://d-9067000000.awsapps.com/start"  # the emulator serves any start URL


def write_aws_config(home, text: str) -> None:
    path = home / ".aws" / "config"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


async def test_several_sessions_and_none_chosen_shows_a_chooser(emulator, fakes, home):
    write_aws_config(
        home,
        "[sso-session work]\n"
        "sso_start_url = https://work.awsapps.com/start\n"
        "sso_region = eu-west-1\n\n"
        "[sso-session test]\n"
        f"sso_start_url = {START_URL}\n"
        "sso_region = us-east-1\n",
    )
    config = load_config()
    sign_in(emulator, config.sessions["test"])
    app = make_app(None, fakes, aws_config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SessionChooser))
        text = str(app.screen.query_one("#sessions-list").get_option_at_index(0).prompt)
        assert "work" in text and "https://work.awsapps.com/start" in text and "eu-west-1" in text
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
        picker = app.screen
        assert picker.session.name == "test"
        assert str(picker.query_one("#session").render()) == "test"
        await wait_for(pilot, lambda: picker.rows.total_count > 0, what="rows")


async def test_first_run_form_validates_saves_a_session_and_logs_in(emulator, fakes, home):
    write_aws_config(home, "[profile keep-me]\nregion = eu-central-1\n")
    config_path = home / ".aws" / "config"
    app = make_app(None, fakes, aws_config=load_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SetupScreen))
        setup = app.screen
        await pilot.press(*"http://nope", "enter", *"europe", "enter", "enter")
        assert "https://" in str(setup.query_one("#start-url-error").render())
        assert "is not an AWS region" in str(setup.query_one("#region-error").render())
        assert isinstance(app.screen, SetupScreen)

        setup.query_one("#start-url").value = ""
        setup.query_one("#region").value = ""
        await pilot.click("#start-url")
        app.focused.post_message(events.Paste(START_URL))  # as the user would: a paste
        await pilot.pause()
        assert setup.query_one("#name").placeholder == "d-9067000000"  # suggested from the URL
        await pilot.press("enter", *"us-east-1", "enter", *"corp", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="the login")
    text = config_path.read_text()
    assert text.startswith("[profile keep-me]\nregion = eu-central-1\n")
    assert f"[sso-session corp]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n" in text
    assert load_config().sessions["corp"].start_url == START_URL


async def test_first_run_form_adds_https_and_offers_the_region_already_in_use(
    emulator, fakes, home, monkeypatch
):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    config_path = home / ".aws" / "config"
    app = make_app(None, fakes, aws_config=load_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SetupScreen))
        setup = app.screen
        assert setup.query_one("#region").value == "eu-west-1"  # a real value, not a hint
        await pilot.click("#start-url")
        app.focused.post_message(events.Paste("d-9067000000.awsapps.com/start"))
        await pilot.pause()
        assert setup.query_one("#name").placeholder == "d-9067000000"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="the login")
    text = config_path.read_text()
    assert f"sso_start_url = {START_URL}\nsso_region = eu-west-1\n" in text


async def test_first_run_form_region_is_visibly_empty_without_one_in_use(emulator, fakes):
    app = make_app(None, fakes, aws_config=load_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SetupScreen))
        region = app.screen.query_one("#region")
        assert region.value == "" and region.placeholder.startswith("required")
