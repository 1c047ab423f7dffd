"""The emulator's hostile mode: portal data and transport behaviour that a broken or malicious
portal (or a man in the middle) could send. Every client must survive all of it.

``hostile_accounts()`` are extra accounts appended to the generated org when the emulator runs
with ``hostile=True``. Their names, e-mails and role names carry terminal escapes (OSC 52
clipboard writes, title changes, screen clears), newlines, bidi overrides, a lone surrogate,
NUL, quotes and ``$(…)``; a few ids and role names are not valid AWS ids or names at all.

The transport knobs (``Emulator.pages``, ``stall``, ``trickle_s``, ``huge_body_bytes``,
``malformed``) live on the emulator and are applied by the server; see ``server.py``.
"""

from __future__ import annotations

from .org import OrgAccount

# Marker files that an injected command would create. Tests check that none ever appears.
INJECTION_MARKER = "/tmp/ssotui-hostile-pwned"

OSC52 = "\x1b]52;c;ZWNobyBwd25lZA==\x07"  # writes "echo pwned" into the terminal's clipboard
TITLE = "\x1b]0;pwned\x07"  # sets the window title
CLEAR = "\x1b[2J\x1b[H"  # clears the screen
CSI_C1 = "\x9b31m"  # an 8-bit CSI (C1 control)
BIDI = "\u202e"  # right-to-left override

# Names a valid account (12-digit id, valid roles) may carry: all must be shown, sanitised.
HOSTILE_NAMES = (
    f"clip{OSC52}board-prod",
    f"title{TITLE}-staging",
    f"clear{CLEAR}screen",
    "two\nlines",
    f"red{CSI_C1}c1",
    f"bidi{BIDI}gpj.exe",
    "lone\udcffsurrogate",
    "nul\x00byte",
    "quote\\'\"; touch " + INJECTION_MARKER + " #",
    "dollar$(touch " + INJECTION_MARKER + ")",
    "back`touch " + INJECTION_MARKER + "`tick",
    "pwsh\u2019; New-Item " + INJECTION_MARKER + "; \u2018",
    "percent%s%n%x{braces}#{session_name}",
)

# Role names that are not valid IAM role names: such rows must be skipped, never acted on.
BAD_ROLES = (
    "Admin\n[profile injected]\ncredential_process = sh -c 'touch " + INJECTION_MARKER + "'",
    "Role$(touch " + INJECTION_MARKER + ")",
    f"ReadOnly{CLEAR}",
    "",  # empty
    "x" * 65,  # too long
)

# Account ids that are not 12 digits: such accounts must be skipped.
BAD_IDS = (
    "12345678901\n",
    "../../../../tmp/x",
    "1234567890123",
    "12345678901a",
    "123456789012$(id)",
)

GOOD_ROLES = ("ReadOnlyAccess", "AdministratorAccess")


def hostile_accounts() -> list[OrgAccount]:
    """Deterministic hostile accounts. Ids start at 999000000000 so they never collide with
    the generated org's (which are random below 10**12 but seeded; collisions are checked by
    the caller)."""
    accounts: list[OrgAccount] = []
    for index, name in enumerate(HOSTILE_NAMES):
        account_id = f"{999000000000 + index:012d}"
        email = f"{name}@example.com"
        accounts.append(OrgAccount(account_id, name, email, GOOD_ROLES))
    # One valid account whose role list mixes valid and invalid names.
    accounts.append(
        OrgAccount(
            "999000000100", "mixed-roles", "mixed@example.com", ("ReadOnlyAccess", *BAD_ROLES)
        )
    )
    for index, bad_id in enumerate(BAD_IDS):
        accounts.append(OrgAccount(bad_id, f"bad-id-{index}", "bad@example.com", GOOD_ROLES))
    return accounts
