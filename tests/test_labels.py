# ruff: noqa: F811 - the cli and logged_in fixtures come from test_cli
"""Issue 16 §2: labels and the production safety rail from the CLI: a protected production
admin role is refused without confirmation, allowed with it, marked in the shell; tags are
exported safely; credential-process never asks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import cli, logged_in  # noqa: F401 - fixtures

from ssotui.core.labels import LabelRule, ProtectRule, infer_environment, is_protected, label_of
from ssotui.core.models import Assignment

PROTECT_PROD_ADMIN = '[[protected]]\naccount = "env:prod"\nrole = "*Admin*"\n'


@pytest.fixture
def rules(monkeypatch, tmp_path):
    def write(text: str) -> Path:
        path = tmp_path / "settings.toml"
        path.write_text(text)
        monkeypatch.setenv("SSOTUI_CONFIG_FILE", str(path))
        return path

    return write


def exports(out: str) -> dict[str, str]:
    pairs = (line[len("export ") :].partition("=") for line in out.splitlines())
    return {key: value.strip("'") for key, _, value in pairs if value}


@pytest.mark.parametrize(
    ("name", "env"),
    [
        ("payments-prod", "prod"),
        ("Production Data", "prod"),
        ("ml-stg", "staging"),
        ("data-platform-dev", "dev"),
        ("dev-tools-prod", "prod"),
        ("sandbox-playground", None),
        ("productivity-tools", None),  # a word, not a prefix
    ],
)
def test_the_environment_is_inferred_from_the_words_of_the_name(name, env):
    assert infer_environment(name) == env


def test_rules_add_tags_and_the_first_alias_and_colour_win():
    row = Assignment("111111111111", "payments-prod", "", "AdministratorAccess")
    rules = (
        LabelRule("payments-*", "Payments", ("team:payments",), "magenta"),
        LabelRule("111111111111", "Other", ("pci",), "red"),
    )
    label = label_of(row, rules)
    assert label.alias == "Payments" and label.color == "magenta"
    assert label.tags == ("env:prod", "team:payments", "pci")
    assert is_protected(row, label, (ProtectRule("env:prod", "*admin*"),))
    assert not is_protected(row, label, (ProtectRule("env:prod", "ReadOnly*"),))
    assert not is_protected(row, label_of(row, rules, infer=False), (ProtectRule("env:prod", "*"),))


def test_a_protected_role_is_refused_without_a_terminal_and_nothing_is_printed(
    logged_in, emulator, cli, rules
):
    rules(PROTECT_PROD_ADMIN)
    account = emulator.org.find("payments-prod")
    result = cli("env", account.name, "AdministratorAccess", check=False)
    result.one_line_error("payments-prod", "protected", "--yes-i-mean-prod")
    assert result.out == ""
    cli("console", account.name, "AdministratorAccess", "--print", check=False).one_line_error(
        "protected"
    )
    assert emulator.stats.calls["GetSigninToken"] == 0  # no URL was made


def test_confirmed_it_opens_and_the_shell_is_marked(logged_in, emulator, cli, rules):
    rules(PROTECT_PROD_ADMIN)
    account = emulator.org.find("payments-prod")
    out = cli("env", account.name, "AdministratorAccess", "--yes-i-mean-prod").out
    found = exports(out)
    assert found["SSOTUI_PROTECTED"] == "1"
    assert found["SSOTUI_LABELS"] == "env:prod"
    # A role the rule does not cover: no question, no mark.
    plain = exports(cli("env", account.name, "ReadOnlyAccess").out)
    assert "SSOTUI_PROTECTED" not in plain and plain["SSOTUI_LABELS"] == "env:prod"


def test_credential_process_never_asks(logged_in, emulator, cli, rules):
    rules(PROTECT_PROD_ADMIN)
    account = emulator.org.find("payments-prod")
    answer = json.loads(cli("credential-process", account.name, "AdministratorAccess").out)
    assert answer["AccessKeyId"]


def test_a_terminal_is_asked_for_the_account_name(logged_in, emulator, rules, home):
    """A real process with a pseudo-terminal: the wrong name refuses, the right one opens."""
    import pty

    rules(PROTECT_PROD_ADMIN)
    account = emulator.org.find("payments-prod")
    code = (
        "import sys\nfrom ssotui.cli import main\n"
        f"raise SystemExit(main(['exec', {account.name!r}, 'AdministratorAccess', '--', "
        "'sh', '-c', 'echo PROTECTED=$SSOTUI_PROTECTED']))\n"
    )

    def run(typed: str) -> tuple[int, str]:
        main, child = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-c", code], stdin=child, stdout=subprocess.PIPE, stderr=child,
            env=os.environ.copy(),
        )  # fmt: skip
        os.close(child)
        os.write(main, (typed + "\n").encode())
        out, _ = proc.communicate(timeout=60)
        seen = b""
        try:
            while chunk := os.read(main, 4096):
                seen += chunk
        except OSError:
            pass
        os.close(main)
        return proc.returncode, out.decode() + seen.decode(errors="replace")

    code_wrong, text = run("payments-staging")
    assert code_wrong == 1 and "not confirmed" in text and "PROTECTED=1" not in text
    code_right, text = run("payments-prod")
    assert code_right == 0 and "PROTECTED=1" in text and "Type the account name" in text


def test_bad_rules_are_one_line(logged_in, cli, rules):
    rules('[[protected]]\nrole = "*"\n')
    cli("env", "x", "y", check=False).one_line_error("protected entry 1", "account must be")
    rules('[[account_labels]]\nmatch = "a"\ntags = ["$(reboot)"]\n')
    cli("env", "x", "y", check=False).one_line_error("account_labels entry 1", "tags")


# -- found in review ----------------------------------------------------------------------------


def test_a_chained_role_into_a_protected_account_is_protected(logged_in, emulator, cli, rules):
    from ssotui.emulator.org import ChainedRole

    payments = emulator.org.find("payments-prod")
    management = emulator.org.find("management")
    arn = f"arn:aws:iam::{payments.account_id}:role/DeployAdmin"
    emulator.org.chained[arn] = ChainedRole(arn, ((management.account_id, "AdministratorAccess"),))
    rules(
        PROTECT_PROD_ADMIN
        + f'[[chained_roles]]\nrole_arn = "{arn}"\nsource = "management/AdministratorAccess"\n'
    )
    cli("list")  # the org names the account the chain lands in
    result = cli("env", arn, "DeployAdmin", check=False)
    result.one_line_error("payments-prod", "protected")
    assert result.out == ""


def test_an_account_given_by_id_is_named_before_the_rules_judge_it(logged_in, emulator, cli, rules):
    """No inventory cache, and the credentials already cached by credential-process (as any
    SDK profile leaves them): `env <id>` must still learn the name and refuse."""
    rules(PROTECT_PROD_ADMIN)
    payments = emulator.org.find("payments-prod")
    cli("credential-process", payments.account_id, "AdministratorAccess")
    result = cli("env", payments.account_id, "AdministratorAccess", check=False)
    result.one_line_error("payments-prod", "protected")
    portal = cli("console", payments.account_id, "AdministratorAccess", "--portal-link",
                 "--print", check=False)  # fmt: skip
    portal.one_line_error("protected")
