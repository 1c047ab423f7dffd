"""Tab completion: the scripts ``ssotui completion bash|zsh|fish`` prints, and the hidden
backend they call, ``ssotui __complete SHELL WORD...``.

The scripts are thin: they pass the words typed so far (the last one is the word being
completed) and read back one candidate per line, without ever evaluating one. The backend
knows the commands and flags (from the argument parser), ``--sso-session`` and ``--format``
values, and the account names, ids and role names of the session's cached inventory: no
network, no boto3, no textual.

Account names come from the portal, so they are untrusted: a name that is not plain printable
text (an escape sequence, a newline), that starts with ``-``, or that two accounts share is
never offered (its 12-digit id is). For bash, which inserts candidates as they are, every
character the shell would treat specially is backslash-escaped; zsh (``compadd``) and fish
quote what they insert themselves.
"""

from __future__ import annotations

import argparse
import sys

from ssotui.cli.parser import COMPLETION_SHELLS, EXPORT_FORMATS, TARGET_COMMANDS, build_parser

Candidate = tuple[str, str]  # (value, description)

_BASH_PLAIN = frozenset("._-@+,/%^")


def completion_script(shell_name: str) -> str:
    """The script that wires ``shell_name``'s completion to ``ssotui __complete``."""
    if shell_name == "bash":
        return _BASH
    if shell_name == "zsh":
        return _ZSH
    if shell_name == "fish":
        return _FISH
    from ssotui.core.errors import SsoError

    raise SsoError(f"no completion for {shell_name!r}: use one of bash, zsh, fish.")


_BASH = """\
# ssotui completion for bash: eval "$(ssotui completion bash)"
_ssotui() {
    local line
    COMPREPLY=()
    while IFS= read -r line; do
        COMPREPLY+=("$line")
    done < <(command ssotui __complete bash "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
}
complete -o default -F _ssotui ssotui
"""

_ZSH = """\
#compdef ssotui
# ssotui completion for zsh: eval "$(ssotui completion zsh)"
_ssotui() {
    local -a lines values shown
    local line tab=$'\\t'
    lines=("${(@f)$(command ssotui __complete zsh "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    for line in "${lines[@]}"; do
        [[ -n $line ]] || continue
        values+=("${line%%$tab*}")
        if [[ $line == *$tab* ]]; then
            shown+=("${line%%$tab*}  -- ${line#*$tab}")
        else
            shown+=("$line")
        fi
    done
    if (( ${#values} )); then
        compadd -l -d shown -- "${values[@]}"
    else
        _files
    fi
}
if [ "$funcstack[1]" = "_ssotui" ]; then _ssotui "$@"; else compdef _ssotui ssotui; fi
"""

_FISH = """\
# ssotui completion for fish: ssotui completion fish | source
function __ssotui_complete
    set -l words (commandline -opc)
    set -l found (command ssotui __complete fish $words[2..-1] (commandline -ct) 2>/dev/null)
    if test (count $found) -gt 0
        printf '%s\\n' $found
    else
        __fish_complete_path (commandline -ct)
    end
end
complete -c ssotui -f -a '(__ssotui_complete)'
"""


# -- the backend -------------------------------------------------------------------------------


def complete_main(argv: list[str]) -> int:
    """``ssotui __complete SHELL WORD...``: candidates for the last WORD, one per line (bash:
    escaped for the command line; zsh and fish: ``value<TAB>description``). Quiet: a problem
    (no config, a broken cache) means no candidates, never a message."""
    if not argv or argv[0] not in COMPLETION_SHELLS:
        return 2
    shell_name, words = argv[0], argv[1:]
    try:
        candidates = complete(words)
    except Exception:  # noqa: BLE001 - completion must never print an error into a prompt
        return 1
    if shell_name == "bash":
        lines = [bash_word(value) for value, _description in candidates]
    else:
        lines = [f"{value}\t{text}" if text else value for value, text in candidates]
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    return 0


def bash_word(value: str) -> str:
    """``value`` as one word of a bash command line: every ASCII character other than letters,
    digits and ``._-@+,/%^`` is backslash-escaped (so ``$(…)``, quotes, spaces, globs and
    ``~`` stay literal when the line runs)."""
    return "".join(
        ch if (ch.isalnum() or ch in _BASH_PLAIN or not ch.isascii()) else "\\" + ch for ch in value
    )


def dequote(word: str) -> str:
    """The text a partly typed word stands for: an opening quote dropped (and a closing one),
    backslash escapes undone. Good enough to match a prefix; never evaluated."""
    if word[:1] == "'":
        return word[1:].removesuffix("'")
    quoted = word[:1] == '"'
    if quoted:
        word = word[1:].removesuffix('"')
    out, escaped = [], False
    for ch in word:
        if ch == "\\" and not escaped:
            escaped = True
            continue
        out.append(ch)
        escaped = False
    return "".join(out)


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {
        option: action
        for action in parser._actions  # argparse has no public accessor for this
        for option in action.option_strings
    }


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            return {name: (helps.get(name, ""), p) for name, p in action.choices.items()}
    return {}


