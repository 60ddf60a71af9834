"""``wikibot status``: what the state database says, without calling Reddit.

Times are ISO 8601 with the local UTC offset. Each page that needs something says which
command resolves it; an error followed by a successful run of the same job is marked
resolved.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.config import Settings
from bot.errors import InputError
from bot.lockfile import lock_holder, lock_path
from bot.state import LabelStore, RunRow, State, content_hash
from bot.wiki.plan import Kind, three_way
from bot.wiki.sync import is_special, load_workspace

JOBS = ("sync", "replies", "feedback")

_PENDING: dict[Kind, str | None] = {
    Kind.CONFLICT: "conflict",
    Kind.DRIFT: "drift",
    Kind.UPDATE: "local changes to push",
    Kind.UNCHANGED: None,
}


def iso(timestamp: float | None) -> str | None:
    """``2026-11-27T09:05:00+00:00`` in the local timezone, or None."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(float(timestamp)).astimezone().isoformat(timespec="seconds")


def resolve_command(page: str, pending: str | None) -> str | None:
    """The command that resolves a page's pending state (as the modmail alert says)."""
    return {
        "drift": f"wikibot pull {page} (keep the wiki's edit) or wikibot push --force {page}",
        "conflict": f"merge by hand, then wikibot push --force {page} (or pull --force {page})",
        "local changes to push": f"wikibot push {page}",
        "never synced": f"wikibot push {page}",
        "only on the wiki": f"wikibot pull --all {page} (import it as a file)",
    }.get(pending or "")


def _pages(settings: Settings, state: State) -> tuple[list[dict[str, Any]], str | None]:
    try:
        local = {name: page.content for name, page in load_workspace(settings).local.items()}
        local_error = None
    except InputError as exc:
        local, local_error = {}, str(exc)
    pages = []
    for name, record in state.pages().items():
        wiki_only = name not in local and record.synced_revision is None
        if wiki_only and (record.seen_revision is None or is_special(name) or local_error):
            continue
        local_changed = name in local and content_hash(local[name]) != record.synced_hash
        wiki_changed = (
            record.seen_revision is not None
            and record.synced_revision is not None
            and record.seen_revision != record.synced_revision
        )
        if wiki_only:
            pending: str | None = "only on the wiki"
        else:
            pending = _PENDING[three_way(local_changed=local_changed, remote_changed=wiki_changed)]
        pages.append(
            {
                "page": name,
                "synced_revision": record.synced_revision,
                "synced_at": iso(record.synced_at),
                "wiki_revision": record.seen_revision or None,
                "wiki_edited_by": record.seen_author if wiki_changed or wiki_only else None,
                "pending": pending,
                "resolve": resolve_command(name, pending),
            }
        )
    for name in sorted(set(local) - {p["page"] for p in pages}):
        pages.append(
            {
                "page": name,
                "synced_revision": None,
                "synced_at": None,
                "wiki_revision": None,
                "wiki_edited_by": None,
                "pending": "never synced",
                "resolve": resolve_command(name, "never synced"),
            }
        )
    return sorted(pages, key=lambda p: p["page"]), local_error


def _run(row: RunRow) -> dict[str, Any]:
    return {
        "job": row.job,
        "started_at": iso(row.started_at),
        "finished_at": iso(row.finished_at),
        "ok": row.ok,
        "summary": row.summary if row.ok else (row.error or row.summary or ""),
    }


def collect_status(settings: Settings, state: State) -> dict[str, Any]:
    """Pages, pending drift/conflicts, recent replies, errors, last good runs, next runs."""
    pages, local_error = _pages(settings, state)
    now = time.time()
    replies = state.replies_since(now - 86400)
    holder = lock_holder(lock_path(settings.state_db))
    owner = holder.pid if holder is not None and holder.is_daemon else None
    next_runs: dict[str, str | None] = {}
    for job in JOBS:
        value = state.get_meta(f"next_run:{job}")
        if owner and value:
            next_runs[job] = value if value == "disabled" else iso(float(value))
    runs = state.recent_runs(1000)
    last_ok: dict[str, dict[str, Any] | None] = {}
    for job in JOBS:
        good = next((r for r in runs if r.job == job and r.ok), None)
        last_ok[job] = _run(good) if good else None
    errors = []
    for row in state.recent_errors():
        later_ok = any(r.job == row.job and r.ok and r.id > row.id for r in runs)
        errors.append(
            {
                "job": row.job,
                "started_at": iso(row.started_at),
                "error": row.error,
                "resolved": later_ok,
            }
        )
    return {
        "target": settings.target,
        "subreddit": settings.subreddit,
        "state_db": str(settings.state_db),
        "daemon_pid": owner,
        "next_runs": next_runs,
        "pages": pages,
        "local_error": local_error,
        "alerts": [{**asdict(a), "sent_at": iso(a.sent_at)} for a in state.alerts()[:20]],
        "feedback": LabelStore(state).counts(),
        "replies_24h": [
            {
                "post_id": r.post_id,
                "status": r.status.value,
                "audience": r.audience,
                "comment_id": r.comment_id,
                "title": r.title,
                "replied_at": iso(r.replied_at),
            }
            for r in replies
        ],
        "errors": errors,
        "last_success": last_ok,
        "last_runs": [_run(r) for r in runs[:6]],
    }
