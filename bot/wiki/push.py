"""``push``: publish the plan's creates and updates, and learn what Reddit made of them.

API cost: a push of k pages costs k edits plus ceil(k/100) listing pages to learn the new
revision ids (and one read per page that Reddit merged with someone else's edit).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

from bot.errors import Conflict, Forbidden, NotFound, Refused, WriteUncertain
from bot.limits import MAX_REASON_CHARS, page_too_large
from bot.records import WikiPage, WikiRevision
from bot.reddit import Gateway
from bot.state import State
from bot.wiki import gitinfo
from bot.wiki.outcomes import Outcome, Result, SyncReport
from bot.wiki.page_settings import apply_settings
from bot.wiki.plan import Kind, PageAction, Plan
from bot.wiki.refresh import CURSOR_KEY, SEGMENT_LIMIT, record_listing
from bot.wiki.render import normalize
from bot.wiki.workspace import Workspace

log = logging.getLogger(__name__)


def push_pages(
    plan: Plan,
    workspace: Workspace,
    *,
    gateway: Gateway,
    state: State,
    force: bool = False,
    dry_run: bool = False,
    reason: str | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> SyncReport:
    """Publish creates and updates; drift and conflicts only with ``force``."""
    report = SyncReport(on_outcome=on_outcome)
    written: dict[str, PageAction] = {}
    for action in plan.actions:
        if action.settings_drift and not force:
            report.add(action.page, Result.DRIFT, _settings_drift_note(action))
        elif action.settings and dry_run:
            listed, permlevel = action.settings
            report.add(action.page, Result.WOULD_SETTINGS, f"listed={listed} permlevel={permlevel}")
        if action.kind == Kind.UNCHANGED:
            _adopt(action, report, state=state, dry_run=dry_run)
            continue
        if action.kind == Kind.REMOTE_ONLY:
            continue
        if action.kind in (Kind.DRIFT, Kind.CONFLICT) and not force:
            hint = (
                f"`wikibot pull {action.page}` adopts the wiki's text"
                if action.kind == Kind.DRIFT
                else f"merge by hand, or `wikibot push --force {action.page}`"
            )
            result = Result.DRIFT if action.kind == Kind.DRIFT else Result.CONFLICT
            report.add(action.page, result, f"{action.note}; {hint}")
            continue
        if too_large := page_too_large(action.content or ""):  # Reddit would answer 413
            report.add(action.page, Result.ERROR, f"{action.path}: {too_large}; not uploaded")
            continue
        if dry_run:
            would = Result.WOULD_CREATE if action.kind == Kind.CREATE else Result.WOULD_UPDATE
            report.add(action.page, would)
            continue
        edit_reason = _reason(action, workspace, reason)
        if _write(action, edit_reason, report, gateway=gateway, state=state):
            written[action.page] = action
    if written:
        _confirm_written(written, report, gateway=gateway, state=state)
    if not dry_run:
        apply_settings(plan, workspace, report, gateway=gateway, state=state, force=force)
    return report


def _adopt(action: PageAction, report: SyncReport, *, state: State, dry_run: bool) -> None:
    """The wiki already holds the local text: record it as synced."""
    if dry_run or action.remote_revision is None or action.remote_content is None:
        return  # (hash-equal pages carry no text: nothing to adopt, nothing to query)
    record = state.pages.get(action.page)
    if record is not None and record.synced_revision == action.remote_revision:
        return
    with state.transaction() as db:
        state.pages.record_synced(
            db,
            action.page,
            revision=action.remote_revision,
            content=normalize(action.remote_content),
            author=action.remote_author,
        )
    report.add(action.page, Result.ADOPTED, "the wiki already holds this text")


def _write(
    action: PageAction, reason: str, report: SyncReport, *, gateway: Gateway, state: State
) -> bool:
    """Edit one page; True when the edit went through and awaits its revision id."""
    content = action.content or ""
    previous = None if action.kind == Kind.CREATE else action.previous
    try:
        gateway.edit_page(action.page, content=content, reason=reason, previous=previous)
    except Conflict:
        report.add(
            action.page,
            Result.CONFLICT,
            "someone edited the page while we pushed; run `wikibot plan` to see it",
            edit_refused=True,
        )
        return False
    except WriteUncertain as exc:
        log.warning("wiki: %s; checking the page before deciding", exc)
        since = _revisions_since_plan(action, gateway=gateway)
        if any(_by_me(revision, gateway=gateway) for revision in since):
            # Applied; _confirm_written learns its revision and whether Reddit merged it.
            report.add(action.page, _verb(action), "applied despite the error")
            return True
        page = gateway.read_page(action.page)
        if page is not None and normalize(page.content) == content:
            with state.transaction() as db:
                state.pages.record_synced(
                    db,
                    action.page,
                    revision=page.revision_id,
                    content=content,
                    author=page.revision_by,
                )
            report.add(action.page, _verb(action), "applied despite the error")
        else:
            others = sorted({r.author or "someone" for r in since})
            edited = f" (edited on the wiki since the plan by {', '.join(others)})"
            report.add(
                action.page,
                Result.ERROR,
                f"{exc}; not applied{edited if others else ''}, will retry",
            )
        return False
    except Forbidden:
        raise  # the account may not edit the wiki: no other page would go through
    except Refused as exc:  # Reddit said no to this page (too large, say): others go on
        report.add(action.page, Result.ERROR, str(exc))
        return False
    report.add(action.page, _verb(action))
    return True


def _revisions_since_plan(action: PageAction, *, gateway: Gateway) -> list[WikiRevision]:
    """The page's revisions newer than the one the plan saw (all, for a create)."""
    try:
        revisions, _ = gateway.revisions(
            page=action.page, stop_at={action.previous} if action.previous else None
        )
    except NotFound:  # a create that did not happen
        return []
    return revisions


