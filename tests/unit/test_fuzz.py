"""Fuzzing with hypothesis: any input gives a result or a one-line error, never a traceback."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import Settings, load_settings
from bot.errors import ConfigError, InputError
from bot.replies.classify import Decision, classify
from bot.replies.rules import load_rules
from bot.wiki.pages import parse_page
from bot.wiki.plan import Kind, LocalPage, RemotePage, SyncedPage, build_plan
from bot.wiki.render import normalize
from conftest import FIXTURE_RULES, DeadlineExceeded, deadline

RULES = load_rules(FIXTURE_RULES)
# hypothesis's own deadline only reports a slow example after it returns; a runaway regex
# never returns, so each fuzz test has a hard deadline (conftest), ~10x its usual time.
pytestmark = pytest.mark.deadline(60)
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20)
)
keys = st.sampled_from(
    [
        "target",
        "subreddit",
        "sandbox",
        "port",
        "schedule",
        "sync_interval",
        "replies",
        "max_age",
        "optout",
        "state_db",
        "host",
        "x",
        "metrics_port",
    ]
)
yaml_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=12,
)


def assert_settings_or_config_error(path: Path, env: dict[str, str] | None = None) -> None:
    try:
        result = load_settings(path, environ=env or {})
    except ConfigError as error:
        message = str(error)
        assert message and "\n" not in message
    else:
        assert isinstance(result, Settings)


@FUZZ
@given(text=st.text(max_size=300))
def test_config_any_text(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("cfg") / "bot.yaml"
    path.write_text(
        text, encoding="utf-8", errors="surrogatepass"
    ) if "\ud800" not in text else path.write_bytes(text.encode("utf-8", "replace"))
    assert_settings_or_config_error(path)


@FUZZ
@given(
    data=st.dictionaries(keys, yaml_values, max_size=6),
    env=st.dictionaries(
        st.sampled_from(
            [
                "WIKIBOT_SANDBOX_PORT",
                "WIKIBOT_TARGET",
                "WIKIBOT_SCHEDULE_SYNC_INTERVAL",
                "WIKIBOT_REPLIES_OPTOUT",
            ]
        ),
        st.text(max_size=12),
        max_size=2,
    ),
)
def test_config_any_yaml_structure(
    tmp_path_factory: pytest.TempPathFactory, data: dict[str, object], env: dict[str, str]
) -> None:
    path = tmp_path_factory.mktemp("cfg") / "bot.yaml"
    path.write_text(yaml.safe_dump(data))
    assert_settings_or_config_error(path, {k: v.replace("\0", "") for k, v in env.items()})


@FUZZ
@given(front=st.text(max_size=120), body=st.text(max_size=200))
def test_front_matter_any_text(front: str, body: str) -> None:
    for text in (f"---\n{front}\n---\n{body}", front + body):
        try:
            page = parse_page(Path("/w/p.md"), text, root=Path("/w"))
        except InputError as error:
            assert str(error).startswith("/w/p.md:") and "\n" not in str(error)
        else:
            assert page.name and page.permlevel in (None, 0, 1, 2)


@FUZZ
@given(text=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=400))
def test_normalize_is_idempotent_and_plans_unchanged(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    plan = build_plan(
        local={"p": LocalPage("p", once)},
        remote={"p": RemotePage("p", "r1")},
        synced={"p": SyncedPage("p", "r1", text)},
    )
    assert [a.kind for a in plan.actions] == [Kind.UNCHANGED]


@FUZZ
@given(
    title=st.text(max_size=300),
    body=st.text(max_size=2000),
    flair=st.one_of(st.none(), st.text(max_size=20)),
)
def test_classifier_any_unicode(title: str, body: str, flair: str | None) -> None:
    decision = classify(title=title, body=body, flair=flair, rules=RULES)
    assert isinstance(decision, Decision)
    assert decision.audience in ("index", "highschool", "engineers", "researchers", "hackers")


def test_classifier_empty_and_huge_input() -> None:
    assert not classify(title="", body="", rules=RULES).is_getting_started
    huge = "how do I get into machine learning? where do I start? " * 40_000  # ~2 MB
    decision = classify(title=huge, body=huge + "(" * 100_000, rules=RULES)
    assert isinstance(decision, Decision)
    nasty = "a" * 50_000 + "!" + " " * 50_000 + "http://" + "x" * 50_000
    assert isinstance(classify(title=nasty, body=nasty, rules=RULES), Decision)


def test_fuzz_tests_run_under_a_deadline() -> None:
    remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    assert 0 < remaining <= 60


def test_a_runaway_regex_ends_at_the_deadline_instead_of_hanging(tmp_path: Path) -> None:
    """What the deadline is for: a catastrophic pattern in replies.yaml, fuzzed."""
    data = yaml.safe_load(FIXTURE_RULES.read_text())
    data["hard_negatives"].append({"pattern": r"(a+)+\$", "reason": "runaway"})
    (tmp_path / "replies.yaml").write_text(yaml.safe_dump(data))
    runaway = load_rules(tmp_path / "replies.yaml")

    @FUZZ
    @given(title=st.just("a" * 64))
    def fuzz(title: str) -> None:
        classify(title=title, body="", rules=runaway)

    with pytest.raises(DeadlineExceeded), deadline(1):
        fuzz()
