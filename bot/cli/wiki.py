"""Wiki commands: plan, push, pull (and pull --history), check, preview."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from bot.cli import progress
from bot.cli.common import App, json_option, pass_app, write_lock
from bot.cli.wiki_history import pull_history
from bot.errors import (
    EXIT_FAILED,
    EXIT_NEEDS_HUMAN,
    EXIT_OK,
    EXIT_USAGE,
    BadArgument,
    InputError,
)
from bot.output import colour_diff, kind_label, print_json

if TYPE_CHECKING:  # imported lazily at run time, to keep --help fast
    from bot.runtime import Runtime
    from bot.wiki.outcomes import Outcome, SyncReport
    from bot.wiki.plan import Plan
    from bot.wiki.sync import WikiSync
    from bot.wiki.workspace import Workspace


def _open_wiki(app: App) -> tuple[Workspace, Runtime, Callable[[], WikiSync]]:
    from bot.runtime import Runtime  # praw only where the target is used
    from bot.wiki.sync import WikiSync
    from bot.wiki.workspace import load_workspace

    workspace = load_workspace(app.settings)
    runtime = Runtime(app.settings)

    def open_sync() -> WikiSync:
        return WikiSync(app.settings, runtime.gateway, runtime.state)

    return workspace, runtime, open_sync


UNKNOWN_PAGE = "unknown page "  # how WikiSync.plan names a PAGE argument it cannot find
READING = "reading wiki pages"  # the bar while plan reads pages (a first sync of a big wiki)


@contextlib.contextmanager
def _page_arguments() -> Iterator[None]:
    """An unknown PAGE argument is bad usage (exit 2), as the README says, not a failure."""
    try:
        yield
    except BadArgument:
        raise
    except InputError as exc:
        if str(exc).startswith(UNKNOWN_PAGE):
            raise BadArgument(str(exc)) from None
        raise


@click.command()
@click.argument("pages", nargs=-1)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when nothing would change, 2 when something would, 1 on error.",
)
@click.option("--no-diff", is_flag=True, help="Only the summary, no diffs.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="markdown: a pull-request comment (summary table, one collapsible diff per page).",
)
@json_option
@pass_app
def plan(
    app: App, pages: tuple[str, ...], detailed_exitcode: bool, no_diff: bool, output_format: str
) -> None:
    """Show what `push` would change on the wiki, and any edits made on the wiki."""
    workspace, runtime, wiki = _open_wiki(app)
    with runtime, _page_arguments():
        result = wiki().plan(workspace, pages, on_read=progress.bar(app, READING))
    if app.as_json:
        print_json(_plan_json(result))
    elif output_format == "markdown":
        from bot.wiki.comment import render_markdown

        click.echo(render_markdown(result, diffs=not no_diff), nl=False)
    else:
        _print_plan(result, diffs=not no_diff)
    if detailed_exitcode and result.has_changes:
        sys.exit(EXIT_USAGE)


def _plan_json(result: Plan) -> dict[str, Any]:
    from bot.wiki.plan import loosens

    return {
        "has_changes": result.has_changes,
        "counts": result.counts(),
        "pages": [
            {
                "page": a.page,
                "action": a.kind.value,
                "file": a.path or None,
                "note": a.note,
                "added": a.stats()[0],
                "removed": a.stats()[1],
                "diff": a.diff,
                "wiki_revision": a.remote_revision,
                "wiki_author": a.remote_author,
                "settings": (
                    {"listed": a.settings[0], "permlevel": a.settings[1]} if a.settings else None
                ),
                "settings_from": (
                    {"listed": a.settings_from[0], "permlevel": a.settings_from[1]}
                    if a.settings and a.settings_from
                    else None
                ),
                "settings_loosen": loosens(a),
                "settings_drift": (
                    {"listed": a.settings_drift[0], "permlevel": a.settings_drift[1]}
                    if a.settings_drift
                    else None
                ),
            }
            for a in result.actions
        ],
    }


def _print_plan(result: Plan, *, diffs: bool) -> None:
    from bot.wiki.plan import Kind, settings_drift_text, settings_text

    for action in result.actions:
        added, removed = action.stats()
        detail = f"(+{added} -{removed})" if action.diff else ""
        settings = f" settings: {settings_text(action)}" if action.settings else ""
        if action.settings_drift:
            settings += f" {settings_drift_text(action)}"
        note = f"  {action.note}" if action.note else ""
        click.echo(
            f"  {kind_label(action.kind.value):<12} {action.page:<16} {detail}"
            f"{settings}{note}".rstrip()
        )
    counts = result.counts()
    click.echo(
        f"Plan: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['drift']} drift, {counts['conflict']} conflict(s), "
        f"{counts['unchanged']} unchanged, {counts['remote-only']} only on the wiki."
    )
    if not result.has_changes:
        click.echo("No changes: the wiki matches the files.")
    if diffs:
        for action in result.actions:
            if action.diff and action.kind != Kind.REMOTE_ONLY:
                click.echo("")
                click.echo(colour_diff(action.diff), nl=False)


def _progress(app: App, plan: Plan) -> Callable[[Outcome], None] | None:
    """A line per page pushed or pulled, on a terminal (``bot/cli/progress.py``)."""
    echo = progress.lines(app)
    if echo is None:
        return None
    from bot.wiki.plan import Kind

    total = sum(1 for a in plan.actions if a.kind != Kind.UNCHANGED or a.settings)
    pages: set[str] = set()

    def show(outcome: Outcome) -> None:
        pages.add(outcome.page)
        shown = max(total, len(pages))
        echo(f"[{len(pages)}/{shown}] {outcome.result} {outcome.page}")

    return show


def _print_report(app: App, report: SyncReport, *, verb: str) -> int:
    from bot.wiki.outcomes import NEEDS_HUMAN, Result

    if app.as_json:
        print_json({"ok": report.ok, "outcomes": [asdict(o) for o in report.outcomes]})
    else:
        for outcome in report.outcomes:
            message = f"  {outcome.message}" if outcome.message else ""
            click.echo(f"  {outcome.result:<12} {outcome.page}{message}")
        if not report.outcomes:
            click.echo(f"Nothing to {verb}.")
    if report.count(Result.ERROR):
        return EXIT_FAILED
    return EXIT_NEEDS_HUMAN if report.count(*NEEDS_HUMAN) else EXIT_OK


@click.command()
@click.argument("pages", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Show what would be published; change nothing.")
@click.option("--force", is_flag=True, help="Overwrite wiki edits (drift and conflicts).")
@click.option("--reason", help="Edit reason (default: front matter, then last git commit).")
@json_option
@pass_app
def push(app: App, pages: tuple[str, ...], dry_run: bool, force: bool, reason: str | None) -> None:
    """Publish page files to the wiki. Never overwrites a wiki edit without --force."""
    if reason is not None and not reason.strip():
        raise click.BadParameter("must not be empty", param_hint="--reason")
    _plan_then(
        app,
        pages,
        verb="push",
        dry_run=dry_run,
        then=lambda sync, result, workspace, progress: sync.push(
            result, workspace, force=force, dry_run=dry_run, reason=reason, on_outcome=progress
        ),
    )


@click.command()
@click.argument("pages", nargs=-1)
@click.option("--force", is_flag=True, help="Replace local files that have unpublished changes.")
@click.option(
    "--all",
    "include_all",
    is_flag=True,
    help="Also import pages that exist only on the wiki as new files.",
)
@click.option(
    "--history",
    is_flag=True,
    help="One git commit per wiki revision, oldest first (incremental; reruns add nothing).",
)
@json_option
@pass_app
def pull(app: App, pages: tuple[str, ...], force: bool, include_all: bool, history: bool) -> None:
    """Bring wiki edits into the page files (front matter kept)."""
    if history and (force or include_all):
        raise click.UsageError("--history cannot be combined with --force or --all")
    if history:
        workspace, runtime, _wiki = _open_wiki(app)
        with write_lock(app, "pull"), runtime:
            sys.exit(pull_history(app, workspace, runtime, pages))
    _plan_then(
        app,
        pages,
        verb="pull",
        then=lambda sync, result, workspace, progress: sync.pull(
            result, workspace, force=force, include_remote_only=include_all, on_outcome=progress
        ),
    )


def _plan_then(
    app: App,
    pages: tuple[str, ...],
    *,
    verb: str,
    dry_run: bool = False,
    then: Callable[[WikiSync, Plan, Workspace, Callable[[Outcome], None] | None], SyncReport],
) -> NoReturn:
    """Plan under the state's lock, ``then`` push or pull it; print the report and exit."""
    workspace, runtime, wiki = _open_wiki(app)
    with write_lock(app, verb, dry_run=dry_run), runtime:
        sync = wiki()
        with _page_arguments():
            result = sync.plan(workspace, pages, on_read=progress.bar(app, READING))
        report = then(sync, result, workspace, _progress(app, result))
    sys.exit(_print_report(app, report, verb=verb))


