"""Plain data passed between the gateway and the rest of the bot (no PRAW objects)."""

from __future__ import annotations

from dataclasses import dataclass

POST_PREFIX = "t3_"  # a post's fullname is its id with this prefix
SANDBOX_TARGET_PREFIX = "sandbox:"  # a Target's api_url for the embedded sandbox's world
COMMENT_PREFIX = "t1_"  # and a comment's
_KINDS = ("t1", "t2", "t3", "t4", "t5")


def bare_id(name: str) -> str:
    """An id without its kind prefix: ``t1_abc``, ``t3_abc`` and ``abc`` all give ``abc``.

    Reddit names things both ways (an inbox ``parent_id`` is ``t1_...``, a listing's ``id``
    is bare); the state stores bare ids, and every comparison goes through here.
    """
    kind, sep, rest = name.partition("_")
    return rest if sep and kind in _KINDS else name


def post_fullname(post_id: str) -> str:
    """``t3_<id>``: how Reddit names a post across endpoints (given an id or a fullname)."""
    return POST_PREFIX + bare_id(post_id)


def comment_fullname(comment_id: str) -> str:
    """``t1_<id>``, given a comment's id or fullname."""
    return COMMENT_PREFIX + bare_id(comment_id)


@dataclass(frozen=True)
class ListingCursor:
    """Where a newest-first listing was read up to: the newest item seen, and its time."""

    created_utc: float
    fullname: str = ""

    def to_text(self) -> str:
        return f"{self.created_utc!r} {self.fullname}".strip()

    @classmethod
    def from_text(cls, text: str | None) -> ListingCursor | None:
        """The cursor kept as text (in the state's ``meta``), or None."""
        if not text:
            return None
        created, _sep, fullname = text.partition(" ")
        return cls(float(created), fullname)

    @classmethod
    def newest(cls, items: list[tuple[float, str]]) -> ListingCursor | None:
        """The cursor after reading ``(created_utc, fullname)`` items (newest first)."""
        if not items:
            return None
        created, fullname = max(items, key=lambda item: item[0])
        return cls(created, fullname)


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
    subreddit: str = ""
    reports: tuple[str, ...] = ()  # report reasons, as a moderator sees them

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
    deleted: bool = False  # deleted by its author: Reddit shows "[deleted]"

    @property
    def fullname(self) -> str:
        return comment_fullname(self.id)


@dataclass(frozen=True)
class StreamComment:
    """A comment from the subreddit's newest comments (``/r/{sub}/comments``)."""

    id: str
    author: str | None
    body: str
    post_id: str  # bare
    parent_id: str  # a fullname: t3_... for a top-level comment, t1_... otherwise
    created_utc: float
    distinguished: str | None = None

    @property
    def fullname(self) -> str:
        return comment_fullname(self.id)


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
        return comment_fullname(self.id)


@dataclass(frozen=True)
class CommentReply:
    """A reply to one of the bot's comments, from its inbox."""

    id: str
    author: str | None
    body: str
    parent_id: str  # the bot comment's fullname, t1_...
    post_id: str
    created_utc: float = 0.0

    @property
    def fullname(self) -> str:
        return comment_fullname(self.id)

    @property
    def parent_comment_id(self) -> str:
        """The bot comment answered, as a bare id (how the state stores it)."""
        return bare_id(self.parent_id)