def _help(action: argparse.Action) -> str:
    return " ".join(str(action.help or "").split())


def _matching(candidates: list[Candidate], prefix: str) -> list[Candidate]:
    """Those starting with ``prefix``; if none does, those that do ignoring case."""
    exact = [c for c in candidates if c[0].startswith(prefix)]
    if exact or not prefix:
        return exact
    folded = prefix.casefold()
    return [c for c in candidates if c[0].casefold().startswith(folded)]


def complete(words: list[str]) -> list[Candidate]:
    """Candidates for the last of ``words`` (the words after ``ssotui``, the last one being
    completed, possibly empty)."""
    *before, current = words or [""]
    parser = build_parser()
    subcommands = _subcommands(parser)
    options = _options(parser)
    command: str | None = None
    positionals: list[str] = []
    values: dict[str, str] = {}  # option dest -> value, for the session flags
    i = 0
    while i < len(before):
        word = before[i]
        if word == "--":
            return []  # exec: the command's own words; the shell completes files
        if word.startswith("-") and len(word) > 1:
            name, equals, value = word.partition("=")
            action = options.get(name)
            if action is not None and action.nargs != 0 and not equals:
                if i + 1 == len(before):
                    return _values(action, dequote(current), values)
                i += 1
                value = before[i]
            if action is not None and action.nargs != 0:
                values[action.dest] = dequote(value)
        elif command is None:
            if word not in subcommands:
                return []
            command = word
            options = _options(subcommands[word][1])
        else:
            positionals.append(dequote(word))
        i += 1
    prefix = dequote(current)
    if current.startswith("-"):
        flags = [
            (option, _help(action))
            for option, action in options.items()
            if option.startswith("--") and action.help != argparse.SUPPRESS
        ]
        return _matching(sorted(flags), prefix)
    if command is None:
        return _matching([(name, help) for name, (help, _p) in subcommands.items()], prefix)
    if command == "completion" and not positionals:
        return _matching([(name, "") for name in COMPLETION_SHELLS], prefix)
    if command in TARGET_COMMANDS and len(positionals) < 2:
        inventory = _cached_inventory(values)
        if inventory is None:
            return []
        if not positionals:
            return _accounts(inventory, prefix)
        return _roles(inventory, positionals[0], prefix)
    return []


def _values(action: argparse.Action, prefix: str, values: dict[str, str]) -> list[Candidate]:
    if action.dest == "sso_session":
        from ssotui.core.config import load_config

        names = sorted(load_config().sessions)
        return _matching([(name, "sso-session") for name in names], prefix)
    if action.dest == "format":
        return _matching([(name, "") for name in EXPORT_FORMATS], prefix)
    return []


def _cached_inventory(values: dict[str, str]):
    """The inventory cached for the session the flags choose (or the only one): None when
    there is none, or when several sessions are configured and none is chosen."""
    from ssotui.core.config import load_config, resolve_session
    from ssotui.core.inventory_cache import InventoryCache

    session = resolve_session(
        load_config(),
        sso_session=values.get("sso_session"),
        start_url=values.get("start_url"),
        region=values.get("sso_region"),
    )
    return None if session is None else InventoryCache().load(session)


def _accounts(inventory, prefix: str) -> list[Candidate]:
    """Account names (described by their id) and ids (described by their name). With nothing
    typed yet, the names only, and the ids of accounts whose name cannot be offered."""
    from collections import Counter

    from ssotui.core.untrusted import for_terminal

    counts = Counter(a.account_name for a in inventory.accounts)
    names: list[Candidate] = []
    ids: list[Candidate] = []
    for account in inventory.accounts:
        name = account.account_name
        shown = for_terminal(name)
        offered = bool(name) and shown == name and not name.startswith("-") and counts[name] == 1
        if offered:
            names.append((name, account.account_id))
        if prefix or not offered:
            ids.append((account.account_id, shown))
    return _matching(sorted(names) + sorted(ids), prefix)


def _roles(inventory, account: str, prefix: str) -> list[Candidate]:
    """The role names of ``account`` (an id, a name, or a name in another case)."""
    accounts = inventory.accounts
    found = [a.account_id for a in accounts if account in (a.account_id, a.account_name)]
    if not found:
        folded = account.casefold()
        found = [a.account_id for a in accounts if a.account_name.casefold() == folded]
    if len(set(found)) != 1:
        return []
    roles = inventory.roles.get(found[0]) or ()
    return _matching([(role, "") for role in sorted(roles)], prefix)
