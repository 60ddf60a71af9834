"""Reddit merges a wiki edit based on a stale revision; wikibot reports the merge as drift.

Reddit's ``WikiPage.revise`` three-way merges when ``previous`` is not the current
revision and answers 409 only when the merge conflicts (see the shared API notes).
"""

from __future__ import annotations

import json
import logging

import prawcore
import pytest

from bot.config import Settings
from bot.sandbox.client import SandboxClient
from bot.sandbox.faults import RACING_LINE
from bot.sandbox.server import SandboxServer
from bot.wiki.plan import Kind
from bot.wiki.workspace import load_workspace
from conftest import RunCli, Scenario, api_calls, edit_local, plain_praw

SUB = "learnmachinelearning"
BASE = "one\ntwo\nthree\nfour\nfive\n"


def test_stale_previous_is_merged_and_only_a_real_conflict_is_refused(
    sandbox: SandboxServer, client: SandboxClient
) -> None:
    wiki = plain_praw(sandbox.url).subreddit(SUB).wiki
    wiki.create(name="faq", content=BASE, reason="create")
    base = wiki["faq"].revision_id
    client.edit_wiki(page="faq", content=BASE.replace("five", "FIVE"))

    wiki["faq"].edit(content=BASE.replace("one", "ONE"), previous=base)
    assert wiki["faq"].content_md == "ONE\ntwo\nthree\nfour\nFIVE\n"
    assert wiki["faq"].revision_by.name == "wikibot"

    current = wiki["faq"].revision_id
    with pytest.raises(prawcore.Conflict) as refused:
        wiki["faq"].edit(content=BASE.replace("five", "5"), previous=base)
    body = refused.value.response.json()
    assert body["newrevision"] == current
    assert body["newcontent"] == "ONE\ntwo\nthree\nfour\nFIVE\n"
    assert wiki["faq"].content_md == "ONE\ntwo\nthree\nfour\nFIVE\n"


def test_an_identical_edit_creates_no_revision(sandbox: SandboxServer) -> None:
    wiki = plain_praw(sandbox.url).subreddit(SUB).wiki
    wiki.create(name="faq", content=BASE, reason="create")
    wiki["faq"].edit(content=BASE, reason="same again")
    assert len(list(wiki["faq"].revisions())) == 1


def test_a_merge_by_reddit_is_reported_as_drift_not_recorded_as_ours(
    scenario: Scenario,
) -> None:
    with scenario.wiki_sync() as sync:
        workspace = load_workspace(scenario.settings)
        sync.push(sync.plan(workspace), workspace)
        scenario.edit_page("hackers", "cool shit", "cool things")
        scenario.edit_page("index", "guide", "Guide")
        workspace = load_workspace(scenario.settings)
        plan = sync.plan(workspace)
        human = scenario.wiki_text("hackers").replace(
            "**What can be made**", "**What people made**"
        )
        # between plan and push
        scenario.sandbox.edit_wiki(page="hackers", content=human, author="alice_mod")

        report = sync.push(plan, workspace)
        results = {o.page: o.result for o in report.outcomes}
        assert results == {"index": "updated", "hackers": "drift"}
        merged = scenario.wiki_text("hackers")
        assert "cool things" in merged and "**What people made**" in merged

    again = json.loads(scenario.run_cli("plan", "--json").out)
    hackers = next(p for p in again["pages"] if p["page"] == "hackers")
    assert hackers["action"] == Kind.DRIFT.value
    assert "+**What people made**" in hackers["diff"]
    assert scenario.run_cli("pull", "hackers").code == 0
    assert scenario.page_body("hackers") == merged
    assert scenario.run_cli("plan", "--detailed-exitcode").code == 0


def test_push_without_interference_reads_no_page_back(
    wikibot: RunCli, settings: Settings, client: SandboxClient
) -> None:
    assert wikibot("push").code == 0
    edit_local(settings, "hackers", "cool shit", "cool things")
    start = len(client.log())
    assert wikibot("push").code == 0
    paths = [c["path"] for c in api_calls(client.log()[start:])]
    assert paths.count(f"/r/{SUB}/wiki/hackers") == 0, paths
    assert len(paths) == 1 + 2, paths


def test_daemon_reports_a_racing_edit_merged_by_reddit_and_alerts_once(
    scenario: Scenario, caplog: pytest.LogCaptureFixture
) -> None:
    client = scenario.sandbox
    with scenario.daemon() as daemon:
        sync = next(j for j in daemon.jobs if j.name == "sync")
        assert sync.run() is not None and sync.last is not None and sync.last.ok
        scenario.edit_page("index", "guide", "Guide")
        client.add_fault("edit_race", path="/api/wiki/edit", method="POST")
        with caplog.at_level(logging.INFO):
            result = sync.run()
        assert result is not None and result.ok and result.needs_human
        assert any("Reddit merged" in r.getMessage() for r in caplog.records)
        text = scenario.wiki_text("index")
        assert RACING_LINE in text and "Guide" in text
        for _ in range(2):
            again = sync.run()
            assert again is not None and again.needs_human  # drift until a person decides
        alerts = [m for m in client.state()["modmail"] if "'index'" in m["subject"]]
        assert len(alerts) == 1 and "drift" in alerts[0]["subject"]


def test_a_merge_whose_answer_is_lost_is_reported_as_the_humans_edit(scenario: Scenario) -> None:
    """Reddit merges the bot's stale edit with a moderator's and the answer is lost (503,
    timeout, cut body): the bot reads the page's revisions and reports the merge with the
    moderator's name; an edit not applied names them too. Nothing is blamed on wikibot."""
    scenario.configure(request_timeout=1)
    wikibot, client = scenario.run_cli, scenario.sandbox
    pages = {name: f"---\ntitle: {name}\n---\n# {name}\n\n{BASE}" for name in "abcd"}
    scenario.seed_pages(pages)
    scenario.publish()
    for name in "abcd":
        scenario.edit_page(name, "one\n", "ONE\n")
    for lost in ("apply_503", "apply_timeout", "apply_cut", "503"):  # pages a, b, c, d
        client.add_fault("edit_race", path="/api/wiki/edit", method="POST")
        client.add_fault(lost, path="/api/wiki/edit", method="POST", delay=1.5)

    pushed = wikibot("push")
    assert pushed.code == 1, pushed.out + pushed.err
    lines = {line.split()[1]: line for line in pushed.out.splitlines()}
    for name in "abc":
        assert lines[name].startswith("  drift "), pushed.out
        assert "Reddit merged this edit with one by alice_mod" in lines[name]
        merged = scenario.wiki_text(name)
        assert "ONE\n" in merged and RACING_LINE in merged
    assert lines["d"].startswith("  error "), pushed.out
    assert "not applied (edited on the wiki since the plan by alice_mod), will retry" in lines["d"]
    assert "ONE\n" not in scenario.wiki_text("d")

    again = wikibot("push")
    assert again.code == 3, again.out + again.err
    assert "wikibot" not in again.out.replace("`wikibot ", "`"), again.out
    plan = {p["page"]: p for p in json.loads(wikibot("plan", "--json").out)["pages"]}
    assert {n: (plan[n]["action"], plan[n]["wiki_author"]) for n in "abcd"} == {
        "a": ("drift", "alice_mod"),
        "b": ("drift", "alice_mod"),
        "c": ("drift", "alice_mod"),
        "d": ("conflict", "alice_mod"),
    }
