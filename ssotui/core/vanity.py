"""Start URLs on a company's own domain ("vanity" URLs), resolved as AWS CLI ≥ 2.35.13 does
(protocol reference §7.3).

An AWS-owned portal or issuer URL is used as it is, with no request. Any other ``https://``
URL gets exactly one request (HEAD, or GET when the server answers HEAD with 405 or 501);
its redirect must lead to an AWS-owned ``https://`` URL, which is then normalised (no default
port, query, fragment or trailing ``/``) and used as the issuer (``RegisterClient.issuerUrl``
and ``StartDeviceAuthorization.startUrl``). A second hop is never followed. The configured URL
stays the cache key and the token's ``startUrl``. The request is bounded like every other one
(:mod:`portal_http`: 10 s to connect, 30 s in all). ``http://`` is accepted only on loopback,
so that tests can serve the redirect from the local emulator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from ssotui.core.errors import ConfigError, NetworkError
from ssotui.core.untrusted import for_terminal, is_loopback_host, is_region

_OWNED_SUFFIXES = (
    ".app.aws",
    ".portal.amazonaws.com",
    ".portal.amazonaws.com.cn",
    ".app.amazonwebservices.com.cn",
    ".portal.amazonaws.eu",
    ".api.amazonwebservices.eu",
    ".awsapps.com",
    ".awsapps.cn",
)
_OWNED_HOSTS = frozenset(
    {
        "identitycenter.amazonaws.com",
        "identitycenter.amazonaws.com.cn",
        "identitycenter.amazonaws.eu",
        "identitycenter.us-gov.amazonaws.com",
    }
)
# Region-specific portals (multi-Region IAM Identity Center): the region is in the host.
_REGION_IN_HOST = tuple(
    re.compile(pattern)
    for pattern in (
        r"[^.]+\.portal\.(?P<region>[a-z0-9-]+)\.app\.aws",
        r"[^.]+\.(?P<region>[a-z0-9-]+)\.portal\.amazonaws\.com(?:\.cn)?",
        r"[^.]+\.portal\.(?P<region>[a-z0-9-]+)\.app\.amazonwebservices\.com\.cn",
        r"[^.]+\.(?P<region>[a-z0-9-]+)\.portal\.amazonaws\.eu",
        r"[^.]+\.portal\.(?P<region>[a-z0-9-]+)\.api\.amazonwebservices\.eu",
    )
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class StartUrl:
    """``configured``: as in the config (the cache key). ``issuer``: what is sent to AWS.
    ``region``: the region the issuer's host names, or None."""

    configured: str
    issuer: str
    region: str | None = None

    @property
    def redirected(self) -> bool:
        return self.issuer != self.configured


def is_aws_owned(host: str | None) -> bool:
    """An AWS access-portal or issuer host (reference §7.3)."""
    if not host:
        return False
    host = host.lower().rstrip(".")
    return host in _OWNED_HOSTS or host.endswith(_OWNED_SUFFIXES)


def region_of(host: str | None) -> str | None:
    """The region encoded in a region-specific portal host, else None."""
    host = (host or "").lower().rstrip(".")
    for pattern in _REGION_IN_HOST:
        match = pattern.fullmatch(host)
        if match and is_region(match.group("region")):
            return match.group("region")
    return None


def normalise(url: str) -> str:
    """``https://host[:port]/path`` without a default port, query, fragment or trailing /."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port in (None, 443) else f"{host}:{port}"
    return f"https://{netloc}{parts.path.rstrip('/')}"


def resolve(url: str, *, head=None) -> StartUrl:
    """The issuer for the start URL ``url`` (see the module docstring). ``head(url)`` is the
    one request, returning ``(status, location or None)``; tests may pass their own.

    Raises ConfigError when the URL does not lead to an AWS access portal, NetworkError when
    it cannot be reached. Each is one line naming the URL.
    """
    shown = for_terminal(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises ValueError
    except ValueError:
        raise ConfigError(f"the start URL {shown} is malformed.") from None
    if parts.scheme == "https" and is_aws_owned(parts.hostname):
        return StartUrl(url, url, region_of(parts.hostname))
    if parts.scheme != "https" and not (
        parts.scheme == "http" and is_loopback_host(parts.hostname)
    ):
        raise ConfigError(f"the start URL {shown} must be an https:// URL.")
    status, location = (head or _head)(url)
    if status not in _REDIRECTS or not location:
        raise ConfigError(
            f"the start URL {shown} is not an AWS access portal and does not redirect to one "
            f"(HTTP {status}); use the portal URL your administrator gave you."
        )
    target = urljoin(url, location.strip())
    try:
        target_parts = urlsplit(target)
        target_parts.port  # noqa: B018
    except ValueError:
        target_parts = None
    if (
        target_parts is None
        or target_parts.scheme != "https"
        or not is_aws_owned(target_parts.hostname)
        or target_parts.username
        or target_parts.password
    ):
        raise ConfigError(
            f"the start URL {shown} redirects to {for_terminal(target)[:200]}, which is not an "
            "AWS access portal; not using it."
        )
    issuer = normalise(target)
    return StartUrl(url, issuer, region_of(target_parts.hostname))


def _head(url: str) -> tuple[int, str | None]:
    """One HEAD request (GET when HEAD is refused with 405 or 501), never following a
    redirect: ``(status, Location header)``. Bounded by :mod:`portal_http`'s limits."""
    from ssotui.core import portal_http

    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    transport = portal_http.PortalHttp(origin)
    headers = {"User-Agent": portal_http.USER_AGENT, "Accept": "text/html"}
    try:
        status, response, _body = transport._request("HEAD", target, headers)
        if status in (405, 501):
            status, response, _body = transport._request("GET", target, headers)
    except portal_http.PortalHttpError as exc:
        code = exc.response["Error"]["Code"]
        what = "did not answer in time" if code == "timeout" else "could not be reached"
        if code == "too-large":
            what = "sent too much"
        raise NetworkError(
            f"the start URL {for_terminal(url)} {what} while resolving it; check your network "
            "or VPN, or use the AWS portal URL itself."
        ) from None
    finally:
        transport.close()
    return status, response.getheader("Location")
