# ruff: noqa: F811 - the cli and logged_in fixtures come from test_cli
"""Issue 16 §1: roles reached through an SSO role (role chaining) from the CLI, through real
boto3 against the emulator's GetRoleCredentials and sts:AssumeRole."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import write_aws_config
from test_cli import cli, logged_in  # noqa: F401 - fixtures

from ssotui.core.chains import find, from_profiles


def chained(emu, name: str) -> str:
    return next(arn for arn in emu.org.chained if arn.endswith("/" + name))


def settings(text: str) -> Path:
    path = Path(os.environ["SSOTUI_CONFIG_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def chains(emulator, monkeypatch, tmp_path):
    """Settings declaring LegacyAdmin (from management/AdministratorAccess) and DeepOps
    (behind LegacyAdmin)."""
    monkeypatch.setenv("SSOTUI_CONFIG_FILE", str(tmp_path / "settings.toml"))
    legacy, deep = chained(emulator, "LegacyAdmin"), chained(emulator, "DeepOps")
    settings(
        "[[chained_roles]]\n"
        f'role_arn = "{legacy}"\n'
        'source = "management/AdministratorAccess"\n'
        "[[chained_roles]]\n"
        f'role_arn = "{deep}"\n'
        f'source = "{legacy}"\n'
        "duration_seconds = 1800\n"
    )
    return legacy, deep


def exports(out: str) -> dict[str, str]:
    found = {}
    for line in out.splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export ") :].partition("=")
            found[key] = value.strip("'")
    return found


def test_env_of_a_chained_role_assumes_it_once_and_then_uses_the_cache(
    logged_in, emulator, chains, cli
):
    legacy, _deep = chains
    account = legacy.split(":")[4]
    first = exports(cli("env", account, "LegacyAdmin").out)
    assert first["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert first["SSOTUI_ROLE_NAME"] == "LegacyAdmin"
    assert first["SSOTUI_ACCOUNT_ID"] == account
    assert "via management/AdministratorAccess" in first["SSOTUI_ACCOUNT_NAME"]
    assert emulator.stats.calls["AssumeRole"] == 1
    again = exports(cli("env", legacy, "LegacyAdmin").out)  # the ARN works as ACCOUNT too
    assert again["AWS_ACCESS_KEY_ID"] == first["AWS_ACCESS_KEY_ID"]
    assert emulator.stats.calls["AssumeRole"] == 1


def test_a_chain_of_chains_assumes_each_role_in_turn(logged_in, emulator, chains, cli):
    _legacy, deep = chains
    answer = json.loads(cli("credential-process", deep, "DeepOps").out)
    assert answer["AccessKeyId"].startswith("ASIA") and answer["Version"] == 1
    assert emulator.stats.calls["AssumeRole"] == 2  # LegacyAdmin, then DeepOps
    assert emulator.stats.calls["GetRoleCredentials"] == 1


def test_the_console_of_a_chained_role_asks_for_no_session_duration(
    logged_in, emulator, chains, cli
):
    legacy, _deep = chains
    url = cli("console", legacy, "LegacyAdmin", "--print").out.strip()
    assert parse_qs(urlsplit(url).query)["SigninToken"][0]  # the emulator refuses a duration
    assert emulator.stats.calls["GetSigninToken"] == 1


def test_a_role_that_does_not_trust_the_source_is_one_line(
    logged_in, emulator, cli, monkeypatch, tmp_path
):
    monkeypatch.setenv("SSOTUI_CONFIG_FILE", str(tmp_path / "settings.toml"))
    legacy = chained(emulator, "LegacyAdmin")
    settings(f'[[chained_roles]]\nrole_arn = "{legacy}"\nsource = "management/ReadOnlyAccess"\n')
    result = cli("exec", legacy, "LegacyAdmin", "--", "true", check=False)
    line = result.one_line_error("AccessDenied", legacy, "management/ReadOnlyAccess")
    assert "trust policy" in line


def test_a_loop_and_a_missing_source_are_one_line(logged_in, emulator, cli, monkeypatch, tmp_path):
    monkeypatch.setenv("SSOTUI_CONFIG_FILE", str(tmp_path / "settings.toml"))
    a, b = "arn:aws:iam::111111111111:role/A", "arn:aws:iam::222222222222:role/B"
    settings(
        f'[[chained_roles]]\nrole_arn = "{a}"\nsource = "{b}"\n'
        f'[[chained_roles]]\nrole_arn = "{b}"\nsource = "{a}"\n'
    )
    cli("env", a, "A", check=False).one_line_error("loop", "A -> B -> A")
    c = "arn:aws:iam::333333333333:role/C"
    settings(f'[[chained_roles]]\nrole_arn = "{c}"\nsource = "arn:aws:iam::444444444444:role/D"\n')
    cli("env", c, "C", check=False).one_line_error(c, "neither an SSO role nor a chained role")
    cli("env", "arn:aws:iam::999999999999:role/Z", "Z", check=False).one_line_error(
        "no chained role arn:aws:iam::999999999999:role/Z is declared"
    )
    assert emulator.stats.calls["AssumeRole"] == 0


def test_a_bad_chain_in_the_settings_is_one_line(logged_in, cli, monkeypatch, tmp_path):
    monkeypatch.setenv("SSOTUI_CONFIG_FILE", str(tmp_path / "settings.toml"))
    settings('[[chained_roles]]\nrole_arn = "arn:aws:iam::1:role/$(reboot)"\nsource = "a/b"\n')
    cli("env", "x", "y", check=False).one_line_error("role_arn must be an IAM role ARN")


def test_profiles_with_source_profile_become_chains_of_their_session(
    logged_in, emulator, sso_session, cli
):
    legacy = chained(emulator, "LegacyAdmin")
    management = emulator.org.find("management").account_id
    config = Path(os.environ["AWS_CONFIG_FILE"]).read_text()
    write_aws_config(
        config + f"\n[profile mgmt-admin]\nsso_session = {sso_session.name}\n"
        f"sso_account_id = {management}\nsso_role_name = AdministratorAccess\n"
        f"\n[profile legacy]\nrole_arn = {legacy}\nsource_profile = mgmt-admin\n"
        "\n[profile other]\nrole_arn = arn:aws:iam::555555555555:role/X\n"
        "source_profile = keys\n\n[profile keys]\naws_access_key_id = AKIAEXAMPLE\n"
    )
    from ssotui.core.config import load_config

    found = from_profiles(load_config().profiles, sso_session.name, "config")
    assert [c.role_arn for c in found] == [legacy]  # "other" ends in access keys: left out
    assert find(found, legacy, "legacyadmin").origin == "profile legacy"
    answer = json.loads(cli("credential-process", legacy, "LegacyAdmin").out)
    assert answer["AccessKeyId"].startswith("ASIA")
    assert emulator.stats.calls["AssumeRole"] == 1


def test_profiles_write_chained_roles_that_boto3_chains_natively(
    logged_in, emulator, chains, cli, monkeypatch
):
    """`profiles --write` gives each chained role role_arn + source_profile (the generated
    profile of its source); botocore then does GetRoleCredentials and AssumeRole itself."""
    import boto3

    legacy, deep = chains
    cli("profiles", "--write")
    text = Path(os.environ["AWS_CONFIG_FILE"]).read_text()
    account = legacy.split(":")[4]
    assert f"[profile {account}.LegacyAdmin]\nrole_arn = {legacy}\n" in text
    assert "source_profile = management.AdministratorAccess\n" in text
    assert f"[profile {account}.DeepOps]\nrole_arn = {deep}\n" in text
    assert f"source_profile = {account}.LegacyAdmin\nduration_seconds = 1800\n" in text
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    frozen = boto3.Session(profile_name=f"{account}.DeepOps").get_credentials()
    assert frozen.get_frozen_credentials().access_key.startswith("ASIAEMU")
    assert emulator.stats.calls["AssumeRole"] == 2


# -- found in review ----------------------------------------------------------------------------


def test_a_chain_into_an_sso_account_never_shares_credentials_with_the_sso_role(
    logged_in, emulator, cli, monkeypatch, tmp_path
):
    """A chained role with the same account id and role name as a permission set: the ARN
    reaches the chain, the name or the id (the inventory lists that role) the SSO role, and
    their credentials are cached apart."""
    from ssotui.emulator.org import ChainedRole

    payments = emulator.org.find("payments-prod")
    management = emulator.org.find("management")
    arn = f"arn:aws:iam::{payments.account_id}:role/AdministratorAccess"
    emulator.org.chained[arn] = ChainedRole(arn, ((management.account_id, "AdministratorAccess"),))
    monkeypatch.setenv("SSOTUI_CONFIG_FILE", str(tmp_path / "settings.toml"))
    settings(f'[[chained_roles]]\nrole_arn = "{arn}"\nsource = "management/AdministratorAccess"\n')
    cli("list")  # the inventory: payments-prod holds AdministratorAccess as a permission set

    def who(*target: str):
        key = exports(cli("env", *target).out)["AWS_ACCESS_KEY_ID"]
        creds = emulator.federation.creds[key]
        return creds.account_id, creds.role, creds.chained

    assert who(arn, "AdministratorAccess") == (payments.account_id, "AdministratorAccess", True)
    assert who("payments-prod", "AdministratorAccess")[2] is False
    assert who(payments.account_id, "AdministratorAccess")[2] is False
    assert who(arn, "AdministratorAccess")[2] is True  # from the cache, still the chain's


def test_chain_fields_are_ascii_before_they_reach_sts_or_the_config():
    from ssotui.core.chains import check_chain
    from ssotui.core.errors import ConfigError

    good = {"role_arn": "arn:aws:iam::123456789012:role/Admin", "source": "a/b"}
    for key, value in [
        ("role_arn", "arn:aws:iam::123456789012:role/\u00c4dmin"),
        ("role_session_name", "s\u00e9ance"),
        ("external_id", "\u0438\u0434-x"),
    ]:
        with pytest.raises(ConfigError, match=key):
            check_chain({**good, key: value}, "settings")


# -- found in a new-user trial ------------------------------------------------------------------


def test_an_arn_with_another_role_name_is_refused(logged_in, emulator, chains, cli):
    legacy, _deep = chains
    result = cli("env", legacy, "AdministratorAccess", check=False)
    result.one_line_error(f"the role of {legacy} is LegacyAdmin, not 'AdministratorAccess'")
    assert result.out == "" and emulator.stats.calls["AssumeRole"] == 0


def test_a_chain_changed_in_the_settings_is_not_served_from_the_cache(
    logged_in, emulator, chains, cli
):
    """Credentials cached under the old definition are not handed out once the chain's source
    changed: a typo in the source fails at once instead of an hour later."""
    legacy, _deep = chains
    cli("env", legacy, "LegacyAdmin")
    assert emulator.stats.calls["AssumeRole"] == 1
    settings(
        f'[[chained_roles]]\nrole_arn = "{legacy}"\nsource = "managment/AdministratorAccess"\n'
    )
    cli("env", legacy, "LegacyAdmin", check=False).one_line_error("managment")
    settings(
        f'[[chained_roles]]\nrole_arn = "{legacy}"\nsource = "management/AdministratorAccess"\n'
    )
    cli("env", legacy, "LegacyAdmin")
    assert emulator.stats.calls["AssumeRole"] == 1  # the first definition's entry again
