"""The moderators' and readers' feedback on the bot's replies, turned into labels.

One check costs two calls: the bot account's newest comments (their scores, and whether a
moderator removed them) and its inbox of comment replies. Then, for each of the bot's
replies:

- removed by a moderator: the post is labelled ``other`` (``feedback:removed``);
- scored ``DOWNVOTE_LIMIT`` or lower: the reply is deleted and the post labelled ``other``;
- answered by the post's author with "wrong" or "delete": the same;
- answered by the post's author with "stop" or "opt out": the author is opted out.

Each comment is acted on once (the ``feedback`` table remembers it). A label needs the
post's text, read with one more call only when a label is recorded. ``wikibot replies
train`` learns from these labels.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, field

from bot.errors import NotFound
from bot.models import CommentReply, OwnComment, post_fullname
from bot.reddit import Gateway
from bot.state import LabelStore, PostRow, State

log = logging.getLogger(__name__)
DOWNVOTE_LIMIT = -3
MAX_COMMAND_WORDS = 12  # a longer reply is a conversation, not a command
_WRONG = re.compile(r"\b(wrong|delete|remove)\b", re.IGNORECASE)
_STOP = re.compile(r"\b(stop|opt[- ]?out|unsubscribe)\b", re.IGNORECASE)


@dataclass
class FeedbackReport:
    """What one check found and did."""

    deleted: list[str] = field(default_factory=list)  # post ids whose reply was deleted
    labelled: list[str] = field(default_factory=list)
    opted_out: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.deleted)} reply(ies) deleted, {len(self.labelled)} labelled, "
            f"{len(self.opted_out)} opted out"
        )


def author_command(text: str) -> set[str]:
    """What a short reply by the post's author asks for: ``wrong`` and/or ``stop``. Pure."""
    words = text.split()
    if not words or len(words) > MAX_COMMAND_WORDS:
        return set()
    commands = set()
    if _WRONG.search(text):
        commands.add("wrong")
    if _STOP.search(text):
        commands.add("stop")
    return commands


class FeedbackCheck:
    """Reads the signals on the bot's recent replies and acts on each once."""

    def __init__(self, *, gateway: Gateway, state: State) -> None:
        self.gateway = gateway
        self.state = state
        self.labels = LabelStore(state)

    def run(self) -> FeedbackReport:
        report = FeedbackReport()
        own = self.gateway.own_comments()
        inbox = self.gateway.comment_replies()
        replies = self.state.posts_by_comment([c.id for c in own] + [r.parent_id for r in inbox])
        handled = self.labels.handled([c.fullname for c in own] + [r.fullname for r in inbox])
        for comment in own:
            if comment.fullname not in handled and comment.id in replies:
                self._judge_score(comment, report)
        for reply in reversed(inbox):  # oldest first
            bot_comment = reply.parent_id.removeprefix("t1_")
            post = replies.get(bot_comment)
            if reply.fullname in handled or post is None:
                continue
            self._judge_answer(reply, bot_comment, post, report)
        return report

    def _judge_score(self, comment: OwnComment, report: FeedbackReport) -> None:
        if comment.removed:
            self._label(comment.post_id, why="removed")
            self.labels.mark(comment.fullname, post_id=comment.post_id, action="labelled")
            report.labelled.append(comment.post_id)
        elif comment.score <= DOWNVOTE_LIMIT:
            self._delete(comment.id, comment.post_id, why="downvoted", report=report)
            self.labels.mark(comment.fullname, post_id=comment.post_id, action="deleted")

    def _judge_answer(
        self, reply: CommentReply, bot_comment: str, post: PostRow, report: FeedbackReport
    ) -> None:
        post_id = post.post_id
        is_author = (reply.author or "").lower() == (post.author or "").lower() != ""
        commands = author_command(reply.body) if is_author else set()
        bot_fullname = reply.parent_id  # the bot's comment, t1_...
        if "wrong" in commands and not self.labels.handled([bot_fullname]):
            self._delete(bot_comment, post_id, why="author-said-wrong", report=report)
            self.labels.mark(bot_fullname, post_id=post_id, action="deleted")
        if "stop" in commands and reply.author:
            self.state.add_optout(reply.author)
            report.opted_out.append(reply.author)
            log.info("feedback: u/%s opted out of replies", reply.author)
        action = "opted_out" if commands == {"stop"} else ("acted" if commands else "seen")
        self.labels.mark(reply.fullname, post_id=post_id, action=action)

    def _delete(self, comment_id: str, post_id: str, *, why: str, report: FeedbackReport) -> None:
        with contextlib.suppress(NotFound):  # already gone
            self.gateway.delete_comment(comment_id)
        log.info("feedback: deleted reply t1_%s on t3_%s (%s)", comment_id, post_id, why)
        report.deleted.append(post_id)
        self._label(post_id, why=why)
        report.labelled.append(post_id)

    def _label(self, post_id: str, *, why: str) -> None:
        """Record the post as not a getting-started question, with its text."""
        try:
            post, _comments = self.gateway.post_with_comments(post_id)
            title, body = post.title, post.body
        except NotFound:
            known = self.state.post(post_id)
            title, body = (known.title if known else ""), ""
        self.labels.add(
            key=post_fullname(post_id),
            intent="other",
            audience="none",
            labelled_by=f"feedback:{why}",
            title=title,
            body=body,
        )
        log.info("feedback: labelled t3_%s as not a getting-started question (%s)", post_id, why)
