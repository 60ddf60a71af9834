"""The gateway to Reddit: the only module that imports praw and prawcore.

It builds ``praw.Reddit`` for the configured target (the sandbox via PRAW's
``oauth_url``/``reddit_url``, or reddit.com), offers the operations the bot needs as plain
data in and out, and maps praw/prawcore errors to the bot's own error family.

Writes are not idempotent. prawcore retries any request, POSTs included, on the statuses
in ``Session.RETRY_STATUSES`` and the exceptions in ``Session.RETRY_EXCEPTIONS`` (a
connection error, a read timeout, a body cut off mid-way), so one ``reply()`` under a 503
can post three comments. ``WriteGuardSession`` turns any of those, and any other exception
raised once a POST may have left, into an exception prawcore does not retry; the gateway
raises ``WriteUncertain`` and the caller looks at Reddit before trying again.
"""

from __future__ import annotations

import configparser
import functools
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypedDict, TypeVar

import praw
import prawcore
import requests
from praw.exceptions import RedditAPIException
from prawcore.const import ACCESS_TOKEN_PATH
from prawcore.sessions import Session as PrawcoreSession

from bot import metrics, neterrors
from bot.config import PrawCredentials, Settings
from bot.errors import (
    AuthFailed,
    ConfigError,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    Refused,
    Unavailable,
    WriteUncertain,
)
from bot.limits import LISTING_MAX, REPORT_REASON_MAX
from bot.models import (
    SANDBOX_TARGET_PREFIX,
    Comment,
    CommentReply,
    ListingCursor,
    OwnComment,
    PageSettings,
    Post,
    StreamComment,
    Target,
    WikiPage,
    WikiRevision,
    bare_id,
    comment_fullname,
    post_fullname,
)

log = logging.getLogger(__name__)
# The API paths the gateway reads itself (like praw/endpoints.py); writes go through PRAW.
ENDPOINTS = {
    "wiki_pages": "r/{subreddit}/wiki/pages/",
    "wiki_page": "r/{subreddit}/wiki/{page}",
    "wiki_revisions": "r/{subreddit}/wiki/revisions/",
    "wiki_page_revisions": "r/{subreddit}/wiki/revisions/{page}",
    "new": "r/{subreddit}/new",
    "comments": "comments/{post_id}",
    "user_comments": "user/{user}/comments",
    "inbox_comments": "message/comments",
    "moderators": "r/{subreddit}/about/moderators",
    "subreddit_comments": "r/{subreddit}/comments",
    "info": "api/info",
}
COMMENTS_PER_READ = 500  # the most Reddit returns for one thread read
MAX_LISTING_PAGES = 10  # pages of 100 read back to a cursor (a flood of 1,000 items)
T = TypeVar("T")
# What prawcore would answer by sending the request again; for a POST that is a duplicate.
RETRIED_STATUSES = frozenset(PrawcoreSession.RETRY_STATUSES)
RETRIED_EXCEPTIONS: tuple[type[Exception], ...] = tuple(PrawcoreSession.RETRY_EXCEPTIONS)
_RATELIMIT_RE = re.compile(r"(\d+)\s+(millisecond|second|minute)", re.IGNORECASE)


class WriteOutcomeUnknown(Exception):
    """A POST may have been applied (5xx, timeout, cut body, ...). Not retried by prawcore."""


class ShuttingDown(Exception):
    """The daemon is stopping: no new request is sent (so nothing is half-applied)."""


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
            raise WriteOutcomeUnknown(f"{type(exc).__name__} on POST") from None
        except Exception as exc:  # not retried, but the POST may have left all the same
            log.warning("unexpected %s on POST %s; treating it as maybe applied", exc, url)
            raise WriteOutcomeUnknown(f"{type(exc).__name__} on POST") from None
        if response.status_code in RETRIED_STATUSES:
            raise WriteOutcomeUnknown(f"HTTP {response.status_code} on POST")
        return self._paced(response)

    def _paced(self, response: requests.Response) -> requests.Response:
        if "x-ratelimit-remaining" in response.headers:
            self.pacer.after_response(response.headers)
            del response.headers["x-ratelimit-remaining"]  # the pacer has it; see above
        return response


class PrawOptions(TypedDict, total=False):
    """The keyword arguments wikibot gives ``praw.Reddit`` (besides the credentials)."""

    user_agent: str
    check_for_updates: bool
    check_for_async: bool
    ratelimit_seconds: int
    oauth_url: str
    reddit_url: str


