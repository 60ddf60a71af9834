"""One lock per state database, taken by every command that writes to Reddit.

``run``, ``replies scan``, ``replies feedback``, ``push`` and ``pull`` each hold an exclusive
``flock`` on ``<state_db>.lock`` while they work, so two of them never act on the same state at once
(two overlapping scans would both reply to the same post). The file holds the owner's pid
and command. A second command waits up to ``wait`` seconds for a short command to finish,
then stops with ``Busy``; it stops at once when the holder is the daemon, which runs for
good.
"""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from bot.errors import EXIT_BUSY, StateError

WAIT_FOR_LOCK = 5.0  # seconds a command waits for another one to finish
DAEMON_COMMAND = "run"
_POLL = 0.1


class Busy(StateError):
    """Another wikibot command holds the state's lock; try again when it is done."""

    exit_code = EXIT_BUSY


@dataclass(frozen=True)
class LockHolder:
    """Who holds a lock: the process id and the wikibot command it runs."""

    pid: int | None
    command: str

    @property
    def is_daemon(self) -> bool:
        return self.command == DAEMON_COMMAND


def lock_path(state_db: Path) -> Path:
    """The lock file of a state database."""
    return state_db.with_suffix(".lock")


class CommandLock:
    """Exclusive ``flock`` on ``path`` for ``command``; waits up to ``wait`` seconds."""

    def __init__(self, path: Path, *, command: str, wait: float = 0.0) -> None:
        self.path = path
        self.command = command
        self.wait = wait
        self._fd: int | None = None

    def acquire(self) -> CommandLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _read_holder(fd)
                if holder.is_daemon or time.monotonic() >= deadline:
                    os.close(fd)
                    raise self._busy(holder) from None
                time.sleep(_POLL)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {self.command}".encode())
        self._fd = fd
        return self

    def _busy(self, holder: LockHolder) -> Busy:
        pid = "unknown" if holder.pid is None else str(holder.pid)
        if holder.is_daemon:
            who = f"the wikibot daemon (pid {pid}) is running on this state"
            todo = (
                f"stop it first to run `wikibot {self.command}` by hand"
                if not self.command.startswith(DAEMON_COMMAND)
                else "stop it first or use another state_db"
            )
        else:
            command = f"`wikibot {holder.command}`" if holder.command else "another wikibot"
            who = f"{command} (pid {pid}) is using this state"
            todo = "try again when it has finished"
        return Busy(f"{self.path}: {who}; {todo}")

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> CommandLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_holder(fd: int) -> LockHolder:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 200).decode(errors="replace").strip()
    pid, _sep, command = text.partition(" ")
    return LockHolder(int(pid) if pid.isdigit() else None, command)


def lock_holder(path: Path) -> LockHolder | None:
    """Who holds the lock, or None when nobody does."""
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
