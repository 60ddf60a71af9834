"""`wikibot pull --history`: wiki revisions as git commits, in a temporary git repository."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

from conftest import Scenario, api_calls, wikibot_on_terminal, wikibot_process

AUTHORS = ("alice_mod", "backend_ben", "phd_hopeful")
PAGES = ("alpha", "beta", "gamma")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def test_pull_history_makes_one_commit_per_revision_and_resumes(scenario: Scenario) -> None:
    client, wikibot = scenario.sandbox, scenario.run_cli
    repo = scenario.git_checkout()
    made = []
    for i in range(12):
        page, author = PAGES[i % 3], AUTHORS[(i // 3) % 3]
        text = f"# {page}\n\nversion {i} by {author}\n"
        made.append(
            (
                page,
                author,
                client.edit_wiki(page=page, content=text, author=author, reason=f"edit {i}"),
            )
        )

    first = wikibot("pull", "--history")  # every page on the wiki
    assert first.code == 0, first.err
    assert "12 commit(s) for 3 page(s)." in first.out
    log = git(
        repo,
        "log",
        "--reverse",
        "--format=%an <%ae>|%at|%s|%(trailers:key=Wiki-Revision,valueonly)",
    )
    lines = [line for line in log.splitlines() if line]
    assert len(lines) == 12
    wiki = client.state()["wiki"]
    for line, (page, author, revision) in zip(lines, made, strict=True):
        who, when, subject, trailer = line.split("|")
        assert who == f"{author} <{author}@users.reddit>"
        stamp = next(r["timestamp"] for r in wiki[page]["revisions"] if r["id"] == revision)
        assert int(when) == int(stamp)
        assert subject.startswith("edit ") and trailer.strip() == revision
    assert (repo / "wiki_pages" / "gamma.md").read_text().endswith("version 11 by alice_mod\n")
    assert git(repo, "status", "--porcelain", "--", "wiki_pages") == ""

    start = len(client.log())
    again = wikibot("pull", "--history", *PAGES)
    assert again.code == 0 and "Nothing to import" in again.out
    assert len(api_calls(client.log()[start:])) == 3  # one short listing per page
    client.edit_wiki(page="beta", content="# beta\n\nnew\n", author="alice_mod", reason="more")
    client.edit_wiki(page="alpha", content="# alpha\n\nnew\n", author="phd_hopeful")
    more = wikibot("pull", "--history", *PAGES)
    assert "2 commit(s) for 2 page(s)." in more.out  # gamma had nothing new
    assert [line.split()[1] for line in more.out.splitlines()[:2]] == ["beta", "alpha"]
    assert len(git(repo, "log", "--format=%H").split()) == 14
    assert git(repo, "log", "-1", "--format=%s").strip() == "Wiki edit of alpha"
    assert json.loads(wikibot("pull", "--history", "--json").out)["commits"] == []


def test_pull_history_refuses_uncommitted_changes(scenario: Scenario) -> None:
    wikibot = scenario.run_cli
    assert wikibot("pull", "--history", "--all").code == 2  # usage error
    outside = wikibot("pull", "--history")
    assert outside.code == 1 and "not inside a git checkout; run `git init`" in outside.err
    repo = scenario.git_checkout()
    (page,) = scenario.seed_pages({"alpha": "---\ntitle: Alpha\n---\nmine\n"})
    git(repo, "add", ".")
    commit_all(repo, "Alpha")
    page.write_text(page.read_text().replace("mine", "mine, not committed"))  # " M" in git
    scenario.sandbox.edit_wiki(page="alpha", content="theirs\n")
    result = wikibot("pull", "--history")
    assert result.code == 1
    assert result.err == (
        f"wikibot: error: {page}: has uncommitted changes; commit or stash them before "
        "`pull --history` writes the wiki's revisions over it\n"
    )
    assert page.read_text().endswith("mine, not committed\n")
    (other,) = scenario.seed_pages({"beta": "---\npage: gamma\ntitle: G\n---\ngamma's text\n"})
    git(repo, "add", str(other))
    git(repo, "-c", "user.name=m", "-c", "user.email=m@x", "commit", "-qm", "G", "--", str(other))
    scenario.sandbox.edit_wiki(page="beta", content="the wiki's beta\n")
    held = wikibot("pull", "--history", "beta")
    assert held.code == 3 and f"{other} exists but publishes another page name" in held.out
    assert other.read_text().endswith("gamma's text\n")


KILL_ON_SECOND_COMMIT = """#!/bin/sh
# prepare-commit-msg runs even with --no-verify: the second commit kills wikibot and git
[ -e "$0.armed" ] || { touch "$0.armed"; exit 0; }
wikibot=$(awk '{print $4}' /proc/$PPID/stat)
kill -KILL "$wikibot" "$PPID"
sleep 2
"""


def test_a_killed_import_says_the_half_written_file_is_its_own(scenario: Scenario) -> None:
    """wikibot and git killed between writing a page file and committing it: the next run
    names the file as wikibot's own, says how to discard it and names the stale lock."""
    client, wikibot = scenario.sandbox, scenario.run_cli
    repo = scenario.git_checkout()
    for i in range(3):
        client.edit_wiki(page="alpha", content=f"# alpha\n\nversion {i}\n", reason=f"v{i}")
    hook = repo / ".git" / "hooks" / "prepare-commit-msg"
    hook.write_text(KILL_ON_SECOND_COMMIT)
    hook.chmod(0o755)
    killed = wikibot_process(scenario.config, "pull", "--history")
    assert killed.wait(timeout=60) == -signal.SIGKILL
    hook.unlink()
    page = repo / "wiki_pages" / "alpha.md"
    assert page.read_text().endswith("version 1\n")  # written, not committed
    assert (repo / ".git" / "index.lock").exists()

    result = wikibot("pull", "--history")
    assert result.code == 1
    assert "error" in result.err and result.err.count("\n") == 1
    lock = repo / ".git" / "index.lock"
    assert (
        f"{page}: written by an interrupted `wikibot pull --history` (wiki revision "
    ) in result.err
    assert "not committed; it is wikibot's own: " in result.err
    assert f"delete {lock} (left by the killed git, if no git command runs)" in result.err
    discard = result.err.split("discard it with `", 1)[1].split("`", 1)[0]
    assert discard == f"git checkout HEAD -- {page}"
    lock.unlink()
    subprocess.run(discard.split(), cwd=repo, check=True)
    done = wikibot("pull", "--history")
    assert done.code == 0, done.err
    assert "2 commit(s) for 1 page(s)." in done.out
    assert git(repo, "log", "--reverse", "--format=%s").split() == ["v0", "v1", "v2"]
    assert git(repo, "status", "--porcelain") == ""


