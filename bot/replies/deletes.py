"""Delete the bot's replies exactly once, and record the label that goes with each delete.

Record the intent (with the label to keep), delete, confirm. A delete whose answer is lost
(a 5xx, a timeout, a kill) stays an intent; the next feedback check reads the comment back
(``/api/info``, one call for all open intents): gone means done, still there means delete
again. Either way the label is recorded once the delete is confirmed.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from bot.errors import Forbidden, NotFound, Refused, WriteUncertain
from bot.journal import WriteJournal, WriteKind, WriteRow, WriteStatus
from bot.labels import LabelBook
from bot.records import comment_fullname, post_fullname
from bot.reddit import Gateway
from bot.state import State

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedLabel:
    """The label to record once a delete is confirmed (post text read then if empty)."""

    intent: str
    audience: str
    source: str
    who: str
    why: str
    title: str = ""
    body: str = ""


class ReplyDeleter:
    """Deletes replies through the write journal; labels each post once it is confirmed."""

    def __init__(self, *, gateway: Gateway, state: State, labels: LabelBook) -> None:
        self.gateway = gateway
        self.state = state
        self.labels = labels
        self.journal = WriteJournal(state)

    def delete(self, *, comment_id: str, post_id: str, label: PlannedLabel) -> bool | None:
        """True: deleted and labelled now; None: the outcome is unknown (confirmed by the
        next ``resolve``); False: this reply's delete was recorded before."""
        if not self.journal.begin(
            WriteKind.DELETE, comment_id, post_id=post_id, payload=asdict(label)
        ):
            return False
        return self._attempt(comment_id, post_id, label)

    def resolve(self) -> list[str]:
        """Confirm the deletes whose answer was lost; returns the posts now labelled.

        Costs nothing when none is open, else one read for all of them.
        """
        pending = self.journal.with_status(WriteKind.DELETE, WriteStatus.INTENT)
        if not pending:
            return []
        still_there = self.gateway.comments_by_id([row.key for row in pending])
        confirmed = []
        for row in pending:
            label = PlannedLabel(**row.payload)
            post_id = row.post_id or ""
            comment = still_there.get(row.key)
            if comment is None or comment.deleted:
                log.info(
                    "feedback: the delete of %s was applied after all", comment_fullname(row.key)
                )
                self._confirm(row, label)
                confirmed.append(post_id)
            elif self._attempt(row.key, post_id, label):
                confirmed.append(post_id)
        return confirmed

    def _attempt(self, comment_id: str, post_id: str, label: PlannedLabel) -> bool | None:
        what = f"reply {comment_fullname(comment_id)} on {post_fullname(post_id)} ({label.why})"
        try:
            self.gateway.delete_comment(comment_id)
            log.info("feedback: deleted %s", what)
        except NotFound:
            log.info("feedback: %s was gone already", what)
        except WriteUncertain as exc:
            log.warning("feedback: %s; the next check confirms it", exc)
            return None
        except Forbidden:
            raise  # the account lost a permission: the scheduler stops the job
        except Refused as exc:  # Reddit said no: asking again would not help
            log.warning("feedback: %s; the label is kept all the same", exc)
        row = self.journal.get(WriteKind.DELETE, comment_id)
        assert row is not None
        self._confirm(row, label)
        return True

    def _confirm(self, row: WriteRow, label: PlannedLabel) -> None:
        self.record_label(post_id=row.post_id or "", label=label)
        self.journal.finish(WriteKind.DELETE, [row.key])

    def record_label(self, *, post_id: str, label: PlannedLabel) -> None:
        """Keep a label event with the post's text (read with one call when not given); a
        confirmed delete's label, or one that goes with no delete."""
        title, body = label.title, label.body
        if not title:
            post = self.gateway.posts_by_id([post_id]).get(post_id)
            if post is not None and not post.removed and post.author is not None:
                title, body = post.title, post.body
            else:
                known = self.state.posts.get(post_id)
                title, body = (known.title if known else ""), ""
        in_force = self.labels.record(
            key=post_fullname(post_id),
            intent=label.intent,
            audience=label.audience,
            source=label.source,
            who=label.who,
            title=title,
            body=body,
        )
        kept = "" if in_force.source == label.source else f"; the {in_force.source}'s label stays"
        log.info(
            "labels: %s labelled %s by %s (%s)%s",
            post_fullname(post_id),
            label.intent,
            label.source,
            label.why,
            kept,
        )