def build_reddit(settings: Settings, *, session: WriteGuardSession) -> praw.Reddit:
    """A ``praw.Reddit`` for the configured target, sending through ``session``."""
    options = PrawOptions(
        user_agent=settings.user_agent,
        check_for_updates=False,
        check_for_async=False,
        ratelimit_seconds=0,  # the bot waits itself; PRAW must not sleep inside a job
    )
    if settings.is_sandbox:
        options["oauth_url"] = options["reddit_url"] = settings.sandbox_url
    # the environment's credentials; the site keeps what they leave out, key by key
    given = settings.credentials.given() if settings.credentials is not None else PrawCredentials()
    site = settings.praw_site if not settings.is_sandbox else None
    requestor = {"session": session}
    try:
        if site:  # the site's URLs are kept
            return praw.Reddit(site, requestor_kwargs=requestor, **options, **given)
        return praw.Reddit(requestor_kwargs=requestor, **options, **given)
    except configparser.NoSectionError:
        raise ConfigError(
            f"{settings.config_file}: praw_site: no [{site}] section in a praw.ini "
            "(in the working directory or the user config folder); add it or fix the name"
        ) from None
    except praw.exceptions.ClientException as exc:  # a required setting is missing
        problem = str(exc).strip().splitlines()[0].rstrip(". ")
        raise ConfigError(
            f"{settings.config_file}: praw_site {site!r}: {problem}; add it to the site "
            "or set the REDDIT_* variable"
        ) from None


