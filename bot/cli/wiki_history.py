"""``wikibot pull --history``: one git commit per wiki revision, as the command shows it.

``pull`` (``cli/wiki.py``) calls ``pull_history`` under the state's lock; the import
itself is ``wiki/history.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from bot.cli import progress
from bot.cli.common import App
from bot.errors import EXIT_NEEDS_HUMAN, EXIT_OK
from bot.output import print_json

if TYPE_CHECKING:  # imported lazily at run time, to keep --help fast
    from bot.records import WikiRevision
    from bot.runtime import Runtime
    from bot.wiki.workspace import Workspace


def pull_history(app: App, workspace: Workspace, runtime: Runtime, pages: tuple[str, ...]) -> int:
    """Import the wiki revisions of ``pages`` (all, if none) not yet in git; print them and
    return the exit code (3 when a page file holds work the wiki lacks)."""
    from bot.limits import page_name_problem
    from bot.wiki.history import import_history
    from bot.wiki.refresh import valid_page_names
    from bot.wiki.workspace import is_special

    for page in pages:
        if problem := page_name_problem(page):
            raise click.BadParameter(f"{page!r}: {problem}", param_hint="PAGE")
    listed = () if pages else valid_page_names(runtime.gateway.list_pages())
    names = pages or tuple(sorted(n for n in listed if not is_special(n)))
    records = {n: record for n in names if (record := runtime.state.pages.get(n)) is not None}
    synced = {n: r.synced_content for n, r in records.items() if r.synced_content is not None}
    synced_revisions = {n: r.synced_revision for n, r in records.items() if r.synced_revision}
    tally = progress.Tally(progress.bar(app, "wiki revisions"))
    result = import_history(
        gateway=runtime.gateway,
        pages_dir=app.settings.wiki_pages_dir,
        sources=dict(workspace.sources),
        pages=names,
        local={name: page.content for name, page in workspace.local.items()},
        synced=synced,
        synced_revisions=synced_revisions,
        on_total=tally.start,
        on_commit=tally.advance,
        on_synced=lambda revision, text: _record_synced(runtime, revision, text),
    )
    done = result.commits
    if app.as_json:
        print_json(
            {
                "ok": not result.held,
                "commits": [item.__dict__ for item in done],
                "held": [held.__dict__ for held in result.held],
            }
        )
    elif result.held:
        for held in result.held:
            click.echo(f"  {'conflict':<12} {held.page}  {held.message}")
        click.echo(f"Nothing imported: {len(result.held)} page file(s) would lose work.")
    else:
        for item in done:
            click.echo(f"  {item.commit[:10]} {item.page:<16} {item.revision[:8]} by {item.author}")
        click.echo(
            f"{len(done)} commit(s) for {len({item.page for item in done})} page(s)."
            if done
            else "Nothing to import: git already has every wiki revision."
        )
    return EXIT_NEEDS_HUMAN if result.held else EXIT_OK


def _record_synced(runtime: Runtime, revision: WikiRevision, text: str) -> None:
    """The page file holds the wiki's newest revision, as after ``pull``."""
    with runtime.state.transaction() as db:
        runtime.state.pages.record_synced(
            db, revision.page, revision=revision.id, content=text, author=revision.author
        )
