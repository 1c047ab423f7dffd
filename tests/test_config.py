"""Reading ~/.aws/config (AWS_CONFIG_FILE): sessions, legacy profiles, choice, bad input."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ssotui.core.config import add_sso_session, load_config, require_session, resolve_session
from ssotui.core.errors import ConfigError
from tests.conftest import write_aws_config

TWO_SESSIONS = """\
# my config
[default]
region = eu-west-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-central-1
sso_registration_scopes = sso:account:access, sso:extra

[sso-session lab]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1

[profile dev]
sso_session = corp
sso_account_id = 012345678901
sso_role_name = ReadOnly

[profile old]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-west-2
sso_account_id = 111111111111
sso_role_name = Admin

[profile old2]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-west-2
sso_account_id = 222222222222
sso_role_name = Admin
"""


def test_reads_sessions_and_legacy_profiles():
    write_aws_config(TWO_SESSIONS)
    config = load_config()
    assert set(config.sessions) == {"corp", "lab"}
    corp = config.sessions["corp"]
    assert corp.start_url == "https://corp.awsapps.com/start"
    assert corp.region == "eu-central-1"
    assert corp.scopes == ("sso:account:access", "sso:extra")
    assert corp.configured_scopes == ("sso:account:access", "sso:extra")
    assert config.sessions["lab"].configured_scopes is None
    # two legacy profiles with the same start URL are one session, keyed by the URL
    assert [(s.name, s.start_url, s.cache_key) for s in config.legacy] == [
        (None, "https://legacy.awsapps.com/start", "https://legacy.awsapps.com/start")
    ]


def test_aws_config_file_variable_is_honoured(tmp_path, monkeypatch):
    other = tmp_path / "elsewhere.ini"
    other.write_text(
        "[sso-session x]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(other))
    assert list(load_config().sessions) == ["x"]


def test_missing_file_is_an_empty_config():
    config = load_config()
    assert not config.exists and config.all_sessions == []
    with pytest.raises(ConfigError, match=r"no \[sso-session\] in .*config"):
        require_session(config)


def test_choice_rules():
    write_aws_config(TWO_SESSIONS)
    config = load_config()
    assert resolve_session(config) is None  # two sessions: the UI offers a chooser
    with pytest.raises(ConfigError, match="choose one with --sso-session"):
        require_session(config)
    assert resolve_session(config, sso_session="lab").name == "lab"
    with pytest.raises(ConfigError, match=r"no \[sso-session nope\] \(configured: corp, lab\)"):
        resolve_session(config, sso_session="nope")
    explicit = resolve_session(
        config, start_url="https://other.awsapps.com/start", region="ap-south-1"
    )
    assert (explicit.name, explicit.cache_key, explicit.region) == (
        None,
        "https://other.awsapps.com/start",
        "ap-south-1",
    )
    # a start URL known from a legacy profile needs no --sso-region
    assert (
        resolve_session(config, start_url="https://legacy.awsapps.com/start").region == "us-west-2"
    )
    with pytest.raises(ConfigError, match="--start-url needs --sso-region"):
        resolve_session(config, start_url="https://unknown.awsapps.com/start")


def test_single_session_is_the_default():
    write_aws_config(
        "[sso-session only]\nsso_start_url = https://o.awsapps.com/start\nsso_region = us-east-1\n"
    )
    assert resolve_session(load_config()).name == "only"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[sso-session a]\nsso_start_url = http://a.awsapps.com/start\nsso_region = us-east-1\n",
            r"\[sso-session a\]: the start URL must be an https:// URL",
        ),
        (
            "[sso-session a]\nsso_start_url = https://a.awsapps.com/start\nsso_region = mars-1\n",
            r"'mars-1' is not an AWS region",
        ),
        ("[sso-session a]\nsso_region = us-east-1\n", r"sso_start_url is missing"),
        (
            "sso_region = us-east-1\n[sso-session a]\n",
            r"the AWS config is malformed: File contains no section headers",
        ),
        (
            "[sso-session a]\nsso_start_url = https://a.awsapps.com/start\n[sso-session a]\n",
            r"malformed: While reading from .* section 'sso-session a' already exists",
        ),
        (
            "[profile p]\nsso_start_url = https://a.awsapps.com/start\n",
            r"\[profile p\]: sso_region is missing",
        ),
    ],
)
def test_bad_config_is_one_line_naming_the_file(text, message):
    path = write_aws_config(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config()
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_cli_flags_are_validated_too():
    with pytest.raises(ConfigError, match="must be an https:// URL"):
        resolve_session(load_config(), start_url="http://x.awsapps.com/start", region="us-east-1")
    with pytest.raises(ConfigError, match="not an AWS region"):
        resolve_session(load_config(), start_url="https://x.awsapps.com/start", region="useast1")


def test_add_sso_session_keeps_everything_else_byte_for_byte():
    path = write_aws_config(TWO_SESSIONS)
    os.chmod(path, 0o640)
    add_sso_session("new", "https://new.awsapps.com/start", "eu-west-2")
    text = path.read_text()
    assert text.startswith(TWO_SESSIONS)
    assert text[len(TWO_SESSIONS) :] == (
        "\n[sso-session new]\nsso_start_url = https://new.awsapps.com/start\n"
        "sso_region = eu-west-2\nsso_registration_scopes = sso:account:access\n"
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert load_config().sessions["new"].region == "eu-west-2"
    assert [p.name for p in path.parent.iterdir()] == ["config"]  # no temp files left


def test_add_sso_session_creates_a_private_file_and_refuses_duplicates(home):
    path = Path(os.environ["AWS_CONFIG_FILE"])
    add_sso_session("first", "https://f.awsapps.com/start", "us-east-1")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(ConfigError, match="already exists"):
        add_sso_session("first", "https://f.awsapps.com/start", "us-east-1")
    with pytest.raises(ConfigError, match="not a valid sso-session name"):
        add_sso_session("has space", "https://f.awsapps.com/start", "us-east-1")
    with pytest.raises(ConfigError, match="https"):
        add_sso_session("second", "ftp://f", "us-east-1")
