"""Shared fixtures: a real sandbox server per test, and the scenario builder around it (a
config and page files pointing at the sandbox, the CLI run in-process).

Every integration test drives real PRAW over HTTP against the sandbox; nothing is mocked.
Unit tests use no server: ``offline`` is a scenario without one.
"""

from __future__ import annotations

import faulthandler
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import hypothesis
import hypothesis.configuration
import praw
import pytest
import yaml

from bot.config import Settings, load_settings
from bot.reddit import Gateway
from bot.runtime import Runtime
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from bot.scheduler import Daemon
from bot.state import State
from bot.wiki.sync import WikiSync

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
# The tests' own guides and reply rules (frozen copies; tests/fixtures/README.md): tests never
# depend on the wording of the shipped wiki_pages/ or on the tuning of config/.
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_PAGES = FIXTURES / "wiki_pages"
FIXTURE_RULES = FIXTURES / "config" / "replies.yaml"

# Nothing is written into the working tree: no example database (a failure prints its
# falsifying example) and hypothesis's caches in the temporary folder.
hypothesis.settings.register_profile("wikibot", database=None)
hypothesis.settings.load_profile("wikibot")
hypothesis.configuration.set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "wikibot-hypothesis")


class DeadlineExceeded(BaseException):
    """A test ran past its deadline. A BaseException, so that neither the code under test
    nor hypothesis (which would rerun the example to shrink it) takes it for a failure to
    handle: it ends the test."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise DeadlineExceeded in the main thread once ``seconds`` have passed (SIGALRM;
    Python's regex engine and sleeps let it through). Nests: an outer deadline resumes."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach only the main thread; the watchdog below still guards it
        return

    def expire(_signum: int, _frame: object) -> None:
        raise DeadlineExceeded(f"the test ran past its {seconds:g} s deadline")

    previous = signal.signal(signal.SIGALRM, expire)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, outer)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "deadline(seconds): fail the test when it runs longer (a runaway regex, a hang) "
        "instead of hanging CI",
    )


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two workers per CPU (at most 8). Most tests wait on a sandbox, a daemon
    subprocess or a timeout, not on the CPU: on two cores, 4 workers took the suite from
    4m37s (2 workers) to 2m41s."""
    return min(8, 2 * (os.cpu_count() or 1))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first, so that parallel workers do not wait on one at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, object]:
    """Tests marked ``deadline(seconds)`` fail past it; should the alarm not get through
    (a C call that never returns), faulthandler dumps the stacks and ends the process."""
    marker = item.get_closest_marker("deadline")
    if marker is None:
        return (yield)
    seconds = float(marker.args[0])
    faulthandler.dump_traceback_later(seconds + 30, exit=True)
    try:
        with deadline(seconds):
            return (yield)
    finally:
        faulthandler.cancel_dump_traceback_later()


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
    ratelimit_seconds: int = 5,  # praw's default
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
        ratelimit_seconds=ratelimit_seconds,
    )


def write_config(tmp_path: Path, port: int, **overrides: object) -> Path:
    """A bot.yaml in tmp_path: the fixture guides copied, state in tmp, given port."""
    pages = tmp_path / "wiki_pages"
    if not pages.exists():
        shutil.copytree(FIXTURE_PAGES, pages)
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
            "rules_file": str(FIXTURE_RULES),
            "excluded_flairs": ["Project"],
        },
    }
    for key, value in overrides.items():
        current = config.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            config[key] = {**current, **value}
        else:
            config[key] = value
    path = tmp_path / "config" / "bot.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config))
    return path