class Gateway:
    """Reddit operations as plain data; raises only ``bot.errors`` exceptions."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.session = WriteGuardSession(timeout=settings.request_timeout)
        self.reddit = build_reddit(settings, session=self.session)
        self.subreddit = self.reddit.subreddit(settings.subreddit)
        self._username: str | None = None

    # --- account ---------------------------------------------------------------------

    def username(self) -> str:
        """The bot account's name (one API call, then cached)."""
        if self._username is None:
            configured = self.reddit.config.username  # the environment, or the praw.ini site
            if configured:
                self._username = str(configured)
            else:
                me = self._call(self.reddit.user.me, what="who am I")
                self._username = str(me)
        return self._username

    def target(self) -> Target:
        """Which Reddit this gateway talks to, as whom (from the configuration; no call).

        The sandbox is identified by its state file, not its URL: the same world served on
        another port is the same target.
        """
        url = str(self.reddit.config.oauth_url).rstrip("/")
        if self.settings.is_sandbox:
            url = f"{SANDBOX_TARGET_PREFIX}{self.settings.sandbox.state_file.resolve()}"
        return self._target_at(url)

    def target_aliases(self) -> tuple[Target, ...]:
        """Older names of this target: the sandbox's URL, which states recorded before the
        sandbox was identified by its state file."""
        if not self.settings.is_sandbox:
            return ()
        return (self._target_at(str(self.reddit.config.oauth_url).rstrip("/")),)

    def _target_at(self, api_url: str) -> Target:
        account = self.reddit.config.username
        return Target(
            api_url=api_url,
            subreddit=self.settings.subreddit.lower(),
            account=str(account).lower() if account else None,
        )

    def stop(self) -> None:
        """Refuse new requests from now on; in-flight ones finish or time out."""
        self.session.stopping.set()

    # --- wiki ------------------------------------------------------------------------------

    def list_pages(self) -> list[str]:
        """Names of all wiki pages."""
        data = self._call(
            lambda: self.reddit.request(method="GET", path=self._path("wiki_pages")),
            what="list wiki pages",
        )
        return [str(name) for name in data["data"]]

    def read_page(self, name: str, *, revision: str | None = None) -> WikiPage | None:
        """The page's current (or given) revision, or None when it does not exist."""
        path = self._path("wiki_page", page=name)
        params: dict[str, str | int] | None = {"v": revision} if revision else None
        try:
            data = self._call(
                lambda: self.reddit.request(method="GET", path=path, params=params),
                what=f"read wiki page {name!r}",
            )
        except NotFound:
            return None
        page = data["data"]
        author = page.get("revision_by") or {}
        return WikiPage(
            name=name,
            content=page["content_md"],
            revision_id=page["revision_id"],
            revision_date=float(page["revision_date"]),
            revision_by=(author.get("data") or {}).get("name"),
        )

    def edit_page(
        self, name: str, *, content: str, reason: str | None, previous: str | None
    ) -> None:
        """Create or edit a page; ``previous`` makes Reddit refuse (Conflict) a stale edit."""
        settings: dict[str, str] = {"previous": previous} if previous else {}
        self._call(
            lambda: self.subreddit.wiki[name].edit(content=content, reason=reason, **settings),
            what=f"edit wiki page {name!r}",
            page=name,
        )

    def revisions(
        self, *, page: str | None = None, stop_at: set[str] | None = None, limit: int | None = None
    ) -> tuple[list[WikiRevision], bool]:
        """Revisions newest first, of one page or the whole wiki.

        Stops before the first id in ``stop_at`` (the last revision already known), so
        with nothing new this is one API call. Returns the revisions and whether a
        ``stop_at`` id was reached.
        """
        stop_at = stop_at or set()
        path = (
            self._path("wiki_page_revisions", page=page) if page else self._path("wiki_revisions")
        )
        found: list[WikiRevision] = []
        after: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": LISTING_MAX}
            if after:
                params["after"] = after
            data = self._call(
                functools.partial(self.reddit.request, method="GET", path=path, params=params),
                what="list wiki revisions",
            )
            for child in data["data"]["children"]:
                if child["id"] in stop_at:
                    return found, True
                found.append(_revision(child))
                if limit is not None and len(found) >= limit:
                    return found, False
            after = data["data"].get("after")
            if not after:
                return found, False

    def revisions_since(
        self, cursor: str, *, enough: Callable[[list[WikiRevision]], bool]
    ) -> list[WikiRevision]:
        """Wiki revisions newer than ``cursor``, newest first, read from the cursor upwards.

        Pages of 100 go up with ``before``, stopping once a page comes back short (the top
        is reached) or ``enough(found)`` holds. So k new revisions cost ceil(k/100) calls,
        and nothing between the cursor and the revisions returned is skipped.
        """
        path = f"r/{self.settings.subreddit}/wiki/revisions/"
        found: list[WikiRevision] = []
        anchor = cursor
        while True:
            params: dict[str, str | int] = {
                "limit": LISTING_MAX,
                "before": f"WikiRevision_{anchor}",
            }
            data = self._call(
                functools.partial(self.reddit.request, method="GET", path=path, params=params),
                what="list wiki revisions",
            )
            page = [_revision(child) for child in data["data"]["children"]]
            found = page + found
            if len(page) < LISTING_MAX or enough(found):
                return found
            anchor = page[0].id

    def page_settings(self, name: str) -> PageSettings:
        data = self._call(
            self.subreddit.wiki[name].mod.settings,
            what=f"read settings of wiki page {name!r}",
        )
        return PageSettings(listed=bool(data["listed"]), permlevel=int(data["permlevel"]))

    def update_page_settings(self, name: str, *, listed: bool, permlevel: int) -> None:
        self._call(
            lambda: self.subreddit.wiki[name].mod.update(listed=listed, permlevel=permlevel),
            what=f"update settings of wiki page {name!r}",
        )

    # --- posts and comments --------------------------------------------------------------

    def new_posts(self, *, before: str | None = None, limit: int = LISTING_MAX) -> list[Post]:
        """Newest posts first; with ``before``, only posts newer than that fullname."""
        params: dict[str, str | int] = {"limit": min(limit, LISTING_MAX)}
        if before:
            params["before"] = before
        data = self._call(
            lambda: self.reddit.request(method="GET", path=self._path("new"), params=params),
            what="list new posts",
        )
        return [_post(child["data"]) for child in data["data"]["children"]]

    def post_with_comments(self, post_id: str) -> tuple[Post, list[Comment]]:
        """A post and all its comments, flattened."""
        data = self._call(
            lambda: self.reddit.request(
                method="GET",
                path=self._path("comments", post_id=post_id),
                params={"limit": COMMENTS_PER_READ},
            ),
            what=f"read comments of post {post_id}",
        )
        post = _post(data[0]["data"]["children"][0]["data"])
        found: list[Comment] = []
        stack = list(data[1]["data"]["children"])
        while stack:
            child = stack.pop()
            if child.get("kind") != "t1":
                continue
            item = child["data"]
            found.append(_comment(item))
            replies = item.get("replies")
            if isinstance(replies, dict):
                stack.extend(replies["data"]["children"])
        return post, found

    def moderators(self) -> list[str]:
        """Names of the subreddit's moderators."""
        data = self._call(
            lambda: self.reddit.request(method="GET", path=self._path("moderators")),
            what="list moderators",
        )
        return [child["name"] for child in data["data"]["children"]]

    def reply(self, fullname: str, *, body: str) -> str:
        """Comment on a post; returns the new comment's id."""
        comment = self._call(
            lambda: self.reddit.submission(bare_id(fullname)).reply(body=body),
            what=f"reply to {fullname}",
        )
        if comment is None:
            raise Refused(
                f"reply to {fullname}: Reddit accepted the comment but returned none "
                "(the post may be deleted)"
            )
        return str(comment.id)

    def own_comments(
        self, *, limit: int = LISTING_MAX, after: str | None = None
    ) -> list[OwnComment]:
        """The bot account's newest comments with their scores (one call); ``after`` a
        comment's fullname for the next page."""
        params: dict[str, str | int] = {"limit": min(limit, LISTING_MAX), "sort": "new"}
        if after:
            params["after"] = after
        data = self._call(
            lambda: self.reddit.request(
                method="GET",
                path=self._path("user_comments", user=self.username()),
                params=params,
            ),
            what="list the bot's own comments",
        )
        return [_own_comment(child["data"]) for child in data["data"]["children"]]

    def own_comments_since(self, since: float) -> list[OwnComment]:
        """The bot account's comments made at or after ``since``, newest first (paged)."""
        found: list[OwnComment] = []
        after: str | None = None
        while True:
            page = self.own_comments(after=after)
            found.extend(c for c in page if c.created_utc >= since)
            if len(page) < LISTING_MAX or page[-1].created_utc < since:
                return found
            after = page[-1].fullname

    def comment_replies(self, *, since: ListingCursor | None = None) -> list[CommentReply]:
        """Replies to the bot's comments from its inbox, newest first.

        One call reads the newest 100; with ``since`` (the newest reply read before), older
        pages follow until one reaches back to it, so a flood of replies never hides a
        command behind it.
        """
        items = self._listing_back_to(
            self._path("inbox_comments"), since, what="read the inbox of comment replies"
        )
        return [
            CommentReply(
                id=item["id"],
                author=item.get("author"),
                body=item.get("body") or "",
                parent_id=item.get("parent_id") or "",
                post_id=_post_id(item.get("context") or item.get("link_id") or ""),
                created_utc=float(item.get("created_utc") or 0),
            )
            for item in items
            if child_kind_is_comment(item)
        ]

    def subreddit_comments(self, *, since: ListingCursor | None = None) -> list[StreamComment]:
        """The subreddit's newest comments, newest first: one call when nothing is new.

        Read back to ``since`` like ``comment_replies``; without a cursor, the newest 100.
        """
        items = self._listing_back_to(
            self._path("subreddit_comments"), since, what="list the subreddit's comments"
        )
        return [
            StreamComment(
                id=item["id"],
                author=None if item.get("author") in (None, "[deleted]") else item["author"],
                body=item.get("body") or "",
                post_id=bare_id(item.get("link_id") or ""),
                parent_id=item.get("parent_id") or "",
                created_utc=float(item.get("created_utc") or 0),
                distinguished=item.get("distinguished"),
            )
            for item in items
        ]

    def _listing_back_to(
        self, path: str, since: ListingCursor | None, *, what: str
    ) -> list[dict[str, Any]]:
        """A newest-first listing's items, page by page (``after``), back to ``since``: its
        item, or anything older than its time.

        Not ``before=<item>``: Reddit answers nothing before an item that has vanished,
        which would silence the cursor for good; a vanished item here costs one page more.
        """
        found: list[dict[str, Any]] = []
        after: str | None = None
        for _ in range(MAX_LISTING_PAGES):
            params: dict[str, str | int] = {"limit": LISTING_MAX}
            if after:
                params["after"] = after
            data = self._call(
                functools.partial(self.reddit.request, method="GET", path=path, params=params),
                what=what,
            )
            page = [child["data"] for child in data["data"]["children"]]
            found.extend(page)
            after = data["data"].get("after")
            if since is None or not page or not after:
                break
            oldest = min(float(item.get("created_utc") or 0) for item in page)
            if oldest < since.created_utc or any(
                item.get("name") == since.fullname for item in page
            ):
                break
        return found

    def posts_by_id(self, post_ids: list[str]) -> dict[str, Post]:
        """The posts that still exist among these, by bare id (``/api/info``, 100 a call).

        Removed and deleted posts come back too (``removed``, author None); ids Reddit does
        not know are simply absent.
        """
        things = self._info([post_fullname(i) for i in post_ids], what="read posts by id")
        return {post.id: post for post in (_post(t["data"]) for t in things if t["kind"] == "t3")}

    def comments_by_id(self, comment_ids: list[str]) -> dict[str, Comment]:
        """The comments Reddit still knows among these, by bare id (``/api/info``)."""
        things = self._info([comment_fullname(i) for i in comment_ids], what="read comments by id")
        return {c.id: c for c in (_comment(t["data"]) for t in things if t["kind"] == "t1")}

    def _info(self, fullnames: list[str], *, what: str) -> list[dict[str, Any]]:
        things: list[dict[str, Any]] = []
        unique = list(dict.fromkeys(fullnames))
        for start in range(0, len(unique), LISTING_MAX):
            batch = ",".join(unique[start : start + LISTING_MAX])
            data = self._call(
                functools.partial(
                    self.reddit.request,
                    method="GET",
                    path=self._path("info"),
                    params={"id": batch},
                ),
                what=what,
            )
            things.extend(data["data"]["children"])
        return things

    def delete_comment(self, comment_id: str) -> None:
        """Delete one of the bot's own comments (repeating it is harmless)."""
        self._call(
            lambda: self.reddit.comment(bare_id(comment_id)).delete(),
            what=f"delete comment {comment_fullname(comment_id)}",
        )

    def report(self, fullname: str, *, reason: str) -> None:
        """Report a post to the subreddit's mod queue (``POST /api/report``)."""
        self._call(
            lambda: self.reddit.submission(bare_id(fullname)).report(reason[:REPORT_REASON_MAX]),
            what=f"report {fullname} to the moderators",
        )

    def message_moderators(self, *, subject: str, body: str) -> None:
        """Send a message to the subreddit's moderators (modmail)."""
        self._call(
            lambda: self.subreddit.message(subject=subject[:100], message=body),
            what="message the moderators",
        )

    def _path(self, endpoint: str, **values: str) -> str:
        return ENDPOINTS[endpoint].format(subreddit=self.settings.subreddit, **values)

    # --- error mapping ---------------------------------------------------------------------

    def _call(self, action: Callable[[], T], *, what: str, page: str | None = None) -> T:
        with translate_errors(what, page=page):
            return action()


