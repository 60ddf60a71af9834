"""Configuration: one validated, frozen settings object, or a one-line error."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from bot.config import TargetKind, load_settings
from bot.errors import ConfigError
from conftest import FIXTURE_RULES, Scenario


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bot.yaml"
    path.write_text(text)
    return path


def test_defaults_and_durations(tmp_path: Path) -> None:
    path = write(tmp_path, "schedule:\n  sync_interval: 5m\nreplies:\n  max_age: 24h\n")
    settings = load_settings(path, environ={})
    assert settings.target == "sandbox"
    assert settings.subreddit == "learnmachinelearning"
    assert settings.wiki_pages_dir == (tmp_path.parent / "wiki_pages").resolve()
    assert settings.schedule.sync_interval == 300
    assert settings.replies.max_age == 86400
    with pytest.raises(FrozenInstanceError):
        # mypy rejects the assignment to a frozen field (misc) at once; this checks the run time.
        settings.target = TargetKind.REDDIT  # type: ignore[misc]


def test_moderator_loop_settings_default_off_and_read_yaml_and_environment(
    tmp_path: Path,
) -> None:
    defaults = load_settings(write(tmp_path, "{}\n"), environ={}).replies
    assert (defaults.review, defaults.review_min_probability) == ("off", 0.35)
    assert (defaults.review_max_per_day, defaults.helpers) == (10, ())
    path = write(tmp_path, "replies:\n  review: off\n  helpers: [u/Helpful_Hannah]\n")
    assert load_settings(path, environ={}).replies.review == "off"  # YAML's `off` is false
    settings = load_settings(
        path,
        environ={"WIKIBOT_REPLIES_REVIEW": "digest", "WIKIBOT_REPLIES_REVIEW_MAX_PER_DAY": "3"},
    )
    assert (settings.replies.review, settings.replies.review_max_per_day) == ("digest", 3)
    assert settings.replies.helpers == ("helpful_hannah",)


def test_environment_overrides_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "sandbox:\n  port: 8000\n")
    settings = load_settings(
        path, environ={"WIKIBOT_SANDBOX_PORT": "9001", "WIKIBOT_SUBREDDIT": "learnpython"}
    )
    assert settings.sandbox.port == 9001
    assert settings.subreddit == "learnpython"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("target: [oops\n", "YAML syntax error"),
        ("colour: blue\n", "colour: unknown key"),
        ("schedule:\n  sync_interval: soon\n", "sync_interval: expected a duration"),
        ("sandbox:\n  port: 99999\n", "port: expected a port number"),
        ("target: mars\n", "target: expected 'sandbox' or 'reddit'"),
        ("sandbox:\n  host: 0.0.0.0\n", "host: expected a loopback address"),
        ("replies:\n  max_per_hour: many\n", "max_per_hour: expected a whole number"),
        ("replies:\n  review: sometimes\n", "replies.review: expected off, report or digest"),
        (
            "replies:\n  review_min_probability: 1.5\n",
            "replies.review_min_probability: expected a probability between 0 and 1",
        ),
        ("replies:\n  review_max_per_day: -1\n", "review_max_per_day: expected a whole number"),
        ("replies:\n  helpers: alice\n", "replies.helpers: expected a list of user names"),
        ("- a\n- list\n", "expected a mapping"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    message = str(error.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.yaml", environ={})


def test_reddit_target_needs_credentials_from_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "target: reddit\n")
    with pytest.raises(ConfigError, match="REDDIT_CLIENT_ID"):
        load_settings(path, environ={})
    env = {
        "REDDIT_CLIENT_ID": "id",
        "REDDIT_CLIENT_SECRET": "s3cret-value",
        "REDDIT_USERNAME": "bot",
        "REDDIT_PASSWORD": "pa55word-value",
    }
    settings = load_settings(path, environ=env)
    assert settings.credentials is not None
    assert settings.credentials.username == "bot"
    assert "s3cret" not in repr(settings) and "pa55word" not in repr(settings.credentials)


def test_praw_site_is_enough_for_reddit(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "target: reddit\npraw_site: mybot\n"), environ={})
    assert settings.praw_site == "mybot"
    assert settings.credentials is not None and settings.credentials.given() == {}


def test_cli_reports_broken_config_in_one_line_with_exit_2(
    tmp_path: Path, offline: Scenario
) -> None:
    path = write(tmp_path, "schedule:\n  sync_interval: [1, 2\n")
    result = offline.run_cli("plan", config=path)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith(f"wikibot: error: {path}:")
    assert "Traceback" not in result.err


def test_the_default_state_is_one_file_per_target(tmp_path: Path) -> None:
    config = write(tmp_path, "subreddit: learnmachinelearning\n")
    sandbox = load_settings(config, environ={})
    live = load_settings(
        config,
        environ={
            "WIKIBOT_TARGET": "reddit",
            "REDDIT_CLIENT_ID": "id",
            "REDDIT_CLIENT_SECRET": "secret-value",
            "REDDIT_USERNAME": "bot",
            "REDDIT_PASSWORD": "password-value",
        },
    )
    assert sandbox.state_db == (tmp_path.parent / ".wikibot" / "state-sandbox.db").resolve()
    assert live.state_db == (tmp_path.parent / ".wikibot" / "state-reddit.db").resolve()


def test_an_unknown_wikibot_variable_is_refused_naming_the_known_ones(
    offline: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIKIBOT_SANDBOX_PROT", "9000")  # a typo, silently ignored before
    result = offline.run_cli("status")
    assert result.code == 2 and "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("wikibot: error: environment variable WIKIBOT_SANDBOX_PROT:")
    assert "did you mean WIKIBOT_SANDBOX_PORT?" in lines[0]
    for known in ("WIKIBOT_CONFIG", "WIKIBOT_STATE_DB", "WIKIBOT_REPLIES_MAX_AGE"):
        assert known in lines[0]
    monkeypatch.delenv("WIKIBOT_SANDBOX_PROT")
    monkeypatch.setenv("WIKIBOT_REPLIES_MAX_AGE", "2h")  # every known one is accepted
    assert offline.run_cli("status").code == 0


def test_a_relative_path_from_the_environment_resolves_against_the_current_directory(
    offline: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("WIKIBOT_STATE_DB", "here/state.db")
    assert offline.run_cli("replies", "optout", "u/someone").code == 0
    assert (work / "here" / "state.db").exists()
    assert not (offline.config.parent / "here").exists()
    in_file = write(tmp_path, "state_db: there/state.db\n")  # the file's own folder, as before
    assert load_settings(in_file, environ={}).state_db == tmp_path / "there" / "state.db"


def test_a_wrong_typed_section_is_reported_whatever_the_environment(
    tmp_path: Path, offline: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A variable for a key of the section once replaced the section, hiding the fault."""
    path = write(tmp_path, "sandbox: 5\n")
    monkeypatch.setenv("WIKIBOT_SANDBOX_PORT", "8876")
    result = offline.run_cli("check", config=path)
    assert result.code == 2, result.out + result.err
    assert result.err.strip().splitlines() == [
        f"wikibot: error: {path}: sandbox: expected a mapping of settings, got 5"
    ]


