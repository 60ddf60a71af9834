"""Crash-restart soak: SIGKILL the daemon at random moments, then check the promises.

A seeded driver adds posts (some getting-started, some not), changes local pages and edits
wiki pages while the real daemon runs as a subprocess against the sandbox. It kills the daemon
with SIGKILL at random moments, at least 30 times, restarting it each time. Faults that apply a
write and then fail or hang make the kills land between a write and its confirmation often.

Manual `replies scan` runs overlap the daemon and its restarts; they must wait for the lock
or stop with exit code 4, never reply a second time.

Afterwards every eligible post has exactly one reply from the bot and no other post has one;
the wiki equals the local pages except pages in reported drift/conflict; the state database
passes an integrity check. Replay a failure with WIKIBOT_SOAK_SEED=<seed printed on failure>.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.replies.classify import classify
from bot.replies.rules import load_rules
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from bot.state import State
from bot.status import collect_status
from bot.wiki.workspace import load_workspace
from conftest import FIXTURE_RULES, wikibot_process, write_config

SEED = int(os.environ.get("WIKIBOT_SOAK_SEED", "20261127"))
KILLS = int(os.environ.get("WIKIBOT_SOAK_KILLS", "30"))
TIME_LIMIT = float(os.environ.get("WIKIBOT_SOAK_SECONDS", "150"))
AUTHORS = ("curious_student", "backend_ben", "phd_hopeful", "weekend_tinkerer", "gpu_gary")
GETTING_STARTED = [
    ("How do I get into machine learning?", "Complete beginner here. Where should I start?"),
    ("I'm 17 and want to learn ML, where do I start?", "I'm in high school. Any roadmap?"),
    (
        "Web developer wanting to switch careers into ML engineering",
        "What should I learn first? Is there a roadmap for this?",
    ),
    (
        "Do I need a PhD to get into ML research?",
        "I'm an undergrad in maths. Where do I start on the research path?",
    ),
]
OTHER = [
    ("CUDA out of memory with batch size 64", "My PyTorch model crashes with an error. Help?"),
    ("I built a chess engine with reinforcement learning", "Check it out, feedback welcome!"),
    ("Which laptop GPU for deep learning?", "RTX 4060 or a MacBook?"),
    ("What's your favourite ML paper of the year?", "Mine is about diffusion models."),
]
PAGES = ("index", "highschool", "engineers", "researchers", "hackers")
FAULTS = (
    ("apply_timeout", "/api/comment"),
    ("apply_503", "/api/comment"),
    ("apply_timeout", "/api/wiki/edit"),
    ("apply_503", "/api/wiki/edit"),
    ("503", "/api/comment"),
    ("503", "/new"),
    ("apply_cut", "/api/comment"),
    ("apply_cut", "/api/wiki/edit"),
    ("apply_html", "/api/comment"),
    ("refresh_503", "/api/comment"),  # the token expires at the reply; refreshing it fails
)
SCAN_EXIT_CODES = (0, 1, 4)  # done, Reddit unavailable (a fault), busy (the lock is held)


def drive(
    rng: random.Random,
    client: SandboxClient,
    pages_dir: Path,
    step: int,
    posts: list[tuple[str, str, str]],
) -> None:
    """One round of user activity."""
    for _ in range(rng.randint(0, 2)):
        title, body = rng.choice(GETTING_STARTED if rng.random() < 0.5 else OTHER)
        title = f"{title} ({step}.{rng.randint(0, 999)})"
        posts.append((client.post(title=title, body=body, author=rng.choice(AUTHORS)), title, body))
    if rng.random() < 0.35:
        page = pages_dir / f"{rng.choice(PAGES)}.md"
        page.write_text(page.read_text() + f"\nUpdate {step}.\n")
    if rng.random() < 0.12:
        wiki_page = rng.choice(PAGES)
        if wiki_page in client.state()["wiki"]:
            client.edit_wiki(page=wiki_page, content=f"Human rewrite {step}.\n", author="alice_mod")
    if rng.random() < 0.5:
        kind, path = rng.choice(FAULTS)
        if kind == "refresh_503":
            client.add_fault("expire_token", path=path, method="POST")
            client.add_fault("503", path="/api/v1/access_token")
        else:
            client.add_fault(kind, path=path, delay=rng.uniform(0.5, 2.5))


@pytest.mark.slow
def test_crash_restart_soak(tmp_path: Path, sandbox: SandboxServer, client: SandboxClient) -> None:
    rng = random.Random(SEED)
    config = write_config(
        tmp_path,
        sandbox.port,
        request_timeout=2,
        schedule={"sync_interval": 0.5, "reply_interval": 0.3, "max_backoff": 1},
        replies={"max_per_hour": 1000, "max_per_day": 10000, "excluded_flairs": []},
    )
    settings = load_settings(config, environ={})
    posts: list[tuple[str, str, str]] = []
    started = time.monotonic()
    kills = 0
    scans: list[subprocess.Popen[str]] = []
    while kills < KILLS and time.monotonic() - started < TIME_LIMIT:
        drive(rng, client, settings.wiki_pages_dir, kills, posts)
        daemon = wikibot_process(config, "run")
        if rng.random() < 0.25:  # a moderator's scan while the daemon runs
            scans.append(wikibot_process(config, "replies", "scan"))
        time.sleep(rng.uniform(0.4, 2.2))
        daemon.kill()  # SIGKILL: no cleanup at all
        daemon.communicate(timeout=10)
        if rng.random() < 0.25:  # ... or just as it restarts
            scans.append(wikibot_process(config, "replies", "scan"))
        kills += 1
    assert kills >= min(KILLS, 30), f"only {kills} kills in {TIME_LIMIT}s (seed {SEED})"
    for scan in scans:
        _, err = scan.communicate(timeout=60)
        assert scan.returncode in SCAN_EXIT_CODES and "Traceback" not in err, f"seed {SEED}: {err}"

    client.clear_faults()
    for _ in range(2):  # let the bot settle after the last kill
        settle = wikibot_process(config, "run", "--once")
        _, err = settle.communicate(timeout=120)
        assert settle.returncode in (0, 3), f"seed {SEED}: {err}"

    check_replies(client, posts)
    check_wiki(settings, client)
    with sqlite3.connect(settings.state_db) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",), f"seed {SEED}"


def check_replies(client: SandboxClient, posts: list[tuple[str, str, str]]) -> None:
    rules = load_rules(FIXTURE_RULES)
    comments = client.state()["comments"]
    for fullname, title, body in posts:
        mine = [c for c in comments if c["link_id"] == fullname and c["author"] == "wikibot"]
        expected = 1 if classify(title=title, body=body, rules=rules).is_getting_started else 0
        assert len(mine) == expected, f"seed {SEED}: {title!r} has {len(mine)} bot replies"
        for reply in mine:
            assert title not in reply["body"], "a reply quoted the post"
    assert any(classify(title=t, body=b, rules=rules).is_getting_started for _, t, b in posts)


def check_wiki(settings: Settings, client: SandboxClient) -> None:
    local = load_workspace(settings).local
    state = State(settings.state_db)
    try:
        pending = {p.page for p in collect_status(settings, state).pages if p.pending}
    finally:
        state.close()
    wiki = client.state()["wiki"]
    for name, page in local.items():
        if name in pending:
            continue
        assert wiki[name]["revisions"][-1]["content"] == page.content, (
            f"seed {SEED}: wiki page {name} differs from its file and no conflict was reported"
        )
