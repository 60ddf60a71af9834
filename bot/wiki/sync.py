"""Apply wiki sync through the gateway: gather state cheaply, plan, push, pull, alert.

API cost: an idle cycle is one call (the subreddit-wide revisions listing, stopping at
the last revision already seen). Pages are read only when their revision moved. A push of
k pages costs k edits plus ceil(k/100) listing pages to learn the new revision ids (and one
read per page that Reddit merged with someone else's edit).
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from bot.config import Settings
from bot.errors import (
    Conflict,
    Forbidden,
    InputError,
    NotFound,
    Refused,
    Unavailable,
    WriteUncertain,
)
from bot.limits import MAX_REASON_CHARS, page_name_problem, page_too_large
from bot.links import wiki_path
from bot.models import WikiPage, WikiRevision
from bot.reddit import Gateway
from bot.state import PageRecord, State
from bot.wiki import gitinfo, settings_probe
from bot.wiki.pages import (
    PageSource,
    load_pages,
    new_page_file,
    pasted_front_matter,
    write_page_body,
    write_page_settings,
)
from bot.wiki.plan import Kind, LocalPage, PageAction, Plan, RemotePage, SyncedPage, build_plan
from bot.wiki.render import link_targets, normalize, render

log = logging.getLogger(__name__)
CURSOR_KEY = "wiki_cursor"
SEGMENT_LIMIT = 1000
SPECIAL_PAGE_PREFIXES = ("config/", "automoderator", "usernotes", "toolbox")


class Result(StrEnum):
    """What happened to one page in a push or pull."""

    CREATED = "created"
    UPDATED = "updated"
    WOULD_CREATE = "would-create"
    WOULD_UPDATE = "would-update"
    SETTINGS = "settings"
    WOULD_SETTINGS = "would-settings"
    SKIPPED = "skipped"
    ADOPTED = "adopted"
    PULLED = "pulled"
    DRIFT = "drift"
    CONFLICT = "conflict"
    ERROR = "error"


WRITTEN = (Result.CREATED, Result.UPDATED)
NEEDS_HUMAN = (Result.DRIFT, Result.CONFLICT)


@dataclass
class Outcome:
    """What happened to one page; ``edit_refused``: Reddit refused our edit (HTTP 409)."""

    page: str
    result: Result
    message: str = ""
    edit_refused: bool = False


@dataclass
class SyncReport:
    """Result of a push or pull; ``on_outcome`` sees each outcome as it happens."""

    outcomes: list[Outcome] = field(default_factory=list)
    on_outcome: Callable[[Outcome], None] | None = None

    def add(
        self, page: str, result: Result, message: str = "", *, edit_refused: bool = False
    ) -> None:
        outcome = Outcome(page, result, message, edit_refused)
        self.outcomes.append(outcome)
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    def revise(self, page: str, result: Result, message: str) -> None:
        """Correct the outcome already reported for ``page`` (a push learns more later)."""
        self.outcomes = [o for o in self.outcomes if o.page != page]
        self.add(page, result, message)

    def count(self, *results: Result) -> int:
        return sum(1 for o in self.outcomes if o.result in results)

    @property
    def ok(self) -> bool:
        return self.count(Result.ERROR, Result.CONFLICT) == 0


@dataclass
class Workspace:
    """Local pages and their rendered text, keyed by page name."""

    sources: dict[str, PageSource]
    local: dict[str, LocalPage]


def load_workspace(settings: Settings) -> Workspace:
    """Read and render ``wiki_pages/``; raise ``InputError`` on a bad file.

    Each source keeps its front matter but lets go of its body once rendered, so a large
    wiki is held in memory once (as the rendered text), not twice.
    """
    root = settings.wiki_pages_dir
    pages = load_pages(root)
    targets = link_targets(pages, root)
    sources: dict[str, PageSource] = {}
    local: dict[str, LocalPage] = {}
    pages.reverse()
    while pages:
        page = pages.pop()
        local[page.name] = LocalPage(
            name=page.name,
            content=render(page, root=root, targets=targets, subreddit=settings.subreddit),
            listed=page.listed,
            permlevel=page.permlevel,
            path=_display(page.path),
        )
        sources[page.name] = dataclasses.replace(page, body="")
    return Workspace(sources=sources, local=local)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


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


def is_special(page: str) -> bool:
    """Reddit's own configuration pages, never managed as guides."""
    return page.startswith(SPECIAL_PAGE_PREFIXES)


