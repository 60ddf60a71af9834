"""The sandbox's wiki: pages, their revisions (with the wiki-wide log) and settings."""

from __future__ import annotations

import re
import uuid
from typing import Any

from bot.limits import MAX_REASON_CHARS
from bot.sandbox.world import World, now

PAGE_NAME_RE = re.compile(r"^[a-z0-9_\-]+(/[a-z0-9_\-]+)*$")


class WikiStore(World):
    """Wiki pages and revisions of the sandbox world."""

    def page(self, name: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self.data["wiki"].get(name)
        return result

    def page_names(self) -> list[str]:
        return sorted(self.data["wiki"])

    def revision(self, page: str, revision_id: str | None) -> dict[str, Any] | None:
        record = self.page(page)
        if record is None:
            return None
        revisions = record["revisions"]
        if revision_id is None:
            result: dict[str, Any] | None = revisions[-1]
            return result
        return next((r for r in revisions if r["id"] == revision_id), None)

    def may_revise(self, page: str, user: str | None) -> bool:
        """Moderators edit anything; approved editors edit pages with permlevel < 2."""
        if user is None:
            return False
        if self.is_moderator(user):
            return True
        record = self.page(page)
        if record is None:
            return False
        settings = record["settings"]
        return settings["permlevel"] < 2 and user.lower() in settings["editors"]

    def edit_page(
        self, *, page: str, content: str, author: str, reason: str | None
    ) -> dict[str, Any]:
        """Append a revision (creating the page if needed) and return it."""
        with self.lock:
            record = self.data["wiki"].setdefault(
                page, {"revisions": [], "settings": {"listed": True, "permlevel": 0, "editors": []}}
            )
            revision = {
                "id": str(uuid.uuid4()),
                "page": page,
                "content": content,
                "author": author,
                "reason": (reason or None) and reason[:MAX_REASON_CHARS],
                "timestamp": now(),
            }
            record["revisions"].append(revision)
            self.data["wiki_log"].append([page, revision["id"]])
            self.save()
            return revision

    def update_settings(self, page: str, *, listed: bool, permlevel: int) -> dict[str, Any]:
        with self.lock:
            settings = self.data["wiki"][page]["settings"]
            settings.update(listed=listed, permlevel=permlevel)
            self.save()
            result: dict[str, Any] = settings
            return result

    def revisions(self, page: str | None = None) -> list[dict[str, Any]]:
        """Revisions newest first, of one page or of the whole wiki."""
        if page is not None:
            record = self.page(page)
            return list(reversed(record["revisions"])) if record else []
        found = []
        for page_name, revision_id in reversed(self.data["wiki_log"]):
            revision = self.revision(page_name, revision_id)
            if revision is not None:
                found.append(revision)
        return found
