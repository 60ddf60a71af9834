"""Fault injection: every fault kind against the sync job and the reply job.

Real PRAW against the sandbox's fault controls. After each fault: no wiki edit lost or
applied twice, no duplicate or missing reply, the job keeps running (or, for 403, only that
job stops), and a clear log line says what happened.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bot.sandbox.client import SandboxClient
from bot.scheduler import Daemon, Job
from bot.state import PostStatus
from bot.wiki.workspace import load_workspace
from conftest import Scenario

GETTING_STARTED = ("How do I get into machine learning?", "Complete beginner. Where do I start?")


@pytest.fixture
def daemon(scenario: Scenario) -> Iterator[Daemon]:
    with scenario.daemon() as bot:
        for job in bot.jobs:
            assert job.run() is not None and job.last and job.last.ok  # first publish, replies
        yield bot


def job(daemon: Daemon, name: str) -> Job:
    return next(j for j in daemon.jobs if j.name == name)


def run_until_settled(job: Job, runs: int = 4) -> None:
    """Run the job a few times, skipping the backoff waits a real daemon would sleep."""
    for _ in range(runs):
        job.resume_at = 0.0
        job.run()


@dataclass(frozen=True)
class Fault:
    """A fault the sandbox injects, and the log line that must say what happened."""

    kind: str
    path: str
    method: str
    log_text: str | None

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.method}-{self.path.rsplit('/', 1)[-1]}"

    def inject_and_run(
        self, target: Job, client: SandboxClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Arm it once (three times for retried reads), run the job until it settles."""
        count = 3 if self.method == "GET" and self.kind in ("timeout", "503") else 1
        client.add_fault(self.kind, path=self.path, method=self.method, count=count, delay=2.5)
        with caplog.at_level(logging.INFO):
            run_until_settled(target)
        assert target.disabled_reason is None and target.last is not None and target.last.ok
        if self.log_text:
            messages = [r.getMessage() for r in caplog.records]
            assert any(self.log_text in m for m in messages), messages


SYNC_FAULTS = [
    Fault("500", "/api/wiki/edit", "POST", "not applied"),
    Fault("503", "/api/wiki/edit", "POST", "not applied"),
    Fault("apply_503", "/api/wiki/edit", "POST", "applied despite"),
    Fault("apply_timeout", "/api/wiki/edit", "POST", "may have been applied"),
    Fault("apply_cut", "/api/wiki/edit", "POST", "applied despite"),
    Fault("apply_html", "/api/wiki/edit", "POST", "applied despite"),
    Fault("409", "/api/wiki/edit", "POST", "conflict"),
    Fault("429", "/wiki/revisions", "GET", "rate limited"),
    Fault("ratelimit", "/api/wiki/edit", "POST", "rate limited"),
    Fault("timeout", "/wiki/revisions", "GET", "backing off"),
    Fault("503", "/wiki/revisions", "GET", "backing off"),
    Fault("expire_token", "/api/wiki/edit", "POST", None),
]


@pytest.mark.parametrize("fault", SYNC_FAULTS, ids=lambda fault: fault.id)
def test_sync_job_survives_and_loses_nothing(
    daemon: Daemon, scenario: Scenario, caplog: pytest.LogCaptureFixture, fault: Fault
) -> None:
    scenario.edit_page("index", "## The guides", "## The four guides")
    before = len(scenario.wiki_revisions("index"))
    fault.inject_and_run(job(daemon, "sync"), scenario.sandbox, caplog)
    expected = load_workspace(scenario.settings).local["index"].content
    assert scenario.wiki_text("index") == expected  # not lost
    assert len(scenario.wiki_revisions("index")) == before + 1  # not applied twice


REPLY_FAULTS = [
    Fault("500", "/api/comment", "POST", "may have been applied"),
    Fault("503", "/api/comment", "POST", "may have been applied"),
    Fault("apply_503", "/api/comment", "POST", "may have been applied"),
    Fault("apply_timeout", "/api/comment", "POST", "may have been applied"),
    Fault("apply_cut", "/api/comment", "POST", "may have been applied"),
    Fault("apply_html", "/api/comment", "POST", "may have been applied"),
    Fault("429", "/new", "GET", "rate limited"),
    Fault("ratelimit", "/api/comment", "POST", "Take a break"),
    Fault("timeout", "/new", "GET", "backing off"),
    Fault("503", "/new", "GET", "backing off"),
    Fault("expire_token", "/api/comment", "POST", None),
]


@pytest.mark.parametrize("fault", REPLY_FAULTS, ids=lambda fault: fault.id)
def test_reply_job_survives_and_replies_exactly_once(
    daemon: Daemon, scenario: Scenario, caplog: pytest.LogCaptureFixture, fault: Fault
) -> None:
    fullname = scenario.sandbox.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1])
    fault.inject_and_run(job(daemon, "replies"), scenario.sandbox, caplog)
    assert len(scenario.bot_comments(fullname)) == 1


