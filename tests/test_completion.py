"""``ssotui completion bash|zsh|fish``: static scripts generated from the argparse parser."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from test_cli import ssotui

from ssotui.cli import build_parser, completion_script


def bash_complete(script: str, line: str) -> list[str]:
    """COMPREPLY for ``line`` (completing its last word) after sourcing ``script``."""
    words = line.split(" ")
    program = (
        script
        + "\nCOMP_WORDS=("
        + " ".join(f"'{w}'" for w in words)
        + f")\nCOMP_CWORD={len(words) - 1}\n_ssotui\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
    )
    out = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    return out.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_commands_and_each_commands_flags():
    script = ssotui("completion", "bash").stdout
    assert "complete -o default -F _ssotui ssotui" in script
    assert set(bash_complete(script, "ssotui pro")) == {"profiles"}
    assert "credential-process" in bash_complete(script, "ssotui cr")
    assert set(bash_complete(script, "ssotui profiles --")) >= {
        "--write",
        "--template",
        "--sso-session",
    }
    assert bash_complete(script, "ssotui console 123 Admin --cont") == ["--container"]
    assert bash_complete(script, "ssotui --sso-session corp shell x y --ref") == ["--refreshing"]


def test_every_command_and_flag_is_in_every_script():
    parser = build_parser()
    for shell_name in ("bash", "zsh", "fish"):
        script = completion_script(parser, shell_name)
        for name in ("login", "profiles", "completion", "credential-process", "console"):
            assert name in script
        for flag in ("write", "template", "container", "refreshing", "portal-link"):
            assert flag in script


@pytest.mark.parametrize("shell_name", ["zsh", "fish"])
def test_scripts_parse_in_their_shell(shell_name):
    exe = shutil.which(shell_name)
    if exe is None:
        pytest.skip(f"{shell_name} is not installed")
    script = completion_script(build_parser(), shell_name)
    check = ["zsh", "-n", "-c", script] if shell_name == "zsh" else ["fish", "-n", "-c", script]
    subprocess.run(check, check=True, capture_output=True)


def test_unknown_shell_is_a_usage_error():
    proc = ssotui("completion", "tcsh", check=False)
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr
