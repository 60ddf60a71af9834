"""Fault injection: make the next N matching requests misbehave.

Kinds:
  ``500``/``502``/``503``/``504``/``429``/``403``/``409``/``413``
                         answer that status, change nothing
  ``ratelimit``          answer 200 with Reddit's ``RATELIMIT`` error, change nothing
  ``timeout``            sleep ``delay`` seconds, then answer 504, change nothing
  ``apply_500``/``apply_503``  apply the write, then answer 500/503 anyway
  ``apply_timeout``      apply the write, then sleep ``delay`` seconds before answering
  ``apply_cut``          apply the write, then cut the response body off mid-way
  ``apply_html``         apply the write, then answer 200 with an HTML page, not JSON
  ``expire_token``       expire every token, answer 401 (clients must fetch a new one)
  ``edit_race``          on a wiki edit: a moderator first appends a line to the page, so
                         the edit's ``previous`` is stale and Reddit merges it; the next
                         fault armed for the same request applies on top (``edit_race``
                         then ``apply_503``: a merged edit whose answer is lost)

Token requests (``/api/v1/access_token``) meet only faults whose ``path`` names them, so a
fault armed for any path never breaks logging in by accident.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

STATUS_KINDS = {
    "500": 500,
    "502": 502,
    "503": 503,
    "504": 504,
    "429": 429,
    "403": 403,
    "409": 409,
    "413": 413,
}
APPLY_KINDS = {
    "apply_500": 500,
    "apply_503": 503,
    "apply_timeout": 200,
    "apply_cut": 200,
    "apply_html": 200,
}
KINDS = (*STATUS_KINDS, "ratelimit", "timeout", *APPLY_KINDS, "expire_token", "edit_race")
RACING_LINE = "A line added on the wiki by a moderator while wikibot pushed.\n"


@dataclass
class Fault:
    """One armed fault; ``path`` is a regular expression searched in the request path."""

    kind: str
    path: str = ""
    method: str | None = None
    count: int = 1
    delay: float = 0.0
    wait_seconds: int = 180

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        return re.search(self.path, path) is not None


class FaultPlan:
    """The armed faults, consumed in order."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        if fault.kind not in KINDS:
            msg = f"unknown fault kind {fault.kind!r}; known: {', '.join(KINDS)}"
            raise ValueError(msg)
        re.compile(fault.path)
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str, *, named_only: bool = False) -> Fault | None:
        """Return (and use up one count of) the first fault matching this request.

        With ``named_only``, a fault armed for any path (an empty ``path``) does not match.
        """
        with self._lock:
            for fault in self._faults:
                if named_only and not fault.path:
                    continue
                if fault.count > 0 and fault.matches(method, path):
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)
