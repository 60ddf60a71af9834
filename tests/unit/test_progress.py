"""Progress (``bot/cli/progress.py``) shows on a terminal only, never with --json or -q."""

from __future__ import annotations

import io

import pytest

from bot.cli import progress
from bot.cli.common import App


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def app(*, as_json: bool = False, verbosity: int = 0) -> App:
    return App(config=None, as_json=as_json, verbosity=verbosity, log_format=None)


def test_a_counter_rewrites_one_line_on_a_terminal_and_ends_it_when_done() -> None:
    stream = Terminal()
    show = progress.counter(app(), lambda done, total: f"encoding: {done}/{total}", stream=stream)
    assert show is not None
    for done in (0, 50, 120):
        show(done, 120)
    assert stream.getvalue() == "\rencoding: 0/120\rencoding: 50/120\rencoding: 120/120\n"


def test_a_bar_and_a_tally_fill_as_items_finish() -> None:
    stream = Terminal()
    tally = progress.Tally(progress.bar(app(), "wiki revisions", stream=stream))
    tally.start(3)
    for _ in range(3):
        tally.advance()
    frames = stream.getvalue().split("\r")[1:]
    assert frames[0] == f"wiki revisions [{'#' * 10}{'.' * 20}] 1/3"
    assert frames[-1] == f"wiki revisions [{'#' * 30}] 3/3\n"


@pytest.mark.parametrize(
    ("invocation", "stream"),
    [
        (app(as_json=True), Terminal()),  # a program reads the output
        (app(verbosity=-1), Terminal()),  # -q
        (app(), io.StringIO()),  # not a terminal: a pipe, a log, CI
    ],
)
def test_no_progress_with_json_quiet_or_without_a_terminal(
    invocation: App, stream: io.StringIO
) -> None:
    assert progress.counter(invocation, lambda d, t: f"{d}/{t}", stream=stream) is None
    assert progress.bar(invocation, "reading", stream=stream) is None
    assert progress.lines(invocation, stream=stream) is None
    tally = progress.Tally(progress.bar(invocation, "reading", stream=stream))
    tally.start(2)
    tally.advance()
    assert stream.getvalue() == ""
