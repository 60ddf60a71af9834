"""Progress of long work on stderr, for a person watching a terminal; nothing otherwise.

Every command shows progress the same way, and only when all of these hold: stderr is a
terminal, ``--json`` was not given (a program reads the output) and ``-q`` was not given.
Not a terminal (a pipe, a log file, CI) means no progress at all, not even a final line:
the command's own output says what was done, and a log has no use for a counter.

Each helper returns ``None`` when progress is not shown, so a command passes it straight
to work that takes an optional callback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

import click

from bot.cli.common import App

BAR_WIDTH = 30
Counter = Callable[[int, int], None]  # (done, total)


def shows_progress(app: App, stream: TextIO | None = None) -> bool:
    """Whether this invocation shows progress on ``stream`` (stderr by default)."""
    stream = sys.stderr if stream is None else stream
    return not app.as_json and app.verbosity >= 0 and stream.isatty()


def counter(
    app: App, describe: Callable[[int, int], str], *, stream: TextIO | None = None
) -> Counter | None:
    """One line rewritten in place, ``describe(done, total)``, ended when done reaches total."""
    stream = sys.stderr if stream is None else stream
    if not shows_progress(app, stream):
        return None

    def show(done: int, total: int) -> None:
        click.echo(f"\r{describe(done, total)}", file=stream, nl=done >= total)

    return show


def bar(app: App, label: str, *, stream: TextIO | None = None) -> Counter | None:
    """A counter drawn as ``label [####......] done/total``."""

    def describe(done: int, total: int) -> str:
        filled = BAR_WIDTH * min(done, total) // max(total, 1)
        return f"{label} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}"

    return counter(app, describe, stream=stream)


def lines(app: App, *, stream: TextIO | None = None) -> Callable[[str], None] | None:
    """One line per finished item (a page pushed), for work whose items say what happened."""
    stream = sys.stderr if stream is None else stream
    if not shows_progress(app, stream):
        return None
    return lambda line: click.echo(line, file=stream)


class Tally:
    """Feeds a counter one finished item at a time, once the work has said its total."""

    def __init__(self, show: Counter | None) -> None:
        self.show = show
        self.total = 0
        self.done = 0

    def start(self, total: int) -> None:
        self.total = total

    def advance(self, _item: object = None) -> None:
        self.done += 1
        if self.show is not None:
            self.show(self.done, max(self.total, self.done))
