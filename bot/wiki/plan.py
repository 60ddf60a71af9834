"""Pure planning: local pages + what the wiki holds + last synced state -> actions.

Three-way per page, comparing normalised text:

==================  ======================  ==============================================
local vs synced     wiki vs synced          action
==================  ======================  ==============================================
(no wiki page)      -                       create
unchanged           unchanged               unchanged
changed             unchanged               update
unchanged           changed                 drift (someone edited the wiki; ``pull`` adopts)
changed             changed, differently    conflict (never overwritten without ``--force``)
either              equal to local          unchanged (recorded as synced)
never synced        differs from local      conflict
(no local file)     exists                  remote-only
==================  ======================  ==============================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property

from bot.state import content_hash
from bot.wiki.diff import unified_diff
from bot.wiki.render import normalize

DEFAULT_SETTINGS = (True, 0)  # Reddit's settings of a new page: listed, anyone the rules allow
PERMLEVEL_WORDS = {
    0: "the subreddit's wiki rules",
    1: "approved editors only",
    2: "moderators only",
}
_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")


class Kind(StrEnum):
    """What a plan does with a page."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    DRIFT = "drift"
    CONFLICT = "conflict"
    REMOTE_ONLY = "remote-only"


@dataclass(frozen=True)
class LocalPage:
    """A page file, rendered to the exact wiki text."""

    name: str
    content: str
    listed: bool | None = None  # None: not in the front matter, the wiki's setting is kept
    permlevel: int | None = None
    path: str = ""

    def settings_over(self, held: tuple[bool, int]) -> tuple[bool, int]:
        """The settings the file asks for, keeping ``held`` for each key it leaves out."""
        listed = held[0] if self.listed is None else self.listed
        return listed, held[1] if self.permlevel is None else self.permlevel

    @cached_property
    def digest(self) -> str:
        """The content hash, as the state records it for synced text."""
        return content_hash(self.content)


@dataclass(frozen=True)
class RemotePage:
    """The wiki's current revision of a page (``content`` None when not read this time)."""

    name: str
    revision_id: str | None
    author: str | None = None
    content: str | None = None
    settings: tuple[bool, int] | None = None  # (listed, permlevel) last read from the wiki


@dataclass(frozen=True)
class SyncedPage:
    """What we last published (or adopted) for a page, as normalised text.

    ``content`` may be None when ``content_hash`` equals the local page's hash and the
    wiki is still at ``revision_id``: the page is unchanged and its text is not needed.
    """

    name: str
    revision_id: str
    content: str | None
    listed: bool | None = None
    permlevel: int | None = None
    content_hash: str | None = None

    @property
    def digest(self) -> str | None:
        if self.content_hash is not None:
            return self.content_hash
        return None if self.content is None else content_hash(self.content)


@dataclass(frozen=True)
class PageAction:
    """The plan for one page."""

    page: str
    kind: Kind
    diff: str = ""
    content: str | None = None
    previous: str | None = None
    remote_revision: str | None = None
    remote_author: str | None = None
    remote_content: str | None = None
    settings: tuple[bool, int] | None = None
    path: str = ""
    note: str = ""
    settings_drift: tuple[bool, int] | None = None  # changed by hand on the wiki
    settings_from: tuple[bool, int] | None = None  # what ``settings`` changes (None: a new page)

    @property
    def writes(self) -> bool:
        return self.kind in (Kind.CREATE, Kind.UPDATE)

    def stats(self) -> tuple[int, int]:
        """(+lines, -lines) of the diff."""
        return diff_stats(self.diff)


@dataclass(frozen=True)
class Plan:
    """Actions for every page, sorted by page name."""

    actions: tuple[PageAction, ...] = field(default_factory=tuple)

    def of(self, *kinds: Kind) -> list[PageAction]:
        return [a for a in self.actions if a.kind in kinds]

    @property
    def has_changes(self) -> bool:
        """True when something differs between the files and the wiki."""
        return any(a.kind != Kind.UNCHANGED or a.settings or a.settings_drift for a in self.actions)

    def counts(self) -> dict[str, int]:
        counts = {kind.value: 0 for kind in Kind}
        for action in self.actions:
            counts[action.kind.value] += 1
        return counts


