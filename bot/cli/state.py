"""State commands: ``state check | restore`` (the SQLite state, its backups, recovery)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from bot.cli.common import App, json_option, pass_app, write_lock
from bot.errors import EXIT_FAILED, BadArgument, StateError
from bot.output import print_json


@click.group("state")
def state() -> None:
    """The state database: integrity check, and restore from the daily backups."""


@state.command("check")
@json_option
@pass_app
def state_check(app: App) -> None:
    """Run SQLite's integrity check on the state (exit 0 sound, 1 damaged) and list the
    backups the daemon keeps (daily, the last 7)."""
    from bot.backup import backup_dir, backups, integrity_problems

    state_db = app.settings.state_db
    if not state_db.exists():
        raise BadArgument(f"{state_db}: no state database yet; nothing to check")
    problems = integrity_problems(state_db)
    kept = backups(state_db)
    if app.as_json:
        print_json(
            {
                "state_db": str(state_db),
                "ok": not problems,
                "problems": problems,
                "backup_dir": str(backup_dir(state_db)),
                "backups": [{"file": str(b.path), "taken_at": _iso(b.taken_at)} for b in kept],
            }
        )
    elif problems:
        click.echo(
            f"{state_db}: damaged: {problems[0]}"
            + (" (and more: --json lists them)" if len(problems) > 1 else "")
            + "; stop wikibot and run 'wikibot state restore'"
        )
    else:
        click.echo(f"{state_db}: ok (integrity check passed)")
    if not app.as_json:
        newest = f", newest {kept[0].path.name}" if kept else ""
        click.echo(f"backups: {len(kept)} in {backup_dir(state_db)}{newest}")
    if problems:
        sys.exit(EXIT_FAILED)


@state.command("restore")
@click.option(
    "--force", is_flag=True, help="Restore even though the state passes the integrity check."
)
@json_option
@pass_app
def state_restore(app: App, force: bool) -> None:
    """Restore the newest good backup over a damaged state and reconcile it with Reddit.

    The damaged file is moved aside (never deleted). The bot's own replies since the
    backup are recorded, so no post is answered twice; the wiki's revisions since then
    update what was last seen of each page (a human edit is never recorded as synced);
    labels and opt-outs still readable in the damaged file are kept. Stop the daemon
    first (exit 4 while it runs).
    """
    from bot.backup import backups
    from bot.restore import restore_state
    from bot.runtime import Runtime

    state_db = app.settings.state_db
    if not state_db.exists() and not backups(state_db):  # before the lock creates folders
        raise StateError(
            f"{state_db}: no state yet, and no backup of it: nothing to restore; wikibot "
            "creates the state on its first run (`wikibot run --once`)"
        )
    with write_lock(app, "state restore"), Runtime(app.settings) as runtime:
        runtime.start_sandbox()
        report = restore_state(app.settings, runtime.gateway, force=force)
    if app.as_json:
        print_json(report.to_dict())
        return
    click.echo(f"restored {report.state_db} from {report.backup} ({report.backed_up_at})")
    if report.damaged_kept_as:
        click.echo(f"  the damaged file is kept as {report.damaged_kept_as}")
    for skipped in report.damaged_backups:
        click.echo(f"  passed over a damaged backup: {skipped}")
    click.echo(
        f"  since the backup: {report.replies_found} repl(ies) by the bot recorded, "
        f"{len(report.pages_seen)} wiki page(s) with new revisions "
        f"({len(report.pages_synced)} synced by wikibot)"
        + ("; the next plan reads the whole wiki" if report.full_refresh_next else "")
    )
    if report.labels_salvaged or report.optouts_salvaged:
        click.echo(
            f"  kept from the damaged file: {report.labels_salvaged} label(s), "
            f"{report.optouts_salvaged} opt-out(s)"
        )
    click.echo("  run 'wikibot plan' to see any wiki edit that needs a person")


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


COMMANDS = (state,)
