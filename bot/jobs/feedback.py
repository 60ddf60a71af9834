"""The feedback job: act on votes, removals and authors' answers to the bot's recent replies."""

from __future__ import annotations

import logging

from bot.jobs import JobResult
from bot.replies.feedback import FeedbackCheck
from bot.runtime import Runtime

log = logging.getLogger("bot.daemon")


class FeedbackJob:
    """One feedback check per run."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def run(self) -> JobResult:
        """Act on votes, removals and authors' answers to the bot's recent replies."""
        report = FeedbackCheck(gateway=self.runtime.gateway, state=self.runtime.state).run()
        summary = report.summary()
        (log.info if report.deleted or report.labelled or report.opted_out else log.debug)(
            "feedback: %s", summary
        )
        return JobResult(ok=True, summary=summary)
