"""Plain data passed between the gateway and the rest of the bot (no PRAW objects)."""

from __future__ import annotations

from dataclasses import dataclass

POST_PREFIX = "t3_"  # a post's fullname is its id with this prefix
SANDBOX_TARGET_PREFIX = "sandbox:"  # a Target's api_url for the embedded sandbox's world


def post_fullname(post_id: str) -> str:
    """``t3_<id>``: how Reddit names a post across endpoints."""
    return POST_PREFIX + post_id


@dataclass(frozen=True)
class Target:
    """The Reddit a state database belongs to: API URL, subreddit, account.

    For the embedded sandbox, ``api_url`` is ``sandbox:<its state file>`` (resolved): the
    world is that file, whichever port serves it.
    """

    api_url: str
    subreddit: str
    account: str | None

    def __str__(self) -> str:
        where = self.api_url
        if where.startswith(SANDBOX_TARGET_PREFIX):
            where = f"the sandbox of {where.removeprefix(SANDBOX_TARGET_PREFIX)}"
        return f"r/{self.subreddit} as u/{self.account or '?'} at {where}"


@dataclass(frozen=True)
class WikiPage:
    """The current (or a given) revision of a wiki page."""

    name: str
    content: str
    revision_id: str
    revision_date: float
    revision_by: str | None


@dataclass(frozen=True)
class WikiRevision:
    """One entry of a wiki revisions listing."""

    id: str
    page: str
    timestamp: float
    author: str | None
    reason: str | None


@dataclass(frozen=True)
class PageSettings:
    """A wiki page's settings: ``listed`` and ``permlevel`` (0 inherit, 1 editors, 2 mods)."""

    listed: bool
    permlevel: int


@dataclass(frozen=True)
class Post:
    """A submission, as the reply watcher needs it."""

    id: str
    title: str
    body: str
    author: str | None
    created_utc: float
    flair: str | None = None
    locked: bool = False
    archived: bool = False
    removed: bool = False
    distinguished: str | None = None
    permalink: str = ""

    @property
    def fullname(self) -> str:
        return post_fullname(self.id)


@dataclass(frozen=True)
class Comment:
    """A comment on a post."""

    id: str
    author: str | None
    body: str
    parent_id: str


@dataclass(frozen=True)
class OwnComment:
    """One of the bot account's own comments, as its profile listing shows it."""

    id: str
    post_id: str  # the post it answers (without t3_)
    parent_id: str
    score: int
    removed: bool  # removed by a moderator (visible to the bot as a moderator)
    created_utc: float
    post_title: str = ""

    @property
    def fullname(self) -> str:
        return f"t1_{self.id}"


@dataclass(frozen=True)
class CommentReply:
    """A reply to one of the bot's comments, from its inbox."""

    id: str
    author: str | None
    body: str
    parent_id: str  # the bot comment's fullname, t1_...
    post_id: str

    @property
    def fullname(self) -> str:
        return f"t1_{self.id}"