class Scenario:
    """One test's world, built step by step: a sandbox (absent offline), a config and page
    files in ``root`` pointing at it, and the CLI run in-process.

    ``scenario.seed_pages({...})``, ``scenario.run_cli("push")``, ``scenario.sandbox`` (the
    sandbox's control client), ``scenario.wiki_text("index")``, ``scenario.git_checkout()``.
    """

    def __init__(
        self,
        root: Path,
        *,
        server: SandboxServer | None,
        client: SandboxClient | None,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        self.root = root
        self.server = server
        self._client = client
        self._capsys = capsys
        self._monkeypatch = monkeypatch
        for name in [n for n in os.environ if n.startswith(("WIKIBOT_", "REDDIT_"))]:
            monkeypatch.delenv(name)
        self._overrides: dict[str, object] = {}
        self.config = self.configure()

    # --- set-up ------------------------------------------------------------------------

    @property
    def sandbox(self) -> SandboxClient:
        """The sandbox's control client (post, edit_wiki, add_fault, state, log)."""
        assert self._client is not None, "an offline scenario has no sandbox"
        return self._client

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def pages_dir(self) -> Path:
        return self._settings.wiki_pages_dir

    def configure(self, **overrides: object) -> Path:
        """(Re)write ``root/config/bot.yaml``, these top-level keys over earlier overrides."""
        self._overrides.update(overrides)
        port = self.server.port if self.server is not None else 0
        self.config = write_config(self.root, port, **self._overrides)
        self._settings = load_settings(self.config, environ={})
        return self.config

    def seed_pages(self, pages: Mapping[str, str]) -> list[Path]:
        """Write page files beside the guides (``name`` -> the file's text)."""
        paths = []
        for name, text in pages.items():
            path = self.pages_dir / f"{name}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            paths.append(path)
        return paths

    def edit_page(self, page: str, old: str, new: str) -> Path:
        """Replace the first ``old`` in a page file's body (not its front matter)."""
        return edit_local(self._settings, page, old, new)

    def page_body(self, page: str) -> str:
        return body_of(self.pages_dir / f"{page}.md")

    def git_checkout(self, name: str = "mods") -> Path:
        """A fresh git repository holding an empty pages folder, which the config now names."""
        repo = self.root / name
        (repo / "wiki_pages").mkdir(parents=True)
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
        self.configure(wiki_pages_dir=str(repo / "wiki_pages"))
        return repo

    # --- running -----------------------------------------------------------------------

    def run_cli(self, *args: str, config: Path | None = None) -> Result:
        """Run the real CLI entry point in-process: ``run_cli("plan", "--json")``."""
        from bot.cli import main

        self._capsys.readouterr()
        argv = ["wikibot", "--config", str(config or self.config), *args]
        self._monkeypatch.setattr(sys, "argv", argv)
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def publish(self) -> None:
        """``wikibot push`` of the page files, which must succeed."""
        result = self.run_cli("push")
        assert result.code == 0, result.out + result.err

    @contextmanager
    def wiki_sync(self) -> Iterator[WikiSync]:
        """The wiki sync as the CLI opens it, its state closed afterwards."""
        state = State(self._settings.state_db)
        try:
            yield WikiSync(self._settings, Gateway(self._settings), state)
        finally:
            state.close()

    @contextmanager
    def daemon(self) -> Iterator[Daemon]:
        """The daemon's jobs, to run one at a time (``job.run()``), in a fresh runtime."""
        with Runtime(self._settings) as runtime:
            yield Daemon(self._settings, runtime)

    # --- what the sandbox holds --------------------------------------------------------

    def wiki_revisions(self, page: str) -> list[dict[str, Any]]:
        return wiki_revisions(self.sandbox, page)

    def wiki_text(self, page: str) -> str:
        return wiki_text(self.sandbox, page)

    def bot_comments(self, fullname: str) -> list[dict[str, Any]]:
        """wikibot's comments on the post ``fullname``."""
        return [
            c
            for c in self.sandbox.state()["comments"]
            if c["link_id"] == fullname and c["author"] == "wikibot"
        ]


@pytest.fixture
def scenario(
    tmp_path: Path,
    sandbox: SandboxServer,
    client: SandboxClient,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Scenario:
    """A sandbox with a config and the fixture guides in tmp_path (integration tests)."""
    return Scenario(tmp_path, server=sandbox, client=client, capsys=capsys, monkeypatch=monkeypatch)


@pytest.fixture
def offline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Scenario:
    """A config and the guides in tmp_path, and no server (unit tests of offline commands)."""
    return Scenario(tmp_path, server=None, client=None, capsys=capsys, monkeypatch=monkeypatch)


@pytest.fixture
def unstarted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Scenario:
    """A config naming a free sandbox port where nothing listens, as on a user's first run:
    each command must start the embedded sandbox itself (and stop it again)."""
    scenario = Scenario(tmp_path, server=None, client=None, capsys=capsys, monkeypatch=monkeypatch)
    scenario.configure(sandbox={"port": free_port()})
    return scenario


def free_port() -> int:
    """A loopback port nothing listens on (the kernel's pick, released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def config_path(scenario: Scenario) -> Path:
    return scenario.config


@pytest.fixture
def settings(scenario: Scenario) -> Settings:
    return scenario.settings


class RunCli(Protocol):
    """The ``wikibot`` fixture: run the CLI in-process (``Scenario.run_cli``)."""

    def __call__(self, *args: str, config: Path | None = None) -> Result: ...


@pytest.fixture
def wikibot(scenario: Scenario) -> RunCli:
    """``scenario.run_cli``: ``wikibot("plan", "--json")``."""
    return scenario.run_cli


def body_of(path: Path) -> str:
    """A page file's Markdown body, without its front matter."""
    return path.read_text().split("---\n", 2)[2]


def edit_local(settings: Settings, page: str, old: str, new: str) -> Path:
    """Replace the first ``old`` in the page's Markdown body (not its front matter)."""
    path = settings.wiki_pages_dir / f"{page}.md"
    _, front, body = path.read_text().split("---\n", 2)
    assert old in body
    path.write_text(f"---\n{front}---\n{body.replace(old, new, 1)}")
    return path


def wiki_revisions(client: SandboxClient, page: str) -> list[dict[str, Any]]:
    """A wiki page's revisions on the sandbox, oldest first."""
    revisions: list[dict[str, Any]] = client.state()["wiki"][page]["revisions"]
    return revisions


def wiki_text(client: SandboxClient, page: str) -> str:
    """A wiki page's current text on the sandbox."""
    return str(wiki_revisions(client, page)[-1]["content"])


def wikibot_process(
    config: Path, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start ``wikibot`` as a real subprocess (for daemon, signal and crash tests), in the
    test's environment without WIKIBOT_*/REDDIT_* variables, plus ``env``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("WIKIBOT_", "REDDIT_"))}
    environ.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
        cwd=REPO,
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


def api_calls(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Request-log entries that are API calls (token requests excluded)."""
    return [e for e in entries if e["path"] != "/api/v1/access_token"]


def wait_for(
    condition: Callable[[], object], timeout: float = 10.0, interval: float = 0.05
) -> bool:
    """Poll ``condition()`` until it is truthy or ``timeout`` seconds pass."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())
