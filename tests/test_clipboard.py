"""The clipboard where there is no system clipboard: tmux's buffer (``tmux load-buffer -w -``,
the text on stdin, never in argv), else the terminal's (OSC 52). Faked only at the boundary:
pyperclip failing as it does without xclip/wl-copy/pbcopy, ``tmux`` a script on PATH that
records its argv, stdin and TMUX, and the terminal a plain file."""

from __future__ import annotations

import base64
import json
import sys
import textwrap

import pyperclip
import pytest

from ssotui.core import clipboard, console
from ssotui.core.errors import SsoError

URL = "https://signin.aws.amazon.com/federation?Action=login&SigninToken=SECRET-TOKEN-123"
TMUX_VAR = "/tmp/tmux-1000/default,4242,0"


@pytest.fixture
def no_system_clipboard(monkeypatch):
    def broken(_text):
        raise pyperclip.PyperclipException("Pyperclip could not find a copy/paste mechanism")

    monkeypatch.setattr(pyperclip, "copy", broken)


class FakeTmux:
    """A ``tmux`` executable in its own bin directory; ``reject_w`` plays a tmux older than
    3.2 (no ``-w``), ``fail`` one that cannot reach its server."""

    def __init__(self, directory, reject_w=False, fail=False):
        self.bin = directory / "bin"
        self.bin.mkdir()
        self.calls = directory / "calls.jsonl"
        script = self.bin / "tmux"
        script.write_text(
            f"#!{sys.executable}\n"
            + textwrap.dedent(
                f"""\
                import json, os, sys
                data = sys.stdin.buffer.read().decode()
                with open({str(self.calls)!r}, "a") as out:
                    out.write(json.dumps({{"argv": sys.argv[1:], "stdin": data,
                                          "tmux": os.environ.get("TMUX")}}) + "\\n")
                if {fail!r} or ({reject_w!r} and "-w" in sys.argv):
                    print("usage: load-buffer [-b buffer-name] path", file=sys.stderr)
                    sys.exit(1)
                """
            )
        )
        script.chmod(0o755)

    def environ(self, **extra) -> dict[str, str]:
        return {"TMUX": TMUX_VAR, "PATH": str(self.bin), **extra}

    def recorded(self) -> list[dict]:
        if not self.calls.exists():
            return []
        return [json.loads(line) for line in self.calls.read_text().splitlines()]


@pytest.fixture
def tty(tmp_path):
    path = tmp_path / "tty"
    path.write_bytes(b"")
    return path


def test_the_system_clipboard_comes_first(monkeypatch, tmp_path, tty):
    copied = []
    monkeypatch.setattr(pyperclip, "copy", copied.append)
    tmux = FakeTmux(tmp_path)
    assert clipboard.copy(URL, environ=tmux.environ(), tty=str(tty)) == clipboard.SYSTEM
    assert copied == [URL]
    assert tmux.recorded() == [] and tty.read_bytes() == b""
    assert clipboard.hint(clipboard.SYSTEM) == ""


def test_inside_tmux_the_text_goes_to_load_buffer_on_stdin(no_system_clipboard, tmp_path, tty):
    tmux = FakeTmux(tmp_path)
    method = clipboard.copy(URL, environ=tmux.environ(), tty=str(tty))
    assert method == clipboard.TMUX
    [call] = tmux.recorded()
    assert call["argv"] == ["load-buffer", "-w", "-"]
    assert call["stdin"] == URL
    assert not any("SECRET" in word for word in call["argv"])  # never on the command line
    assert call["tmux"] == TMUX_VAR  # the same tmux server
    assert tty.read_bytes() == b""  # tmux passes it on (-w); no second copy
    assert "tmux" in clipboard.hint(method)


def test_a_tmux_without_w_still_gets_the_text_in_its_buffer(no_system_clipboard, tmp_path, tty):
    tmux = FakeTmux(tmp_path, reject_w=True)
    method = clipboard.copy(URL, environ=tmux.environ(), tty=str(tty))
    assert method == clipboard.TMUX_BUFFER
    assert [c["argv"] for c in tmux.recorded()] == [
        ["load-buffer", "-w", "-"],
        ["load-buffer", "-"],
    ]
    assert tmux.recorded()[-1]["stdin"] == URL
    assert "prefix + ]" in clipboard.hint(method)


def test_when_tmux_fails_the_terminal_gets_osc52(no_system_clipboard, tmp_path, tty):
    tmux = FakeTmux(tmp_path, fail=True)
    assert clipboard.copy(URL, environ=tmux.environ(), tty=str(tty)) == clipboard.OSC52
    assert len(tmux.recorded()) == 2
    assert tty.read_bytes() == b"\x1b]52;c;" + base64.b64encode(URL.encode()) + b"\x07"


