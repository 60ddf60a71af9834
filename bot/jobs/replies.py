"""The replies job: one reply pass (new posts, summons, held posts) per run.

Imported only when the replies job is on: wiki sync alone needs nothing of the reply
module (no rules file, model or encoder).
"""

from __future__ import annotations

import logging

from bot import metrics
from bot.config import Settings
from bot.jobs import JobResult
from bot.replies.respond import validate_templates
from bot.replies.rules import Rules, load_rules
from bot.replies.watch import ReplyWatcher
from bot.runtime import Runtime

log = logging.getLogger("bot.daemon")


def load_reply_rules(settings: Settings) -> Rules:
    """The reply rules and model, checked now: a missing encoder stops here, not mid-poll."""
    rules = load_rules(settings.replies.rules_file)
    validate_templates(rules, subreddit=settings.subreddit)
    if rules.model is not None:
        rules.model.ready()
    return rules


class ReplyJob:
    """The reply watcher's pass; the rules are loaded and checked when the job is made."""

    def __init__(self, settings: Settings, runtime: Runtime) -> None:
        self.settings = settings
        self.runtime = runtime
        self.rules = load_reply_rules(settings)
        self._watcher: ReplyWatcher | None = None  # kept across runs: it caches the moderators

    def run(self) -> JobResult:
        if self._watcher is None:
            self._watcher = ReplyWatcher(
                self.settings, self.runtime.gateway, self.runtime.state, self.rules
            )
        report = self._watcher.scan()
        metrics.count("replies", len(report.replied))
        summary = report.summary()
        log.info("replies: %s", summary)
        return JobResult(ok=True, summary=summary)
