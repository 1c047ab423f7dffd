"""The adaptive rate limiter, on an injected clock: it starts at the configured rate, ramps up
while callers wait on it and no 429 comes, backs off once per 429 burst, honours Retry-After,
and never goes below its floor."""

from __future__ import annotations

import threading
import time
from email.utils import format_datetime

import pytest

from ssotui.core import ratelimit
from ssotui.core.ratelimit import RateLimiter, retry_after_seconds


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def limiter_at(rate: float | None, t: FakeTime, **knobs) -> RateLimiter:
    return RateLimiter(rate, clock=t.clock, sleep=t.sleep, **knobs)


def paced(limiter: RateLimiter, t: FakeTime, count: int) -> list[float]:
    """``count`` requests from a caller that asks again as soon as it got a slot (the rate is
    what holds it back); returns their send times."""
    return [limiter.acquire() for _ in range(count)]


def unhurried(limiter: RateLimiter, t: FakeTime, count: int, every: float) -> list[float]:
    """``count`` requests ``every`` seconds apart (slower than the rate: it never waits)."""
    sent = []
    for _ in range(count):
        sent.append(limiter.acquire())
        t.now += every
    return sent


# -- starting and ramping ----------------------------------------------------------------------


def test_starts_at_the_configured_rate():
    t = FakeTime()
    limiter = limiter_at(10, t)
    first, second = paced(limiter, t, 2)
    assert second - first == pytest.approx(0.1)


def test_ramps_up_while_callers_wait_and_no_429_comes():
    t = FakeTime()
    limiter = limiter_at(20, t)
    sent = paced(limiter, t, 400)
    gaps = [b - a for a, b in zip(sent, sent[1:], strict=False)]
    assert gaps[0] == pytest.approx(0.05)
    assert all(later <= earlier + 1e-12 for earlier, later in zip(gaps, gaps[1:], strict=False))
    # Slow start doubles the rate for every 0.25 s spent waiting on it: 400 requests take
    # well under the 20 s they would at a fixed 20 requests/s.
    assert sent[-1] - sent[0] < 2.0
    assert limiter.rate > 20 * 16
    assert limiter.decreases == 0


def test_does_not_ramp_when_the_rate_is_not_what_holds_callers_back():
    t = FakeTime()
    limiter = limiter_at(20, t)
    unhurried(limiter, t, 200, every=0.1)  # 10 requests/s: never waits on 20/s
    assert limiter.rate == 20
    assert t.sleeps == []


def test_never_ramps_past_the_ceiling():
    t = FakeTime()
    limiter = limiter_at(20, t, ceiling=50)
    paced(limiter, t, 500)
    assert limiter.rate == 50


# -- backing off --------------------------------------------------------------------------------


def test_a_429_multiplies_the_rate_by_beta():
    t = FakeTime()
    limiter = limiter_at(10, t)
    sent = unhurried(limiter, t, 12, every=0.1)
    assert limiter.throttled(sent[-1]) is True
    assert limiter.rate == pytest.approx(10 * ratelimit.BETA)
    # The next slot is spaced at the new rate.
    before = t.now
    limiter.acquire()
    limiter.acquire()
    assert t.now - before >= 1 / (10 * ratelimit.BETA) - 1e-9


def test_one_burst_of_429s_is_one_decrease():
    """Many requests were in flight when the portal started refusing: their 429s arrive
    after the first one lowered the rate, and must not lower it again."""
    t = FakeTime()
    limiter = limiter_at(20, t)
    in_flight = unhurried(limiter, t, 8, every=0.05)
    assert limiter.throttled(in_flight[0]) is True
    lowered = limiter.rate
    for sent_at in in_flight[1:]:
        assert limiter.throttled(sent_at) is False
    assert limiter.rate == lowered and limiter.decreases == 1
    # A request sent after the decrease that is refused too lowers it again.
    assert limiter.throttled(limiter.acquire()) is True
    assert limiter.rate <= lowered * ratelimit.BETA
    assert limiter.decreases == 2


def test_decreases_from_the_rate_actually_sent():
    """A rate that grew far above what callers asked for (or an unlimited start) comes down
    to what was really sent, in one step."""
    t = FakeTime()
    limiter = limiter_at(None, t)
    assert limiter.unlimited
    sent = unhurried(limiter, t, 30, every=0.02)  # 50 requests/s
    assert t.sleeps == []
    limiter.throttled(sent[-1])
    assert limiter.rate == pytest.approx(50 * ratelimit.BETA, rel=0.05)


def test_goes_below_the_portals_rate_but_not_below_the_floor():
    t = FakeTime()
    limiter = limiter_at(20, t)
    for _ in range(30):
        limiter.throttled(limiter.acquire())
    assert limiter.rate == ratelimit.MIN_RATE == 0.5
    gaps = paced(limiter, t, 3)
    assert gaps[2] - gaps[1] >= 1 / 0.6  # ~2 s apart (it ramps a little while waiting)


def test_a_start_below_the_floor_lowers_the_floor():
    t = FakeTime()
    limiter = limiter_at(0.2, t)
    limiter.throttled(limiter.acquire())
    assert limiter.rate == 0.2


