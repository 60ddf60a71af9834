"""The daemon's schedule: APScheduler runs the jobs (``bot/jobs/``) unattended for months.

Each job runs one instance at a time, coalesces missed runs and has a misfire grace.
Errors never stop the daemon: network errors, timeouts and 5xx back off exponentially with
jitter (per job); rate limits wait for the reset Reddit states; bad credentials and 403s
stop only the affected job, with a log line saying what to fix. SIGTERM/SIGINT finish the
current step, close the database and exit 0. A damaged state database stops the daemon with
one line (exit 2). The state is backed up once a day (``bot/jobs/backup.py``). What each
job does is its own module; this one decides when it runs and what a failure costs.
"""

from __future__ import annotations

import contextlib
import logging
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from bot import metrics
from bot.config import Settings
from bot.errors import (
    EXIT_FAILED,
    EXIT_NEEDS_HUMAN,
    EXIT_OK,
    AuthFailed,
    Forbidden,
    LocalError,
    RateLimited,
    Refused,
    Unavailable,
    WikibotError,
    WriteUncertain,
)
from bot.jobs import JobResult
from bot.jobs.backup import BackupJob
from bot.jobs.sync import SyncJob
from bot.lockfile import DAEMON_COMMAND, WAIT_FOR_LOCK, CommandLock, lock_path
from bot.runtime import Runtime
from bot.state import StateCorrupt

log = logging.getLogger("bot.daemon")


@dataclass
class Backoff:
    """Exponential backoff with jitter: ``min(max, interval * 2^failures)``, 50-100 %."""

    interval: float
    max_backoff: float
    failures: int = 0

    def fail(self) -> float:
        """Count a failure; the seconds to wait before the next try."""
        self.failures += 1
        delay = min(self.max_backoff, self.interval * 2.0**self.failures)
        return delay * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography

    def recover(self) -> int:
        """Forget the failures; returns how many there were."""
        failures, self.failures = self.failures, 0
        return failures


class Job:
    """One scheduled job with its own backoff state."""

    def __init__(
        self,
        name: str,
        action: Callable[[], JobResult],
        *,
        interval: float,
        max_backoff: float,
        runtime: Runtime,
    ) -> None:
        self.name = name
        self.action = action
        self.interval = interval
        self.runtime = runtime
        self.backoff = Backoff(interval, max_backoff)
        self.resume_at = 0.0
        self.disabled_reason: str | None = None
        self.last: JobResult | None = None
        self.once = False  # set by `run --once`: no backoff messages for a run that ends
        self.fatal: StateCorrupt | None = None  # the state is damaged: the daemon must stop

    def run(self) -> JobResult | None:
        """Run once unless backing off or disabled; never raises (a damaged state database
        stops the job and is kept in ``fatal`` for the daemon to stop on)."""
        try:
            return self._run()
        except StateCorrupt as exc:
            self.fatal = exc
            self.disabled_reason = str(exc)
            return None

    def _run(self) -> JobResult | None:
        if self.disabled_reason is not None:
            return None
        if time.time() < self.resume_at:
            log.debug("%s: backing off for %.0fs more", self.name, self.resume_at - time.time())
            return None
        state = self.runtime.state
        run_id = state.runs.start(self.name)
        try:
            result = self.action()
        except StateCorrupt:
            raise
        except RateLimited as exc:
            self._pause(
                exc.wait_seconds,
                f"rate limited: {exc}",
                f"waiting {exc.wait_seconds:.0f}s as Reddit asks",
            )
            result = JobResult(False, str(exc))
        except (AuthFailed, Forbidden) as exc:
            self.disabled_reason = str(exc)
            log.error(
                "%s: stopped: %s. Fix it and restart wikibot; the other job goes on.",
                self.name,
                exc,
            )
            result = JobResult(False, str(exc))
        except (Unavailable, WriteUncertain) as exc:
            delay = self.backoff.fail()
            failures = self.backoff.failures
            self._pause(delay, str(exc), f"backing off {delay:.1f}s (failure {failures})")
            result = JobResult(False, str(exc))
        except (LocalError, Refused, WikibotError) as exc:  # fix it here; the next run retries
            log.error("%s: %s", self.name, exc)
            result = JobResult(False, str(exc))
        except Exception as exc:
            delay = self.backoff.fail()
            log.exception(
                "%s: unexpected error%s",
                self.name,
                "" if self.once else f"; backing off {delay:.1f}s",
            )
            self.resume_at = time.time() + delay
            result = JobResult(False, f"{type(exc).__name__}: {exc}")
        else:
            if failures := self.backoff.recover():
                log.info("%s: recovered after %d failed run(s)", self.name, failures)
        state.runs.finish(
            run_id,
            ok=result.ok,
            summary=result.summary if result.ok else "",
            error="" if result.ok else result.summary,
        )
        metrics.count(f"{self.name}_runs")
        if not result.ok:
            metrics.count(f"{self.name}_errors")
        self.last = result
        return result

    def _pause(self, seconds: float, problem: str, wait_note: str) -> None:
        """Wait ``seconds`` before the next run; `run --once` exits instead, so says less."""
        if self.once:
            log.warning("%s: %s", self.name, problem)
            return
        self.resume_at = time.time() + seconds
        log.warning("%s: %s; %s", self.name, problem, wait_note)


