"""Daemon commands: run (the scheduler) and status (what the state database says)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from bot.cli.common import App, json_option, pass_app
from bot.output import print_json
from bot.records import post_fullname

if TYPE_CHECKING:  # imported lazily at run time, to keep --help fast
    from bot.status import StatusReport


@click.command()
@click.option(
    "--once",
    is_flag=True,
    help="Run each job once and exit (0 ok, 1 a job failed, 3 needs a human).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@pass_app
def run(app: App, once: bool, verbose: int) -> None:
    """Run the bot: wiki sync and reply scans on their schedules (Ctrl-C stops)."""
    from bot.scheduler import run_daemon

    app.verbosity += verbose
    app.setup_logging(daemon=True)
    sys.exit(run_daemon(app.settings, once=once))


@click.command()
@json_option
@pass_app
def status(app: App) -> None:
    """Show synced pages, pending drift/conflicts, recent replies, errors, next runs."""
    from bot.state import State
    from bot.status import collect_status

    state = State(app.settings.state_db)
    try:
        report = collect_status(app.settings, state)
    finally:
        state.close()
    if app.as_json:
        print_json(report.to_dict())
        return
    _print_status(report)


def _print_status(report: StatusReport) -> None:
    from bot.status import NEEDS_A_PERSON

    daemon = f"running (pid {report.daemon_pid})" if report.daemon_pid else "not running"
    click.echo(f"target {report.target}, r/{report.subreddit}; daemon {daemon}")
    for job, when in report.next_runs.items():
        click.echo(f"  next {job}: {_when(when) if when != 'disabled' else when}")
    for job, last_run in report.last_success.items():
        last = f"{_when(last_run.finished_at)}: {last_run.summary}" if last_run else "never"
        click.echo(f"  last successful {job} run: {last}")
    click.echo("Pages:")
    for page in report.pages:
        synced = _when(page.synced_at) if page.synced_at else "never"
        pending = f"  ** {page.pending}" if page.pending else ""
        who = f" (wiki edited by {page.wiki_edited_by})" if page.wiki_edited_by else ""
        click.echo(f"  {page.page:<16} synced {synced}{pending}{who}")
        if page.resolve and page.pending in NEEDS_A_PERSON:
            click.echo(f"  {'':<16} to resolve: {page.resolve}")
    if report.local_error:
        click.echo(f"  page files: {report.local_error}")
    deleted = sum(1 for reply in report.replies_24h if reply.status in ("deleted", "deleting"))
    click.echo(
        f"Replies in the last 24 hours: {len(report.replies_24h)}"
        + (f" ({deleted} deleted since)" if deleted else "")
    )
    for reply in report.replies_24h[:10]:
        click.echo(
            f"  {post_fullname(reply.post_id)} -> {reply.audience} ({reply.status}) "
            f"{reply.title[:60]}"
        )
    loop = report.moderation
    click.echo(
        f"Moderators in the loop: {loop.reports_made} report(s) made"
        + (f" ({loop.reports_waiting} waiting)" if loop.reports_waiting else "")
        + f", {loop.summons_answered} summons answered, {loop.feedback_acted_on} feedback "
        "acted on"
    )
    sources = ", ".join(f"{source} {n}" for source, n in loop.labels_by_source.items())
    click.echo(f"  labels by source: {sources or 'none'} ({loop.label_events} label event(s))")
    click.echo(f"Recent errors: {len(report.errors)}")
    for error in report.errors:
        resolved = " (resolved: a later run succeeded)" if error.resolved else ""
        click.echo(f"  {_when(error.started_at)} {error.job}: {error.error}{resolved}")


def _when(iso_time: str | None) -> str:
    """``2026-11-27 09:05 UTC`` from an ISO time, in the local timezone."""
    if not iso_time:
        return "never"
    from datetime import datetime

    return datetime.fromisoformat(iso_time).strftime("%Y-%m-%d %H:%M %Z").strip()


COMMANDS = (run, status)
