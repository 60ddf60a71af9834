"""Reply commands: ``replies scan | test | train | eval | feedback | label | labels | optout |
list``."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import App, F, json_option, pass_app, write_lock
from bot.errors import BadArgument, ConfigError
from bot.learning.dataset import FORMAT_HELP
from bot.models import post_fullname
from bot.output import print_json
from bot.replies.terms import AUDIENCES

if TYPE_CHECKING:  # imported lazily at run time, to keep --help fast
    import numpy as np

    from bot.learning.dataset import Example
    from bot.learning.evaluate import Comparison, Report
    from bot.replies.routing import Routing
    from bot.replies.rules import Rules


@click.group("replies")
def replies() -> None:
    """Answer "how do I get into ML?" posts with the right guide."""


def _rules(app: App, *, model_file: Path | None = None) -> Rules:
    from bot.replies.model import load_model  # noqa: PLC0415
    from bot.replies.respond import validate_templates  # noqa: PLC0415
    from bot.replies.rules import load_rules  # noqa: PLC0415

    model = load_model(model_file) if model_file else None
    rules = load_rules(app.settings.replies.rules_file, model=model)
    validate_templates(rules, subreddit=app.settings.subreddit)
    return rules


@replies.command("scan")
@click.option("--dry-run", is_flag=True, help="Log what would be posted; post nothing.")
@json_option
@pass_app
def replies_scan(app: App, dry_run: bool) -> None:
    """One pass over new posts: reply to getting-started questions."""
    from bot.replies.watch import ReplyWatcher  # noqa: PLC0415
    from bot.runtime import Runtime  # noqa: PLC0415

    rules = _rules(app)
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


@replies.command("test")
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
    from bot.replies.classify import classify  # noqa: PLC0415
    from bot.replies.respond import render_reply  # noqa: PLC0415
    from bot.replies.watch import is_excluded_flair  # noqa: PLC0415

    rules = _rules(app, model_file=model_file)
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
        return f"{routing.guide} and {routing.second} (close: the reply names both)"
    if routing.guide != "index" and not routing.confident:
        return f"{routing.guide} (not confident: the reply says nothing about the asker)"
    return routing.guide


DATA_HELP = f"""Labelled data. JSONL, {FORMAT_HELP}.

\b
Defaults, relative to the project folder (the parent of the config folder):
  --posts  ../shared/eval/train.jsonl and ../shared/eval/dev.jsonl
  --labels data/labels.jsonl (labels only, no post text)
  --texts  ../shared/eval/pool.jsonl (the text of the posts in --labels)
plus the moderators' and feedback labels in the state database. Without the text files,
--fetch-texts reads the text of the posts in --labels from the target by id (cached in
.wikibot/cache/; removed and deleted posts are counted and skipped).
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
                "--fetch-texts",
                is_flag=True,
                help="Fetch the text of --labels' posts from the target by id (cached).",
            ),
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
    fetch_texts: bool = False,
) -> list[Example]:
    from bot.learning.dataset import load_corpus  # noqa: PLC0415

    if fetch_texts and texts is not None:
        raise click.BadParameter("give either --texts FILE or --fetch-texts", param_hint="--texts")
    root = app.settings.config_file.resolve().parent.parent
    shared = root.parent / "shared" / "eval"
    if not posts:
        posts = tuple(p for p in (shared / "train.jsonl", shared / "dev.jsonl") if p.exists())
    labels_file = root / "data" / "labels.jsonl" if labels is None else labels
    given = labels_file if str(labels_file) not in ("", ".") else None
    extra = _state_labels(app) if state_labels else []
    if fetch_texts:
        fetched = _fetched_labels(app, given) if given else []
        return load_corpus(posts=posts, extra=[*fetched, *extra])
    if texts is None and (shared / "pool.jsonl").exists():
        texts = shared / "pool.jsonl"
    return load_corpus(posts=posts, labels=given, texts=texts, extra=extra)


