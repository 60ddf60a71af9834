"""The classifier (pure) and the reply text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.errors import ConfigError
from bot.replies.classify import classify
from bot.replies.respond import MAX_REPLY_CHARS, render_reply, validate_templates
from bot.replies.routing import Routing, route_by_probability
from bot.replies.rules import load_rules, parse_rules, rules_from_dict
from conftest import FIXTURE_RULES, Scenario

RULES = load_rules(FIXTURE_RULES)


@pytest.mark.parametrize(
    ("title", "body", "audience"),
    [
        (
            "I'm 16, how do I get into machine learning?",
            "I like maths. Where should I start?",
            "highschool",
        ),
        (
            "Backend developer looking to switch careers into ML engineering",
            "I've been a Java developer for 6 years. What should I learn? Any roadmap?",
            "engineers",
        ),
        (
            "Software engineer wanting to switch careers into machine learning",
            "I've been a Java developer for 6 years. How do I get into ML? What should I "
            "learn first?",
            "engineers",
        ),
        (
            "Do I need a PhD to get into ML research?",
            "I'm finishing my undergrad in maths and want to become a researcher. "
            "Where do I start?",
            "researchers",
        ),
        (
            "Where do I start with machine learning?",
            "Complete beginner here, no background in the field. Any roadmap?",
            "index",
        ),
        (
            "How to get started with ML as a hobby?",
            "I just want to build cool stuff on weekends, side projects for fun. Where to start?",
            "hackers",
        ),
    ],
)
def test_getting_started_questions_are_recognised_and_routed(
    title: str, body: str, audience: str
) -> None:
    decision = classify(title=title, body=body, rules=RULES)
    assert decision.is_getting_started, decision.reasons
    assert decision.audience == audience, decision.audience_scores


@pytest.mark.parametrize(
    ("title", "body", "flair"),
    [
        (
            "Loss becomes NaN after a few epochs with Adam in PyTorch",
            "My training loss explodes to NaN after epoch 3. What else can cause this?",
            None,
        ),
        (
            "I built a bird-song classifier with a Raspberry Pi [project]",
            "Sharing my weekend project. Feedback welcome!",
            "Project",
        ),
        ("[N] New state of the art on ImageNet", "The paper is on arxiv, what do you think?", None),
        (
            "Which GPU should I buy to get into deep learning?",
            "RTX 4070 or a MacBook? Budget is limited.",
            None,
        ),
        (
            "Free course: learn machine learning from scratch, use my coupon",
            "Enroll today in my course, where to start is covered!",
            None,
        ),
        (
            "Senior data scientist: how do I negotiate salary?",
            "I'm a senior data scientist with 6 years of experience in ML. Any tips?",
            None,
        ),
        ("Weekly entering and transitioning thread", "Ask your questions here.", None),
        ("What's the weather like?", "Is it going to rain tomorrow?", None),
    ],
)
def test_other_posts_get_no_reply(title: str, body: str, flair: str | None) -> None:
    decision = classify(title=title, body=body, flair=flair, rules=RULES)
    assert not decision.is_getting_started, decision.reasons


def test_decision_explains_itself() -> None:
    decision = classify(title="Where do I start with ML?", body="", rules=RULES)
    assert decision.reasons and all(isinstance(r, str) for r in decision.reasons)
    assert decision.reasons[0].startswith("model: p=")
    assert "r:asks where to start|title" in " ".join(decision.reasons)
    assert decision.to_dict()["score"] == round(decision.score, 4)


@pytest.mark.parametrize("audience", ["index", "highschool", "engineers", "researchers", "hackers"])
def test_reply_links_the_guide_and_introduction_and_says_it_is_a_bot(audience: str) -> None:
    text = render_reply(audience, rules=RULES, subreddit="learnmachinelearning")
    assert f"https://www.reddit.com/r/learnmachinelearning/wiki/{audience}" in text
    assert "https://www.reddit.com/r/learnmachinelearning/wiki/index" in text
    assert ("bot" in text and "opt" not in text.lower()) or "stop my replies" in text
    assert "message/compose" in text and len(text) <= MAX_REPLY_CHARS


def test_reply_never_contains_the_post_text() -> None:
    title = "How do I get into ML? secret-marker-7731"
    decision = classify(title=title, body="where to start, roadmap?", rules=RULES)
    text = render_reply(decision.audience, rules=RULES, subreddit="learnmachinelearning")
    assert "secret-marker-7731" not in text


def base_rules() -> dict[str, Any]:
    import yaml

    rules: dict[str, Any] = yaml.safe_load(FIXTURE_RULES.read_text())
    return rules


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(threshold="high"), "threshold: expected a number"),
        (lambda d: d["hard_negatives"].append({"pattern": "("}), "invalid regular expression"),
        (lambda d: d.update(threshold=1.5), "threshold: expected a probability"),
        (lambda d: d.update(audience_from="vibes"), "audience_from: expected model or rules"),
        (lambda d: d["templates"].pop("hackers"), "templates.hackers: missing"),
        (lambda d: d["audiences"].update(pirates=[{"pattern": "x"}]), "audiences.pirates: unknown"),
        (lambda d: d.update(colour=1), "colour: unknown key"),
        (lambda d: d["templates"].pop("two_paths"), "templates.two_paths: missing"),
        (lambda d: d["templates"].update(hello="x"), "templates.hello: unknown template"),
        (lambda d: d.update(audience_floor=2), "audience_floor: expected a probability"),
        (lambda d: d["paths"].update(pirates="x"), "paths.pirates: unknown audience"),
    ],
)
def test_bad_rules_are_config_errors(
    change: Callable[[dict[str, Any]], object], expected: str
) -> None:
    data = base_rules()
    change(data)
    with pytest.raises(ConfigError, match=expected):
        rules_from_dict(data, source="replies.yaml")


def _engineers_rule(**changes: object) -> Callable[[dict[str, Any]], object]:
    """A change to the third engineers rule: its keys replaced by ``changes``."""

    def change(data: dict[str, Any]) -> None:
        data["audiences"]["engineers"][2] = {"pattern": "x", "weight": 1, **changes}

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            _engineers_rule(decisve=True),
            r"^replies.yaml: audiences.engineers\[2\].decisve: unknown key; "
            r"did you mean decisive\?",
        ),
        (
            _engineers_rule(reasn="x"),
            r"^replies.yaml: audiences.engineers\[2\].reasn: unknown key; did you mean reason\?",
        ),
        (
            _engineers_rule(title_only="no"),
            r"^replies.yaml: audiences.engineers\[2\].title_only: expected true or false, "
            r"got 'no'; write true or false without quotes$",
        ),
        (
            _engineers_rule(decisive="yes"),
            r"^replies.yaml: audiences.engineers\[2\].decisive: expected true or false",
        ),
        (
            _engineers_rule(weight="high"),
            r"audiences.engineers\[2\].weight: expected a number, got 'high'; write a number "
            r"without quotes, such as 1.5$",
        ),
        (
            _engineers_rule(reason=5),
            r"audiences.engineers\[2\].reason: expected text, got 5; put it in quotes$",
        ),
        (
            lambda d: d.update(audience_pair=1.5),
            r"^replies.yaml: audience_pair: expected a probability between 0 and 1, got 1.5; "
            r"write it as a decimal such as 0.8$",
        ),
        (_engineers_rule(pattern=12), r"audiences.engineers\[2\].pattern: expected a regular"),
        (
            lambda d: d["hard_negatives"].append({"pattern": "x", "titel_only": True}),
            r"hard_negatives\[5\].titel_only: unknown key; did you mean title_only\?",
        ),
        (  # a veto has no weight and decides no audience: a key that would do nothing
            lambda d: d["hard_negatives"].append({"pattern": "x", "decisive": True}),
            r"^replies.yaml: hard_negatives\[5\].decisive: has no effect in hard_negatives; "
            r"remove it$",
        ),
        (
            lambda d: d["topic"].append({"pattern": "x", "weight": 5}),
            r"^replies.yaml: topic\[1\].weight: has no effect in topic; remove it$",
        ),
        (lambda d: d["topic"].append(7), r"^replies.yaml: topic\[1\]: expected a mapping"),
        (lambda d: d.update(boosts="x"), r"^replies.yaml: boosts: expected a list of rules"),
    ],
)
def test_every_key_and_value_of_a_rule_is_validated(
    change: Callable[[dict[str, Any]], object], expected: str
) -> None:
    """A misspelt or mistyped key of a rule was dropped or read as true: the moderator's
    override silently gone. Each is refused in one line naming the rule's key path."""
    data = base_rules()
    change(data)
    with pytest.raises(ConfigError, match=expected) as info:
        rules_from_dict(data, source="replies.yaml")
    assert "\n" not in str(info.value) and "; " in str(info.value)


