"""The first hour of a new user: each friction found by following the README, fixed."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.errors import ConfigError
from bot.lockfile import lock_path
from bot.sandbox.client import SandboxClient, is_listening
from bot.sandbox.server import SandboxServer
from bot.wiki.diff import unified_diff
from bot.wiki.plan import Kind, LocalPage, RemotePage, SyncedPage, build_plan
from conftest import REPO, RunCli, Scenario, api_calls, free_port, wikibot_process, write_config

README = (REPO / "README.md").read_text()
VENV_BIN = Path(sys.executable).parent


def readme_block(after: str) -> str:
    """The first ``sh`` code block after the text ``after`` in README.md."""
    return README.split(after, 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]


def tour_steps(block: str) -> list[tuple[str, str]]:
    """(command, the README's comment on it) per command of a shell block; a command's
    here-document belongs to it."""
    steps: list[tuple[str, str]] = []
    lines = iter(block.splitlines())
    for line in lines:
        command, _, promise = line.partition("  # ")
        if "<<'EOF'" in command:
            command += "\n" + "\n".join(iter(lines.__next__, "EOF")) + "\nEOF"
        steps.append((command.strip(), promise.strip()))
    return steps


def test_readme_by_hand_tour_runs_as_written_and_keeps_its_promises(tmp_path: Path) -> None:
    """The Quickstart's `wikibot run --once`, then the by-hand block, command by command as
    README.md shows them, with nothing listening beforehand: each command starts the
    embedded sandbox itself. Each README comment is a promise checked on its output."""
    quickstart = readme_block("## Quickstart").strip().rsplit(" && ", 1)[1]
    assert quickstart == ".venv/bin/wikibot run --once"
    steps = [(quickstart.removeprefix(".venv/bin/"), "")]
    steps += tour_steps(readme_block("To try things by hand"))
    port = free_port()
    config = write_config(tmp_path, port)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIKIBOT_", "REDDIT_"))}
    env.update(WIKIBOT_CONFIG=str(config), PATH=f"{VENV_BIN}{os.pathsep}{env['PATH']}")
    sandbox_state = tmp_path / "sandbox" / "state.json"
    posted: list[str] = []

    def bot_replies() -> list[dict[str, object]]:
        comments = json.loads(sandbox_state.read_text())["comments"]
        return [c for c in comments if c["link_id"] in posted and c["author"] == "wikibot"]

    def one_reply_to_the_high_school_guide(out: str) -> None:
        assert [line.split()[:3] for line in out.splitlines() if line.startswith("replied")] == [
            ["replied", posted[0], "->"]
        ], out
        assert f"{posted[0]} -> highschool:" in out
        (reply,) = bot_replies()
        assert "/r/learnmachinelearning/wiki/highschool" in str(reply["body"])

    def nothing_exactly_once(out: str) -> None:
        assert "replied  " not in out and ", 0 replied" in out, out
        assert len(bot_replies()) == 1

    def drift_on_engineers_with_the_diff(out: str) -> None:
        assert re.search(r"^  drift +engineers ", out, re.MULTILINE), out
        assert "\n+Rewritten on the wiki by a moderator.\n" in out

    def adopted(out: str) -> None:
        assert re.search(r"^  pulled +engineers ", out, re.MULTILINE), out
        engineers = (tmp_path / "wiki_pages" / "engineers.md").read_text()
        assert engineers.endswith("Rewritten on the wiki by a moderator.\n")

    promises: dict[str, Callable[[str], object]] = {
        "what push would change (exit 0)": lambda out: "No changes" in out,
        "one reply, linking the high school guide": one_reply_to_the_high_school_guide,
        "nothing: exactly once": nothing_exactly_once,
        "drift on engineers, with the diff": drift_on_engineers_with_the_diff,
        "adopt the human edit into wiki_pages/": adopted,
        "": lambda _out: True,
    }
    for command, promise in steps:
        assert not is_listening("127.0.0.1", port), f"a sandbox still listens before {command}"
        step = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command],
            env=env,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=False,
            timeout=120,
        )
        assert step.returncode == 0, f"{command}: {step.stdout}{step.stderr}"
        if command.startswith("wikibot sandbox post"):
            posted.append(step.stdout.strip())
        assert promises[promise](step.stdout) is not False, f"{command}: {step.stdout}"
    assert not is_listening("127.0.0.1", port)


GROUPS = ("replies", "sandbox", "state")
OFFLINE_COMMANDS = {  # README commands that never talk to the target
    "check",
    "preview",
    "status",
    "replies test",
    "replies train",
    "replies eval",
    "replies optout",
    "replies list",
    "replies labels",
    "state check",
    "sandbox serve",  # is the sandbox
    "sandbox log",  # reads the request log file
    "sandbox fault",  # arms a running sandbox; with none it says to start one
}


def command_name(words: list[str]) -> str:
    """``replies scan`` from ``replies scan --dry-run``, ``pull`` from ``pull engineers``."""
    return " ".join(words[:2]) if words[0] in GROUPS else words[0]


def readme_commands() -> set[str]:
    """The commands of README.md's command table, plus `pull --history` (its own path)."""
    table = README.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    names = {
        command_name(usage.split())
        for row in table.splitlines()
        if row.startswith("| `")
        for usage in re.findall(r"`([a-z][^`]*)`", row.split(" | ", 1)[0])
    }
    assert "`wikibot pull --history [PAGE...]`" in README
    return names | {"pull --history"}


def _seed_wiki_revision(scenario: Scenario) -> None:
    scenario.git_checkout()
    text = scenario.root / "faq.txt"
    text.write_text("# FAQ\n\nWritten on the wiki.\n")
    assert scenario.run_cli("sandbox", "edit", "faq", "--file", str(text)).code == 0


def _backed_up(scenario: Scenario) -> None:
    """A state with the daily backup that `run --once` takes (it stops its sandbox again)."""
    assert scenario.run_cli("run", "--once").code == 0


# The README's network commands the tour above does not run: each as the README writes it,
# after a set-up, and what it must print.
UNTOURED: dict[str, tuple[tuple[str, ...], Callable[[Scenario], None] | None, str]] = {
    "push": (("push",), None, "  created      index"),
    "pull --history": (("pull", "--history"), _seed_wiki_revision, "1 commit(s) for 1 page(s)."),
    "replies feedback": (("replies", "feedback"), None, ""),
    "replies label": (("replies", "label", "t3_100001", "other"), None, "labelled t3_100001"),
    "state restore": (("state", "restore", "--force"), _backed_up, "restored "),
}


def test_every_network_command_of_the_readme_runs_with_nothing_listening() -> None:
    """Each README command is offline, or run above (tour) or below with no server."""
    toured = {
        command_name(c.split()[1:]) for c, _ in tour_steps(readme_block("To try things by hand"))
    }
    toured.add(command_name(readme_block("## Quickstart").rsplit("wikibot ", 1)[1].split()))
    network = readme_commands() - OFFLINE_COMMANDS
    missing = network - toured - set(UNTOURED)
    assert not missing, f"add these README commands to UNTOURED (or OFFLINE_COMMANDS): {missing}"
    assert set(UNTOURED) <= network, "UNTOURED names a command the README does not have"


@pytest.mark.parametrize("name", sorted(UNTOURED))
def test_readme_network_command_starts_the_embedded_sandbox(unstarted: Scenario, name: str) -> None:
    args, set_up, expected = UNTOURED[name]
    host, port = unstarted.settings.sandbox.host, unstarted.settings.sandbox.port
    if set_up is not None:
        set_up(unstarted)
    assert not is_listening(host, port)
    result = unstarted.run_cli(*args)
    assert result.code == 0, result.out + result.err
    assert expected in result.out
    assert not is_listening(host, port), "the embedded sandbox was left running"


def test_config_errors_name_the_environment_variable_and_the_section(tmp_path: Path) -> None:
    path = tmp_path / "bot.yaml"
    path.write_text("sandbox:\n  port: 8000\nschedule:\n  sync_interval: 5m\n")
    with pytest.raises(ConfigError) as from_env:
        load_settings(path, environ={"WIKIBOT_SANDBOX_PORT": "abc"})
    assert str(from_env.value) == (
        "environment variable WIKIBOT_SANDBOX_PORT: expected a port number 0-65535, got 'abc'"
    )
    path.write_text("schedule:\n  sync_interval: soon\n")
    with pytest.raises(ConfigError) as from_file:
        load_settings(path, environ={})
    assert str(from_file.value) == (
        f"{path}: schedule.sync_interval: expected a duration like '5m', got 'soon'"
    )
    assert "schedule.sync_interval: expected a duration like '5m', got 'soon'" in README


def test_check_reports_every_error_of_a_file(wikibot: RunCli, tmp_path: Path) -> None:
    bad = tmp_path / "wiki_pages" / "bad.md"
    bad.write_text(
        "---\ncolour: blue\nlisted: perhaps\npermlevel: 9\n---\n[x](https://example.com/)\n"
    )
    result = wikibot("check")
    assert result.code == 1
    lines = [line for line in result.out.splitlines() if line.startswith(str(bad))]
    assert [line.split(": ", 2)[0].rsplit(":", 1)[1] for line in lines] == ["2", "3", "4", "6"]
    assert "colour" in lines[0] and "listed" in lines[1] and "permlevel" in lines[2]
    assert "placeholder link" in lines[3]


def test_pull_of_a_wiki_only_page_says_how_to_import_it(
    wikibot: RunCli, client: SandboxClient
) -> None:
    assert wikibot("push").code == 0
    client.edit_wiki(page="faq", content="# FAQ\n")
    result = wikibot("pull", "faq")
    assert result.code == 0
    assert "Nothing to pull" not in result.out
    assert "faq  exists only on the wiki; `wikibot pull --all faq` imports it" in result.out
    assert wikibot("pull", "--all", "faq").code == 0


def test_unreachable_reddit_is_one_line_naming_the_failure(tmp_path: Path) -> None:
    config = write_config(tmp_path, 1, target="reddit")
    env = {
        "REDDIT_CLIENT_ID": "id",
        "REDDIT_CLIENT_SECRET": "secret-value",
        "REDDIT_USERNAME": "bot",
        "REDDIT_PASSWORD": "password-value",
        "HTTPS_PROXY": "http://127.0.0.1:1",  # refused at once, whatever the network
    }
    process = wikibot_process(config, "plan", env=env)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert err.count("\n") == 1, err  # no prawcore retry warnings before it
    assert err.startswith("wikibot: error: list wiki revisions: cannot reach Reddit: ")
    assert "MaxRetryError" not in err and "refused" in err


def test_refused_and_timeout_say_what_failed() -> None:
    """The real exceptions of a refused and of an unanswered connection, as PRAW gets them
    from requests (the CLI test above shows the wiring through the gateway)."""
    import requests

    from bot import neterrors

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(requests.ConnectionError) as refused:
        requests.get(f"http://127.0.0.1:{port}/", timeout=2)
    assert neterrors.describe(refused.value).startswith(f"connection to 127.0.0.1:{port} refused")

    with socket.socket() as silent:  # accepts (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        with pytest.raises(requests.Timeout) as hung:
            requests.get(f"http://127.0.0.1:{port}/", timeout=0.3)
    described = neterrors.describe(hung.value, timeout=0.3)
    assert described.startswith(f"no answer from 127.0.0.1:{port} within 0.3s (request_timeout)")


def test_dns_and_tls_failures_say_what_failed(sandbox: SandboxServer) -> None:
    import requests

    from bot import neterrors

    with pytest.raises(requests.ConnectionError) as unknown:  # .invalid never resolves
        requests.get("http://wikibot-test.invalid/", timeout=5)
    assert neterrors.describe(unknown.value).startswith("DNS lookup of wikibot-test.invalid")
    with pytest.raises(requests.exceptions.SSLError) as plain:  # TLS to a plain HTTP server
        requests.get(sandbox.url.replace("http://", "https://") + "/", timeout=5)
    assert neterrors.describe(plain.value).startswith(
        f"TLS handshake with 127.0.0.1:{sandbox.port} failed"
    )


def test_run_once_does_not_announce_a_backoff_it_never_waits(
    config_path: Path, client: SandboxClient
) -> None:
    client.add_fault("503", path="/new", count=3)
    process = wikibot_process(config_path, "run", "--once")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "replies:" in err and "HTTP 503" in err
    assert "backing off" not in err


def test_final_error_line_is_json_under_json_logs(wikibot: RunCli, tmp_path: Path) -> None:
    (tmp_path / "wiki_pages" / "bad.md").write_text("---\nlisted: perhaps\n---\nx\n")
    result = wikibot("--log-format", "json", "plan")
    assert result.code == 1
    entry = json.loads(result.err.strip().splitlines()[-1])
    assert entry["level"] == "error" and "listed: expected true or false" in entry["message"]
    usage = wikibot("--log-format", "json", "plan", "--format", "pdf")
    assert usage.code == 2 and json.loads(usage.err.strip().splitlines()[-1])["level"] == "error"


def test_readme_names_the_lock_file_the_daemon_writes(
    config_path: Path, settings: Settings
) -> None:
    named = re.search(r"A lock file \(`<state_db>\.lock`, for example `([^`]+)`\)", README)
    assert named is not None
    assert named.group(1) == ".wikibot/state-reddit.lock"  # the live default state_db's lock
    assert lock_path(Path(".wikibot/state-reddit.db")).as_posix() == named.group(1)
    assert wikibot_process(config_path, "run", "--once").wait(timeout=60) == 0
    assert lock_path(settings.state_db).exists()


def test_labels_with_an_unknown_audience_are_rejected() -> None:
    """`replies eval` reads labels through bot.learning.dataset (issue 9), which names the
    line of a typo such as 'highshcool' and documents the format for --help."""
    from bot.cli.replies.data import FORMAT_HELP
    from bot.errors import WikibotError
    from bot.learning.dataset import parse_label

    row = {"key": "t3_x", "intent": "getting_started", "audience": "highshcool"}
    with pytest.raises(WikibotError) as error:
        parse_label(row, where="typo.jsonl:1")
    assert str(error.value).startswith("typo.jsonl:1: audience must be one of highschool")
    assert "one JSON object a line" in FORMAT_HELP


def test_pasted_front_matter_is_flagged_by_check_and_plan(
    wikibot: RunCli, client: SandboxClient, tmp_path: Path
) -> None:
    pages = tmp_path / "wiki_pages"
    hackers = pages / "hackers.md"
    copied = hackers.read_text()
    assert wikibot("push").code == 0
    client.edit_wiki(page="hackers", content=copied)  # the whole file pasted into the wiki
    plan = json.loads(wikibot("plan", "--json").out)
    note = {p["page"]: p["note"] for p in plan["pages"]}["hackers"]
    assert "the wiki's text holds a front-matter block at line 1" in note
    index = pages / "index.md"
    index.write_text(index.read_text() + "\n" + copied)
    check = wikibot("check")
    assert check.code == 1
    assert f"{index}:" in check.out and "a second front-matter block" in check.out
    assert "a second front-matter block in the body" in wikibot("plan").out


def test_plan_counts_match_its_diff_when_removed_lines_start_with_dashes() -> None:
    kept = [f"line {i}\n" for i in range(30)]
    before = "".join([*kept[:5], "---\n", "-- a\n", "--- b\n", "x\n", *kept[5:20]])
    before += "".join(["----\n", "+++\n", "y\n", "z\n", *kept[20:]])
    after = "".join(kept)
    local = {"p": LocalPage("p", after)}
    plan = build_plan(
        local=local,
        remote={"p": RemotePage("p", "r1", "w", before)},
        synced={"p": SyncedPage("p", "r1", before)},
    )
    action = plan.actions[0]
    assert action.kind == Kind.UPDATE
    assert action.diff == unified_diff(before, after, before_name="wiki/p", after_name="")
    assert action.stats() == (0, 8)


def test_status_says_what_to_do(config_path: Path, wikibot: RunCli, client: SandboxClient) -> None:
    client.add_fault("503", path="/new", count=3)
    assert wikibot_process(config_path, "run", "--once").wait(timeout=60) == 1  # replies fail
    assert wikibot_process(config_path, "run", "--once").wait(timeout=60) == 0  # and recover
    client.edit_wiki(page="index", content="edited by a human\n")
    client.edit_wiki(page="faq", content="# FAQ\n")
    assert wikibot("plan").code == 0  # sees both
    status = json.loads(wikibot("status", "--json").out)
    pages = {p["page"]: p for p in status["pages"]}
    assert pages["index"]["pending"] == "drift"
    assert pages["index"]["resolve"].startswith("wikibot pull index")
    assert pages["faq"]["pending"] == "only on the wiki"
    assert pages["faq"]["resolve"].startswith("wikibot pull --all faq")
    assert status["errors"][0]["resolved"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", pages["index"]["synced_at"])
    runs = status["last_runs"]
    assert all(isinstance(r["ok"], bool) for r in runs)
    failed = [r for r in runs if r["ok"] is False]
    assert failed and "503" in failed[0]["summary"]
    assert status["last_success"]["replies"]["ok"] is True
    text = wikibot("status").out
    assert "to resolve: wikibot pull index" in text
    assert "to resolve: wikibot pull --all faq" in text
    assert "(resolved: a later run succeeded)" in text
    assert re.search(r"last successful sync run: \d{4}-\d\d-\d\d \d\d:\d\d \S+: ", text)


# Delivers SIGINT to wikibot itself at one chosen moment of its start-up (an audit hook sees
# the moment: a module's first import, the sandbox binding its port, the first request to
# it), then runs the console script's entry point as `wikibot plan`.
SIGINT_AT = """
import os, signal, sys
event, detail, config = sys.argv[1:]
seen = []

def deliver_sigint(name, args):
    if "sent" in seen:
        return
    if name == "socket.bind":
        seen.append("bound")
    if name != event:
        return
    if event == "import" and args[0] != detail:
        return
    if event == "socket.connect" and "bound" not in seen:
        return  # the probe for a running sandbox, before the embedded one starts
    seen.append("sent")
    sys.stderr.write(f"test: SIGINT at {name} {detail}\\n")
    os.kill(os.getpid(), signal.SIGINT)

sys.addaudithook(deliver_sigint)
from bot.entry import main  # what the console script does
sys.argv = ["wikibot", "--config", config, "plan"]
main()
"""


@pytest.mark.parametrize(
    ("event", "detail"),
    [
        ("import", "click"),  # bot.cli imports click
        ("import", "praw"),  # the gateway loads praw
        ("socket.bind", "-"),  # the embedded sandbox starts
        ("socket.connect", "-"),  # the first request to it
    ],
)
def test_ctrl_c_during_start_up_exits_130_without_a_traceback(
    tmp_path: Path, event: str, detail: str
) -> None:
    with socket.socket() as probe:  # a free port: plan starts the embedded sandbox there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_config(tmp_path, port)
    process = subprocess.run(
        [sys.executable, "-c", SIGINT_AT, event, detail, str(config)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert f"test: SIGINT at {event} {detail}" in process.stderr  # the moment came
    assert process.returncode == 130, process.stderr
    assert "Traceback" not in process.stderr
    assert process.stderr.strip().splitlines()[-1] in (
        "interrupted",
        "wikibot: error: interrupted",
    )
    assert "Plan:" not in process.stdout  # interrupted, not finished


def test_sandbox_serve_started_in_the_background_stops_on_sigint(tmp_path: Path) -> None:
    config = write_config(tmp_path, 0)
    script = (
        f"{sys.executable} -m bot --config {config} sandbox serve --port 0 2>{tmp_path}/err & "
        "echo $!; wait $!; echo exit=$?"
    )
    shell = subprocess.Popen(["bash", "-c", script], stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert shell.stdout is not None
    pid = int(shell.stdout.readline())
    deadline = time.monotonic() + 20
    err = tmp_path / "err"
    while not (err.exists() and "serving" in err.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(pid, signal.SIGINT)
    out, _ = shell.communicate(timeout=10)
    assert "exit=0" in out
    assert "Traceback" not in (tmp_path / "err").read_text()


def test_idle_cycle_costs_at_most_two_calls(wikibot: RunCli, client: SandboxClient) -> None:
    assert wikibot("push").code == 0
    for _ in range(3):
        start = len(client.log())
        assert wikibot("plan", "--detailed-exitcode").code == 0
        assert len(api_calls(client.log()[start:])) <= 2
