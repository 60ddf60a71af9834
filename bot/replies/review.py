"""Ask when unsure: posts the model is unsure about go to the moderators, never to the public.

A post whose probability falls in the review band, from ``replies.review_min_probability``
up to the reply threshold, is (``replies.review``):

- ``report``: reported to the subreddit's mod queue (``POST /api/report``) with the reason
  ``REASON``, so a moderator answers it with ``!guide`` or leaves it;
- ``digest``: listed in one modmail to the moderators a day;
- ``off``: left alone.

At most ``replies.review_max_per_day`` posts a day, each never twice. A report goes through
the write journal: its intent is recorded first, and a report whose answer was lost is
confirmed on the next pass by reading the post back (moderators see its reports) before
anything is sent again. A digest is recorded as sent before it is sent: a lost digest is
better than two.
"""

from __future__ import annotations

import logging
import time

from bot.config import Settings
from bot.errors import Forbidden, Refused, WriteUncertain
from bot.journal import WriteJournal, WriteKind, WriteStatus
from bot.records import Post, post_fullname
from bot.reddit import Gateway
from bot.state import State

log = logging.getLogger(__name__)
REASON = "wikibot: getting-started question? comment !guide to answer"
DAY = 86400.0
DIGEST_SINCE_KEY = "review_digest_since"  # when the oldest unsent digest entry was queued
REVIEWED = (WriteKind.REPORT, WriteKind.DIGEST)


class Reviewer:
    """Sends the posts the model is unsure about to the moderators."""

    def __init__(
        self, *, settings: Settings, gateway: Gateway, state: State, threshold: float
    ) -> None:
        self.settings = settings
        self.gateway = gateway
        self.state = state
        self.threshold = threshold
        self.journal = WriteJournal(state)

    @property
    def mode(self) -> str:
        return self.settings.replies.review

    def in_band(self, probability: float) -> bool:
        """True when moderators should see a post with this probability."""
        low = self.settings.replies.review_min_probability
        return self.mode != "off" and low <= probability < self.threshold

    def review(self, post: Post, probability: float) -> str | None:
        """Report or queue ``post``; returns what was done, or why nothing was."""
        if any(self.journal.get(kind, post.id) for kind in REVIEWED):
            return None  # never twice
        since = time.time() - DAY
        if self.journal.count(REVIEWED, since=since) >= self.settings.replies.review_max_per_day:
            return "review cap reached"
        payload = {"title": post.title[:200], "probability": round(probability, 3)}
        if self.mode == "digest":
            self.journal.begin(
                WriteKind.DIGEST,
                post.id,
                post_id=post.id,
                payload=payload,
                status=WriteStatus.QUEUED,
            )
            if self.state.meta.get(DIGEST_SINCE_KEY) is None:
                self.state.meta.set(DIGEST_SINCE_KEY, repr(time.time()))
            log.info(
                "review: %s queued for the moderators' digest (p=%.3f)", post.fullname, probability
            )
            return "queued"
        self.journal.begin(WriteKind.REPORT, post.id, post_id=post.id, payload=payload)
        return "reported" if self._report(post.id, probability) else "report to confirm"

    def resolve(self) -> int:
        """Confirm reports whose answer was lost: one read for all, none when there are none."""
        pending = self.journal.with_status(WriteKind.REPORT, WriteStatus.INTENT)
        if not pending:
            return 0
        posts = self.gateway.posts_by_id([row.key for row in pending])
        confirmed = 0
        for row in pending:
            post = posts.get(row.key)
            if post is None or post.removed or REASON in post.reports:
                self.journal.finish(WriteKind.REPORT, [row.key])  # done, or nothing to report
                confirmed += 1
            elif self._report(row.key, float(row.payload.get("probability", 0))):
                confirmed += 1
        return confirmed

    def _report(self, post_id: str, probability: float) -> bool:
        try:
            self.gateway.report(post_fullname(post_id), reason=REASON)
        except WriteUncertain as exc:
            log.warning("review: %s; the next pass reads the post back first", exc)
            return False
        except Forbidden:
            raise  # the account lost a permission: the scheduler stops the job
        except Refused as exc:  # the post is gone, say: nothing to report, never retried
            log.warning("review: %s", exc)
            self.journal.finish(WriteKind.REPORT, [post_id])
            return False
        self.journal.finish(WriteKind.REPORT, [post_id])
        log.info(
            "review: reported %s to the mod queue (p=%.3f)", post_fullname(post_id), probability
        )
        return True

    def send_digest_if_due(self) -> int:
        """Once a day, one modmail listing the queued posts; returns how many it listed."""
        since = self.state.meta.get(DIGEST_SINCE_KEY)
        if since is None or time.time() - float(since) < DAY:
            return 0
        queued = self.journal.with_status(WriteKind.DIGEST, WriteStatus.QUEUED)
        if not queued:
            self.state.meta.set(DIGEST_SINCE_KEY, None)
            return 0
        sub = self.settings.subreddit
        lines = [
            f"- [{row.payload.get('title', '')}](https://www.reddit.com/r/{sub}/comments/"
            f"{row.key}/) (p={row.payload.get('probability', 0)})"
            for row in queued
        ]
        body = "\n".join(
            [
                "These posts may be getting-started questions; the bot was not sure enough "
                "to answer them.",
                "",
                *lines,
                "",
                "Comment `!guide` on a post to have the bot answer it with its own choice of "
                "guide, or `!guide engineers` (highschool, researchers, hackers, index) to "
                "name one. Every answer teaches the model.",
            ]
        )
        self.journal.finish(WriteKind.DIGEST, [row.key for row in queued])  # at most once
        self.state.meta.set(DIGEST_SINCE_KEY, None)
        self.gateway.message_moderators(
            subject=f"wikibot: {len(queued)} post(s) that may be getting-started questions",
            body=body,
        )
        log.info("review: sent the moderators a digest of %d post(s)", len(queued))
        return len(queued)

    def reports_made(self) -> int:
        """Posts reported to the mod queue or sent in a digest, ever."""
        return self.journal.count(REVIEWED, status=WriteStatus.DONE)