@click.command()
@json_option
@pass_app
def check(app: App) -> None:
    """Validate page files offline: front matter, links, size, Reddit syntax; and, with the
    replies job on, the reply rules, templates and model file."""
    from bot.wiki.check import check_pages, check_replies

    settings = app.settings
    problems = check_pages(settings.wiki_pages_dir, subreddit=settings.subreddit)
    if settings.schedule.replies:
        problems += check_replies(settings.replies.rules_file, subreddit=settings.subreddit)
    errors = [p for p in problems if p.severity == "error"]
    if app.as_json:
        print_json(
            {
                "ok": not errors,
                "problems": [
                    {
                        "file": str(p.path),
                        "line": p.line,
                        "severity": p.severity,
                        "message": p.message,
                    }
                    for p in problems
                ],
            }
        )
    else:
        for problem in problems:
            click.echo(str(problem))
        click.echo(
            f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s).", err=bool(errors)
        )
    sys.exit(EXIT_FAILED if errors else EXIT_OK)


@click.command()
@click.argument("page")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the HTML here instead of standard output.",
)
@pass_app
def preview(app: App, page: str, output: Path | None) -> None:
    """Render PAGE to HTML (as it will be published) to look at before pushing."""
    from bot.fileio import atomic_write_text
    from bot.wiki.render import to_html
    from bot.wiki.workspace import load_workspace

    workspace = load_workspace(app.settings)
    local = workspace.local.get(page)
    if local is None:
        raise BadArgument(
            f"{UNKNOWN_PAGE}{page!r}: no file in {app.settings.wiki_pages_dir}; "
            f"pages: {', '.join(sorted(workspace.local))}"
        )
    html = to_html(local.content, title=workspace.sources[page].title)
    if output is None:
        click.echo(html, nl=False)
    else:
        atomic_write_text(output, html)
        if app.verbosity >= 0:  # -q: only errors
            click.echo(f"wrote {output}", err=True)


COMMANDS = (plan, push, pull, check, preview)
