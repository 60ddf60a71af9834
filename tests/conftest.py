"""Shared fixtures: a real sandbox server per test, settings pointing at it, a CLI runner.

Every integration test drives real PRAW over HTTP against the sandbox; nothing is mocked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import praw
import pytest
import yaml

from bot.config import Settings, load_settings
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@dataclass
class Result:
    """What a CLI invocation printed and returned."""

    code: int
    out: str
    err: str


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxServer]:
    """A fresh sandbox on a free loopback port, seeded with posts."""
    server = SandboxServer(state_file=tmp_path / "sandbox" / "state.json", port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(sandbox: SandboxServer) -> SandboxClient:
    return SandboxClient(sandbox.url)


def plain_praw(
    url: str,
    *,
    username: str = "wikibot",
    password: str = "sandbox",  # noqa: S107 - the sandbox's public test login
    **options: object,
) -> praw.Reddit:
    """A plain PRAW client (no wikibot code) logged in to the sandbox at ``url``."""
    return praw.Reddit(
        client_id="sandbox",
        client_secret="sandbox",
        username=username,
        password=password,
        user_agent="plain praw test by u/wikibot",
        oauth_url=url,
        reddit_url=url,
        check_for_updates=False,
        **options,
    )


def write_config(tmp_path: Path, port: int, **overrides: object) -> Path:
    """A bot.yaml in tmp_path: the repo's guides copied, state in tmp, given port."""
    pages = tmp_path / "wiki_pages"
    if not pages.exists():
        shutil.copytree(REPO / "wiki_pages", pages)
    config: dict[str, object] = {
        "target": "sandbox",
        "subreddit": "learnmachinelearning",
        "request_timeout": 2,
        "state_db": str(tmp_path / "state" / "state.db"),
        "wiki_pages_dir": str(pages),
        "sandbox": {
            "host": "127.0.0.1",
            "port": port,
            "state_file": str(tmp_path / "sandbox" / "state.json"),
        },
        "schedule": {"sync_interval": 1, "reply_interval": 1, "max_backoff": 4},
        "replies": {
            "rules_file": str(REPO / "config" / "replies.yaml"),
            "excluded_flairs": ["Project"],
        },
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}  # type: ignore[dict-item]
        else:
            config[key] = value
    path = tmp_path / "config" / "bot.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def config_path(tmp_path: Path, sandbox: SandboxServer) -> Path:
    return write_config(tmp_path, sandbox.port)


@pytest.fixture
def settings(config_path: Path) -> Settings:
    return load_settings(config_path, environ={})


@pytest.fixture
def wikibot(config_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run the real CLI entry point in-process: ``wikibot("plan", "--json")``."""
    from bot.cli import main

    for name in [n for n in os.environ if n.startswith(("WIKIBOT_", "REDDIT_"))]:
        monkeypatch.delenv(name)

    def run(*args: str, config: Path | None = config_path) -> Result:
        capsys.readouterr()
        argv = ["wikibot"] + (["--config", str(config)] if config else []) + list(args)
        monkeypatch.setattr(sys, "argv", argv)
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def wikibot_process(config: Path, *args: str, **kwargs: object) -> subprocess.Popen[str]:
    """Start ``wikibot`` as a real subprocess (for daemon, signal and crash tests)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIKIBOT_", "REDDIT_"))}
    env.update(kwargs.pop("env", {}) or {})  # type: ignore[arg-type]
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
        **kwargs,  # type: ignore[arg-type]
    )


def wikibot_on_terminal(config: Path, *args: str) -> Result:
    """Run ``wikibot`` as a subprocess whose stderr is a pseudo-terminal (progress bars)."""
    import pty

    parent, child = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIKIBOT_", "REDDIT_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=child,
        text=True,
        env=env,
        cwd=REPO,
    )
    os.close(child)
    out, _ = process.communicate(timeout=60)
    chunks = []
    while True:
        try:
            chunk = os.read(parent, 65536)
        except OSError:  # the terminal's other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(parent)
    return Result(process.returncode, out, b"".join(chunks).decode("utf-8", "replace"))


def api_calls(entries: list[dict[str, object]]) -> list[dict[str, object]]:
    """Request-log entries that are API calls (token requests excluded)."""
    return [e for e in entries if e["path"] != "/api/v1/access_token"]


def wait_for(condition, timeout: float = 10.0, interval: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    """Poll ``condition()`` until it is truthy or ``timeout`` seconds pass."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())
