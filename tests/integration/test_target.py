"""A state database belongs to one target; a praw.ini site keeps its URLs under REDDIT_*.

A second sandbox stands in for Reddit through a praw.ini site (``target: reddit``), so the
whole path to "live" runs here, through real PRAW.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from conftest import RunCli, Scenario, wikibot_process, write_config


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[SandboxServer]:
    """Another sandbox, playing Reddit."""
    with SandboxServer(state_file=tmp_path / "standin" / "state.json", port=0) as server:
        yield server


def praw_ini(tmp_path: Path, url: str, *, password: str = "sandbox") -> dict[str, str]:  # noqa: S107
    """A praw.ini site ``standin`` for ``url``; returns the environment that finds it."""
    home = tmp_path / "xdg"
    home.mkdir(exist_ok=True)
    (home / "praw.ini").write_text(
        "[standin]\n"
        f"oauth_url={url}\nreddit_url={url}\n"
        "client_id=sandbox\nclient_secret=sandbox\n"
        f"username=wikibot\npassword={password}\n"
    )
    return {"XDG_CONFIG_HOME": str(home)}


def live_config(tmp_path: Path, port: int, **overrides: object) -> Path:
    """The same project, switched to ``target: reddit`` through the praw.ini site."""
    path = write_config(tmp_path, port, **{"target": "reddit", "praw_site": "standin", **overrides})
    live = path.with_name("live.yaml")
    path.rename(live)
    return live


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def run(config: Path, *args: str, env: dict[str, str]) -> tuple[int, str]:
    process = wikibot_process(config, *args, env=env)
    _, err = process.communicate(timeout=60)
    return process.returncode, err


def test_a_sandbox_state_is_not_reused_against_reddit(
    wikibot: RunCli, tmp_path: Path, standin: SandboxServer, config_path: Path
) -> None:
    assert wikibot("push").code == 0  # the sandbox tour
    env = praw_ini(tmp_path, standin.url)
    state_db = yaml.safe_load(config_path.read_text())["state_db"]
    live = live_config(tmp_path, 1, state_db=state_db)  # the tour's state, explicitly

    code, err = run(live, "push", env=env)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert f"r/learnmachinelearning as u/wikibot at {standin.url}" in lines[0]
    assert "127.0.0.1" in lines[0] and "state_db" in lines[0]
    code, err = run(live, "run", "--once", env=env)
    assert code == 2 and "this state belongs to" in err  # the daemon stops the same way
    assert SandboxClient(standin.url).state()["wiki"] == {}  # nothing was written

    default = live_config(tmp_path, 1, state_db=None)  # the default: one state per target
    code, err = run(default, "push", env=env)
    assert code == 0, err
    assert sorted(SandboxClient(standin.url).state()["wiki"]) == [
        "engineers",
        "hackers",
        "highschool",
        "index",
        "researchers",
    ]
    assert (tmp_path / ".wikibot" / "state-reddit.db").exists()


def test_praw_site_keeps_its_urls_and_the_environment_wins_key_by_key(
    tmp_path: Path, standin: SandboxServer
) -> None:
    env = praw_ini(tmp_path, standin.url, password="wrong")
    config = live_config(tmp_path, 1)
    full = {
        "REDDIT_CLIENT_ID": "sandbox",
        "REDDIT_CLIENT_SECRET": "sandbox",
        "REDDIT_USERNAME": "wikibot",
        "REDDIT_PASSWORD": "sandbox",
    }
    code, err = run(config, "push", env={**env, **full})
    assert code == 0, err  # the site's URLs were kept although REDDIT_* are all set
    code, err = run(config, "plan", env=env)
    assert code == 1 and "login refused" in err  # the site's wrong password, alone
    code, err = run(config, "plan", env={**env, "REDDIT_PASSWORD": "sandbox"})
    assert code == 0, err  # the environment's password wins over the site's


def test_a_broken_praw_site_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "xdg"
    home.mkdir()
    (home / "praw.ini").write_text("[standin]\noauth_url=http://127.0.0.1:1\n")
    env = {"XDG_CONFIG_HOME": str(home)}
    for site, expected in (("nosuch", "no [nosuch] section"), ("standin", "'client_id' missing")):
        config = live_config(tmp_path, 1, praw_site=site)
        code, err = run(config, "plan", env=env)
        assert code == 2 and "Traceback" not in err, err
        assert len(err.strip().splitlines()) == 1 and expected in err


def test_the_sandbox_is_identified_by_its_world_not_its_port(scenario: Scenario) -> None:
    assert scenario.run_cli("push").code == 0
    world = scenario.settings.sandbox.state_file
    # The same world, served by the embedded sandbox on another port: the same target.
    scenario.configure(sandbox={"port": free_port()})
    same = scenario.run_cli("plan")
    assert same.code == 0 and "No changes" in same.out, same.err

    # A state recorded by an older wikibot under the sandbox's URL is the same target too,
    # and so is a state made before targets were recorded: both are adopted.
    state_db = scenario.settings.state_db
    for recorded in (scenario.settings.sandbox_url, None):
        with sqlite3.connect(state_db) as db:
            db.execute("DELETE FROM meta WHERE key LIKE 'target_%'")
            if recorded is not None:
                db.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [
                        ("target_api_url", recorded),
                        ("target_subreddit", "learnmachinelearning"),
                        ("target_account", "wikibot"),
                    ],
                )
        adopted = scenario.run_cli("plan")
        assert adopted.code == 0 and "No changes" in adopted.out, adopted.err
        with sqlite3.connect(state_db) as db:
            (api_url,) = db.execute(
                "SELECT value FROM meta WHERE key = 'target_api_url'"
            ).fetchone()
        assert api_url == f"sandbox:{world.resolve()}"

    # Another world (another sandbox state file) is another target, whatever the port.
    scenario.configure(
        sandbox={"port": free_port(), "state_file": str(world.with_name("other.json"))}
    )
    other = scenario.run_cli("plan")
    assert other.code == 2 and "Traceback" not in other.err
    lines = other.err.strip().splitlines()
    assert len(lines) == 1 and "this state belongs to" in lines[0], other.err
    assert str(world.resolve()) in lines[0] and "other.json" in lines[0]

    # Another checkout (its own state and world) whose port is taken by this world's
    # sandbox: refused in one line naming both worlds, before any request reaches it.
    checkout = scenario.root / "checkout-b"
    assert scenario.server is not None
    scenario.configure(
        state_db=str(checkout / "state.db"),
        sandbox={"port": scenario.server.port, "state_file": str(checkout / "sandbox.json")},
    )
    start = len(scenario.sandbox.log())
    for command in (("run", "--once"), ("sandbox", "post", "A question")):
        taken = scenario.run_cli(*command)
        assert taken.code == 2 and "Traceback" not in taken.err, taken.err
        assert taken.err.strip().splitlines()[-1] == (
            f"wikibot: error: the sandbox at {scenario.settings.sandbox_url} serves "
            f"{world.resolve()}, but this configuration's world is "
            f"{(checkout / 'sandbox.json').resolve()}; stop that sandbox, or set sandbox.port "
            "(WIKIBOT_SANDBOX_PORT) to a free port for this one"
        )
    assert scenario.sandbox.log()[start:] == []

    # A damaged world file (cut off mid-write by something else): one line naming it and
    # what to do; the file is left as it was, for its owner to look at.
    damaged = checkout / "damaged.json"
    damaged.write_text(world.read_text(encoding="utf-8")[:100], encoding="utf-8")
    scenario.configure(
        state_db=str(checkout / "state.db"),
        sandbox={"port": free_port(), "state_file": str(damaged)},
    )
    broken = scenario.run_cli("plan")
    assert broken.code == 1 and "Traceback" not in broken.err, broken.err
    (line,) = broken.err.strip().splitlines()
    assert line.startswith(f"wikibot: error: {damaged}") and "not valid JSON" in line, line
    assert "move it aside" in line
    assert damaged.read_text(encoding="utf-8") == world.read_text(encoding="utf-8")[:100]
