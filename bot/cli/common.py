"""What every command group shares: the per-invocation App, ``--json``, the state's lock."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TypeVar

import click

from bot.config import Settings, load_settings
from bot.errors import WikibotError
from bot.logs import setup_logging

F = TypeVar("F", bound=Callable[..., object])


class App:
    """Per-invocation context: global options and lazily loaded settings."""

    def __init__(
        self, *, config: Path | None, as_json: bool, verbosity: int, log_format: str | None
    ) -> None:
        self.config = config
        self.as_json = as_json
        self.verbosity = verbosity
        self.log_format = log_format
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config)
        return self._settings

    def setup_logging(self, *, daemon: bool = False) -> None:
        log_format = self.log_format
        if log_format is None:
            try:
                log_format = self.settings.log_format
            except WikibotError:
                log_format = "text"
        setup_logging(verbosity=self.verbosity, log_format=log_format, daemon=daemon)


def json_option(func: F) -> F:
    """``--json`` on a subcommand (same as the global flag)."""

    def callback(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        app = ctx.find_object(App)
        if value and app is not None:
            app.as_json = True

    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        expose_value=False,
        callback=callback,
        help="Print machine-readable JSON.",
    )(func)


pass_app = click.make_pass_decorator(App)


def write_lock(app: App, command: str, *, dry_run: bool = False) -> AbstractContextManager[object]:
    """The state's lock for a command that writes to Reddit (none for a dry run)."""
    from bot.lockfile import WAIT_FOR_LOCK, CommandLock, lock_path

    if dry_run:
        return nullcontext()
    path = lock_path(app.settings.state_db)
    return CommandLock(path, command=command, wait=WAIT_FOR_LOCK)