def commit_all(repo: Path, message: str) -> str:
    """The moderator's commit of every change; returns the new HEAD."""
    git(repo, "-c", "user.name=mod", "-c", "user.email=mod@example.org", "commit", "-qam", message)
    return git(repo, "rev-parse", "HEAD").strip()


def test_pull_history_never_writes_over_committed_work_the_wiki_lacks(scenario: Scenario) -> None:
    """pull's three-way rule: a file at HEAD that is not the text last synced (committed
    changes not pushed: plan says update; the wiki changed too: conflict; a pushed line
    retracted by a revert to the imported text) stops the import with exit 3, and nothing
    is written or committed; once pushed, the import goes on."""
    client, wikibot = scenario.sandbox, scenario.run_cli
    repo = scenario.git_checkout()
    lines = "".join(f"line {i}\n" for i in range(1, 31))
    client.edit_wiki(page="researchers", content=f"# Researchers\n\n{lines}", author="alice_mod")
    assert wikibot("pull", "--history").code == 0
    scenario.edit_page("researchers", "line 3\n", "line 3, sharpened\n")
    commit_all(repo, "Sharpen line 3")
    assert wikibot("push", "researchers").code == 0  # a wiki revision by wikibot, not in git
    scenario.edit_page("researchers", "line 5\n", "line 5, sharpened\n")
    head = commit_all(repo, "Sharpen line 5")  # committed, not pushed
    page = repo / "wiki_pages" / "researchers.md"
    mine = page.read_text()
    assert json.loads(wikibot("plan", "--json").out)["pages"][0]["action"] == "update"

    held = wikibot("pull", "--history")
    assert held.code == 3, held.out + held.err
    assert held.out.startswith("  conflict     researchers  ")
    assert "has changes the wiki does not have" in held.out and "newest by wikibot" in held.out
    assert git(repo, "rev-parse", "HEAD").strip() == head
    assert (repo / "wiki_pages" / "researchers.md").read_text() == mine

    human = client.state()["wiki"]["researchers"]["revisions"][-1]["content"]
    client.edit_wiki(page="researchers", content=human.replace("line 20\n", "line 20!\n"))
    assert json.loads(wikibot("plan", "--json").out)["pages"][0]["action"] == "conflict"
    held = json.loads(wikibot("pull", "--history", "--json").out)
    assert held["ok"] is False and held["commits"] == []
    assert [h["page"] for h in held["held"]] == ["researchers"]
    assert "newest by alice_mod" in held["held"][0]["message"]
    assert git(repo, "rev-parse", "HEAD").strip() == head
    assert (repo / "wiki_pages" / "researchers.md").read_text() == mine

    scenario.edit_page("researchers", "line 20\n", "line 20!\n")  # merged by hand
    merged = commit_all(repo, "Take alice_mod's line 20")
    assert wikibot("push", "--force", "researchers").code == 0
    done = wikibot("pull", "--history")
    assert done.code == 0 and "3 commit(s) for 1 page(s)." in done.out
    assert git(repo, "diff", merged, "HEAD") == ""  # the tip keeps every line

    # A line pushed, then retracted by a commit not pushed: the file at HEAD is the imported
    # text again, but not the text last synced (plan: update), with this state or a fresh one
    scenario.edit_page("researchers", "line 30\n", "line 30\nA line retracted later.\n")
    commit_all(repo, "Add a line")
    assert wikibot("push", "researchers").code == 0
    git(
        repo,
        "-c",
        "user.name=mod",
        "-c",
        "user.email=mod@example.org",
        "revert",
        "--no-edit",
        "HEAD",
    )
    head, mine = git(repo, "rev-parse", "HEAD").strip(), page.read_text()
    assert json.loads(wikibot("plan", "--json").out)["pages"][0]["action"] == "update"
    for state in ("state.db", "fresh.db"):
        scenario.configure(state_db=str(scenario.root / "state" / state))
        held = wikibot("pull", "--history", "researchers")
        assert held.code == 3 and "has changes the wiki does not have" in held.out, held.out
        assert git(repo, "rev-parse", "HEAD").strip() == head and page.read_text() == mine


