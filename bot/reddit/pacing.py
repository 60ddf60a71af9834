"""Pacing: keep requests inside Reddit's rate-limit window (like prawcore's ``rate_limit``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class Pacer:
    """Keeps requests inside Reddit's window using ``x-ratelimit-remaining``/``-reset``.

    After each response it notes how many requests the window has left and when it ends.
    Before a request it waits for the window's end once the allowance is spent, so a burst
    (a first sync of a large wiki, a backlog of posts) never draws an HTTP 429. ``clock``
    and ``sleep`` are attributes so the benchmark can run it on virtual time.
    """

    def __init__(self, *, sleep: Callable[[float], None], reserve: int = 1) -> None:
        self.clock: Callable[[], float] = time.time
        self.sleep = sleep
        self.reserve = reserve
        self.remaining: float | None = None
        self.window_end = 0.0
        self.waited = 0.0

    def before_request(self) -> None:
        """Wait for the window's end when the allowance left is at the reserve."""
        if self.remaining is None or self.remaining > self.reserve:
            return
        wait = self.window_end - self.clock()
        if wait > 0:
            log.info("rate limit: %d request(s) left; waiting %.0fs", self.remaining, wait)
            self.waited += wait
            self.sleep(wait)
        self.remaining = None

    def after_response(self, headers: Any) -> None:
        remaining, reset = headers.get("x-ratelimit-remaining"), headers.get("x-ratelimit-reset")
        try:
            self.remaining = float(remaining)
            self.window_end = self.clock() + float(reset)
        except (TypeError, ValueError):
            return
