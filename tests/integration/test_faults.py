"""Fault injection: every fault kind against the sync job and the reply job.

Real PRAW against the sandbox's fault controls. After each fault: no wiki edit lost or
applied twice, no duplicate or missing reply, the job keeps running (or, for 403, only that
job stops), and a clear log line says what happened.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.runtime import Runtime
from bot.sandbox.client import SandboxClient
from bot.scheduler import Daemon, Job
from bot.state import PostStatus
from bot.wiki.sync import load_workspace

GETTING_STARTED = ("How do I get into machine learning?", "Complete beginner. Where do I start?")


@pytest.fixture
def daemon(settings: Settings) -> Iterator[Daemon]:
    runtime = Runtime(settings).__enter__()
    bot = Daemon(settings, runtime)
    for job in bot.jobs:
        assert job.run() is not None and job.last and job.last.ok  # initial publish and replies
    yield bot
    runtime.__exit__(None, None, None)


def job(daemon: Daemon, name: str) -> Job:
    return next(j for j in daemon.jobs if j.name == name)


def run_until_settled(job: Job, runs: int = 4) -> None:
    """Run the job a few times, skipping the backoff waits a real daemon would sleep."""
    for _ in range(runs):
        job.resume_at = 0.0
        job.run()


def revisions(client: SandboxClient, page: str) -> list[dict]:  # type: ignore[type-arg]
    return client.state()["wiki"][page]["revisions"]


def inject_and_run(
    target: Job,
    client: SandboxClient,
    caplog: pytest.LogCaptureFixture,
    *,
    kind: str,
    path: str,
    method: str,
    log_text: str | None,
) -> None:
    """Arm one fault (three for retried reads), run the job until it settles, check the log."""
    count = 3 if method == "GET" and kind in ("timeout", "503") else 1
    client.add_fault(kind, path=path, method=method, count=count, delay=2.5)
    with caplog.at_level(logging.INFO):
        run_until_settled(target)
    assert target.disabled_reason is None and target.last is not None and target.last.ok
    if log_text:
        messages = [r.getMessage() for r in caplog.records]
        assert any(log_text in m for m in messages), messages


def ids(cases: list[tuple[str, str, str, str | None]]) -> list[str]:
    return [f"{k}-{m}-{p.rsplit('/', 1)[-1]}" for k, p, m, _ in cases]


SYNC_FAULTS = [
    ("500", "/api/wiki/edit", "POST", "not applied"),
    ("503", "/api/wiki/edit", "POST", "not applied"),
    ("apply_503", "/api/wiki/edit", "POST", "applied despite"),
    ("apply_timeout", "/api/wiki/edit", "POST", "may have been applied"),
    ("apply_cut", "/api/wiki/edit", "POST", "applied despite"),
    ("apply_html", "/api/wiki/edit", "POST", "applied despite"),
    ("409", "/api/wiki/edit", "POST", "conflict"),
    ("429", "/wiki/revisions", "GET", "rate limited"),
    ("ratelimit", "/api/wiki/edit", "POST", "rate limited"),
    ("timeout", "/wiki/revisions", "GET", "backing off"),
    ("503", "/wiki/revisions", "GET", "backing off"),
    ("expire_token", "/api/wiki/edit", "POST", None),
]


@pytest.mark.parametrize(
    ("kind", "path", "method", "log_text"),
    SYNC_FAULTS,
    ids=ids(SYNC_FAULTS),
)
def test_sync_job_survives_and_loses_nothing(
    daemon: Daemon,
    settings: Settings,
    client: SandboxClient,
    caplog: pytest.LogCaptureFixture,
    *,
    kind: str,
    path: str,
    method: str,
    log_text: str | None,
) -> None:
    page = settings.wiki_pages_dir / "index.md"
    page.write_text(page.read_text().replace("## The guides", "## The four guides"))
    before = len(revisions(client, "index"))
    inject_and_run(
        job(daemon, "sync"), client, caplog, kind=kind, path=path, method=method, log_text=log_text
    )
    expected = load_workspace(settings).local["index"].content
    assert revisions(client, "index")[-1]["content"] == expected  # not lost
    assert len(revisions(client, "index")) == before + 1  # not applied twice


REPLY_FAULTS = [
    ("500", "/api/comment", "POST", "may have been applied"),
    ("503", "/api/comment", "POST", "may have been applied"),
    ("apply_503", "/api/comment", "POST", "may have been applied"),
    ("apply_timeout", "/api/comment", "POST", "may have been applied"),
    ("apply_cut", "/api/comment", "POST", "may have been applied"),
    ("apply_html", "/api/comment", "POST", "may have been applied"),
    ("429", "/new", "GET", "rate limited"),
    ("ratelimit", "/api/comment", "POST", "Take a break"),
    ("timeout", "/new", "GET", "backing off"),
    ("503", "/new", "GET", "backing off"),
    ("expire_token", "/api/comment", "POST", None),
]


@pytest.mark.parametrize(
    ("kind", "path", "method", "log_text"),
    REPLY_FAULTS,
    ids=ids(REPLY_FAULTS),
)
def test_reply_job_survives_and_replies_exactly_once(
    daemon: Daemon,
    client: SandboxClient,
    caplog: pytest.LogCaptureFixture,
    *,
    kind: str,
    path: str,
    method: str,
    log_text: str | None,
) -> None:
    fullname = client.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1])
    inject_and_run(
        job(daemon, "replies"),
        client,
        caplog,
        kind=kind,
        path=path,
        method=method,
        log_text=log_text,
    )
    mine = [
        c
        for c in client.state()["comments"]
        if c["link_id"] == fullname and c["author"] == "wikibot"
    ]
    assert len(mine) == 1


def test_token_refresh_failure_at_reply_time_retries_later(
    daemon: Daemon, client: SandboxClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The token expires as the reply is sent and the new token cannot be had: try later."""
    fullname = client.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1])
    client.add_fault("expire_token", path="/api/comment", method="POST")
    client.add_fault("503", path="/api/v1/access_token")
    replies = job(daemon, "replies")
    with caplog.at_level(logging.INFO):
        first = replies.run()
        assert first is not None and not first.ok  # backed off, not "refused by Reddit"
        run_until_settled(replies)
    assert replies.last is not None and replies.last.ok
    assert any("backing off" in r.getMessage() for r in caplog.records)
    mine = [
        c
        for c in client.state()["comments"]
        if c["link_id"] == fullname and c["author"] == "wikibot"
    ]
    assert len(mine) == 1