def test_a_misspelt_rule_key_stops_replies_test(offline: Scenario, tmp_path: Path) -> None:
    rules_file = tmp_path / "config" / "replies.yaml"
    rules_file.write_text(
        FIXTURE_RULES.read_text().replace("      decisive: true", "      decisve: true", 1)
    )
    offline.configure(replies={"rules_file": str(rules_file)})
    result = offline.run_cli("replies", "test", "How do I get into ML?")
    assert result.code == 2, result.out + result.err
    line = 1 + rules_file.read_text().splitlines().index("      decisve: true")
    assert result.err.strip().splitlines() == [
        f"wikibot: error: {rules_file}:{line}: audiences.highschool[0].decisve: unknown key; "
        "did you mean decisive? (known: decisive, pattern, reason, title_only, weight)"
    ]


def test_unknown_template_placeholder_is_a_config_error() -> None:
    data = base_rules()
    data["templates"]["index"] = "Hello {post_title}"
    rules = rules_from_dict(data, source="replies.yaml")
    with pytest.raises(ConfigError, match=r"unknown placeholder \{post_title\}"):
        render_reply("index", rules=rules, subreddit="x")


def _probabilities(**specific: float) -> dict[str, float]:
    rest = 1.0 - sum(specific.values())
    return {"highschool": 0.0, "engineers": 0.0, "researchers": 0.0, "hackers": 0.0} | {
        **specific,
        "index": rest,
    }


