"""An adaptive, thread-safe request rate shared by all the threads calling one operation.

The portal's quotas are not published per user and differ between portals, so the rate is
found while loading, the way TCP finds a connection's speed (botocore's "adaptive" retry mode
does the same for AWS SDK clients: botocore/retries/adaptive.py and throttling.py):

- **Start** at the configured rate (``rate_limit``, 20 requests/s by default).
- **Ramp up** while the portal answers without 429: the rate doubles for every ``DOUBLING``
  seconds (0.25 s) spent waiting on it ("slow start"). Only time in which the rate is what held
  requests back counts, so a caller that sends less than the rate allows never inflates it.
- **Back off** on a 429: the rate is multiplied by ``BETA`` (0.7), from the rate actually sent
  when that was less, once per burst: a 429 answering a request sent *before* the last
  decrease is the same burst seen late (many requests were in flight) and changes nothing.
  ``Retry-After`` (see :func:`retry_after_seconds`) also pauses every caller until it passed.
- **Grow back** along a cubic curve (CUBIC, as in TCP and botocore): fast at first, flat near
  ``w_max``, the rate at which the 429 came (reached after ``K`` = 2 s of waiting on the rate),
  then faster again as it probes beyond. The curve is scaled by ``w_max``, and below 20
  requests/s its clock runs one ``1/SLOW_CLOCK`` (50 ms) per request rather than in seconds:
  a portal-side bucket of one second's worth is probed as gently at 2 requests/s as at 20,
  not ten times as often. A 429 below the last ``w_max`` lowers ``w_max`` further
  (``FAST_CONVERGENCE``), so the rate settles under the portal's limit.
- **Storms.** Growth waits until a request sent since the last decrease got through
  (``answered``). While every request is refused, each rate tried is lowered again but
  ``w_max`` stays where the storm began; once requests get through, the rate doubles back in
  real time to ``BETA·w_max`` (a second or two), instead of crawling up from the bottom.
- The rate stays within ``floor`` (``MIN_RATE`` = 0.5 requests/s, or the start if lower) and
  ``ceiling`` (``MAX_RATE``).

Requests go out strictly spaced (one every ``1/rate`` seconds, with a little slack for a
late thread): a portal-side bucket of unknown size tolerates that best. One caller at a time
waits for the next slot; the others queue behind it, so a slower rate or a pause takes effect
for everyone at once, and a thread asleep on its slot re-checks when it wakes.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

DOUBLING = 0.25  # seconds of waiting on the rate in which slow start doubles it
BETA = 0.7  # a 429 multiplies the rate by this
CUBIC = 0.0375  # growth after a 429: rate = w_max·(1 + CUBIC·(t − K)³), K = ∛((1 − BETA)/CUBIC)
K = ((1 - BETA) / CUBIC) ** (1 / 3)  # 2 s: back at w_max after 2 s of waiting on the rate
SLOW_CLOCK = 20.0  # below this many requests/s, the growth clock counts requests, not time
FAST_CONVERGENCE = 0.85  # a 429 below the last w_max sets w_max this much lower still
MIN_RATE = 0.5
MAX_RATE = 100_000.0
MAX_SLACK = 0.02  # seconds a late slot may be made up for (at most one interval)
MAX_RETRY_AFTER = 60.0  # a longer Retry-After is honoured for this long, then asked again


class RateLimiter:
    """``acquire()`` blocks until the caller may send one request and returns the send time;
    the caller reports a 429 with ``throttled(sent_at, retry_after)`` and any other answer
    with ``answered(sent_at)``.

    ``rate`` is the starting rate in requests per second; ``rate <= 0`` or ``None`` starts
    unlimited (the first 429 then sets the rate from what was being sent). ``adaptive=False``
    keeps the rate fixed. ``clock`` and ``sleep`` are injectable for tests; ``stop`` (an
    event) ends every wait at once: ``acquire()`` then returns without waiting and the caller
    checks it.
    """

    def __init__(
        self,
        rate: float | None,
        *,
        adaptive: bool = True,
        floor: float = MIN_RATE,
        ceiling: float = MAX_RATE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.start_rate = float(rate) if rate and rate > 0 else math.inf
        self.rate = self.start_rate
        self.adaptive = adaptive
        self.floor = min(float(floor), self.start_rate)
        self.ceiling = max(float(ceiling), self.floor)  # an unlimited start is above it
        self.decreases = 0  # how many times a 429 lowered the rate
        self._clock = clock
        self._stop = stop or threading.Event()
        self._sleep = sleep or self._stop.wait
        self._lock = threading.Lock()  # guards the state below
        self._turn = threading.Lock()  # held by the one caller waiting for the next slot
        self._next_at = -math.inf  # no slot before this (spacing)
        self._paused_until = -math.inf  # no slot before this (Retry-After)
        self._last_at = -math.inf  # when the last slot was taken
        self._decreased_at = -math.inf
        self._w_max: float | None = None  # None: slow start (no 429 yet)
        self._waited = 0.0  # seconds spent waiting on the rate since the start or last 429
        self._answered = False  # a request sent since the last decrease got through
        self._sent: deque[float] = deque()  # send times within the measuring window

    @property
    def unlimited(self) -> bool:
        return math.isinf(self.rate)

    def acquire(self) -> float:
        """Block until a slot is free (and any pause has passed), take it, return its time."""
        with self._turn:
            held_back = False  # waited on the rate itself (not on a pause)
            while True:
                with self._lock:
                    now = self._clock()
                    if self._stop.is_set():
                        return now
                    if now < self._paused_until:
                        wait = self._paused_until - now
                    elif now < self._next_at:
                        wait = self._next_at - now
                        held_back = True
                    else:
                        return self._take(now, held_back)
                self._sleep(wait)

    def throttled(self, sent_at: float, retry_after: float | None = None) -> bool:
        """A request sent at ``sent_at`` (what ``acquire()`` returned) was answered 429.

        Pauses everyone for ``retry_after`` seconds when given, and lowers the rate unless
        the request went out before the last decrease. Returns whether the rate was lowered.
        """
        with self._lock:
            now = self._clock()
            if retry_after is not None and retry_after > 0:
                until = now + min(retry_after, MAX_RETRY_AFTER)
                self._paused_until = max(self._paused_until, until)
            if not self.adaptive or sent_at < self._decreased_at:
                return False
            # From the rate actually sent, when less was sent than the rate allowed.
            measured = self._measured(now)
            base = min(self.rate, self.ceiling, max(measured, self.floor) if measured else math.inf)
            if self._w_max is None or self._answered:
                # A new episode: the rate worked until here. (A 429 again before anything
                # sent since the last decrease got through is the same storm going on: the
                # rate keeps falling, but the level to come back to stays.)
                if self._w_max is not None and base < self._w_max:
                    base *= FAST_CONVERGENCE  # below the last peak: aim lower still
                self._w_max = base
            self.rate = max(self.floor, base * BETA)
            self._waited = 0.0
            self._answered = False
            self._decreased_at = now
            self._next_at = max(self._next_at, self._last_at + 1.0 / self.rate)
            self.decreases += 1
            return True

    def answered(self, sent_at: float) -> None:
        """A request sent at ``sent_at`` got through (any answer but a 429)."""
        with self._lock:
            if sent_at >= self._decreased_at:
                self._answered = True

    def pause(self, seconds: float) -> None:
        """Hand out no slot for ``seconds`` from now (to every thread using this limiter)."""
        if seconds > 0:
            with self._lock:
                until = self._clock() + min(seconds, MAX_RETRY_AFTER)
                self._paused_until = max(self._paused_until, until)

    # -- under the lock -------------------------------------------------------------------------

    def _take(self, now: float, held_back: bool) -> float:
        if held_back and self.adaptive and (self._w_max is None or self._answered):
            self._grow(1.0 / self.rate)
        if not self.unlimited:
            interval = 1.0 / self.rate
            # A caller a little late (the thread woke late) keeps the schedule; after a
            # longer gap it restarts from now, without a saved-up burst.
            late = now - self._next_at
            start = self._next_at if late <= min(interval, MAX_SLACK) else now
            self._next_at = start + interval
        self._last_at = now
        self._sent.append(now)
        self._forget_before(now - self._window())
        return now

    def _grow(self, seconds: float) -> None:
        """``seconds`` more spent waiting on the rate, with no 429 meanwhile."""
        if self.rate >= self.ceiling:
            return
        if self._w_max is None:  # slow start
            self._waited += min(seconds, 1.0 / SLOW_CLOCK)
            rate = self.start_rate * 2 ** (self._waited / DOUBLING)
        elif self.rate < self._w_max * BETA:  # below where the curve starts: a storm passed
            rate = min(self._w_max * BETA, self.rate * 2 ** (seconds / DOUBLING))
        else:
            self._waited += min(seconds, 1.0 / SLOW_CLOCK)
            rate = self._w_max * (1 + CUBIC * (self._waited - K) ** 3)
        self.rate = min(self.ceiling, max(self.floor, rate))

    def _window(self) -> float:
        """How far back sends are counted to measure the rate: a second, or four intervals."""
        return 1.0 if self.unlimited else max(1.0, 4.0 / self.rate)

    def _forget_before(self, cutoff: float) -> None:
        while self._sent and self._sent[0] < cutoff:
            self._sent.popleft()

    def _measured(self, now: float) -> float:
        """Requests per second actually sent lately (0 when none was)."""
        self._forget_before(now - self._window())
        if not self._sent:
            return 0.0
        return len(self._sent) / min(self._window(), max(now - self._sent[0], 0.1))

    def __repr__(self) -> str:
        rate = "unlimited" if self.unlimited else f"{self.rate:.3g}/s"
        return f"RateLimiter({rate}, start={self.start_rate:g}, decreases={self.decreases})"


def retry_after_seconds(headers: object) -> float | None:
    """How long a 429's headers ask the client to wait: ``x-amz-retry-after`` (milliseconds,
    as botocore reads it), else ``Retry-After`` (seconds, or an HTTP date). None when absent
    or unreadable (negative, not finite, malformed). ``headers``: lower-cased names, as
    botocore's ``ResponseMetadata.HTTPHeaders``."""
    if not isinstance(headers, dict):
        return None
    millis = headers.get("x-amz-retry-after")
    if millis is not None:
        seconds = _number(millis)
        return None if seconds is None else seconds / 1000.0
    value = headers.get("retry-after")
    if not isinstance(value, str):
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds
    from email.utils import parsedate_to_datetime  # here: an HTTP date is rare, the import not

    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _number(value: object) -> float | None:
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None
