"""Gather the wiki's state cheaply and build the plan.

API cost: an idle cycle is one call (the subreddit-wide revisions listing, stopping at
the last revision already seen), plus one settings probe when nothing is to be written.
Pages are read only when their revision moved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from bot.errors import InputError
from bot.limits import page_name_problem
from bot.records import WikiRevision
from bot.reddit import Gateway
from bot.state import PageRecord, State
from bot.wiki import page_settings
from bot.wiki.pages import pasted_front_matter
from bot.wiki.plan import LocalPage, PageAction, Plan, RemotePage, SyncedPage, build_plan
from bot.wiki.workspace import Workspace, is_special

log = logging.getLogger(__name__)
CURSOR_KEY = "wiki_cursor"
SEGMENT_LIMIT = 1000


def valid_page_names(names: Iterable[str]) -> list[str]:
    """The ``names`` read from Reddit that are valid wiki page names.

    Each other one (``../x``, an absolute path, a backslash, NUL...) is reported and
    skipped here, where names enter: it never becomes a file path nor enters the state.
    """
    valid = []
    for name in names:
        if (problem := page_name_problem(name)) is None:
            valid.append(name)
        else:
            log.warning("wiki: skipped the page %r that Reddit listed: %s", name, problem)
    return valid


def refresh_remote(
    managed: Iterable[str],
    *,
    gateway: Gateway,
    state: State,
    on_read: Callable[[int, int], None] | None = None,
) -> dict[str, RemotePage]:
    """What the wiki holds, reading only the managed pages whose revision moved.

    ``on_read(done, total)`` follows the page reads (a first sync of a large wiki reads
    every managed page once).
    """
    managed = set(managed)
    cursor = state.meta.get(CURSOR_KEY)
    revisions: list[WikiRevision] = []
    reached = False
    if cursor:
        revisions, reached = gateway.revisions(stop_at={cursor}, limit=SEGMENT_LIMIT)
    if reached:
        record_listing(revisions, state=state)
        existing = None
    else:
        log.info("wiki: full refresh (%s)", "first sync" if not cursor else "cursor lost")
        top, _ = gateway.revisions(limit=1)
        existing = set(valid_page_names(gateway.list_pages())) if top else set()
        with state.transaction() as db:
            state.pages.record_existing(db, existing)
            state.meta.set(CURSOR_KEY, top[0].id if top else None, db=db)
    remote: dict[str, RemotePage] = {}
    records = state.pages.heads()
    on_wiki = {
        name
        for name, record in records.items()
        if (record.seen_revision is not None if existing is None else name in existing)
    }
    to_read = {
        name
        for name in on_wiki & managed
        if existing is not None or records[name].seen_revision != records[name].synced_revision
    }
    done = 0
    for name, record in records.items():
        if name not in on_wiki:
            continue
        if name in to_read:
            done += 1
            if on_read is not None:
                on_read(done, len(to_read))
            page = gateway.read_page(name)
            if page is None:
                continue
            author = page.revision_by
            if page.revision_id == record.seen_revision and record.seen_author:
                author = record.seen_author  # as attributed (a merge: the human)
            with state.transaction() as db:
                state.pages.record_seen(db, name, revision=page.revision_id, author=author)
            remote[name] = RemotePage(name, page.revision_id, author, page.content)
        else:
            remote[name] = RemotePage(name, record.seen_revision or None, record.seen_author)
    return remote


def record_listing(
    revisions: list[WikiRevision], *, state: State, authors: Mapping[str, str] | None = None
) -> None:
    """Remember the newest revision of each page in a listing, and advance the cursor.

    ``authors`` names who a revision is attributed to instead of its author (a merge
    Reddit made of the bot's edit is the human's change).
    """
    authors = authors or {}
    if not revisions:
        return
    newest: dict[str, WikiRevision] = {}
    valid = set(valid_page_names(sorted({revision.page for revision in revisions})))
    for revision in revisions:
        if revision.page in valid:
            newest.setdefault(revision.page, revision)
    with state.transaction() as db:
        for name, revision in newest.items():
            author = authors.get(revision.id, revision.author)
            state.pages.record_seen(db, name, revision=revision.id, author=author)
        state.meta.set(CURSOR_KEY, revisions[0].id, db=db)


def make_plan(
    workspace: Workspace,
    pages: Iterable[str] = (),
    *,
    gateway: Gateway,
    state: State,
    pages_dir: Path,
    on_read: Callable[[int, int], None] | None = None,
) -> Plan:
    """Refresh the remote view and build the plan (for ``pages`` only, if given)."""
    remote = refresh_remote(workspace.local, gateway=gateway, state=state, on_read=on_read)
    synced = {
        name: SyncedPage(
            name,
            r.synced_revision,
            _synced_text(workspace.local.get(name), remote.get(name), r, state=state),
            r.listed,
            r.permlevel,
            content_hash=r.synced_hash,
        )
        for name, r in state.pages.heads().items()
        if r.synced_revision and r.synced_hash
    }
    ignore = frozenset(n for n in remote if is_special(n))

    def build() -> Plan:
        with_settings = {
            n: replace(r, settings=page_settings.known(state, n)) for n, r in remote.items()
        }
        return build_plan(
            local=workspace.local, remote=with_settings, synced=synced, ignore_remote=ignore
        )

    plan = build()
    if not any(a.writes for a in plan.actions):  # idle: one call for settings drift
        probe_pages = [n for n in workspace.local if n in synced and n in remote]
        if page_settings.probe_one(gateway=gateway, state=state, pages=probe_pages):
            plan = build()
    plan = Plan(tuple(_flag_pasted_front_matter(a, workspace) for a in plan.actions))
    wanted = set(pages)
    if not wanted:
        return plan
    known = {a.page for a in plan.actions}
    if unknown := sorted(wanted - known):
        raise InputError(
            f"unknown page {unknown[0]!r}: no file in "
            f"{pages_dir} and not on the wiki; "
            f"known pages: {', '.join(sorted(known))}"
        )
    return Plan(tuple(a for a in plan.actions if a.page in wanted))


def _synced_text(
    local: LocalPage | None, remote: RemotePage | None, record: PageRecord, *, state: State
) -> str | None:
    """The synced text, loaded only when the planner needs it as a base.

    A page whose wiki revision is the synced one and whose file hashes to the synced
    hash is unchanged: its text is never loaded, so planning 1,000 unchanged pages
    holds only the local texts in memory.
    """
    if (
        local is not None
        and remote is not None
        and remote.revision_id == record.synced_revision
        and local.digest == record.synced_hash
    ):
        return None
    return state.pages.synced_content(record.name)


def _flag_pasted_front_matter(action: PageAction, workspace: Workspace) -> PageAction:
    """Note a front-matter block inside the text to publish or the wiki's text."""
    notes = [action.note] if action.note else []
    source = workspace.sources.get(action.page)
    local = workspace.local.get(action.page)  # rendered line for line from the body
    if source is not None and local and (lines := pasted_front_matter(local.content)):
        first = source.body_line + lines[0] - 1
        notes.append(
            f"{action.path}:{first}: a second front-matter block in the body (a page file "
            "pasted whole?); remove it"
        )
    if action.remote_content and (lines := pasted_front_matter(action.remote_content)):
        notes.append(
            f"the wiki's text holds a front-matter block at line {lines[0]} (a page file "
            "pasted into the wiki?); fix it on the wiki before `wikibot pull`"
        )
    return replace(action, note="; ".join(notes)) if len(notes) > bool(action.note) else action