def test_token_refresh_failure_at_reply_time_retries_later(
    daemon: Daemon, scenario: Scenario, caplog: pytest.LogCaptureFixture
) -> None:
    """The token expires as the reply is sent and the new token cannot be had: try later."""
    fullname = scenario.sandbox.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1])
    scenario.sandbox.add_fault("expire_token", path="/api/comment", method="POST")
    scenario.sandbox.add_fault("503", path="/api/v1/access_token")
    replies = job(daemon, "replies")
    with caplog.at_level(logging.INFO):
        first = replies.run()
        assert first is not None and not first.ok  # backed off, not "refused by Reddit"
        run_until_settled(replies)
    assert replies.last is not None and replies.last.ok
    assert any("backing off" in r.getMessage() for r in caplog.records)
    assert len(scenario.bot_comments(fullname)) == 1


def test_shutdown_between_look_and_reply_keeps_the_post(daemon: Daemon, scenario: Scenario) -> None:
    """SIGTERM lands while the watcher looks: the reply is not sent, and not given up."""
    fullname = scenario.sandbox.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1])
    scenario.sandbox.add_fault(
        "apply_timeout", path="^/user/wikibot/comments", method="GET", delay=1.5
    )
    stopper = threading.Timer(0.5, daemon.runtime.gateway.stop)
    stopper.start()
    result = job(daemon, "replies").run()
    stopper.join()
    assert result is not None and not result.ok and "shutting down" in result.summary
    row = daemon.runtime.state.posts.get(fullname.removeprefix("t3_"))
    assert row is not None and row.status == PostStatus.INTENT
    with scenario.daemon() as restarted:
        run_until_settled(job(restarted, "replies"))
    assert len(scenario.bot_comments(fullname)) == 1


def test_403_stops_only_the_affected_job(
    daemon: Daemon, scenario: Scenario, caplog: pytest.LogCaptureFixture
) -> None:
    client = scenario.sandbox
    scenario.edit_page("index", "## The guides", "## The four guides")
    client.add_fault("403", path="/api/wiki/edit", count=1)
    sync, replies = job(daemon, "sync"), job(daemon, "replies")
    with caplog.at_level(logging.INFO):
        run_until_settled(sync)
    assert sync.disabled_reason is not None and "forbidden" in sync.disabled_reason
    assert any("stopped" in r.getMessage() and "Fix it" in r.getMessage() for r in caplog.records)
    fullname = client.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1])
    run_until_settled(replies)
    assert any(c["link_id"] == fullname for c in client.state()["comments"])


def test_403_on_reply_stops_replies_without_a_duplicate(
    daemon: Daemon, client: SandboxClient
) -> None:
    fullname = client.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1])
    client.add_fault("403", path="/api/comment", count=1)
    replies = job(daemon, "replies")
    run_until_settled(replies)
    assert replies.disabled_reason is not None
    assert not any(c["link_id"] == fullname for c in client.state()["comments"])


def test_503_on_a_settings_write_does_not_abort_the_push(scenario: Scenario) -> None:
    client = scenario.sandbox
    client.add_fault("503", path="/wiki/settings/engineers", method="POST")
    first = scenario.run_cli("push")
    assert first.code == 1 and "settings will be retried" in first.out
    levels = {name: page["settings"]["permlevel"] for name, page in client.state()["wiki"].items()}
    assert levels == {"engineers": 0, "hackers": 2, "highschool": 2, "index": 2, "researchers": 2}
    second = scenario.run_cli("push")
    assert second.code == 0, second.out
    assert client.state()["wiki"]["engineers"]["settings"]["permlevel"] == 2


def test_a_page_reddit_refuses_does_not_stop_the_others(scenario: Scenario) -> None:
    scenario.publish()
    big = scenario.pages_dir / "engineers.md"
    big.write_text(big.read_text() + "x" * 530_000 + "\n")  # over Reddit's page limit
    scenario.edit_page("index", "## The guides", "## The four guides")
    start = len(scenario.sandbox.log())
    result = scenario.run_cli("push")
    assert result.code == 1
    assert f"  error        engineers  {big}: page is 5" in result.out  # refused by wikibot
    assert "characters; Reddit stores at most 524,288: split it into pages; not uploaded" in (
        result.out
    )
    edits = [e for e in scenario.sandbox.log()[start:] if e["path"].endswith("/api/wiki/edit")]
    assert [e["status"] for e in edits] == [200]  # index only: nothing of engineers uploaded
    assert "## The four guides" in scenario.wiki_text("index")
    assert "x" * 100 not in scenario.wiki_text("engineers")
    scenario.seed_pages({name: f"---\ntitle: {name}\n---\nNew.\n" for name in ("new1", "new2")})
    scenario.sandbox.add_fault("413", path="/api/wiki/edit", method="POST")  # Reddit says no
    refused = scenario.run_cli("push", "new1", "new2")
    assert refused.code == 1 and "  error        new1  " in refused.out and "413" in refused.out
    assert "  created      new2" in refused.out
