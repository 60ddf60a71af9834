"""The moderators' pull-request workflow: `plan --format markdown`, the workflow file, and
settings changed by hand on the wiki. Real PRAW against the sandbox."""

from __future__ import annotations

import json
import re

import praw
import pytest
import yaml

from bot.config import Settings
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from conftest import RunCli, api_calls, body_of, edit_local, plain_praw

DETAILS = re.compile(
    r"<details><summary><code>(?P<page>[^<]+)</code>: (?P<kind>[a-z-]+) "
    r"\(\+(?P<added>\d+) -(?P<removed>\d+)\)</summary>\n\n"
    r"(?P<fence>`{3,})diff\n(?P<diff>.*?)(?P=fence)\n\n</details>\n",
    re.DOTALL,
)


def comment_diffs(comment: str) -> dict[str, str]:
    return {m["page"]: m["diff"] for m in DETAILS.finditer(comment)}


def plan_diffs(wikibot: RunCli) -> dict[str, str]:
    plan = json.loads(wikibot("plan", "--json").out)
    return {p["page"]: p["diff"] for p in plan["pages"] if p["diff"]}


def test_markdown_plan_diffs_are_exactly_plans(
    wikibot: RunCli, client: SandboxClient, settings: Settings
) -> None:
    created = wikibot("plan", "--format", "markdown")
    assert created.code == 0, created.err
    assert created.out.startswith("<!-- wikibot-plan -->\n")
    assert "| `engineers` | create | +30 -0 | — |" in created.out
    assert comment_diffs(created.out) == plan_diffs(wikibot)
    assert len(comment_diffs(created.out)) == 5
    table_only = wikibot("plan", "--format", "markdown", "--no-diff").out
    assert "<details>" not in table_only and "| `engineers` | create | +30 -0 |" in table_only

    assert wikibot("push").code == 0
    edit_local(settings, "index", "guide", "Guide")  # update
    human = body_of(settings.wiki_pages_dir / "engineers.md").replace("hard-won", "HARD WON")
    client.edit_wiki(page="engineers", content=human, author="alice_mod")  # drift
    edit_local(settings, "hackers", "cool shit", "cool things")  # conflict
    client.edit_wiki(page="hackers", content="Rewritten by a human.\n", author="bob_mod")
    comment = wikibot("plan", "--format", "markdown").out
    rows = {line.split(" | ")[0][3:-1]: line for line in comment.splitlines() if "| `" in line}
    assert " | update | " in rows["index"] and "u/wikibot" in rows["index"]
    assert " | drift | " in rows["engineers"] and "u/alice_mod" in rows["engineers"]
    assert " | conflict | " in rows["hackers"] and "u/bob_mod" in rows["hackers"]
    diffs = comment_diffs(comment)
    assert diffs == plan_diffs(wikibot)
    assert set(diffs) == {"index", "engineers", "hackers"}
    for match in DETAILS.finditer(comment):  # the summary's counts are the diff's own
        added = sum(1 for x in match["diff"].splitlines()[2:] if x.startswith("+"))
        assert int(match["added"]) == added


def test_a_200_kb_diff_is_cut_to_fit_one_github_comment(
    wikibot: RunCli, settings: Settings
) -> None:
    assert wikibot("push").code == 0
    paragraph = "Linear algebra first, then probability, then practice on real data.\n\n"
    big = settings.wiki_pages_dir / "index.md"
    front = big.read_text().split("---\n", 2)[1]
    big.write_text(f"---\n{front}---\n" + paragraph * 3000)  # about 200 KB
    edit_local(settings, "hackers", "cool shit", "cool things")
    comment = wikibot("plan", "--format", "markdown").out
    plan = plan_diffs(wikibot)
    assert len(plan["index"]) > 200_000
    assert len(comment) <= 65_536
    diffs = comment_diffs(comment)
    assert diffs["hackers"] == plan["hackers"]  # the small diff is whole
    cut = diffs["index"]
    kept, note = cut.rsplit("\n", 2)[0] + "\n", cut.splitlines()[-1]
    assert plan["index"].startswith(kept) and len(kept) > 50_000
    left_out = len(plan["index"].splitlines()) - len(kept.splitlines())
    assert note == (
        f"... diff cut here: {left_out} more line(s) not shown; "
        "run `wikibot plan index` for the whole diff"
    )
    pages = {p["page"]: p for p in json.loads(wikibot("plan", "--json").out)["pages"]}
    added, removed = pages["index"]["added"], pages["index"]["removed"]
    assert added > 5000
    assert f"| `index` | update | +{added} -{removed} |" in comment  # the whole diff's counts


@pytest.fixture
def mod_praw(sandbox: SandboxServer) -> praw.Reddit:
    """A moderator's own PRAW session, changing things by hand."""
    return plain_praw(sandbox.url, username="alice_mod", password="sandbox")


