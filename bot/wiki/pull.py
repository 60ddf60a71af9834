"""``pull``: write the wiki's text and settings into the page files; ``pull --all`` imports
the pages that exist only on the wiki as new files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.errors import NotFound
from bot.reddit import Gateway
from bot.state import State
from bot.wiki import page_settings
from bot.wiki.outcomes import Outcome, Result, SyncReport
from bot.wiki.pages import new_page_file, write_page_body, write_page_settings
from bot.wiki.plan import Kind, PageAction, Plan
from bot.wiki.render import normalize
from bot.wiki.workspace import Workspace, display_path


def pull_pages(
    plan: Plan,
    workspace: Workspace,
    *,
    gateway: Gateway,
    state: State,
    pages_dir: Path,
    force: bool = False,
    include_remote_only: bool = False,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> SyncReport:
    """Write the wiki's text into the page files (front matter kept)."""
    report = SyncReport(on_outcome=on_outcome)
    for action in plan.actions:
        if action.kind == Kind.REMOTE_ONLY:
            if include_remote_only:
                _import(action, report, gateway=gateway, state=state, pages_dir=pages_dir)
            else:
                report.add(
                    action.page,
                    Result.SKIPPED,
                    f"exists only on the wiki; `wikibot pull --all {action.page}` "
                    "imports it as a new file",
                )
            continue
        if action.settings_drift:
            _pull_settings(action, workspace, report, state=state)
        if action.kind in (Kind.CREATE, Kind.UPDATE) or action.remote_content is None:
            continue
        remote_text = normalize(action.remote_content)
        source = workspace.sources[action.page]
        if action.kind == Kind.CONFLICT and not force:
            report.add(
                action.page,
                Result.CONFLICT,
                f"{action.note}; {action.path} would lose "
                "its changes: merge by hand, or `wikibot pull --force "
                f"{action.page}` to take the wiki's text",
            )
            continue
        if action.kind == Kind.UNCHANGED:
            continue
        write_page_body(source, remote_text)
        with state.transaction() as db:
            state.pages.record_synced(
                db,
                action.page,
                revision=action.remote_revision or "",
                content=remote_text,
                author=action.remote_author,
            )
        report.add(action.page, Result.PULLED, f"wrote {action.path}")
    return report


def _pull_settings(
    action: PageAction, workspace: Workspace, report: SyncReport, *, state: State
) -> None:
    """Write settings changed by hand on the wiki into the file's front matter."""
    listed, permlevel = action.settings_drift or (True, 0)
    source = workspace.sources[action.page]
    workspace.sources[action.page] = write_page_settings(source, listed=listed, permlevel=permlevel)
    with state.transaction() as db:
        state.pages.record_settings(db, action.page, listed=listed, permlevel=permlevel)
    report.add(
        action.page,
        Result.PULLED,
        f"settings listed={listed} permlevel={permlevel} into {action.path}",
    )


def _import(
    action: PageAction, report: SyncReport, *, gateway: Gateway, state: State, pages_dir: Path
) -> None:
    """A page only on the wiki becomes a new file, with its text and settings."""
    page = gateway.read_page(action.page)
    if page is None:
        return
    try:
        settings = gateway.page_settings(action.page)
        listed, permlevel = settings.listed, settings.permlevel
    except NotFound:
        listed, permlevel = True, 0
    path = pages_dir / f"{action.page}.md"
    if path.exists():
        report.add(action.page, Result.ERROR, f"{path} exists but publishes another page name")
        return
    text = normalize(page.content)
    new_page_file(pages_dir, name=action.page, body=text, listed=listed, permlevel=permlevel)
    with state.transaction() as db:
        state.pages.record_synced(
            db, action.page, revision=page.revision_id, content=text, author=page.revision_by
        )
        state.pages.record_settings(db, action.page, listed=listed, permlevel=permlevel)
    page_settings.remember(state, action.page, (listed, permlevel))
    report.add(action.page, Result.PULLED, f"created {display_path(path)}")
