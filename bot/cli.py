"""``wikibot``: the command line.

Exit codes: 0 success; 1 failure (an API error, a check that found errors, a refused
push); 2 bad usage or configuration (and, for ``plan --detailed-exitcode``, "changes
pending"); 3 done, but a wiki page needs a human (drift or conflict); 4 busy (another
command holds the state's lock); 130 interrupted.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import click

from bot import __version__
from bot.config import Settings, load_settings
from bot.errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_NEEDS_HUMAN,
    EXIT_OK,
    EXIT_USAGE,
    BadArgument,
    InputError,
    WikibotError,
)
from bot.logs import setup_logging
from bot.models import post_fullname
from bot.output import colour_diff, kind_label, print_json
from bot.replies.dataset import AUDIENCES, FORMAT_HELP
from bot.runtime import Runtime
from bot.sandbox.faults import KINDS as FAULT_KINDS

if TYPE_CHECKING:  # imported lazily at run time, to keep --help fast
    from bot.replies.classify import Rules
    from bot.replies.dataset import Example
    from bot.sandbox.client import SandboxClient
    from bot.sandbox.server import SandboxServer
    from bot.wiki.plan import Plan
    from bot.wiki.sync import Outcome, SyncReport, WikiSync, Workspace

F = TypeVar("F", bound=Callable[..., Any])


class App:
    """Per-invocation context: global options and lazily loaded settings."""

    def __init__(
        self, *, config: Path | None, as_json: bool, verbosity: int, log_format: str | None
    ) -> None:
        self.config = config
        self.as_json = as_json
        self.verbosity = verbosity
        self.log_format = log_format
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config)
        return self._settings

    def setup_logging(self, *, daemon: bool = False) -> None:
        log_format = self.log_format
        if log_format is None:
            try:
                log_format = self.settings.log_format
            except WikibotError:
                log_format = "text"
        setup_logging(verbosity=self.verbosity, log_format=log_format, daemon=daemon)


def json_option(func: F) -> F:
    """``--json`` on a subcommand (same as the global flag)."""

    def callback(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        app = ctx.find_object(App)
        if value and app is not None:
            app.as_json = True

    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        expose_value=False,
        callback=callback,
        help="Print machine-readable JSON.",
    )(func)


pass_app = click.make_pass_decorator(App)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="WIKIBOT_CONFIG",
    help="Config file [default: config/bot.yaml].",
)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default=None,
    help="Log line format [default: from config].",
)
@click.version_option(__version__, prog_name="wikibot")
@click.pass_context
def cli(
    ctx: click.Context,
    *,
    config: Path | None,
    as_json: bool,
    verbose: int,
    quiet: bool,
    log_format: str | None,
) -> None:
    """Keep r/learnmachinelearning's wiki guides in sync with Markdown files, and answer
    "how do I get into ML?" posts with the guide that fits.

    \b
    Wiki:     plan, push, pull, check, preview
    Replies:  replies scan | test | eval | optout | list
    Daemon:   run [--once], status
    Sandbox:  sandbox serve | post | edit | log | fault
    """
    ctx.obj = App(
        config=config, as_json=as_json, verbosity=-1 if quiet else verbose, log_format=log_format
    )
    ctx.obj.setup_logging()


# --- wiki ----------------------------------------------------------------------------------


def _write_lock(app: App, command: str, *, dry_run: bool = False) -> AbstractContextManager[object]:
    """The state's lock for a command that writes to Reddit (none for a dry run)."""
    from bot.lockfile import WAIT_FOR_LOCK, CommandLock, lock_path  # noqa: PLC0415

    if dry_run:
        return nullcontext()
    path = lock_path(app.settings.state_db)
    return CommandLock(path, command=command, wait=WAIT_FOR_LOCK)


def _open_wiki(app: App) -> tuple[Workspace, Runtime, Callable[[], WikiSync]]:
    from bot.wiki.sync import WikiSync, load_workspace  # noqa: PLC0415 - keep --help fast

    workspace = load_workspace(app.settings)
    runtime = Runtime(app.settings)

    def open_sync() -> WikiSync:
        runtime.start_sandbox()
        return WikiSync(app.settings, runtime.gateway, runtime.state)

    return workspace, runtime, open_sync


