"""`replies train` writes a candidate, judges it beside the current model on the same folds,
and replaces the bot's model only when asked; too little data is refused (through the CLI)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from labelled_fixture import fixture_rows

from bot.replies.model import DEFAULT_PATH, load_model
from conftest import FIXTURE_RULES, Scenario, wikibot_on_terminal

CANDIDATE = Path("state") / "reply-model.candidate.json"


def _posts(path: Path, *, askers: int = 60, others: int = 120) -> Path:
    rows = [r for r in fixture_rows() if r["intent"] == "getting_started"][:askers]
    rows += [r for r in fixture_rows() if r["intent"] == "other"][:others]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def _own_model(scenario: Scenario) -> Path:
    """A replies.yaml naming a model file of the project's own (a copy of the shipped one)."""
    folder = scenario.root / "config"
    shutil.copy(DEFAULT_PATH, folder / "reply-model.json")
    rules = folder / "replies.yaml"
    text = FIXTURE_RULES.read_text()
    rules.write_text("model_file: reply-model.json\n" + text)
    scenario.configure(replies={"rules_file": str(rules), "excluded_flairs": ["Project"]})
    return folder / "reply-model.json"


def _train(scenario: Scenario, posts: Path, *flags: str) -> tuple[int, str, str]:
    result = scenario.run_cli(
        "replies", "train", "--posts", str(posts), "--labels", "", "--no-state-labels", *flags
    )
    return result.code, result.out, result.err


def test_too_few_labelled_posts_are_refused_unless_forced(
    offline: Scenario, tmp_path: Path
) -> None:
    small = _posts(tmp_path / "small.jsonl", askers=10, others=20)
    shipped = DEFAULT_PATH.read_bytes()
    code, _out, err = _train(offline, small, "--no-compare")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "too few labelled posts" in err and "10 clear getting-started" in err
    assert "--force" in err
    assert not (offline.root / CANDIDATE).exists()
    code, out, err = _train(offline, small, "--no-compare", "--force")
    assert code == 0, err
    assert (offline.root / CANDIDATE).exists() and "still uses its current model" in out
    assert DEFAULT_PATH.read_bytes() == shipped  # the shipped model is never written


def test_a_candidate_replaces_the_model_only_with_replace(
    offline: Scenario, tmp_path: Path
) -> None:
    current = _own_model(offline)
    before = current.read_bytes()
    posts = _posts(tmp_path / "posts.jsonl")
    half = _posts(tmp_path / "half.jsonl", askers=40, others=120)

    # the first candidate replaces the copy of the shipped model: its recipe learned from `half`
    code, out, err = _train(offline, half, "--no-compare", "--replace")
    assert code == 0, err
    assert f"replaced {current}" in out and current.read_bytes() != before
    assert load_model(current).trained_on["examples"] == 160
    first = current.read_bytes()

    # a new candidate from all posts is judged beside it on the same folds, and kept apart
    code, out, err = _train(offline, posts, "--folds", "3", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["replaced"] is None and current.read_bytes() == first
    comparison = report["comparison"]
    assert comparison["current_posts"] == 160  # the current recipe learns only its own posts
    assert comparison["current"]["clear"] == comparison["candidate"]["clear"] == 168
    figures = {row["figure"]: row for row in comparison["rows"]}
    assert set(figures) == {
        "precision", "recall", "F0.5", "routing: their guide", "routing: a wrong guide"
    }  # fmt: skip
    assert all(0.0 <= row["current"] <= 1.0 for row in figures.values())
    candidate = Path(report["candidate"])
    assert candidate == offline.root / CANDIDATE
    assert load_model(candidate).trained_on["examples"] == 180

    # the candidate can be tried before it replaces anything
    result = offline.run_cli(
        "replies", "test", "--model", str(candidate), "--json", "I'm 16, how do I get into ML?"
    )
    assert result.code == 0, result.err
    assert set(json.loads(result.out)["audience_scores"]) == {
        "highschool", "engineers", "researchers", "hackers", "index"
    }  # fmt: skip
    candidate.write_text('{"format": "wikibot-reply-model/1", "intent": {}}')
    result = offline.run_cli("replies", "test", "--model", str(candidate), "How do I start ML?")
    assert result.code == 2 and "candidate.json: features: missing; restore" in result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err


def test_the_model_in_use_is_written_only_with_replace(offline: Scenario, tmp_path: Path) -> None:
    current = _own_model(offline)
    before = current.read_bytes()
    posts = _posts(tmp_path / "p.jsonl")
    code, _out, err = _train(offline, posts, "--out", str(current), "--no-compare")
    assert code == 2 and "is the model the bot uses; pass --replace" in err
    assert current.read_bytes() == before and len(err.strip().splitlines()) == 1


def test_replace_needs_a_model_file_of_the_projects_own(offline: Scenario, tmp_path: Path) -> None:
    code, _out, err = _train(offline, _posts(tmp_path / "p.jsonl"), "--replace", "--no-compare")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "names no model_file" in err and "model_file: reply-model.json" in err
    assert not (offline.root / CANDIDATE).exists()


def test_eval_on_too_few_posts_is_one_line(offline: Scenario, tmp_path: Path) -> None:
    two = _posts(tmp_path / "two.jsonl", askers=1, others=1)
    result = offline.run_cli(
        "replies", "eval", "--posts", str(two), "--labels", "", "--no-state-labels"
    )
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1, result.err
    assert "5-fold cross-validation needs at least 5 clear getting-started posts" in result.err


def test_eval_shows_progress_on_a_terminal_only_without_json(
    offline: Scenario, tmp_path: Path
) -> None:
    posts = _posts(tmp_path / "posts.jsonl", askers=12, others=24)
    command = ("replies", "eval", "--posts", str(posts), "--labels", "", "--no-state-labels")
    shown = wikibot_on_terminal(offline.config, *command, "--folds", "2")
    assert shown.code == 0, shown.err
    assert "\rencoding posts: 36/36" in shown.err and "\rcross-validating: fold 2/2" in shown.err
    as_json = wikibot_on_terminal(offline.config, "--json", *command, "--folds", "2")
    assert as_json.code == 0, as_json.err
    assert json.loads(as_json.out)["folds"] == 2  # stdout is the JSON and nothing else
    assert as_json.err == ""  # no progress, although stderr is a terminal (-q: test_history)