def test_pull_history_shows_a_progress_bar_on_a_terminal_unless_quiet(scenario: Scenario) -> None:
    scenario.git_checkout()
    for i in range(4):
        scenario.sandbox.edit_wiki(page="alpha", content=f"v{i}\n")
    result = wikibot_on_terminal(scenario.config, "pull", "--history", "alpha")
    assert result.code == 0
    assert "4 commit(s) for 1 page(s)." in result.out
    assert f"\rwiki revisions [{'#' * 30}] 4/4\n" in result.err.replace("\r\n", "\n")
    for i in range(2):
        scenario.sandbox.edit_wiki(page="alpha", content=f"w{i}\n")
    quiet = wikibot_on_terminal(scenario.config, "-q", "pull", "--history", "alpha")
    assert quiet.code == 0 and "2 commit(s)" in quiet.out
    assert quiet.err == ""  # no progress, although stderr is a terminal


def test_pull_history_pages_through_a_long_revisions_listing(scenario: Scenario) -> None:
    client = scenario.sandbox
    repo = scenario.git_checkout()
    for i in range(105):  # more than one listing page of 100
        client.edit_wiki(page="faq", content=f"# FAQ\n\nversion {i}\n", reason=f"v{i}")
    start = len(client.log())
    result = scenario.run_cli("pull", "--history", "faq")
    assert result.code == 0, result.err
    calls = api_calls(client.log()[start:])
    listings = [c for c in calls if c["path"].endswith("/wiki/revisions/faq")]
    reads = [c for c in calls if c["path"].endswith("/wiki/faq")]
    assert len(listings) == 2 and len(reads) == 105 and len(calls) == 107
    subjects = git(repo, "log", "--reverse", "--format=%s").split()
    assert subjects == [f"v{i}" for i in range(105)]