@cli.command()
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
    with runtime:
        result = wiki().plan(workspace, pages, on_read=_read_progress(app))
    if app.as_json:
        print_json(_plan_json(result))
    elif output_format == "markdown":
        from bot.wiki.comment import render_markdown  # noqa: PLC0415

        click.echo(render_markdown(result, diffs=not no_diff), nl=False)
    else:
        _print_plan(result, diffs=not no_diff)
    if detailed_exitcode and result.has_changes:
        sys.exit(EXIT_USAGE)


def _plan_json(result: Plan) -> dict[str, Any]:
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
    from bot.wiki.plan import Kind  # noqa: PLC0415

    for action in result.actions:
        added, removed = action.stats()
        detail = f"(+{added} -{removed})" if action.diff else ""
        settings = (
            f" settings: listed={action.settings[0]} permlevel={action.settings[1]}"
            if action.settings
            else ""
        )
        if action.settings_drift:
            settings += (
                f" settings drift: the wiki has listed={action.settings_drift[0]} "
                f"permlevel={action.settings_drift[1]} (`wikibot pull {action.page}` adopts)"
            )
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
    """Per-page progress on stderr, only on a terminal and never with --json or -q."""
    if app.as_json or app.verbosity < 0 or not sys.stderr.isatty():
        return None
    from bot.wiki.plan import Kind  # noqa: PLC0415

    total = sum(1 for a in plan.actions if a.kind != Kind.UNCHANGED or a.settings)
    pages: set[str] = set()

    def show(outcome: Outcome) -> None:
        pages.add(outcome.page)
        shown = max(total, len(pages))
        click.echo(f"[{len(pages)}/{shown}] {outcome.result} {outcome.page}", err=True)

    return show


def _read_progress(app: App) -> Callable[[int, int], None] | None:
    """A bar for page reads (a first sync of a large wiki) on a terminal's stderr only."""
    if app.as_json or app.verbosity < 0 or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        filled = 30 * done // max(total, 1)
        bar = "#" * filled + "." * (30 - filled)
        click.echo(f"\rreading wiki pages [{bar}] {done}/{total}", err=True, nl=done == total)

    return show


def _print_report(app: App, report: SyncReport, *, verb: str) -> int:
    from bot.wiki.sync import NEEDS_HUMAN, Result  # noqa: PLC0415

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


@cli.command()
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
    workspace, runtime, wiki = _open_wiki(app)
    with _write_lock(app, "push", dry_run=dry_run), runtime:
        sync = wiki()
        result = sync.plan(workspace, pages, on_read=_read_progress(app))
        report = sync.push(
            result,
            workspace,
            force=force,
            dry_run=dry_run,
            reason=reason,
            on_outcome=_progress(app, result),
        )
    sys.exit(_print_report(app, report, verb="push"))


@cli.command()
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
    workspace, runtime, wiki = _open_wiki(app)
    if history:
        with _write_lock(app, "pull"), runtime:
            sys.exit(_pull_history(app, workspace, runtime, pages))
    with _write_lock(app, "pull"), runtime:
        sync = wiki()
        result = sync.plan(workspace, pages, on_read=_read_progress(app))
        report = sync.pull(
            result,
            workspace,
            force=force,
            include_remote_only=include_all,
            on_outcome=_progress(app, result),
        )
    sys.exit(_print_report(app, report, verb="pull"))


