"""`wikibot pull --history`: wiki revisions as git commits, in a temporary git repository."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import Scenario, api_calls, wikibot_on_terminal

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
    more = json.loads(wikibot("pull", "--history", "--json", *PAGES).out)
    assert [c["page"] for c in more["commits"]] == ["beta", "alpha"]
    assert len(git(repo, "log", "--format=%H").split()) == 14
    assert git(repo, "log", "-1", "--format=%s").strip() == "Wiki edit of alpha"
    assert json.loads(wikibot("pull", "--history", "--json").out)["commits"] == []


def test_pull_history_refuses_uncommitted_changes(scenario: Scenario) -> None:
    wikibot = scenario.run_cli
    assert wikibot("pull", "--history", "--all").code == 2  # usage error
    outside = wikibot("pull", "--history")
    assert outside.code == 1 and "not inside a git checkout; run `git init`" in outside.err
    scenario.git_checkout()
    (page,) = scenario.seed_pages({"alpha": "---\ntitle: Alpha\n---\nmine, not committed\n"})
    scenario.sandbox.edit_wiki(page="alpha", content="theirs\n")
    result = wikibot("pull", "--history")
    assert result.code == 1 and "has uncommitted changes" in result.err
    assert page.read_text().endswith("mine, not committed\n")


def test_pull_history_shows_a_progress_bar_on_a_terminal(scenario: Scenario) -> None:
    scenario.git_checkout()
    for i in range(4):
        scenario.sandbox.edit_wiki(page="alpha", content=f"v{i}\n")
    result = wikibot_on_terminal(scenario.config, "pull", "--history", "alpha")
    assert result.code == 0
    assert "4 commit(s) for 1 page(s)." in result.out
    assert "wiki revisions" in result.err and "100%" in result.err


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
