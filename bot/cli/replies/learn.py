"""Learning commands: ``replies train`` (a candidate model, compared with the current one)
and ``replies eval`` (cross-validated figures). They use ``bot/learning/``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import App, json_option, pass_app
from bot.cli.progress import counter
from bot.cli.replies.data import (
    DATA_HELP,
    data_options,
    load_examples,
    sentence_vectors,
)
from bot.cli.replies.run import reply_rules
from bot.errors import BadArgument, ConfigError
from bot.output import print_json

if TYPE_CHECKING:  # imported lazily at run time, to keep --help fast
    import numpy as np

    from bot.learning.dataset import Example
    from bot.learning.evaluate import Comparison, Report
    from bot.replies.rules import Rules


CANDIDATE_FILE = "reply-model.candidate.json"


def labelled_data(command: Callable[..., None]) -> Callable[..., None]:
    """``data_options``, handed to ``command`` as one argument, ``labelled``: a function of
    the app that loads the posts they name (called when the command is ready to)."""

    @functools.wraps(command)
    def with_data(
        *args: object,
        posts: tuple[Path, ...],
        labels: Path | None,
        texts: Path | None,
        fetch_texts: bool,
        state_labels: bool,
        **kwargs: object,
    ) -> None:
        def labelled(app: App) -> list[Example]:
            return load_examples(
                app,
                posts=posts,
                labels=labels,
                texts=texts,
                state_labels=state_labels,
                fetch_texts=fetch_texts,
            )

        command(*args, labelled=labelled, **kwargs)

    return data_options(with_data)


@click.command(
    "train",
    help="Train a candidate reply model from labelled posts, and cross-validate it beside the "
    "current model on the same folds. The bot keeps its model until --replace.\n\n" + DATA_HELP,
)
@labelled_data
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
    labelled: Callable[[App], list[Example]],
    out: Path | None,
    replace: bool,
    force: bool,
    compare: bool,
    folds: int,
) -> None:
    from bot.fileio import atomic_write_text
    from bot.learning.featurise import Featurised
    from bot.learning.model_file import write_model
    from bot.learning.options import TrainOptions
    from bot.learning.train import check_trainable, fit
    from bot.replies.model import DEFAULT_PATH, load_model

    rules = reply_rules(app)
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
    examples = labelled(app)
    if not force:
        check_trainable(examples)
    vectors = sentence_vectors(app, examples)
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
    from bot.learning.evaluate import Comparison, cross_validate
    from bot.learning.options import TrainOptions, options_of

    assert rules.model is not None
    known = set(rules.model.trained_on.get("keys") or ())
    current_options = options_of(rules.model.trained_on)
    progress = counter(
        app, lambda done, n: f"cross-validating the candidate: fold {min(done + 1, n)}/{n}"
    )
    candidate = cross_validate(
        examples, rules=rules, options=TrainOptions(), folds=folds, progress=progress,
        vectors=vectors,
    )  # fmt: skip
    same_data = not known or all(e.key in known for e in examples)
    if same_data and current_options == TrainOptions():
        return Comparison(current=candidate, candidate=candidate, current_posts=len(examples))
    learned = [e for e in examples if not known or e.key in known]
    progress = counter(
        app, lambda done, n: f"cross-validating the current model: fold {min(done + 1, n)}/{n}"
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


@click.command(
    "eval",
    help="Cross-validated precision, recall, F0.5 and routing of the reply classifier, "
    "beside a keyword baseline and the rules-v1 classifier. The model, its calibration and "
    "its threshold are fitted inside each fold; near-duplicate posts share a fold; "
    "borderline posts are left out of the figures.\n\n" + DATA_HELP,
)
@labelled_data
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
    labelled: Callable[[App], list[Example]],
    folds: int,
    show_errors: bool,
    show_guard_rails: bool,
) -> None:
    from bot.learning.evaluate import cross_validate
    from bot.learning.options import TrainOptions

    examples = labelled(app)
    report = cross_validate(
        examples,
        rules=reply_rules(app),
        options=TrainOptions(),
        folds=folds,
        progress=counter(app, lambda done, n: f"cross-validating: fold {min(done + 1, n)}/{n}"),
        vectors=sentence_vectors(app, examples),
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
    from bot.learning.evaluate import PHRASE_SOURCES
    from bot.learning.figures import ROUTING_LABELS, ROUTING_OUTCOMES

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


COMMANDS = (replies_train, replies_eval)
