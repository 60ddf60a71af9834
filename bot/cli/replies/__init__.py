"""The ``replies`` command group, one module a kind of command.

- ``run.py``: what the daemon does, by hand, and the state it keeps: scan, test, feedback,
  optout, list;
- ``labels.py``: the moderators' labels: label, labels;
- ``learn.py``: the learning side (``bot/learning/``): train, eval; ``data.py``: the
  labelled data both read.
"""

from __future__ import annotations

import click

from bot.cli.replies import labels, learn, run


@click.group("replies")
def replies() -> None:
    """Answer "how do I get into ML?" posts with the right guide."""


for _module in (run, labels, learn):
    for _command in _module.COMMANDS:
        replies.add_command(_command)

COMMANDS = (replies,)
