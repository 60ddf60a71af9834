"""Run-time reply commands: ``replies scan | test | feedback | optout | list``.

What the daemon does, one pass by hand, and the state it keeps. Nothing here imports the
learning side (``bot/learning/``); the heavy modules load inside the commands.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import App, json_option, pass_app, write_lock
from bot.output import print_json
from bot.records import post_fullname

if TYPE_CHECKING:  # imported lazily at run time, to keep --help fast
    from bot.replies.routing import Routing
    from bot.replies.rules import Rules


def reply_rules(app: App, *, model_file: Path | None = None) -> Rules:
    """The reply rules and their model (``model_file``: a candidate instead), checked."""
    from bot.replies.model import load_model
    from bot.replies.respond import validate_templates
    from bot.replies.rules import load_rules

    model = load_model(model_file) if model_file else None
    rules = load_rules(app.settings.replies.rules_file, model=model)
    validate_templates(rules, subreddit=app.settings.subreddit)
    return rules


@click.command("scan")
@click.option("--dry-run", is_flag=True, help="Log what would be posted; post nothing.")
@json_option
@pass_app
def replies_scan(app: App, dry_run: bool) -> None:
    """One pass over new posts: reply to getting-started questions."""
    from bot.replies.watch import ReplyWatcher
    from bot.runtime import Runtime

    rules = reply_rules(app)
    with write_lock(app, "replies scan", dry_run=dry_run), Runtime(app.settings) as runtime:
        report = ReplyWatcher(app.settings, runtime.gateway, runtime.state, rules).scan(
            dry_run=dry_run
        )
    if app.as_json:
        print_json(report.to_dict())
        return
    for entry in report.replied:
        click.echo(f"replied  {entry.post} -> {entry.audience}: {entry.title}")
    for entry in report.would_reply:
        click.echo(f"would reply  {entry.post} -> {entry.audience}: {entry.title}")
    for post in report.recovered:
        click.echo(f"recovered  {post_fullname(post)}: an earlier reply was found")
    for entry in report.summoned:
        click.echo(f"summoned  {entry.post} -> {entry.audience}")
    for fullname in report.unsummoned:
        click.echo(f"!noguide  {fullname}: the reply is removed")
    for fullname in report.unsummoned_unconfirmed:
        click.echo(
            f"!noguide  {fullname}: the reply's delete was sent, its answer lost; "
            "the next feedback check confirms it"
        )
    sent = "would send to" if report.dry_run else "sent to"
    for fullname in report.reported:
        click.echo(f"for review  {fullname}: {sent} the moderators")
    click.echo(report.summary())


@click.command("test")
@click.argument("title")
@click.argument("body", required=False, default="")
@click.option("--flair", help="The post's flair text.")
@click.option(
    "--model",
    "model_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Score with this model file (a candidate from 'replies train') instead of the bot's.",
)
@json_option
@pass_app
def replies_test(
    app: App, title: str, body: str, flair: str | None, model_file: Path | None
) -> None:
    """Classify a post offline and show the decision, its reasons, the audience
    probabilities and the reply.

    A --flair in replies.excluded_flairs gets no reply, as the watcher skips such posts;
    the model's verdict is still shown.
    """
    from bot.replies.classify import classify
    from bot.replies.respond import render_reply
    from bot.replies.watch import is_excluded_flair

    rules = reply_rules(app, model_file=model_file)
    decision = classify(title=title, body=body, flair=flair, rules=rules)
    excluded = is_excluded_flair(flair, app.settings)
    would_reply = decision.is_getting_started and not excluded
    reply = (
        render_reply(decision.routing, rules=rules, subreddit=app.settings.subreddit)
        if would_reply
        else None
    )
    if app.as_json:
        print_json(
            {
                **decision.to_dict(),
                "is_getting_started": would_reply,
                "excluded_flair": excluded,
                "threshold": rules.reply_threshold,
                "reply": reply,
            }
        )
        return
    if excluded:
        click.echo(
            f"no reply: the flair {(flair or '').strip()!r} is in replies.excluded_flairs, "
            "whose posts the watcher skips"
        )
        verdict = "  without it: " + ("REPLY" if decision.is_getting_started else "no reply")
    else:
        verdict = "REPLY" if decision.is_getting_started else "no reply"
    click.echo(
        f"{verdict}: probability {decision.score:.3f} (threshold {rules.reply_threshold:.3f}), "
        f"guide: {_describe(decision.routing)}"
    )
    for reason in decision.reasons:
        click.echo(f"  {reason}")
    ranked = sorted(decision.audience_scores.items(), key=lambda item: -item[1])
    if ranked:
        kind = "probabilities" if rules.audience_from == "model" else "phrase scores"
        click.echo(f"  audience {kind}: " + ", ".join(f"{k} {v:.2f}" for k, v in ranked))
    if reply:
        click.echo("\n" + reply, nl=False)


def _describe(routing: Routing) -> str:
    if routing.second:
        return f"{routing.guide} and {routing.second} (either may fit: the reply names both)"
    if routing.guide != "index" and not routing.confident:
        return f"{routing.guide} (not confident: the reply says nothing about the asker)"
    return routing.guide


@click.command("feedback")
@json_option
@pass_app
def replies_feedback(app: App) -> None:
    """Check the bot's recent replies once: votes, removals, authors' answers.

    A reply removed by a moderator, scored -3 or lower, or answered with the command
    "wrong" (or "delete") by the post's author becomes a negative label (and is deleted,
    unless already removed); an author's "stop" (or "opt out") opts them out. The answer
    must be the command itself: thanks and negations never act. A moderator's label stays
    in force. The daemon runs this every schedule.feedback_interval.
    """
    from bot.replies.feedback import FeedbackCheck
    from bot.runtime import Runtime

    with write_lock(app, "replies feedback"), Runtime(app.settings) as runtime:
        report = FeedbackCheck(gateway=runtime.gateway, state=runtime.state).run()
    if app.as_json:
        print_json(report.to_dict())
        return
    click.echo(report.summary())


@click.command("optout")
@click.argument("user")
@pass_app
def replies_optout(app: App, user: str) -> None:
    """Never reply to USER again."""
    from bot.state import State

    name = user.removeprefix("/").removeprefix("u/")
    if not name or any(c.isspace() for c in name):
        raise click.BadParameter(f"{user!r} is not a user name", param_hint="USER")
    state = State(app.settings.state_db)
    try:
        added = state.optout.add(name)
    finally:
        state.close()
    click.echo(f"u/{name} {'opted out' if added else 'had already opted out'}.")


@click.command("list")
@click.option(
    "--days", type=click.FloatRange(min=0), default=7.0, show_default=True, help="How far back."
)
@json_option
@pass_app
def replies_list(app: App, days: float) -> None:
    """Recent replies from the state database (``deleted``: removed afterwards, by the
    asker's "wrong", a moderator's !noguide or votes)."""
    from bot.journal import reply_statuses
    from bot.state import State

    state = State(app.settings.state_db)
    try:
        rows = state.posts.replies_since(time.time() - days * 86400)
        statuses = reply_statuses(state, rows)
    finally:
        state.close()
    if app.as_json:
        print_json([{**asdict(row), "status": statuses[row.post_id]} for row in rows])
        return
    for row in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(row.replied_at or 0))
        click.echo(
            f"{when}  {row.fullname}  {statuses[row.post_id]:<8} {row.audience or '':<11} "
            f"{row.title[:60]}"
        )
    click.echo(f"{len(rows)} repl{'y' if len(rows) == 1 else 'ies'} in the last {days:g} day(s).")


COMMANDS = (replies_scan, replies_test, replies_feedback, replies_optout, replies_list)
