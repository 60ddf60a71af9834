"""Labels from moderators, helpers and readers: every event kept, one label in force per post.

Each label event says which post, what label (``getting_started`` with a guide, or
``other``), from which source, by whom and when, with the post's text when it was read.
The label in force for a post follows a precedence, highest first:

1. ``moderator``: ``wikibot replies label``, a moderator's ``!guide`` or ``!noguide``;
2. ``summon``: a helper's ``!guide`` (``replies.helpers``);
3. ``author``: the asker answering the bot's reply with "wrong";
4. ``votes``, ``removal``: a reply voted down, or removed by a moderator.

A lower source never overrides a higher one; among events of the same source the latest
wins (a moderator may change their mind). The same store remembers which comments
(readers' answers, summons) were acted on, so each is acted on once.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from bot.state import State

PRECEDENCE = {"moderator": 4, "summon": 3, "author": 2, "votes": 1, "removal": 1}
SOURCES = tuple(PRECEDENCE)
ACTED_ON = ("deleted", "opted_out", "acted", "labelled")  # feedback that changed something


@dataclass(frozen=True)
class LabelEvent:
    """One label given to one post by one source."""

    key: str
    intent: str
    audience: str
    source: str
    who: str
    at: float
    title: str = ""
    body: str = ""

    @property
    def is_getting_started(self) -> bool:
        return self.intent == "getting_started"


def in_force(events: list[LabelEvent]) -> LabelEvent | None:
    """The event that decides a post's label: highest source, then latest. Pure.

    It carries the newest text any event of the post was recorded with.
    """
    if not events:
        return None
    winner = max(events, key=lambda e: (PRECEDENCE.get(e.source, 0), e.at))
    if winner.title:
        return winner
    with_text = [e for e in events if e.title]
    if not with_text:
        return winner
    text = max(with_text, key=lambda e: e.at)
    return LabelEvent(**{**winner.__dict__, "title": text.title, "body": text.body})


class LabelBook:
    """The ``label_events`` and ``feedback`` tables of the state database (``bot/state/``
    creates them and copies wikibot 0.1's labels in)."""

    def __init__(self, state: State) -> None:
        self._database = state.db

    def record(
        self,
        *,
        key: str,
        intent: str,
        audience: str,
        source: str,
        who: str,
        title: str = "",
        body: str = "",
    ) -> LabelEvent:
        """Keep one label event; returns the label in force for the post afterwards."""
        if source not in PRECEDENCE:
            raise ValueError(f"unknown label source {source!r}")
        with self._database.transaction() as db:
            db.execute(
                "INSERT INTO label_events (key, intent, audience, source, who, at, title, body) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (key, intent, audience, source, who, time.time(), title, body),
            )
        label = self.label(key)
        assert label is not None
        return label

    def keep(self, events: list[LabelEvent]) -> int:
        """Add events not recorded yet, as they were (a restore salvaging newer ones)."""
        added = 0
        with self._database.transaction() as db:
            for e in events:
                if db.execute(
                    "SELECT 1 FROM label_events WHERE key = ? AND source = ? AND who = ? "
                    "AND at = ?",
                    (e.key, e.source, e.who, e.at),
                ).fetchone():
                    continue
                db.execute(
                    "INSERT INTO label_events (key, intent, audience, source, who, at, title, "
                    "body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (e.key, e.intent, e.audience, e.source, e.who, e.at, e.title, e.body),
                )
                added += 1
        return added

    def events(self, key: str | None = None) -> list[LabelEvent]:
        """Every event (of one post), oldest first."""
        where, params = ("WHERE key = ?", (key,)) if key else ("", ())
        rows = self._database.query(
            "SELECT key, intent, audience, source, who, at, title, body FROM label_events "  # noqa: S608
            f"{where} ORDER BY at, id",
            params,
        )
        return [LabelEvent(**dict(row)) for row in rows]

    def label(self, key: str) -> LabelEvent | None:
        """The label in force for one post."""
        return in_force(self.events(key))

    def all(self) -> list[LabelEvent]:
        """The label in force for every labelled post, oldest post first."""
        by_key: dict[str, list[LabelEvent]] = {}
        for event in self.events():
            by_key.setdefault(event.key, []).append(event)
        labels = [in_force(events) for events in by_key.values()]
        return [label for label in labels if label is not None]

    def by_source(self) -> dict[str, int]:
        """How many labels in force come from each source."""
        return dict(sorted(Counter(label.source for label in self.all()).items()))

    # --- comments acted on -------------------------------------------------------------

    def handled(self, items: list[str]) -> set[str]:
        """Which of these comments (fullnames) were already acted on."""
        return {row["item"] for row in self._database.rows_where_in("feedback", "item", items)}

    def mark(self, item: str, *, post_id: str | None, action: str) -> None:
        with self._database.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO feedback (item, post_id, action, at) VALUES (?, ?, ?, ?)",
                (item, post_id, action, time.time()),
            )

    def actions(self) -> dict[str, int]:
        """Comments acted on, by action."""
        rows = self._database.query("SELECT action, COUNT(*) AS n FROM feedback GROUP BY action")
        return {row["action"]: int(row["n"]) for row in rows}