def _fetched_labels(app: App, labels_file: Path) -> list[Example]:
    """The labels of ``labels_file`` joined with their posts' text, fetched by id."""
    from bot.learning.dataset import join, load_labels  # noqa: PLC0415
    from bot.learning.fetch import fetch_texts  # noqa: PLC0415
    from bot.runtime import Runtime  # noqa: PLC0415

    labels = load_labels(labels_file)
    if not labels:
        return []
    with Runtime(app.settings) as runtime:
        runtime.start_sandbox()
        fetched = fetch_texts(
            {label.key for label in labels},
            gateway=runtime.gateway,
            cache_dir=app.settings.state_db.parent / "cache",
            progress=_progress(lambda done, total: f"fetching post texts: {done}/{total}"),
        )
    click.echo(
        f"{labels_file}: the text of {len(fetched.texts)} of {len(labels)} labelled post(s) "
        f"from r/{app.settings.subreddit} ({fetched.fetched} fetched, {fetched.cached} "
        f"cached); skipped {fetched.removed} removed or deleted and {fetched.missing} not "
        "found",
        err=True,
    )
    kept = [label for label in labels if label.key in fetched.texts]
    return join(kept, fetched.texts, source=labels_file.name)


def _state_labels(app: App) -> list[Example]:
    """The label in force of every post labelled in the state (moderators, summons,
    feedback), with the text read when it was labelled."""
    from bot.labels import LabelBook  # noqa: PLC0415
    from bot.learning.dataset import Example  # noqa: PLC0415
    from bot.state import State  # noqa: PLC0415

    if not app.settings.state_db.exists():
        return []
    state = State(app.settings.state_db)
    try:
        records = LabelBook(state).all()
    finally:
        state.close()
    return [
        Example(
            key=r.key,
            title=r.title,
            body=r.body,
            intent=r.is_getting_started,
            audience=r.audience,
            source=r.source,
        )
        for r in records
        if r.title  # a label whose post could not be read teaches nothing
    ]


def _vectors(app: App, examples: list[Example]) -> np.ndarray:
    """The examples' sentence vectors, cached beside the state database."""
    from bot.learning.vectors import post_vectors  # noqa: PLC0415
    from bot.replies.encoder import DEFAULT_SPEC  # noqa: PLC0415

    cache = app.settings.state_db.parent / "cache"
    shown = _progress(lambda done, total: f"encoding posts: {done}/{total}")
    return post_vectors(examples, spec=DEFAULT_SPEC, cache=cache, progress=shown)


def _progress(describe: Callable[[int, int], str]) -> Callable[[int, int], None]:
    """A one-line progress counter on a terminal's stderr; silent otherwise."""

    def show(done: int, total: int) -> None:
        if sys.stderr.isatty():
            end = "\n" if done >= total else ""
            click.echo(f"\r{describe(done, total)}", err=True, nl=False)
            click.echo(end, err=True, nl=False)

    return show


CANDIDATE_FILE = "reply-model.candidate.json"


