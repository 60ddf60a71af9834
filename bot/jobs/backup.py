"""The backup job: a daily online backup of the state, looked at hourly (``bot/backup.py``)."""

from __future__ import annotations

import logging
import time

from bot import backup
from bot.runtime import Runtime

log = logging.getLogger("bot.daemon")
BACKUP_CHECK_EVERY = 3600.0  # seconds between looks at whether a daily backup is due


class BackupJob:
    """Backs the state up when a day has passed; a failure is logged, never raised."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._next_check = 0.0

    def run(self) -> None:
        """A daily online backup of the state (checked hourly; ``bot/backup.py``)."""
        now = time.time()
        if now < self._next_check:
            return
        self._next_check = now + BACKUP_CHECK_EVERY
        try:
            backup.backup_if_due(self.runtime.state, now=now)
        except OSError as exc:  # a full disk, say: the bot goes on, the log says why
            log.error("state backup failed: %s", exc)
