"""A damaged state database: one line, `state check`, and `state restore` from the daily
backup, reconciled with Reddit (real PRAW against the sandbox, through the CLI)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import Scenario

GETTING_STARTED = ("I'm 16, how do I get into machine learning?", "Where should I start?")


def damage(state_db: Path, tables: tuple[str, ...]) -> None:
    """Overwrite the root pages of ``tables``: the header stays valid, those tables break."""
    with sqlite3.connect(state_db) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        roots = [
            db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (t,)).fetchone()[0]
            for t in tables
        ]
    with state_db.open("r+b") as handle:
        for root in roots:
            handle.seek((root - 1) * page_size + 8)
            handle.write(b"\xff" * 600)


def test_a_damaged_state_is_one_line_and_restore_reconciles_the_backup(
    scenario: Scenario, tmp_path: Path
) -> None:
    sub, state_db = scenario.sandbox, scenario.settings.state_db
    assert scenario.run_cli("run", "--once").code == 0  # publishes, answers, backs up
    (backup,) = sorted((state_db.parent / "backups").glob("*.db"))

    # After the backup: replies (one deleted at its asker's "wrong"), a human wiki edit, the
    # bot's own push, a label, an opt-out.
    asker = sub.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1], author="new_asker")
    wrong = sub.post(title=GETTING_STARTED[0], body=GETTING_STARTED[1], author="other_asker")
    assert "2 replied" in scenario.run_cli("replies", "scan").out
    (deleted,) = scenario.bot_comments(wrong)
    sub.comment(parent=f"t1_{deleted['id']}", body="wrong", author="other_asker")
    assert scenario.run_cli("replies", "feedback").code == 0
    assert scenario.bot_comments(wrong)[0]["deleted"] is True
    sub.edit_wiki(page="engineers", content="Rewritten by a moderator.\n", author="alice_mod")
    hackers = scenario.pages_dir / "hackers.md"
    hackers.write_text(hackers.read_text() + "\nA line the moderators added.\n")
    assert scenario.run_cli("push").code == 3  # hackers updated; engineers drift
    assert scenario.run_cli("replies", "label", asker, "getting_started", "highschool").code == 0
    assert scenario.run_cli("replies", "optout", "u/stop_asker").code == 0
    # A newer backup that is itself damaged: restore passes over it.
    damaged_backup = backup.with_name(f"{state_db.stem}-29991231T000000Z.db")
    damaged_backup.write_bytes(b"SQLite format 3\x00" + b"\xff" * 8192)

    damage(state_db, ("meta", "pages", "posts"))
    for command in (("status",), ("plan",), ("push",), ("replies", "scan"), ("run", "--once")):
        result = scenario.run_cli(*command)
        assert result.code == 2, (command, result.err)
        lines = result.err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.err, (command, result.err)
        assert f"{state_db}: the state database is damaged" in lines[-1]
        assert "run 'wikibot state restore'" in lines[-1]
    checked = scenario.run_cli("state", "check")
    assert checked.code == 1 and "damaged" in checked.out
    assert json.loads(scenario.run_cli("state", "check", "--json").out)["ok"] is False

    restored = scenario.run_cli("state", "restore", "--json")
    assert restored.code == 0, restored.err
    report = json.loads(restored.out)
    assert report["backup"] == str(backup)
    assert report["damaged_backups"] == [str(damaged_backup)]
    assert Path(report["damaged_kept_as"]).exists()  # moved aside, never deleted
    assert report["replies_found"] == 1
    assert report["pages_synced"] == ["hackers"]  # the bot's push, nobody else in between
    assert "engineers" in report["pages_seen"]
    assert report["labels_salvaged"] == 2 and report["optouts_salvaged"] == 1
    assert scenario.run_cli("state", "check").code == 0

    # No second reply (nor a new one where the asker said "wrong": its deleted reply is gone
    # from Reddit's listings, its label is not); the human's edit is drift (never recorded
    # as synced); the bot's push is the sync base; the label survived and exports without
    # post text.
    again = json.loads(scenario.run_cli("replies", "scan", "--json").out)
    assert again["replied"] == [] and again["recovered"] == []
    assert again["skipped"] == {"labelled other": 1}
    assert len(scenario.bot_comments(asker)) == 1 and len(scenario.bot_comments(wrong)) == 1
    plan = json.loads(scenario.run_cli("plan", "--json").out)
    kinds = {page["page"]: page["action"] for page in plan["pages"]}
    assert kinds["engineers"] == "drift" and kinds["hackers"] == "unchanged", kinds
    export = tmp_path / "labels.jsonl"
    assert scenario.run_cli("replies", "labels", "--export", str(export)).code == 0
    exported = {row["key"]: row for row in map(json.loads, export.read_text().splitlines())}
    assert exported[wrong]["intent"] == "other" and exported[wrong]["labelled_by"] == "author"
    line = exported[asker]
    assert line["key"] == asker and line["intent"] == "getting_started"
    assert line["audience"] == "highschool" and line["labelled_by"] == "moderator"
    assert (
        "title" not in line and "body" not in line and GETTING_STARTED[0] not in export.read_text()
    )
    restarted = scenario.run_cli("replies", "optout", "u/stop_asker")
    assert "had already opted out" in restarted.out


def test_restore_without_a_state_says_there_is_none_and_creates_nothing(
    unstarted: Scenario,
) -> None:
    state_db = unstarted.settings.state_db
    result = unstarted.run_cli("state", "restore")
    assert result.code == 1
    assert result.err == (
        f"wikibot: error: {state_db}: no state yet, and no backup of it: nothing to restore; "
        "wikibot creates the state on its first run (`wikibot run --once`)\n"
    )
    assert not state_db.parent.exists()  # no folder, no lock, no sandbox started
    assert not unstarted.settings.sandbox.state_file.parent.exists()
