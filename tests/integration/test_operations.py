"""Operations features: the sandbox CLI with plain PRAW, publish by merge, metrics, JSON logs."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import prawcore
import pytest
from praw.models import Comment

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from conftest import FIXTURE_PAGES, plain_praw, wait_for, wikibot_process, write_config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_plain_praw_against_wikibot_sandbox_serve(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "--config",
            str(write_config(tmp_path, port)),
            "sandbox",
            "serve",
            "--port",
            str(port),
            "--state",
            str(tmp_path / "s.json"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _listening(port), timeout=20)
        reddit = plain_praw(url)
        sub = reddit.subreddit("learnmachinelearning")
        sub.wiki.create(name="faq", content="v1")
        first = sub.wiki["faq"].revision_id
        sub.wiki["faq"].edit(content="v2", previous=first)
        assert sub.wiki["faq"].content_md == "v2"
        with pytest.raises(prawcore.Conflict):
            sub.wiki["faq"].edit(content="v3", previous=first)
        post = next(iter(sub.new(limit=5)))
        post.reply(body="See the wiki")
        listed = reddit.submission(post.id).comments.list()
        comments = [c for c in listed if isinstance(c, Comment)]  # no "load more" stubs
        assert len(comments) == len(listed)
        assert [c.body for c in comments] == ["See the wiki"]
    finally:
        server.terminate()
        _, err = server.communicate(timeout=10)
    assert server.returncode == 0, err
    assert "Traceback" not in err


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=mod", "-c", "user.email=mod@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_publish_by_merge_with_git_pull(
    tmp_path: Path, sandbox: SandboxServer, client: SandboxClient
) -> None:
    origin = tmp_path / "origin"
    (origin / "wiki_pages").mkdir(parents=True)
    for page in FIXTURE_PAGES.glob("*.md"):
        (origin / "wiki_pages" / page.name).write_text(page.read_text())
    git("init", "-q", "-b", "main", cwd=origin)
    git("add", ".", cwd=origin)
    git("commit", "-qm", "Add the guides", cwd=origin)
    checkout = tmp_path / "checkout"
    git("clone", "-q", str(origin), str(checkout), cwd=tmp_path)
    config = write_config(
        tmp_path,
        sandbox.port,
        wiki_pages_dir=str(checkout / "wiki_pages"),
        schedule={"git_pull": True, "replies": False},
    )
    assert wikibot_process(config, "run", "--once").wait(timeout=60) == 0

    guide = origin / "wiki_pages" / "hackers.md"
    guide.write_text(guide.read_text().replace("cool shit", "cool things"))
    git("commit", "-qam", "Hacker guide: tone down the language", cwd=origin)  # the merge
    process = wikibot_process(config, "run", "--once")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "git pull --ff-only" in err
    latest = client.state()["wiki"]["hackers"]["revisions"][-1]
    assert "cool things" in latest["content"]
    assert latest["reason"] == "Hacker guide: tone down the language"


def test_failed_git_pull_is_logged_and_sync_goes_on(
    tmp_path: Path, sandbox: SandboxServer, client: SandboxClient
) -> None:
    config = write_config(tmp_path, sandbox.port, schedule={"git_pull": True, "replies": False})
    process = wikibot_process(config, "run", "--once")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "warning" in err and "git pull --ff-only" in err
    assert len(client.state()["wiki"]) == 5


def test_prometheus_metrics(tmp_path: Path, sandbox: SandboxServer) -> None:
    port = free_port()
    config = write_config(tmp_path, sandbox.port, metrics_port=port)
    daemon = wikibot_process(config, "run")
    try:

        def scraped() -> str:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
                    body: bytes = r.read()
                    return body.decode()
            except OSError:
                return ""

        assert wait_for(lambda: "wikibot_replies_total 2" in scraped(), timeout=30)
        text = scraped()
        assert "wikibot_wiki_edits_total 5" in text
        assert "# TYPE wikibot_api_calls_total counter" in text
    finally:
        daemon.terminate()
        daemon.communicate(timeout=15)


def test_json_log_lines(tmp_path: Path, sandbox: SandboxServer) -> None:
    config = write_config(tmp_path, sandbox.port, log_format="json")
    process = wikibot_process(config, "run", "--once")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0
    lines = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert lines and all({"time", "level", "logger", "message"} <= set(e) for e in lines)
    assert any("replied to" in e["message"] for e in lines)
