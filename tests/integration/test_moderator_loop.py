"""Moderators in the loop, through the CLI, real PRAW and the sandbox: summons (!guide,
!noguide) answered once and by the right people only, and uncertain posts sent to the mod
queue (or a daily digest), never to the public."""

from __future__ import annotations

import json
import time
from typing import Any

from bot.labels import LabelBook
from bot.replies.review import DIGEST_SINCE_KEY, REASON
from bot.sandbox.client import SandboxClient
from bot.state import State
from conftest import Scenario, api_calls

SUB = "learnmachinelearning"
HELPER = "helpful_hannah"
# Posts the shipped model is unsure about (a probability under the reply threshold).
UNSURE = (
    ("Should I learn statistics before machine learning?", "I'm new to this."),
    ("Do I need a GPU to learn machine learning?", "I only have a laptop."),
)
IGNORED = ("Data analyst wanting to do more ML", "I use SQL and Excel daily at work.")


def bot_comments(client: SandboxClient, fullname: str) -> list[dict[str, Any]]:
    return [
        c
        for c in client.state()["comments"]
        if c["link_id"] == fullname and c["author"] == "wikibot"
    ]


def label_in_force(scenario: Scenario, fullname: str) -> tuple[str, str, str, str] | None:
    state = State(scenario.settings.state_db)
    try:
        label = LabelBook(state).label(fullname)
    finally:
        state.close()
    return None if label is None else (label.intent, label.audience, label.source, label.who)


def scan(scenario: Scenario) -> dict[str, Any]:
    result = scenario.run_cli("replies", "scan", "--json")
    assert result.code == 0, result.err
    summary: dict[str, Any] = json.loads(result.out)
    return summary


def test_summons_are_answered_once_for_moderators_and_helpers_and_nobody_else(
    scenario: Scenario, client: SandboxClient
) -> None:
    scenario.configure(replies={"helpers": [HELPER]})
    scan(scenario)  # the seeded posts
    asked = client.post(title=IGNORED[0], body=IGNORED[1], author="backend_ben")
    other = client.post(title="Feeling lost in machine learning", body="What do I do next?")
    assert scan(scenario)["replied"] == []  # the bot does not answer them by itself
    client.comment(parent=asked, body="!guide engineers", author="gpu_gary")
    client.comment(parent=other, body="!noguide", author=HELPER)  # moderators only
    typo = client.comment(parent=other, body="!guide enginers", author="alice_mod")
    ignored = scenario.run_cli("replies", "scan", "--json")
    assert json.loads(ignored.out)["skipped"] == {
        "summons by others": 2,
        "summons naming no guide": 1,  # a misspelt guide is not the bot's own choice
    }
    assert (
        f"summons: ignored {typo} by u/alice_mod: 'enginers' names no guide; the guides: "
        "engineers, hackers, highschool, index, researchers"
    ) in ignored.err
    assert bot_comments(client, asked) == [] and label_in_force(scenario, asked) is None
    assert bot_comments(client, other) == [] and label_in_force(scenario, other) is None
    # A moderator's summon; Reddit applies the reply but the answer is lost (503).
    client.comment(parent=asked, body="!Guide Engineers\nthis one is yours", author="alice_mod")
    client.add_fault("apply_503", path="^/api/comment$")
    scan(scenario)
    resolved = scan(scenario)
    assert resolved["recovered"] == [asked[3:]]  # found, not posted again
    (reply,) = bot_comments(client, asked)
    assert f"https://www.reddit.com/r/{SUB}/wiki/engineers" in reply["body"]
    assert label_in_force(scenario, asked) == (
        "getting_started",
        "engineers",
        "moderator",
        "alice_mod",
    )
    # A helper's summon: the bot's own choice of guide, labelled as a summon.
    client.comment(parent=other, body="!guide", author=HELPER)
    helped = scan(scenario)
    assert [e["post"] for e in helped["summoned"]] == [other]
    (helper_reply,) = bot_comments(client, other)
    helper_label = label_in_force(scenario, other)
    assert helper_label is not None and helper_label[2:] == ("summon", HELPER)
    # Nothing new: two calls, no second reply anywhere.
    start = len(client.log())
    assert scan(scenario)["summoned"] == []
    assert len(api_calls(client.log()[start:])) == 2
    assert len(bot_comments(client, asked)) == 1
    # A moderator's !noguide under the helper-summoned reply: deleted (the answer lost: the
    # next feedback check confirms it), labelled other.
    client.comment(parent=f"t1_{helper_reply['id']}", body="!noguide", author="alice_mod")
    client.add_fault("apply_503", path="^/api/del$")
    lost = scenario.run_cli("replies", "scan")
    assert f"!noguide  {other}: the reply's delete was sent, its answer lost; " in lost.out
    assert "the reply is removed" not in lost.out
    assert json.loads(scenario.run_cli("replies", "feedback", "--json").out)["labelled"] == [
        other[3:]
    ]
    assert bot_comments(client, other)[0]["deleted"] is True
    assert label_in_force(scenario, other) == ("other", "none", "moderator", "alice_mod")
    # The bot's own reply taken back by a moderator's !noguide.
    asker = client.post(title="I'm 16, how do I get into machine learning?", body="Hi!")
    (own,) = [e["comment"] for e in scan(scenario)["replied"]]
    client.comment(parent=f"t1_{own}", body="!noguide", author="alice_mod")
    assert scan(scenario)["unsummoned"] == [asker]
    # A post with a moderator's !noguide, then !guide: the latest command stands.
    third = client.post(title="Which laptop should I buy", body="For college, any tips?")
    client.comment(parent=third, body="!noguide", author="alice_mod")
    client.comment(parent=third, body="!guide researchers", author="alice_mod")
    status = json.loads(scenario.run_cli("status", "--json").out)["moderation"]
    assert status["summons_answered"] == 4
    assert status["labels_by_source"] == {"moderator": 3}
    assert "4 summons answered" in scenario.run_cli("status").out

    # A fresh (or restored) state reads the same commands again: each post's latest one
    # is acted on, so the !guide a !noguide took back is not replayed in public, and the
    # !noguide's label is in place before the bot judges the posts by itself.
    scenario.configure(state_db=str(scenario.root / "state" / "fresh.db"))
    fresh = scan(scenario)
    assert [e["post"] for e in fresh["summoned"]] == [third]
    assert fresh["skipped"]["summons superseded"] == 2  # helper's !guide, third's !noguide
    assert [c["deleted"] for c in bot_comments(client, other)] == [True]  # nothing new
    assert label_in_force(scenario, other) == ("other", "none", "moderator", "alice_mod")
    assert len(bot_comments(client, asked)) == 1 and len(bot_comments(client, third)) == 1
    assert [c["deleted"] for c in bot_comments(client, asker)] == [True]
    assert fresh["skipped"]["labelled other"] == 2  # asker, other


