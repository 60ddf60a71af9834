"""Turn a page file into the exact text stored on the wiki, idempotently.

``normalize`` fixes line endings, trailing whitespace (a two-space hard break stays two
spaces), leading blank lines and the final newline. ``render`` also rewrites relative
links between page files (``[x](engineers.md#jobs)``) into wiki paths
(``/r/<sub>/wiki/engineers#jobs``). Rendering rendered text again changes nothing, so a
plan right after a push shows no change.

``to_html`` previews a page as Reddit's wiki shows it: raw HTML in the Markdown is text,
not markup, and only links to the URL schemes Reddit makes live (snudown's safe list) are
links, so a preview never runs a ``<script>``, an ``onerror=`` or a ``javascript:`` link.
"""

from __future__ import annotations

import html
import posixpath
import re
import xml.etree.ElementTree as etree  # noqa: N813 - Python-Markdown's element tree
from collections.abc import Mapping
from pathlib import Path

import markdown
from markdown.treeprocessors import Treeprocessor

from bot.links import wiki_path
from bot.wiki.pages import PageSource

_TRAILING = re.compile(r"[ \t]+$")
_ANY_TRAILING = re.compile(r"[ \t]$", re.MULTILINE)
_RELATIVE_MD_LINK = re.compile(
    r"\]\((?![a-z][a-z0-9+.-]*:|/|#)([^)\s#]+\.md)(#[^)\s]*)?\)", re.IGNORECASE
)
# The URL beginnings Reddit's Markdown renderer (snudown) makes into live links.
SAFE_URL_PREFIXES = (
    "/",
    "#",
    "http://",
    "https://",
    "ftp://",
    "mailto:",
    "steam://",
    "irc://",
    "ircs://",
    "news://",
    "mumble://",
    "ssh://",
    "git://",
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
    """A standalone HTML preview of wiki Markdown, as safe as Reddit shows it."""
    converter = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    converter.preprocessors.deregister("html_block")  # raw HTML stays text, escaped
    converter.inlinePatterns.deregister("html")
    converter.treeprocessors.register(_OnlySafeLinks(converter), "only_safe_links", 1)
    body = converter.convert(text)
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{_escape(title)}</title>"
        "<style>body{max-width:46em;margin:2em auto;font:16px/1.5 sans-serif;padding:0 1em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}</style>"
        f"</head><body>\n{body}\n</body></html>\n"
    )


def is_safe_url(url: str) -> bool:
    """Whether Reddit would make ``url`` a live link (``javascript:`` never is).

    Judged as a browser reads it: entities decoded, whitespace and control characters
    (which browsers drop) removed, case ignored.
    """
    seen = "".join(c for c in html.unescape(url) if c > " " and c != "\x7f").lower()
    return seen.startswith(SAFE_URL_PREFIXES)


class _OnlySafeLinks(Treeprocessor):  # type: ignore[misc]  # markdown ships no type hints
    """Links and images to any other URL lose it: their text shows, nothing is live."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                url = element.get(attribute)
                if url is not None and not is_safe_url(url):
                    del element.attrib[attribute]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