class Daemon:
    """The schedule: builds a ``Job`` per enabled job over one runtime; ``run_once`` or
    ``serve`` them. Each job's work is its own object (``bot/jobs/``)."""

    def __init__(self, settings: Settings, runtime: Runtime) -> None:
        self.settings = settings
        self.runtime = runtime
        self.backup = BackupJob(runtime)
        self._published: dict[str, str] = {}
        max_backoff = settings.schedule.max_backoff
        self.jobs: list[Job] = [
            Job(name, work, interval=interval, max_backoff=max_backoff, runtime=runtime)
            for name, interval, work in _enabled_work(settings, runtime)
        ]

    def run_once(self) -> int:
        """Each job once: 0 ok, 1 a job failed, 3 ok but a wiki page needs a human."""
        for job in self.jobs:
            job.once = True
        results = []
        for job in self.jobs:
            results.append(job.run())
            if job.fatal is not None:
                raise job.fatal
        self.backup.run()
        if any(r is None or not r.ok for r in results):
            return EXIT_FAILED
        return EXIT_NEEDS_HUMAN if any(r.needs_human for r in results if r) else EXIT_OK

    def serve(self, *, stop: threading.Event | None = None) -> int:
        """Run the jobs on their schedules until SIGTERM/SIGINT; returns the exit code."""
        stop = stop or threading.Event()
        scheduler = BackgroundScheduler(
            # One worker: the jobs share one PRAW session (token, rate limiter), which is not
            # made for concurrent use; a sync and a reply scan simply take turns.
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": int(self.settings.schedule.misfire_grace),
            },
        )
        for job in self.jobs:
            scheduler.add_job(
                job.run,
                "interval",
                seconds=job.interval,
                id=job.name,
                name=job.name,
                next_run_time=_now_datetime(),
            )

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("received %s; finishing the current step", signal.Signals(signum).name)
            stop.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        scheduler.start()
        log.info(
            "daemon started: %s",
            ", ".join(f"{j.name} every {j.interval:.0f}s" for j in self.jobs) or "no jobs enabled",
        )
        try:
            while not stop.wait(1.0):
                if fatal := next((j.fatal for j in self.jobs if j.fatal is not None), None):
                    raise fatal  # the state is damaged: stop, saying what to do
                self._record_next_runs(scheduler)
                self.backup.run()
        finally:
            if self.runtime.has_gateway:
                self.runtime.gateway.stop()  # cut retry chains short; nothing half-sent
            scheduler.shutdown(wait=True)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            with contextlib.suppress(StateCorrupt):
                self.runtime.state.meta.set("daemon_stopped_at", str(time.time()))
            log.info("daemon stopped cleanly")
        return EXIT_OK

    def _record_next_runs(self, scheduler: BackgroundScheduler) -> None:
        """Publish when each job runs next (for `wikibot status`), writing only changes."""
        state = self.runtime.state
        for job in scheduler.get_jobs():
            if job.next_run_time is not None:
                mine = next((j for j in self.jobs if j.name == job.id), None)
                when = job.next_run_time.timestamp()
                if mine is not None and mine.resume_at > when:
                    when = mine.resume_at
                value = "disabled" if mine is not None and mine.disabled_reason else f"{when:.0f}"
                if self._published.get(job.id) != value:
                    state.meta.set(f"next_run:{job.id}", value)
                    self._published[job.id] = value


def _enabled_work(
    settings: Settings, runtime: Runtime
) -> list[tuple[str, float, Callable[[], JobResult]]]:
    """Each enabled job's name, interval and work, in the order they run."""
    schedule = settings.schedule
    work: list[tuple[str, float, Callable[[], JobResult]]] = []
    if schedule.sync:
        work.append(("sync", schedule.sync_interval, SyncJob(settings, runtime).run))
    if schedule.replies:  # wiki sync alone loads nothing of the reply module
        from bot.jobs.feedback import FeedbackJob  # noqa: PLC0415
        from bot.jobs.replies import ReplyJob  # noqa: PLC0415

        replies = ReplyJob(settings, runtime)  # loads and checks the rules and model now
        work.append(("replies", schedule.reply_interval, replies.run))
        work.append(("feedback", schedule.feedback_interval, FeedbackJob(runtime).run))
    return work


def _now_datetime() -> datetime:
    return datetime.now(UTC)


def run_daemon(settings: Settings, *, once: bool) -> int:
    """``wikibot run``: take the lock, open the runtime, run the jobs."""
    lock = CommandLock(
        lock_path(settings.state_db),
        command=f"{DAEMON_COMMAND} --once" if once else DAEMON_COMMAND,
        wait=WAIT_FOR_LOCK,
    )
    with lock, Runtime(settings) as runtime:
        metrics.start_server(settings.metrics_port)
        daemon = Daemon(settings, runtime)
        if (sandbox := runtime.start_sandbox()) is not None:
            log.info("embedded sandbox serving on %s (target: sandbox)", sandbox.url)
        runtime.check_target()
        return daemon.run_once() if once else daemon.serve()