def test_shutdown_between_look_and_reply_keeps_the_post(
    daemon: Daemon, settings: Settings, client: SandboxClient
) -> None:
    """SIGTERM lands while the watcher looks: the reply is not sent, and not given up."""
    fullname = client.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1])
    client.add_fault("apply_timeout", path="^/user/wikibot/comments", method="GET", delay=1.5)
    stopper = threading.Timer(0.5, daemon.runtime.gateway.stop)
    stopper.start()
    result = job(daemon, "replies").run()
    stopper.join()
    assert result is not None and not result.ok and "shutting down" in result.summary
    row = daemon.runtime.state.post(fullname.removeprefix("t3_"))
    assert row is not None and row.status == PostStatus.INTENT
    with Runtime(settings) as runtime:  # the restarted daemon
        restarted = Daemon(settings, runtime)
        run_until_settled(job(restarted, "replies"))
    mine = [
        c
        for c in client.state()["comments"]
        if c["link_id"] == fullname and c["author"] == "wikibot"
    ]
    assert len(mine) == 1


def test_403_stops_only_the_affected_job(
    daemon: Daemon, settings: Settings, client: SandboxClient, caplog: pytest.LogCaptureFixture
) -> None:
    page = settings.wiki_pages_dir / "index.md"
    page.write_text(page.read_text().replace("## The guides", "## The four guides"))
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


def test_503_on_a_settings_write_does_not_abort_the_push(  # type: ignore[no-untyped-def]
    wikibot, client: SandboxClient
) -> None:
    client.add_fault("503", path="/wiki/settings/engineers", method="POST")
    first = wikibot("push")
    assert first.code == 1 and "settings will be retried" in first.out
    levels = {name: page["settings"]["permlevel"] for name, page in client.state()["wiki"].items()}
    assert levels == {"engineers": 0, "hackers": 2, "highschool": 2, "index": 2, "researchers": 2}
    second = wikibot("push")
    assert second.code == 0, second.out
    assert client.state()["wiki"]["engineers"]["settings"]["permlevel"] == 2


def test_a_page_reddit_refuses_does_not_stop_the_others(  # type: ignore[no-untyped-def]
    wikibot, settings: Settings, client: SandboxClient
) -> None:
    assert wikibot("push").code == 0
    big = settings.wiki_pages_dir / "engineers.md"
    big.write_text(big.read_text() + "x" * 530_000 + "\n")  # over Reddit's page limit
    small = settings.wiki_pages_dir / "index.md"
    small.write_text(small.read_text().replace("## The guides", "## The four guides"))
    result = wikibot("push")
    assert result.code == 1
    assert "engineers" in result.out and "HTTP 413" in result.out
    assert "## The four guides" in revisions(client, "index")[-1]["content"]
