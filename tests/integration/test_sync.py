"""Wiki sync through the CLI and real PRAW against the sandbox."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from bot.config import Settings
from bot.reddit import Gateway
from bot.sandbox.client import SandboxClient
from bot.state import State
from bot.wiki.sync import WikiSync, load_workspace
from conftest import api_calls

GUIDES = {"index", "highschool", "engineers", "researchers", "hackers"}


def body_of(path: Path) -> str:
    return path.read_text().split("---\n", 2)[2]


def edit_local(settings: Settings, page: str, old: str, new: str) -> Path:
    """Replace the first ``old`` in the page's Markdown body (not its front matter)."""
    path = settings.wiki_pages_dir / f"{page}.md"
    _, front, body = path.read_text().split("---\n", 2)
    assert old in body
    path.write_text(f"---\n{front}---\n{body.replace(old, new, 1)}")
    return path


def wiki_text(client: SandboxClient, page: str) -> str:
    return client.state()["wiki"][page]["revisions"][-1]["content"]


def test_push_creates_the_guides_then_plan_is_clean(wikibot, client: SandboxClient) -> None:  # type: ignore[no-untyped-def]
    result = wikibot("push")
    assert result.code == 0, result.err
    assert set(client.state()["wiki"]) == GUIDES
    assert client.state()["wiki"]["index"]["settings"]["permlevel"] == 2
    start = len(client.log())
    plan = wikibot("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.out
    assert "No changes" in plan.out
    calls = [c["path"] for c in api_calls(client.log()[start:])]
    # one revisions listing at any page count, plus one page's settings (round-robin)
    assert calls == ["/r/learnmachinelearning/wiki/revisions", calls[1]]
    assert calls[1].startswith("/r/learnmachinelearning/wiki/settings/")


def test_human_wiki_edit_is_drift_kept_by_push_and_adopted_by_pull(
    wikibot, client: SandboxClient, settings: Settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    assert wikibot("push").code == 0
    human = body_of(settings.wiki_pages_dir / "engineers.md").replace("hard-won", "HARD WON")
    client.edit_wiki(page="engineers", content=human, author="alice_mod", reason="emphasis")

    plan = json.loads(wikibot("plan", "--json").out)
    actions = {p["page"]: p for p in plan["pages"]}
    assert actions["engineers"]["action"] == "drift"
    assert actions["engineers"]["wiki_author"] == "alice_mod"
    assert (
        "+A robust machine learning engineering skill set is HARD WON"
        in actions["engineers"]["diff"]
    )
    assert wikibot("plan", "--detailed-exitcode").code == 2

    push = wikibot("push")
    assert push.code == 3 and "drift" in push.out
    assert wiki_text(client, "engineers") == human  # the human edit stays

    pull = wikibot("pull", "engineers")
    assert pull.code == 0, pull.out + pull.err
    assert body_of(settings.wiki_pages_dir / "engineers.md") == human
    assert (settings.wiki_pages_dir / "engineers.md").read_text().startswith("---\npage: engineers")
    assert wikibot("plan", "--detailed-exitcode").code == 0


def test_conflict_is_refused_and_force_overwrites(
    wikibot,
    client: SandboxClient,  # type: ignore[no-untyped-def]
    settings: Settings,
) -> None:
    assert wikibot("push").code == 0
    edit_local(settings, "hackers", "cool shit", "cool things")
    client.edit_wiki(page="hackers", content="Completely rewritten by a human.\n")
    assert json.loads(wikibot("plan", "--json").out)["counts"]["conflict"] == 1
    refused = wikibot("push")
    assert refused.code == 3 and "conflict" in refused.out
    assert wiki_text(client, "hackers") == "Completely rewritten by a human.\n"
    pull = wikibot("pull", "hackers")
    assert pull.code == 3  # pull refuses too: the local file has unpublished changes
    forced = wikibot("push", "--force", "hackers")
    assert forced.code == 0, forced.out
    assert "cool things" in wiki_text(client, "hackers")
    assert wikibot("plan", "--detailed-exitcode").code == 0


def test_changed_pages_cost_k_plus_two_calls(
    wikibot,
    client: SandboxClient,  # type: ignore[no-untyped-def]
    settings: Settings,
) -> None:
    assert wikibot("push").code == 0
    for page in ("index", "hackers", "researchers"):
        edit_local(settings, page, "guide", "Guide")
    start = len(client.log())
    assert wikibot("push", "--reason", "Capitalise").code == 0
    calls = api_calls(client.log()[start:])
    assert len(calls) == 3 + 2, [c["path"] for c in calls]
    revisions = client.state()["wiki"]["hackers"]["revisions"]
    assert revisions[-1]["reason"] == "Capitalise"
    assert wikibot("plan", "--detailed-exitcode").code == 0


def test_edit_reason_falls_back_to_the_git_commit_subject(
    wikibot,
    client: SandboxClient,  # type: ignore[no-untyped-def]
    settings: Settings,
) -> None:
    root = settings.wiki_pages_dir
    page = root / "hackers.md"
    page.write_text(page.read_text().replace('reason: "Hacker Guide"\n', ""))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "."], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "Fix the hacker guide links"], cwd=root, check=True)
    assert wikibot("push", "hackers").code == 0
    assert (
        client.state()["wiki"]["hackers"]["revisions"][-1]["reason"] == "Fix the hacker guide links"
    )


