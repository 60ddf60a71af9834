"""Wiki and reply URLs, built in one place."""

from __future__ import annotations

REDDIT_URL = "https://www.reddit.com"
_HOSTS = ("https://www.reddit.com", "https://reddit.com", "https://old.reddit.com")


def wiki_path(subreddit: str, page: str, anchor: str = "") -> str:
    """The site-relative path of a wiki page: ``/r/<sub>/wiki/<page>[#anchor]``."""
    return f"/r/{subreddit}/wiki/{page}{anchor}"


def wiki_url(subreddit: str, page: str) -> str:
    """The public URL of a wiki page (what replies link to)."""
    return REDDIT_URL + wiki_path(subreddit, page)


def wiki_prefixes(subreddit: str) -> tuple[str, ...]:
    """Lower-case prefixes of every way a link can point at this subreddit's wiki."""
    path = wiki_path(subreddit.lower(), "")
    return (path, *(host + path for host in _HOSTS))
