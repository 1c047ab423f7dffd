"""Everything the portal sends is untrusted data (issue 11 §2): names with terminal escapes,
newlines, bidi overrides, lone surrogates, NUL, quotes and ``$(…)`` from the emulator's hostile
org, through real boto3 and real ``ssotui`` processes. What the user sees is made safe for the
terminal, what goes into an environment or a prompt runs nothing, and one bad name never
breaks the rest."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SESSION_NAME, START_URL, write_aws_config
from helpers import assert_one_line_error, run_ssotui, sign_in

from ssotui.core.untrusted import for_terminal
from ssotui.emulator.hostile import HOSTILE_NAMES, INJECTION_MARKER

# What must never reach a terminal: ESC, BEL, every other C0 control but newline, DEL, the C1
# controls, bidi embeddings/overrides/isolates/marks, NUL, lone surrogates.
UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ud800-\udfff]"
)
HOSTILE_IDS = {name: f"{999000000000 + index:012d}" for index, name in enumerate(HOSTILE_NAMES)}
ROLE = "ReadOnlyAccess"


def account_id(fragment: str) -> str:
    [name] = [n for n in HOSTILE_NAMES if n.startswith(fragment)]
    return HOSTILE_IDS[name]


@pytest.fixture
def hostile(make_emulator):
    """Signed in to an org that holds the hostile accounts (and a few ordinary ones)."""
    from ssotui.core.config import load_config

    emulator = make_emulator(accounts=3, hostile=True)
    write_aws_config(
        f"[sso-session {SESSION_NAME}]\n"
        f"sso_start_url = {START_URL}\n"
        "sso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n"
    )
    sign_in(emulator, load_config().sessions[SESSION_NAME])
    Path(INJECTION_MARKER).unlink(missing_ok=True)
    yield emulator
    assert not Path(INJECTION_MARKER).exists(), "an injected command ran"


def ssotui_bytes(*args: str) -> subprocess.CompletedProcess:
    """The CLI with its output as bytes, exactly as a terminal would receive it."""
    return subprocess.run(
        [sys.executable, "-m", "ssotui", *args],
        capture_output=True,
        timeout=120,
        env=dict(os.environ),
    )


def test_list_shows_every_hostile_name_made_safe(hostile):
    proc = ssotui_bytes("list")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("utf-8")  # valid UTF-8: no lone surrogate got through
    err = proc.stderr.decode("utf-8")
    assert not UNSAFE.search(out), out
    assert not UNSAFE.search(err), err
    lines = out.splitlines()
    for name, hostile_id in HOSTILE_IDS.items():
        mine = [line for line in lines if line.startswith(f"{hostile_id}  ")]
        assert len(mine) == 2, (name, lines)  # both roles
        assert all(for_terminal(name) in line for line in mine), (for_terminal(name), mine)
    # The ordinary accounts are all there too.
    for account in hostile.org.accounts[:3]:
        assert any(line.startswith(account.account_id) for line in lines)
    assert "clipboard-prod" in out and "titlepwned" not in out
    # The rows with an invalid account id or role name are left out, and said so once.
    assert "bad-id-" not in out and "Role$(" not in out
    assert re.fullmatch(
        r"warning: skipped \d+ row\(s\) the portal sent with an invalid account id or role name\n",
        err,
    ), err


def test_list_json_is_json_with_every_hostile_account(hostile):
    proc = ssotui_bytes("list", "--json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.isascii()  # controls and non-ASCII escaped: safe on any terminal
    rows = json.loads(proc.stdout)
    by_id = {row["accountId"]: row for row in rows}
    for name, hostile_id in HOSTILE_IDS.items():
        shown = by_id[hostile_id]["accountName"]
        # The name as sent, or with a lone surrogate / NUL replaced where it is kept.
        assert for_terminal(shown) == for_terminal(name)


@pytest.mark.parametrize(
    "fragment", ["dollar", "back", "quote", "pwsh", "clip", "two", "nul", "percent"]
)
def test_env_sh_runs_nothing_and_a_prompt_that_expands_the_marker_runs_nothing(
    hostile, tmp_path, fragment
):
    proc = run_ssotui("env", account_id(fragment), ROLE)
    assert proc.returncode == 0, proc.stderr
    script = tmp_path / "env.sh"
    script.write_text(proc.stdout)
    # The common prompt: PS1="[$SSOTUI_ACCOUNT_NAME] \$ ", expanded as bash shows it.
    prompt = (
        'eval "$(cat "$1")"; PS1="[$SSOTUI_ACCOUNT_NAME/$SSOTUI_ROLE_NAME] \\$ "; '
        'printf "%s\\n" "${PS1@P}"; printf "%s" "$SSOTUI_ACCOUNT_NAME"'
    )
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", prompt, "prompt", str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"]},
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    shown, marker = result.stdout.split("\n", 1)
    assert re.fullmatch(r"[A-Za-z0-9._\-@+=,:/ ]*", marker), marker
    assert shown == f"[{marker}/{ROLE}] $ "
    assert not Path(INJECTION_MARKER).exists()
    if shutil.which("sh"):
        plain = subprocess.run(
            ["sh", "-c", '. "$1"; printf "%s" "$SSOTUI_ACCOUNT_NAME"', "sh", str(script)],
            capture_output=True,
            text=True,
            env={"PATH": os.environ["PATH"]},
            timeout=30,
        )
        assert plain.stdout == marker


@pytest.mark.parametrize("fragment", ["quote", "pwsh", "dollar"])
def test_env_fish_runs_nothing(hostile, tmp_path, fragment):
    proc = run_ssotui("env", account_id(fragment), ROLE, "--format", "fish")
    assert proc.returncode == 0, proc.stderr
    assert not UNSAFE.search(proc.stdout)
    fish = shutil.which("fish")
    if fish is None:
        pytest.skip("fish is not installed")
    result = subprocess.run(
        [fish, "--no-config", "-c", f"{proc.stdout}\nprintf '%s' $SSOTUI_ACCOUNT_NAME"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"[A-Za-z0-9._\-@+=,:/ ]*", result.stdout)


def pwsh_strings(text: str) -> list[str]:
    """PowerShell's single-quoted strings in ``text``: opened and closed by any of ' and
    U+2018-U+201B, where two in a row inside stand for one."""
    quotes = "'\u2018\u2019\u201a\u201b"
    found, i = [], 0
    while i < len(text):
        if text[i] not in quotes:
            i += 1
            continue
        i, value = i + 1, ""
        while True:
            assert i < len(text), f"unterminated: {text!r}"
            if text[i] in quotes and i + 1 < len(text) and text[i + 1] in quotes:
                value, i = value + text[i], i + 2
            elif text[i] in quotes:
                i += 1
                break
            else:
                value, i = value + text[i], i + 1
        found.append(value)
    return found


@pytest.mark.parametrize("fragment", ["pwsh", "quote"])
def test_env_powershell_strings_close_only_at_the_end_of_the_line(hostile, fragment):
    proc = run_ssotui("env", account_id(fragment), ROLE, "--format", "powershell")
    assert proc.returncode == 0, proc.stderr
    assignments = [line for line in proc.stdout.splitlines() if line.startswith("$Env:")]
    assert assignments
    for line in assignments:
        _name, _, quoted = line.partition(" = ")
        assert quoted.startswith("'") and quoted.endswith("'"), line
        [value] = pwsh_strings(quoted)  # one string: nothing after it runs as code
        assert "New-Item" not in value or re.fullmatch(r"[A-Za-z0-9._\-@+=,:/ ]*", value)


def test_exec_and_shell_for_an_account_named_with_nul(hostile, tmp_path):
    nul = account_id("nul")
    code = "import os; print(os.environ['SSOTUI_ACCOUNT_NAME'])"
    proc = run_ssotui("exec", nul, ROLE, "--", sys.executable, "-c", code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "nul_byte\n"
    proc = ssotui_bytes("shell", nul, ROLE, "--shell", f"{sys.executable} -c \"{code}\"")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b"nul_byte\n"
    banner = proc.stderr.decode("utf-8")
    assert "nul\ufffdbyte" in banner and not UNSAFE.search(banner)


@pytest.mark.parametrize("command", ["env", "exec", "shell", "console"])
def test_a_region_flag_that_is_not_a_region_is_one_line_exit_2(hostile, command):
    extra = ["--", "true"] if command == "exec" else ["--print"] if command == "console" else []
    args = [command, account_id("clip"), ROLE, "--region", "eu-west-1$(id)\x1b[2J", *extra]
    proc = run_ssotui(*args)
    line = assert_one_line_error(proc, "is not an AWS region")
    assert proc.returncode == 2
    assert "\x1b" not in line


def hostile_device_answers(emulator, monkeypatch, **fields) -> None:
    """StartDeviceAuthorization answers with ``fields`` replaced (the rest is the real flow)."""
    start_device = emulator.state.start_device

    def answer(*args, **kwargs):
        return {**start_device(*args, **kwargs), **fields}

    monkeypatch.setattr(emulator.state, "start_device", answer)


@pytest.mark.parametrize(
    "uri",
    ["javascript:alert(1)", "file:///etc/passwd", "http://evil.example/device", "https:///x"],
)
def test_login_refuses_a_verification_url_a_browser_must_not_get(hostile, monkeypatch, uri):
    hostile.approve_after = 0.2
    hostile_device_answers(hostile, monkeypatch, verificationUri=uri, verificationUriComplete=uri)
    proc = run_ssotui("login", "--use-device-code", "--no-browser", "--force")
    line = assert_one_line_error(proc, "approval page address")
    assert uri not in line and not UNSAFE.search(line)


def test_a_login_code_with_escapes_never_reaches_the_terminal(hostile, monkeypatch):
    hostile.approve_after = 0.2
    code = "ABCD-\x1b]52;c;ZWNobyBwd25lZA==\x07EFGH\u202e"
    hostile_device_answers(hostile, monkeypatch, userCode=code)
    proc = ssotui_bytes("login", "--use-device-code", "--no-browser", "--force")
    err = proc.stderr.decode("utf-8")
    assert not UNSAFE.search(err), err
    if proc.returncode == 0:  # shown made safe
        assert "ABCD-EFGH" in err.splitlines()
    else:  # or refused as a malformed answer
        assert len(err.splitlines()) == 1 and err.startswith("ssotui: "), err


def test_a_container_link_is_named_as_the_account_is_shown(hostile):
    from urllib.parse import parse_qs

    proc = ssotui_bytes("console", account_id("clip"), ROLE, "--container", "--print")
    assert proc.returncode == 0, proc.stderr
    link = proc.stdout.decode("ascii").strip()
    fields = parse_qs(link.removeprefix("ext+granted-containers:"))
    assert fields["name"] == [f"clipboard-prod/{ROLE}"]
