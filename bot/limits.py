"""Reddit's documented limits (../shared/reddit-api/NOTES.md), stated once."""

from __future__ import annotations

MAX_PAGE_CHARS = 524_288  # wiki page content
MAX_REASON_CHARS = 256  # wiki edit reason
MAX_COMMENT_CHARS = 10_000  # comment body
LISTING_MAX = 100  # items per listing call
REPORT_REASON_MAX = 100  # a report's reason
