"""Tab completion: the scripts ``ssotui completion bash|zsh|fish`` prints and the hidden
``ssotui __complete`` backend they call. Bash runs for real (the script sourced, the function
called with COMP_WORDS/COMP_CWORD, the backend a real process); zsh and fish are checked by
their script text and by the backend's answers in their format."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import sign_in

from ssotui.cli import main
from ssotui.cli.completion import bash_word, complete, completion_script, dequote
from ssotui.core.service import SsoClient
from ssotui.core.untrusted import clean_text
from ssotui.emulator.hostile import HOSTILE_NAMES, INJECTION_MARKER

ROOT = Path(__file__).resolve().parents[1]
needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


@pytest.fixture
def on_path(tmp_path, monkeypatch) -> None:
    """An ``ssotui`` on PATH that runs this checkout, as an installed one would."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    program = bin_dir / "ssotui"
    program.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m ssotui "$@"\n')
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")


def bash_complete(*words: str) -> list[str]:
    """COMPREPLY for the command line ``words`` (as typed; the last one being completed)
    after sourcing the bash script."""
    program = (
        completion_script("bash")
        + 'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ssotui\n'
        + 'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    out = subprocess.run(
        ["bash", "-c", program, "bash", "ssotui", *words],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return [line for line in out.split("\n") if line]


def backend(capsys, shell_name: str, *words: str) -> list[str]:
    capsys.readouterr()
    assert main(["__complete", shell_name, *words]) == 0
    return capsys.readouterr().out.splitlines()


@pytest.fixture
def cached(emulator, sso_session):
    """The emulator's org in the inventory cache, then the emulator stopped: completion
    never touches the network."""
    sign_in(emulator, sso_session)
    assert SsoClient(sso_session).load_inventory().complete
    emulator.stop()
    return emulator


# -- bash, for real ------------------------------------------------------------------------------


@needs_bash
def test_bash_completes_commands_flags_and_their_values(on_path, sso_session):
    assert bash_complete("pro") == ["profiles"]
    assert "credential-process" in bash_complete("cr")
    assert set(bash_complete("profiles", "--")) >= {"--write", "--template", "--sso-session"}
    assert bash_complete("console", "123", "Admin", "--cont") == ["--container"]
    assert bash_complete("--sso-session", "corp", "shell", "x", "y", "--ref") == ["--refreshing"]
    assert bash_complete("env", "a", "b", "--format", "") == ["sh", "fish", "powershell", "json"]
    assert bash_complete("env", "a", "b", "--format", "p") == ["powershell"]
    assert bash_complete("--sso-session", "") == ["test"]
    assert bash_complete("list", "--re") == ["--refresh"]  # the old --region is not offered
    assert bash_complete("completion", "") == ["bash", "zsh", "fish"]


@needs_bash
def test_bash_completes_account_names_ids_and_the_accounts_roles(on_path, cached):
    """`ssotui console che<TAB>` and friends, from the cache alone (the emulator is stopped)."""
    payments = sorted(a.name for a in cached.org.accounts if a.name.startswith("payments"))
    assert bash_complete("console", "pay") == payments
    assert bash_complete("console", "payments-p") == ["payments-prod"]
    assert bash_complete("console", "PAYMENTS-P") == ["payments-prod"]  # case, if nothing else
    prod = next(a for a in cached.org.accounts if a.name == "payments-prod")
    assert bash_complete("shell", prod.account_id[:8]) == [prod.account_id]
    assert bash_complete("console", "payments-prod", "") == sorted(prod.roles)
    assert bash_complete("exec", "payments-prod", "Re") == ["ReadOnlyAccess"]
    assert bash_complete("env", "PAYMENTS-PROD", "admin") == ["AdministratorAccess"]
    assert bash_complete("credential-process", prod.account_id, "Sup") == ["SupportUser"]
    assert bash_complete("console", "--region", "eu-west-1", "payments-pr") == ["payments-prod"]
    assert bash_complete("--sso-session", "test", "console", "log") == ["log-archive"]
    assert bash_complete("console", "no-such-account", "") == []
    assert bash_complete("exec", "payments-prod", "ReadOnlyAccess", "--", "") == []
    every = bash_complete("console", "")
    assert every == sorted(a.name for a in cached.org.accounts)


@needs_bash
def test_hostile_names_complete_to_the_literal_name_and_run_nothing(
    on_path, make_emulator, sso_session, tmp_path
):
    """Portal names with quotes, $(…), backticks and globs complete to a word that the shell
    reads back as exactly the name; names with escapes or newlines are never offered (their
    id is)."""
    emulator = make_emulator(accounts=2, hostile=True)
    sign_in(emulator, sso_session)
    assert SsoClient(sso_session).load_inventory().complete
    emulator.stop()
    marker = Path(INJECTION_MARKER)
    marker.unlink(missing_ok=True)
    kept = [clean_text(name) for name in HOSTILE_NAMES]  # as the inventory keeps them
    printable = [name for name in kept if name.isprintable()]
    assert len(printable) >= 4
    for name in printable:
        replies = bash_complete("console", name[:4])
        assert len(replies) == 1, (name, replies)
        # What the shell makes of the completed word when the command line runs:
        back = subprocess.run(
            ["bash", "-c", f'set -- {replies[0]}; printf "%s" "$#:$1"'],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
        ).stdout
        assert back == f"1:{name}"
    assert not marker.exists()
    for name in kept:
        if not name.isprintable():
            assert bash_complete("console", name[:3]) == [], repr(name)
    ids = bash_complete("console", "9990000000")
    assert len(ids) == len(HOSTILE_NAMES) and all(len(i) == 12 for i in ids)


# -- the backend and the other shells --------------------------------------------------------------


def test_zsh_and_fish_get_values_with_safe_descriptions(capsys, cached):
    prod = next(a for a in cached.org.accounts if a.name == "payments-prod")
    for shell_name in ("zsh", "fish"):
        lines = backend(capsys, shell_name, "console", "payments-p")
        assert lines == [f"payments-prod\t{prod.account_id}"]
        assert backend(capsys, shell_name, "console", prod.account_id) == [
            f"{prod.account_id}\tpayments-prod"
        ]
        flags = backend(capsys, shell_name, "console", "x", "y", "--por")
        assert flags == [
            "--portal-link\tuse the access portal's shortcut link (no credentials; multi-session)"
        ]


def test_hostile_names_reach_zsh_and_fish_as_one_plain_line_each(
    capsys, make_emulator, sso_session
):
    emulator = make_emulator(accounts=2, hostile=True)
    sign_in(emulator, sso_session)
    assert SsoClient(sso_session).load_inventory().complete
    for shell_name in ("zsh", "fish"):
        lines = backend(capsys, shell_name, "console", "")
        values = [line.split("\t")[0] for line in lines]
        for line in lines:
            assert line.replace("\t", " ", 1).isprintable(), repr(line)
        for name in map(clean_text, HOSTILE_NAMES):  # names as the inventory keeps them
            assert (name in values) == name.isprintable(), repr(name)


def test_the_scripts_never_evaluate_what_the_backend_prints():
    for shell_name in ("bash", "zsh", "fish"):
        script = completion_script(shell_name)
        assert f"ssotui __complete {shell_name} " in script
        assert "eval" not in script.replace('eval "$(ssotui completion', "")
        assert "compgen -W" not in script  # compgen -W expands $(…) in its word list
    assert "compadd -l -d shown -- " in completion_script("zsh")
    assert "complete -c ssotui -f -a '(__ssotui_complete)'" in completion_script("fish")


@pytest.mark.parametrize("shell_name", ["zsh", "fish"])
def test_scripts_parse_in_their_shell(shell_name):
    exe = shutil.which(shell_name)
    if exe is None:
        pytest.skip(f"{shell_name} is not installed")
    script = completion_script(shell_name)
    subprocess.run([exe, "-n", "-c", script], check=True, capture_output=True)


def test_several_sessions_and_none_chosen_complete_no_accounts(capsys, cached, home):
    from conftest import write_aws_config

    config = Path(os.environ["AWS_CONFIG_FILE"]).read_text()
    write_aws_config(
        config + "[sso-session other]\nsso_start_url = https://o.awsapps.com/start\n"
        "sso_region = eu-west-1\n"
    )
    assert backend(capsys, "bash", "console", "pay") == []
    assert len(backend(capsys, "bash", "--sso-session", "test", "console", "pay")) == 3
    assert backend(capsys, "bash", "--sso-session", "other", "console", "pay") == []
    assert backend(capsys, "bash", "--sso-session", "") == ["other", "test"]


def test_no_config_or_a_broken_one_completes_nothing_quietly(capsys, home):
    from conftest import write_aws_config

    assert backend(capsys, "bash", "console", "") == []
    write_aws_config("[sso-session broken\n")
    capsys.readouterr()
    assert main(["__complete", "bash", "console", ""]) == 1
    assert capsys.readouterr() == ("", "")


def test_the_backend_imports_neither_boto3_nor_textual(cached):
    code = (
        "import sys\n"
        "from ssotui.cli import main\n"
        "main(['__complete', 'bash', 'console', 'pay'])\n"
        "heavy = sorted(m for m in ('boto3', 'botocore', 'textual', 'rich') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=ROOT,
    ).stdout.splitlines()
    assert out[-1] == "HEAVY="
    assert len(out) == 4  # payments-dev, -prod, -staging


def test_words_as_typed():
    assert dequote("'pay ments") == "pay ments"
    assert dequote('"pay ments"') == "pay ments"
    assert dequote("pay\\ ments\\$") == "pay ments$"
    assert bash_word("a b$(c)`d`'e\"~*#{}") == "a\\ b\\$\\(c\\)\\`d\\`\\'e\\\"\\~\\*\\#\\{\\}"
    assert bash_word("payments-prod.eu_1@x+y,z/%^") == "payments-prod.eu_1@x+y,z/%^"
    assert bash_word("café") == "café"


def test_complete_knows_every_command_and_visible_flag():
    from ssotui.cli.parser import build_parser

    names = [value for value, _help in complete([""])]
    for name in ("login", "profiles", "completion", "credential-process", "console", "demo"):
        assert name in names
    assert "__complete" not in names
    flags = [value for value, _help in complete(["console", "a", "b", "--"])]
    for flag in ("--container", "--portal-link", "--region", "--sso-region", "--print"):
        assert flag in flags
    parser_flags = [value for value, _help in complete(["profiles", "--"])]
    assert {"--write", "--template", "--profile-region", "--refresh"} <= set(parser_flags)
    assert build_parser()  # the backend's source of truth


def test_unknown_shell_is_a_usage_error(capsys):
    assert main(["completion", "tcsh"]) == 2
    assert "invalid choice" in capsys.readouterr().err