def test_after_a_429_the_rate_grows_back_past_where_it_was_throttled():
    t = FakeTime()
    limiter = limiter_at(40, t)
    sent = unhurried(limiter, t, 50, every=0.025)  # at the rate, 40/s
    limiter.throttled(sent[-1])
    assert limiter.rate == pytest.approx(28)
    rates = []
    for _ in range(400):
        limiter.answered(limiter.acquire())
        rates.append(limiter.rate)
    assert rates == sorted(rates)  # only up, while no 429 comes
    # Back at the throttled rate after K seconds of waiting on it, then beyond.
    assert limiter.rate > 40
    assert limiter.decreases == 1


def test_no_ramp_after_a_429_until_a_request_gets_through():
    t = FakeTime()
    limiter = limiter_at(20, t)
    limiter.throttled(limiter.acquire())
    lowered = limiter.rate
    sent = paced(limiter, t, 20)  # their answers have not come
    assert limiter.rate == lowered
    limiter.answered(sent[0])
    paced(limiter, t, 20)
    assert limiter.rate > lowered


def test_after_a_storm_the_rate_comes_back_quickly():
    """Everything refused for a while drives the rate down (a 429 for each rate it tried);
    once requests get through again, it is back at 0.7 x where the storm began after two of
    them, instead of crawling up from the bottom."""
    t = FakeTime()
    limiter = limiter_at(20, t)
    unhurried(limiter, t, 25, every=0.05)  # working at 20/s
    while limiter.rate > 1:  # the storm: every request sent is refused
        limiter.throttled(limiter.acquire())
    assert limiter.decreases >= 8
    through = 0
    while limiter.rate < 14 * 0.99:
        limiter.answered(limiter.acquire())
        through += 1
    assert through <= 2


def test_fixed_rate_when_not_adaptive():
    t = FakeTime()
    limiter = limiter_at(10, t, adaptive=False)
    sent = paced(limiter, t, 50)
    assert sent[-1] - sent[0] == pytest.approx(4.9)
    assert limiter.throttled(sent[-1]) is False and limiter.rate == 10


# -- Retry-After and pauses ---------------------------------------------------------------------


def test_retry_after_pauses_everyone_then_the_schedule_resumes_without_a_burst():
    t = FakeTime()
    limiter = limiter_at(10, t)
    first = limiter.acquire()
    limiter.throttled(first, retry_after=3.0)
    second = limiter.acquire()
    assert second - first >= 3.0
    third = limiter.acquire()
    assert third - second >= 1 / 7 - 1e-9  # spaced again, at the lowered rate


def test_retry_after_is_honoured_even_for_a_429_of_an_older_burst():
    t = FakeTime()
    limiter = limiter_at(10, t)
    old = limiter.acquire()
    limiter.throttled(limiter.acquire())
    assert limiter.throttled(old, retry_after=2.0) is False  # no second decrease
    before = t.now
    limiter.acquire()
    assert t.now - before >= 2.0


def test_a_huge_retry_after_is_capped():
    t = FakeTime()
    limiter = limiter_at(10, t)
    limiter.throttled(limiter.acquire(), retry_after=1e9)
    before = t.now
    limiter.acquire()
    assert t.now - before == pytest.approx(ratelimit.MAX_RETRY_AFTER)


def test_a_caller_asleep_on_its_slot_waits_for_a_pause_that_came_meanwhile():
    t = FakeTime()
    limiter = limiter_at(10, t)
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        if len(slept) == 1:
            limiter.pause(2.0)  # another thread got a 429 with Retry-After while we slept
        t.now += seconds

    limiter._sleep = sleep
    limiter.acquire()  # at once
    limiter.acquire()  # sleeps 0.1, wakes, finds the pause and waits it out
    assert slept[0] == pytest.approx(0.1)
    assert sum(slept) == pytest.approx(2.0)


def test_stop_ends_every_wait():
    stop = threading.Event()
    limiter = RateLimiter(0.5, stop=stop)
    limiter.acquire()
    limiter.pause(30)
    threading.Timer(0.05, stop.set).start()
    started = time.monotonic()
    limiter.acquire()  # would wait 30 s
    limiter.acquire()
    assert time.monotonic() - started < 5


def test_threads_share_one_schedule_in_real_time():
    limiter = RateLimiter(500, adaptive=False)
    started = time.monotonic()
    stamps: list[float] = []
    lock = threading.Lock()

    def work():
        for _ in range(25):
            limiter.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(stamps) == 100
    assert time.monotonic() - started >= 99 / 500 - ratelimit.MAX_SLACK


# -- reading Retry-After ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": " 0.5 "}, 0.5),
        ({"x-amz-retry-after": "1500"}, 1.5),
        ({"x-amz-retry-after": "250", "retry-after": "9"}, 0.25),
        ({}, None),
        (None, None),
        ({"retry-after": "-1"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "inf"}, None),
        ({"retry-after": "1e999"}, None),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "Mon, 99 Foo 2026 99:99:99 GMT"}, None),
        ({"x-amz-retry-after": "-5"}, None),
    ],
)
def test_retry_after_header_values(headers, seconds):
    assert retry_after_seconds(headers) == seconds


def test_retry_after_as_an_http_date():
    from datetime import UTC, datetime, timedelta

    later = datetime.now(UTC) + timedelta(seconds=30)
    assert 25 <= retry_after_seconds({"retry-after": format_datetime(later, usegmt=True)}) <= 30
    past = datetime.now(UTC) - timedelta(seconds=30)
    assert retry_after_seconds({"retry-after": format_datetime(past, usegmt=True)}) == 0.0