def _pull_history(app: App, workspace: Any, runtime: Runtime, pages: tuple[str, ...]) -> int:
    from bot.wiki.history import import_history  # noqa: PLC0415
    from bot.wiki.sync import is_special  # noqa: PLC0415

    names = pages or tuple(sorted(n for n in runtime.gateway.list_pages() if not is_special(n)))
    bar: Any = None
    show = not app.as_json and app.verbosity >= 0 and sys.stderr.isatty()
    with contextlib.ExitStack() as stack:

        def on_total(total: int) -> None:  # a progress bar on a terminal only
            nonlocal bar
            if show and total:
                bar = stack.enter_context(
                    click.progressbar(length=total, label="wiki revisions", file=sys.stderr)
                )

        done = import_history(
            gateway=runtime.gateway,
            pages_dir=app.settings.wiki_pages_dir,
            sources=dict(workspace.sources),
            pages=names,
            on_total=on_total,
            on_commit=lambda _item: bar.update(1) if bar is not None else None,
        )
    if app.as_json:
        print_json({"ok": True, "commits": [item.__dict__ for item in done]})
        return 0
    for item in done:
        click.echo(f"  {item.commit[:10]} {item.page:<16} {item.revision[:8]} by {item.author}")
    click.echo(
        f"{len(done)} commit(s) for {len(names)} page(s)."
        if done
        else "Nothing to import: git already has every wiki revision."
    )
    return 0


@cli.command()
@json_option
@pass_app
def check(app: App) -> None:
    """Validate page files offline: front matter, links, size, Reddit syntax."""
    from bot.wiki.check import check_pages  # noqa: PLC0415

    settings = app.settings
    problems = check_pages(settings.wiki_pages_dir, subreddit=settings.subreddit)
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


@cli.command()
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
    from bot.fileio import atomic_write_text  # noqa: PLC0415
    from bot.wiki.render import to_html  # noqa: PLC0415
    from bot.wiki.sync import load_workspace  # noqa: PLC0415

    workspace = load_workspace(app.settings)
    local = workspace.local.get(page)
    if local is None:
        raise InputError(f"unknown page {page!r}; pages: {', '.join(sorted(workspace.local))}")
    html = to_html(local.content, title=workspace.sources[page].title)
    if output is None:
        click.echo(html, nl=False)
    else:
        atomic_write_text(output, html)
        click.echo(f"wrote {output}", err=True)


# --- daemon --------------------------------------------------------------------------------


@cli.command()
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


@cli.command()
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


# --- replies -------------------------------------------------------------------------------


@cli.group()
def replies() -> None:
    """Answer "how do I get into ML?" posts with the right guide."""


def _rules(app: App) -> Rules:
    from bot.replies.classify import load_rules  # noqa: PLC0415
    from bot.replies.respond import validate_templates  # noqa: PLC0415

    rules = load_rules(app.settings.replies.rules_file)
    validate_templates(rules, subreddit=app.settings.subreddit)
    return rules


@replies.command("scan")
@click.option("--dry-run", is_flag=True, help="Log what would be posted; post nothing.")
@json_option
@pass_app
def replies_scan(app: App, dry_run: bool) -> None:
    """One pass over new posts: reply to getting-started questions."""
    from bot.replies.watch import ReplyWatcher  # noqa: PLC0415

    rules = _rules(app)
    with _write_lock(app, "replies scan", dry_run=dry_run), Runtime(app.settings) as runtime:
        runtime.start_sandbox()
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
    click.echo(report.summary())


@replies.command("test")
@click.argument("title")
@click.argument("body", required=False, default="")
@click.option("--flair", help="The post's flair text.")
@json_option
@pass_app
def replies_test(app: App, title: str, body: str, flair: str | None) -> None:
    """Classify a post offline and show the decision, its reasons and the reply."""
    from bot.replies.classify import classify  # noqa: PLC0415
    from bot.replies.respond import render_reply  # noqa: PLC0415

    rules = _rules(app)
    decision = classify(title=title, body=body, flair=flair, rules=rules)
    reply = (
        render_reply(decision.audience, rules=rules, subreddit=app.settings.subreddit)
        if decision.is_getting_started
        else None
    )
    if app.as_json:
        print_json({**decision.to_dict(), "threshold": rules.reply_threshold, "reply": reply})
        return
    verdict = "REPLY" if decision.is_getting_started else "no reply"
    click.echo(
        f"{verdict}: probability {decision.score:.3f} (threshold {rules.reply_threshold:.3f}), "
        f"guide: {decision.audience}"
    )
    for reason in decision.reasons:
        click.echo(f"  {reason}")
    scores = ", ".join(f"{k} {v:.2f}" for k, v in decision.audience_scores.items())
    if scores:
        click.echo(f"  audience: {scores}")
    if reply:
        click.echo("\n" + reply, nl=False)


