"""The daemon's jobs, one module each: what a job does when the scheduler runs it.

``bot/scheduler.py`` decides when (intervals, backoff, signals, the lock); each job here does
one run's work and says what it did in a ``JobResult``. Their log lines go to ``bot.daemon``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class JobResult:
    """What one run of a job did."""

    ok: bool
    summary: str
    needs_human: bool = False
