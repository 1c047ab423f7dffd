"""--debug logs go through a redacting filter: no token, key or signin token survives."""

import io
import logging

from ssotui.core.redact import RedactingFilter, redact

SAMPLES = {
    '{"accessToken": "aoaSECRET1", "expiresIn": 3600}': "aoaSECRET1",
    "{'refreshToken': 'aorSECRET2'}": "aorSECRET2",
    'b\'{"clientSecret":"cs-SECRET3"}\'': "cs-SECRET3",
    "headers={'x-amz-sso_bearer_token': 'bearerSECRET4'}": "bearerSECRET4",
    '"roleCredentials": {"secretAccessKey": "SK/SECRET5", "sessionToken": "ST+SECRET6"}': "SECRET5",
    "https://h/federation?Action=login&SigninToken=sigSECRET7&Destination=x": "sigSECRET7",
    "Action=getSigninToken&Session=%7B%22sessionId%22SECRET8": "SECRET8",
}


def test_redact_masks_every_secret_shape():
    for text, secret in SAMPLES.items():
        out = redact(text)
        assert secret not in out, out
        assert "***" in out


def test_redact_leaves_ordinary_text_alone():
    text = "ListAccounts returned 100 accounts for https://x.awsapps.com/start"
    assert redact(text) == text


def test_filter_applies_to_formatted_records():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    log = logging.getLogger("test.redact")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        log.debug("Response body: %s", b'{"accessToken":"aoaLEAK","refreshToken":"aorLEAK"}')
    finally:
        log.removeHandler(handler)
    assert "LEAK" not in stream.getvalue()
    assert "Response body" in stream.getvalue()