@replies.command(
    "train",
    help="Train a candidate reply model from labelled posts, and cross-validate it beside the "
    "current model on the same folds. The bot keeps its model until --replace.\n\n" + DATA_HELP,
)
@data_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Where to write the candidate [default: {CANDIDATE_FILE} beside the state database].",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Then make the candidate the model the bot uses: the file that replies.yaml's "
    "model_file names (the model shipped inside wikibot is never overwritten).",
)
@click.option(
    "--force", is_flag=True, help="Train even on too few labelled posts to judge a model by."
)
@click.option(
    "--compare/--no-compare",
    default=True,
    show_default=True,
    help="Cross-validate the candidate beside the current model (a few minutes on 5,000 posts).",
)
@click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True)
@json_option
@pass_app
def replies_train(
    app: App,
    *,
    posts: tuple[Path, ...],
    labels: Path | None,
    texts: Path | None,
    fetch_texts: bool,
    state_labels: bool,
    out: Path | None,
    replace: bool,
    force: bool,
    compare: bool,
    folds: int,
) -> None:
    from bot.fileio import atomic_write_text  # noqa: PLC0415
    from bot.learning.train import (  # noqa: PLC0415
        Featurised,
        TrainOptions,
        check_trainable,
        fit,
        write_model,
    )
    from bot.replies.model import DEFAULT_PATH, load_model  # noqa: PLC0415

    rules = _rules(app)
    target = out or app.settings.state_db.parent / CANDIDATE_FILE
    in_use = rules.model_file or DEFAULT_PATH
    writes_in_use = target.resolve() == in_use.resolve()
    if writes_in_use and not replace:
        raise BadArgument(
            f"{target}: is the model the bot uses; pass --replace to replace it, or write the "
            "candidate elsewhere"
        )
    if replace and rules.model_file is None and not writes_in_use:
        raise BadArgument(
            f"{rules.source}: names no model_file, so the bot uses the model shipped inside "
            "wikibot, which train never overwrites: add 'model_file: reply-model.json' to it "
            "and run again"
        )
    examples = _corpus(
        app,
        posts=posts,
        labels=labels,
        texts=texts,
        state_labels=state_labels,
        fetch_texts=fetch_texts,
    )
    if not force:
        check_trainable(examples)
    vectors = _vectors(app, examples)
    document = fit(Featurised.of(examples, vectors=vectors), options=TrainOptions())
    write_model(document, target)
    candidate = load_model(target)
    comparison, not_compared = None, ""
    if compare:
        try:
            comparison = _compare(app, examples, vectors, rules, folds=folds)
        except (BadArgument, ConfigError) as exc:  # too few posts to cross-validate (--force)
            not_compared = str(exc)
    replaced = None
    if replace:
        if not writes_in_use:
            atomic_write_text(in_use, target.read_text(encoding="utf-8"))
        replaced = in_use
    trained = document["trained_on"]
    if app.as_json:
        print_json(
            {
                "candidate": str(target),
                "replaced": str(replaced) if replaced else None,
                "trained_on": {k: v for k, v in trained.items() if k != "keys"},
                "threshold": candidate.threshold,
                "features": len(candidate.features),
                "audience_head": bool(candidate.audience_classes),
                "comparison": comparison.to_dict() if comparison else None,
                "not_compared": not_compared or None,
            }
        )
        return
    click.echo(
        f"wrote {target}: {len(candidate.features)} features, trained on {trained['clear']} "
        f"clear posts ({trained['clear_getting_started']} getting-started), threshold "
        f"{candidate.threshold:.3f}"
    )
    if comparison:
        _print_comparison(comparison)
    elif not_compared:
        click.echo(f"not compared with the current model: {not_compared}")
    if replaced:
        click.echo(f"replaced {replaced}: the bot uses the candidate from its next start")
    else:
        click.echo(
            "the bot still uses its current model; try the candidate with "
            f"'wikibot replies test --model {target} ...', then train again with --replace"
        )


def _compare(
    app: App, examples: list[Example], vectors: np.ndarray, rules: Rules, *, folds: int
) -> Comparison:
    """The candidate's recipe and the current model's, cross-validated on the same folds."""
    from bot.learning.evaluate import Comparison, cross_validate  # noqa: PLC0415
    from bot.learning.train import TrainOptions, options_of  # noqa: PLC0415

    assert rules.model is not None
    known = set(rules.model.trained_on.get("keys") or ())
    current_options = options_of(rules.model.trained_on)
    progress = _progress(
        lambda done, n: f"cross-validating the candidate: fold {min(done + 1, n)}/{n}"
    )
    candidate = cross_validate(
        examples, rules=rules, options=TrainOptions(), folds=folds, progress=progress,
        vectors=vectors,
    )  # fmt: skip
    same_data = not known or all(e.key in known for e in examples)
    if same_data and current_options == TrainOptions():
        return Comparison(current=candidate, candidate=candidate, current_posts=len(examples))
    learned = [e for e in examples if not known or e.key in known]
    progress = _progress(
        lambda done, n: f"cross-validating the current model: fold {min(done + 1, n)}/{n}"
    )
    try:
        current = cross_validate(
            examples, rules=rules, options=current_options, folds=folds, progress=progress,
            vectors=vectors, trains_on=(lambda e: e.key in known) if known else None,
            seed=TrainOptions().seed,
        )  # fmt: skip
    except (BadArgument, ConfigError) as exc:  # the current model's posts are too few here
        return Comparison(None, candidate, len(learned), note=str(exc))
    return Comparison(current, candidate, len(learned))