def _by_me(revision: WikiRevision, *, gateway: Gateway) -> bool:
    return (revision.author or "").lower() == gateway.username().lower()


def _verb(action: PageAction) -> Result:
    return Result.CREATED if action.kind == Kind.CREATE else Result.UPDATED


def _confirm_written(
    written: dict[str, PageAction], report: SyncReport, *, gateway: Gateway, state: State
) -> None:
    """Learn the revision ids of our edits from the revisions listing, paged.

    With nobody else editing, the listing since the cursor holds exactly our k
    revisions: ceil(k/100) calls. A revision by someone else on a page we wrote,
    older than ours but newer than the plan, means Reddit merged our stale edit into
    it: that page is read back and, unless it holds exactly our text, reported as drift.
    """
    cursor = state.meta.get(CURSOR_KEY)

    def by_me(revision: WikiRevision) -> bool:
        return _by_me(revision, gateway=gateway)

    def all_found(revisions: list[WikiRevision]) -> bool:
        return set(written) <= {r.page for r in revisions if by_me(r)}

    if cursor:
        revisions = gateway.revisions_since(cursor, enough=all_found)
    else:  # the wiki was empty when planned: everything in it is new
        revisions, _ = gateway.revisions(limit=SEGMENT_LIMIT + len(written))
    ours: dict[str, WikiRevision] = {}
    merged_with: dict[str, str] = {}
    for revision in revisions:  # newest first
        if revision.page not in written:
            continue
        if by_me(revision):
            ours.setdefault(revision.page, revision)
        elif revision.page in ours:  # older than our edit, newer than the plan
            merged_with.setdefault(revision.page, revision.author or "someone")
    merges: dict[str, str] = {}  # a merge's revision id -> the human merged with
    with state.transaction() as db:
        for name, action in written.items():
            content = action.content or ""
            found = ours.get(name)
            if found is None or name in merged_with:
                page = gateway.read_page(name)
                if page is None:
                    report.revise(name, Result.ERROR, "edit accepted but not found on the wiki")
                    continue
                if normalize(page.content) != content:
                    _record_merge(db, action, page, merged_with.get(name), report, state=state)
                    if found is not None:  # the merge Reddit made of our edit
                        merges[found.id] = merged_with.get(name) or "someone"
                    continue
                found = WikiRevision(
                    page.revision_id, name, page.revision_date, page.revision_by, None
                )
            state.pages.record_synced(
                db, name, revision=found.id, content=content, author=found.author
            )
    record_listing(revisions, state=state, authors=merges)  # a later human edit stays visible


def _record_merge(
    db: sqlite3.Connection,
    action: PageAction,
    page: WikiPage,
    other: str | None,
    report: SyncReport,
    *,
    state: State,
) -> None:
    """The wiki holds our text merged with someone else's edit: drift, never 'synced'.

    Our text is recorded as the synced content, against the revision the edit was
    based on, and the merge as the newest seen revision: the next plan reads the page
    and shows drift, which ``pull`` adopts and ``push --force`` replaces.
    """
    who = other or "someone"
    state.pages.record_synced(
        db,
        action.page,
        revision=action.previous or "",
        content=action.content or "",
        author=None,
    )
    state.pages.record_seen(db, action.page, revision=page.revision_id, author=who)
    report.revise(
        action.page,
        Result.DRIFT,
        f"Reddit merged this edit with one by {who} made after the plan; the wiki holds "
        f"the merge: `wikibot pull {action.page}` adopts it, "
        f"`wikibot push --force {action.page}` replaces it",
    )


def _reason(action: PageAction, workspace: Workspace, override: str | None) -> str:
    source = workspace.sources.get(action.page)
    reason = override or (source.reason if source else None)
    if not reason and source is not None:
        reason = gitinfo.last_commit_subject(source.path)
    reason = reason or f"wikibot: sync {action.page} from {action.path or 'wiki_pages'}"
    return " ".join(reason.split())[:MAX_REASON_CHARS]


def _settings_drift_note(action: PageAction) -> str:
    listed, permlevel = action.settings_drift or (True, 0)
    return (
        f"settings changed on the wiki to listed={listed} permlevel={permlevel}; "
        f"`wikibot pull {action.page}` writes them into {action.path or 'the file'}, "
        f"`wikibot push --force {action.page}` restores the file's"
    )