DATA_HELP = f"""Labelled data. JSONL, {FORMAT_HELP}.

\b
Defaults, relative to the project folder (the parent of the config folder):
  --posts  ../shared/eval/train.jsonl and ../shared/eval/dev.jsonl
  --labels data/labels.jsonl (labels only, no post text)
  --texts  ../shared/eval/pool.jsonl (the text of the posts in --labels)
plus the moderators' and feedback labels in the state database.
"""


def data_options(func: F) -> F:
    """Options naming the labelled data, shared by ``train`` and ``eval``."""
    path = click.Path(dir_okay=False, path_type=Path)
    for option in reversed(
        (
            click.option(
                "--posts", "posts", multiple=True, type=path, help="Posts with labels (repeat)."
            ),
            click.option("--labels", type=path, help="Labels without text ('' for none)."),
            click.option("--texts", type=path, help="Posts file holding the text of --labels."),
            click.option(
                "--state-labels/--no-state-labels",
                default=True,
                show_default=True,
                help="Include moderators' and feedback labels from the state database.",
            ),
        )
    ):
        func = option(func)
    return func


def _corpus(
    app: App,
    *,
    posts: tuple[Path, ...],
    labels: Path | None,
    texts: Path | None,
    state_labels: bool,
) -> list[Example]:
    from bot.replies.dataset import load_corpus  # noqa: PLC0415

    root = app.settings.config_file.resolve().parent.parent
    shared = root.parent / "shared" / "eval"
    if not posts:
        posts = tuple(p for p in (shared / "train.jsonl", shared / "dev.jsonl") if p.exists())
    labels_file = root / "data" / "labels.jsonl" if labels is None else labels
    if texts is None and (shared / "pool.jsonl").exists():
        texts = shared / "pool.jsonl"
    return load_corpus(
        posts=posts,
        labels=labels_file if str(labels_file) not in ("", ".") else None,
        texts=texts,
        extra=_state_labels(app) if state_labels else [],
    )


def _state_labels(app: App) -> list[Example]:
    from bot.replies.dataset import Example  # noqa: PLC0415
    from bot.state import LabelStore, State  # noqa: PLC0415

    if not app.settings.state_db.exists():
        return []
    state = State(app.settings.state_db)
    try:
        records = LabelStore(state).all()
    finally:
        state.close()
    return [
        Example(
            key=r.key,
            title=r.title,
            body=r.body,
            intent=r.intent == "getting_started",
            audience=r.audience,
            source=r.labelled_by.partition(":")[0],
        )
        for r in records
    ]


def _fold_progress(label: str) -> Callable[[int, int], None]:
    """A one-line progress counter on a terminal's stderr; silent otherwise."""

    def show(done: int, total: int) -> None:
        if sys.stderr.isatty():
            end = "\n" if done >= total else ""
            click.echo(f"\r{label}: fold {min(done + 1, total)}/{total}", err=True, nl=False)
            click.echo(end, err=True, nl=False)

    return show


@replies.command("train", help="Train the reply model from labelled posts.\n\n" + DATA_HELP)
@data_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the model [default: the model file replies.yaml names].",
)
@json_option
@pass_app
def replies_train(
    app: App,
    *,
    posts: tuple[Path, ...],
    labels: Path | None,
    texts: Path | None,
    state_labels: bool,
    out: Path | None,
) -> None:
    from bot.replies.model import DEFAULT_PATH, model_from_dict  # noqa: PLC0415
    from bot.replies.train import Featurised, TrainOptions, fit, write_model  # noqa: PLC0415

    examples = _corpus(app, posts=posts, labels=labels, texts=texts, state_labels=state_labels)
    document = fit(Featurised.of(examples), options=TrainOptions())
    model = model_from_dict(document, source="trained")
    target = out or DEFAULT_PATH
    write_model(document, target)
    summary = {
        "model_file": str(target),
        "trained_on": document["trained_on"],
        "threshold": model.threshold,
        "features": len(model.features),
        "audience_head": bool(model.audience_classes),
    }
    if app.as_json:
        print_json(summary)
        return
    trained = document["trained_on"]
    click.echo(
        f"wrote {target}: {len(model.features)} features, trained on {trained['clear']} clear "
        f"posts ({trained['clear_getting_started']} getting-started), threshold "
        f"{model.threshold:.3f}"
    )