def _print_comparison(comparison: Comparison) -> None:
    """The candidate's cross-validated figures beside the current model's."""
    rows = comparison.rows()
    click.echo(
        f"cross-validated on the same folds ({comparison.candidate.clear} clear posts, "
        f"{comparison.candidate.clear_getting_started} getting-started); the current model's "
        f"recipe learns only from the {comparison.current_posts} of them it was trained on:"
    )
    click.echo(f"{'':28}{'current':>10}{'candidate':>11}")
    for label, current, candidate, worse in rows:
        shown = "-" if current is None else f"{current:.3f}"
        flag = "  worse" if worse else ""
        click.echo(f"{label:28}{shown:>10}{candidate:>11.3f}{flag}")
    if comparison.note:
        click.echo(f"  current model not refitted: {comparison.note}")


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
@click.option(
    "--guard-rails",
    "show_guard_rails",
    is_flag=True,
    help="Show what each topic rule, hard negative, boost and flair weight of replies.yaml "
    "changed in the out-of-fold decisions, and flag a rule that blocks more askers than "
    "false replies it prevents.",
)
@json_option
@pass_app
def replies_eval(
    app: App,
    *,
    posts: tuple[Path, ...],
    labels: Path | None,
    texts: Path | None,
    fetch_texts: bool,
    state_labels: bool,
    folds: int,
    show_errors: bool,
    show_guard_rails: bool,
) -> None:
    from bot.learning.evaluate import cross_validate  # noqa: PLC0415
    from bot.learning.train import TrainOptions  # noqa: PLC0415

    examples = _corpus(
        app,
        posts=posts,
        labels=labels,
        texts=texts,
        state_labels=state_labels,
        fetch_texts=fetch_texts,
    )
    report = cross_validate(
        examples,
        rules=_rules(app),
        options=TrainOptions(),
        folds=folds,
        progress=_progress(lambda done, n: f"cross-validating: fold {min(done + 1, n)}/{n}"),
        vectors=_vectors(app, examples),
    )
    if app.as_json:
        print_json(report.to_dict(with_errors=show_errors))
        return
    click.echo(
        f"{folds}-fold cross-validation on {report.clear} clear posts "
        f"({report.clear_getting_started} getting-started; {report.borderline} borderline "
        "left out)"
    )
    classifiers = [report.model, *report.baselines]
    click.echo(f"{'':12}" + "".join(f"{f.name:>24}" for f in classifiers))
    for key, label in (("precision", "precision"), ("recall", "recall"), ("f05", "F0.5")):
        cells = []
        for figures in classifiers:
            lo, hi = figures.intervals[key]
            cells.append(f"{getattr(figures, key):.3f} [{lo:.2f}-{hi:.2f}]")
        click.echo(f"{label:12}" + "".join(f"{c:>24}" for c in cells))
    for source, figures in report.by_source.items():
        click.echo(
            f"  model on {source} only: precision {figures.precision:.3f}, "
            f"recall {figures.recall:.3f} ({figures.tp} true / {figures.fp} false replies)"
        )
    _print_routing(report)
    if show_guard_rails:
        _print_guard_rails(report)
    if report.stream_posts:
        click.echo(
            f"wrong replies on the r/LearnMachineLearning stream sample: "
            f"{report.stream_wrong_replies} of {report.stream_posts} posts "
            f"({report.stream_wrong_per_1000} per 1,000)"
        )
    if show_errors:
        for error in report.model.errors:
            click.echo(
                f"  {error['error']}: {error['key']} p={error['probability']} {error['title']}"
            )


