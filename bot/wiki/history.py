"""``wikibot pull --history``: the wiki's revisions as git commits, oldest first.

Each wiki revision becomes one commit of the page file in the checkout holding
``wiki_pages/``: author and committer ``user <user@users.reddit>``, dated at the
revision time, message = the edit reason, then trailers::

    Wiki-Page: engineers
    Wiki-Revision: 5f0c...

The trailers make it incremental and idempotent: revisions already in the branch's
history are skipped, and each page's revisions listing stops at the newest one
imported. Cost: one listing call per page per 100 revisions, plus one read per new
revision (prawcore paces the calls on Reddit's rate-limit headers).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.errors import InputError, NotFound
from bot.models import WikiRevision
from bot.reddit import Gateway
from bot.wiki.pages import PageSource, new_page_file, write_page_body
from bot.wiki.render import normalize

PAGE_TRAILER = "Wiki-Page"
REVISION_TRAILER = "Wiki-Revision"


@dataclass(frozen=True)
class Imported:
    """One commit made for one wiki revision."""

    page: str
    revision: str
    author: str
    commit: str


def git(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run git in ``root``; raise ``InputError`` with git's own line on failure."""
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **(env or {})},
        )
    except FileNotFoundError:
        raise InputError("git is not installed; `pull --history` needs it") from None
    if result.returncode != 0:
        detail = (result.stderr.strip() or result.stdout.strip()).splitlines()
        raise InputError(f"git {args[0]}: {detail[-1] if detail else 'failed'}", path=root)
    return result.stdout


def checkout_root(pages_dir: Path) -> Path:
    """The git work tree holding the pages folder."""
    try:
        return Path(git(pages_dir, "rev-parse", "--show-toplevel").strip())
    except InputError:
        raise InputError(
            f"{pages_dir}: not inside a git checkout; run `git init` there first "
            "(pull --history writes one commit per wiki revision)"
        ) from None


def imported_revisions(root: Path) -> dict[str, set[str]]:
    """Revision ids already committed, per page, read from the trailers of HEAD's history."""
    try:
        git(root, "rev-parse", "--verify", "-q", "HEAD")
    except InputError:
        return {}  # no commit yet
    out = git(
        root,
        "log",
        f"--grep=^{REVISION_TRAILER}: ",
        f"--format=%(trailers:key={PAGE_TRAILER},valueonly,separator=%x1f)%x1f"
        f"%(trailers:key={REVISION_TRAILER},valueonly,separator=%x1f)%x1e",
    )
    found: dict[str, set[str]] = {}
    for record in out.split("\x1e"):
        fields = [f.strip() for f in record.strip().split("\x1f") if f.strip()]
        if len(fields) == 2:
            found.setdefault(fields[0], set()).add(fields[1])
    return found


def new_revisions(
    gateway: Gateway, pages: Iterable[str], known: dict[str, set[str]]
) -> list[WikiRevision]:
    """Revisions not yet imported, oldest first across all ``pages``."""
    found: list[tuple[float, int, WikiRevision]] = []
    for page in pages:
        try:
            revisions, _reached = gateway.revisions(page=page, stop_at=known.get(page, set()))
        except NotFound:
            continue  # a page file not published yet: no history
        for order, revision in enumerate(revisions):  # newest first from the listing
            if revision.id not in known.get(page, set()):
                found.append((revision.timestamp, -order, revision))
    return [revision for _t, _o, revision in sorted(found, key=lambda x: (x[0], x[1]))]


def commit_message(revision: WikiRevision) -> str:
    """The edit reason (or a default), a blank line, the resume trailers."""
    reason = " ".join((revision.reason or "").split()) or f"Wiki edit of {revision.page}"
    return f"{reason}\n\n{PAGE_TRAILER}: {revision.page}\n{REVISION_TRAILER}: {revision.id}\n"


def import_history(
    *,
    gateway: Gateway,
    pages_dir: Path,
    sources: dict[str, PageSource],
    pages: Iterable[str],
    on_total: Callable[[int], None] | None = None,
    on_commit: Callable[[Imported], None] | None = None,
) -> list[Imported]:
    """Commit every wiki revision of ``pages`` not yet in git, oldest first."""
    root = checkout_root(pages_dir)
    pages = sorted(set(pages))
    paths = {p: (sources[p].path if p in sources else pages_dir / f"{p}.md") for p in pages}
    dirty = git(root, "status", "--porcelain", "--", *(str(p) for p in paths.values()))
    if dirty.strip():
        first = dirty.strip().splitlines()[0][3:]
        raise InputError(
            f"{first}: has uncommitted changes; commit or stash them before "
            "`pull --history` writes the wiki's revisions over it"
        )
    revisions = new_revisions(gateway, pages, imported_revisions(root))
    if on_total is not None:
        on_total(len(revisions))
    done: list[Imported] = []
    for revision in revisions:
        page = gateway.read_page(revision.page, revision=revision.id)
        if page is None:
            continue  # hidden or deleted revision
        path = paths[revision.page]
        _write(path, revision.page, normalize(page.content), sources, pages_dir)
        author = revision.author or "[deleted]"
        when = f"{int(revision.timestamp)} +0000"
        identity = {
            "GIT_AUTHOR_NAME": author,
            "GIT_AUTHOR_EMAIL": f"{author}@users.reddit",
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_NAME": author,
            "GIT_COMMITTER_EMAIL": f"{author}@users.reddit",
            "GIT_COMMITTER_DATE": when,
        }
        git(root, "add", "--", str(path))
        git(
            root,
            "commit",
            "-q",
            "--allow-empty",
            "--no-verify",
            "-m",
            commit_message(revision),
            "--",
            str(path),
            env=identity,
        )
        commit = git(root, "rev-parse", "HEAD").strip()
        item = Imported(revision.page, revision.id, author, commit)
        done.append(item)
        if on_commit is not None:
            on_commit(item)
    return done


def _write(
    path: Path, name: str, body: str, sources: dict[str, PageSource], pages_dir: Path
) -> None:
    source = sources.get(name)
    if source is not None:
        write_page_body(source, body)
    elif path.exists():
        from bot.wiki.pages import load_page  # noqa: PLC0415

        sources[name] = load_page(path, root=pages_dir)
        write_page_body(sources[name], body)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        new_page_file(pages_dir, name=name, body=body, listed=True, permlevel=0)
