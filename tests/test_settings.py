"""Settings: defaults without a file, every key parsed, every mistake one clear line."""

import re
import tomllib
from pathlib import Path

import pytest

from ssotui.core.errors import ConfigError
from ssotui.core.settings import (
    SETTING_KEYS,
    Settings,
    example_text,
    load_settings,
    parse_settings,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text)
    return path


def test_missing_file_gives_defaults_and_creates_nothing(tmp_path):
    path = tmp_path / "nested" / "settings.toml"
    settings = load_settings(path)
    assert settings == Settings()
    assert settings.enter_action == "menu"
    assert settings.rate_limit == 20.0
    assert settings.open_browser_on_login is True
    assert not path.parent.exists()


def test_default_path_comes_from_ssotui_config_file(tmp_path, monkeypatch):
    path = write(tmp_path, 'enter_action = "shell"\n')
    monkeypatch.setenv("SSOTUI_CONFIG_FILE", str(path))
    assert load_settings().enter_action == "shell"


def test_every_key_is_read(tmp_path):
    path = write(
        tmp_path,
        """
enter_action = "console"
default_region = "eu-west-1"
default_destination = "https://console.aws.amazon.com/s3/home"
browser_command = "firefox %s"
theme = "nord"
rate_limit = 5
load_deadline = 120
open_browser_on_login = false
console_mode = "portal"
firefox_containers = true
refreshing_shell = true

[keymap]
"picker.open_console" = "ctrl+o, O"
""",
    )
    settings = load_settings(path)
    assert settings.enter_action == "console"
    assert settings.default_region == "eu-west-1"
    assert settings.default_destination == "https://console.aws.amazon.com/s3/home"
    assert settings.browser_command == "firefox %s"
    assert settings.theme == "nord"
    assert settings.rate_limit == 5.0 and isinstance(settings.rate_limit, float)
    assert settings.load_deadline == 120.0 and isinstance(settings.load_deadline, float)
    assert settings.open_browser_on_login is False
    assert settings.console_mode == "portal"
    assert settings.firefox_containers is True
    assert settings.refreshing_shell is True
    assert settings.keymap == {"picker.open_console": "ctrl+o,O"}
    assert settings.path == path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('colour = "red"\n', "unknown setting 'colour'"),
        ('enter_action = "launch"\n', "enter_action must be one of menu, console"),
        ('default_region = "europe"\n', "'europe' is not an AWS region"),
        ("rate_limit = 0\n", "rate_limit must be a positive number"),
        ("rate_limit = true\n", "rate_limit must be a positive number"),
        ("load_deadline = 0\n", "load_deadline must be a number of seconds from 1 to 86400"),
        ("load_deadline = 1e9\n", "load_deadline must be a number of seconds from 1 to 86400"),
        ("load_deadline = nan\n", "load_deadline must be a number of seconds"),
        ('load_deadline = "10m"\n', "load_deadline must be a number of seconds"),
        ("load_deadline = false\n", "load_deadline must be a number of seconds"),
        ('open_browser_on_login = "no"\n', "open_browser_on_login must be true or false"),
        ('keymap = "o"\n', "keymap must be a table"),
        ("[keymap]\n'picker.open_console' = 3\n", "keymap.picker.open_console must be a key"),
        ('theme = ""\n', "theme must be a non-empty string"),
        ('console_mode = "multi"\n', "console_mode must be one of federation, portal"),
        ("console_mode = 1\n", "console_mode must be one of federation, portal"),
        ('firefox_containers = "yes"\n', "firefox_containers must be true or false"),
        ("firefox_containers = 1\n", "firefox_containers must be true or false"),
        ('refreshing_shell = "on"\n', "refreshing_shell must be true or false"),
        ('browser_command = ""\n', "browser_command must be a non-empty string"),
        ('default_destination = "s4"\n', "default_destination 's4' is not a known console"),
        ("default_destination = 3\n", "default_destination must be a console service"),
        ("enter_action = \n", "not valid TOML"),
        ('favorites = "prod/Admin"\n', 'favorites must be a list of "ACCOUNT/ROLE"'),
        ("[favorites]\nprod = 'Admin'\n", 'favorites must be a list of "ACCOUNT/ROLE"'),
        ('favorites = ["prod/Admin", 3]\n', 'favorites entry 2 must be "ACCOUNT/ROLE"'),
        ('favorites = ["prodAdmin"]\n', 'favorites entry 1 must be "ACCOUNT/ROLE"'),
        ('favorites = ["/Admin"]\n', 'favorites entry 1 must be "ACCOUNT/ROLE"'),
        ('favorites = ["prod/ "]\n', 'favorites entry 1 must be "ACCOUNT/ROLE"'),
        ('favorites = [["prod", "Admin"]]\n', "not ['prod', 'Admin']"),
    ],
)
def test_mistakes_are_one_line_naming_key_and_file(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message


def test_the_load_deadline_defaults_to_ten_minutes_and_takes_its_bounds(tmp_path):
    assert Settings().load_deadline == 600.0
    assert load_settings(write(tmp_path, "load_deadline = 1\n")).load_deadline == 1.0
    assert load_settings(write(tmp_path, "load_deadline = 86400\n")).load_deadline == 86400.0


def test_new_keys_default_to_the_old_behaviour():
    settings = Settings()
    assert settings.console_mode == "federation"
    assert settings.firefox_containers is False
    assert settings.refreshing_shell is False


def test_a_service_short_name_is_a_valid_destination(tmp_path):
    path = write(tmp_path, 'default_destination = "lambda"\n')
    assert load_settings(path).default_destination == "lambda"


def test_the_shipped_example_documents_every_key_and_its_values_are_the_defaults(tmp_path):
    text = example_text()
    assert "keymap" in SETTING_KEYS and "path" not in SETTING_KEYS
    for key in SETTING_KEYS:
        assert f"{key} =" in text or f"[{key}]" in text, key
    # Uncommented, the example parses and changes nothing.
    assert parse_settings(tomllib.loads(text), tmp_path / "x.toml") == Settings()
    # Every commented-out "key = value" line is a valid setting too.
    lines = [line[2:] for line in text.splitlines() if re.match(r"# [a-z_]+ = ", line)]
    assert lines
    for line in lines:
        parse_settings(tomllib.loads(line), tmp_path / "x.toml")


def test_favorites_are_account_and_role_pairs_in_the_order_written(tmp_path):
    path = write(
        tmp_path,
        'favorites = ["production/AdministratorAccess", " 123456789012 / ReadOnlyAccess ",'
        ' "team/a/Dev", "production/AdministratorAccess"]\n',
    )
    assert load_settings(path).favorites == (
        ("production", "AdministratorAccess"),
        ("123456789012", "ReadOnlyAccess"),
        ("team/a", "Dev"),  # account names may hold a slash; role names cannot
    )
    assert load_settings(write(tmp_path, "favorites = []\n")).favorites == ()
    assert Settings().favorites == ()


def test_login_flow_and_redirect_port_are_read_and_checked(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('login_flow = "device"\nredirect_port = 8400\n')
    settings = load_settings(path)
    assert settings.login_flow == "device" and settings.redirect_port == 8400
    assert load_settings(tmp_path / "missing.toml").login_flow == "auto"
    for bad in (
        'login_flow = "browser"',
        "redirect_port = 0",
        "redirect_port = 70000",
        'redirect_port = "8400"',
        "redirect_port = true",
    ):
        path.write_text(bad + "\n")
        with pytest.raises(ConfigError, match=f"{path}: {bad.split()[0]} must be"):
            load_settings(path)