@contextmanager
def translate_errors(what: str, *, page: str | None = None) -> Iterator[None]:
    """Map praw/prawcore exceptions to the bot's error family, with a one-line message."""
    try:
        yield
    except prawcore.Conflict as exc:
        newer = _json_body(exc.response)
        raise Conflict(
            f"{what}: the page changed since the revision we based the edit on (HTTP 409)",
            page=page,
            revision=_str_or_none(newer.get("newrevision")),
            content=_str_or_none(newer.get("newcontent")),
        ) from None
    except prawcore.NotFound:
        raise NotFound(f"{what}: not found (HTTP 404)", status=404) from None
    except prawcore.OAuthException as exc:
        raise AuthFailed(
            f"{what}: login refused ({exc.error}); check REDDIT_USERNAME/"
            "REDDIT_PASSWORD or the praw.ini site",
            status=exc.response.status_code,
        ) from None
    except prawcore.BadJSON as exc:  # a 200 whose body is not Reddit's (a proxy's page, say)
        if str(exc.response.request.method).upper() == "POST":
            raise WriteUncertain(
                f"{what}: the answer was not JSON; it may have been applied",
                status=exc.response.status_code,
            ) from None
        raise Unavailable(
            f"{what}: the answer was not JSON; will retry later", status=exc.response.status_code
        ) from None
    except prawcore.ResponseException as exc:
        raise _from_response(what, exc.response) from None
    except prawcore.RequestException as exc:
        original = exc.original_exception
        if isinstance(original, WriteOutcomeUnknown):
            raise WriteUncertain(f"{what}: {original}; it may have been applied") from None
        if isinstance(original, ShuttingDown):
            raise Unavailable(f"{what}: not sent, wikibot is shutting down") from None
        raise Unavailable(f"{what}: cannot reach Reddit: {neterrors.describe(original)}") from None
    except RedditAPIException as exc:
        raise _from_api_exception(what, exc) from None
    except praw.exceptions.ClientException as exc:
        raise Refused(f"{what}: {exc}") from None
    except requests.RequestException as exc:  # prawcore lets a bad login answer through
        raise Unavailable(
            f"{what}: {type(exc).__name__}: Reddit's answer could not be read; will retry later"
        ) from None


