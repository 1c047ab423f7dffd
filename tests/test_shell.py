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
from ssotui.core.errors import SsoError
from ssotui.core.models import Assignment, RoleCredentials

EXPIRATION = datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC)
# Values chosen to break naive quoting in every shell.
CREDS = RoleCredentials(
    account_id="012345678901",
    role_name="ReadOnly",
    access_key_id="ASIAEXAMPLE0123456789",
    secret_access_key='s3cr\'et/$(touch pwned)`id`\\n"x"+AB',
    session_token="tok'en with spaces; $HOME {braces} %PATH% & |pipe|",
    expiration=EXPIRATION,
)
ASSIGNMENT = Assignment("012345678901", "payments-prod's", "a@example.com", "ReadOnly")


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
    assert env["SSOTUI_ACCOUNT_NAME"] == "payments-prod's"
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
        "already inside an ssotui shell for payments-prod's/ReadOnly — "
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
    with pytest.raises(SsoError, match=r"^cannot run /nonexistent/shell: not found\.$"):
        shell.run(["/nonexistent/shell"], {})
    plain = tmp_path / "not-executable"
    plain.write_text("echo hi\n")
    with pytest.raises(SsoError, match="cannot run .*not-executable: permission denied"):
        shell.run([str(plain)], {})


# -- export scripts ---------------------------------------------------------------------------


def exported_names() -> list[str]:
    return list(shell.EXPORTED_VARS)


@pytest.mark.parametrize("sh", ["sh", "bash", "dash"])
def test_sh_export_script_evals_back_to_the_same_values(tmp_path, sh):
    if shutil.which(sh) is None:
        pytest.skip(f"{sh} is not installed")
    script = tmp_path / "env.sh"
    script.write_text(shell.export_script(environment(), "sh"))
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
    expected = environment()
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
    assert "export SSOTUI_ACCOUNT_NAME='payments-prod'\\''s'" in lines
    assert len(lines) == 1 + len(shell.EXPORTED_VARS)  # only ours, not the whole environment
    assert "/home/u" not in text and "export PATH" not in text


def test_fish_export_script():
    text = shell.export_script(environment(), "fish")
    assert "set -e AWS_PROFILE" in text and "set -e AWS_DEFAULT_PROFILE" in text
    assert "set -gx SSOTUI_ACCOUNT_NAME 'payments-prod\\'s'" in text
    assert "set -gx AWS_SECRET_ACCESS_KEY 's3cr\\'et/$(touch pwned)`id`\\\\n\"x\"+AB'" in text
    fish = shutil.which("fish")
    if fish:
        result = subprocess.run(
            [fish, "-c", f"{text}\nprintf '%s' $AWS_SECRET_ACCESS_KEY"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert result.stdout == CREDS.secret_access_key


def test_powershell_export_script():
    text = shell.export_script(environment(), "powershell")
    assert "Remove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue" in text
    assert "$Env:SSOTUI_ACCOUNT_NAME = 'payments-prod''s'" in text
    assert "$Env:AWS_SESSION_TOKEN = 'tok''en with spaces; $HOME {braces} %PATH% & |pipe|'" in text
    pwsh = shutil.which("pwsh")
    if pwsh:
        result = subprocess.run(
            [pwsh, "-NoProfile", "-Command", f"{text}\n[Console]::Write($Env:AWS_SESSION_TOKEN)"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert result.stdout == CREDS.session_token


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
