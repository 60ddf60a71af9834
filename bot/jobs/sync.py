"""The sync job: pull git (optional), plan, push what is safe, alert people about the rest."""

from __future__ import annotations

import logging

from bot import metrics
from bot.config import Settings
from bot.jobs import JobResult
from bot.runtime import Runtime
from bot.wiki import gitinfo
from bot.wiki.outcomes import WRITTEN, Result
from bot.wiki.plan import Kind, settings_drift_text
from bot.wiki.sync import WikiSync
from bot.wiki.workspace import load_workspace

log = logging.getLogger("bot.daemon")


class SyncJob:
    """One wiki sync per run, over the daemon's runtime."""

    def __init__(self, settings: Settings, runtime: Runtime) -> None:
        self.settings = settings
        self.runtime = runtime

    def run(self) -> JobResult:
        """Pull git (optional), plan, push what is safe, alert humans about the rest."""
        if self.settings.schedule.git_pull:
            ok, line = gitinfo.pull_ff_only(self.settings.wiki_pages_dir)
            (log.info if ok else log.warning)("sync: git pull --ff-only: %s", line)
        workspace = load_workspace(self.settings)
        wiki = WikiSync(self.settings, self.runtime.gateway, self.runtime.state)
        plan = wiki.plan(workspace)
        report = wiki.push(plan, workspace)
        for outcome in report.outcomes:
            if outcome.result in (*WRITTEN, Result.ADOPTED, Result.SETTINGS):
                log.info(
                    "sync: %s %s%s",
                    outcome.result,
                    outcome.page,
                    f": {outcome.message}" if outcome.message else "",
                )
                if outcome.result in WRITTEN:
                    metrics.count("wiki_edits")
            elif outcome.result == Result.ERROR:
                log.error("sync: %s: %s", outcome.page, outcome.message)
            elif outcome.edit_refused:
                log.warning("sync: %s: edit refused (conflict): %s", outcome.page, outcome.message)
            elif outcome.result == Result.DRIFT:  # a merged edit, or settings changed by hand
                log.warning("sync: %s: %s", outcome.page, outcome.message)
        sent = wiki.alert_moderators(plan)
        human = [a for a in plan.actions if a.kind in (Kind.DRIFT, Kind.CONFLICT)]
        human += [a for a in plan.actions if a.settings_drift and a not in human]
        for action in human:
            what = "" if action.kind == Kind.UNCHANGED else f"{action.kind.value}: "
            detail = "; ".join(filter(None, (action.note, settings_drift_text(action))))
            log.warning(
                "sync: %s: %s%s (moderators alerted once per revision)",
                action.page,
                what,
                detail,
            )
        summary = (
            f"{report.count(Result.CREATED)} created, {report.count(Result.UPDATED)} updated, "
            f"{len(plan.of(Kind.UNCHANGED))} unchanged, {len(human)} need a human"
            f"{f', {sent} alert(s) sent' if sent else ''}"
        )
        log.info("sync: %s", summary)
        needs_human = bool(human) or report.count(Result.DRIFT) > 0
        return JobResult(
            ok=report.count(Result.ERROR) == 0, summary=summary, needs_human=needs_human
        )
