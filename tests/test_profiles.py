"""``ssotui profiles``: one profile per account × role inside a managed block of the AWS config."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import START_URL, write_aws_config
from test_cli import ssotui

from ssotui.core.errors import ConfigError
from ssotui.core.models import Assignment, SsoSession
from ssotui.core.profiles import (
    begin_marker,
    end_marker,
    plan_profiles,
    profile_names,
    sanitize,
)

SESSION = SsoSession(name="corp", start_url=START_URL, region="us-east-1")
ROWS = [
    Assignment("111111111111", "Prod Account", "", "AdministratorAccess"),
    Assignment("111111111111", "Prod Account", "", "ReadOnly"),
    Assignment("222222222222", "dev/sandbox", "", "ReadOnly"),
]
USER_TEXT = (
    "# my settings  \n"
    "[default]\nregion = eu-west-1\n\n"
    "[sso-session corp]\nsso_start_url = " + START_URL + "\nsso_region = us-east-1\n\n"
    "[profile mine]   ; a comment\noutput=json\n"
)


def test_names_are_sanitised_and_collisions_resolved_deterministically():
    assert sanitize("dev/sandbox (eu)") == "dev-sandbox-eu"
    rows = ROWS + [Assignment("333333333333", "Prod-Account", "", "ReadOnly")]
    names = dict((a, n) for n, a in profile_names(rows, "corp"))
    assert names[ROWS[0]] == "Prod-Account.AdministratorAccess"
    assert names[ROWS[1]] == "Prod-Account.ReadOnly.111111111111"
    assert names[rows[3]] == "Prod-Account.ReadOnly.333333333333"
    assert names[ROWS[2]] == "dev-sandbox.ReadOnly"
    assert profile_names(list(reversed(rows)), "corp") == profile_names(rows, "corp")
    by_id = [n for n, _a in profile_names(ROWS, "corp", "{session}-{account_id}-{role_name}")]
    assert "corp-111111111111-ReadOnly" in by_id
    # a template that maps two roles of one account to one name still gives unique names
    assert len({n for n, _a in profile_names(ROWS, "corp", "{account_id}")}) == 3
    with pytest.raises(ConfigError, match="only"):
        profile_names(ROWS, "corp", "{account}")


def test_block_is_added_replaced_and_idempotent_without_touching_the_rest(tmp_path):
    path = tmp_path / "config"
    path.write_text(USER_TEXT)
    path.chmod(0o640)
    plan = plan_profiles(SESSION, ROWS, region="eu-central-1", path=path)
    assert plan.changed
    diff = plan.diff()
    assert diff.startswith(f"--- {path}\n")
    assert "+[profile Prod-Account.ReadOnly]\n" in diff
    assert "+sso_session = corp\n" in diff and "+region = eu-central-1\n" in diff
    assert plan.write() == path.with_name("config.ssotui-backup")
    new = path.read_text()
    assert new.startswith(USER_TEXT)  # every byte outside the block as it was
    assert begin_marker("corp") in new and end_marker("corp") in new
    assert oct(path.stat().st_mode & 0o777) == "0o640"  # mode kept
    backup = path.with_name("config.ssotui-backup")
    assert backup.read_text() == USER_TEXT
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    # second run: nothing to do
    again = plan_profiles(SESSION, ROWS, region="eu-central-1", path=path)
    assert not again.changed and again.write() is None
    # the user adds text after the block; a regenerated block with fewer roles keeps it
    path.write_text(new + "\n[profile after]\nregion = us-west-2\n")
    plan = plan_profiles(SESSION, ROWS[:1], region="eu-central-1", path=path)
    plan.write()
    text = path.read_text()
    assert text.startswith(USER_TEXT)
    assert text.endswith("\n[profile after]\nregion = us-west-2\n")
    assert "ReadOnly" not in text.split(begin_marker("corp"))[1].split(end_marker("corp"))[0]


def test_a_users_own_profile_is_never_shadowed(tmp_path):
    path = tmp_path / "config"
    path.write_text(USER_TEXT + "\n[profile dev-sandbox.ReadOnly]\nregion = us-west-1\n")
    plan = plan_profiles(SESSION, ROWS, region="us-east-1", path=path)
    assert [n for n, _a in plan.skipped] == ["dev-sandbox.ReadOnly"]
    assert "[profile dev-sandbox.ReadOnly]" not in plan.new_text.split(begin_marker("corp"))[1]


def test_legacy_session_and_damaged_block_are_refused(tmp_path):
    path = tmp_path / "config"
    legacy = SsoSession(name=None, start_url=START_URL, region="us-east-1")
    with pytest.raises(ConfigError, match=r"\[sso-session\]"):
        plan_profiles(legacy, ROWS, region="us-east-1", path=path)
    path.write_text(USER_TEXT + begin_marker("corp") + "\n[profile x]\n")
    with pytest.raises(ConfigError, match="damaged"):
        plan_profiles(SESSION, ROWS, region="us-east-1", path=path)


def test_missing_config_file_is_created_private(tmp_path):
    path = tmp_path / "aws" / "config"
    plan = plan_profiles(SESSION, ROWS, region="us-east-1", path=path)
    assert plan.write() is None  # nothing to back up
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert path.read_text().startswith(begin_marker("corp"))


# -- the command, against the emulator --------------------------------------------------------


def test_profiles_command_dry_run_write_and_boto3(emulator, sso_session):
    emulator.approve_after = 0.2
    ssotui("login", "--no-browser")
    config = Path(os.environ["AWS_CONFIG_FILE"])
    before = config.read_text()
    dry = ssotui("profiles")
    assert dry.stdout.startswith("--- ")
    assert "ssotui profiles --write" in dry.stderr
    assert config.read_text() == before
    wrote = ssotui("profiles", "--write")
    assert "Wrote" in wrote.stderr
    text = config.read_text()
    assert text.startswith(before)
    assert (config.parent / "config.ssotui-backup").read_text() == before
    again = ssotui("profiles", "--write")
    assert "no changes" in again.stderr
    assert config.read_text() == text
    assert ssotui("profiles").stdout == ""

    import boto3

    account = emulator.org.accounts[0]
    name = sanitize(f"{account.name}.{account.roles[0]}")
    assert f"[profile {name}]" in text or f"[profile {name}." in text
    profile = name if f"[profile {name}]" in text else f"{name}.{account.account_id}"
    session = boto3.Session(profile_name=profile)
    creds = session.get_credentials().get_frozen_credentials()
    assert creds.access_key.startswith("ASIAEMU")
    assert session.region_name == "us-east-1"


def test_profiles_command_refuses_a_legacy_session(emulator):
    write_aws_config(
        f"[profile old]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
        "sso_account_id = 111111111111\nsso_role_name = ReadOnly\n"
    )
    proc = ssotui("profiles", check=False)
    assert proc.returncode != 0
    assert "[sso-session]" in proc.stderr
    assert "Traceback" not in proc.stderr