class WikiSync:
    """Wiki sync over one gateway and one state database."""

    def __init__(self, settings: Settings, gateway: Gateway, state: State) -> None:
        self.settings = settings
        self.gateway = gateway
        self.state = state

    # --- gathering remote state ----------------------------------------------------------

    def refresh_remote(
        self, managed: Iterable[str], *, on_read: Callable[[int, int], None] | None = None
    ) -> dict[str, RemotePage]:
        """What the wiki holds, reading only the managed pages whose revision moved.

        ``on_read(done, total)`` follows the page reads (a first sync of a large wiki reads
        every managed page once).
        """
        managed = set(managed)
        cursor = self.state.get_meta(CURSOR_KEY)
        revisions: list[WikiRevision] = []
        reached = False
        if cursor:
            revisions, reached = self.gateway.revisions(stop_at={cursor}, limit=SEGMENT_LIMIT)
        if reached:
            self._record_listing(revisions)
            existing = None
        else:
            log.info("wiki: full refresh (%s)", "first sync" if not cursor else "cursor lost")
            top, _ = self.gateway.revisions(limit=1)
            existing = set(valid_page_names(self.gateway.list_pages())) if top else set()
            with self.state.transaction() as db:
                self.state.record_existing(db, existing)
                self.state.set_meta(CURSOR_KEY, top[0].id if top else None, db=db)
        remote: dict[str, RemotePage] = {}
        records = self.state.page_heads()
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
                page = self.gateway.read_page(name)
                if page is None:
                    continue
                author = page.revision_by
                if page.revision_id == record.seen_revision and record.seen_author:
                    author = record.seen_author  # as attributed (a merge: the human)
                with self.state.transaction() as db:
                    self.state.record_seen(db, name, revision=page.revision_id, author=author)
                remote[name] = RemotePage(name, page.revision_id, author, page.content)
            else:
                remote[name] = RemotePage(name, record.seen_revision or None, record.seen_author)
        return remote

    def _record_listing(
        self, revisions: list[WikiRevision], *, authors: Mapping[str, str] | None = None
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
        with self.state.transaction() as db:
            for name, revision in newest.items():
                author = authors.get(revision.id, revision.author)
                self.state.record_seen(db, name, revision=revision.id, author=author)
            self.state.set_meta(CURSOR_KEY, revisions[0].id, db=db)

    # --- planning ------------------------------------------------------------------------

    def plan(
        self,
        workspace: Workspace,
        pages: Iterable[str] = (),
        *,
        on_read: Callable[[int, int], None] | None = None,
    ) -> Plan:
        """Refresh the remote view and build the plan (for ``pages`` only, if given)."""
        remote = self.refresh_remote(workspace.local, on_read=on_read)
        synced = {
            name: SyncedPage(
                name,
                r.synced_revision,
                self._synced_text(workspace.local.get(name), remote.get(name), r),
                r.listed,
                r.permlevel,
                content_hash=r.synced_hash,
            )
            for name, r in self.state.page_heads().items()
            if r.synced_revision and r.synced_hash
        }
        ignore = frozenset(n for n in remote if is_special(n))

        def build() -> Plan:
            with_settings = {
                n: replace(r, settings=settings_probe.known(self.state, n))
                for n, r in remote.items()
            }
            return build_plan(
                local=workspace.local, remote=with_settings, synced=synced, ignore_remote=ignore
            )

        plan = build()
        if not any(a.writes for a in plan.actions):  # idle: one call for settings drift
            probe_pages = [n for n in workspace.local if n in synced and n in remote]
            if settings_probe.probe_one(gateway=self.gateway, state=self.state, pages=probe_pages):
                plan = build()
        plan = Plan(tuple(_flag_pasted_front_matter(a, workspace) for a in plan.actions))
        wanted = set(pages)
        if not wanted:
            return plan
        known = {a.page for a in plan.actions}
        if unknown := sorted(wanted - known):
            raise InputError(
                f"unknown page {unknown[0]!r}: no file in "
                f"{self.settings.wiki_pages_dir} and not on the wiki; "
                f"known pages: {', '.join(sorted(known))}"
            )
        return Plan(tuple(a for a in plan.actions if a.page in wanted))

    def _synced_text(
        self, local: LocalPage | None, remote: RemotePage | None, record: PageRecord
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
        return self.state.synced_content(record.name)

    # --- push ------------------------------------------------------------------------------

    def push(
        self,
        plan: Plan,
        workspace: Workspace,
        *,
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
                report.add(
                    action.page, Result.WOULD_SETTINGS, f"listed={listed} permlevel={permlevel}"
                )
            if action.kind == Kind.UNCHANGED:
                self._adopt(action, report, dry_run=dry_run)
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
            edit_reason = self._reason(action, workspace, reason)
            if self._write(action, edit_reason, report):
                written[action.page] = action
        if written:
            self._confirm_written(written, report)
        if not dry_run:
            self._apply_settings(plan, workspace, report, force=force)
        return report

    def _adopt(self, action: PageAction, report: SyncReport, *, dry_run: bool) -> None:
        """The wiki already holds the local text: record it as synced."""
        if dry_run or action.remote_revision is None or action.remote_content is None:
            return  # (hash-equal pages carry no text: nothing to adopt, nothing to query)
        record = self.state.page(action.page)
        if record is not None and record.synced_revision == action.remote_revision:
            return
        with self.state.transaction() as db:
            self.state.record_synced(
                db,
                action.page,
                revision=action.remote_revision,
                content=normalize(action.remote_content),
                author=action.remote_author,
            )
        report.add(action.page, Result.ADOPTED, "the wiki already holds this text")

    def _write(self, action: PageAction, reason: str, report: SyncReport) -> bool:
        """Edit one page; True when the edit went through and awaits its revision id."""
        content = action.content or ""
        previous = None if action.kind == Kind.CREATE else action.previous
        try:
            self.gateway.edit_page(action.page, content=content, reason=reason, previous=previous)
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
            since = self._revisions_since_plan(action)
            if any(self._by_me(revision) for revision in since):
                # Applied; _confirm_written learns its revision and whether Reddit merged it.
                report.add(action.page, self._verb(action), "applied despite the error")
                return True
            page = self.gateway.read_page(action.page)
            if page is not None and normalize(page.content) == content:
                with self.state.transaction() as db:
                    self.state.record_synced(
                        db,
                        action.page,
                        revision=page.revision_id,
                        content=content,
                        author=page.revision_by,
                    )
                report.add(action.page, self._verb(action), "applied despite the error")
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
        report.add(action.page, self._verb(action))
        return True

    def _revisions_since_plan(self, action: PageAction) -> list[WikiRevision]:
        """The page's revisions newer than the one the plan saw (all, for a create)."""
        try:
            revisions, _ = self.gateway.revisions(
                page=action.page, stop_at={action.previous} if action.previous else None
            )
        except NotFound:  # a create that did not happen
            return []
        return revisions

    def _by_me(self, revision: WikiRevision) -> bool:
        return (revision.author or "").lower() == self.gateway.username().lower()

    @staticmethod
    def _verb(action: PageAction) -> Result:
        return Result.CREATED if action.kind == Kind.CREATE else Result.UPDATED

    def _confirm_written(self, written: dict[str, PageAction], report: SyncReport) -> None:
        """Learn the revision ids of our edits from the revisions listing, paged.

        With nobody else editing, the listing since the cursor holds exactly our k
        revisions: ceil(k/100) calls. A revision by someone else on a page we wrote,
        older than ours but newer than the plan, means Reddit merged our stale edit into
        it: that page is read back and, unless it holds exactly our text, reported as drift.
        """
        cursor = self.state.get_meta(CURSOR_KEY)
        by_me = self._by_me

        def all_found(revisions: list[WikiRevision]) -> bool:
            return set(written) <= {r.page for r in revisions if by_me(r)}

        if cursor:
            revisions = self.gateway.revisions_since(cursor, enough=all_found)
        else:  # the wiki was empty when planned: everything in it is new
            revisions, _ = self.gateway.revisions(limit=SEGMENT_LIMIT + len(written))
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
        with self.state.transaction() as db:
            for name, action in written.items():
                content = action.content or ""
                found = ours.get(name)
                if found is None or name in merged_with:
                    page = self.gateway.read_page(name)
                    if page is None:
                        report.revise(name, Result.ERROR, "edit accepted but not found on the wiki")
                        continue
                    if normalize(page.content) != content:
                        self._record_merge(db, action, page, merged_with.get(name), report)
                        if found is not None:  # the merge Reddit made of our edit
                            merges[found.id] = merged_with.get(name) or "someone"
                        continue
                    found = WikiRevision(
                        page.revision_id, name, page.revision_date, page.revision_by, None
                    )
                self.state.record_synced(
                    db, name, revision=found.id, content=content, author=found.author
                )
        self._record_listing(revisions, authors=merges)  # a later human edit stays visible

    def _record_merge(
        self,
        db: sqlite3.Connection,
        action: PageAction,
        page: WikiPage,
        other: str | None,
        report: SyncReport,
    ) -> None:
        """The wiki holds our text merged with someone else's edit: drift, never 'synced'.

        Our text is recorded as the synced content, against the revision the edit was
        based on, and the merge as the newest seen revision: the next plan reads the page
        and shows drift, which ``pull`` adopts and ``push --force`` replaces.
        """
        who = other or "someone"
        self.state.record_synced(
            db,
            action.page,
            revision=action.previous or "",
            content=action.content or "",
            author=None,
        )
        self.state.record_seen(db, action.page, revision=page.revision_id, author=who)
        report.revise(
            action.page,
            Result.DRIFT,
            f"Reddit merged this edit with one by {who} made after the plan; the wiki holds "
            f"the merge: `wikibot pull {action.page}` adopts it, "
            f"`wikibot push --force {action.page}` replaces it",
        )

    def _apply_settings(
        self, plan: Plan, workspace: Workspace, report: SyncReport, *, force: bool
    ) -> None:
        heads = self.state.page_heads()
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
                if not never_set or self._reddit_settings(action.page) != wanted:
                    try:
                        self.gateway.update_page_settings(
                            action.page, listed=listed, permlevel=permlevel
                        )
                    except (Unavailable, WriteUncertain) as exc:  # safe to repeat next time
                        report.add(action.page, Result.ERROR, f"{exc}; settings will be retried")
                        continue
                    report.add(
                        action.page, Result.SETTINGS, f"listed={listed} permlevel={permlevel}"
                    )
                settings_probe.remember(self.state, action.page, wanted)
            elif record.listed is None and action.kind == Kind.CREATE:
                listed, permlevel = True, 0
            elif local is not None and self._wiki_holds(action.page, local, record):
                listed, permlevel = local.listed, local.permlevel  # record, nothing to send
            else:
                continue
            with self.state.transaction() as db:
                self.state.record_settings(db, action.page, listed=listed, permlevel=permlevel)

    def _reddit_settings(self, page: str) -> tuple[bool, int] | None:
        """What Reddit has for a page wikibot never set: read once, so that an existing
        wiki's pages are not rewritten with the settings they already have."""
        try:
            found = self.gateway.page_settings(page)
        except NotFound:
            return None
        return found.listed, found.permlevel

    def _wiki_holds(self, page: str, local: LocalPage, record: PageRecord) -> bool:
        """The wiki was seen holding the file's settings, which the state does not know yet."""
        wanted = (local.listed, local.permlevel)
        applied = (record.listed, record.permlevel)
        return settings_probe.known(self.state, page) == wanted and applied != wanted

    def _reason(self, action: PageAction, workspace: Workspace, override: str | None) -> str:
        source = workspace.sources.get(action.page)
        reason = override or (source.reason if source else None)
        if not reason and source is not None:
            reason = gitinfo.last_commit_subject(source.path)
        reason = reason or f"wikibot: sync {action.page} from {action.path or 'wiki_pages'}"
        return " ".join(reason.split())[:MAX_REASON_CHARS]

    # --- pull ------------------------------------------------------------------------------

    def pull(
        self,
        plan: Plan,
        workspace: Workspace,
        *,
        force: bool = False,
        include_remote_only: bool = False,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> SyncReport:
        """Write the wiki's text into the page files (front matter kept)."""
        report = SyncReport(on_outcome=on_outcome)
        for action in plan.actions:
            if action.kind == Kind.REMOTE_ONLY:
                if include_remote_only:
                    self._import(action, report)
                else:
                    report.add(
                        action.page,
                        Result.SKIPPED,
                        f"exists only on the wiki; `wikibot pull --all {action.page}` "
                        "imports it as a new file",
                    )
                continue
            if action.settings_drift:
                self._pull_settings(action, workspace, report)
            if action.kind in (Kind.CREATE, Kind.UPDATE) or action.remote_content is None:
                continue
            remote_text = normalize(action.remote_content)
            source = workspace.sources[action.page]
            if action.kind == Kind.CONFLICT and not force:
                report.add(
                    action.page,
                    Result.CONFLICT,
                    f"{action.note}; {action.path} would lose "
                    "its changes: merge by hand, or `wikibot pull --force "
                    f"{action.page}` to take the wiki's text",
                )
                continue
            if action.kind == Kind.UNCHANGED:
                continue
            write_page_body(source, remote_text)
            with self.state.transaction() as db:
                self.state.record_synced(
                    db,
                    action.page,
                    revision=action.remote_revision or "",
                    content=remote_text,
                    author=action.remote_author,
                )
            report.add(action.page, Result.PULLED, f"wrote {action.path}")
        return report

    def _pull_settings(self, action: PageAction, workspace: Workspace, report: SyncReport) -> None:
        """Write settings changed by hand on the wiki into the file's front matter."""
        listed, permlevel = action.settings_drift or (True, 0)
        source = workspace.sources[action.page]
        workspace.sources[action.page] = write_page_settings(
            source, listed=listed, permlevel=permlevel
        )
        with self.state.transaction() as db:
            self.state.record_settings(db, action.page, listed=listed, permlevel=permlevel)
        report.add(
            action.page,
            Result.PULLED,
            f"settings listed={listed} permlevel={permlevel} into {action.path}",
        )

    def _import(self, action: PageAction, report: SyncReport) -> None:
        page = self.gateway.read_page(action.page)
        if page is None:
            return
        try:
            settings = self.gateway.page_settings(action.page)
            listed, permlevel = settings.listed, settings.permlevel
        except NotFound:
            listed, permlevel = True, 0
        path = self.settings.wiki_pages_dir / f"{action.page}.md"
        if path.exists():
            report.add(action.page, Result.ERROR, f"{path} exists but publishes another page name")
            return
        text = normalize(page.content)
        new_page_file(
            self.settings.wiki_pages_dir,
            name=action.page,
            body=text,
            listed=listed,
            permlevel=permlevel,
        )
        with self.state.transaction() as db:
            self.state.record_synced(
                db, action.page, revision=page.revision_id, content=text, author=page.revision_by
            )
            self.state.record_settings(db, action.page, listed=listed, permlevel=permlevel)
        settings_probe.remember(self.state, action.page, (listed, permlevel))
        report.add(action.page, Result.PULLED, f"created {_display(path)}")

    # --- alerts ----------------------------------------------------------------------------

    def alert_moderators(self, plan: Plan) -> int:
        """Message the mod team once per drifted/conflicting wiki revision, and once per
        settings value changed by hand; returns how many messages were sent."""
        sent = 0
        subreddit = self.settings.subreddit
        alerts = [
            (a, a.remote_revision or "unknown", a.kind.value, _alert_body(a, subreddit))
            for a in plan.of(Kind.DRIFT, Kind.CONFLICT)
        ] + [
            (
                a,
                f"settings:{int(a.settings_drift[0])},{a.settings_drift[1]}",
                "settings drift",
                _settings_alert_body(a, subreddit),
            )
            for a in plan.actions
            if a.settings_drift
        ]
        for action, revision, kind, body in alerts:
            if not self.state.record_alert(
                page=action.page,
                revision=revision,
                kind=kind,
                author=action.remote_author,
            ):
                continue
            subject = f"wikibot: wiki page '{action.page}' needs a human ({kind})"
            try:
                self.gateway.message_moderators(subject=subject, body=body)
            except WriteUncertain:
                log.warning("alert for %s: outcome unknown; not resending", action.page)
            except Exception:
                self.state.forget_alert(page=action.page, revision=revision)
                raise
            log.info(
                "wiki: %s on %s (revision %s by %s); moderators messaged",
                kind,
                action.page,
                revision[:8],
                action.remote_author or "someone",
            )
            sent += 1
        return sent


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


def _settings_alert_body(action: PageAction, subreddit: str) -> str:
    listed, permlevel = action.settings_drift or (True, 0)
    return (
        f"The settings of the wiki page [{action.page}](/r/{subreddit}/wiki/{action.page}) "
        f"were changed on Reddit to listed={listed} permlevel={permlevel}, unlike "
        f"`{action.path}`. wikibot will not change them back.\n\nTo resolve:\n\n"
        f"- keep them: run `wikibot pull {action.page}` and commit the file\n"
        f"- restore the file's: run `wikibot push --force {action.page}`\n\n"
        "You will get this message once per settings change."
    )


def _settings_drift_note(action: PageAction) -> str:
    listed, permlevel = action.settings_drift or (True, 0)
    return (
        f"settings changed on the wiki to listed={listed} permlevel={permlevel}; "
        f"`wikibot pull {action.page}` writes them into {action.path or 'the file'}, "
        f"`wikibot push --force {action.page}` restores the file's"
    )


def _alert_body(action: PageAction, subreddit: str) -> str:
    who = f"u/{action.remote_author}" if action.remote_author else "someone"
    if action.kind == Kind.DRIFT:
        todo = (
            f"- keep the wiki's version: run `wikibot pull {action.page}` and commit the "
            "file\n"
            f"- discard it: run `wikibot push --force {action.page}`"
        )
    else:
        todo = (
            f"- the file and the wiki both changed: merge by hand, then run "
            f"`wikibot push --force {action.page}`"
        )
    return (
        f"The wiki page [{action.page}]({wiki_path(subreddit, action.page)}) was edited on "
        f"the wiki by {who} (revision {action.remote_revision}) and differs from "
        f"`{action.path}`. wikibot will not overwrite it.\n\nTo resolve:\n\n{todo}\n\n"
        "You will get this message once per wiki revision."
    )
