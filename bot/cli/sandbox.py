"""Sandbox commands: ``sandbox serve | post | edit | log | fault`` (the embedded Reddit)."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from bot.cli.common import App, json_option, pass_app
from bot.errors import WikibotError
from bot.output import print_json
from bot.sandbox.faults import KINDS as FAULT_KINDS

if TYPE_CHECKING:  # imported lazily at run time, to keep --help fast
    from bot.sandbox.client import SandboxClient
    from bot.sandbox.server import SandboxServer


@click.group("sandbox")
def sandbox() -> None:
    """The embedded Reddit-compatible sandbox (the default target)."""


def _sandbox_client(app: App) -> tuple[SandboxClient, SandboxServer | None]:
    """A client for the configured sandbox, starting it in-process when none runs."""
    from bot.sandbox.client import SandboxClient, ensure_sandbox

    server = ensure_sandbox(app.settings)
    return SandboxClient(app.settings.sandbox_url), server


@sandbox.command("serve")
@click.option("--host", help="Loopback address [default: from config].")
@click.option("--port", type=click.IntRange(0, 65535), help="Port [default: from config].")
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="State file [default: from config].",
)
@click.option(
    "--rate-limit",
    type=click.IntRange(1),
    default=1000,
    show_default=True,
    help="Requests per 10-minute window per account (Reddit: 100/min over 10 minutes).",
)
@pass_app
def sandbox_serve(
    app: App, host: str | None, port: int | None, state_file: Path | None, rate_limit: int
) -> None:
    """Serve the sandbox in the foreground until Ctrl-C or SIGTERM."""
    from bot.sandbox.server import SandboxServer

    settings = app.settings
    try:
        server = SandboxServer(
            state_file=state_file or settings.sandbox.state_file,
            host=host or settings.sandbox.host,
            port=settings.sandbox.port if port is None else port,
            subreddit=settings.subreddit,
            rate_limit=rate_limit,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--host") from None
    except OSError as exc:
        raise WikibotError(
            f"cannot listen on {host or settings.sandbox.host}:"
            f"{settings.sandbox.port if port is None else port}: {exc.strerror}; "
            "pick another --port"
        ) from None
    signal.signal(signal.SIGTERM, _raise_interrupt)  # SIGTERM stops like Ctrl-C
    # A shell starts background jobs with SIGINT ignored, and Python keeps it ignored:
    # `wikibot sandbox serve &` from a script would not stop on `kill -INT`.
    signal.signal(signal.SIGINT, _raise_interrupt)
    click.echo(
        f"sandbox serving r/{settings.subreddit} on {server.url} "
        f"(state {state_file or settings.sandbox.state_file}); Ctrl-C stops",
        err=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


@sandbox.command("post")
@click.argument("title")
@click.argument("body", required=False, default="")
@click.option("--author", default="curious_student", show_default=True, help="Who posts.")
@click.option("--flair", help="Link flair text.")
@click.option(
    "--age",
    type=click.FloatRange(min=0),
    default=0.0,
    help="Pretend the post was made this many seconds ago.",
)
@pass_app
def sandbox_post(
    app: App, *, title: str, body: str, author: str, flair: str | None, age: float
) -> None:
    """Simulate a user's new post in the subreddit; prints its fullname."""
    if not title.strip():
        raise click.BadParameter("must not be empty", param_hint="TITLE")
    client, server = _sandbox_client(app)
    try:
        fullname = client.post(
            title=title,
            body=body,
            author=author,
            flair=flair,
            created_utc=time.time() - age if age else None,
        )
    finally:
        if server is not None:
            server.stop()
    click.echo(fullname)


@sandbox.command("comment")
@click.argument("parent")
@click.argument("body")
@click.option("--author", default="curious_student", show_default=True, help="Who comments.")
@pass_app
def sandbox_comment(app: App, *, parent: str, body: str, author: str) -> None:
    """Simulate a comment on a post or a comment (PARENT: t3_... or t1_...), such as an
    asker's "wrong" or a moderator's "!guide engineers" (--author alice_mod); prints its
    fullname."""
    if not parent.startswith(("t1_", "t3_")) or not parent[3:].isalnum():
        raise click.BadParameter(f"{parent!r} is not a fullname like t3_abc", param_hint="PARENT")
    if not body.strip():
        raise click.BadParameter("must not be empty", param_hint="BODY")
    client, server = _sandbox_client(app)
    try:
        fullname = client.comment(parent=parent, body=body, author=author)
    finally:
        if server is not None:
            server.stop()
    click.echo(fullname)


@sandbox.command("edit")
@click.argument("page")
@click.option(
    "--file",
    "source",
    type=click.File("r", encoding="utf-8"),
    required=True,
    help="The new page content ('-' for standard input).",
)
@click.option("--author", default="alice_mod", show_default=True, help="Who edits.")
@click.option("--reason", help="Edit reason.")
@pass_app
def sandbox_edit(app: App, page: str, source: IO[str], author: str, reason: str | None) -> None:
    """Simulate a human's edit of a wiki page; prints the new revision id."""
    client, server = _sandbox_client(app)
    try:
        revision = client.edit_wiki(page=page, content=source.read(), author=author, reason=reason)
    finally:
        if server is not None:
            server.stop()
    click.echo(revision)


@sandbox.command("log")
@click.option("--since", type=click.IntRange(min=0), default=0, help="Skip the first N entries.")
@json_option
@pass_app
def sandbox_log(app: App, since: int) -> None:
    """The sandbox's request log (method, path, status; never secrets)."""
    log_path = app.settings.sandbox.state_file.with_suffix(".requests.jsonl")
    entries = []
    if log_path.exists():
        entries = [json.loads(line) for line in log_path.read_text().splitlines() if line][since:]
    if app.as_json:
        print_json(entries)
        return
    for entry in entries:
        when = time.strftime("%H:%M:%S", time.localtime(entry["t"]))
        fault = f"  [fault {entry['fault']}]" if entry.get("fault") else ""
        click.echo(f"{when} {entry['method']:<4} {entry['status']} {entry['path']}{fault}")
    click.echo(f"{len(entries)} request(s).", err=True)


@sandbox.command("fault")
@click.argument(
    "kind",
    type=click.Choice(FAULT_KINDS),
)
@click.option(
    "--path",
    default="",
    help="Regular expression matched against request paths (token requests only when named).",
)
@click.option("--method", type=click.Choice(["GET", "POST"]), help="Only this method.")
@click.option("--count", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--delay", type=click.FloatRange(min=0), default=0.0, help="Seconds (timeouts).")
@pass_app
def sandbox_fault(
    app: App, *, kind: str, path: str, method: str | None, count: int, delay: float
) -> None:
    """Make the next COUNT matching requests to a running sandbox misbehave."""
    from bot.sandbox.client import SandboxClient, is_listening

    settings = app.settings
    if not is_listening(settings.sandbox.host, settings.sandbox.port):
        raise WikibotError("no sandbox is running; start one with `wikibot sandbox serve`")
    SandboxClient(settings.sandbox_url).add_fault(
        kind, path=path, method=method, count=count, delay=delay
    )
    click.echo(f"armed: {kind} x{count} on {method or 'any'} {path or 'any path'}")


COMMANDS = (sandbox,)
