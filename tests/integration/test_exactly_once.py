"""Exactly-once replies where the thread, the clock or a second command gets in the way.

Real PRAW against the sandbox: overlapping scans, a reply hidden from its thread, a scan
meeting the daemon's lock.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.errors import EXIT_BUSY
from bot.lockfile import WAIT_FOR_LOCK, CommandLock, lock_path
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from conftest import RunCli, wait_for, wikibot_process

GETTING_STARTED = ("How do I get into machine learning?", "Complete beginner. Where do I start?")


def bot_replies(client: SandboxClient, fullname: str) -> list[dict[str, Any]]:
    return [
        c
        for c in client.state()["comments"]
        if c["link_id"] == fullname and c["author"] == "wikibot"
    ]


def test_overlapping_scans_reply_once(
    wikibot: RunCli, client: SandboxClient, config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.lockfile.WAIT_FOR_LOCK", 30.0)  # a slow machine: wait it out
    assert wikibot("replies", "scan").code == 0  # the seeded posts, out of the way
    fullname = client.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1])
    # Slow thread reads: both scans would look before either has replied.
    client.add_fault("apply_timeout", path="^/comments/", method="GET", count=2, delay=1.2)
    start = len(client.log())
    first = wikibot_process(config_path, "replies", "scan")
    try:
        assert wait_for(
            lambda: any(e["path"].endswith("/moderators") for e in client.log()[start:]),
            timeout=20,
        )
        second = wikibot("replies", "scan")
    finally:
        _, err = first.communicate(timeout=30)
    assert first.returncode == 0, err
    assert second.code == 0, second.err
    assert len(bot_replies(client, fullname)) == 1


def test_scan_during_the_daemon_stops_at_once_with_one_line(
    wikibot: RunCli, settings: Settings
) -> None:
    with CommandLock(lock_path(settings.state_db), command="run"):
        started = time.monotonic()
        result = wikibot("replies", "scan")
        push = wikibot("push")
        dry = wikibot("replies", "scan", "--dry-run")
    assert time.monotonic() - started < WAIT_FOR_LOCK  # the daemon will not finish: no wait
    assert result.code == EXIT_BUSY
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "the wikibot daemon" in lines[0] and "stop it first" in lines[0]
    assert push.code == EXIT_BUSY and "daemon" in push.err
    assert dry.code == 0  # a dry run writes nothing and needs no lock
    assert wikibot("replies", "scan").code == 0  # free again


def test_a_reply_buried_in_a_big_thread_is_found(
    wikibot: RunCli, client: SandboxClient, sandbox: SandboxServer, settings: Settings
) -> None:
    assert wikibot("replies", "scan").code == 0
    backup = settings.state_db.with_name("backup.db")
    shutil.copy(settings.state_db, backup)  # a backup taken before the reply
    fullname = client.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1])
    assert wikibot("replies", "scan").code == 0
    assert len(bot_replies(client, fullname)) == 1
    # The thread grows past the 500 comments one read returns; the reply is buried.
    sandbox.app.store.add_comments(
        parent=fullname, author="curious_student", bodies=[f"me too {i}" for i in range(520)]
    )
    for suffix in ("", "-wal", "-shm"):  # restore the backup, as the README says
        Path(f"{settings.state_db}{suffix}").unlink(missing_ok=True)
    shutil.copy(backup, settings.state_db)
    result = wikibot("replies", "scan")
    assert result.code == 0 and "recovered" in result.out
    assert len(bot_replies(client, fullname)) == 1
