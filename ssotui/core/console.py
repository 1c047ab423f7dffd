"""The AWS console: federated sign-in URLs, destinations, portal shortcut links, Firefox
container URLs, and handing a URL to a browser or the clipboard.

A sign-in URL is a secret (it opens a console session for 15 minutes): it never appears in an
error message or a log line here. See the protocol reference §6 and §7.2.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from collections.abc import Mapping
from urllib.parse import quote, unquote, urlencode, urlsplit

from ssotui.core import untrusted
from ssotui.core.errors import ConfigError, ConsoleError, NetworkError, SsoError
from ssotui.core.models import RoleCredentials

Partition = str  # "aws", "aws-cn" or "aws-us-gov" (typing stays off the warm path)

SIGNIN_TIMEOUT = 10.0  # seconds for getSigninToken
MAX_SIGNIN_BODY = 64 << 10  # bytes of its answer we read at most (a token is ~1 KB)
BROWSER_GRACE = 0.3  # seconds we wait to see whether a custom browser command fails at once
DEFAULT_REGION = "us-east-1"
# Browsers webbrowser may pick on a machine without a display; they run in our terminal.
_TEXT_BROWSERS = frozenset({"www-browser", "links", "links2", "elinks", "lynx", "w3m"})

# Console pages by short name: short name -> path below the console host.
SERVICES: dict[str, str] = {
    "acm": "acm/home",
    "apigateway": "apigateway/home",
    "athena": "athena/home",
    "backup": "backup/home",
    "batch": "batch/home",
    "bedrock": "bedrock/home",
    "billing": "billing/home",
    "cloudformation": "cloudformation/home",
    "cloudfront": "cloudfront/v4/home",
    "cloudshell": "cloudshell/home",
    "cloudtrail": "cloudtrail/home",
    "cloudwatch": "cloudwatch/home",
    "codebuild": "codesuite/codebuild/home",
    "codecommit": "codesuite/codecommit/home",
    "codepipeline": "codesuite/codepipeline/home",
    "cognito": "cognito/home",
    "config": "config/home",
    "costexplorer": "cost-management/home",
    "dynamodb": "dynamodbv2/home",
    "ec2": "ec2/home",
    "ecr": "ecr/home",
    "ecs": "ecs/home",
    "efs": "efs/home",
    "eks": "eks/home",
    "elasticache": "elasticache/home",
    "emr": "emr/home",
    "eventbridge": "events/home",
    "glue": "glue/home",
    "guardduty": "guardduty/home",
    "iam": "iam/home",
    "kinesis": "kinesis/home",
    "kms": "kms/home",
    "lambda": "lambda/home",
    "logs": "cloudwatch/home#logsV2:",
    "opensearch": "aos/home",
    "organizations": "organizations/v2/home",
    "rds": "rds/home",
    "redshift": "redshiftv2/home",
    "route53": "route53/v2/home",
    "s3": "s3/home",
    "sagemaker": "sagemaker/home",
    "secretsmanager": "secretsmanager/home",
    "securityhub": "securityhub/home",
    "ses": "ses/home",
    "sns": "sns/home",
    "sqs": "sqs/home",
    "ssm": "systems-manager/home",
    "stepfunctions": "states/home",
    "support": "support/home",
    "vpc": "vpc/home",
}
# Services whose console is not regional: no "?region=" and the partition's global host.
GLOBAL_SERVICES: frozenset[str] = frozenset(
    {"billing", "cloudfront", "costexplorer", "iam", "organizations", "route53", "support"}
)

# Firefox container colours and icons (§6.4; "toolbar" and "fence" are not valid input).
CONTAINER_COLORS = ("blue", "turquoise", "green", "yellow", "orange", "red", "pink", "purple")
CONTAINER_ICONS = (
    "fingerprint",
    "briefcase",
    "dollar",
    "cart",
    "gift",
    "vacation",
    "food",
    "fruit",
    "pet",
    "tree",
    "chill",
    "circle",
)

_SIGNIN_DOMAIN = {
    "aws": "signin.aws.amazon.com",
    "aws-cn": "signin.amazonaws.cn",
    "aws-us-gov": "signin.amazonaws-us-gov.com",
}
_CONSOLE_DOMAIN = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}
# The region whose sign-in host has no region prefix.
_HOME_REGION = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
# A host name as we accept it in a destination URL: letters, digits, dots and hyphens only
# (a browser reads "https://evil.example\\.console.aws.amazon.com/" as evil.example).
_HOST_NAME = re.compile(r"[a-z0-9.-]+")
CONTAINER_SCHEME = "ext+granted-containers:"


# -- hosts ------------------------------------------------------------------------------------


def _region(region: str | None) -> str:
    """The region code every host here is built from; ConfigError for anything that is not
    one (``127.0.0.1:8443/x#`` would otherwise become the host credentials are sent to)."""
    name = (region or "").strip().lower() or DEFAULT_REGION
    if not untrusted.is_region(name):
        shown = untrusted.for_terminal(region)[:60]
        raise ConfigError(f"{shown!r} is not an AWS region (expected e.g. us-east-1).")
    return name


def partition(region: str | None) -> Partition:
    """The AWS partition a region belongs to."""
    name = _region(region)
    if name.startswith("cn-"):
        return "aws-cn"
    if name.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def federation_endpoint(region: str | None) -> str:
    """The console federation endpoint: ``AWS_ENDPOINT_URL_SIGNIN`` + ``/federation`` when set
    (the emulator), else the partition's host, regional except in the partition's home region."""
    name = _region(region)
    override = os.environ.get("AWS_ENDPOINT_URL_SIGNIN", "").strip()
    if override:
        return override.rstrip("/") + "/federation"
    part = partition(name)
    domain = _SIGNIN_DOMAIN[part]
    if name == _HOME_REGION[part]:
        return f"https://{domain}/federation"
    return f"https://{name}.{domain}/federation"


def console_base(region: str | None) -> str:
    """The console host for a region, without a trailing slash.

    Commercial regions use the regional host (``https://{region}.console.aws.amazon.com``);
    GovCloud and China use the partition's console host and select the region by query.
    """
    name = _region(region)
    part = partition(name)
    if part == "aws":
        return f"https://{name}.{_CONSOLE_DOMAIN[part]}"
    return f"https://{_CONSOLE_DOMAIN[part]}"


def _global_base(region: str | None) -> str:
    return f"https://{_CONSOLE_DOMAIN[partition(region)]}"


def _with_region(path: str, region: str) -> str:
    """Put ``?region=`` before any fragment (``cloudwatch/home?region=x#logsV2:``)."""
    page, hash_, fragment = path.partition("#")
    separator = "&" if "?" in page else "?"
    return f"{page}{separator}{urlencode({'region': region})}{hash_}{fragment}"


def destination_url(destination: str | None, region: str) -> str:
    """Where the console should land.

    None or "" → console home in ``region``; a short name from :data:`SERVICES` → that service
    (no ``?region`` for global ones); a full ``https://`` URL on the console host of the
    region's partition → unchanged. Anything else raises SsoError (naming the closest short
    names). ConfigError when ``region`` is not a region code.
    """
    name = _region(region)
    text = (destination or "").strip()
    if not text:
        return f"{console_base(name)}/{_with_region('console/home', name)}"
    if text.lower().startswith("https://"):
        if not is_console_url(text, partition(name)):
            raise SsoError(
                "a console destination URL must be an https:// address on the AWS console "
                f"({_CONSOLE_DOMAIN[partition(name)]} or a host below it)."
            )
        return text
    key = text.lower()
    path = SERVICES.get(key)
    if path is None:
        import difflib  # a mistyped destination only

        close = difflib.get_close_matches(key, SERVICES, n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise SsoError(
            f"unknown console destination {text!r}{hint}: use a service short name "
            "or a full https:// URL."
        )
    if key in GLOBAL_SERVICES:
        return f"{_global_base(name)}/{path}"
    return f"{console_base(name)}/{_with_region(path, name)}"


def is_console_url(url: str, part: Partition | None = None) -> bool:
    """Is ``url`` an ``https://`` address on the AWS console host of ``part`` (any partition
    when None) or a host below it, with no user, password or port?"""
    if untrusted.browser_url(url) is None:
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = parts.hostname or ""
    if parts.scheme != "https" or "@" in parts.netloc or port is not None:
        return False
    if not _HOST_NAME.fullmatch(host):
        return False
    domains = _CONSOLE_DOMAIN.values() if part is None else (_CONSOLE_DOMAIN[part],)
    return any(host == domain or host.endswith("." + domain) for domain in domains)


# -- sign-in ----------------------------------------------------------------------------------


def signin_url(
    creds: RoleCredentials,
    *,
    region: str,
    destination: str | None = None,
    issuer: str = "",
    session_duration: int | None = None,
) -> str:
    """A federated console sign-in URL for ``creds`` (valid 15 minutes — treat it as a secret).

    Asks the federation endpoint for a sign-in token (POST, so no secret sits in a URL), then
    builds ``<endpoint>?Action=login&Issuer=…&Destination=…&SigninToken=…``, always encoded.
    Raises ConsoleError when the endpoint refuses, NetworkError when it cannot be reached.
    """
    import urllib.error
    import urllib.request

    if session_duration is not None and not 900 <= int(session_duration) <= 43200:
        raise ConsoleError(
            "the console session duration must be between 900 and 43200 seconds (15 min–12 h)."
        )
    target = destination_url(destination, region)
    endpoint = federation_endpoint(region)
    host = urlsplit(endpoint).netloc or endpoint
    session = json.dumps(
        {
            "sessionId": creds.access_key_id,
            "sessionKey": creds.secret_access_key,
            "sessionToken": creds.session_token,
        }
    )
    form = {"Action": "getSigninToken"}
    if session_duration is not None:
        form["SessionDuration"] = str(int(session_duration))
    form["Session"] = session
    request = urllib.request.Request(
        endpoint,
        data=urlencode(form).encode("ascii"),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "ssotui"},
    )
    try:
        with urllib.request.urlopen(request, timeout=SIGNIN_TIMEOUT) as response:
            body = response.read(MAX_SIGNIN_BODY + 1)  # a token is ~1 KB: never hold more
    except urllib.error.HTTPError as exc:
        status = exc.code
        exc.close()
        if status in (400, 401, 403):
            raise ConsoleError(
                f"the AWS sign-in endpoint refused these credentials (HTTP {status}); "
                "they may have expired — try again."
            ) from None
        raise ConsoleError(
            f"the AWS sign-in endpoint ({host}) failed with HTTP {status}; try again."
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc.__class__.__name__
        raise NetworkError(f"cannot reach the AWS sign-in endpoint ({host}): {reason}.") from None
    if len(body) > MAX_SIGNIN_BODY:
        raise ConsoleError(
            f"the AWS sign-in endpoint ({host}) sent an answer of more than "
            f"{MAX_SIGNIN_BODY >> 10} KiB; it is not a sign-in token."
        )
    try:
        token = json.loads(body)["SigninToken"]
        if not isinstance(token, str) or not token:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise ConsoleError(
            f"the AWS sign-in endpoint ({host}) sent an answer without a sign-in token."
        ) from None
    query = urlencode(
        {"Action": "login", "Issuer": issuer or "", "Destination": target, "SigninToken": token}
    )
    return f"{endpoint}?{query}"


def portal_link(
    start_url: str, account_id: str, role_name: str | None, destination: str | None
) -> str:
    """The access portal's console shortcut (§7.2): no local credentials; the parameters sit in
    the fragment, after ``#/console?``."""
    params = {"account_id": account_id}
    if role_name:
        params["role_name"] = role_name
    if destination:
        params["destination"] = destination
    return f"{start_url.rstrip('/')}/#/console?{urlencode(params, quote_via=quote)}"


def container_url(url: str, name: str, color: str | None = None, icon: str | None = None) -> str:
    """An ``ext+granted-containers:`` URL that opens ``url`` in the Firefox container ``name``.

    Every value is escaped (peers leave the name raw, which breaks on ``&``, ``=`` or ``#``).
    A missing or invalid colour or icon is picked from the name (byte sum modulo the list
    length, as aws-sso-cli does), so an account keeps its colour. ``url`` must be one a
    browser may be given (:func:`untrusted.browser_url`), else SsoError.
    """
    if untrusted.browser_url(url) is None:
        raise SsoError(_REFUSED_URL)
    weight = sum(name.encode("utf-8"))
    if color not in CONTAINER_COLORS:
        color = CONTAINER_COLORS[weight % len(CONTAINER_COLORS)]
    if icon not in CONTAINER_ICONS:
        icon = CONTAINER_ICONS[weight % len(CONTAINER_ICONS)]
    return CONTAINER_SCHEME + "&".join(
        f"{key}={quote(value, safe='')}"
        for key, value in (("name", name), ("url", url), ("color", color), ("icon", icon))
    )


# -- browser and clipboard ----------------------------------------------------------------------

_REFUSED_URL = (
    "could not open a browser: the address is not an https:// URL "
    "(or http:// on this machine); nothing was opened."
)


def checked_browser_url(url: object) -> str:
    """``url`` if it may go onto a browser's command line: :func:`untrusted.browser_url`
    accepts it, or it is an ``ext+granted-containers:`` link (made by :func:`container_url`)
    whose inner URL it accepts. Else SsoError (the URL is not repeated: it may be a secret)."""
    if isinstance(url, str) and url.startswith(CONTAINER_SCHEME):
        if all(ch.isprintable() and not ch.isspace() for ch in url):
            fields = dict(
                part.partition("=")[::2] for part in url[len(CONTAINER_SCHEME) :].split("&")
            )
            if untrusted.browser_url(unquote(fields.get("url", ""))) is not None:
                return url
        raise SsoError(_REFUSED_URL)
    if untrusted.browser_url(url) is None:
        raise SsoError(_REFUSED_URL)
    return url  # type: ignore[return-value]


def browser_argv(url: str, command: str) -> list[str]:
    """``command`` split like a shell would (no shell runs it): ``%s`` is replaced by the URL,
    or the URL is appended when there is no ``%s``. SsoError for a URL that
    :func:`checked_browser_url` refuses."""
    url = checked_browser_url(url)
    try:
        parts = shlex.split(command)
    except ValueError as exc:
        raise SsoError(
            f"could not open a browser: the browser command is malformed ({exc})."
        ) from None
    if not parts:
        raise SsoError("could not open a browser: the browser command is empty.")
    if any("%s" in part for part in parts):
        return [part.replace("%s", url) for part in parts]
    return [*parts, url]


def has_display(environ: Mapping[str, str] | None = None, platform: str = sys.platform) -> bool:
    """Can a browser be opened here? On Linux and the BSDs only with X11, Wayland or $BROWSER
    (an SSH session usually has none of them); always on macOS and Windows."""
    if environ is None:
        environ = os.environ
    if platform.startswith(("darwin", "win", "cygwin")):
        return True
    return any(environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"))


def wsl_browser_command(environ: Mapping[str, str] | None = None) -> str | None:
    """``wslview`` on WSL when it is installed and BROWSER is not set: it opens the Windows
    browser, which Python's webbrowser does not find there (aws-cli #10242)."""
    import shutil

    from ssotui.core.loginflow import in_wsl

    environ = os.environ if environ is None else environ
    if environ.get("BROWSER") or not in_wsl(environ):
        return None
    return "wslview" if shutil.which("wslview", path=environ.get("PATH")) else None


def open_in_browser(url: str, command: str | None = None) -> None:
    """Open ``url`` with the custom ``command`` from the settings, else the system browser
    (``webbrowser``, which honours ``BROWSER``). The URL is passed as one argv element, never
    through a shell. Raises SsoError when nothing could be started, and before starting
    anything for a URL that :func:`checked_browser_url` refuses."""
    url = checked_browser_url(url)
    if not (command and command.strip()):
        command = wsl_browser_command()
    if command and command.strip():
        import subprocess  # opening only: `console --print` stays light

        argv = browser_argv(url, command)
        try:
            child = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            reason = exc.strerror or exc.__class__.__name__
            raise SsoError(f"could not open a browser: cannot run {argv[0]} ({reason}).") from None
        try:
            status = child.wait(timeout=BROWSER_GRACE)
        except subprocess.TimeoutExpired:
            return  # still running: a browser window, as expected
        if status != 0:
            raise SsoError(f"could not open a browser: {argv[0]} exited with status {status}.")
        return
    import webbrowser

    try:
        controller = webbrowser.get()
    except webbrowser.Error:
        controller = None
    if controller is None:
        raise SsoError(
            "could not open a browser: none was found (set BROWSER or a browser command)."
        )
    name = os.path.basename(str(getattr(controller, "name", "")))
    if name in _TEXT_BROWSERS and not os.environ.get("BROWSER"):
        # A text browser would take over the terminal the TUI is drawing on.
        raise SsoError(
            f"could not open a browser: only the text-mode browser {name} was found "
            "(set BROWSER or a browser command, or copy the URL)."
        )
    try:
        opened = controller.open(url)
    except (webbrowser.Error, OSError) as exc:
        raise SsoError(f"could not open a browser: {exc}.") from None
    if not opened:
        raise SsoError(
            "could not open a browser: none was found (set BROWSER or a browser command)."
        )


def copy_to_clipboard(text: str, *, osc52: bool = False) -> str:
    """Put ``text`` on the clipboard: the system's, else tmux's, else (``osc52=True``, for a
    command line; the TUI sends OSC 52 through Textual) the terminal's; returns how
    (:mod:`ssotui.core.clipboard`, whose ``hint`` is the line to show). Raises SsoError when
    nothing took it."""
    from ssotui.core import clipboard

    return clipboard.copy(text, osc52=osc52)
