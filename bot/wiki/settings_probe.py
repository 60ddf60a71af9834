"""Notice page settings (``listed``, ``permlevel``) changed by hand on Reddit.

A settings change leaves no wiki revision, so the revisions listing cannot show it. Each
idle sync cycle reads the settings of one synced page, round-robin, so an idle cycle costs
the listing plus one call, and every page is looked at once per N cycles. What the wiki
was last seen to hold is kept in the state's ``meta`` table as ``wiki_settings:<page>``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.errors import Forbidden, NotFound
from bot.reddit import Gateway
from bot.state import State

log = logging.getLogger(__name__)
CURSOR_KEY = "settings_cursor"
_PREFIX = "wiki_settings:"


def known(state: State, page: str) -> tuple[bool, int] | None:
    """The settings the wiki was last seen (or made) to hold, or None when never read."""
    value = state.get_meta(_PREFIX + page)
    if not value:
        return None
    listed, _sep, permlevel = value.partition(",")
    return listed == "1", int(permlevel)


def remember(state: State, page: str, settings: tuple[bool, int]) -> None:
    """Record what the wiki holds (after reading or applying settings)."""
    state.set_meta(_PREFIX + page, f"{int(settings[0])},{settings[1]}")


def next_page(pages: Iterable[str], cursor: str | None) -> str | None:
    """The page after ``cursor`` in name order, wrapping around. Pure."""
    ordered = sorted(set(pages))
    if not ordered:
        return None
    return next((name for name in ordered if cursor is None or name > cursor), ordered[0])


def probe_one(*, gateway: Gateway, state: State, pages: Iterable[str]) -> str | None:
    """Read one page's settings (round-robin); return the page name when they changed."""
    page = next_page(pages, state.get_meta(CURSOR_KEY))
    if page is None:
        return None
    state.set_meta(CURSOR_KEY, page)
    try:
        found = gateway.page_settings(page)
    except NotFound:
        return None
    except Forbidden as exc:  # settings need moderator rights; the sync itself goes on
        log.info("wiki: settings of %s not checked: %s", page, exc)
        return None
    now = (found.listed, found.permlevel)
    before = known(state, page)
    if now == before:
        return None
    remember(state, page, now)
    if before is not None:
        log.info("wiki: settings of %s changed on the wiki: listed=%s permlevel=%s", page, *now)
    return page
