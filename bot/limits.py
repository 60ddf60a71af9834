"""Reddit's documented limits (../shared/reddit-api/NOTES.md), stated once."""

from __future__ import annotations

import re

MAX_PAGE_CHARS = 524_288  # wiki page content
MAX_REASON_CHARS = 256  # wiki edit reason
MAX_COMMENT_CHARS = 10_000  # comment body
LISTING_MAX = 100  # items per listing call
MAX_PAGE_NAME_CHARS = 128  # wiki page name (reddit's wiki_max_page_name_length)
MAX_PAGE_NAME_SEPARATORS = 3  # '/' in a wiki page name (wiki_max_page_separators)
RESERVED_PAGE_NAMES = ("edit", "revisions", "settings", "discussions", "pages", "create")
_PAGE_NAME = re.compile(r"[a-z0-9_-]+(?:/[a-z0-9_-]+)*")


def page_too_large(text: str) -> str | None:
    """Why Reddit would refuse ``text`` as a wiki page (too long), or None."""
    if len(text) <= MAX_PAGE_CHARS:
        return None
    return (
        f"page is {len(text):,} characters; Reddit stores at most {MAX_PAGE_CHARS:,}: "
        "split it into pages"
    )


def page_name_problem(name: str) -> str | None:
    """Why ``name`` is not a wiki page name Reddit would store, or None.

    A valid name is also a safe relative file path: no ``..``, no leading ``/``, no
    backslash, NUL or other control character.
    """
    if not _PAGE_NAME.fullmatch(name):
        return "a page name is lowercase letters, digits, '_' and '-', in parts joined by '/'"
    if len(name) > MAX_PAGE_NAME_CHARS:
        return f"a page name has at most {MAX_PAGE_NAME_CHARS} characters"
    if name.count("/") > MAX_PAGE_NAME_SEPARATORS:
        return f"a page name has at most {MAX_PAGE_NAME_SEPARATORS} '/'"
    if name.split("/", 1)[0] in RESERVED_PAGE_NAMES:
        return f"'{name.split('/', 1)[0]}' is reserved by Reddit"
    return None


REPORT_REASON_MAX = 100  # a report's reason