@replies.command(
    "eval",
    help="Cross-validated precision, recall, F0.5 and routing of the reply classifier, "
    "beside a keyword baseline and the rules-v1 classifier. The model, its calibration and "
    "its threshold are fitted inside each fold; near-duplicate posts share a fold; "
    "borderline posts are left out of the figures.\n\n" + DATA_HELP,
)
@data_options
@click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True)
@click.option("--errors", "show_errors", is_flag=True, help="List each miss and false reply.")
@json_option
@pass_app
def replies_eval(
    app: App,
    *,
    posts: tuple[Path, ...],
    labels: Path | None,
    texts: Path | None,
    state_labels: bool,
    folds: int,
    show_errors: bool,
) -> None:
    from bot.replies.evaluate import cross_validate  # noqa: PLC0415
    from bot.replies.train import TrainOptions  # noqa: PLC0415

    examples = _corpus(app, posts=posts, labels=labels, texts=texts, state_labels=state_labels)
    report = cross_validate(
        examples,
        rules=_rules(app),
        options=TrainOptions(),
        folds=folds,
        progress=_fold_progress("cross-validating"),
    )
    data = report.to_dict(with_errors=show_errors)
    if app.as_json:
        print_json(data)
        return
    click.echo(
        f"{folds}-fold cross-validation on {report.clear} clear posts "
        f"({report.clear_getting_started} getting-started; {report.borderline} borderline "
        "left out)"
    )
    names = list(data["classifiers"])
    click.echo(f"{'':12}" + "".join(f"{n:>24}" for n in names))
    for key, label in (
        ("precision", "precision"),
        ("recall", "recall"),
        ("f05", "F0.5"),
        ("routing", "routing"),
    ):
        cells = []
        for name in names:
            figures = data["classifiers"][name]
            lo, hi = figures["intervals"][key]
            cells.append(f"{figures[key]:.3f} [{lo:.2f}-{hi:.2f}]")
        click.echo(f"{label:12}" + "".join(f"{c:>24}" for c in cells))
    for source, figures in data["model_by_source"].items():
        click.echo(
            f"  model on {source} only: precision {figures['precision']:.3f}, "
            f"recall {figures['recall']:.3f}, routing {figures['routing']:.3f}"
        )
    stream = data["stream"]
    if stream["posts"]:
        click.echo(
            f"wrong replies on the r/LearnMachineLearning stream sample: "
            f"{stream['wrong_replies']} of {stream['posts']} posts "
            f"({stream['wrong_per_1000']} per 1,000)"
        )
    if show_errors:
        for error in data["classifiers"]["model"]["errors"]:
            click.echo(
                f"  {error['error']}: {error['key']} p={error['probability']} {error['title']}"
            )


@replies.command("feedback")
@json_option
@pass_app
def replies_feedback(app: App) -> None:
    """Check the bot's recent replies once: votes, removals, authors' answers.

    A reply removed by a moderator, scored -3 or lower, or answered "wrong"/"delete" by the
    post's author becomes a negative label (and is deleted, unless already removed); an
    author's "stop"/"opt out" opts them out. The daemon runs this every
    schedule.feedback_interval.
    """
    from bot.replies.feedback import FeedbackCheck  # noqa: PLC0415

    with _write_lock(app, "replies feedback"), Runtime(app.settings) as runtime:
        runtime.start_sandbox()
        report = FeedbackCheck(gateway=runtime.gateway, state=runtime.state).run()
    if app.as_json:
        print_json(report.__dict__)
        return
    click.echo(report.summary())