@pytest.mark.parametrize(
    ("probabilities", "routing"),
    [
        (_probabilities(engineers=0.95), Routing("engineers", confident=True)),
        (_probabilities(engineers=0.75), Routing("engineers")),  # linked, no word about them
        (_probabilities(engineers=0.55), Routing("index")),  # below the floor: Introduction
        (_probabilities(engineers=0.40, researchers=0.35), Routing("engineers", "researchers")),
        (_probabilities(engineers=0.35, researchers=0.10), Routing("index")),
        (_probabilities(highschool=0.72, engineers=0.20), Routing("highschool")),
        # neither reaches the floor, but one of the two is most likely: both paths
        (_probabilities(engineers=0.55, researchers=0.30), Routing("engineers", "researchers")),
        (_probabilities(engineers=0.55, researchers=0.20), Routing("index")),  # 0.75 < 0.8
    ],
)
def test_the_learned_router_links_what_it_is_sure_of(
    probabilities: dict[str, float], routing: Routing
) -> None:
    rules = replace(
        RULES, audience_floor=0.7, audience_close=0.15, audience_pair=0.8, audience_confident=0.9
    )
    assert route_by_probability(probabilities, rules=rules) == routing
    assert Routing.parse(routing.token()) == routing


def test_audience_pair_one_never_names_two_paths_below_the_floor() -> None:
    rules = replace(RULES, audience_floor=0.7, audience_close=0.15, audience_pair=1.0)
    pair = _probabilities(engineers=0.55, researchers=0.45)  # together 1.0, apart 0.10
    assert route_by_probability(pair, rules=rules) == Routing("engineers", "researchers")
    below = _probabilities(engineers=0.60, researchers=0.40)  # apart 0.20: not close
    assert route_by_probability(below, rules=rules) == Routing("index")


def test_a_decisive_phrase_wins_over_the_learned_router() -> None:
    decisive = parse_rules(
        [{"pattern": r"\bgrade 1[0-2]\b", "weight": 1, "reason": "in school", "decisive": True}],
        file="replies.yaml",
        key="audiences.highschool",
    )
    rules = replace(RULES, audiences={**RULES.audiences, "highschool": decisive})
    title, body = "How do I get into ML as a developer?", "I'm in grade 11 and code a lot."
    assert classify(title=title, body=body, rules=rules).routing == Routing(
        "highschool", confident=True
    )
    assert "decisive phrase" in " ".join(classify(title=title, body=body, rules=rules).reasons)


@pytest.mark.parametrize(
    ("title", "body", "guide"),
    [
        ("How do I get into ML?", "I'm a developer.", "engineers"),  # 2.0: the minimum
        ("How do I get into ML before my PhD?", "", "researchers"),  # 1.8 x title_boost
        ("How do I get into ML?", "Thinking about a PhD.", "index"),  # 1.8: under the minimum
        ("How do I get into ML?", "A developer, maybe a PhD later.", "index"),  # leads by 0.2
        ("How do I get into ML before my PhD?", "I'm a developer.", "researchers"),  # by 0.7
    ],
)
def test_with_audience_from_rules_the_phrase_groups_route(
    title: str, body: str, guide: str
) -> None:
    groups = {
        "engineers": parse_rules(
            [{"pattern": r"\bdeveloper\b", "weight": 2, "reason": "a developer"}],
            file="replies.yaml",
            key="audiences.engineers",
        ),
        "researchers": parse_rules(
            [{"pattern": r"\bphd\b", "weight": 1.8, "reason": "a PhD"}],
            file="replies.yaml",
            key="audiences.researchers",
        ),
    }
    rules = replace(
        RULES,
        audience_from="rules",
        audiences=groups,
        audience_min=2.0,
        audience_margin=0.5,
        title_boost=1.5,
    )
    decision = classify(title=title, body=body, rules=rules)
    assert decision.routing == Routing(guide, confident=guide != "index")
    assert "audience: phrase groups" in decision.reasons


def test_replies_say_only_what_the_bot_knows() -> None:
    sub = "learnmachinelearning"
    sure = render_reply(Routing("highschool", confident=True), rules=RULES, subreddit=sub)
    unsure = render_reply(Routing("highschool"), rules=RULES, subreddit=sub)
    both = render_reply(Routing("engineers", "researchers"), rules=RULES, subreddit=sub)
    assert "this early" in sure and "this early" not in unsure  # no word about the asker
    assert f"/r/{sub}/wiki/highschool" in unsure
    assert f"/r/{sub}/wiki/engineers" in both and f"/r/{sub}/wiki/researchers" in both
    assert RULES.paths["researchers"] in both and RULES.paths["engineers"] in both
    assert "from engineering" not in both  # neither guide's words about the asker
    validate_templates(RULES, subreddit=sub)
    broken = replace(RULES, paths={k: v for k, v in RULES.paths.items() if k != "hackers"})
    with pytest.raises(ConfigError, match=r"paths\.hackers: missing"):
        validate_templates(broken, subreddit=sub)
