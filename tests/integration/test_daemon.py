"""`wikibot run` as a real subprocess: schedules, signals, locks, backoff, alerts, status."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.errors import EXIT_BUSY
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from conftest import RunCli, Scenario, wait_for, wikibot_process

GUIDES = {"index", "highschool", "engineers", "researchers", "hackers"}


def published(client: SandboxClient) -> set[str]:
    return set(client.state()["wiki"])


def bot_replies(client: SandboxClient) -> list[dict[str, Any]]:
    return [c for c in client.state()["comments"] if c["author"] == "wikibot"]


def stop(process: subprocess.Popen[str], timeout: float = 10.0) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    _, err = process.communicate(timeout=timeout + 5)
    assert time.monotonic() - started < timeout, "daemon took too long to stop"
    return process.returncode, err


def test_run_publishes_answers_and_stops_cleanly_on_sigterm(
    config_path: Path,
    settings: Settings,
    client: SandboxClient,
) -> None:
    daemon = wikibot_process(config_path, "run")
    try:
        assert wait_for(
            lambda: published(client) == GUIDES and len(bot_replies(client)) == 2, timeout=30
        )
        second = wikibot_process(config_path, "run")
        _, second_err = second.communicate(timeout=30)
        assert second.returncode == EXIT_BUSY
        assert f"the wikibot daemon (pid {daemon.pid}) is running" in second_err
        fullname = client.post(
            title="How do I get into machine learning as a beginner?",
            body="Where should I start? Any roadmap?",
        )
        assert wait_for(
            lambda: any(c["link_id"] == fullname for c in bot_replies(client)), timeout=20
        )
    finally:
        code, err = stop(daemon)
    assert code == 0, err
    assert "daemon stopped cleanly" in err
    assert "Traceback" not in err
    with sqlite3.connect(settings.state_db) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT COUNT(*) FROM posts WHERE status = 'intent'").fetchone() == (0,)
    assert len(bot_replies(client)) == 3
    assert len(list((settings.state_db.parent / "backups").glob("*.db"))) == 1  # daily backup


@pytest.mark.slow
def test_daemon_survives_5xx_and_timeouts_with_backoff_then_catches_up(
    config_path: Path, client: SandboxClient
) -> None:
    daemon = wikibot_process(config_path, "run", "-v")
    try:
        client.add_fault("503", path="", count=15)
        client.add_fault("timeout", path="/new", delay=2.5, count=2)
        time.sleep(6)
        assert daemon.poll() is None, "the daemon died"
        assert wait_for(
            lambda: published(client) == GUIDES and len(bot_replies(client)) == 2, timeout=60
        )
    finally:
        code, err = stop(daemon)
    assert code == 0
    assert "backing off" in err
    assert "recovered after" in err
    assert "Traceback" not in err


def test_conflict_reaches_moderators_exactly_once(
    config_path: Path,
    client: SandboxClient,
    settings: Settings,
) -> None:
    assert wikibot_process(config_path, "run", "--once").wait(timeout=60) == 0
    page = settings.wiki_pages_dir / "engineers.md"
    edited = page.read_text() + "\nA line added in the file.\n"
    page.write_text(edited)
    assert page.read_text() == edited  # the file changed too: a conflict, not drift
    client.edit_wiki(page="engineers", content="A human rewrote this page.\n", author="alice_mod")
    daemon = wikibot_process(config_path, "run")
    try:
        time.sleep(6)  # several sync cycles at 1s
    finally:
        code, _ = stop(daemon)
    assert code == 0
    mail = client.state()["modmail"]
    assert len(mail) == 1, mail
    assert mail[0]["subject"] == "wikibot: wiki page 'engineers' needs a human (conflict)"
    assert "alice_mod" in mail[0]["text"]
    assert (
        "- the file and the wiki both changed: merge by hand, then run "
        "`wikibot push --force engineers`"
    ) in mail[0]["text"]
    assert "wikibot pull engineers" not in mail[0]["text"]  # drift's advice
    assert (
        client.state()["wiki"]["engineers"]["revisions"][-1]["content"]
        == "A human rewrote this page.\n"
    )
    once = wikibot_process(config_path, "run", "--once")
    assert once.wait(timeout=60) == 3  # done, but a page needs a human
    assert len(client.state()["modmail"]) == 1


def test_status_json_reports_pages_conflicts_replies_and_errors(
    config_path: Path,
    wikibot: RunCli,
    client: SandboxClient,
) -> None:
    assert wikibot_process(config_path, "run", "--once").wait(timeout=60) == 0
    client.edit_wiki(page="index", content="edited by a human\n")
    client.add_fault("503", path="/new", count=3)
    assert wikibot_process(config_path, "run", "--once").wait(timeout=60) == 1
    status = json.loads(wikibot("status", "--json").out)
    pages = {p["page"]: p for p in status["pages"]}
    assert set(pages) == GUIDES
    assert pages["index"]["pending"] == "drift"
    assert pages["index"]["wiki_edited_by"] == "alice_mod"
    assert len(status["replies_24h"]) == 2
    assert status["errors"] and status["errors"][0]["job"] == "replies"
    assert status["daemon_pid"] is None
    assert status["alerts"][0]["page"] == "index"
    text = wikibot("status").out
    assert "index" in text and "drift" in text


def test_bad_credentials_stop_only_the_affected_job(tmp_path: Path, sandbox: SandboxServer) -> None:
    from conftest import write_config

    config = write_config(tmp_path, sandbox.port)
    env = {
        "REDDIT_CLIENT_ID": "sandbox",
        "REDDIT_CLIENT_SECRET": "sandbox",
        "REDDIT_USERNAME": "wikibot",
        "REDDIT_PASSWORD": "wrong-password-123",
    }
    process = wikibot_process(config, "run", "--once", env=env)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "login refused" in err and "REDDIT_PASSWORD" in err
    assert "wrong-password-123" not in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_sigterm_during_a_hung_request_still_stops_within_10_seconds(
    tmp_path: Path,
    sandbox: SandboxServer,
    client: SandboxClient,
) -> None:
    from conftest import write_config

    config = write_config(tmp_path, sandbox.port, request_timeout=8)
    daemon = wikibot_process(config, "run")
    try:
        assert wait_for(
            lambda: published(client) == GUIDES and len(bot_replies(client)) == 2, timeout=30
        )
        client.add_fault("timeout", path="/new", delay=30, count=10)  # Reddit stops answering
        time.sleep(2)  # a reply poll is now waiting on the hung request
    finally:
        code, err = stop(daemon, timeout=10)
    assert code == 0, err
    assert "daemon stopped cleanly" in err


def test_wiki_sync_alone_needs_nothing_of_the_reply_module(scenario: Scenario) -> None:
    scenario.configure(
        schedule={"replies": False}, replies={"rules_file": str(scenario.root / "missing.yaml")}
    )
    result = scenario.run_cli("run", "--once")
    assert result.code == 0, result.err
    assert published(scenario.sandbox) == GUIDES
    assert "5 created" in result.err and "replies" not in result.err
    assert bot_replies(scenario.sandbox) == []
