"""Wiki sync through the CLI and real PRAW against the sandbox."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot.wiki.workspace import load_workspace
from conftest import Scenario, api_calls

GUIDES = {"index", "highschool", "engineers", "researchers", "hackers"}


def test_push_creates_the_guides_then_plan_is_clean(scenario: Scenario) -> None:
    result = scenario.run_cli("push")
    assert result.code == 0, result.err
    assert set(scenario.sandbox.state()["wiki"]) == GUIDES
    assert scenario.sandbox.state()["wiki"]["index"]["settings"]["permlevel"] == 2
    start = len(scenario.sandbox.log())
    plan = scenario.run_cli("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.out
    assert "No changes" in plan.out
    calls = [c["path"] for c in api_calls(scenario.sandbox.log()[start:])]
    # one revisions listing at any page count, plus one page's settings (round-robin)
    assert calls == ["/r/learnmachinelearning/wiki/revisions", calls[1]]
    assert calls[1].startswith("/r/learnmachinelearning/wiki/settings/")


def test_a_setting_left_out_of_the_front_matter_is_kept_and_an_explicit_one_applied(
    scenario: Scenario,
) -> None:
    scenario.publish()  # every guide's file asks for permlevel 2
    index = scenario.pages_dir / "index.md"
    index.write_text("---\n---\n" + scenario.page_body("index"))  # front matter emptied
    engineers = scenario.pages_dir / "engineers.md"  # only the permlevel line dropped
    engineers.write_text(engineers.read_text().replace("permlevel: 2\n", "", 1))
    scenario.edit_page("engineers", "hard-won", "hard won")
    start = len(scenario.sandbox.log())
    for command in (("run", "--once"), ("push",)):
        result = scenario.run_cli(*command)
        assert result.code == 0, result.out + result.err
    calls = api_calls(scenario.sandbox.log()[start:])
    posts = [c["path"] for c in calls if c["method"] == "POST" and "wiki" in c["path"]]
    assert posts == ["/r/learnmachinelearning/api/wiki/edit"]  # engineers' text only
    wiki = scenario.sandbox.state()["wiki"]
    assert wiki["index"]["settings"]["permlevel"] == wiki["engineers"]["settings"]["permlevel"] == 2
    assert scenario.run_cli("plan", "--detailed-exitcode").code == 0

    index.write_text("---\npermlevel: 0\n---\n" + scenario.page_body("index"))  # intent
    loosens = "settings: permlevel 2 -> 0 (loosens: moderators only -> the subreddit's wiki rules)"
    assert loosens in scenario.run_cli("plan").out
    comment = scenario.run_cli("plan", "--format", "markdown").out
    assert "permlevel 2 -&gt; 0 (loosens: moderators only" in comment  # escaped in a table
    pages = {p["page"]: p for p in json.loads(scenario.run_cli("plan", "--json").out)["pages"]}
    assert pages["index"]["settings_from"] == {"listed": True, "permlevel": 2}  # a CI gate
    assert pages["index"]["settings_loosen"] is True  # can refuse what loosens
    assert pages["engineers"]["settings_loosen"] is False
    assert scenario.run_cli("push").code == 0
    assert scenario.sandbox.state()["wiki"]["index"]["settings"]["permlevel"] == 0
    assert scenario.sandbox.state()["wiki"]["index"]["settings"]["listed"] is True


def test_human_wiki_edit_is_drift_kept_by_push_and_adopted_by_pull(scenario: Scenario) -> None:
    scenario.publish()
    human = scenario.page_body("engineers").replace("hard-won", "HARD WON")
    scenario.sandbox.edit_wiki(
        page="engineers", content=human, author="alice_mod", reason="emphasis"
    )

    plan = json.loads(scenario.run_cli("plan", "--json").out)
    actions = {p["page"]: p for p in plan["pages"]}
    assert actions["engineers"]["action"] == "drift"
    assert actions["engineers"]["wiki_author"] == "alice_mod"
    assert (
        "+A robust machine learning engineering skill set is HARD WON"
        in actions["engineers"]["diff"]
    )
    assert scenario.run_cli("plan", "--detailed-exitcode").code == 2

    push = scenario.run_cli("push")
    assert push.code == 3 and "drift" in push.out
    assert scenario.wiki_text("engineers") == human  # the human edit stays

    pull = scenario.run_cli("pull", "engineers")
    assert pull.code == 0, pull.out + pull.err
    assert scenario.page_body("engineers") == human
    assert (scenario.pages_dir / "engineers.md").read_text().startswith("---\npage: engineers")
    assert scenario.run_cli("plan", "--detailed-exitcode").code == 0


def test_conflict_is_refused_and_force_overwrites(scenario: Scenario) -> None:
    scenario.publish()
    scenario.edit_page("hackers", "cool shit", "cool things")
    scenario.sandbox.edit_wiki(page="hackers", content="Completely rewritten by a human.\n")
    assert json.loads(scenario.run_cli("plan", "--json").out)["counts"]["conflict"] == 1
    refused = scenario.run_cli("push")
    assert refused.code == 3 and "conflict" in refused.out
    assert scenario.wiki_text("hackers") == "Completely rewritten by a human.\n"
    pull = scenario.run_cli("pull", "hackers")
    assert pull.code == 3  # pull refuses too: the local file has unpublished changes
    forced = scenario.run_cli("push", "--force", "hackers")
    assert forced.code == 0, forced.out
    assert "cool things" in scenario.wiki_text("hackers")
    assert scenario.run_cli("plan", "--detailed-exitcode").code == 0


def test_changed_pages_cost_k_plus_two_calls(scenario: Scenario) -> None:
    scenario.publish()
    for page in ("index", "hackers", "researchers"):
        scenario.edit_page(page, "guide", "Guide")
    start = len(scenario.sandbox.log())
    assert scenario.run_cli("push", "--reason", "Capitalise").code == 0
    calls = api_calls(scenario.sandbox.log()[start:])
    assert len(calls) == 3 + 2, [c["path"] for c in calls]
    assert scenario.wiki_revisions("hackers")[-1]["reason"] == "Capitalise"
    assert scenario.run_cli("plan", "--detailed-exitcode").code == 0


def test_edit_reason_falls_back_to_the_git_commit_subject(scenario: Scenario) -> None:
    root = scenario.pages_dir
    page = root / "hackers.md"
    page.write_text(page.read_text().replace('reason: "Hacker Guide"\n', ""))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "."], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "Fix the hacker guide links"], cwd=root, check=True)
    assert scenario.run_cli("push", "hackers").code == 0
    assert scenario.wiki_revisions("hackers")[-1]["reason"] == "Fix the hacker guide links"


def test_edit_during_push_is_a_conflict_and_others_go_on(scenario: Scenario) -> None:
    with scenario.wiki_sync() as wiki:
        workspace = load_workspace(scenario.settings)
        wiki.push(wiki.plan(workspace), workspace)
        for page in ("index", "hackers"):
            scenario.edit_page(page, "guide", "Guide")
        workspace = load_workspace(scenario.settings)
        plan = wiki.plan(workspace)
        scenario.sandbox.edit_wiki(page="hackers", content="sneaky human edit\n")  # mid-push
        report = wiki.push(plan, workspace)
    results = {o.page: o.result for o in report.outcomes}
    assert results == {"index": "updated", "hackers": "conflict"}
    assert scenario.wiki_text("hackers") == "sneaky human edit\n"


def test_applied_then_failed_edit_is_recorded_not_repeated(scenario: Scenario) -> None:
    scenario.publish()
    scenario.edit_page("index", "guide", "Guide")
    scenario.sandbox.add_fault("apply_503", path="/api/wiki/edit", count=5)
    result = scenario.run_cli("push")
    assert result.code == 0, result.out + result.err
    assert "applied despite the error" in result.out
    assert len(scenario.wiki_revisions("index")) == 2  # exactly one new edit
    assert scenario.run_cli("plan", "--detailed-exitcode").code == 0


def test_failed_edit_is_reported_and_retried_next_time(scenario: Scenario) -> None:
    scenario.publish()
    scenario.edit_page("index", "guide", "Guide")
    scenario.sandbox.add_fault("503", path="/api/wiki/edit", method="POST", count=1)
    failed = scenario.run_cli("push")
    assert failed.code == 1 and "not applied" in failed.out
    assert scenario.run_cli("push").code == 0
    assert "Guide" in scenario.wiki_text("index")
    assert len(scenario.wiki_revisions("index")) == 2


def test_wiki_only_page_found_by_the_first_sync_stays_listed(scenario: Scenario) -> None:
    scenario.sandbox.edit_wiki(page="faq", content="# FAQ\n")  # before wikibot's first sync
    scenario.publish()
    for _ in range(2):
        plan = json.loads(scenario.run_cli("plan", "--json").out)
        assert {p["page"]: p["action"] for p in plan["pages"]}["faq"] == "remote-only"


def test_pull_all_imports_wiki_only_pages(scenario: Scenario) -> None:
    scenario.publish()
    scenario.sandbox.edit_wiki(page="faq", content="# FAQ\n\nAsk here.\n")
    plan = json.loads(scenario.run_cli("plan", "--json").out)
    assert {p["page"]: p["action"] for p in plan["pages"]}["faq"] == "remote-only"
    again = json.loads(scenario.run_cli("plan", "--json").out)  # still listed, cheap path
    assert {p["page"]: p["action"] for p in again["pages"]}["faq"] == "remote-only"
    assert scenario.run_cli("pull", "--all").code == 0
    assert scenario.page_body("faq") == "# FAQ\n\nAsk here.\n"
    assert scenario.run_cli("plan", "--detailed-exitcode").code == 0


def test_check_reports_file_line_problems(scenario: Scenario) -> None:
    root = scenario.pages_dir
    scenario.edit_page("index", "wiki/hackers)", "wiki/hackerz)")
    scenario.seed_pages(
        {
            "bad": "---\npermlevel: 9\n---\ntext\n",
            "huge": "---\ntitle: huge\n---\n" + "word " * 110_000 + "\n",
            "html": "---\ntitle: h\n---\nfine\n\n<div>raw</div>\n",
            "dup": "---\npermlevel: 2\npermlevel: 0\n---\ntext\n",
            # links to a page whose file is broken: only that file's fault is reported
            "linker": "---\ntitle: l\n---\n[d](/r/learnmachinelearning/wiki/dup), [d](dup.md)\n",
        }
    )
    result = scenario.run_cli("check")
    assert result.code == 1
    lines = result.out.splitlines()
    assert any(line.startswith(f"{root / 'index.md'}:") and "hackerz" in line for line in lines)
    assert any(line.startswith(f"{root / 'bad.md'}:2:") and "permlevel" in line for line in lines)
    assert any(line.startswith(f"{root / 'huge.md'}:1:") and "524,288" in line for line in lines)
    assert any(line.startswith(f"{root / 'html.md'}:6:") and "raw HTML" in line for line in lines)
    assert any(line.startswith(f"{root / 'dup.md'}:3:") and "given twice" in line for line in lines)
    as_json = json.loads(scenario.run_cli("check", "--json").out)
    assert as_json["ok"] is False and len(as_json["problems"]) == 5, as_json["problems"]


def test_bad_front_matter_stops_plan_with_one_line(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.seed_pages({"bad": "---\nlisted: perhaps\n---\nx\n"})
    result = scenario.run_cli("plan")
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        f"wikibot: error: {scenario.pages_dir / 'bad.md'}:2: front matter.listed: "
        "expected true or false, got 'perhaps'"
    ]
    # Run from the project folder, as moderators do: files named as they would type them.
    monkeypatch.chdir(scenario.pages_dir.parent)
    relative = f"{Path(scenario.pages_dir.name) / 'bad.md'}:2:"
    assert scenario.run_cli("plan").err.startswith(f"wikibot: error: {relative} front matter")
    assert scenario.run_cli("check").out.startswith(f"{relative} error: front matter.listed")


def test_preview_renders_html(scenario: Scenario) -> None:
    out = scenario.root / "index.html"
    written = scenario.run_cli("preview", "index", "-o", str(out))
    assert written.code == 0 and written.err == f"wrote {out}\n"
    quiet = scenario.run_cli("-q", "preview", "index", "-o", str(out))
    assert quiet.code == 0 and quiet.out == quiet.err == ""  # -q: only errors
    html = out.read_text()
    assert "<h1>Introduction: How to get into Machine Learning</h1>" in html
    assert 'href="/r/learnmachinelearning/wiki/hackers"' in html


def test_unknown_page_argument_is_a_usage_error(scenario: Scenario) -> None:
    """Every command taking PAGE: exit 2 (bad usage), one line naming the page and the
    known pages, nothing written."""
    scenario.git_checkout()
    scenario.seed_pages({"engineers": "---\ntitle: Engineers\n---\n# Engineers\n"})
    for command in ("plan", "push", "pull", "preview", ("pull", "--history")):
        args = (command,) if isinstance(command, str) else command
        result = scenario.run_cli(*args, "enginers")
        assert result.code == 2, (args, result.out, result.err)
        (line,) = result.err.splitlines()
        assert line.startswith("wikibot: error: unknown page 'enginers': no file in "), line
        assert "engineers" in line.split("enginers'", 1)[1], line
    assert scenario.sandbox.state()["wiki"] == {}
