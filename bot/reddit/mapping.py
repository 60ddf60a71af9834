"""Error mapping: praw/prawcore exceptions and HTTP statuses -> the bot's error family.

Like prawcore's ``Session.STATUS_EXCEPTIONS``, an HTTP status picks its error from a table
(``STATUS_ERRORS``); a status not in it is ``Unavailable`` from 500 up and ``Refused``
below. Every mapped error keeps the praw/prawcore exception as its ``__cause__`` (the
evidence for a maintainer); users see the one-line message only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import praw
import prawcore
import requests
from praw.exceptions import RedditAPIException

from bot import neterrors
from bot.errors import (
    ApiError,
    AuthFailed,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    Refused,
    Unavailable,
    WriteUncertain,
)
from bot.reddit.write_guard import RETRIED_STATUSES, ShuttingDown, WriteOutcomeUnknown

_RATELIMIT_RE = re.compile(r"(\d+)\s+(millisecond|second|minute)", re.IGNORECASE)
DEFAULT_WAIT_SECONDS = 60.0  # a rate limit that does not say how long

# (what was being done, Reddit's answer, the wiki page if any) -> the error to raise
StatusError = Callable[[str, requests.Response, str | None], ApiError]


@contextmanager
def translate_errors(what: str, *, page: str | None = None) -> Iterator[None]:
    """Map praw/prawcore exceptions to the bot's error family, with a one-line message."""
    try:
        yield
    except prawcore.BadJSON as exc:  # a 200 whose body is not Reddit's (a proxy's page, say)
        if str(exc.response.request.method).upper() == "POST":
            raise WriteUncertain(
                f"{what}: the answer was not JSON; it may have been applied",
                status=exc.response.status_code,
            ) from exc
        raise Unavailable(
            f"{what}: the answer was not JSON; will retry later", status=exc.response.status_code
        ) from exc
    except prawcore.ResponseException as exc:
        raise error_for_status(what, exc.response, page=page) from exc
    except prawcore.OAuthException as exc:
        raise AuthFailed(
            f"{what}: login refused ({exc.error}); check REDDIT_USERNAME/"
            "REDDIT_PASSWORD or the praw.ini site",
            status=exc.response.status_code,
        ) from exc
    except prawcore.RequestException as exc:
        original = exc.original_exception
        if isinstance(original, WriteOutcomeUnknown):
            raise WriteUncertain(f"{what}: {original}; it may have been applied") from exc
        if isinstance(original, ShuttingDown):
            raise Unavailable(f"{what}: not sent, wikibot is shutting down") from exc
        raise Unavailable(f"{what}: cannot reach Reddit: {neterrors.describe(original)}") from exc
    except RedditAPIException as exc:
        raise from_api_exception(what, exc) from exc
    except praw.exceptions.ClientException as exc:
        raise Refused(f"{what}: {exc}") from exc
    except requests.RequestException as exc:  # prawcore lets a bad login answer through
        raise Unavailable(
            f"{what}: {type(exc).__name__}: Reddit's answer could not be read; will retry later"
        ) from exc


def error_for_status(what: str, response: requests.Response, *, page: str | None) -> ApiError:
    """The error for an HTTP error status, from ``STATUS_ERRORS``."""
    status = response.status_code
    build = STATUS_ERRORS.get(status, _unavailable if status >= 500 else _refused)
    return build(what, response, page)


def _conflict(what: str, response: requests.Response, page: str | None) -> ApiError:
    newer = json_body(response)
    return Conflict(
        f"{what}: the page changed since the revision we based the edit on (HTTP 409)",
        page=page,
        revision=_str_or_none(newer.get("newrevision")),
        content=_str_or_none(newer.get("newcontent")),
    )


def _not_found(what: str, response: requests.Response, page: str | None) -> ApiError:
    return NotFound(f"{what}: not found (HTTP 404)", status=404)


def _unauthorized(what: str, response: requests.Response, page: str | None) -> ApiError:
    return AuthFailed(f"{what}: unauthorized (HTTP 401); check the credentials", status=401)


def _forbidden(what: str, response: requests.Response, page: str | None) -> ApiError:
    return Forbidden(
        f"{what}: forbidden (HTTP 403); the account lacks the permission "
        "(is it a moderator with wiki permission?)",
        status=403,
    )


def _rate_limited(what: str, response: requests.Response, page: str | None) -> ApiError:
    reset = response.headers.get("x-ratelimit-reset") or response.headers.get("retry-after")
    wait = float(reset) if reset and reset.replace(".", "", 1).isdigit() else DEFAULT_WAIT_SECONDS
    return RateLimited(
        f"{what}: rate limited (HTTP 429); waiting {wait:.0f}s", wait_seconds=wait, status=429
    )


def _unavailable(what: str, response: requests.Response, page: str | None) -> ApiError:
    status = response.status_code
    return Unavailable(f"{what}: Reddit answered HTTP {status}; will retry later", status=status)


def _refused(what: str, response: requests.Response, page: str | None) -> ApiError:
    body = json_body(response)
    reason = str(body.get("reason") or body.get("message") or "")
    return Refused(
        f"{what}: Reddit answered HTTP {response.status_code} {reason}".rstrip(),
        status=response.status_code,
        code=_str_or_none(body.get("reason")),
    )


STATUS_ERRORS: dict[int, StatusError] = {
    # what prawcore retries (5xx, 408, Cloudflare's 520/522) is transient for a read too
    **dict.fromkeys(sorted(RETRIED_STATUSES), _unavailable),
    401: _unauthorized,
    403: _forbidden,
    404: _not_found,
    409: _conflict,
    429: _rate_limited,
}


def from_api_exception(what: str, exc: RedditAPIException) -> ApiError:
    """Reddit's error items (HTTP 200 with ``json.errors``): a RATELIMIT item, or refused."""
    for item in exc.items:
        if item.error_type == "RATELIMIT":
            return RateLimited(
                f"{what}: Reddit says: {item.message}",
                wait_seconds=ratelimit_seconds(item.message or ""),
            )
    first = exc.items[0]
    return Refused(
        f"{what}: Reddit refused: {first.error_type}: {first.message}", code=first.error_type
    )


def ratelimit_seconds(message: str) -> float:
    """The wait in Reddit's "Take a break for 3 minutes" message (60 s if it names none)."""
    match = _RATELIMIT_RE.search(message)
    if not match:
        return DEFAULT_WAIT_SECONDS
    amount = int(match.group(1))
    unit = match.group(2).lower()
    return {"millisecond": 1.0, "second": float(amount), "minute": amount * 60.0}[unit]


def json_body(response: requests.Response) -> dict[str, Any]:
    """The answer's JSON object, or ``{}`` when it is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)
