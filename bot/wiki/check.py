"""``wikibot check``: find what would break or render badly on Reddit, as ``file:line``.

Errors (non-zero exit): bad front matter, duplicate page names, broken links between
guides, placeholder links, raw HTML (Reddit shows it as text), pages over Reddit's size
limit. Warnings: syntax old Reddit does not render (images, fenced code, ``#Heading``
without a space) and leftover TODO markers. ``check_replies``: the reply rules, their
templates and the model file, loaded and validated (the encoder is not loaded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError, shown_path
from bot.limits import page_too_large
from bot.links import wiki_prefixes
from bot.replies.respond import validate_templates
from bot.replies.rules import load_rules
from bot.wiki.pages import (
    PageSource,
    load_pages_collecting,
    page_name_for,
    pasted_front_matter,
)
from bot.wiki.render import link_targets, render

_LINK = re.compile(r"(!?)\[[^\]]*\]\(\s*([^)\s]*)(?:\s+\"[^\"]*\")?\s*\)")
_HTML_TAG = re.compile(r"<(/?[A-Za-z][A-Za-z0-9-]*)(\s[^<>]*)?/?>|<!--")
_CODE_SPAN = re.compile(r"`+[^`]*`+")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_HEADING_NO_SPACE = re.compile(r"^#{1,6}[^#\s]")
_TODO = re.compile(r"\b(TODO|FIXME|XXX)\b")
_PLACEHOLDER_HOSTS = re.compile(r"^https?://(www\.)?(somewhere|example)\.(com|org|net)\b", re.I)
_AUTOLINK_HOSTS = ("http://", "https://", "mailto:")
_FAULT = re.compile(r"^(?P<file>[^\n]+?)(?::(?P<line>\d+))?: (?P<message>.+)$")


@dataclass(frozen=True)
class Problem:
    """One finding, printed as ``file:line: severity: message`` (``file:`` when the line
    is not known: the message then names the key)."""

    path: Path
    line: int | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        shown = shown_path(self.path)
        where = shown if self.line is None else f"{shown}:{self.line}"
        return f"{where}: {self.severity}: {self.message}"


def check_pages(root: Path, *, subreddit: str) -> list[Problem]:
    """All problems of the page files below ``root``."""
    pages, errors = load_pages_collecting(root)
    problems = [Problem(e.path or root, e.line, e.problem) for e in errors]
    # A file that failed to load still publishes its page (by its default name, from its
    # path): links to it are not reported as well, only the file's own fault.
    broken = {
        path.relative_to(root).as_posix(): page_name_for(path, root)
        for path in (e.path for e in errors)
        if path is not None and path.suffix == ".md" and path.is_relative_to(root)
    }
    names = {page.name for page in pages} | set(broken.values())
    targets = broken | link_targets(pages, root)
    for page in pages:
        rendered = render(page, root=root, targets=targets, subreddit=subreddit)
        if too_large := page_too_large(rendered):
            problems.append(Problem(page.path, 1, too_large))
        problems.extend(
            _check_body(page, root=root, names=names, targets=targets, subreddit=subreddit)
        )
        if pasted := pasted_front_matter(page.body):
            first, last = (page.body_line + n - 1 for n in pasted)
            problems.append(
                Problem(
                    page.path,
                    first,
                    f"a second front-matter block (lines {first}-{last}) in the body: a page "
                    "file pasted whole? Reddit would show it as text; remove those lines",
                )
            )
    return sorted(problems, key=lambda p: (str(p.path), p.line or 0))


def check_replies(rules_file: Path, *, subreddit: str) -> list[Problem]:
    """The first fault of ``replies.yaml``, its templates or its model file (none: [])."""
    try:
        validate_templates(load_rules(rules_file), subreddit=subreddit)
    except ConfigError as exc:  # ``file[:line]: key: problem; fix``
        found = _FAULT.match(str(exc))
        if found is None:
            return [Problem(rules_file, None, str(exc))]
        line = int(found["line"]) if found["line"] else None
        return [Problem(Path(found["file"]), line, found["message"])]
    return []


def _prose_lines(page: PageSource) -> list[tuple[int, str]]:
    """(file line number, text) of body lines outside code blocks, code spans removed."""
    found = []
    in_fence = False
    previous_blank = True
    for offset, line in enumerate(page.body.split("\n")):
        number = page.body_line + offset
        if _FENCE.match(line):
            in_fence = not in_fence
            if in_fence:
                found.append((number, "```"))  # reported once per fence by the caller
            continue
        indented_code = previous_blank and (line.startswith(("    ", "\t")))
        previous_blank = not line.strip() or (indented_code and previous_blank)
        if in_fence or indented_code:
            continue
        found.append((number, _CODE_SPAN.sub("", line)))
    return found


def _check_body(
    page: PageSource, *, root: Path, names: set[str], targets: dict[str, str], subreddit: str
) -> list[Problem]:
    problems: list[Problem] = []
    here = page.path.parent.relative_to(root).as_posix()
    prefixes = wiki_prefixes(subreddit)

    def add(line: int, message: str, severity: str = "error") -> None:
        problems.append(Problem(page.path, line, message, severity))

    for number, text in _prose_lines(page):
        if text == "```":
            add(
                number,
                "fenced code blocks show as plain text on old Reddit; indent code by 4 spaces",
                "warning",
            )
            continue
        if match := _HTML_TAG.search(text):
            tag = "<!--" if match.group(0) == "<!--" else f"<{match.group(1)}>"
            add(number, f"raw HTML {tag} is shown as text on Reddit; use Markdown instead")
        if _HEADING_NO_SPACE.match(text):
            add(number, "heading needs a space after '#' to render on new Reddit", "warning")
        if _TODO.search(text):
            add(number, "leftover TODO/FIXME marker", "warning")
        for image, target in _LINK.findall(text):
            if image:
                add(
                    number,
                    "images are not shown in Reddit wikis; link to the image instead",
                    "warning",
                )
            problem = _link_problem(
                target, here=here, names=names, targets=targets, wiki_prefixes=prefixes
            )
            if problem:
                add(number, problem)
    return problems


def _link_problem(
    target: str,
    *,
    here: str,
    names: set[str],
    targets: dict[str, str],
    wiki_prefixes: tuple[str, ...],
) -> str | None:
    if not target:
        return "empty link target"
    if _PLACEHOLDER_HOSTS.match(target):
        return f"placeholder link {target}; point it at the real page"
    lowered = target.lower()
    for prefix in wiki_prefixes:
        if lowered.startswith(prefix):
            page = re.split(r"[#?]", lowered[len(prefix) :], maxsplit=1)[0].strip("/")
            if page and page not in names:
                return (
                    f"link to wiki page {page!r}, but no file in the wiki pages folder publishes it"
                )
            return None
    if lowered.startswith(_AUTOLINK_HOSTS) or lowered.startswith(("/", "#")):
        return None
    path = target.split("#", 1)[0]
    if path.endswith(".md"):
        import posixpath  # noqa: PLC0415 - only needed for relative links

        resolved = posixpath.normpath(posixpath.join(here, path))
        if resolved not in targets:
            return f"link to {path}, but there is no such page file"
        return None
    return f"relative link {target!r} will not work on Reddit; use a full URL or a wiki path"
