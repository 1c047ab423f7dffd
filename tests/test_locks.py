"""One lock primitive (``locks.held_file``) for the shared locks and the token cache: a file
lock between processes, re-entrant within a thread, exclusive between threads. Whether the
file is locked is checked as another process would see it: ``flock`` on a descriptor of our
own, without waiting."""

from __future__ import annotations

import fcntl
import os
import threading

from conftest import SESSION_NAME, START_URL

from ssotui.core import locks, paths
from ssotui.core.models import SsoSession
from ssotui.core.tokencache import TokenCache

SESSION = SsoSession(SESSION_NAME, START_URL, "us-east-1")


def locked_for_others(path) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def in_a_thread(body) -> list:
    """Run ``body`` in a thread; what it returned, or [] if it is still stuck (a deadlock
    must fail the test, not hang it)."""
    done: list = []
    worker = threading.Thread(target=lambda: done.append(body()), daemon=True)
    worker.start()
    worker.join(30)
    return done


def test_a_shared_lock_can_be_taken_again_by_the_thread_holding_it():
    path = paths.lock_dir() / "nested.lock"

    def nested():
        with locks.held("nested.lock"):
            with locks.held("nested.lock"):
                inner = locked_for_others(path)
            after_inner = locked_for_others(path)
        return inner, after_inner, locked_for_others(path)

    assert in_a_thread(nested) == [(True, True, False)]


def test_another_thread_waits_for_a_shared_lock():
    entered, release, order = threading.Event(), threading.Event(), []

    def first():
        with locks.held("shared.lock"):
            entered.set()
            release.wait()
            order.append("first")

    def second():
        entered.wait()
        with locks.held("shared.lock"):
            order.append("second")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    entered.wait()
    release.set()
    for thread in threads:
        thread.join()
    assert order == ["first", "second"]


def test_the_token_cache_lock_is_the_same_primitive(tmp_path):
    cache = TokenCache(SESSION, tmp_path / "sso")

    def both():
        with cache.lock():
            with locks.held_file(cache.lock_path):  # the same lock: no deadlock
                return locked_for_others(cache.lock_path)

    assert in_a_thread(both) == [True]
    assert cache.lock_path.parent == paths.lock_dir()
    assert not locked_for_others(cache.lock_path)
    assert oct(cache.lock_path.stat().st_mode & 0o777) == "0o600"
