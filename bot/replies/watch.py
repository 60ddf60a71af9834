"""One pass of the reply watcher: poll new posts, apply the safety rules, reply once.

Exactly once: the state records the intent to reply before the comment is posted and the
comment id after. A post left with an intent (a crash, a 5xx or a timeout on the POST)
is resolved on the next pass by looking at its comments for the bot's reply before any
new attempt. prawcore's own retries of the POST are switched off in the gateway.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

from bot.config import Settings
from bot.errors import Forbidden, NotFound, Refused, WriteUncertain
from bot.labels import LabelBook
from bot.limits import LISTING_MAX
from bot.records import Post
from bot.reddit import Gateway
from bot.replies.classify import Decision, classify
from bot.replies.report import ReplyEntry, ScanReport
from bot.replies.respond import render_reply
from bot.replies.review import Reviewer
from bot.replies.rules import Rules
from bot.replies.summon import Summons
from bot.state import PostStatus, State

log = logging.getLogger(__name__)
CURSOR_KEY = "new_cursor"
CURSOR_TIME_KEY = "new_cursor_created"
ANCHORLESS_KEY = "new_anchorless_poll"
ANCHORLESS_EVERY = 600.0  # seconds between polls that do not trust the cursor
MAX_PAGES = 10
MODERATORS_TTL = 3600.0
PRUNE_AFTER = 30 * 86400.0
MAX_REFUSAL_CHARS = 200  # of a refusal kept in the state


@dataclass(frozen=True)
class _Candidate:
    """A getting-started post to answer: new (with the post and decision) or held."""

    created_utc: float
    post_id: str
    entry: ReplyEntry
    post: Post | None
    decision: Decision | None


def is_excluded_flair(flair: str | None, settings: Settings) -> bool:
    """A flair in ``replies.excluded_flairs`` (any case): such posts are never answered."""
    return bool(flair) and (flair or "").strip().lower() in settings.replies.excluded_flairs


class ReplyWatcher:
    """Watches r/<sub>/new and answers getting-started questions."""

    def __init__(self, settings: Settings, gateway: Gateway, state: State, rules: Rules) -> None:
        self.settings = settings
        self.gateway = gateway
        self.state = state
        self.rules = rules
        self._moderators: set[str] | None = None
        self._moderators_at = 0.0
        self.labels = LabelBook(state)
        self.reviewer = Reviewer(
            settings=settings, gateway=gateway, state=state, threshold=rules.reply_threshold
        )
        self.summons = Summons(self)

    def scan(self, *, dry_run: bool = False) -> ScanReport:
        """One pass. Raises ``RateLimited``/``Unavailable`` for the scheduler to back off."""
        dry_run = dry_run or self.settings.replies.dry_run
        report = ScanReport(dry_run=dry_run)
        if not dry_run:
            self._resolve_intents(report)
            self.reviewer.resolve()
        fetched = self._poll()
        # Summons first: a post's settled command (a moderator's !noguide, say) and its
        # label are in place before the bot decides about new posts by itself.
        self.summons.check(report, dry_run=dry_run)
        known = self.state.posts.known([p.id for p in fetched])
        posts = [p for p in fetched if p.id not in known]
        report.fetched = len(posts)
        eligible: list[_Candidate] = []
        for post in sorted(posts, key=lambda p: p.created_utc, reverse=True):
            if (candidate := self._consider(post, report, dry_run=dry_run)) is not None:
                eligible.append(candidate)
        if not dry_run:
            self._answer_newest_first(eligible, report)
        if not dry_run:
            self.reviewer.send_digest_if_due()
            # Posts older than max_age are never answered, so old decisions can go.
            keep = max(PRUNE_AFTER, 2 * self.settings.replies.max_age)
            self.state.posts.prune(older_than=time.time() - keep)
        if fetched and not dry_run:
            newest = max(fetched, key=lambda p: p.created_utc)
            with self.state.transaction() as db:
                self.state.meta.set(CURSOR_KEY, newest.fullname, db=db)
                self.state.meta.set(CURSOR_TIME_KEY, str(newest.created_utc), db=db)
        return report

    # --- polling ---------------------------------------------------------------------------

    def _poll(self) -> list[Post]:
        """Posts since the last poll, newest first: one API call when nothing is new.

        Normally ``before=<newest seen>``. Reddit answers nothing for ``before`` a post that
        has vanished (purged spam, say), so on first start, when the cursor post is older
        than ``max_age``, and every ``ANCHORLESS_EVERY`` seconds, the newest page is read
        without an anchor instead, still one call (``scan`` filters out known posts).
        """
        cursor = self.state.meta.get(CURSOR_KEY)
        cursor_time = float(self.state.meta.get(CURSOR_TIME_KEY) or 0)
        last_anchorless = float(self.state.meta.get(ANCHORLESS_KEY) or 0)
        now = time.time()
        if (
            not cursor
            or now - cursor_time > self.settings.replies.max_age
            or now - last_anchorless > ANCHORLESS_EVERY
        ):
            self.state.meta.set(ANCHORLESS_KEY, str(now))
            return self.gateway.new_posts(limit=LISTING_MAX)
        found: list[Post] = []
        before = cursor
        for _ in range(MAX_PAGES):
            page = self.gateway.new_posts(before=before, limit=LISTING_MAX)
            found.extend(page)
            if len(page) < LISTING_MAX:
                break
            before = max(page, key=lambda p: p.created_utc).fullname
        return found

    # --- deciding --------------------------------------------------------------------------

    def _skip_reason(self, post: Post, *, summoned: bool = False) -> str | None:
        """Why this post must not get a reply, or None.

        A reply a moderator or helper summoned skips only the rules nobody can overrule
        (deleted, own, closed, opted out): age, flair, moderators' posts and labels are
        theirs to judge (``Summons`` weighs the label in force). By itself the bot never
        answers a post whose label in force is ``other`` (an asker's "wrong", a
        ``!noguide``, votes): after a restore its deleted reply is invisible, the label is
        not.
        """
        author = (post.author or "").lower()
        if not author:
            return "deleted"
        if author == self.gateway.username().lower():
            return "own post"
        if not summoned and time.time() - post.created_utc > self.settings.replies.max_age:
            return "too old"
        if post.locked or post.archived or post.removed:
            return "locked, archived or removed"
        if not summoned and is_excluded_flair(post.flair, self.settings):
            return "excluded flair"
        if author in self.settings.replies.optout or author in self.state.optout.users():
            return "opted out"
        if summoned:
            return None
        label = self.labels.label(post.fullname)
        if label is not None and not label.is_getting_started:
            return "labelled other"
        if post.distinguished == "admin":
            return "admin post"
        if post.distinguished == "moderator" or author in self.moderator_names():
            return "moderator post"
        return None

    def moderator_names(self) -> set[str]:
        """The subreddit's moderators, lower-cased (one call an hour; ``Summons`` uses it)."""
        if self._moderators is None or time.time() - self._moderators_at > MODERATORS_TTL:
            self._moderators = {name.lower() for name in self.gateway.moderators()}
            self._moderators_at = time.time()
        return self._moderators

    def _remember(
        self,
        post: Post,
        status: PostStatus,
        *,
        reason: str | None = None,
        decision: Decision | None = None,
    ) -> None:
        """Record what was decided about a post (one transaction)."""
        self.state.posts.record(
            post_id=post.id,
            status=status,
            reason=reason,
            audience=decision.routing.token() if decision and decision.is_getting_started else None,
            score=decision.score if decision else None,
            title=post.title,
            author=post.author,
            created_utc=post.created_utc,
        )

    def _consider(self, post: Post, report: ScanReport, *, dry_run: bool) -> _Candidate | None:
        """Decide about one new post: skip it, ignore it, or return it to be answered."""
        reason = self._skip_reason(post)
        if reason is not None:
            report.skip(reason)
            if not dry_run:
                self._remember(post, PostStatus.SKIPPED, reason=reason)
            return None
        decision = classify(
            title=post.title, body=post.body, flair=post.flair, rules=self.rules, explain=False
        )
        if not decision.is_getting_started:
            report.skip("not a getting-started question")
            if not dry_run:
                self._remember(
                    post, PostStatus.IGNORED, reason=f"p={decision.score:.3f}", decision=decision
                )
            if self.reviewer.in_band(decision.score):
                outcome = "would review" if dry_run else self.reviewer.review(post, decision.score)
                if outcome in ("reported", "queued", "report to confirm", "would review"):
                    report.reported.append(post.fullname)
                elif outcome is not None:
                    report.skip(outcome)
            return None
        entry = ReplyEntry(post.fullname, decision.routing.token(), post.title[:80])
        if dry_run:
            report.would_reply.append(entry)
            log.info(
                "replies: would reply to %s with the %s guide (p=%.3f)",
                post.fullname,
                entry.audience,
                decision.score,
            )
            return None
        return _Candidate(post.created_utc, post.id, entry, post, decision)

    def _answer_newest_first(self, eligible: list[_Candidate], report: ScanReport) -> None:
        """Reply to the new eligible posts and those held back earlier, newest first.

        After a downtime the caps go to the freshest questions. A post the caps hold back
        is kept as ``held`` and reconsidered on later passes until it is older than
        ``max_age`` (then it is skipped as too old, without an API call).
        """
        oldest_allowed = time.time() - self.settings.replies.max_age
        queue = list(eligible)
        for row in self.state.posts.held():
            if row.created_utc is None or row.created_utc < oldest_allowed:
                self.state.posts.record(
                    post_id=row.post_id, status=PostStatus.SKIPPED, reason="too old"
                )
                report.skip("too old")
                continue
            entry = ReplyEntry(row.fullname, row.audience or "index", row.title[:80])
            queue.append(_Candidate(row.created_utc, row.post_id, entry, None, None))
        queue.sort(key=lambda c: c.created_utc, reverse=True)
        for candidate in queue:
            if cap := self._cap_reached():
                report.held[cap] = report.held.get(cap, 0) + 1
                if candidate.post is not None:  # new: remember it; held ones stay held
                    self._remember(
                        candidate.post, PostStatus.HELD, reason=cap, decision=candidate.decision
                    )
                continue
            if candidate.post is not None:
                self._remember(candidate.post, PostStatus.INTENT, decision=candidate.decision)
            else:
                self.state.posts.record(post_id=candidate.post_id, status=PostStatus.INTENT)
            try:
                self.reply_once(candidate.post_id, report, candidate.entry)
            except NotFound:  # gone while it waited: nothing to answer
                self.state.posts.record(
                    post_id=candidate.post_id, status=PostStatus.SKIPPED, reason="post gone"
                )
                report.skip("post gone")
        if report.held:
            log.info(
                "replies: %d post(s) held back by the reply caps; answered later, newest "
                "first, while younger than replies.max_age",
                sum(report.held.values()),
            )

    def _cap_reached(self) -> str | None:
        now = time.time()
        limits = self.settings.replies
        if self.state.posts.replies_count_since(now - 3600) >= limits.max_per_hour:
            return "hourly reply cap reached"
        if self.state.posts.replies_count_since(now - 86400) >= limits.max_per_day:
            return "daily reply cap reached"
        return None

    # --- replying exactly once -------------------------------------------------------------

    def _look(self, post_id: str) -> tuple[Post, str | None]:
        """The post as it is now, and the id of the bot's comment on it, if any.

        The thread can hide the reply (behind "more" stubs in a big thread, or while
        Reddit's listing lags), so the bot's own newest comments are searched as well.
        """
        me = self.gateway.username().lower()
        post, comments = self.gateway.post_with_comments(post_id)
        for comment in comments:
            if (comment.author or "").lower() == me and comment.parent_id == post.fullname:
                return post, comment.id
        for own in self.gateway.own_comments():
            if own.parent_id == post.fullname:
                return post, own.id
        return post, None

    def reply_once(
        self, post_id: str, report: ScanReport, entry: ReplyEntry, *, summoned: bool = False
    ) -> None:
        """Reply to a post whose intent is recorded, unless the bot's reply is already
        there or the post became ineligible: the one exactly-once reply path (``Summons``
        uses it too; ``summoned`` skips only the rules nobody can overrule)."""
        post, existing = self._look(post_id)
        if existing is None and (reason := self._skip_reason(post, summoned=summoned)) is not None:
            self.state.posts.record(post_id=post_id, status=PostStatus.SKIPPED, reason=reason)
            report.skip(reason)
            return
        if existing is not None:
            self.state.posts.record(
                post_id=post_id,
                status=PostStatus.REPLIED,
                comment_id=existing,
                reason="found an earlier reply",
            )
            report.recovered.append(post_id)
            return
        body = render_reply(entry.audience, rules=self.rules, subreddit=self.settings.subreddit)
        try:
            comment_id = self.gateway.reply(post.fullname, body=body)
        except WriteUncertain as exc:
            log.warning("replies: %s; will check the post's comments before retrying", exc)
            return  # stays an intent; resolved on the next pass
        except Forbidden:
            raise  # the account may not comment: the scheduler stops the job
        except Refused as exc:  # Reddit said no to this post: never try it again
            self.state.posts.record(
                post_id=post_id, status=PostStatus.SKIPPED, reason=str(exc)[:MAX_REFUSAL_CHARS]
            )
            report.skip("refused by Reddit")
            return
        # Unavailable and RateLimited propagate: the intent stays, the next pass retries.
        self.state.posts.record(post_id=post_id, status=PostStatus.REPLIED, comment_id=comment_id)
        report.replied.append(replace(entry, comment=comment_id))
        log.info(
            "replies: replied to %s with the %s guide (comment %s)",
            entry.post,
            entry.audience,
            comment_id,
        )

    def _resolve_intents(self, report: ScanReport) -> None:
        """Finish replies that were started but not confirmed (crash, 5xx, timeout)."""
        for pending in self.state.posts.pending_intents():
            log.info("replies: resolving unconfirmed reply to %s", pending.fullname)
            entry = ReplyEntry(pending.fullname, pending.audience or "index", pending.title[:80])
            summoned = (pending.reason or "").startswith("summoned")
            try:
                self.reply_once(pending.post_id, report, entry, summoned=summoned)
            except NotFound:
                self.state.posts.record(
                    post_id=pending.post_id, status=PostStatus.SKIPPED, reason="post gone"
                )