def test_settings_changed_by_hand_show_in_plan_within_one_cycle_per_page(
    wikibot: RunCli, client: SandboxClient, settings: Settings, mod_praw: praw.Reddit
) -> None:
    client.add_account(user="alice_mod", password="sandbox")
    assert wikibot("push").code == 0
    wiki_body = body_of(settings.wiki_pages_dir / "researchers.md")
    mod_praw.subreddit("learnmachinelearning").wiki["researchers"].mod.update(
        listed=False, permlevel=1
    )
    seen_at = None
    for cycle in range(1, 6):  # 5 pages: each is looked at within 5 idle cycles
        start = len(client.log())
        plan = json.loads(wikibot("plan", "--json").out)
        assert len(api_calls(client.log()[start:])) <= 2  # the listing + one page's settings
        drift = {p["page"]: p["settings_drift"] for p in plan["pages"] if p["settings_drift"]}
        if drift:
            assert drift == {"researchers": {"listed": False, "permlevel": 1}}
            seen_at = cycle
            break
    assert seen_at is not None
    assert "settings drift: the wiki has listed=False permlevel=1" in wikibot("plan").out
    assert "settings changed on the wiki" in wikibot("plan", "--format", "markdown").out
    dry = wikibot("push", "--dry-run")
    assert dry.code == 3 and "settings changed on the wiki to listed=False permlevel=1" in dry.out
    push = wikibot("push")  # leaves the hand-made settings alone
    assert push.code == 3
    assert client.state()["wiki"]["researchers"]["settings"]["listed"] is False

    pull = wikibot("pull", "researchers")
    assert pull.code == 0, pull.out + pull.err
    front = (settings.wiki_pages_dir / "researchers.md").read_text().split("---\n")[1]
    assert yaml.safe_load(front)["listed"] is False and yaml.safe_load(front)["permlevel"] == 1
    assert "title:" in front  # the rest of the front matter is kept
    assert body_of(settings.wiki_pages_dir / "researchers.md") == wiki_body  # and the body
    for _ in range(5):
        assert wikibot("plan", "--detailed-exitcode").code == 0


def test_push_force_restores_the_files_settings_and_dry_run_lists_changes(
    wikibot: RunCli, client: SandboxClient, settings: Settings, mod_praw: praw.Reddit
) -> None:
    client.add_account(user="alice_mod", password="sandbox")
    assert wikibot("push").code == 0
    mod_praw.subreddit("learnmachinelearning").wiki["engineers"].mod.update(
        listed=False, permlevel=0
    )
    for _ in range(5):
        if "settings drift" in wikibot("plan").out:
            break
    assert wikibot("push", "--force", "engineers").code == 0
    assert client.state()["wiki"]["engineers"]["settings"] == {
        "listed": True,
        "permlevel": 2,
        "editors": [],
    }
    path = settings.wiki_pages_dir / "hackers.md"
    path.write_text(path.read_text().replace("listed: true", "listed: false"))
    dry = wikibot("push", "--dry-run")
    assert dry.code == 0 and "would-settings hackers  listed=False permlevel=2" in dry.out


def test_run_once_reports_settings_drift_as_needing_a_person(
    wikibot: RunCli, client: SandboxClient, mod_praw: praw.Reddit
) -> None:
    client.add_account(user="alice_mod", password="sandbox")
    assert wikibot("push").code == 0
    mod_praw.subreddit("learnmachinelearning").wiki["hackers"].mod.update(listed=False, permlevel=2)
    codes = []
    for _ in range(5):  # one page's settings per idle cycle: 5 pages, 5 cycles at most
        result = wikibot("run", "--once")
        codes.append(result.code)
        if result.code == 3:
            break
    assert codes[-1] == 3, codes
    assert "sync: hackers: settings changed on the wiki to listed=False permlevel=2" in (result.err)
    mail = [m for m in client.state()["modmail"] if "hackers" in m["subject"]]
    assert len(mail) == 1 and "settings drift" in mail[0]["subject"]
    assert "wikibot pull hackers" in mail[0]["text"] and "listed=False" in mail[0]["text"]
    again = wikibot("run", "--once")
    assert again.code == 3
    assert (
        "sync: hackers: settings drift: the wiki has listed=False permlevel=2 "
        "(`wikibot pull hackers` adopts) (moderators alerted once per revision)"
    ) in again.err
    assert len([m for m in client.state()["modmail"] if "hackers" in m["subject"]]) == 1


def test_a_refused_settings_read_does_not_stop_the_sync(
    wikibot: RunCli, client: SandboxClient
) -> None:
    assert wikibot("push").code == 0
    client.add_fault("403", path="/wiki/settings/", count=1)  # not a moderator any more
    start = len(client.log())
    plan = wikibot("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.err
    assert [e["status"] for e in api_calls(client.log()[start:])] == [200, 403]
