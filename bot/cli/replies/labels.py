"""Label commands: ``replies label`` records a moderator's label, ``replies labels`` lists
or exports the labels the state keeps."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from bot.cli.common import App, json_option, pass_app
from bot.errors import BadArgument, NotFound
from bot.output import print_json
from bot.records import POST_PREFIX, post_fullname
from bot.replies.terms import AUDIENCES


@click.command("label")
@click.argument("post_id")
@click.argument("intent", type=click.Choice(["getting_started", "other"]))
@click.argument(
    "audience",
    required=False,
    type=click.Choice(AUDIENCES),
)
@pass_app
def replies_label(app: App, post_id: str, intent: str, audience: str | None) -> None:
    """Record a moderator's label for a post; `replies train` learns from it.

    POST_ID is the post's id or fullname (t3_...). AUDIENCE, for getting_started, is the
    guide that fits the asker (default: index, the Introduction).
    """
    from bot.labels import LabelBook
    from bot.runtime import Runtime

    ident = post_id.removeprefix(POST_PREFIX)
    if not ident.isalnum():
        raise click.BadParameter(
            f"{post_id!r} is not a post id like t3_abc123", param_hint="POST_ID"
        )
    if intent == "other" and audience:
        raise click.BadParameter("a post labelled other gets no audience", param_hint="AUDIENCE")
    fullname = post_fullname(ident)
    with Runtime(app.settings) as runtime:
        try:
            post, _comments = runtime.gateway.post_with_comments(ident)
        except NotFound:
            raise BadArgument(
                f"{fullname}: no such post on r/{app.settings.subreddit}; check the id"
            ) from None
        LabelBook(runtime.state).record(
            key=fullname,
            intent=intent,
            audience=(audience or "index") if intent == "getting_started" else "none",
            source="moderator",
            who="replies label",
            title=post.title,
            body=post.body,
        )
    click.echo(
        f"labelled {fullname} as {intent}"
        + (f" ({audience or 'index'})" if intent == "getting_started" else "")
        + "; run 'wikibot replies train' to learn from it"
    )


@click.command("labels")
@click.option(
    "--export",
    "export",
    is_flag=False,
    flag_value="-",
    default=None,
    metavar="[FILE]",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Write the labels as JSONL to FILE (standard output without FILE or with -).",
)
@json_option
@pass_app
def replies_labels(app: App, export: Path | None) -> None:
    """The moderators' and feedback labels kept in the state database.

    --export writes one JSON object a line: key, intent, audience, confidence,
    labelled_by (the source: moderator, summon, author, votes, removal), who and
    labelled_at (no post text), the format `replies train --labels` reads.
    """
    from bot.fileio import atomic_write_text
    from bot.labels import LabelBook
    from bot.state import State

    records = []
    if app.settings.state_db.exists():
        state = State(app.settings.state_db)
        try:
            records = LabelBook(state).all()
        finally:
            state.close()
    rows = [
        {
            "key": r.key,
            "intent": r.intent,
            "audience": r.audience,
            "confidence": "clear",
            "labelled_by": r.source,
            "who": r.who,
            "labelled_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(r.at)),
        }
        for r in records
    ]
    if export is not None:
        text = "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows)
        if str(export) == "-":
            click.echo(text, nl=False)
            return
        try:
            atomic_write_text(export, text)
        except OSError as exc:
            raise BadArgument(f"{export}: cannot write: {exc.strerror}; check the path") from None
        click.echo(f"wrote {len(rows)} label(s) to {export}")
        return
    if app.as_json:
        print_json(rows)
        return
    for row in rows:
        click.echo(
            f"{row['labelled_at']}  {row['key']:<12} {row['intent']:<16} {row['audience']:<11} "
            f"{row['labelled_by']}"
        )
    click.echo(f"{len(rows)} label(s); --export FILE writes them as JSONL.")


COMMANDS = (replies_label, replies_labels)