def _print_guard_rails(report: Report) -> None:
    """Each guard rail's marginal effect on the out-of-fold decisions (clear posts)."""
    click.echo(
        "\nguard rails: clear posts whose out-of-fold decision differs without the rule "
        "(askers blocked / gained; false replies prevented / caused)"
    )
    for effect in report.guard_rails:
        figures = (
            f"{effect.askers_blocked:>3} / {effect.askers_gained:<3}"
            f"{effect.others_blocked:>6} / {effect.others_let_through:<3}"
        )
        flag = (
            "  COSTLY: blocks more askers than false replies it prevents" if effect.costly else ""
        )
        note = f"  ({effect.note})" if effect.note else ""
        click.echo(f"  {effect.kind:<14}{effect.rule[:44]:<46}{figures}{flag}{note}")


def _print_routing(report: Report) -> None:
    """The routing tables of ``replies eval``: every clear asker, answered or not."""
    from bot.learning.evaluate import PHRASE_SOURCES, ROUTING_LABELS, ROUTING_OUTCOMES  # noqa: PLC0415

    if not report.routing:
        return
    left_out = ", ".join(sorted(PHRASE_SOURCES))
    click.echo(
        f"\nrouting of {report.routing[0].askers} clear askers, answered or not "
        f"({left_out}, which the phrase groups were written from, reported apart):"
    )
    click.echo(f"{'':16}" + "".join(f"{ROUTING_LABELS[o]:>22}" for o in ROUTING_OUTCOMES))
    for figures in report.routing:
        cells = []
        for outcome in ROUTING_OUTCOMES:
            lo, hi = figures.intervals.get(outcome, (0.0, 0.0))
            cells.append(f"{figures.rates[outcome]:.3f} [{lo:.2f}-{hi:.2f}]")
        click.echo(f"{figures.name:16}" + "".join(f"{c:>22}" for c in cells))
    model = report.routing[0]
    if model.answered:
        answered = model.answered_rates
        click.echo(
            f"  of the {model.answered} askers the model answered: their guide "
            f"{answered['exact']:.3f}, a wrong guide {answered['wrong']:.3f}"
        )
    for source, figures in report.routing_by_source.items():
        apart = " (reported apart)" if source in PHRASE_SOURCES else ""
        click.echo(
            f"  model on {source}{apart}: {figures.askers} askers, their guide "
            f"{figures.rates['exact']:.3f}, Introduction {figures.rates['intro']:.3f}, "
            f"wrong guide {figures.rates['wrong']:.3f}"
        )
    for figures in report.routing_with_borderline:
        click.echo(
            f"  {figures.name}, borderline askers too ({figures.askers}): their guide "
            f"{figures.rates['exact']:.3f}, Introduction {figures.rates['intro']:.3f}, "
            f"wrong guide {figures.rates['wrong']:.3f}"
        )


@replies.command("feedback")
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
    from bot.replies.feedback import FeedbackCheck  # noqa: PLC0415
    from bot.runtime import Runtime  # noqa: PLC0415

    with write_lock(app, "replies feedback"), Runtime(app.settings) as runtime:
        report = FeedbackCheck(gateway=runtime.gateway, state=runtime.state).run()
    if app.as_json:
        print_json(report.to_dict())
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
    from bot.labels import LabelBook  # noqa: PLC0415
    from bot.models import POST_PREFIX, post_fullname  # noqa: PLC0415
    from bot.runtime import Runtime  # noqa: PLC0415

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


@replies.command("labels")
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
    import json  # noqa: PLC0415

    from bot.fileio import atomic_write_text  # noqa: PLC0415
    from bot.labels import LabelBook  # noqa: PLC0415
    from bot.state import State  # noqa: PLC0415

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
    """Recent replies from the state database (``deleted``: removed afterwards, by the
    asker's "wrong", a moderator's !noguide or votes)."""
    from bot.journal import reply_statuses  # noqa: PLC0415
    from bot.state import State  # noqa: PLC0415

    state = State(app.settings.state_db)
    try:
        rows = state.replies_since(time.time() - days * 86400)
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


COMMANDS = (replies,)
