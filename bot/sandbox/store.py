"""The sandbox's world: users, one subreddit, its wiki, posts, comments and modmail.

Plain dicts in memory, persisted atomically to a JSON file after every change so a
restarted sandbox keeps its state. All methods are thread-safe. ``world.py`` keeps the data,
the file and the users; ``wiki_store.py`` the wiki; ``post_store.py`` the posts, comments
and messages; ``seed.py`` what a new world starts with.
"""

from __future__ import annotations

from bot.sandbox.post_store import PostStore
from bot.sandbox.wiki_store import PAGE_NAME_RE, WikiStore
from bot.sandbox.world import CLIENT_ID, CLIENT_SECRET, PASSWORD

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "PAGE_NAME_RE", "PASSWORD", "SandboxStore"]


class SandboxStore(WikiStore, PostStore):
    """State of the fake Reddit, loaded from and saved to ``path`` (None: memory only)."""
