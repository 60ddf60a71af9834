"""Human output helpers: colour on a TTY only, JSON for machines."""

from __future__ import annotations

import json
import sys

import click

_DIFF_COLOURS = {"+": "green", "-": "red", "@": "cyan"}
_KIND_COLOURS = {
    "create": "green",
    "update": "yellow",
    "drift": "magenta",
    "conflict": "red",
    "remote-only": "blue",
    "unchanged": None,
}


def use_colour() -> bool:
    return sys.stdout.isatty()


def colour_diff(diff: str) -> str:
    """Colour a unified diff when writing to a terminal."""
    if not use_colour():
        return diff
    lines = []
    for line in diff.splitlines(keepends=True):
        colour = None if line.startswith(("+++", "---")) else _DIFF_COLOURS.get(line[:1])
        lines.append(
            click.style(line, fg=colour, bold=line.startswith(("+++", "---")))
            if colour or line.startswith(("+++", "---"))
            else line
        )
    return "".join(lines)


def kind_label(kind: str) -> str:
    colour = _KIND_COLOURS.get(kind)
    return click.style(kind, fg=colour) if colour and use_colour() else kind


def print_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
