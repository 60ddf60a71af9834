"""The sandbox world's base: its data, lock and file, ids, the users and the subreddit.

Plain dicts in memory, persisted atomically to a JSON file after every change so a
restarted sandbox keeps its state. All methods are thread-safe. The wiki
(``wiki_store.py``) and the posts, comments and messages (``post_store.py``) build on it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bot.errors import StateError
from bot.sandbox.seed import base36, new_user, seed_world

# What to do with a damaged world file: nothing of the bot's own state is in it.
_RESET = (
    "move it aside to start a fresh sandbox (its posts and wiki pages are seeded again; "
    "the bot's state is kept separately)"
)

PASSWORD = "sandbox"  # noqa: S105 - public sandbox credentials
CLIENT_ID = "sandbox"
CLIENT_SECRET = "sandbox"  # noqa: S105


class World:
    """State of the fake Reddit, loaded from and saved to ``path`` (None: memory only)."""

    def __init__(self, path: Path | None, *, subreddit: str = "learnmachinelearning") -> None:
        self.path = path
        self.lock = threading.RLock()
        if path is not None and path.exists():
            self.data = _read_world(path)
        else:
            self.data = seed_world(subreddit)
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

    def next_id(self, kind: str) -> str:
        """The next id of a ``post`` or ``comment`` (base 36, as Reddit's)."""
        counters = self.data["counters"]
        counters[kind] += 1
        return base36(counters[kind])

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
                user = new_user(name, is_mod=False, index=len(self.data["users"]))
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
        result: bool = digest(password) == user.get("password_sha256", digest(PASSWORD))
        return result

    def set_password(self, name: str, password: str) -> None:
        """Give a user another password (stored only as a hash)."""
        with self.lock:
            self.ensure_user(name)["password_sha256"] = digest(password)
            self.save()


def digest(secret: str) -> str:
    """How a password is kept: its SHA-256."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def now() -> float:
    """Now, in seconds to the millisecond: the time a change is stamped with."""
    return round(time.time(), 3)


def _read_world(path: Path) -> dict[str, Any]:
    """The saved world; a damaged file is reported in one line and left as it is."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError both are
        problem = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else f"not valid JSON ({exc})"
        raise StateError(f"{path}: the sandbox's saved world is {problem}; {_RESET}") from exc
    if not isinstance(data, dict) or "wiki" not in data:
        raise StateError(f"{path}: the sandbox's saved world has no wiki; {_RESET}")
    return data
