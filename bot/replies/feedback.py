"""The moderators' and readers' feedback on the bot's replies, turned into labels.

One check costs two calls when nothing is new: the bot account's newest comments (their
scores, and whether a moderator removed them) and its inbox of comment replies, read with
a cursor (older pages follow until the last reply already seen, so a flood never hides a
command). Then, for each of the bot's replies:

- removed by a moderator: the post is labelled ``other`` (source ``removal``);
- scored ``DOWNVOTE_LIMIT`` or lower: the reply is deleted and the post labelled ``other``
  (``votes``);
- answered by the post's author with the command ``wrong``: the same (``author``);
- answered by the post's author with ``stop``: the author is opted out.

The author's answer must *be* the command (``commands.author_command``): thanks and
negations never act. A lower source never overrides a moderator's label (``bot.labels``).
Deletes go through the exactly-once protocol (``deletes.py``): a delete whose answer was
lost is confirmed, and labelled, by the next check. Each comment is acted on once.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.labels import LabelBook
from bot.records import CommentReply, ListingCursor, OwnComment
from bot.reddit import Gateway
from bot.replies.commands import STOP, WRONG, author_command
from bot.replies.deletes import PlannedLabel, ReplyDeleter
from bot.state import PostRow, State

log = logging.getLogger(__name__)
DOWNVOTE_LIMIT = -3
INBOX_CURSOR_KEY = "inbox_cursor"  # the newest inbox reply read: "created_utc t1_..."


@dataclass
class FeedbackReport:
    """What one check found and did."""

    deleted: list[str] = field(default_factory=list)  # post ids whose reply was deleted
    labelled: list[str] = field(default_factory=list)
    opted_out: list[str] = field(default_factory=list)
    unconfirmed: list[str] = field(default_factory=list)  # deletes whose answer was lost

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        text = (
            f"{len(self.deleted)} reply(ies) deleted, {len(self.labelled)} labelled, "
            f"{len(self.opted_out)} opted out"
        )
        if self.unconfirmed:
            text += f", {len(self.unconfirmed)} delete(s) to confirm next check"
        return text


class FeedbackCheck:
    """Reads the signals on the bot's recent replies and acts on each once."""

    def __init__(self, *, gateway: Gateway, state: State) -> None:
        self.gateway = gateway
        self.state = state
        self.labels = LabelBook(state)
        self.deleter = ReplyDeleter(gateway=gateway, state=state, labels=self.labels)

    def run(self) -> FeedbackReport:
        report = FeedbackReport()
        for post_id in self.deleter.resolve():  # deletes left open by an earlier check
            report.deleted.append(post_id)
            report.labelled.append(post_id)
        own = self.gateway.own_comments()
        inbox = self.gateway.comment_replies(since=self._inbox_cursor())
        replies = self.state.posts.by_comment(
            [c.id for c in own] + [r.parent_comment_id for r in inbox]
        )
        handled = self.labels.handled([c.fullname for c in own] + [r.fullname for r in inbox])
        for comment in own:
            if comment.fullname not in handled and comment.id in replies:
                self._judge_score(comment, report)
        for reply in reversed(inbox):  # oldest first
            post = replies.get(reply.parent_comment_id)
            if reply.fullname in handled or post is None:
                continue
            self._judge_answer(reply, post, report)
        cursor = ListingCursor.newest([(r.created_utc, r.fullname) for r in inbox])
        if cursor is not None:
            self.state.meta.set(INBOX_CURSOR_KEY, cursor.to_text())
        return report

    def _inbox_cursor(self) -> ListingCursor | None:
        """The newest reply read before; at first, the time of the bot's oldest reply."""
        cursor = ListingCursor.from_text(self.state.meta.get(INBOX_CURSOR_KEY))
        if cursor is not None:
            return cursor
        oldest = [row.replied_at for row in self.state.posts.replies_since(0) if row.replied_at]
        return ListingCursor(min(oldest)) if oldest else None

    def _judge_score(self, comment: OwnComment, report: FeedbackReport) -> None:
        if comment.removed:
            label = PlannedLabel("other", "none", "removal", "", why="removed by a moderator")
            self.deleter.record_label(post_id=comment.post_id, label=label)
            self.labels.mark(comment.fullname, post_id=comment.post_id, action="labelled")
            report.labelled.append(comment.post_id)
        elif comment.score <= DOWNVOTE_LIMIT:
            label = PlannedLabel("other", "none", "votes", "", why=f"scored {comment.score}")
            self._delete(comment.id, comment.post_id, label, report)
            self.labels.mark(comment.fullname, post_id=comment.post_id, action="deleted")

    def _judge_answer(self, reply: CommentReply, post: PostRow, report: FeedbackReport) -> None:
        post_id = post.post_id
        author = reply.author or ""
        is_author = author.lower() == (post.author or "").lower() != ""
        commands = author_command(reply.body) if is_author else frozenset()
        if WRONG in commands:
            label = PlannedLabel("other", "none", "author", author, why="the asker said wrong")
            self._delete(reply.parent_comment_id, post_id, label, report)
        if STOP in commands:
            self.state.optout.add(author)
            report.opted_out.append(author)
            log.info("feedback: u/%s opted out of replies", author)
        action = "opted_out" if commands == {STOP} else ("acted" if commands else "seen")
        self.labels.mark(reply.fullname, post_id=post_id, action=action)

    def _delete(
        self, comment_id: str, post_id: str, label: PlannedLabel, report: FeedbackReport
    ) -> None:
        outcome = self.deleter.delete(comment_id=comment_id, post_id=post_id, label=label)
        if outcome:
            report.deleted.append(post_id)
            report.labelled.append(post_id)
        elif outcome is None:
            report.unconfirmed.append(post_id)
