"""Large wikis through real PRAW: paged listings, k + ceil(k/100) + 1 pushes, 512 KB pages,
and pacing on the rate-limit headers."""

from __future__ import annotations

import json
import math
import random
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
import requests

from bot.config import Settings, load_settings
from bot.errors import Unavailable
from bot.reddit import Gateway
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import RATE_LIMIT, RATE_WINDOW, SandboxServer
from bot.state import State
from bot.wiki.outcomes import Result as PageResult
from bot.wiki.sync import WikiSync
from bot.wiki.workspace import load_workspace
from conftest import RunCli, api_calls, body_of, wiki_text, wikibot_on_terminal, write_config

SUB = "learnmachinelearning"
WORDS = [
    "learn",
    "model",
    "data",
    "train",
    "test",
    "linear",
    "algebra",
    "gradient",
    "neural",
    "network",
    "python",
]


def _only_generated_pages(settings_dir: Path, count: int) -> None:
    """Replace the guides with ``count`` small pages with default settings."""
    shutil.rmtree(settings_dir)
    settings_dir.mkdir()
    for i in range(count):
        (settings_dir / f"p{i:03d}.md").write_text(f"---\ntitle: Page {i}\n---\n# Page {i}\n")


def _text(chars: int, *, seed: int = 1) -> str:
    rng = random.Random(seed)
    lines: list[str] = []
    size = 0
    while size < chars:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14))) + f" {len(lines)}\n"
        lines.append(line)
        size += len(line)
    return "".join(lines)[: chars - 1].rstrip() + "\n"


def test_pushes_cost_k_plus_ceil_k_over_100_plus_1_and_listings_page(
    wikibot: RunCli, settings: Settings, client: SandboxClient
) -> None:
    _only_generated_pages(settings.wiki_pages_dir, 150)
    start = len(client.log())
    assert wikibot("push").code == 0
    first = api_calls(client.log()[start:])
    assert len(first) <= 150 + math.ceil(150 / 100) + 1, [c["path"] for c in first]
    assert len(client.state()["wiki"]) == 150

    for path in sorted(settings.wiki_pages_dir.glob("*.md"))[:100]:
        path.write_text(path.read_text() + "\nEdited.\n")
    start = len(client.log())
    assert wikibot("push").code == 0
    second = api_calls(client.log()[start:])
    assert len(second) <= 100 + 1 + 1, [c["path"] for c in second]

    # More than 100 revisions between two syncs: one on a managed page, then 120 elsewhere.
    human = wiki_text(client, "p140") + "A human line.\n"
    client.edit_wiki(page="p140", content=human)
    for i in range(120):
        client.edit_wiki(page="notes", content=f"note {i}\n")
    start = len(client.log())
    plan = json.loads(wikibot("plan", "--json").out)
    calls = [c["path"] for c in api_calls(client.log()[start:])]
    actions = {p["page"]: p["action"] for p in plan["pages"]}
    assert actions["p140"] == "drift"
    assert actions["notes"] == "remote-only"
    assert sum(a == "unchanged" for a in actions.values()) == 149
    # + one page's settings: an idle plan (nothing to write) probes one page round-robin
    assert calls == [f"/r/{SUB}/wiki/revisions"] * 2 + [f"/r/{SUB}/wiki/p140"] + [
        f"/r/{SUB}/wiki/settings/p000"
    ], calls


