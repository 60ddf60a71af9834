"""The git side of ``wikibot pull --history``: the checkout, the commits and their trailers.

Each imported wiki revision is one commit of its page file, by the revision's author at
the revision's time, its message the edit reason and two trailers::

    Wiki-Page: engineers
    Wiki-Revision: 5f0c...

``imported_revisions`` reads them back from HEAD's history (what is imported already).
While a file is written and not yet committed, a marker in the git directory names it,
so ``refuse_unclean`` can tell a killed import's own file from a person's change.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import InputError
from bot.records import WikiRevision

PAGE_TRAILER = "Wiki-Page"
REVISION_TRAILER = "Wiki-Revision"
MARKER = "wikibot-history-import"  # in the git directory while a file is written, uncommitted


@dataclass
class Imports:
    """What HEAD's history already holds: revision ids per page, the newest import's commit."""

    revisions: dict[str, set[str]] = field(default_factory=dict)
    last_commit: dict[str, str] = field(default_factory=dict)


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


def imported_revisions(root: Path) -> Imports:
    """Revision ids already committed, per page, read from the trailers of HEAD's history."""
    found = Imports()
    try:
        git(root, "rev-parse", "--verify", "-q", "HEAD")
    except InputError:
        return found  # no commit yet
    out = git(
        root,
        "log",
        f"--grep=^{REVISION_TRAILER}: ",
        f"--format=%H%x1f%(trailers:key={PAGE_TRAILER},valueonly,separator=%x1f)%x1f"
        f"%(trailers:key={REVISION_TRAILER},valueonly,separator=%x1f)%x1e",
    )
    for record in out.split("\x1e"):  # newest first
        fields = [f.strip() for f in record.strip().split("\x1f") if f.strip()]
        if len(fields) == 3:
            commit, page, revision = fields
            found.revisions.setdefault(page, set()).add(revision)
            found.last_commit.setdefault(page, commit)
    return found


def commit_message(revision: WikiRevision) -> str:
    """The edit reason (or a default), a blank line, the resume trailers."""
    reason = " ".join((revision.reason or "").split()) or f"Wiki edit of {revision.page}"
    return f"{reason}\n\n{PAGE_TRAILER}: {revision.page}\n{REVISION_TRAILER}: {revision.id}\n"


def mark_writing(root: Path, path: Path, revision: WikiRevision) -> None:
    """Name the file about to be written for ``revision`` (``refuse_unclean`` reads it)."""
    git_path(root, MARKER).write_text(
        json.dumps({"path": str(path), "page": revision.page, "revision": revision.id})
    )


def commit_revision(root: Path, path: Path, revision: WikiRevision) -> str:
    """Commit the page file written for ``revision`` as its author did, at its time;
    clear the marker and return the commit's id."""
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
    git_path(root, MARKER).unlink()
    return git(root, "rev-parse", "HEAD").strip()


def git_path(root: Path, name: str) -> Path:
    """A file in the git directory (``.git/<name>``, also in a linked work tree)."""
    return root / git(root, "rev-parse", "--git-path", name).strip()


def display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def refuse_unclean(root: Path, paths: Iterable[Path]) -> None:
    """Stop on uncommitted page files (naming a killed import's own) or git's index lock."""
    lock = git_path(root, "index.lock")
    marker = git_path(root, MARKER)
    interrupted: dict[str, str] = json.loads(marker.read_text()) if marker.exists() else {}
    entries = git(root, "status", "--porcelain", "-z", "--", *(str(p) for p in paths))
    first = entries.split("\0", 1)[0]
    if first:
        code, path = first[:2], root / first[3:]
        shown = display(path)
        if interrupted and Path(interrupted["path"]).resolve() == path.resolve():
            discard = (
                f"rm {shown}"
                if code == "??"
                else f"git rm -qf {shown}"
                if code[0] == "A"
                else f"git checkout HEAD -- {shown}"
            )
            unlock = (
                f"delete {display(lock)} (left by the killed git, if no git command runs), then "
                if lock.exists()
                else ""
            )
            raise InputError(
                f"{shown}: written by an interrupted `wikibot pull --history` (wiki revision "
                f"{interrupted['revision'][:8]} of {interrupted['page']}), not committed; it "
                f"is wikibot's own: {unlock}discard it with `{discard}` and run "
                "`wikibot pull --history` again"
            )
        raise InputError(
            f"{shown}: has uncommitted changes; commit or stash them before "
            "`pull --history` writes the wiki's revisions over it"
        )
    if lock.exists():
        raise InputError(
            f"{display(lock)} exists: a git command is running in {root}, or one was killed; "
            "if none is running, delete it and run `wikibot pull --history` again"
        )
    marker.unlink(missing_ok=True)  # killed before writing or after committing: nothing left
