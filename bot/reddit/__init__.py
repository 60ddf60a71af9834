"""The gateway to Reddit: the only package that imports praw and prawcore.

Split by concern, the way prawcore is:

- ``gateway``: ``Gateway``, the operations the bot needs, plain data in and out
- ``endpoints``: the API paths the gateway reads (``ENDPOINTS``) and page sizes
- ``client``: ``praw.Reddit`` for the configured target and credentials
- ``write_guard``: the session that keeps prawcore from resending a write
- ``pacing``: waits on Reddit's rate-limit headers
- ``mapping``: praw/prawcore exceptions and HTTP statuses -> ``bot.errors`` (a table)
- ``parse``: raw JSON payloads -> ``bot.records`` dataclasses

Callers import from here: ``from bot.reddit import Gateway``.
"""

from bot.reddit.client import build_reddit
from bot.reddit.endpoints import ENDPOINTS
from bot.reddit.gateway import Gateway
from bot.reddit.mapping import STATUS_ERRORS, translate_errors
from bot.reddit.pacing import Pacer
from bot.reddit.write_guard import (
    RETRIED_EXCEPTIONS,
    RETRIED_STATUSES,
    ShuttingDown,
    WriteGuardSession,
    WriteOutcomeUnknown,
)

__all__ = [
    "ENDPOINTS",
    "RETRIED_EXCEPTIONS",
    "RETRIED_STATUSES",
    "STATUS_ERRORS",
    "Gateway",
    "Pacer",
    "ShuttingDown",
    "WriteGuardSession",
    "WriteOutcomeUnknown",
    "build_reddit",
    "translate_errors",
]
