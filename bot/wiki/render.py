"""Turn a page file into the exact text stored on the wiki, idempotently.

``normalize`` fixes line endings, trailing whitespace (a two-space hard break stays two
spaces), leading blank lines and the final newline. ``render`` also rewrites relative
links between page files (``[x](engineers.md#jobs)``) into wiki paths
(``/r/<sub>/wiki/engineers#jobs``). Rendering rendered text again changes nothing, so a
plan right after a push shows no change.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from pathlib import Path

import markdown

from bot.links import wiki_path
from bot.wiki.pages import PageSource

_TRAILING = re.compile(r"[ \t]+$")
_ANY_TRAILING = re.compile(r"[ \t]$", re.MULTILINE)
_RELATIVE_MD_LINK = re.compile(
    r"\]\((?![a-z][a-z0-9+.-]*:|/|#)([^)\s#]+\.md)(#[^)\s]*)?\)", re.IGNORECASE
)


def normalize(text: str) -> str:
    """Canonical form of Markdown text as stored on the wiki."""
    if _is_normal(text):
        return text  # the common case, found by one scan instead of a pass per line
    return _normalize_lines(text)


def _normalize_lines(text: str) -> str:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        stripped = _TRAILING.sub("", line)
        hard_break = line.endswith("  ") and stripped.strip() != ""
        lines.append(stripped + "  " if hard_break else stripped)
    body = "\n".join(lines).strip("\n")
    return body + "\n" if body else ""


def _is_normal(text: str) -> bool:
    if not text:
        return True
    return (
        text.endswith("\n")
        and not text.endswith("\n\n")
        and not text.startswith(("\n", "\ufeff"))
        and "\r" not in text
        and _ANY_TRAILING.search(text) is None
    )


def link_targets(pages: list[PageSource], root: Path) -> dict[str, str]:
    """Map each page file's path below ``root`` (posix) to its wiki page name."""
    return {page.path.relative_to(root).as_posix(): page.name for page in pages}


def render(page: PageSource, *, root: Path, targets: Mapping[str, str], subreddit: str) -> str:
    """The wiki text of ``page``: links rewritten, then normalised."""
    here = page.path.parent.relative_to(root).as_posix()

    def rewrite(match: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join(here, match.group(1)))
        name = targets.get(target)
        if name is None:
            return match.group(0)  # left for `wikibot check` to report
        return f"]({wiki_path(subreddit, name, match.group(2) or '')})"

    return normalize(_RELATIVE_MD_LINK.sub(rewrite, page.body))


def to_html(text: str, *, title: str) -> str:
    """A standalone HTML preview of wiki Markdown."""
    body = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{_escape(title)}</title>"
        "<style>body{max-width:46em;margin:2em auto;font:16px/1.5 sans-serif;padding:0 1em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}</style>"
        f"</head><body>\n{body}\n</body></html>\n"
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
