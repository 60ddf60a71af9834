"""Answer when summoned: moderators (and ``replies.helpers``) call the bot with a comment.

The reply poll reads the subreddit's newest comments with a cursor (one call when nothing
is new) and looks at first lines only:

- ``!guide`` or ``!guide <audience>`` by a moderator or a helper: the bot replies to that
  post with the named guide (or its own routing), exactly once, through the watcher's
  reply path (intent, look, reply, confirm), and records the label
  ``getting_started/<audience>`` by that person (source ``moderator`` or ``summon``);
- ``!noguide`` by a moderator: the bot deletes its reply on that post (exactly once,
  ``deletes.py``) and records ``other`` by that moderator.

Anyone else's command changes nothing. Each command is acted on once. The commands read
in one pass are settled per post first: only the latest one (by time) from a person
entitled to give it is acted on, the earlier ones are marked superseded, so a fresh or
restored state never replays a ``!guide`` a later ``!noguide`` took back. A command is not
acted on when the post's label in force outranks it or is a later one of the same rank
that says otherwise. ``!guide`` with a word naming no guide ("!guide enginers") is ignored
with a line naming the guides, never answered with the bot's own choice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.journal import WriteKind
from bot.labels import PRECEDENCE
from bot.records import ListingCursor, Post, StreamComment, bare_id, post_fullname
from bot.replies.classify import classify
from bot.replies.commands import AUDIENCE_NAMES, Summon, summon_command
from bot.replies.deletes import PlannedLabel, ReplyDeleter
from bot.replies.report import ReplyEntry, ScanReport
from bot.state import PostStatus

if TYPE_CHECKING:
    from bot.replies.watch import ReplyWatcher

log = logging.getLogger(__name__)
STREAM_CURSOR_KEY = "comments_cursor"  # the newest comment read: "created_utc t1_..."


class Summons:
    """Reads the comment stream for ``!guide``/``!noguide`` and acts on each once."""

    def __init__(self, watcher: ReplyWatcher) -> None:
        self.watcher = watcher
        self.gateway = watcher.gateway
        self.state = watcher.state
        self.labels = watcher.labels
        self.deleter = ReplyDeleter(gateway=self.gateway, state=self.state, labels=self.labels)

    def check(self, report: ScanReport, *, dry_run: bool) -> None:
        cursor = ListingCursor.from_text(self.state.meta.get(STREAM_CURSOR_KEY))
        comments = self.gateway.subreddit_comments(since=cursor)
        me = self.gateway.username().lower()
        since = cursor.created_utc if cursor is not None else 0.0
        commands = [
            (comment, summon)
            for comment in comments
            if comment.created_utc >= since  # the newest page comes back every time
            and comment.body.lstrip().startswith("!")
            and (comment.author or me).lower() != me
            and (summon := summon_command(comment.body)) is not None
        ]
        handled = self.labels.handled([c.fullname for c, _ in commands])
        by_post: dict[str, list[tuple[StreamComment, Summon]]] = {}
        for comment, summon in sorted(commands, key=lambda item: _order(item[0])):
            by_post.setdefault(comment.post_id, []).append((comment, summon))
        for items in sorted(by_post.values(), key=lambda items: _order(items[-1][0])):
            if any(comment.fullname not in handled for comment, _ in items):
                self._settle(items, handled, report, dry_run=dry_run)
        newest = ListingCursor.newest([(c.created_utc, c.fullname) for c in comments])
        if newest is not None and not dry_run:
            self.state.meta.set(STREAM_CURSOR_KEY, newest.to_text())

    def _settle(
        self,
        items: list[tuple[StreamComment, Summon]],
        handled: set[str],
        report: ScanReport,
        *,
        dry_run: bool,
    ) -> None:
        """Act on one post's latest command from an entitled person (``items`` oldest
        first); mark the earlier ones superseded and the others ignored."""
        entitled: list[tuple[StreamComment, Summon, str]] = []
        for comment, summon in items:
            if summon.unknown is not None:
                if comment.fullname not in handled:
                    self._ignore_unknown(comment, summon, report, dry_run=dry_run)
                continue
            source = self._source(comment)
            if source is None or (not summon.guide and source != "moderator"):
                if comment.fullname not in handled:
                    log.info(
                        "summons: ignored %s by u/%s (not a moderator or helper)",
                        comment.fullname,
                        comment.author or "",
                    )
                    report.skip("summons by others")
                    self._mark(comment, "ignored", dry_run=dry_run)
                continue
            entitled.append((comment, summon, source))
        if not entitled:
            return
        *earlier, (latest, summon, source) = entitled
        for comment, _summon, _source in earlier:
            if comment.fullname not in handled:
                log.info(
                    "summons: %s by u/%s is superseded by %s, the post's latest command",
                    comment.fullname,
                    comment.author or "",
                    latest.fullname,
                )
                report.skip("summons superseded")
                self._mark(comment, "superseded", dry_run=dry_run)
        if latest.fullname not in handled:
            self._act(latest, summon, source, report, dry_run=dry_run)

    def _mark(self, comment: StreamComment, action: str, *, dry_run: bool) -> None:
        if not dry_run:
            self.labels.mark(comment.fullname, post_id=comment.post_id, action=action)

    def _ignore_unknown(
        self, comment: StreamComment, summon: Summon, report: ScanReport, *, dry_run: bool
    ) -> None:
        log.warning(
            "summons: ignored %s by u/%s: %r names no guide; the guides: %s",
            comment.fullname,
            comment.author or "",
            summon.unknown,
            ", ".join(sorted(set(AUDIENCE_NAMES.values()))),
        )
        report.skip("summons naming no guide")
        self._mark(comment, "ignored", dry_run=dry_run)

    def _source(self, comment: StreamComment) -> str | None:
        """``moderator``, ``summon`` (a helper) or None: who may summon the bot."""
        author = (comment.author or "").lower()
        if comment.distinguished == "moderator" or author in self.watcher.moderator_names():
            return "moderator"
        if author in self.watcher.settings.replies.helpers:
            return "summon"
        return None

    def _act(
        self,
        comment: StreamComment,
        summon: Summon,
        source: str,
        report: ScanReport,
        *,
        dry_run: bool,
    ) -> None:
        if self._overruled(comment, summon, source):
            report.skip("summons overruled by a label")
            self._mark(comment, "overruled", dry_run=dry_run)
            return
        post = self.gateway.posts_by_id([comment.post_id]).get(comment.post_id)
        if post is None or post.author is None or post.removed:
            report.skip("summons on a removed or deleted post")
            self._mark(comment, "ignored", dry_run=dry_run)
            return
        if summon.guide:
            self._guide(comment, summon, post, source, report, dry_run=dry_run)
        else:
            self._noguide(comment, post, report, dry_run=dry_run)

    def _overruled(self, comment: StreamComment, summon: Summon, source: str) -> bool:
        """The post's label in force says otherwise and outranks the command, or has its
        rank and is later (a moderator's ``replies label`` after the comment, say)."""
        label = self.labels.label(post_fullname(comment.post_id))
        if label is None or label.is_getting_started == summon.guide:
            return False
        rank, mine = PRECEDENCE.get(label.source, 0), PRECEDENCE[source]
        if rank < mine or (rank == mine and label.at <= comment.created_utc):
            return False
        log.info(
            "summons: %s by u/%s not acted on: the label in force (%s, by the %s %s) %s",
            comment.fullname,
            comment.author or "",
            label.intent,
            label.source,
            label.who or "",
            "outranks it" if rank > mine else "is later",
        )
        return True

    def _guide(
        self,
        comment: StreamComment,
        summon: Summon,
        post: Post,
        source: str,
        report: ScanReport,
        *,
        dry_run: bool,
    ) -> None:
        rules = self.watcher.rules
        audience = (
            summon.audience
            or classify(
                title=post.title, body=post.body, flair=post.flair, rules=rules, explain=True
            ).audience
        )
        who = comment.author or ""
        entry = ReplyEntry(post.fullname, audience, post.title[:80])
        if dry_run:
            report.would_reply.append(entry)
            log.info(
                "summons: would reply to %s with the %s guide (u/%s)", post.fullname, audience, who
            )
            return
        self.labels.record(
            key=post.fullname,
            intent="getting_started",
            audience=audience,
            source=source,
            who=who,
            title=post.title,
            body=post.body,
        )
        self.labels.mark(comment.fullname, post_id=post.id, action="summoned")
        row = self.state.posts.get(post.id)
        if row is not None and row.status == PostStatus.INTENT:
            return  # an unconfirmed reply: the next pass resolves it
        if (
            row is not None
            and row.status == PostStatus.REPLIED
            and not self._was_deleted(row.comment_id)
        ):
            log.info("summons: %s already has the bot's reply (u/%s)", post.fullname, who)
            report.skip("summons on an answered post")
            return
        self.state.posts.record(
            post_id=post.id,
            status=PostStatus.INTENT,
            reason=f"summoned by u/{who}",
            audience=audience,
            title=post.title,
            author=post.author,
        )
        log.info("summons: u/%s asks for the %s guide on %s", who, audience, post.fullname)
        replied = len(report.replied)
        self.watcher.reply_once(post.id, report, entry, summoned=True)
        if len(report.replied) > replied:
            report.summoned.append(report.replied[-1])

    def _was_deleted(self, comment_id: str | None) -> bool:
        row = self.deleter.journal.get(WriteKind.DELETE, comment_id) if comment_id else None
        return row is not None

    def _noguide(
        self, comment: StreamComment, post: Post, report: ScanReport, *, dry_run: bool
    ) -> None:
        who = comment.author or ""
        parent = bare_id(comment.parent_id) if comment.parent_id.startswith("t1_") else None
        row = self.state.posts.by_comment([parent]).get(parent) if parent else None
        if row is None:  # not under a reply: the bot's reply on the post, if any
            row = self.state.posts.get(post.id)
        target = row.comment_id if row is not None and row.status == PostStatus.REPLIED else None
        if dry_run:
            log.info("summons: would remove the reply on %s (u/%s)", post.fullname, who)
            return
        self.labels.mark(comment.fullname, post_id=post.id, action="noguide")
        label = PlannedLabel(
            "other", "none", "moderator", who, why="!noguide", title=post.title, body=post.body
        )
        outcome = (
            self.deleter.delete(comment_id=target, post_id=post.id, label=label)
            if target is not None
            else False
        )
        if outcome is False:  # no reply (left) to delete: the label alone
            self.deleter.record_label(post_id=post.id, label=label)
        elif outcome is None:  # the answer was lost: the next feedback check confirms it
            report.unsummoned_unconfirmed.append(post.fullname)
        else:
            report.unsummoned.append(post.fullname)


def _order(comment: StreamComment) -> tuple[float, int]:
    """Oldest first: by time, then by id (Reddit's ids grow; times have whole seconds)."""
    try:
        number = int(comment.id, 36)
    except ValueError:
        number = 0
    return comment.created_utc, number
