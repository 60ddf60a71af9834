"""The write guard: the ``requests.Session`` under prawcore that never lets a write repeat.

Writes are not idempotent. prawcore retries any request, POSTs included, on the statuses
in ``Session.RETRY_STATUSES`` and the exceptions in ``Session.RETRY_EXCEPTIONS`` (a
connection error, a read timeout, a body cut off mid-way), so one ``reply()`` under a 503
can post three comments. ``WriteGuardSession`` turns any of those, and any other exception
raised once a POST may have left, into ``WriteOutcomeUnknown``, which prawcore does not
retry; the gateway raises ``WriteUncertain`` and the caller looks at Reddit before trying
again.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import requests
from prawcore.const import ACCESS_TOKEN_PATH
from prawcore.sessions import Session as PrawcoreSession

from bot import metrics
from bot.reddit.pacing import Pacer

log = logging.getLogger(__name__)
# What prawcore would answer by sending the request again; for a POST that is a duplicate.
RETRIED_STATUSES = frozenset(PrawcoreSession.RETRY_STATUSES)
RETRIED_EXCEPTIONS: tuple[type[Exception], ...] = tuple(PrawcoreSession.RETRY_EXCEPTIONS)


class WriteOutcomeUnknown(Exception):
    """A POST may have been applied (5xx, timeout, cut body, ...). Not retried by prawcore."""


class ShuttingDown(Exception):
    """The daemon is stopping: no new request is sent (so nothing is half-applied)."""


class WriteGuardSession(requests.Session):
    """A ``requests.Session`` that stops prawcore from retrying writes blindly.

    It also applies the configured request timeout: prawcore passes its own fixed
    default to every call, and PRAW 8 does not forward its ``timeout`` setting. And it
    paces requests on Reddit's rate-limit headers (``Pacer``); prawcore's own limiter then
    sees no ``x-ratelimit-remaining`` and stays out of the way (it would sleep inside a
    job on the wall clock, in steps of up to 10 s, without a way to stop).
    """

    def __init__(self, *, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout
        self.stopping = threading.Event()
        self.pacer = Pacer(sleep=self._interruptible_sleep)

    def _interruptible_sleep(self, seconds: float) -> None:
        if self.stopping.wait(seconds):
            raise ShuttingDown("wikibot is shutting down")

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if self.stopping.is_set():
            raise ShuttingDown("wikibot is shutting down")
        metrics.count("api_calls")
        kwargs["timeout"] = min(float(kwargs.get("timeout") or self.timeout), self.timeout)
        if ACCESS_TOKEN_PATH in str(url):  # another host and budget: neither paced nor guarded
            return super().request(method, url, *args, **kwargs)
        self.pacer.before_request()
        if str(method).upper() != "POST":
            return self._paced(super().request(method, url, *args, **kwargs))
        try:
            response = super().request(method, url, *args, **kwargs)
        except RETRIED_EXCEPTIONS as exc:  # prawcore would send it again: a duplicate
            raise WriteOutcomeUnknown(f"{type(exc).__name__} on POST") from exc
        except Exception as exc:  # not retried, but the POST may have left all the same
            log.warning("unexpected %s on POST %s; treating it as maybe applied", exc, url)
            raise WriteOutcomeUnknown(f"{type(exc).__name__} on POST") from exc
        if response.status_code in RETRIED_STATUSES:
            raise WriteOutcomeUnknown(f"HTTP {response.status_code} on POST")
        return self._paced(response)

    def _paced(self, response: requests.Response) -> requests.Response:
        if "x-ratelimit-remaining" in response.headers:
            self.pacer.after_response(response.headers)
            del response.headers["x-ratelimit-remaining"]  # the pacer has it; see above
        return response
