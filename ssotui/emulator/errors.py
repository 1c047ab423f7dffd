"""The typed errors the emulator answers with, and how each one looks on the wire.

botocore maps an error to its modelled exception by the ``x-amzn-ErrorType`` header (then the
body's ``__type``), so both are always sent.
"""

from __future__ import annotations

import json

OIDC_TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"
PORTAL_TYPE_PREFIX = "com.amazonaws.switchboard.portal#"

# Shape -> (HTTP status, OAuth "error" code), from the sso-oidc model.
OIDC_ERRORS = {
    "AuthorizationPendingException": (400, "authorization_pending"),
    "SlowDownException": (400, "slow_down"),
    "ExpiredTokenException": (400, "expired_token"),
    "AccessDeniedException": (400, "access_denied"),
    "InvalidGrantException": (400, "invalid_grant"),
    "InvalidClientException": (401, "invalid_client"),
    "UnauthorizedClientException": (400, "unauthorized_client"),
    "UnsupportedGrantTypeException": (400, "unsupported_grant_type"),
    "InvalidScopeException": (400, "invalid_scope"),
    "InvalidRequestException": (400, "invalid_request"),
    "InvalidClientMetadataException": (400, "invalid_client_metadata"),
    "InvalidRedirectUriException": (400, "invalid_redirect_uri"),
    "InternalServerException": (500, "server_error"),
}

PORTAL_ERRORS = {
    "InvalidRequestException": 400,
    "UnauthorizedException": 401,
    "ForbiddenException": 403,
    "ResourceNotFoundException": 404,
    "TooManyRequestsException": 429,
    "InternalServerException": 500,
}


class ApiError(Exception):
    """An error answer: HTTP status, headers and a JSON body."""

    status = 500

    def wire(self) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError


class OidcError(ApiError):
    def __init__(self, shape: str, message: str) -> None:
        super().__init__(f"{shape}: {message}")
        self.shape, self.message = shape, message
        self.status, self.code = OIDC_ERRORS[shape]

    def wire(self) -> tuple[int, dict[str, str], bytes]:
        body = {"error": self.code, "error_description": self.message}
        headers = {"x-amzn-ErrorType": self.shape + OIDC_TYPE_SUFFIX}
        return self.status, headers, json.dumps(body).encode()


class PortalError(ApiError):
    def __init__(self, shape: str, message: str) -> None:
        super().__init__(f"{shape}: {message}")
        self.shape, self.message = shape, message
        self.status = PORTAL_ERRORS[shape]

    def wire(self) -> tuple[int, dict[str, str], bytes]:
        body = {"message": self.message, "__type": PORTAL_TYPE_PREFIX + self.shape}
        headers = {"x-amzn-ErrorType": self.shape}
        return self.status, headers, json.dumps(body).encode()


def unauthorized() -> PortalError:
    return PortalError("UnauthorizedException", "Session token not found or invalid")


STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"


class StsError(ApiError):
    """An STS error in the query protocol's XML (``ErrorResponse``); botocore reads ``Code``."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status

    def wire(self) -> tuple[int, dict[str, str], bytes]:
        from xml.sax.saxutils import escape

        kind = "Receiver" if self.status >= 500 else "Sender"
        body = (
            f'<ErrorResponse xmlns="{STS_XMLNS}"><Error><Type>{kind}</Type>'
            f"<Code>{escape(self.code)}</Code><Message>{escape(self.message)}</Message></Error>"
            "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
        )
        return self.status, {"Content-Type": "text/xml"}, body.encode()
