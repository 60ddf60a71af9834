"""Reddit's documented limits (../shared/reddit-api/NOTES.md), stated once."""

from __future__ import annotations

MAX_PAGE_CHARS = 524_288  # wiki page content
MAX_REASON_CHARS = 256  # wiki edit reason
MAX_COMMENT_CHARS = 10_000  # comment body
LISTING_MAX = 100  # items per listing call


def page_too_large(text: str) -> str | None:
    """Why Reddit would refuse ``text`` as a wiki page (too long), or None."""
    if len(text) <= MAX_PAGE_CHARS:
        return None
    return (
        f"page is {len(text):,} characters; Reddit stores at most {MAX_PAGE_CHARS:,}: "
        "split it into pages"
    )
