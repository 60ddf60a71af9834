"""The gateway operations: Reddit as plain data in and out, raising only ``bot.errors``.

Reads go to the paths in ``ENDPOINTS`` (like praw's ``endpoints.py``); writes go through
PRAW's models. Every call runs inside ``translate_errors``; the payloads are turned into
``bot.records`` dataclasses by ``parse``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from bot.config import Settings
from bot.errors import NotFound, Refused
from bot.limits import LISTING_MAX, REPORT_REASON_MAX
from bot.records import (
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
from bot.reddit import parse
from bot.reddit.client import build_reddit
from bot.reddit.endpoints import COMMENTS_PER_READ, ENDPOINTS, MAX_LISTING_PAGES
from bot.reddit.mapping import translate_errors
from bot.reddit.write_guard import WriteGuardSession

T = TypeVar("T")


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
        return parse.page_names(self._get("wiki_pages", what="list wiki pages"))

    def read_page(self, name: str, *, revision: str | None = None) -> WikiPage | None:
        """The page's current (or given) revision, or None when it does not exist."""
        params: dict[str, str | int] | None = {"v": revision} if revision else None
        try:
            data = self._get("wiki_page", page=name, params=params, what=f"read wiki page {name!r}")
        except NotFound:
            return None
        return parse.wiki_page(name, data)

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
        endpoint, values = (
            ("wiki_page_revisions", {"page": page}) if page else ("wiki_revisions", {})
        )
        found: list[WikiRevision] = []
        after: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": LISTING_MAX}
            if after:
                params["after"] = after
            data = self._get(endpoint, **values, params=params, what="list wiki revisions")
            children, after = parse.listing(data)
            for child in children:
                if child["id"] in stop_at:
                    return found, True
                found.append(parse.revision(child))
                if limit is not None and len(found) >= limit:
                    return found, False
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
        found: list[WikiRevision] = []
        anchor = cursor
        while True:
            params: dict[str, str | int] = {
                "limit": LISTING_MAX,
                "before": f"WikiRevision_{anchor}",
            }
            data = self._get("wiki_revisions", params=params, what="list wiki revisions")
            page = [parse.revision(child) for child in parse.listing(data)[0]]
            found = page + found
            if len(page) < LISTING_MAX or enough(found):
                return found
            anchor = page[0].id

    def page_settings(self, name: str) -> PageSettings:
        data = self._call(
            self.subreddit.wiki[name].mod.settings,
            what=f"read settings of wiki page {name!r}",
        )
        return parse.page_settings(data)

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
        data = self._get("new", params=params, what="list new posts")
        return [parse.post(item) for item in parse.things(data)]

    def post_with_comments(self, post_id: str) -> tuple[Post, list[Comment]]:
        """A post and all its comments, flattened."""
        data = self._get(
            "comments",
            post_id=post_id,
            params={"limit": COMMENTS_PER_READ},
            what=f"read comments of post {post_id}",
        )
        return parse.post_with_comments(data)

    def moderators(self) -> list[str]:
        """Names of the subreddit's moderators."""
        return parse.moderator_names(self._get("moderators", what="list moderators"))

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
        data = self._get(
            "user_comments", user=self.username(), params=params, what="list the bot's own comments"
        )
        return [parse.own_comment(item) for item in parse.things(data)]

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
            "inbox_comments", since, what="read the inbox of comment replies"
        )
        return [parse.comment_reply(item) for item in items if parse.child_kind_is_comment(item)]

    def subreddit_comments(self, *, since: ListingCursor | None = None) -> list[StreamComment]:
        """The subreddit's newest comments, newest first: one call when nothing is new.

        Read back to ``since`` like ``comment_replies``; without a cursor, the newest 100.
        """
        items = self._listing_back_to(
            "subreddit_comments", since, what="list the subreddit's comments"
        )
        return [parse.stream_comment(item) for item in items]

    def _listing_back_to(
        self, endpoint: str, since: ListingCursor | None, *, what: str
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
            data = self._get(endpoint, params=params, what=what)
            page = parse.things(data)
            found.extend(page)
            after = parse.listing(data)[1]
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
        posts = (parse.post(t["data"]) for t in things if t["kind"] == "t3")
        return {post.id: post for post in posts}

    def comments_by_id(self, comment_ids: list[str]) -> dict[str, Comment]:
        """The comments Reddit still knows among these, by bare id (``/api/info``)."""
        things = self._info([comment_fullname(i) for i in comment_ids], what="read comments by id")
        comments = (parse.comment(t["data"]) for t in things if t["kind"] == "t1")
        return {c.id: c for c in comments}

    def _info(self, fullnames: list[str], *, what: str) -> list[dict[str, Any]]:
        things: list[dict[str, Any]] = []
        unique = list(dict.fromkeys(fullnames))
        for start in range(0, len(unique), LISTING_MAX):
            batch = ",".join(unique[start : start + LISTING_MAX])
            data = self._get("info", params={"id": batch}, what=what)
            things.extend(parse.listing(data)[0])
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

    # --- requests --------------------------------------------------------------------------

    def _get(
        self,
        endpoint: str,
        *,
        what: str,
        params: dict[str, str | int] | None = None,
        **values: str,
    ) -> Any:
        """GET one of the ``ENDPOINTS``, its ``{placeholders}`` filled from ``values``."""
        path = ENDPOINTS[endpoint].format(subreddit=self.settings.subreddit, **values)
        return self._call(
            functools.partial(self.reddit.request, method="GET", path=path, params=params),
            what=what,
        )

    def _call(self, action: Callable[[], T], *, what: str, page: str | None = None) -> T:
        with translate_errors(what, page=page):
            return action()