def test_check_validates_the_reply_rules_templates_and_model_when_replies_run(
    tmp_path: Path, offline: Scenario
) -> None:
    rules_file = tmp_path / "config" / "replies.yaml"
    rules = FIXTURE_RULES.read_text()
    offline.configure(replies={"rules_file": str(rules_file)})
    decisive_line = 1 + rules.splitlines().index("      decisive: true")
    broken = {  # text of replies.yaml: the file, line (None: not known) and fault check shows
        rules.replace("      decisive: true", "      decisve: true", 1): (
            rules_file,
            decisive_line,
            "audiences.highschool[0].decisve: unknown key; did you mean decisive?",
        ),
        rules.replace("]({guide_url})", "]({guide_link})", 1): (
            rules_file,
            None,
            "templates.index: unknown placeholder {guide_link}",
        ),
        "model_file: model.json\n" + rules: (
            tmp_path / "config" / "model.json",
            None,  # JSON
            "intent: expected an object, got 'x'; restore the file from git",
        ),
    }
    (tmp_path / "config" / "model.json").write_text(
        '{"format": "wikibot-reply-model/1", "intent": "x"}'
    )
    for text, (file, line, message) in broken.items():
        rules_file.write_text(text)
        result = offline.run_cli("check")
        assert result.code == 1, result.out + result.err
        where = f"{file}" if line is None else f"{file}:{line}"  # no line is made up
        assert f"{where}: error: {message}" in result.out, result.out
        problems = json.loads(offline.run_cli("check", "--json").out)["problems"]
        assert [(p["file"], p["line"]) for p in problems] == [(str(file), line)]
    offline.configure(schedule={"replies": False})  # no replies job: its files are not read
    assert offline.run_cli("check").code == 0
