"""Keep secrets out of debug logs: a logging filter that masks tokens and keys.

botocore's DEBUG logs print request and response bodies (access tokens, refresh tokens,
client secrets, role credentials) and headers (the bearer token). ``--debug`` installs
``RedactingFilter`` on every handler so none of that reaches the terminal or a file.
"""

from __future__ import annotations

import logging
import re

SECRET_KEYS = (
    "accessToken",
    "refreshToken",
    "clientSecret",
    "deviceCode",
    "secretAccessKey",
    "sessionToken",
    "SecretAccessKey",
    "SessionToken",
    "SigninToken",
    "sessionKey",
    "idToken",
    "codeVerifier",
    "x-amz-sso_bearer_token",
    "aws_secret_access_key",
    "aws_session_token",
)
_keys = "|".join(re.escape(k) for k in SECRET_KEYS)
# "key": "value"  /  'key': 'value'  /  key=value (query strings, headers)  /  b'key': b'value'
_JSON = re.compile(rf"""(["']?(?:{_keys})["']?\s*[:=]\s*b?["'])([^"']+)(["'])""", re.IGNORECASE)
_QUERY = re.compile(rf"""((?:{_keys}|Session|SigninToken)=)([^&\s"']+)""", re.IGNORECASE)
MASK = "***"


def redact(text: str) -> str:
    text = _JSON.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    return _QUERY.sub(lambda m: m.group(1) + MASK, text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken log call must not break the app
            return True
        record.msg = redact(message)
        record.args = ()
        return True


def enable_debug_logging(stream=None) -> None:
    """DEBUG logging to stderr (botocore included), every line redacted."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
