"""botocore's own sending (when a proxy applies, so that :mod:`portal_http` cannot send),
bounded like every other call: at most ``portal_http.DEADLINE`` seconds for the whole call and
``portal_http.MAX_BODY`` bytes of answer.

botocore's timeouts bound each socket read only (a trickle of one byte at a time defeats
them), so the request is sent and its answer read in a helper thread while the caller waits
at most the deadline. A call that runs out of time raises ``PortalHttpError("timeout")`` at
once; its thread stops reading the answer if it has started, else ends at botocore's own
read timeout (30 s), and holds at most ``MAX_BODY`` bytes meanwhile. One short-lived thread
per call: this path is only taken through a proxy.
"""

from __future__ import annotations

import threading

from ssotui.core import portal_http
from ssotui.core.portal_http import Body, PortalHttpError


class ProxiedSender:
    """A ``before-send`` handler that sends with ``http_session`` (botocore's own)."""

    def __init__(self, http_session, endpoint_url: str) -> None:
        self._session = http_session
        self._endpoint_url = endpoint_url

    def __call__(self, request, **_kwargs):
        from botocore.awsrequest import AWSResponse

        request.stream_output = True  # botocore leaves the body to us
        call = _Call(self._session, request)
        worker = threading.Thread(target=call.run, name="ssotui-proxied-send", daemon=True)
        worker.start()
        if not call.done.wait(portal_http.DEADLINE):
            call.abandon()
            seconds = portal_http.DEADLINE
            raise PortalHttpError(
                "timeout", f"no answer within {seconds:g} s", None, self._endpoint_url, seconds
            )
        if call.error is not None:
            from botocore.exceptions import ReadTimeoutError

            if isinstance(call.error, ReadTimeoutError):
                # botocore's own read timeout (also DEADLINE) fired first: the same timeout,
                # and, like ours, not to be retried.
                seconds = portal_http.DEADLINE
                raise PortalHttpError(
                    "timeout", f"no answer within {seconds:g} s", None, self._endpoint_url, seconds
                ) from None
            raise call.error
        if call.too_large:
            limit = portal_http.MAX_BODY
            raise PortalHttpError(
                "too-large", f"answer over {limit} bytes", None, self._endpoint_url, limit
            )
        response = call.response
        return AWSResponse(request.url, response.status_code, response.headers, Body(call.data))


class _Call:
    """One request and its answer, in the helper thread."""

    def __init__(self, session, request) -> None:
        self._session = session
        self._request = request
        self._lock = threading.Lock()
        self._abandoned = False
        self.done = threading.Event()
        self.response = None
        self.data = b""
        self.error: BaseException | None = None
        self.too_large = False

    def run(self) -> None:
        try:
            self.response = self._session.send(self._request)
            self.data, self.too_large = _read(self.response.raw)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            self.error = exc
        finally:
            with self._lock:
                self.done.set()
                abandoned = self._abandoned
            if abandoned or self.too_large:
                self._close()

    def abandon(self) -> None:
        """The caller gave up: close the answer now if it is done, else stop its reading
        (a trickled body) and let the thread close it."""
        with self._lock:
            self._abandoned = True
            finished = self.done.is_set()
        if finished:
            self._close()
            return
        raw = getattr(self.response, "raw", None)
        if raw is not None:
            try:
                raw.shutdown()  # urllib3 2.3+: interrupts a read blocked in another thread
            except Exception:  # noqa: BLE001 - older urllib3, or already released
                pass

    def _close(self) -> None:
        raw = getattr(self.response, "raw", None)
        if raw is not None:
            try:
                raw.close()
            except Exception:  # noqa: BLE001 - best effort
                pass


def _read(raw) -> tuple[bytes, bool]:
    """(body, too large): at most ``MAX_BODY`` bytes, refused early from Content-Length."""
    limit = portal_http.MAX_BODY
    try:
        announced = int(raw.headers.get("content-length") or 0)
    except (AttributeError, TypeError, ValueError):
        announced = 0
    if announced > limit:
        return b"", True
    chunks: list[bytes] = []
    size = 0
    for chunk in raw.stream(1 << 16, decode_content=False):
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
    return b"".join(chunks), False
