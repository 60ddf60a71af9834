"""The sandbox's world: users, one subreddit, its wiki, posts, comments and modmail.

Plain dicts in memory, persisted atomically to a JSON file after every change so a
restarted sandbox keeps its state. All methods are thread-safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bot.limits import MAX_REASON_CHARS

PASSWORD = "sandbox"  # noqa: S105 - public sandbox credentials
CLIENT_ID = "sandbox"
CLIENT_SECRET = "sandbox"  # noqa: S105
PAGE_NAME_RE = re.compile(r"^[a-z0-9_\-]+(/[a-z0-9_\-]+)*$")

SEED_USERS = (
    ("wikibot", True),
    ("alice_mod", True),
    ("curious_student", False),
    ("backend_ben", False),
    ("phd_hopeful", False),
    ("weekend_tinkerer", False),
    ("gpu_gary", False),
)

SEED_POSTS = (
    (
        "curious_student",
        "I'm 16 and want to get into machine learning. Where do I start?",
        "I'm in high school and I love maths. What should I study now, and which degree should I "
        "aim for at university if I want to work in ML one day?",
        None,
    ),
    (
        "backend_ben",
        "Backend developer (5 years of Java) looking to move into ML engineering",
        "I build services for a living. What should I learn to switch careers into an ML engineer "
        "role? Any roadmap you would recommend?",
        None,
    ),
    (
        "gpu_gary",
        "Loss becomes NaN after a few epochs with Adam in PyTorch",
        "My training loss explodes to NaN after epoch 3. Learning rate is 1e-3, batch size 64. "
        "I already tried gradient clipping. What else can cause this?",
        "Question",
    ),
    (
        "weekend_tinkerer",
        "I built a bird-song classifier with a Raspberry Pi [project]",
        "Sharing my weekend project: a small CNN on spectrograms, code on GitHub. "
        "Feedback welcome!",
        "Project",
    ),
    (
        "alice_mod",
        "Weekly thread: what are you learning this week?",
        "Share what you are studying and help each other out.",
        None,
    ),
)


class SandboxStore:
    """State of the fake Reddit, loaded from and saved to ``path`` (None: memory only)."""

    def __init__(self, path: Path | None, *, subreddit: str = "learnmachinelearning") -> None:
        self.path = path
        self.lock = threading.RLock()
        if path is not None and path.exists():
            self.data = json.loads(path.read_text(encoding="utf-8"))
        else:
            self.data = _seed(subreddit)
            self.save()

    # --- persistence ------------------------------------------------------------------

    def save(self) -> None:
        """Write the state atomically: a kill mid-write leaves the old or the new file."""
        if self.path is None:
            return
        with self.lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".sandbox-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(self.data, handle)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

    # --- users and subreddit -----------------------------------------------------------

    @property
    def subreddit(self) -> dict[str, Any]:
        result: dict[str, Any] = self.data["subreddit"]
        return result

    def user(self, name: str | None) -> dict[str, Any] | None:
        if not name:
            return None
        result: dict[str, Any] | None = self.data["users"].get(name.lower())
        return result

    def ensure_user(self, name: str) -> dict[str, Any]:
        """Return the user, creating an ordinary account on first use."""
        with self.lock:
            user = self.user(name)
            if user is None:
                user = _new_user(name, is_mod=False, index=len(self.data["users"]))
                self.data["users"][name.lower()] = user
                self.save()
            return user

    def is_moderator(self, name: str | None) -> bool:
        user = self.user(name)
        return bool(user and user.get("is_mod"))

    def check_password(self, name: str, password: str) -> bool:
        user = self.user(name)
        if not user:
            return False
        result: bool = _digest(password) == user.get("password_sha256", _digest(PASSWORD))
        return result

    def set_password(self, name: str, password: str) -> None:
        """Give a user another password (stored only as a hash)."""
        with self.lock:
            self.ensure_user(name)["password_sha256"] = _digest(password)
            self.save()

    # --- wiki --------------------------------------------------------------------------

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
                "timestamp": _now(),
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

    # --- posts and comments --------------------------------------------------------------

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
                "id": self._next_id("post"),
                "author": author,
                "title": title,
                "selftext": body,
                "flair": flair,
                "created_utc": created_utc if created_utc is not None else _now(),
                "distinguished": distinguished if distinguished in ("moderator", "admin") else None,
                **{k: bool(v) for k, v in flags.items() if k in _POST_FLAGS},
            }
            self.data["posts"].append(post)
            self.save()
            return post

    def set_post_flags(self, post_id: str, **flags: bool) -> dict[str, Any] | None:
        with self.lock:
            post = self.post(post_id)
            if post is not None:
                post.update({k: bool(v) for k, v in flags.items() if k in _POST_FLAGS})
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
        with self.lock:
            link_id = parent if parent.startswith("t3_") else self.comment(parent[3:])["link_id"]  # type: ignore[index]
            record = {
                "id": self._next_id("comment"),
                "link_id": link_id,
                "parent_id": parent,
                "author": author,
                "body": body,
                "created_utc": _now(),
            }
            self.data["comments"].append(record)
            self.save()
            return record

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
                "created_utc": _now(),
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
                    "id": self._next_id("comment"),
                    "link_id": link_id,
                    "parent_id": parent,
                    "author": author,
                    "body": body,
                    "created_utc": _now(),
                }
                self.data["comments"].append(record)
                records.append(record)
            self.save()
            return records

    def add_modmail(self, *, author: str, subject: str, text: str) -> dict[str, Any]:
        with self.lock:
            message = {"author": author, "subject": subject, "text": text, "created_utc": _now()}
            self.data["modmail"].append(message)
            self.save()
            return message

    def _next_id(self, kind: str) -> str:
        counters = self.data["counters"]
        counters[kind] += 1
        return _base36(counters[kind])


# "purged": gone from every listing, as Reddit does with spam it deletes outright.
_POST_FLAGS = {"locked", "archived", "removed", "deleted", "stickied", "purged"}


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> float:
    return round(time.time(), 3)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def _new_user(name: str, *, is_mod: bool, index: int) -> dict[str, Any]:
    return {
        "name": name,
        "id": _base36(0x10000 + index),
        "is_mod": is_mod,
        "created_utc": 1_500_000_000.0 + index,
    }


def _seed(subreddit: str) -> dict[str, Any]:
    users = {
        name: _new_user(name, is_mod=is_mod, index=i) for i, (name, is_mod) in enumerate(SEED_USERS)
    }
    data: dict[str, Any] = {
        "subreddit": {
            "name": subreddit,
            "fullname": "t5_2r3gv",
            "moderators": [n for n, m in SEED_USERS if m],
        },
        "users": users,
        "wiki": {},
        "wiki_log": [],
        "posts": [],
        "comments": [],
        "modmail": [],
        "reports": [],
        "read": [],
        "counters": {"post": 36**5, "comment": 36**6},
    }
    now = time.time()
    for age, (author, title, body, flair) in zip(
        range(len(SEED_POSTS), 0, -1), SEED_POSTS, strict=True
    ):
        post_id = _base36(data["counters"]["post"] + 1)
        data["counters"]["post"] += 1
        data["posts"].append(
            {
                "id": post_id,
                "author": author,
                "title": title,
                "selftext": body,
                "flair": flair,
                "created_utc": round(now - age * 600, 3),
                "distinguished": "moderator" if users[author]["is_mod"] else None,
            }
        )
    return data