def test_an_uncertain_post_goes_to_the_mod_queue_once_and_never_to_the_public(
    scenario: Scenario, client: SandboxClient
) -> None:
    threshold = json.loads(scenario.run_cli("replies", "test", "x", "--json").out)["threshold"]
    scores = [
        json.loads(scenario.run_cli("replies", "test", *post, "--json").out)["score"]
        for post in UNSURE
    ]
    assert all(0.05 < p < threshold for p in scores), scores  # the band's premise
    band = {"review": "report", "review_min_probability": min(scores) - 0.02}
    scenario.configure(replies={**band, "review_max_per_day": 1})
    scan(scenario)  # the seeded posts: none of them in the band
    unsure = client.post(title=UNSURE[0][0], body=UNSURE[0][1])
    dry = scenario.run_cli("replies", "scan", "--dry-run")
    assert f"for review  {unsure}: would send to the moderators" in dry.out
    assert "1 would send to the moderators for review" in dry.out
    assert client.state()["reports"] == []
    client.add_fault("apply_503", path="^/api/report$")  # applied, the answer lost
    first = scan(scenario)
    assert first["reported"] == [unsure] and first["replied"] == []
    second = client.post(title=UNSURE[1][0], body=UNSURE[1][1])
    capped = scan(scenario)  # confirms the first report by reading it back
    assert capped["skipped"]["review cap reached"] == 1
    reports = client.state()["reports"]
    assert [(r["thing"], r["reason"], r["by"]) for r in reports] == [(unsure, REASON, "wikibot")]
    assert bot_comments(client, unsure) == [] and bot_comments(client, second) == []
    assert json.loads(scenario.run_cli("status", "--json").out)["moderation"]["reports_made"] == 1
    # The daily digest instead: queued, then one modmail once the day is over.
    scenario.configure(replies={**band, "review": "digest", "review_max_per_day": 5})
    client.post(title=UNSURE[1][0], body=UNSURE[1][1], author="backend_ben")  # asked again
    assert len(scan(scenario)["reported"]) == 1
    assert client.state()["modmail"] == []
    state = State(scenario.settings.state_db)
    try:
        state.meta.set(DIGEST_SINCE_KEY, repr(time.time() - 86_401))  # a day later
    finally:
        state.close()
    scan(scenario)
    scan(scenario)
    (digest,) = client.state()["modmail"]
    assert "1 post(s) that may be getting-started questions" in digest["subject"]
    assert "!guide" in digest["text"] and "/comments/" in digest["text"]
    assert len(client.state()["reports"]) == 1  # still one report, and no public comment