@replies.command("label")
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
    from bot.errors import NotFound  # noqa: PLC0415
    from bot.models import POST_PREFIX, post_fullname  # noqa: PLC0415
    from bot.state import LabelStore  # noqa: PLC0415

    ident = post_id.removeprefix(POST_PREFIX)
    if not ident.isalnum():
        raise click.BadParameter(
            f"{post_id!r} is not a post id like t3_abc123", param_hint="POST_ID"
        )
    if intent == "other" and audience:
        raise click.BadParameter("a post labelled other gets no audience", param_hint="AUDIENCE")
    fullname = post_fullname(ident)
    with Runtime(app.settings) as runtime:
        runtime.start_sandbox()
        try:
            post, _comments = runtime.gateway.post_with_comments(ident)
        except NotFound:
            raise BadArgument(
                f"{fullname}: no such post on r/{app.settings.subreddit}; check the id"
            ) from None
        LabelStore(runtime.state).add(
            key=fullname,
            intent=intent,
            audience=(audience or "index") if intent == "getting_started" else "none",
            labelled_by="moderator",
            title=post.title,
            body=post.body,
        )
    click.echo(
        f"labelled {fullname} as {intent}"
        + (f" ({audience or 'index'})" if intent == "getting_started" else "")
        + "; run 'wikibot replies train' to learn from it"
    )


@replies.command("optout")
@click.argument("user")
@pass_app
def replies_optout(app: App, user: str) -> None:
    """Never reply to USER again."""
    from bot.state import State  # noqa: PLC0415

    name = user.removeprefix("/").removeprefix("u/")
    if not name or any(c.isspace() for c in name):
        raise click.BadParameter(f"{user!r} is not a user name", param_hint="USER")
    state = State(app.settings.state_db)
    try:
        added = state.add_optout(name)
    finally:
        state.close()
    click.echo(f"u/{name} {'opted out' if added else 'had already opted out'}.")


@replies.command("list")
@click.option(
    "--days", type=click.FloatRange(min=0), default=7.0, show_default=True, help="How far back."
)
@json_option
@pass_app
def replies_list(app: App, days: float) -> None:
    """Recent replies from the state database."""
    from bot.state import State  # noqa: PLC0415

    state = State(app.settings.state_db)
    try:
        rows = state.replies_since(time.time() - days * 86400)
    finally:
        state.close()
    if app.as_json:
        print_json([asdict(row) for row in rows])
        return
    for row in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(row.replied_at or 0))
        click.echo(
            f"{when}  {row.fullname}  {row.status:<8} {row.audience or '':<11} {row.title[:60]}"
        )
    click.echo(f"{len(rows)} repl{'y' if len(rows) == 1 else 'ies'} in the last {days:g} day(s).")


# --- sandbox -------------------------------------------------------------------------------


@cli.group()
def sandbox() -> None:
    """The embedded Reddit-compatible sandbox (the default target)."""


def _sandbox_client(app: App) -> tuple[SandboxClient, SandboxServer | None]:
    """A client for the configured sandbox, starting it in-process when none runs."""
    from bot.sandbox.client import SandboxClient, ensure_sandbox  # noqa: PLC0415

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
    from bot.sandbox.server import SandboxServer  # noqa: PLC0415

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
    from bot.sandbox.client import SandboxClient, is_listening  # noqa: PLC0415

    settings = app.settings
    if not is_listening(settings.sandbox.host, settings.sandbox.port):
        raise WikibotError("no sandbox is running; start one with `wikibot sandbox serve`")
    SandboxClient(settings.sandbox_url).add_fault(
        kind, path=path, method=method, count=count, delay=delay
    )
    click.echo(f"armed: {kind} x{count} on {method or 'any'} {path or 'any path'}")


def main() -> None:
    """Console entry point: one-line errors, meaningful exit codes, no tracebacks."""
    from bot.logs import error_line, json_logs  # noqa: PLC0415

    try:
        cli.main(standalone_mode=False, prog_name="wikibot")
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        if json_logs():
            click.echo(error_line(exc.format_message()), err=True)
        else:
            exc.show()
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo(error_line("interrupted"), err=True)
        sys.exit(EXIT_INTERRUPTED)
    except WikibotError as exc:
        click.echo(error_line(str(exc)), err=True)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(EXIT_FAILED)
