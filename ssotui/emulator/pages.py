"""The few HTML pages a browser sees: index, device verification, console landing."""

from __future__ import annotations

from html import escape

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem;
       color: #16191f; }
header { color: #545b64; font-size: .9rem; border-bottom: 1px solid #d5dbdb;
         margin-bottom: 1.5rem; }
.code { font-family: ui-monospace, monospace; font-size: 2rem; letter-spacing: .2rem; }
button, input { font-size: 1rem; padding: .4rem .9rem; }
button.approve { background: #ec7211; color: white; border: 0; }
.note { color: #545b64; font-size: .9rem; }
"""


def page(title: str, body: str, org_name: str = "") -> bytes:
    header = f"IAM Identity Center emulator &middot; {escape(org_name)}" if org_name else ""
    html = (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><header>{header}</header><h1>{escape(title)}</h1>\n{body}\n</body></html>\n"
    )
    return html.encode()


def index_page(base_url: str, org_name: str, account_count: int) -> bytes:
    body = f"""
<p>A local stand-in for AWS IAM Identity Center (sso-oidc and the SSO portal API),
serving the organization <b>{escape(org_name)}</b> with {account_count} accounts.
Nothing here talks to AWS.</p>
<ul>
<li><a href="/device">Enter a device code</a> (the verification page)</li>
</ul>
<p>Point boto3 or the AWS CLI at it with:</p>
<pre>export AWS_ENDPOINT_URL_SSO={escape(base_url)}
export AWS_ENDPOINT_URL_SSO_OIDC={escape(base_url)}
export AWS_ENDPOINT_URL_SIGNIN={escape(base_url)}
export AWS_ENDPOINT_URL_STS={escape(base_url)}</pre>
"""
    return page("ssotui emulator", body, org_name)


def device_form_page(org_name: str, error: str = "", code: str = "") -> bytes:
    warning = f'<p class="note"><b>{escape(error)}</b></p>' if error else ""
    body = f"""{warning}
<p>Enter the code shown in your terminal.</p>
<form method="get" action="/device">
<input name="user_code" value="{escape(code)}" placeholder="ABCD-EFGH" autofocus>
<button type="submit">Next</button>
</form>
"""
    return page("Authorize device", body, org_name)


def device_confirm_page(org_name: str, user_code: str, client_name: str, status: str) -> bytes:
    if status != "pending":
        body = (
            f'<p class="code">{escape(user_code)}</p>'
            f"<p>This request is already <b>{escape(status)}</b>.</p>"
        )
        return page("Authorize device", body, org_name)
    body = f"""
<p>Allow <b>{escape(client_name)}</b> to access your data in <b>{escape(org_name)}</b>?</p>
<p>Check that this code matches the one in your terminal:</p>
<p class="code">{escape(user_code)}</p>
<form method="post" action="/device">
<input type="hidden" name="user_code" value="{escape(user_code)}">
<button class="approve" name="action" value="approve">Approve</button>
<button name="action" value="deny">Deny</button>
</form>
"""
    return page("Authorize device", body, org_name)


def device_result_page(org_name: str, user_code: str, approved: bool) -> bytes:
    if approved:
        title, text = "Request approved", "You can close this window and return to the terminal."
    else:
        title, text = "Request denied", "The application will not get access."
    body = f'<p class="code">{escape(user_code)}</p><p>{text}</p>'
    return page(title, body, org_name)


def login_page(
    org_name: str, account_name: str, account_id: str, role: str, destination: str, issuer: str
) -> bytes:
    text = f"Signed in to {account_name} ({account_id}) as {role}; destination: {destination}"
    body = f"<p id=signed-in>{escape(text)}</p>"
    if issuer:
        body += f'<p class="note">Issuer: {escape(issuer)}</p>'
    body += '<p class="note">This is the emulator: it never redirects to the real console.</p>'
    return page("AWS Management Console (emulated)", body, org_name)


def authorize_page(org_name: str, client_name: str, request_id: str, scopes: list[str]) -> bytes:
    """The consent page of ``/authorize`` (PKCE): Allow or Deny."""
    listed = ", ".join(scopes) or "(none)"
    body = f"""
<p>Allow <b>{escape(client_name)}</b> to access your data in <b>{escape(org_name)}</b>?</p>
<p class="note">Scopes: {escape(listed)}</p>
<form method="post" action="/authorize">
<input type="hidden" name="request_id" value="{escape(request_id)}">
<button class="approve" name="action" value="approve">Allow access</button>
<button name="action" value="deny">Deny</button>
</form>
"""
    return page("Authorize request", body, org_name)


def authorize_wait_page(org_name: str, client_name: str, request_id: str, seconds: float) -> bytes:
    """A consent page that approves itself after ``seconds`` (the approve_after knob)."""
    target = f"/authorize?request_id={escape(request_id)}&amp;action=approve"
    body = (
        f'<meta http-equiv="refresh" content="{max(0, round(seconds))};url={target}">'
        f"<p>Approving <b>{escape(client_name)}</b> by itself in {seconds:g} s "
        "(the emulator's approve-after setting).</p>"
    )
    return page("Authorize request", body, org_name)


def authorize_error_page(org_name: str, message: str) -> bytes:
    body = (
        f'<p class="note"><b>{escape(message)}</b></p><p>Nothing was sent to the application.</p>'
    )
    return page("Cannot authorize", body, org_name)


def vanity_page(org_name: str) -> bytes:
    body = "<p>This vanity address redirects nowhere (the emulator's vanity_target is unset).</p>"
    return page("Vanity start URL", body, org_name)