def _json_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _from_response(what: str, response: requests.Response) -> Exception:
    status = response.status_code
    if status == 429:
        reset = response.headers.get("x-ratelimit-reset") or response.headers.get("retry-after")
        wait = float(reset) if reset and reset.replace(".", "", 1).isdigit() else 60.0
        return RateLimited(
            f"{what}: rate limited (HTTP 429); waiting {wait:.0f}s", wait_seconds=wait, status=429
        )
    if status == 401:
        return AuthFailed(f"{what}: unauthorized (HTTP 401); check the credentials", status=401)
    if status == 403:
        return Forbidden(
            f"{what}: forbidden (HTTP 403); the account lacks the permission "
            "(is it a moderator with wiki permission?)",
            status=403,
        )
    if status >= 500 or status in RETRIED_STATUSES:
        return Unavailable(
            f"{what}: Reddit answered HTTP {status}; will retry later", status=status
        )
    body = _json_body(response)
    reason = str(body.get("reason") or body.get("message") or "")
    return Refused(
        f"{what}: Reddit answered HTTP {status} {reason}".rstrip(),
        status=status,
        code=_str_or_none(body.get("reason")),
    )


def _from_api_exception(what: str, exc: RedditAPIException) -> Exception:
    for item in exc.items:
        if item.error_type == "RATELIMIT":
            return RateLimited(
                f"{what}: Reddit says: {item.message}",
                wait_seconds=_ratelimit_seconds(item.message or ""),
            )
    first = exc.items[0]
    return Refused(
        f"{what}: Reddit refused: {first.error_type}: {first.message}", code=first.error_type
    )


