"""``wikibot pull --history``: the wiki's revisions as git commits, oldest first.

Each wiki revision becomes one commit of the page file in the checkout holding
``wiki_pages/``, by the revision's author at its time, with trailers naming the page and
revision (``history_git.py``, the git side). The trailers make it incremental and
idempotent: revisions already in the branch's history are skipped, and each page's
revisions listing stops at the newest one imported. Cost: one listing call per page per
100 revisions, plus one read per new revision (prawcore paces the calls on Reddit's
rate-limit headers).

It never writes over work the wiki does not have. With the three-way rule of ``pull``, a
page file is *held* when the wiki has new revisions and the file at HEAD is neither the
text last synced (state) nor the wiki's newest text. One exception keeps a killed import
or a lost state from holding a file forever: the file as the last import committed it,
touched by no commit since, while the state knows no sync newer than that import (a
revert back to the imported text after a push is a commit since, so it is held). When a
page is held, nothing at all is imported or written (``pull`` would call it a conflict, or
the file has committed changes not pushed yet): the moderator pushes or merges first.

An import killed between writing a file and committing it leaves the bot's own
uncommitted file (and maybe git's ``index.lock``); a marker in the git directory names it,
so the next run says so and how to discard it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import BadArgument, InputError, NotFound
from bot.records import WikiPage, WikiRevision
from bot.reddit import Gateway
from bot.wiki.history_git import (
    Imports,
    checkout_root,
    commit_revision,
    display,
    git,
    imported_revisions,
    mark_writing,
    refuse_unclean,
)
from bot.wiki.pages import PageSource, new_page_file, parse_page, write_page_body
from bot.wiki.render import normalize


@dataclass(frozen=True)
class Imported:
    """One commit made for one wiki revision."""

    page: str
    revision: str
    author: str
    commit: str


@dataclass(frozen=True)
class Held:
    """A page whose file holds work the wiki does not have: importing would overwrite it."""

    page: str
    message: str


@dataclass
class HistoryImport:
    """The commits made, or (nothing imported) the pages that need a person first."""

    commits: list[Imported] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)


def new_revisions(
    gateway: Gateway,
    pages: Iterable[str],
    known: dict[str, set[str]],
    *,
    absent: set[str] | None = None,
) -> list[WikiRevision]:
    """Revisions not yet imported, oldest first across all ``pages`` (those not on the
    wiki are added to ``absent``)."""
    found: list[tuple[float, int, WikiRevision]] = []
    for page in pages:
        try:
            revisions, _reached = gateway.revisions(page=page, stop_at=known.get(page, set()))
        except NotFound:
            if absent is not None:
                absent.add(page)
            continue  # a page file not published yet: no history
        for order, revision in enumerate(revisions):  # newest first from the listing
            if revision.page == page and revision.id not in known.get(page, set()):
                found.append((revision.timestamp, -order, revision))
    return [revision for _t, _o, revision in sorted(found, key=lambda x: (x[0], x[1]))]


def import_history(
    *,
    gateway: Gateway,
    pages_dir: Path,
    sources: dict[str, PageSource],
    pages: Iterable[str],
    local: Mapping[str, str],
    synced: Mapping[str, str],
    synced_revisions: Mapping[str, str],
    on_total: Callable[[int], None] | None = None,
    on_commit: Callable[[Imported], None] | None = None,
    on_synced: Callable[[WikiRevision, str], None] | None = None,
) -> HistoryImport:
    """Commit every wiki revision of ``pages`` not yet in git, oldest first.

    ``local`` is each page file's rendered text, ``synced`` the text last synced (state),
    ``synced_revisions`` the wiki revision it was synced at.
    When a file holds work the wiki does not have, nothing is imported (see the module).
    ``on_synced(revision, text)``: a page's file now holds its newest wiki revision, as
    ``pull`` would leave it (the caller records it as synced).
    """
    root = checkout_root(pages_dir)
    pages = sorted(set(pages))
    paths = {p: (sources[p].path if p in sources else pages_dir / f"{p}.md") for p in pages}
    refuse_unclean(root, paths.values())
    known = imported_revisions(root)
    absent: set[str] = set()
    revisions = new_revisions(gateway, pages, known.revisions, absent=absent)
    if unknown := sorted(page for page in absent if page not in sources):
        raise BadArgument(
            f"unknown page {unknown[0]!r}: no file in {pages_dir} and not on the wiki; page "
            f"files: {', '.join(sorted(sources)) or 'none'} (`wikibot plan` lists the wiki's "
            "pages too)"
        )
    texts: dict[str, WikiPage | None] = {}  # revisions read before deciding, reused below
    held = [
        hold
        for page in sorted({r.page for r in revisions})
        if (
            hold := _held(
                root=root,
                page=page,
                path=paths[page],
                revisions=revisions,
                local=local,
                synced=synced,
                synced_revision=synced_revisions.get(page),
                known=known,
                texts=texts,
                gateway=gateway,
            )
        )
    ]
    if held:
        return HistoryImport(held=held)
    if on_total is not None:
        on_total(len(revisions))
    done: list[Imported] = []
    newest = {revision.page: revision.id for revision in revisions}  # oldest first
    for revision in revisions:
        page = texts.pop(revision.id, None) or gateway.read_page(
            revision.page, revision=revision.id
        )
        if page is None:
            continue  # hidden or deleted revision
        path = paths[revision.page]
        mark_writing(root, path, revision)
        text = normalize(page.content)
        _write(path, revision.page, text, sources, pages_dir)
        commit = commit_revision(root, path, revision)
        if on_synced is not None and newest[revision.page] == revision.id:
            on_synced(revision, text)
        item = Imported(revision.page, revision.id, revision.author or "[deleted]", commit)
        done.append(item)
        if on_commit is not None:
            on_commit(item)
    return HistoryImport(commits=done)


def _held(
    *,
    root: Path,
    page: str,
    path: Path,
    revisions: list[WikiRevision],
    local: Mapping[str, str],
    synced: Mapping[str, str],
    synced_revision: str | None,
    known: Imports,
    texts: dict[str, WikiPage | None],
    gateway: Gateway,
) -> Held | None:
    """Whether importing ``page``'s new revisions would overwrite work the wiki lacks.

    Safe when the file does not exist, holds the text last synced or the wiki's newest text
    (``pull``'s three-way rule), or is the last import's own (``_untouched_since_import``).
    """
    mine = local.get(page)
    if not path.exists():
        return None
    if mine is None:
        return Held(page, f"{display(path)} exists but publishes another page name")
    if synced.get(page) is not None and normalize(synced[page]) == mine:
        return None
    if _untouched_since_import(root, page, path, known, synced_revision):
        return None
    new = [r for r in revisions if r.page == page]  # oldest first
    newest = new[-1]
    texts[newest.id] = gateway.read_page(page, revision=newest.id)
    wiki = texts[newest.id]
    if wiki is not None and normalize(wiki.content) == mine:
        return None
    return Held(
        page,
        f"{display(path)} has changes the wiki does not have (committed, not pushed), and "
        f"the wiki has {len(new)} revision(s) not in git (the newest by "
        f"{newest.author or 'someone'}); importing them would overwrite the file: see "
        f"`wikibot plan {page}`, push or merge first, then run `wikibot pull --history` again",
    )


def _untouched_since_import(
    root: Path, page: str, path: Path, known: Imports, synced_revision: str | None
) -> bool:
    """The file is exactly what the last import committed (a wiki revision's text): no
    commit touched it since, and the state knows no sync newer than the imports (none, or
    an imported revision: a killed import, a lost state). A push after the import makes the
    state's text the base, so a later revert to the imported text is a change of its own."""
    last = known.last_commit.get(page)
    if last is None:
        return False
    if synced_revision is not None and synced_revision not in known.revisions.get(page, set()):
        return False
    relative = path.resolve().relative_to(root.resolve()).as_posix()
    if _imported_body(root, last, path) is None:
        return False  # the last import committed another file for this page
    return not git(root, "log", "-1", "--format=%H", f"{last}..HEAD", "--", relative).strip()


def _imported_body(root: Path, commit: str, path: Path) -> str | None:
    """The page file's Markdown body at ``commit`` (None if the file was not there)."""
    relative = path.resolve().relative_to(root.resolve()).as_posix()
    try:
        text = git(root, "show", f"{commit}:{relative}")
    except InputError:
        return None
    try:
        return normalize(parse_page(path, text, root=path.parent).body)
    except InputError:
        return None


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
