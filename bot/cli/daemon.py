"""Daemon commands: run (the scheduler) and status (what the state database says)."""

from __future__ import annotations

import sys

import click

from bot.cli.common import App, json_option, pass_app
from bot.models import post_fullname
from bot.output import print_json


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
    from bot.scheduler import run_daemon  # noqa: PLC0415

    app.verbosity += verbose
    app.setup_logging(daemon=True)
    sys.exit(run_daemon(app.settings, once=once))


@click.command()
@json_option
@pass_app
def status(app: App) -> None:
    """Show synced pages, pending drift/conflicts, recent replies, errors, next runs."""
    from bot.state import State  # noqa: PLC0415
    from bot.status import collect_status  # noqa: PLC0415

    state = State(app.settings.state_db)
    try:
        info = collect_status(app.settings, state)
    finally:
        state.close()
    if app.as_json:
        print_json(info)
        return
    daemon = f"running (pid {info['daemon_pid']})" if info["daemon_pid"] else "not running"
    click.echo(f"target {info['target']}, r/{info['subreddit']}; daemon {daemon}")
    for job, when in info["next_runs"].items():
        click.echo(f"  next {job}: {_when(when) if when != 'disabled' else when}")
    for job, run in info["last_success"].items():
        last = f"{_when(run['finished_at'])}: {run['summary']}" if run else "never"
        click.echo(f"  last successful {job} run: {last}")
    click.echo("Pages:")
    for page in info["pages"]:
        synced = _when(page["synced_at"]) if page["synced_at"] else "never"
        pending = f"  ** {page['pending']}" if page["pending"] else ""
        who = f" (wiki edited by {page['wiki_edited_by']})" if page["wiki_edited_by"] else ""
        click.echo(f"  {page['page']:<16} synced {synced}{pending}{who}")
        if page["resolve"] and page["pending"] in ("drift", "conflict", "only on the wiki"):
            click.echo(f"  {'':<16} to resolve: {page['resolve']}")
    if info["local_error"]:
        click.echo(f"  page files: {info['local_error']}")
    click.echo(f"Replies in the last 24 hours: {len(info['replies_24h'])}")
    for reply in info["replies_24h"][:10]:
        click.echo(
            f"  {post_fullname(reply['post_id'])} -> {reply['audience']} ({reply['status']}) "
            f"{reply['title'][:60]}"
        )
    feedback = info["feedback"]
    click.echo(
        "Reply feedback: "
        + (", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(feedback.items())) or "none")
    )
    click.echo(f"Recent errors: {len(info['errors'])}")
    for error in info["errors"]:
        resolved = " (resolved: a later run succeeded)" if error["resolved"] else ""
        click.echo(f"  {_when(error['started_at'])} {error['job']}: {error['error']}{resolved}")


def _when(iso_time: str | None) -> str:
    """``2026-11-27 09:05 UTC`` from an ISO time, in the local timezone."""
    if not iso_time:
        return "never"
    from datetime import datetime  # noqa: PLC0415

    return datetime.fromisoformat(iso_time).strftime("%Y-%m-%d %H:%M %Z").strip()


COMMANDS = (run, status)
