"""The local side of wiki sync: the page files, read and rendered (no network).

``status`` and ``preview`` use this module alone, so it imports nothing that talks to
Reddit (no praw, no gateway, no sandbox).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.wiki.pages import PageSource, load_pages
from bot.wiki.plan import LocalPage
from bot.wiki.render import link_targets, render

SPECIAL_PAGE_PREFIXES = ("config/", "automoderator", "usernotes", "toolbox")


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
            path=display_path(page.path),
        )
        sources[page.name] = dataclasses.replace(page, body="")
    return Workspace(sources=sources, local=local)


def display_path(path: Path) -> str:
    """``path`` relative to the current directory when it lies below it, as users typed it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def is_special(page: str) -> bool:
    """Reddit's own configuration pages, never managed as guides."""
    return page.startswith(SPECIAL_PAGE_PREFIXES)
