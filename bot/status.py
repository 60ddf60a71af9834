"""``wikibot status``: what the state database says, without calling Reddit."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from bot.config import Settings
from bot.errors import InputError
from bot.lockfile import lock_holder, lock_path
from bot.state import LabelStore, State, content_hash
from bot.wiki.plan import Kind, three_way
from bot.wiki.sync import load_workspace

_PENDING: dict[Kind, str | None] = {
    Kind.CONFLICT: "conflict",
    Kind.DRIFT: "drift",
    Kind.UPDATE: "local changes to push",
    Kind.UNCHANGED: None,
}


def collect_status(settings: Settings, state: State) -> dict[str, Any]:
    """Pages, pending drift/conflicts, recent replies, errors and next runs."""
    try:
        local = {name: page.content for name, page in load_workspace(settings).local.items()}
        local_error = None
    except InputError as exc:
        local, local_error = {}, str(exc)
    pages = []
    for name, record in state.pages().items():
        if name not in local and record.synced_revision is None:
            continue
        local_changed = name in local and content_hash(local[name]) != record.synced_hash
        wiki_changed = (
            record.seen_revision is not None and record.seen_revision != record.synced_revision
        )
        kind = three_way(local_changed=local_changed, remote_changed=wiki_changed)
        pending = _PENDING[kind]
        pages.append(
            {
                "page": name,
                "synced_revision": record.synced_revision,
                "synced_at": record.synced_at,
                "wiki_revision": record.seen_revision,
                "wiki_edited_by": record.seen_author if wiki_changed else None,
                "pending": pending,
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
            }
        )
    now = time.time()
    replies = state.replies_since(now - 86400)
    holder = lock_holder(lock_path(settings.state_db))
    owner = holder.pid if holder is not None and holder.is_daemon else None
    next_runs = {}
    for job in ("sync", "replies", "feedback"):
        value = state.get_meta(f"next_run:{job}")
        if owner and value:
            next_runs[job] = value if value == "disabled" else float(value)
    return {
        "target": settings.target,
        "subreddit": settings.subreddit,
        "state_db": str(settings.state_db),
        "daemon_pid": owner,
        "next_runs": next_runs,
        "pages": sorted(pages, key=lambda p: p["page"]),
        "local_error": local_error,
        "alerts": [asdict(a) for a in state.alerts()[:20]],
        "feedback": LabelStore(state).counts(),
        "replies_24h": [
            {
                "post_id": r.post_id,
                "status": r.status.value,
                "audience": r.audience,
                "comment_id": r.comment_id,
                "title": r.title,
                "replied_at": r.replied_at,
            }
            for r in replies
        ],
        "errors": [
            {"job": r.job, "started_at": r.started_at, "error": r.error}
            for r in state.recent_errors()
        ],
        "last_runs": [
            {
                "job": r.job,
                "started_at": r.started_at,
                "finished_at": r.finished_at,
                "ok": None if r.ok is None else int(r.ok),
                "summary": r.summary,
            }
            for r in state.recent_runs(6)
        ],
    }
