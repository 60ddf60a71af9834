"""State files made by earlier wikibots open and work: the schema, the migrations, every store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.journal import WriteJournal, WriteKind, WriteStatus
from bot.labels import LabelBook
from bot.records import Target
from bot.state import PostStatus, State

FIXTURE = Path(__file__).parents[1] / "fixtures" / "state" / "state-2ec54a7.sql"
TARGET = Target(
    api_url="https://oauth.reddit.com", subreddit="learnmachinelearning", account="wikibot"
)


def _load(path: Path, *extra: str) -> Path:
    """A state file from the fixture's SQL dump, changed by ``extra`` statements."""
    with sqlite3.connect(path) as db:
        db.executescript(FIXTURE.read_text(encoding="utf-8"))
        for statement in extra:
            db.execute(statement)
    db.close()
    return path


def _schema(path: Path) -> dict[str, object]:
    """Every table's columns (name, type, not null, default, key) and every index."""
    with sqlite3.connect(path) as db:
        names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        tables: dict[str, object] = {
            name: db.execute(f"PRAGMA table_info({name})").fetchall() for name in sorted(names)
        }
        indexes = db.execute(
            "SELECT name, tbl_name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
            "ORDER BY name"
        ).fetchall()
    db.close()
    return {"tables": tables, "indexes": indexes}


def test_a_state_made_by_the_previous_schema_opens_and_every_store_works(tmp_path: Path) -> None:
    old = _load(tmp_path / "old.db")
    fresh = tmp_path / "fresh.db"
    made = State(fresh)
    LabelBook(made), WriteJournal(made)  # each made its own table before the state did
    made.close()
    assert _schema(fresh) == _schema(old)  # the schema on disk is the one it always was

    state = State(old)
    try:
        assert state.target() == TARGET
        state.claim_target(TARGET)
        assert state.meta.get("wiki_cursor") == "rev-3"
        pages = state.pages.all()
        assert sorted(pages) == ["guides/engineers", "index", "only_on_wiki"]
        assert pages["index"].listed is True and pages["index"].seen_author == "alice_mod"
        assert state.pages.heads()["index"].synced_content is None
        assert state.pages.synced_content("index") == "# Welcome\n"
        only_on_wiki = state.pages.get("only_on_wiki")
        assert only_on_wiki is not None and only_on_wiki.seen_revision == ""

        assert set(state.posts.known(["p1", "p2", "p9"])) == {"p1", "p2"}
        assert [row.post_id for row in state.posts.held()] == ["p3"]
        assert [row.post_id for row in state.posts.pending_intents()] == ["p4"]
        assert state.posts.by_comment(["c1"])["c1"].audience == "engineers"
        assert [row.post_id for row in state.posts.replies_since(0)] == ["p4", "p1"]
        assert state.posts.replies_count_since(0) == 2
        assert state.optout.users() == {"no_replies_please"}
        assert [(a.page, a.kind) for a in state.alerts.all()] == [("index", "drift")]
        assert [(r.job, r.ok) for r in state.runs.recent()] == [("replies", False), ("sync", True)]
        assert [r.error for r in state.runs.errors()] == ["Unavailable: 503"]

        book = LabelBook(state)
        assert [(x.key, x.source) for x in book.all()] == [
            ("t3_p1", "moderator"),
            ("t3_p2", "author"),
        ]
        assert book.handled(["t1_c9", "t1_c8"]) == {"t1_c9"}
        assert book.actions() == {"labelled": 1}
        journal = WriteJournal(state)
        assert journal.statuses(WriteKind.DELETE, ["c1"]) == {"c1": WriteStatus.DONE}
        assert [w.key for w in journal.with_status(WriteKind.DIGEST, WriteStatus.QUEUED)] == ["p3"]
        assert journal.count((WriteKind.DELETE, WriteKind.DIGEST)) == 2

        state.posts.record(post_id="p4", status=PostStatus.REPLIED, comment_id="c4")
        p4 = state.posts.get("p4")
        assert p4 is not None and p4.comment_id == "c4"
        assert state.optout.add("someone") and not state.optout.add("Someone")
        assert not state.alerts.record(page="index", revision="rev-3", kind="drift", author=None)
        assert state.runs.start("feedback") == 3
        label = book.record(
            key="t3_p2", intent="getting_started", audience="index", source="moderator", who="m"
        )
        assert (label.source, label.audience) == ("moderator", "index")
        assert journal.begin(WriteKind.REPORT, "p5", post_id="p5", payload={})
        with state.transaction() as db:
            state.pages.record_synced(
                db, "only_on_wiki", revision="rev-4", content="x", author="me"
            )
        only_on_wiki = state.pages.get("only_on_wiki")
        assert only_on_wiki is not None and only_on_wiki.synced_revision == "rev-4"
    finally:
        state.close()


def test_wikibot_0_1_labels_and_posts_are_migrated_once(tmp_path: Path) -> None:
    """A state from before label events (one label a post) and before held posts."""
    old = _load(
        tmp_path / "old.db",
        "DROP TABLE label_events",
        "DELETE FROM meta WHERE key = 'label_events_migrated'",
        "INSERT INTO labels VALUES ('t3_a', 'getting_started', 'engineers', 'moderator', "
        "'A title', 'A body', 10.0)",
        "INSERT INTO labels VALUES ('t3_b', 'other', 'none', 'feedback:downvoted', 'B', '', 20.0)",
        "INSERT INTO labels VALUES ('t3_c', 'other', 'none', 'feedback:removed', 'C', '', 30.0)",
        "ALTER TABLE posts DROP COLUMN created_utc",
    )
    state = State(old)
    try:
        book = LabelBook(state)
        assert [(x.key, x.source, x.title, x.at) for x in book.all()] == [
            ("t3_a", "moderator", "A title", 10.0),
            ("t3_b", "votes", "B", 20.0),
            ("t3_c", "removal", "C", 30.0),
        ]
        assert [row.post_id for row in state.posts.held()] == ["p3"]
        p3 = state.posts.get("p3")
        assert p3 is not None and p3.created_utc is None
    finally:
        state.close()
    again = State(old)
    try:
        assert len(LabelBook(again).events()) == 3  # copied once, not on every open
    finally:
        again.close()
