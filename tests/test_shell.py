"""Subshell environment, running children, export scripts and credential_process output."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from ssotui.core import shell
from ssotui.core.errors import ConfigError, SsoError
from ssotui.core.models import Assignment, RoleCredentials

EXPIRATION = datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC)
# Credentials as the portal sends them: base64-like printable ASCII (anything else is refused).
CREDS = RoleCredentials(
    account_id="012345678901",
    role_name="ReadOnly",
    access_key_id="ASIAEXAMPLE0123456789",
    secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY+/",
    session_token="IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==",
    expiration=EXPIRATION,
)
ASSIGNMENT = Assignment("012345678901", "payments-prod's", "a@example.com", "ReadOnly")
# Values chosen to break naive quoting in every shell: export_script quotes whatever printable
# text it is given (role_environment never gives it such values; this is the second defence).
HOSTILE = (
    's3cr\'et/$(touch pwned)`touch pwned`\\n"x"+AB',
    "tok'en with spaces; $HOME {braces} %PATH% & |pipe| \\'",
    "pwsh\u2019; New-Item pwned; \u2018\u201a\u201b'",
)


def environment(**base) -> dict[str, str]:
    return shell.role_environment(
        CREDS, ASSIGNMENT, region="eu-west-1", session_label="corp", base=base
    )


def test_role_environment_sets_and_removes():
    base = {
        "PATH": "/usr/bin",
        "AWS_PROFILE": "dev",
        "AWS_DEFAULT_PROFILE": "dev",
        "AWS_SECURITY_TOKEN": "old",
        "AWS_ACCESS_KEY_ID": "OLDKEY",
        "AWS_CONFIG_FILE": "/somewhere/config",
    }
    env = shell.role_environment(
        CREDS, ASSIGNMENT, region="eu-west-1", session_label="corp", base=base
    )
    assert env["PATH"] == "/usr/bin" and env["AWS_CONFIG_FILE"] == "/somewhere/config"
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"):
        assert name not in env
    assert env["AWS_ACCESS_KEY_ID"] == CREDS.access_key_id
    assert env["AWS_SECRET_ACCESS_KEY"] == CREDS.secret_access_key
    assert env["AWS_SESSION_TOKEN"] == CREDS.session_token
    assert env["AWS_CREDENTIAL_EXPIRATION"] == "2099-01-02T03:04:05Z"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["SSOTUI_ACCOUNT_ID"] == "012345678901"
    assert env["SSOTUI_ACCOUNT_NAME"] == "payments-prod_s"  # a prompt-safe marker
    assert env["SSOTUI_ROLE_NAME"] == "ReadOnly"
    assert env["SSOTUI_SESSION"] == "corp"
    assert env["SSOTUI_EXPIRATION"] == "2099-01-02T03:04:05Z"
    assert base["AWS_PROFILE"] == "dev"  # the base is copied, not changed


def test_role_environment_defaults_to_os_environ(monkeypatch):
    monkeypatch.setenv("SSOTUI_TEST_MARKER", "yes")
    monkeypatch.setenv("AWS_PROFILE", "dev")
    env = shell.role_environment(CREDS, ASSIGNMENT, region="us-east-1", session_label="x")
    assert env["SSOTUI_TEST_MARKER"] == "yes" and "AWS_PROFILE" not in env
    assert os.environ["AWS_PROFILE"] == "dev"


def test_nesting_warning():
    assert shell.nesting_warning({"PATH": "/bin"}) is None
    inside = environment()
    assert shell.nesting_warning(inside) == (
        "already inside an ssotui shell for payments-prod_s/ReadOnly — "
        "this shell replaces its credentials."
    )
    assert "aws-vault shell for dev" in shell.nesting_warning({"AWS_VAULT": "dev"})
    assert "already set" in shell.nesting_warning({"AWS_ACCESS_KEY_ID": "AKIA"})


def test_shell_argv():
    assert shell.shell_argv("zsh -l", base={"SHELL": "/bin/bash"}) == ["zsh", "-l"]
    assert shell.shell_argv(None, base={"SHELL": "/usr/bin/fish"}) == ["/usr/bin/fish"]
    assert shell.shell_argv("", base={}) == ["/bin/sh"]


def test_run_returns_the_exit_code():
    env = environment(PATH=os.environ.get("PATH", ""))
    assert shell.run([sys.executable, "-c", "import sys; sys.exit(7)"], env) == 7
    assert shell.run([sys.executable, "-c", "pass"], env) == 0


def test_run_reports_death_by_signal_as_128_plus_n():
    env = environment(PATH=os.environ.get("PATH", ""))
    code = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    assert shell.run([sys.executable, "-c", code], env) == 128 + signal.SIGTERM


def test_child_sees_the_credentials_in_its_environment_only(tmp_path):
    out = tmp_path / "env.json"
    env = environment(PATH=os.environ.get("PATH", ""))
    code = (
        "import json, os, sys; "
        f"open({str(out)!r}, 'w').write(json.dumps([dict(os.environ), sys.argv]))"
    )
    argv = [sys.executable, "-c", code]
    assert shell.run(argv, env) == 0
    child_env, child_argv = json.loads(out.read_text())
    assert child_env["AWS_SECRET_ACCESS_KEY"] == CREDS.secret_access_key
    assert child_env["AWS_SESSION_TOKEN"] == CREDS.session_token
    assert child_env["SSOTUI_ROLE_NAME"] == "ReadOnly"
    assert not any(CREDS.secret_access_key in arg for arg in child_argv)


def test_child_does_not_inherit_ignored_sigint(tmp_path):
    """While the subshell runs we must not leave SIGINT ignored for it (Ctrl-C must work)."""
    out = tmp_path / "handler"
    code = (
        "import signal; "
        f"open({str(out)!r}, 'w').write(str(signal.getsignal(signal.SIGINT) == signal.SIG_IGN))"
    )
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN when pytest itself runs under nohup
    shell.run([sys.executable, "-c", code], environment(PATH=os.environ.get("PATH", "")))
    assert out.read_text() == "False"
    assert signal.getsignal(signal.SIGINT) is before  # restored


def test_run_missing_or_unrunnable_program(tmp_path):
    """As a shell says it: 127 for a program not found, 126 for one that cannot run."""
    with pytest.raises(SsoError, match=r"^cannot run /nonexistent/shell: not found\.$") as info:
        shell.run(["/nonexistent/shell"], {})
    assert info.value.exit_code == 127
    with pytest.raises(SsoError, match=r"^cannot run no-such-program-ssotui: not found\.$"):
        shell.run(["no-such-program-ssotui"], {"PATH": str(tmp_path)})
    plain = tmp_path / "not-executable"
    plain.write_text("echo hi\n")
    with pytest.raises(SsoError, match="cannot run .*not-executable: permission denied") as info:
        shell.run([str(plain)], {})
    assert info.value.exit_code == 126
    with pytest.raises(SsoError, match="permission denied") as info:
        shell.run([str(tmp_path)], {})  # a directory
    assert info.value.exit_code == 126


# -- export scripts ---------------------------------------------------------------------------


def exported_names() -> list[str]:
    return list(shell.EXPORTED_VARS)


def hostile_environment() -> dict[str, str]:
    """An environment whose values would break naive quoting (export_script quotes any
    printable value; role_environment itself never produces these)."""
    env = environment()
    env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"], env["SSOTUI_ACCOUNT_NAME"] = HOSTILE
    return env


@pytest.mark.parametrize("sh", ["sh", "bash", "dash"])
def test_sh_export_script_evals_back_to_the_same_values(tmp_path, sh):
    if shutil.which(sh) is None:
        pytest.skip(f"{sh} is not installed")
    script = tmp_path / "env.sh"
    script.write_text(shell.export_script(hostile_environment(), "sh"))
    dump = (
        'eval "$(cat "$1")"; '
        'for v in "$@"; do [ "$v" = "$1" ] && continue; eval "printf \'%s\\0\' \\"\\$$v\\""; done; '
        'printf "%s\\0" "${AWS_PROFILE-unset}" "${AWS_DEFAULT_PROFILE-unset}"'
    )
    result = subprocess.run(
        [sh, "-c", dump, "dump", str(script), *exported_names()],
        capture_output=True,
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "AWS_PROFILE": "dev", "AWS_DEFAULT_PROFILE": "dev"},
        check=True,
    )
    values = result.stdout.decode().split("\0")[:-1]
    expected = hostile_environment()
    assert values[:-2] == [expected[name] for name in exported_names()]
    assert values[-2:] == ["unset", "unset"]
    assert not (tmp_path / "pwned").exists()


def test_sh_export_script_text():
    text = shell.export_script(environment(PATH="/usr/bin", HOME="/home/u"), "sh")
    lines = text.splitlines()
    assert lines[0] == "unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SECURITY_TOKEN"
    assert "export AWS_ACCESS_KEY_ID='ASIAEXAMPLE0123456789'" in lines
    assert "export AWS_REGION='eu-west-1'" in lines
    assert "export AWS_DEFAULT_REGION='eu-west-1'" in lines
    assert "export SSOTUI_ACCOUNT_NAME='payments-prod_s'" in lines  # a prompt-safe marker
    assert len(lines) == 1 + len(shell.EXPORTED_VARS)  # only ours, not the whole environment
    assert "/home/u" not in text and "export PATH" not in text
    hostile = shell.export_script(hostile_environment(), "sh").splitlines()
    assert "export SSOTUI_ACCOUNT_NAME='pwsh’; New-Item pwned; ‘‚‛'\\'''" in hostile


def test_fish_export_script(tmp_path):
    text = shell.export_script(hostile_environment(), "fish")
    assert "set -e AWS_PROFILE" in text and "set -e AWS_DEFAULT_PROFILE" in text
    assert "set -gx SSOTUI_ACCOUNT_NAME 'pwsh’; New-Item pwned; ‘‚‛\\''" in text
    secret = "set -gx AWS_SECRET_ACCESS_KEY 's3cr\\'et/$(touch pwned)`touch pwned`\\\\n\"x\"+AB'"
    assert secret in text
    fish = shutil.which("fish")
    if fish:
        result = subprocess.run(
            [fish, "-c", f"{text}\nprintf '%s\\n' $AWS_SECRET_ACCESS_KEY $AWS_SESSION_TOKEN"],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
        )
        assert result.stdout == f"{HOSTILE[0]}\n{HOSTILE[1]}\n"
        assert not (tmp_path / "pwned").exists()


PWSH_QUOTES = "'\u2018\u2019\u201a\u201b"


def pwsh_single_quoted(text: str) -> list[str]:
    """The values of PowerShell's single-quoted strings in ``text``, parsed by its rules: a
    string opens and closes at any of ' U+2018 U+2019 U+201A U+201B, and two of them in a row
    inside one stand for one."""
    values, i = [], 0
    while i < len(text):
        if text[i] not in PWSH_QUOTES:
            i += 1
            continue
        i += 1
        value = ""
        while True:
            assert i < len(text), f"unterminated string in {text!r}"
            if text[i] in PWSH_QUOTES:
                if i + 1 < len(text) and text[i + 1] in PWSH_QUOTES:
                    value += text[i]
                    i += 2
                    continue
                i += 1
                break
            value += text[i]
            i += 1
        values.append(value)
    return values


def test_powershell_export_script():
    env = hostile_environment()
    text = shell.export_script(env, "powershell")
    assert "Remove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue" in text
    assert "$Env:SSOTUI_ROLE_NAME = 'ReadOnly'" in text
    # Each assignment is `$Env:NAME = '<value>'`: one single-quoted string holding exactly the
    # value, closed only by the line's final quote.
    for line in text.splitlines()[len(shell.REMOVED_VARS) :]:
        name, _, quoted = line.partition(" = ")
        assert quoted[0] == "'" and quoted[-1] == "'", line
        assert pwsh_single_quoted(quoted) == [env[name.removeprefix("$Env:")]], line
    pwsh = shutil.which("pwsh")
    if pwsh:
        result = subprocess.run(
            [pwsh, "-NoProfile", "-Command", f"{text}\n[Console]::Write($Env:AWS_SESSION_TOKEN)"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert result.stdout == env["AWS_SESSION_TOKEN"]


def test_powershell_doubles_every_kind_of_single_quote():
    assert shell._pwsh_quote("a\u2019b") == "'a\u2019\u2019b'"
    for quote in PWSH_QUOTES:
        value = f"x{quote}; New-Item pwned #"
        assert pwsh_single_quoted(shell._pwsh_quote(value)) == [value]


@pytest.mark.parametrize("value", ["a\nb", "a\x00b", "a\rb", "a\x1b]0;t\x07", "a\u2028b"])
def test_no_export_line_carries_a_control_character(value):
    env = environment()
    env["SSOTUI_ACCOUNT_NAME"] = value
    for fmt in ("sh", "fish", "powershell", "json"):
        with pytest.raises(SsoError, match="^cannot export SSOTUI_ACCOUNT_NAME: "):
            shell.export_script(env, fmt)


def test_json_export_and_bare_credentials():
    data = json.loads(shell.export_script(environment(), "json"))
    assert list(data) == exported_names()
    assert data["AWS_SECRET_ACCESS_KEY"] == CREDS.secret_access_key
    bare = json.loads(shell.export_script(CREDS, "json", region="us-east-2"))
    assert bare["AWS_ACCESS_KEY_ID"] == CREDS.access_key_id
    assert bare["AWS_DEFAULT_REGION"] == "us-east-2"
    assert bare["SSOTUI_ROLE_NAME"] == "ReadOnly"
    with pytest.raises(SsoError, match="unknown export format"):
        shell.export_script(CREDS, "cmd")


# -- portal data in the environment ------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("access_key_id", "ASIA\nAWS_PROFILE=x"),
        ("secret_access_key", "abc'; touch pwned; '"),
        ("secret_access_key", "with space"),
        ("session_token", 'tok"en'),
        ("session_token", "tok\x00en"),
        ("session_token", "tok`id`"),
        ("session_token", "tok\\en"),
        ("session_token", "tok\u2019en"),
        ("access_key_id", ""),
    ],
)
def test_credentials_that_are_not_plain_ascii_are_refused(field, value):
    creds = CREDS._replace(**{field: value})
    with pytest.raises(SsoError, match="^the portal sent role credentials with an unusable ") as e:
        shell.role_environment(creds, ASSIGNMENT, region="eu-west-1", session_label="c", base={})
    assert not value or value not in str(e.value)  # a secret is never shown
    with pytest.raises(SsoError, match="^the portal sent role credentials with an unusable "):
        shell.export_script(creds, "sh", region="eu-west-1")


def test_prompt_markers_hold_only_safe_characters():
    name = "dollar$(touch pwned)`id`\n\x1b]0;t\x07'\"\x00"
    hostile = Assignment("012345678901", name, "e", "Role$(x)")
    env = shell.role_environment(
        CREDS, hostile, region="eu-west-1", session_label="corp;$(id)", base={}
    )
    assert env["SSOTUI_ACCOUNT_NAME"] == "dollar__touch pwned__id_____"
    assert env["SSOTUI_ROLE_NAME"] == "Role__x_"
    assert env["SSOTUI_SESSION"] == "corp___id_"
    assert env["SSOTUI_ACCOUNT_ID"] == "012345678901"


@pytest.mark.parametrize("region", ["eu-west-1$(id)", "us-east-1\n", "x", "../../etc"])
def test_a_region_that_is_not_a_region_code_is_refused(region):
    with pytest.raises(ConfigError, match="is not an AWS region"):
        shell.role_environment(CREDS, ASSIGNMENT, region=region, session_label="corp", base={})


def test_nesting_warning_shows_names_safely():
    warning = shell.nesting_warning(
        {"SSOTUI_ROLE_NAME": "R\x1b]52;c;eA==\x07", "SSOTUI_ACCOUNT_NAME": "a\u202eb"}
    )
    assert warning.startswith("already inside an ssotui shell for ab/R — ")


# -- credential_process ------------------------------------------------------------------------


def test_credential_process_json_shape():
    data = json.loads(shell.credential_process_json(CREDS))
    assert data == {
        "Version": 1,
        "AccessKeyId": CREDS.access_key_id,
        "SecretAccessKey": CREDS.secret_access_key,
        "SessionToken": CREDS.session_token,
        "Expiration": "2099-01-02T03:04:05Z",
    }


def test_botocore_accepts_the_credential_process_output(tmp_path, monkeypatch):
    import boto3

    answer = tmp_path / "answer.json"
    answer.write_text(shell.credential_process_json(CREDS))
    helper = tmp_path / "helper.py"
    helper.write_text(f"import sys; sys.stdout.write(open({str(answer)!r}).read())\n")
    config = tmp_path / "config"
    config.write_text(f"[profile p]\ncredential_process = {sys.executable} {helper}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    credentials = boto3.Session(profile_name="p").get_credentials()
    frozen = credentials.get_frozen_credentials()
    assert credentials.method == "custom-process"
    assert frozen.access_key == CREDS.access_key_id
    assert frozen.secret_key == CREDS.secret_access_key
    assert frozen.token == CREDS.session_token
