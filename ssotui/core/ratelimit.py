"""A thread-safe token bucket shared by all the worker threads calling one operation.

The bucket is kept as a "theoretical arrival time" (GCRA), which is equivalent to a token
bucket of ``burst`` tokens refilled at ``rate`` per second: each caller reserves the next free
slot under the lock and then sleeps *outside* the lock until that slot, so waiting callers are
served in order and never bunch up into a burst above the limit.

``penalize(seconds)`` is how one thread that got a 429 slows down everybody: no slot is handed
out before ``now + seconds``, callers already asleep on an earlier slot re-queue when they wake,
and the schedule restarts smoothly (no burst when the pause ends).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """``acquire()`` blocks until the caller may send one request.

    ``rate`` is requests per second; ``rate <= 0`` or ``None`` means unlimited (``penalize``
    still pauses). ``burst`` is how many requests may go back to back after an idle period
    (default 1: strictly spaced, which is what a server-side bucket of unknown size tolerates
    best). ``clock`` and ``sleep`` are injectable for tests.
    """

    def __init__(
        self,
        rate: float | None,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.rate = float(rate) if rate and rate > 0 else 0.0
        self.burst = max(1.0, float(burst)) if burst else 1.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._interval = 1.0 / self.rate if self.rate else 0.0
        # How far ahead of "now" the schedule may run before callers must wait.
        self._tolerance = (self.burst - 1.0) * self._interval
        self._tat = float("-inf")  # theoretical arrival time of the next request
        self._paused_until = float("-inf")
        self._generation = 0  # bumped by every penalize(), so sleepers can notice

    @property
    def unlimited(self) -> bool:
        return not self.rate

    def acquire(self) -> None:
        """Block until a slot is free (and any penalty has passed), then take it."""
        while True:
            with self._lock:
                now = self._clock()
                if now < self._paused_until:
                    wait = self._paused_until - now
                    generation = None
                elif not self.rate:
                    return
                else:
                    tat = max(self._tat, now)
                    send_at = max(now, tat - self._tolerance)
                    self._tat = tat + self._interval
                    if send_at <= now:
                        return
                    wait = send_at - now
                    generation = self._generation
            self._sleep(wait)
            if generation is not None:
                with self._lock:
                    if generation == self._generation:
                        return
                # A penalty arrived while we slept on our slot: queue again behind it.

    def penalize(self, seconds: float) -> None:
        """Hand out no slot for ``seconds`` from now (to every thread using this limiter)."""
        if seconds <= 0:
            return
        with self._lock:
            until = self._clock() + seconds
            if until <= self._paused_until:
                return
            self._paused_until = until
            self._generation += 1
            if self.rate:
                # Restart the schedule at the end of the pause without a saved-up burst.
                self._tat = max(self._tat, until + self._tolerance)

    def __repr__(self) -> str:
        rate = f"{self.rate:g}/s" if self.rate else "unlimited"
        return f"RateLimiter({rate}, burst={self.burst:g})"