def test_outside_tmux_osc52_is_the_last_resort_and_tmux_is_left_alone(
    no_system_clipboard, tmp_path, tty
):
    tmux = FakeTmux(tmp_path)
    environ = {"PATH": str(tmux.bin)}  # tmux installed, but we are not inside it
    method = clipboard.copy("café ✓", environ=environ, tty=str(tty))
    assert method == clipboard.OSC52
    assert tmux.recorded() == []
    written = tty.read_bytes()
    assert written.startswith(b"\x1b]52;c;") and written.endswith(b"\x07")
    assert base64.b64decode(written[7:-1]).decode() == "café ✓"
    assert "OSC 52" in clipboard.hint(method)


def test_text_with_escape_sequences_reaches_the_terminal_only_as_base64(no_system_clipboard, tty):
    hostile = "x\x07\x1b]52;c;AAAA\x07\x1b[2J"
    assert clipboard.copy(hostile, environ={}, tty=str(tty)) == clipboard.OSC52
    written = tty.read_bytes()
    assert written.count(b"\x1b") == 1 and written.count(b"\x07") == 1
    assert base64.b64decode(written[7:-1]).decode() == hostile


def test_nothing_to_copy_to_is_one_line_without_the_text(no_system_clipboard, tmp_path):
    with pytest.raises(SsoError) as caught:
        clipboard.copy(URL, environ={"PATH": str(tmp_path)}, tty=str(tmp_path / "no-tty"))
    message = str(caught.value)
    assert message.startswith("no clipboard available (install xclip/xsel")
    assert "\n" not in message and "SECRET" not in message


def test_osc52_can_be_left_to_the_caller(no_system_clipboard, tty):
    """The TUI owns its terminal and sends OSC 52 through Textual itself."""
    with pytest.raises(SsoError):
        clipboard.copy(URL, environ={}, tty=str(tty), osc52=False)
    assert tty.read_bytes() == b""


def test_a_text_too_long_for_a_terminal_is_not_sent_cut(no_system_clipboard, tty):
    with pytest.raises(SsoError):
        clipboard.copy("x" * clipboard.MAX_OSC52, environ={}, tty=str(tty))
    assert tty.read_bytes() == b""


def test_console_copy_to_clipboard_uses_tmux_from_the_environment(
    no_system_clipboard, monkeypatch, tmp_path
):
    tmux = FakeTmux(tmp_path)
    for name, value in tmux.environ().items():
        monkeypatch.setenv(name, value)
    assert console.copy_to_clipboard(URL) == clipboard.TMUX
    assert [c["stdin"] for c in tmux.recorded()] == [URL]


def test_console_copy_leaves_osc52_to_the_caller_unless_asked(
    no_system_clipboard, monkeypatch, tty
):
    """The TUI (which draws on the terminal) gets the error and sends OSC 52 through Textual;
    a command line asks for OSC 52."""
    monkeypatch.setattr(clipboard, "TTY", str(tty))
    with pytest.raises(SsoError, match="no clipboard available"):
        console.copy_to_clipboard(URL)
    assert tty.read_bytes() == b""
    assert console.copy_to_clipboard(URL, osc52=True) == clipboard.OSC52
    assert tty.read_bytes() == clipboard.osc52_sequence(URL)


def test_console_copy_in_tmux_puts_the_url_in_tmux_and_says_so_once(
    no_system_clipboard, tmp_path, monkeypatch, capfd
):
    """`ssotui console --copy` inside tmux without a system clipboard: the sign-in URL reaches
    tmux on stdin, stderr says it was copied and how (one line each), stdout stays empty."""
    from conftest import START_URL, write_aws_config
    from helpers import sign_in

    from ssotui.cli import main
    from ssotui.core.config import load_config
    from ssotui.emulator import Emulator

    tmux = FakeTmux(tmp_path)
    with Emulator(accounts=3) as emu:
        for name in ("SSO", "SSO_OIDC", "SIGNIN"):
            monkeypatch.setenv(f"AWS_ENDPOINT_URL_{name}", emu.base_url)
        from ssotui.core import clients

        clients.reset_clients()
        write_aws_config(
            f"[sso-session t]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
        )
        sign_in(emu, load_config().sessions["t"])
        monkeypatch.setenv("TMUX", TMUX_VAR)
        monkeypatch.setenv("PATH", f"{tmux.bin}:{__import__('os').environ['PATH']}")
        account = emu.org.accounts[0]
        capfd.readouterr()
        assert main(["console", account.account_id, account.roles[0], "--copy"]) == 0
    out, err = capfd.readouterr()
    [call] = tmux.recorded()
    assert call["stdin"].startswith(emu.base_url + "/federation?Action=login&")
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith("Copied the console URL for ") and "tmux" in lines[1]
    assert len(lines) == 2