def settings_drift_text(action: PageAction) -> str:
    """A hand change of the page's settings on the wiki in words, with what adopts it."""
    if action.settings_drift is None:
        return ""
    listed, permlevel = action.settings_drift
    return (
        f"settings drift: the wiki has listed={listed} permlevel={permlevel} "
        f"(`wikibot pull {action.page}` adopts)"
    )


def loosens(action: PageAction) -> bool:
    """The settings change lowers who may edit the page (a lower ``permlevel``)."""
    if action.settings is None or action.settings_from is None:
        return False
    return action.settings[1] < action.settings_from[1]


def settings_text(action: PageAction) -> str:
    """``action.settings`` in words: each changed key, and a permlevel that loosens."""
    if action.settings is None:
        return ""
    listed, permlevel = action.settings
    if action.settings_from is None:
        return f"listed={listed} permlevel={permlevel}"
    was_listed, was_permlevel = action.settings_from
    parts = [f"listed {was_listed} -> {listed}"] if listed != was_listed else []
    if permlevel != was_permlevel:
        words = f"{PERMLEVEL_WORDS[was_permlevel]} -> {PERMLEVEL_WORDS[permlevel]}"
        opening = " (loosens: " if loosens(action) else " ("
        parts.append(f"permlevel {was_permlevel} -> {permlevel}{opening}{words})")
    return ", ".join(parts) or f"listed={listed} permlevel={permlevel}"


def diff_stats(diff: str) -> tuple[int, int]:
    """(+lines, -lines) of a unified diff, read hunk by hunk from the ``@@`` counts.

    A removed line that itself starts with ``--`` (a Markdown rule ``---``) reads as
    ``----``, so telling file headers from hunk lines by prefix miscounts.
    """
    added = removed = 0
    old_left = new_left = 0
    for line in diff.splitlines():
        if old_left or new_left:
            if line.startswith("+"):
                added += 1
                new_left -= 1
            elif line.startswith("-"):
                removed += 1
                old_left -= 1
            elif line.startswith(" "):
                old_left, new_left = old_left - 1, new_left - 1
            continue
        if match := _HUNK.match(line):
            old_left = int(match.group(1) or "1")
            new_left = int(match.group(2) or "1")
    return added, removed


def build_plan(
    *,
    local: Mapping[str, LocalPage],
    remote: Mapping[str, RemotePage],
    synced: Mapping[str, SyncedPage],
    ignore_remote: frozenset[str] = frozenset(),
) -> Plan:
    """Decide what to do with every page. Pure: no I/O.

    ``remote`` holds the pages that exist on the wiki; a remote page whose ``content``
    is None is known (from the revisions listing) to be at ``revision_id``, which must
    equal the synced revision for its content to be taken from ``synced``.
    """
    names = sorted(set(local) | {n for n in remote if n not in ignore_remote})
    actions = []
    for name in names:
        action = _plan_page(local.get(name), remote.get(name), synced.get(name), name=name)
        actions.append(action)
    return Plan(tuple(actions))


def three_way(*, local_changed: bool, remote_changed: bool) -> Kind:
    """The table above for a page on the wiki, given what changed since the last sync."""
    if local_changed and remote_changed:
        return Kind.CONFLICT
    if local_changed:
        return Kind.UPDATE
    if remote_changed:
        return Kind.DRIFT
    return Kind.UNCHANGED