def test_a_512_kb_page_round_trips(
    wikibot: RunCli, settings: Settings, client: SandboxClient
) -> None:
    text = _text(524_000)
    (settings.wiki_pages_dir / "big.md").write_text(f"---\ntitle: Big\n---\n{text}")
    assert wikibot("push").code == 0
    assert wiki_text(client, "big") == text
    assert wikibot("plan", "--detailed-exitcode").code == 0

    lines = text.splitlines(keepends=True)
    lines[len(lines) // 2] = "A human changed this line in the middle.\n"
    client.edit_wiki(page="big", content="".join(lines))
    plan = json.loads(wikibot("plan", "--json").out)
    big = next(p for p in plan["pages"] if p["page"] == "big")
    assert big["action"] == "drift"
    assert (big["added"], big["removed"]) == (1, 1)
    assert wikibot("pull", "big").code == 0
    assert body_of(settings.wiki_pages_dir / "big.md") == "".join(lines)
    assert wikibot("plan", "--detailed-exitcode").code == 0


def test_a_burst_larger_than_the_rate_limit_is_paced_without_429(tmp_path: Path) -> None:
    with SandboxServer(state_file=None, port=0, rate_limit=8, rate_window=1) as server:
        settings = load_settings(write_config(tmp_path, server.port), environ={})
        _only_generated_pages(settings.wiki_pages_dir, 12)
        gateway = Gateway(settings)
        state = State(settings.state_db)
        sync = WikiSync(settings, gateway, state)
        workspace = load_workspace(settings)
        report = sync.push(sync.plan(workspace), workspace)
        state.close()
        assert report.count(PageResult.CREATED) == 12, report.outcomes
        statuses = [e["status"] for e in server.app.log.entries]
        assert 429 not in statuses
        assert len(api_calls(server.app.log.entries)) > 8  # more than one window's allowance
        assert gateway.session.pacer.waited > 0


def test_first_sync_of_an_existing_wiki_reads_each_page_once_with_a_bar_on_a_terminal(
    wikibot: RunCli, config_path: Path, settings: Settings, client: SandboxClient
) -> None:
    _only_generated_pages(settings.wiki_pages_dir, 30)
    for path in sorted(settings.wiki_pages_dir.glob("*.md")):
        client.edit_wiki(page=path.stem, content=body_of(path))  # the wiki already has them
    result = wikibot_on_terminal(config_path, "push")
    out, err = result.out, result.err
    assert result.code == 0, out + err
    assert "reading wiki pages [" in err and "30/30" in err
    assert out.count("adopted") == 30, out
    paths = [c["path"] for c in api_calls(client.log())]
    reads = [p for p in paths if re.fullmatch(f"/r/{SUB}/wiki/p[0-9]+", p)]
    assert len(reads) == len(set(reads)) == 30  # each page once
    start = len(client.log())
    assert wikibot("plan", "--detailed-exitcode").code == 0
    assert len(api_calls(client.log()[start:])) == 2  # the listing + one page's settings


def test_adopting_an_existing_page_writes_settings_only_where_reddit_differs(
    wikibot: RunCli, settings: Settings, client: SandboxClient, sandbox: SandboxServer
) -> None:
    for name in ("hackers", "engineers"):  # both files ask for permlevel 2
        client.edit_wiki(page=name, content=body_of(settings.wiki_pages_dir / f"{name}.md"))
    sandbox.app.store.update_settings("hackers", listed=True, permlevel=2)  # as wanted
    start = len(client.log())
    assert wikibot("push").code == 0
    writes = [c["path"] for c in api_calls(client.log()[start:]) if c["method"] == "POST"]
    assert f"/r/{SUB}/wiki/settings/engineers" in writes
    assert f"/r/{SUB}/wiki/settings/hackers" not in writes
    assert client.state()["wiki"]["engineers"]["settings"]["permlevel"] == 2


def test_a_pacing_wait_ends_at_once_when_wikibot_stops(tmp_path: Path) -> None:
    with SandboxServer(state_file=None, port=0, rate_limit=3) as server:  # 10-minute window
        gateway = Gateway(load_settings(write_config(tmp_path, server.port), environ={}))
        gateway.list_pages()
        gateway.list_pages()  # one request left, kept in reserve: the next call must wait
        stopper = threading.Timer(0.3, gateway.stop)
        stopper.start()
        started = time.monotonic()
        with pytest.raises(Unavailable, match="shutting down"):
            gateway.list_pages()
        assert time.monotonic() - started < 5
        assert 429 not in [e["status"] for e in server.app.log.entries]


def test_the_sandbox_budget_is_per_account_and_new_tokens_share_it() -> None:
    assert RATE_LIMIT == 1000 and RATE_WINDOW == 600  # Reddit's 100 a minute over 10 minutes
    with SandboxServer(state_file=None, port=0, rate_limit=3) as server:
        used = []
        for _ in range(2):  # two tokens of the same account, as after a token refresh
            token = requests.post(
                f"{server.url}/api/v1/access_token",
                auth=("sandbox", "sandbox"),
                data={"grant_type": "password", "username": "wikibot", "password": "sandbox"},
                timeout=5,
            ).json()["access_token"]
            for _ in range(2):
                response = requests.get(
                    f"{server.url}/r/{SUB}/new",
                    headers={"Authorization": f"bearer {token}"},
                    timeout=5,
                )
                used.append((response.status_code, response.headers["x-ratelimit-used"]))
        assert used == [(200, "1"), (200, "2"), (200, "3"), (429, "3")]
