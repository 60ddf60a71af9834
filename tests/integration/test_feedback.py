"""The feedback loop through real PRAW and the sandbox: votes, removals, authors' answers,
moderators' labels, and what it all costs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.sandbox.client import SandboxClient
from bot.state import LabelStore, State
from conftest import api_calls

ASKER = "curious_student"
QUESTION = ("How do I get into machine learning?", "I'm 16. Where should I start? Any roadmap?")


def bot_reply(client: SandboxClient, post: str) -> dict:  # type: ignore[type-arg]
    found = [
        c for c in client.state()["comments"] if c["author"] == "wikibot" and c["link_id"] == post
    ]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def answered(wikibot, client: SandboxClient) -> tuple[str, dict]:  # type: ignore[no-untyped-def, type-arg]
    """The seeded posts handled, then one getting-started question answered by the bot."""
    assert wikibot("replies", "scan").code == 0
    post = client.post(title=QUESTION[0], body=QUESTION[1], author=ASKER)
    assert wikibot("replies", "scan").code == 0
    return post, bot_reply(client, post)


def labels(settings_path: Path) -> list:  # type: ignore[type-arg]
    state = State(settings_path)
    try:
        return LabelStore(state).all()
    finally:
        state.close()


def deletes(entries: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    return [e for e in entries if e["path"] == "/api/del"]


def test_idle_check_costs_two_calls(wikibot, client: SandboxClient, answered) -> None:  # type: ignore[no-untyped-def]
    start = len(client.log())
    result = wikibot("replies", "feedback", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {"deleted": [], "labelled": [], "opted_out": []}
    calls = api_calls(client.log()[start:])
    assert [c["path"] for c in calls] == ["/user/wikibot/comments", "/message/comments"]


def test_downvoted_reply_is_deleted_once_and_labelled(  # type: ignore[no-untyped-def]
    wikibot, client: SandboxClient, settings, answered
) -> None:
    post, reply = answered
    client.set_comment(reply["id"], score=-2)
    assert json.loads(wikibot("replies", "feedback", "--json").out)["deleted"] == []
    client.set_comment(reply["id"], score=-3)
    start = len(client.log())
    first = json.loads(wikibot("replies", "feedback", "--json").out)
    assert first["deleted"] == [post[3:]] and first["labelled"] == [post[3:]]
    assert client.state()["comments"][-1]["deleted"] or bot_reply(client, post)["deleted"]
    assert len(deletes(client.log()[start:])) == 1
    start = len(client.log())
    second = json.loads(wikibot("replies", "feedback", "--json").out)
    assert second == {"deleted": [], "labelled": [], "opted_out": []}
    assert deletes(client.log()[start:]) == []
    (label,) = labels(settings.state_db)
    assert (label.key, label.intent, label.audience) == (post, "other", "none")
    assert label.labelled_by == "feedback:downvoted" and label.title == QUESTION[0]


def test_author_saying_delete_removes_the_reply(
    wikibot, client: SandboxClient, settings, answered
) -> None:  # type: ignore[no-untyped-def]
    post, reply = answered
    client.comment(parent=f"t1_{reply['id']}", body="wrong guide, delete please", author=ASKER)
    result = json.loads(wikibot("replies", "feedback", "--json").out)
    assert result["deleted"] == [post[3:]]
    assert bot_reply(client, post)["deleted"] is True
    assert [x.labelled_by for x in labels(settings.state_db)] == ["feedback:author-said-wrong"]
    status = json.loads(wikibot("status", "--json").out)
    assert status["feedback"]["feedback_deleted"] == 1
    assert status["feedback"]["labels_feedback"] == 1


def test_someone_else_saying_wrong_changes_nothing(
    wikibot, client: SandboxClient, settings, answered
) -> None:  # type: ignore[no-untyped-def]
    post, reply = answered
    client.comment(parent=f"t1_{reply['id']}", body="wrong", author="drive_by_troll")
    long_answer = (
        "Thanks, this guide is wrong about nothing and I will definitely read all of it "
        "tonight before asking again"
    )
    client.comment(parent=f"t1_{reply['id']}", body=long_answer, author=ASKER)
    result = json.loads(wikibot("replies", "feedback", "--json").out)
    assert result == {"deleted": [], "labelled": [], "opted_out": []}
    assert not bot_reply(client, post).get("deleted")
    assert labels(settings.state_db) == []


def test_author_opting_out_gets_no_more_replies(wikibot, client: SandboxClient, answered) -> None:  # type: ignore[no-untyped-def]
    _post, reply = answered
    client.comment(parent=f"t1_{reply['id']}", body="stop", author=ASKER)
    result = json.loads(wikibot("replies", "feedback", "--json").out)
    assert result["opted_out"] == [ASKER] and result["deleted"] == []
    again = client.post(title="Where do I start with deep learning?", body="Roadmap?", author=ASKER)
    scan = json.loads(wikibot("replies", "scan", "--json").out)
    assert scan["skipped"].get("opted out") == 1
    assert not [c for c in client.state()["comments"] if c["link_id"] == again]


def test_moderator_removal_is_labelled_not_deleted(
    wikibot, client: SandboxClient, settings, answered
) -> None:  # type: ignore[no-untyped-def]
    post, reply = answered
    client.set_comment(reply["id"], removed_by="alice_mod")
    start = len(client.log())
    result = json.loads(wikibot("replies", "feedback", "--json").out)
    assert result["labelled"] == [post[3:]] and result["deleted"] == []
    assert deletes(client.log()[start:]) == []
    assert [x.labelled_by for x in labels(settings.state_db)] == ["feedback:removed"]


def test_moderator_label_is_recorded_and_trained_on(
    wikibot, client: SandboxClient, settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    post = client.post(title="Is a PhD needed for ML research?", body="Where to begin?")
    result = wikibot("replies", "label", post, "getting_started", "researchers")
    assert result.code == 0, result.err
    (label,) = labels(settings.state_db)
    assert (label.key, label.audience, label.labelled_by) == (post, "researchers", "moderator")
    from labelled_fixture import write_fixture

    fixture = write_fixture(tmp_path / "posts.jsonl")
    out = tmp_path / "model.json"
    trained = wikibot(
        "replies", "train", "--posts", str(fixture), "--labels", "", "--out", str(out), "--json"
    )  # fmt: skip
    assert trained.code == 0, trained.err
    assert json.loads(trained.out)["trained_on"]["sources"]["moderator"] == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["t3_zzzzzz", "other"], "t3_zzzzzz: no such post on r/learnmachinelearning; check the id"),
        (["t3_abc", "getting_started", "highshcool"], "'highshcool' is not one of 'highschool'"),
        (["t3_abc", "other", "engineers"], "a post labelled other gets no audience"),
        (["not an id!", "other"], "is not a post id like t3_abc123"),
    ],
)
def test_bad_labels_are_one_line_and_exit_2(wikibot, args: list[str], expected: str) -> None:  # type: ignore[no-untyped-def]
    result = wikibot("replies", "label", *args)
    assert result.code == 2, result
    assert expected in result.err and "Traceback" not in result.err
