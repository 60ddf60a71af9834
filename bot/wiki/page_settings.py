"""Page settings (``listed``, ``permlevel``): notice changes made by hand, apply the files'.

A settings change leaves no wiki revision, so the revisions listing cannot show it. Each
idle sync cycle reads the settings of one synced page, round-robin, so an idle cycle costs
the listing plus one call, and every page is looked at once per N cycles. What the wiki
was last seen to hold is kept in the state's ``meta`` table as ``wiki_settings:<page>``.
After a push, settings changed in a file are written to the wiki and recorded as applied.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.errors import Forbidden, NotFound, Unavailable, WriteUncertain
from bot.reddit import Gateway
from bot.state import PageRecord, State
from bot.wiki.outcomes import Result, SyncReport
from bot.wiki.plan import Kind, LocalPage, Plan
from bot.wiki.workspace import Workspace

log = logging.getLogger(__name__)
CURSOR_KEY = "settings_cursor"
_PREFIX = "wiki_settings:"


def known(state: State, page: str) -> tuple[bool, int] | None:
    """The settings the wiki was last seen (or made) to hold, or None when never read."""
    value = state.meta.get(_PREFIX + page)
    if not value:
        return None
    listed, _sep, permlevel = value.partition(",")
    return listed == "1", int(permlevel)


def remember(state: State, page: str, settings: tuple[bool, int]) -> None:
    """Record what the wiki holds (after reading or applying settings)."""
    state.meta.set(_PREFIX + page, f"{int(settings[0])},{settings[1]}")


def next_page(pages: Iterable[str], cursor: str | None) -> str | None:
    """The page after ``cursor`` in name order, wrapping around. Pure."""
    ordered = sorted(set(pages))
    if not ordered:
        return None
    return next((name for name in ordered if cursor is None or name > cursor), ordered[0])


def probe_one(*, gateway: Gateway, state: State, pages: Iterable[str]) -> str | None:
    """Read one page's settings (round-robin); return the page name when they changed."""
    page = next_page(pages, state.meta.get(CURSOR_KEY))
    if page is None:
        return None
    state.meta.set(CURSOR_KEY, page)
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


def apply_settings(
    plan: Plan,
    workspace: Workspace,
    report: SyncReport,
    *,
    gateway: Gateway,
    state: State,
    force: bool,
) -> None:
    """Write the files' settings of the pages a push synced, and record them as applied."""
    heads = state.pages.heads()
    for action in plan.actions:
        record = heads.get(action.page)
        if record is None or record.synced_revision is None:
            continue
        local = workspace.local.get(action.page)
        wanted = action.settings
        if force and action.settings_drift and local is not None:
            wanted = (local.listed, local.permlevel)
        if wanted and (force or action.kind in (Kind.CREATE, Kind.UPDATE, Kind.UNCHANGED)):
            listed, permlevel = wanted
            never_set = record.listed is None and action.kind != Kind.CREATE
            if not never_set or _reddit_settings(action.page, gateway=gateway) != wanted:
                try:
                    gateway.update_page_settings(action.page, listed=listed, permlevel=permlevel)
                except (Unavailable, WriteUncertain) as exc:  # safe to repeat next time
                    report.add(action.page, Result.ERROR, f"{exc}; settings will be retried")
                    continue
                report.add(action.page, Result.SETTINGS, f"listed={listed} permlevel={permlevel}")
            remember(state, action.page, wanted)
        elif record.listed is None and action.kind == Kind.CREATE:
            listed, permlevel = True, 0
        elif local is not None and _wiki_holds(action.page, local, record, state=state):
            listed, permlevel = local.listed, local.permlevel  # record, nothing to send
        else:
            continue
        with state.transaction() as db:
            state.pages.record_settings(db, action.page, listed=listed, permlevel=permlevel)


def _reddit_settings(page: str, *, gateway: Gateway) -> tuple[bool, int] | None:
    """What Reddit has for a page wikibot never set: read once, so that an existing
    wiki's pages are not rewritten with the settings they already have."""
    try:
        found = gateway.page_settings(page)
    except NotFound:
        return None
    return found.listed, found.permlevel


def _wiki_holds(page: str, local: LocalPage, record: PageRecord, *, state: State) -> bool:
    """The wiki was seen holding the file's settings, which the state does not know yet."""
    wanted = (local.listed, local.permlevel)
    applied = (record.listed, record.permlevel)
    return known(state, page) == wanted and applied != wanted
