"""Page settings (``listed``, ``permlevel``): notice changes made by hand, apply the files'.

A settings change leaves no wiki revision, so the revisions listing cannot show it. Each
idle sync cycle reads the settings of one synced page, round-robin, so an idle cycle costs
the listing plus one call, and every page is looked at once per N cycles. What the wiki
was last seen to hold is kept in the state's ``meta`` table as ``wiki_settings:<page>``.
After a push, settings changed in a file are written to the wiki and recorded as applied.
Only the keys a file's front matter sets are written; the wiki keeps its value of the others.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.errors import Forbidden, NotFound, Unavailable, WriteUncertain
from bot.reddit import Gateway
from bot.state import PageRecord, State
from bot.wiki.outcomes import Result, SyncReport
from bot.wiki.plan import DEFAULT_SETTINGS, Kind, LocalPage, PageAction, Plan
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
        change = action.settings or (force and action.settings_drift)
        if (
            change
            and local is not None
            and (force or action.kind in (Kind.CREATE, Kind.UPDATE, Kind.UNCHANGED))
        ):
            held = _held(action, local, record, gateway=gateway)
            wanted = local.settings_over(held or DEFAULT_SETTINGS)
            listed, permlevel = wanted
            if held != wanted:
                try:
                    gateway.update_page_settings(action.page, listed=listed, permlevel=permlevel)
                except (Unavailable, WriteUncertain) as exc:  # safe to repeat next time
                    report.add(action.page, Result.ERROR, f"{exc}; settings will be retried")
                    continue
                report.add(action.page, Result.SETTINGS, f"listed={listed} permlevel={permlevel}")
            remember(state, action.page, wanted)
        elif record.listed is None and action.kind == Kind.CREATE:
            listed, permlevel = DEFAULT_SETTINGS
        elif local is not None and (seen := _wiki_holds(action.page, local, record, state=state)):
            listed, permlevel = seen  # record, nothing to send
        else:
            continue
        with state.transaction() as db:
            state.pages.record_settings(db, action.page, listed=listed, permlevel=permlevel)


def _held(
    action: PageAction, local: LocalPage, record: PageRecord, *, gateway: Gateway
) -> tuple[bool, int] | None:
    """What the wiki holds before a settings write, read when the file leaves a key out
    (kept as it is) or wikibot never set the page; None when unknown and not needed."""
    if action.kind == Kind.CREATE:
        return DEFAULT_SETTINGS  # created just now by this push: Reddit's defaults
    if record.listed is not None and local.listed is not None and local.permlevel is not None:
        return None  # the file sets both keys: nothing to keep
    return _reddit_settings(action.page, gateway=gateway)


def _reddit_settings(page: str, *, gateway: Gateway) -> tuple[bool, int] | None:
    """What Reddit has for a page wikibot never set: read once, so that an existing
    wiki's pages are not rewritten with the settings they already have."""
    try:
        found = gateway.page_settings(page)
    except NotFound:
        return None
    return found.listed, found.permlevel


def _wiki_holds(
    page: str, local: LocalPage, record: PageRecord, *, state: State
) -> tuple[bool, int] | None:
    """The settings the wiki was seen holding, when they agree with the file's keys and
    the state does not know them as applied yet."""
    held = known(state, page)
    if held is None or local.settings_over(held) != held:
        return None
    return held if (record.listed, record.permlevel) != held else None
