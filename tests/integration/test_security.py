"""Security: secrets stay secret, the sandbox stays on loopback, files are written atomically."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from conftest import RunCli, Scenario, wikibot_process, write_config

CLIENT_ID = "wbq-client-7Hk2"
CLIENT_SECRET = "wbq-secret-Zr81LmQ0"
PASSWORD = "wbq-pass-9TfXy3"


def every_file_below(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*") if p.is_file()]


def test_credentials_never_appear_in_logs_state_or_request_log(
    tmp_path: Path, sandbox: SandboxServer, client: SandboxClient
) -> None:
    client.add_account(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, user="wikibot", password=PASSWORD
    )
    config = write_config(tmp_path, sandbox.port)
    env = {
        "REDDIT_CLIENT_ID": CLIENT_ID,
        "REDDIT_CLIENT_SECRET": CLIENT_SECRET,
        "REDDIT_USERNAME": "wikibot",
        "REDDIT_PASSWORD": PASSWORD,
    }
    client.post(title="How do I get into machine learning?", body="Where do I start?")
    client.add_fault("apply_503", path="/api/comment")
    client.add_fault("503", path="/wiki/revisions", count=1)
    client.add_fault("expire_token", path="/api/wiki/edit")
    outputs: list[str] = []
    for args in (
        ("-vv", "run", "--once"),
        ("-vv", "run", "--once"),
        ("status", "--json"),
        ("replies", "list"),
        ("--log-format", "json", "plan"),
    ):
        process = wikibot_process(config, *args, env=env)
        outputs.extend(process.communicate(timeout=120))
    bad_env = {**env, "REDDIT_PASSWORD": PASSWORD + "-wrong"}
    failed = wikibot_process(config, "push", env=bad_env)
    outputs.extend(failed.communicate(timeout=60))
    assert failed.returncode == 1 and "login refused" in outputs[-1]
    assert outputs[-1].count("\n") == 1, outputs[-1]  # one line: the chained cause stays out
    assert not [text for text in outputs if "Traceback" in text or "direct cause" in text]

    assert any("replied to" in text for text in outputs), outputs  # the run really worked
    files = every_file_below(tmp_path / "state", tmp_path / "sandbox")
    assert any(p.suffix == ".db" for p in files) and any(p.suffix == ".jsonl" for p in files)
    haystacks = [*outputs, *(p.read_bytes().decode("utf-8", "replace") for p in files)]
    tokens = list(sandbox.app.tokens)
    for secret in (CLIENT_SECRET, PASSWORD, *tokens):
        for text in haystacks:
            assert secret not in text


def test_sandbox_refuses_non_loopback_addresses(tmp_path: Path, wikibot: RunCli) -> None:
    result = wikibot("sandbox", "serve", "--host", "0.0.0.0", "--port", "0")  # noqa: S104
    assert result.code == 2 and "loopback" in result.err
    config = tmp_path / "bot.yaml"
    config.write_text("sandbox:\n  host: 192.168.1.5\n")
    assert wikibot("plan", config=config).code == 2


WRITER = """
import sys
from pathlib import Path
from bot.fileio import atomic_write_text
target = Path(sys.argv[1])
size = int(sys.argv[2])
i = 0
while True:
    atomic_write_text(target, chr(ord("a") + i % 2) * size)
    i += 1
"""


def test_atomic_writes_survive_sigkill(tmp_path: Path) -> None:
    target = tmp_path / "page.md"
    size = 2_000_000
    target.write_text("a" * size)
    for attempt in range(15):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target), str(size)])
        time.sleep(0.15 + (attempt % 5) * 0.07)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        content = target.read_text()
        assert len(content) == size and content in ("a" * size, "b" * size)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "page.md"]
    assert all(name.startswith(".page.md.") for name in leftovers)


def test_pull_rewrites_page_files_atomically(tmp_path: Path) -> None:
    from bot.wiki.pages import load_page, write_page_body

    path = tmp_path / "index.md"
    path.write_text("---\npage: index\n---\nold\n")
    page = load_page(path, root=tmp_path)
    write_page_body(page, "new text\n")
    assert path.read_text() == "---\npage: index\n---\nnew text\n"
    assert [p.name for p in tmp_path.iterdir()] == ["index.md"]


def test_wiki_page_names_from_reddit_never_become_paths_outside_the_pages(
    scenario: Scenario,
) -> None:
    """Names Reddit would never store, listed by the server anyway: each is reported and
    skipped by `pull --all`, `pull --history` and `plan`; nothing is written for it."""
    outside = scenario.root / "outside"
    hostile = ["../escape", f"{outside}", "sub\\evil", "nul\x00x", "Upper", "edit/x", "a/b/c/d/e"]
    assert scenario.server is not None
    store = scenario.server.app.store  # past the sandbox validation
    for name in [*hostile, "fine"]:
        store.edit_page(page=name, content=f"# {name!r}\n", author="mallory", reason=None)

    imported = scenario.run_cli("pull", "--all")
    assert imported.code == 0, imported.out + imported.err
    for name in hostile:
        assert f"skipped the page {name!r} that Reddit listed" in imported.err
    assert "created" in imported.out and (scenario.pages_dir / "fine.md").exists()
    plan = scenario.run_cli("plan", "--json")
    planned = {page["page"] for page in json.loads(plan.out)["pages"]}
    assert planned == {path.stem for path in scenario.pages_dir.glob("*.md")}  # "fine" among them

    repo = scenario.git_checkout()
    history = scenario.run_cli("pull", "--history")
    assert history.code == 0, history.out + history.err
    assert "1 commit(s) for 1 page(s)." in history.out
    assert sorted(p.name for p in (repo / "wiki_pages").iterdir()) == ["fine.md"]
    typed = scenario.run_cli("pull", "--history", "../escape")
    assert typed.code == 2 and "'../escape': a page name is lowercase letters" in typed.err
    written = {p for p in scenario.root.rglob("*") if p.is_file()}
    assert not [p for p in written if "escape" in p.name or "outside" in p.name or "\\" in p.name]
