"""The sandbox's posts and comments, the bot's inbox, mod-queue reports and modmail."""

from __future__ import annotations

from typing import Any

from bot.sandbox.world import World, now

# "purged": gone from every listing, as Reddit does with spam it deletes outright.
POST_FLAGS = {"locked", "archived", "removed", "deleted", "stickied", "purged"}


class PostStore(World):
    """Posts, comments and messages of the sandbox world."""

    def add_post(
        self,
        *,
        author: str,
        title: str,
        body: str = "",
        flair: str | None = None,
        created_utc: float | None = None,
        distinguished: str | bool | None = None,
        **flags: bool,
    ) -> dict[str, Any]:
        """A user's new post. ``distinguished``: ``"admin"`` (a Reddit admin's post), or
        true for a moderator's distinguished post (only a moderator's)."""
        if distinguished is True:
            distinguished = "moderator" if self.is_moderator(author) else None
        with self.lock:
            self.ensure_user(author)
            post = {
                "id": self.next_id("post"),
                "author": author,
                "title": title,
                "selftext": body,
                "flair": flair,
                "created_utc": created_utc if created_utc is not None else now(),
                "distinguished": distinguished if distinguished in ("moderator", "admin") else None,
                **{k: bool(v) for k, v in flags.items() if k in POST_FLAGS},
            }
            self.data["posts"].append(post)
            self.save()
            return post

    def set_post_flags(self, post_id: str, **flags: bool) -> dict[str, Any] | None:
        with self.lock:
            post = self.post(post_id)
            if post is not None:
                post.update({k: bool(v) for k, v in flags.items() if k in POST_FLAGS})
                self.save()
            return post

    def post(self, post_id: str) -> dict[str, Any] | None:
        return next((p for p in self.data["posts"] if p["id"] == post_id), None)

    def posts_newest_first(self, *, include_removed: bool) -> list[dict[str, Any]]:
        posts = sorted(self.data["posts"], key=lambda p: (p["created_utc"], int(p["id"], 36)))
        return [
            p
            for p in reversed(posts)
            if not p.get("purged") and (include_removed or not p.get("removed"))
        ]

    def comments_of(self, post_id: str) -> list[dict[str, Any]]:
        link_id = f"t3_{post_id}"
        return [c for c in self.data["comments"] if c["link_id"] == link_id]

    def comment(self, comment_id: str) -> dict[str, Any] | None:
        return next((c for c in self.data["comments"] if c["id"] == comment_id), None)

    def add_comment(self, *, parent: str, author: str, body: str) -> dict[str, Any]:
        return self.add_comments(parent=parent, author=author, bodies=[body])[0]

    def comments_newest_first(self) -> list[dict[str, Any]]:
        """The subreddit's comments, newest first (deleted ones are gone from the listing)."""
        found = [c for c in self.data["comments"] if not c.get("deleted")]
        return sorted(found, key=lambda c: (c["created_utc"], c["id"]), reverse=True)

    def comments_by(self, author: str) -> list[dict[str, Any]]:
        """An account's comments, newest first (deleted ones are gone from its profile)."""
        mine = [
            c
            for c in self.data["comments"]
            if c["author"].lower() == author.lower() and not c.get("deleted")
        ]
        return sorted(mine, key=lambda c: (c["created_utc"], c["id"]), reverse=True)

    def replies_to(self, author: str) -> list[dict[str, Any]]:
        """Comments answering one of ``author``'s comments, newest first (an inbox)."""
        mine = {f"t1_{c['id']}" for c in self.data["comments"] if c["author"] == author}
        found = [
            c
            for c in self.data["comments"]
            if c["parent_id"] in mine and c["author"] != author and not c.get("deleted")
        ]
        return sorted(found, key=lambda c: (c["created_utc"], c["id"]), reverse=True)

    def mark_read(self, fullnames: list[str]) -> None:
        """Inbox items read (``/api/read_message``): no longer in ``/message/unread``."""
        with self.lock:
            read = self.data.setdefault("read", [])
            read.extend(name for name in fullnames if name not in read)
            self.save()

    def is_read(self, fullname: str) -> bool:
        return fullname in self.data.get("read", [])

    def add_report(self, *, thing: str, reason: str, by: str) -> dict[str, Any]:
        """A report to the mod queue, kept in the state's ``reports`` (newest last)."""
        with self.lock:
            report = {
                "thing": thing,
                "reason": reason,
                "by": by,
                "by_moderator": self.is_moderator(by),
                "created_utc": now(),
            }
            self.data.setdefault("reports", []).append(report)
            self.save()
            return report

    def reports_on(self, thing: str) -> list[dict[str, Any]]:
        return [r for r in self.data.get("reports", []) if r["thing"] == thing]

    def set_comment(self, comment_id: str, **changes: Any) -> dict[str, Any] | None:
        """Change a comment's ``score``, ``removed_by`` or ``deleted``."""
        with self.lock:
            record = self.comment(comment_id)
            if record is not None:
                record.update(changes)
                self.save()
            return record

    def add_comments(self, *, parent: str, author: str, bodies: list[str]) -> list[dict[str, Any]]:
        """Many comments by one author at once (one save): a busy thread, a flooded inbox."""
        with self.lock:
            link_id = parent if parent.startswith("t3_") else self.comment(parent[3:])["link_id"]  # type: ignore[index]
            records = []
            for body in bodies:
                record = {
                    "id": self.next_id("comment"),
                    "link_id": link_id,
                    "parent_id": parent,
                    "author": author,
                    "body": body,
                    "created_utc": now(),
                }
                self.data["comments"].append(record)
                records.append(record)
            self.save()
            return records

    def add_modmail(self, *, author: str, subject: str, text: str) -> dict[str, Any]:
        with self.lock:
            message = {"author": author, "subject": subject, "text": text, "created_utc": now()}
            self.data["modmail"].append(message)
            self.save()
            return message
