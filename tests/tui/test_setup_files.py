"""The first-run form writes through a symlinked AWS config (the link stays, its target gets the
[sso-session]), and writes only what the AWS CLI can read under an ASCII locale."""

from __future__ import annotations

from ssotui.core.config import load_config
from ssotui.tui.screens.login import LoginScreen
from ssotui.tui.screens.setup import SetupScreen

from .conftest import make_app, wait_for

START_URL = "https://d-9067000000.awsapps.com/start"


async def test_the_form_writes_through_a_symlinked_config(emulator, fakes, home):
    real = home / "dotfiles" / "aws-config"
    real.parent.mkdir()
    real.write_text("[profile keep-me]\nregion = eu-central-1\n")
    link = home / ".aws" / "config"
    link.parent.mkdir()
    link.symlink_to(real)
    app = make_app(None, fakes, aws_config=load_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SetupScreen))
        setup = app.screen
        setup.query_one("#start-url").value = START_URL
        setup.query_one("#region").value = "us-east-1"
        setup.query_one("#name").value = "corp"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="the login")
    assert link.is_symlink() and link.resolve() == real
    text = real.read_text()
    assert text.startswith("[profile keep-me]\nregion = eu-central-1\n")
    assert f"[sso-session corp]\nsso_start_url = {START_URL}\n" in text


async def test_a_start_url_the_aws_cli_could_not_read_is_refused_at_its_field(fakes, home):
    app = make_app(None, fakes, aws_config=load_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SetupScreen))
        setup = app.screen
        setup.query_one("#start-url").value = "https://exämple.awsapps.com/start"
        setup.query_one("#region").value = "us-east-1"
        setup.query_one("#name").value = "corp"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "ASCII" in str(setup.query_one("#start-url-error").render())
        assert isinstance(app.screen, SetupScreen)
    assert not (home / ".aws" / "config").exists()