def _ratelimit_seconds(message: str) -> float:
    match = _RATELIMIT_RE.search(message)
    if not match:
        return 60.0
    amount = int(match.group(1))
    unit = match.group(2).lower()
    return {"millisecond": 1.0, "second": float(amount), "minute": amount * 60.0}[unit]


def _post_id(link: str) -> str:
    """``t3_abc`` or a ``/r/x/comments/abc/...`` context link -> ``abc``."""
    if link.startswith("t3_"):
        return link[3:]
    parts = [p for p in link.split("/") if p]
    return parts[parts.index("comments") + 1] if "comments" in parts[:-1] else ""


def child_kind_is_comment(item: dict[str, Any]) -> bool:
    """Inbox entries are messages too; only comment replies have ``was_comment``."""
    return bool(item.get("was_comment", True))


def _own_comment(data: dict[str, Any]) -> OwnComment:
    return OwnComment(
        id=data["id"],
        post_id=_post_id(data.get("link_id") or ""),
        parent_id=data.get("parent_id") or "",
        score=int(data.get("score") or 0),
        removed=bool(data.get("removed") or data.get("banned_by")),
        created_utc=float(data.get("created_utc") or 0),
        post_title=str(data.get("link_title") or ""),
    )


def _revision(child: dict[str, Any]) -> WikiRevision:
    author = (child.get("author") or {}).get("data") or {}
    return WikiRevision(
        id=child["id"],
        page=child["page"],
        timestamp=float(child["timestamp"]),
        author=author.get("name"),
        reason=child.get("reason"),
    )


def _comment(data: dict[str, Any]) -> Comment:
    return Comment(
        id=data["id"],
        author=data.get("author"),
        body=data.get("body", ""),
        parent_id=data["parent_id"],
        deleted=data.get("author") == "[deleted]" and data.get("body") == "[deleted]",
    )


def _post(data: dict[str, Any]) -> Post:
    return Post(
        id=data["id"],
        title=data.get("title") or "",
        body=data.get("selftext") or "",
        author=None if data.get("author") in (None, "[deleted]") else data["author"],
        created_utc=float(data.get("created_utc") or 0),
        flair=data.get("link_flair_text"),
        locked=bool(data.get("locked")),
        archived=bool(data.get("archived")),
        removed=bool(data.get("banned_by") or data.get("removed_by_category")),
        distinguished=data.get("distinguished"),
        permalink=data.get("permalink") or "",
        subreddit=data.get("subreddit") or "",
        reports=tuple(
            str(entry[0])
            for entry in [*(data.get("mod_reports") or []), *(data.get("user_reports") or [])]
            if entry
        ),
    )