def test_edit_during_push_is_a_conflict_and_others_go_on(
    settings: Settings, client: SandboxClient
) -> None:
    state = State(settings.state_db)
    wiki = WikiSync(settings, Gateway(settings), state)
    workspace = load_workspace(settings)
    wiki.push(wiki.plan(workspace), workspace)
    for page in ("index", "hackers"):
        edit_local(settings, page, "guide", "Guide")
    workspace = load_workspace(settings)
    plan = wiki.plan(workspace)
    client.edit_wiki(page="hackers", content="sneaky human edit\n")  # between plan and push
    report = wiki.push(plan, workspace)
    results = {o.page: o.result for o in report.outcomes}
    assert results == {"index": "updated", "hackers": "conflict"}
    assert wiki_text(client, "hackers") == "sneaky human edit\n"
    state.close()


def test_applied_then_failed_edit_is_recorded_not_repeated(
    wikibot,
    client: SandboxClient,  # type: ignore[no-untyped-def]
    settings: Settings,
) -> None:
    assert wikibot("push").code == 0
    edit_local(settings, "index", "guide", "Guide")
    client.add_fault("apply_503", path="/api/wiki/edit", count=5)
    result = wikibot("push")
    assert result.code == 0, result.out + result.err
    assert "applied despite the error" in result.out
    assert len(client.state()["wiki"]["index"]["revisions"]) == 2  # exactly one new edit
    assert wikibot("plan", "--detailed-exitcode").code == 0


def test_failed_edit_is_reported_and_retried_next_time(
    wikibot,
    client: SandboxClient,  # type: ignore[no-untyped-def]
    settings: Settings,
) -> None:
    assert wikibot("push").code == 0
    edit_local(settings, "index", "guide", "Guide")
    client.add_fault("503", path="/api/wiki/edit", method="POST", count=1)
    failed = wikibot("push")
    assert failed.code == 1 and "not applied" in failed.out
    assert wikibot("push").code == 0
    assert "Guide" in wiki_text(client, "index")
    assert len(client.state()["wiki"]["index"]["revisions"]) == 2


def test_wiki_only_page_found_by_the_first_sync_stays_listed(
    wikibot,
    client: SandboxClient,  # type: ignore[no-untyped-def]
) -> None:
    client.edit_wiki(page="faq", content="# FAQ\n")  # exists before wikibot's first sync
    assert wikibot("push").code == 0
    for _ in range(2):
        plan = json.loads(wikibot("plan", "--json").out)
        assert {p["page"]: p["action"] for p in plan["pages"]}["faq"] == "remote-only"


def test_pull_all_imports_wiki_only_pages(
    wikibot,
    client: SandboxClient,  # type: ignore[no-untyped-def]
    settings: Settings,
) -> None:
    assert wikibot("push").code == 0
    client.edit_wiki(page="faq", content="# FAQ\n\nAsk here.\n")
    plan = json.loads(wikibot("plan", "--json").out)
    assert {p["page"]: p["action"] for p in plan["pages"]}["faq"] == "remote-only"
    again = json.loads(wikibot("plan", "--json").out)  # still listed on the cheap path
    assert {p["page"]: p["action"] for p in again["pages"]}["faq"] == "remote-only"
    assert wikibot("pull", "--all").code == 0
    created = settings.wiki_pages_dir / "faq.md"
    assert body_of(created) == "# FAQ\n\nAsk here.\n"
    assert wikibot("plan", "--detailed-exitcode").code == 0


def test_check_reports_file_line_problems(wikibot, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    root = settings.wiki_pages_dir
    edit_local(settings, "index", "wiki/hackers)", "wiki/hackerz)")
    (root / "bad.md").write_text("---\npermlevel: 9\n---\ntext\n")
    (root / "huge.md").write_text("---\ntitle: huge\n---\n" + "word " * 110_000 + "\n")
    (root / "html.md").write_text("---\ntitle: h\n---\nfine\n\n<div>raw</div>\n")
    result = wikibot("check")
    assert result.code == 1
    lines = result.out.splitlines()
    assert any(line.startswith(f"{root / 'index.md'}:") and "hackerz" in line for line in lines)
    assert any(line.startswith(f"{root / 'bad.md'}:2:") and "permlevel" in line for line in lines)
    assert any(line.startswith(f"{root / 'huge.md'}:1:") and "524,288" in line for line in lines)
    assert any(line.startswith(f"{root / 'html.md'}:6:") and "raw HTML" in line for line in lines)
    as_json = json.loads(wikibot("check", "--json").out)
    assert as_json["ok"] is False and len(as_json["problems"]) == 4


def test_bad_front_matter_stops_plan_with_one_line(wikibot, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    (settings.wiki_pages_dir / "bad.md").write_text("---\nlisted: perhaps\n---\nx\n")
    result = wikibot("plan")
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        f"wikibot: error: {settings.wiki_pages_dir / 'bad.md'}:2: front matter listed: "
        "expected true or false, got 'perhaps'"
    ]


def test_preview_renders_html(wikibot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "index.html"
    assert wikibot("preview", "index", "-o", str(out)).code == 0
    html = out.read_text()
    assert "<h1>Introduction: How to get into Machine Learning</h1>" in html
    assert 'href="/r/learnmachinelearning/wiki/hackers"' in html
    assert wikibot("preview", "nope").code == 1


def test_unknown_page_argument_is_a_clear_error(wikibot) -> None:  # type: ignore[no-untyped-def]
    result = wikibot("plan", "enginers")
    assert result.code == 1 and "unknown page 'enginers'" in result.err
