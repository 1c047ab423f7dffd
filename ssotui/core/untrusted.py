"""Everything the portal (or an ``AWS_ENDPOINT_URL_*`` pointing anywhere) sends is untrusted
data. This module is the one place that decides what such text may become:

- :func:`for_terminal`: text shown in a terminal, with every control character, escape
  sequence and bidi override made harmless (``list``, diffs, banners, toasts, the picker).
- :func:`is_account_id` / :func:`is_role_name`: what may be written into a config file, an
  environment or a URL. A row that fails is skipped at the inventory boundary.
- :func:`clean_text`: a name that is kept (cache, search) but can always be encoded: lone
  surrogates and NUL become U+FFFD.
- :func:`marker`: a value safe to export for shell prompts (``SSOTUI_ACCOUNT_NAME``), which
  a prompt may expand: only letters, digits and ``._-@+=,:/`` and space survive.
- :func:`is_region`: a region code, before any hostname is built from it.
- :func:`browser_url`: a URL that may be handed to a browser's command line.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

REPLACEMENT = "\ufffd"

# ESC-introduced sequences, whole: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC strings (up to BEL
# or ST, or to the end when unterminated), and two-character escapes. 8-bit C1 forms too.
# These two are compiled on first use (re caches them): plain names never need them, and a
# warm `ssotui env` should not pay for compiling them.
_ESCAPES = r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?           # CSI
  | (?:\x1b[\]P^_X]|[\x90\x98\x9d\x9e\x9f])     # OSC, DCS, SOS, PM, APC ...
    [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?        # ... up to BEL or ST
  | \x1b[ -/]*[0-~]?                            # any other escape
    """
# C0, DEL, C1, lone surrogates; bidi embeddings, overrides and isolates, and marks.
_CONTROLS = "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]"
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_ROLE_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]{1,64}")
_REGION = re.compile(r"[a-z]{2,4}(?:-[a-z]+)+-[0-9]{1,2}")  # eusc-de-east-1 too
_MARKER_UNSAFE = re.compile(r"[^A-Za-z0-9._\-@+=,:/ ]")


def for_terminal(text: object) -> str:
    """``text`` made safe to print or draw: escape sequences removed whole, bidi controls
    removed, other control characters (newline and tab included) and lone surrogates shown
    as U+FFFD. Plain text is returned unchanged (and fast)."""
    text = str(text)
    if text.isprintable() and not _BIDI.intersection(text):
        return text
    text = re.sub(_ESCAPES, "", text, flags=re.VERBOSE)
    return re.sub(_CONTROLS, _replace_control, text)


def _replace_control(match: re.Match) -> str:
    return "" if match.group() in _BIDI else REPLACEMENT


def clean_text(text: object) -> str:
    """A portal name or e-mail as we keep it: always encodable, no NUL (lone surrogates and
    NUL become U+FFFD). Display still goes through :func:`for_terminal`."""
    text = str(text)
    if "\x00" not in text and text.isprintable():
        return text
    return "".join(REPLACEMENT if ch == "\x00" or "\ud800" <= ch <= "\udfff" else ch for ch in text)


def is_account_id(value: object) -> bool:
    """Exactly twelve ASCII digits."""
    return isinstance(value, str) and _ACCOUNT_ID.fullmatch(value) is not None


def is_role_name(value: object) -> bool:
    """An IAM role / permission set name: 1-64 of ``A-Za-z0-9_+=,.@-``."""
    return isinstance(value, str) and _ROLE_NAME.fullmatch(value) is not None


def is_region(value: object) -> bool:
    """An AWS region code such as ``eu-central-1`` or ``us-gov-west-1`` (form only)."""
    return isinstance(value, str) and _REGION.fullmatch(value) is not None


def marker(text: object) -> str:
    """A value for a prompt marker variable: every character outside
    ``A-Za-z0-9._-@+=,:/`` and space becomes ``_`` (so ``$(…)``, quotes, backticks and
    newlines never reach a prompt that expands it)."""
    return _MARKER_UNSAFE.sub("_", for_terminal(text))


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        import ipaddress  # only for a proxy or an endpoint override

        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def browser_url(url: object) -> str | None:
    """``url`` if it may be given to a browser: ``https://`` with a host, or ``http://`` on a
    loopback address (the emulator); no whitespace or control characters. Else None."""
    if not isinstance(url, str) or not url or url != url.strip():
        return None
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if not host:
        return None
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and is_loopback_host(host):
        return url
    return None
