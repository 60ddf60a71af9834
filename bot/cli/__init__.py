"""``wikibot``: the command line.

Exit codes: 0 success; 1 failure (an API error, a check that found errors, a refused
push); 2 bad usage or configuration (and, for ``plan --detailed-exitcode``, "changes
pending"; a damaged state database); 3 done, but a wiki page needs a human (drift or
conflict); 4 busy (another command holds the state's lock); 130 interrupted.

One module a command group: ``wiki`` (plan, push, pull, check, preview; ``wiki_history``
for ``pull --history``), ``replies`` (a package: run-time commands, labels, and
train/eval apart), ``daemon`` (run, status), ``sandbox`` and ``state`` (check, restore);
``common`` holds what they share, ``progress`` the progress shown on a terminal. Each command
imports the heavy modules it needs inside its function, to keep ``--help`` fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot import __version__
from bot.cli import daemon, replies, sandbox, state, wiki
from bot.cli.common import App
from bot.errors import EXIT_FAILED, EXIT_INTERRUPTED, WikibotError

__all__ = ["cli", "main"]


class _RootGroup(click.Group):
    """The root group: ``--help`` lists every command, those inside groups too."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            rows.append((name, command))
            if isinstance(command, click.Group):
                inner = click.Context(command, info_name=name, parent=ctx)
                for sub in command.list_commands(inner):
                    subcommand = command.get_command(inner, sub)
                    if subcommand is not None and not subcommand.hidden:
                        rows.append((f"{name} {sub}", subcommand))
        if rows:
            width = max(len(name) for name, _ in rows)
            limit = max(formatter.width - 6 - width, 30)
            with formatter.section("Commands"):
                formatter.write_dl([(n, c.get_short_help_str(limit)) for n, c in rows])


@click.group(
    cls=_RootGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="WIKIBOT_CONFIG",
    help="Config file [default: config/bot.yaml].",
)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default=None,
    help="Log line format [default: from config].",
)
@click.version_option(__version__, prog_name="wikibot")
@click.pass_context
def cli(
    ctx: click.Context,
    *,
    config: Path | None,
    as_json: bool,
    verbose: int,
    quiet: bool,
    log_format: str | None,
) -> None:
    """Keep r/learnmachinelearning's wiki guides in sync with Markdown files, and answer
    "how do I get into ML?" posts with the guide that fits.

    Every command below accepts --help.
    """
    ctx.obj = App(
        config=config, as_json=as_json, verbosity=-1 if quiet else verbose, log_format=log_format
    )
    ctx.obj.setup_logging()


for _group in (wiki, replies, daemon, sandbox, state):
    for _command in _group.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    """Console entry point: one-line errors, meaningful exit codes, no tracebacks."""
    from bot.logs import error_line, json_logs

    try:
        cli.main(standalone_mode=False, prog_name="wikibot")
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        if json_logs():
            click.echo(error_line(exc.format_message()), err=True)
        else:
            exc.show()
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo(error_line("interrupted"), err=True)
        sys.exit(EXIT_INTERRUPTED)
    except WikibotError as exc:
        click.echo(error_line(str(exc)), err=True)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(EXIT_FAILED)
