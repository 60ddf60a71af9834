"""The reply watcher end to end: real PRAW, the sandbox, the CLI."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.sandbox.client import SandboxClient
from conftest import RunCli, Scenario, api_calls, wait_for, wikibot_process

GETTING_STARTED = (
    "I'm 16, how do I get into machine learning?",
    "I love maths and programming. Where should I start?",
)


def bot_comments(client: SandboxClient, fullname: str | None = None) -> list[dict[str, Any]]:
    return [
        c
        for c in client.state()["comments"]
        if c["author"] == "wikibot" and (fullname is None or c["link_id"] == fullname)
    ]


@pytest.fixture
def quiet_sub(wikibot: RunCli, client: SandboxClient) -> SandboxClient:
    """The seeded posts handled once, so each test sees only its own posts."""
    assert wikibot("replies", "scan").code == 0
    return client


def test_getting_started_post_gets_exactly_one_reply(
    wikibot: RunCli, quiet_sub: SandboxClient
) -> None:
    fullname = quiet_sub.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1])
    first = wikibot("replies", "scan")
    assert first.code == 0 and "-> highschool" in first.out
    replies = bot_comments(quiet_sub, fullname)
    assert len(replies) == 1
    assert "https://www.reddit.com/r/learnmachinelearning/wiki/highschool" in replies[0]["body"]
    start = len(quiet_sub.log())
    second = wikibot("replies", "scan")
    assert second.code == 0 and "0 replied" in second.out
    assert len(bot_comments(quiet_sub, fullname)) == 1
    calls = [c["path"] for c in api_calls(quiet_sub.log()[start:])]
    # nothing new: one call for new posts, one for new comments (summons)
    assert calls == ["/r/learnmachinelearning/new", "/r/learnmachinelearning/comments"]
    listed = json.loads(wikibot("replies", "list", "--json").out)
    assert fullname[3:] in {row["post_id"] for row in listed}


def test_seeded_posts_are_answered_precisely(wikibot: RunCli, client: SandboxClient) -> None:
    result = json.loads(wikibot("replies", "scan", "--json").out)
    answered = {entry["audience"] for entry in result["replied"]}
    assert answered == {"highschool", "engineers"}
    assert result["skipped"] == {
        "excluded flair": 1,
        "moderator post": 1,
        "not a getting-started question": 1,
    }


@pytest.mark.parametrize(
    ("title", "body", "author", "flair"),
    [
        (
            "Loss becomes NaN after a few epochs",
            "My PyTorch loss explodes. Error after epoch 3?",
            "gpu_gary",
            None,
        ),
        (
            "I made a GAN that draws cats, check it out!",
            "Feedback welcome. Where to start with GANs?",
            "weekend_tinkerer",
            None,
        ),
        (
            "How do I get into machine learning? [mod FAQ test]",
            "Where do I start?",
            "alice_mod",
            None,
        ),
        (
            "How do I get into machine learning?",
            "Where do I start? Roadmap?",
            "curious_student",
            "Project",
        ),
    ],
)
def test_no_reply_to_other_posts(
    wikibot: RunCli,
    quiet_sub: SandboxClient,
    *,
    title: str,
    body: str,
    author: str,
    flair: str | None,
) -> None:
    fullname = quiet_sub.post(title=title, body=body, author=author, flair=flair)
    assert wikibot("replies", "scan").code == 0
    assert bot_comments(quiet_sub, fullname) == []


def test_locked_old_and_opted_out_posts_get_no_reply(
    wikibot: RunCli, quiet_sub: SandboxClient
) -> None:
    before = len(bot_comments(quiet_sub))
    quiet_sub.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1], locked=True)
    quiet_sub.post(
        title=GETTING_STARTED[0],
        body=GETTING_STARTED[1],
        author="phd_hopeful",
        created_utc=1_000_000.0,
    )
    assert wikibot("replies", "optout", "u/backend_ben").code == 0
    quiet_sub.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1], author="backend_ben")
    result = json.loads(wikibot("replies", "scan", "--json").out)
    assert len(bot_comments(quiet_sub)) == before
    assert result["skipped"].get("opted out") == 1
    assert result["skipped"].get("locked, archived or removed") == 1


def test_dry_run_posts_nothing_and_remembers_nothing(
    wikibot: RunCli, client: SandboxClient
) -> None:
    dry = wikibot("replies", "scan", "--dry-run")
    assert dry.code == 0 and "would reply" in dry.out
    assert bot_comments(client) == []
    real = wikibot("replies", "scan")
    assert "2 replied" in real.out


def test_after_a_downtime_the_cap_goes_to_the_newest_posts_and_holds_the_rest(
    scenario: Scenario,
) -> None:
    sub, now = scenario.sandbox, time.time()
    ages = {"twenty_hours": 20 * 3600, "ten_hours": 10 * 3600, "five_hours": 5 * 3600}
    posts = {
        who: sub.post(
            title=GETTING_STARTED[0], body=GETTING_STARTED[1], author=who, created_utc=now - age
        )
        for who, age in {**ages, "one_minute": 60}.items()
    }
    admin = sub.post(
        title=GETTING_STARTED[0],
        body=GETTING_STARTED[1],
        author="reddit_admin",
        created_utc=now - 30,
        distinguished="admin",
    )
    # Waiting too: the two seeded getting-started posts, 40 and 50 minutes old.
    scenario.configure(replies={"max_per_hour": 3})
    state_db = scenario.settings.state_db
    state_db.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(state_db) as db:  # a state from before posts were held
        db.execute(
            "CREATE TABLE posts (post_id TEXT PRIMARY KEY, status TEXT NOT NULL, reason TEXT, "
            "audience TEXT, score REAL, title TEXT, author TEXT, comment_id TEXT, "
            "seen_at REAL NOT NULL, replied_at REAL)"
        )
    first = json.loads(scenario.run_cli("replies", "scan", "--json").out)
    newest = [posts["one_minute"], "t3_100002", "t3_100001"]
    assert [entry["post"] for entry in first["replied"]] == newest
    assert first["held"] == {"hourly reply cap reached": 3}
    assert first["skipped"]["admin post"] == 1 and bot_comments(sub, admin) == []

    start = len(sub.log())
    idle = json.loads(scenario.run_cli("replies", "scan", "--json").out)
    assert idle["replied"] == [] and idle["held"] == {"hourly reply cap reached": 3}
    polled = [call["path"] for call in api_calls(sub.log()[start:])]
    assert polled == ["/r/learnmachinelearning/new", "/r/learnmachinelearning/comments"]
    # held posts cost no call beyond the idle poll's (new posts, the comment stream)

    with sqlite3.connect(state_db) as db:  # an hour later
        db.execute("UPDATE posts SET replied_at = replied_at - 3600")
    scenario.configure(replies={"max_per_hour": 3, "max_age": "8h"})
    later = json.loads(scenario.run_cli("replies", "scan", "--json").out)
    assert [entry["post"] for entry in later["replied"]] == [posts["five_hours"]]
    assert later["skipped"] == {"too old": 2} and later["held"] == {}
    assert [len(bot_comments(sub, posts[who])) for who in ages] == [0, 0, 1]


def test_reply_that_failed_with_503_but_was_applied_is_not_repeated(
    wikibot: RunCli, quiet_sub: SandboxClient
) -> None:
    fullname = quiet_sub.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1])
    quiet_sub.add_fault("apply_503", path="/api/comment", count=3)
    assert wikibot("replies", "scan").code == 0
    assert len(bot_comments(quiet_sub, fullname)) == 1  # prawcore did not retry the POST
    recovered = wikibot("replies", "scan")
    assert "recovered" in recovered.out
    assert len(bot_comments(quiet_sub, fullname)) == 1


def test_ratelimit_waits_and_replies_once_later(wikibot: RunCli, quiet_sub: SandboxClient) -> None:
    fullname = quiet_sub.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1])
    quiet_sub.add_fault("ratelimit", path="/api/comment", wait_seconds=120)
    start = len(quiet_sub.log())
    limited = wikibot("replies", "scan")
    assert limited.code == 1 and "Take a break for 2 minutes" in limited.err
    assert bot_comments(quiet_sub, fullname) == []
    assert sum(1 for e in quiet_sub.log()[start:] if e["path"] == "/api/comment") == 1
    assert wikibot("replies", "scan").code == 0
    assert len(bot_comments(quiet_sub, fullname)) == 1


def test_lost_state_does_not_cause_a_second_reply(
    wikibot: RunCli,
    client: SandboxClient,
    settings: Settings,
) -> None:
    assert "2 replied" in wikibot("replies", "scan").out
    settings.state_db.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{settings.state_db}{suffix}").unlink(missing_ok=True)
    again = wikibot("replies", "scan")
    assert "recovered" in again.out and "0 replied" in again.out
    assert len(bot_comments(client)) == 2


def test_crash_between_intent_and_confirmation_ends_with_one_reply(
    config_path: Path, settings: Settings, client: SandboxClient, wikibot: RunCli
) -> None:
    assert wikibot("replies", "scan").code == 0
    fullname = client.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1])
    # The sandbox applies the comment, then holds the answer back; we kill the bot while
    # it waits: the intent is recorded, the comment exists, the confirmation never came.
    client.add_fault("apply_timeout", path="/api/comment", delay=30)
    process = wikibot_process(config_path, "replies", "scan", env={"WIKIBOT_REQUEST_TIMEOUT": "60"})
    assert wait_for(lambda: len(bot_comments(client, fullname)) == 1, timeout=20)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    with sqlite3.connect(settings.state_db) as db:
        status = db.execute(
            "SELECT status FROM posts WHERE post_id = ?", (fullname[3:],)
        ).fetchone()
    assert status == ("intent",)
    client.clear_faults()
    restarted = wikibot("replies", "scan")
    assert restarted.code == 0 and "recovered" in restarted.out
    assert len(bot_comments(client, fullname)) == 1


def test_replies_test_command_explains(wikibot: RunCli) -> None:
    result = wikibot("replies", "test", *GETTING_STARTED)
    assert result.code == 0 and result.out.startswith("REPLY")
    assert "guide: highschool" in result.out and "wiki/highschool" in result.out
    other = json.loads(wikibot("replies", "test", "My CUDA error on epoch 3", "--json").out)
    assert other["is_getting_started"] is False and other["reply"] is None
    # An excluded flair gets no reply, as the watcher skips it (the config excludes Project).
    flaired = wikibot("replies", "test", *GETTING_STARTED, "--flair", "project")
    assert flaired.code == 0 and flaired.out.startswith("no reply: the flair 'project'")
    assert "replies.excluded_flairs" in flaired.out and "wiki/highschool" not in flaired.out
    data = json.loads(
        wikibot("replies", "test", *GETTING_STARTED, "--flair", "Project", "--json").out
    )
    assert data["is_getting_started"] is False and data["excluded_flair"] is True
    assert data["reply"] is None


def test_eval_rejects_a_bad_file(wikibot: RunCli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"key": "t3_a", "title": "x", "intent": "getting_started"}\nnot json\n')
    result = wikibot("replies", "eval", "--posts", str(bad), "--labels", "")
    assert result.code == 2 and f"{bad}:2: not valid JSON" in result.err
    assert "Traceback" not in result.err


def test_a_vanished_cursor_post_does_not_silence_the_bot(
    wikibot: RunCli,
    quiet_sub: SandboxClient,
    settings: Settings,
) -> None:
    newest = quiet_sub.post(title="Weekly question thread", body="Ask here?")
    assert wikibot("replies", "scan").code == 0  # the cursor is now this post
    quiet_sub.set_post_flags(newest[3:], purged=True)  # Reddit purges it: `before` finds nothing
    fullname = quiet_sub.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1])
    assert "0 replied" in wikibot("replies", "scan").out  # blind, as on Reddit
    with sqlite3.connect(settings.state_db) as db:  # ten minutes later
        db.execute("UPDATE meta SET value = '0' WHERE key = 'new_anchorless_poll'")
    assert "1 replied" in wikibot("replies", "scan").out
    assert len(bot_comments(quiet_sub, fullname)) == 1