def _plan_page(
    local: LocalPage | None, remote: RemotePage | None, synced: SyncedPage | None, *, name: str
) -> PageAction:
    wiki_name = f"wiki/{name}"
    if local is None:
        assert remote is not None
        return PageAction(
            page=name,
            kind=Kind.REMOTE_ONLY,
            remote_revision=remote.revision_id,
            remote_author=remote.author,
            remote_content=remote.content,
            note="exists only on the wiki; `wikibot pull --all` imports it",
        )
    drift = _settings_drift(local, remote, synced)
    held = (remote.settings if remote is not None else None) or _applied(synced)
    settings = _settings_change(local, held)
    if drift is not None:
        settings = None  # the wiki's hand-made settings win until pulled or forced
    if remote is None:
        diff = unified_diff("", local.content, before_name="/dev/null", after_name=local.path)
        wanted = local.settings_over(DEFAULT_SETTINGS)
        return PageAction(
            page=name,
            kind=Kind.CREATE,
            diff=diff,
            content=local.content,
            settings=wanted if wanted != DEFAULT_SETTINGS else None,
            path=local.path,
        )

    seen = PageAction(
        page=name,
        kind=Kind.UNCHANGED,
        path=local.path,
        remote_revision=remote.revision_id,
        remote_author=remote.author,
        settings_drift=drift,
        settings_from=held,
    )
    if (
        remote.content is None
        and synced is not None
        and synced.revision_id == remote.revision_id
        and synced.digest == local.digest
    ):
        return replace(seen, settings=settings)  # hashes equal: nothing to read or diff
    remote_text = _remote_text(remote, synced)
    seen = replace(seen, remote_content=remote_text)
    if remote_text is None:
        # Only reachable when the caller did not read a page whose revision moved.
        return replace(seen, kind=Kind.CONFLICT, note="wiki revision unknown; run plan again")
    base = normalize(synced.content) if synced and synced.content is not None else None
    wiki_text = base if remote.content is None and base is not None else normalize(remote_text)
    if wiki_text == local.content:
        return replace(seen, settings=settings)
    writable = replace(seen, content=local.content, previous=remote.revision_id)
    local_changed = base is None or base != local.content
    remote_changed = base is None or wiki_text != base
    kind = three_way(local_changed=local_changed, remote_changed=remote_changed)
    if kind == Kind.UPDATE:
        diff = unified_diff(wiki_text, local.content, before_name=wiki_name, after_name=local.path)
        return replace(writable, kind=Kind.UPDATE, diff=diff, settings=settings)
    if kind == Kind.DRIFT:
        diff = unified_diff(local.content, wiki_text, before_name=local.path, after_name=wiki_name)
        return replace(
            writable,
            kind=Kind.DRIFT,
            diff=diff,
            note=f"edited on the wiki by {remote.author or 'someone'}",
        )
    diff = unified_diff(wiki_text, local.content, before_name=wiki_name, after_name=local.path)
    note = (
        "exists on the wiki with other content and was never synced"
        if base is None
        else f"changed both here and on the wiki (by {remote.author or 'someone'})"
    )
    return replace(writable, kind=Kind.CONFLICT, diff=diff, note=note, settings=settings)


def _remote_text(remote: RemotePage, synced: SyncedPage | None) -> str | None:
    if remote.content is not None:
        return remote.content
    if synced is not None and synced.revision_id == remote.revision_id:
        return synced.content
    return None


def _applied(synced: SyncedPage | None) -> tuple[bool, int]:
    """The settings last applied (or adopted), or Reddit's defaults when never set."""
    if synced is None or synced.listed is None or synced.permlevel is None:
        return DEFAULT_SETTINGS
    return synced.listed, synced.permlevel


def _settings_change(local: LocalPage, held: tuple[bool, int]) -> tuple[bool, int] | None:
    """The file's settings when a key it sets differs from what the wiki holds."""
    wanted = local.settings_over(held)
    return wanted if wanted != held else None


def _settings_drift(
    local: LocalPage, remote: RemotePage | None, synced: SyncedPage | None
) -> tuple[bool, int] | None:
    """The wiki's settings when someone changed by hand a key the file sets, unlike the file.

    A key the file leaves out is not managed: a change to it on the wiki is no drift.
    """
    if remote is None or remote.settings is None or synced is None:
        return None
    if synced.listed is None or synced.permlevel is None:
        return None
    held, applied = remote.settings, _applied(synced)
    changed = (local.listed is not None and held[0] != applied[0]) or (
        local.permlevel is not None and held[1] != applied[1]
    )
    return held if changed and local.settings_over(held) != held else None
