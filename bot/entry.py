"""The console entry point: Ctrl-C even during start-up imports exits 130, no traceback."""

from __future__ import annotations

import sys


def main() -> None:
    """Import the CLI (click, yaml, ...) under the same Ctrl-C guard as the commands."""
    try:
        from bot.cli import main as cli_main  # noqa: PLC0415 - the import is what is guarded

        cli_main()  # handles Ctrl-C itself; this also covers the moment before it does
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
