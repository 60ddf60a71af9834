"""Wiki sync over one gateway and one state database: the entry point the CLI, the daemon,
the tests and the benchmark use.

Each job lives in its own module; this facade only hands them the gateway, the state and
the settings they need: ``refresh`` (gather the wiki's state cheaply, build the plan),
``push``, ``pull`` (and ``pull --all``), ``page_settings``, ``alerts``; the page files are
read by ``workspace``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.config import Settings
from bot.reddit import Gateway
from bot.state import State
from bot.wiki import alerts
from bot.wiki.outcomes import Outcome, SyncReport
from bot.wiki.plan import Plan
from bot.wiki.pull import pull_pages
from bot.wiki.push import push_pages
from bot.wiki.refresh import make_plan
from bot.wiki.workspace import Workspace


class WikiSync:
    """Wiki sync over one gateway and one state database."""

    def __init__(self, settings: Settings, gateway: Gateway, state: State) -> None:
        self.settings = settings
        self.gateway = gateway
        self.state = state

    def plan(
        self,
        workspace: Workspace,
        pages: Iterable[str] = (),
        *,
        on_read: Callable[[int, int], None] | None = None,
    ) -> Plan:
        """Refresh the remote view and build the plan (for ``pages`` only, if given)."""
        return make_plan(
            workspace,
            pages,
            gateway=self.gateway,
            state=self.state,
            pages_dir=self.settings.wiki_pages_dir,
            on_read=on_read,
        )

    def push(
        self,
        plan: Plan,
        workspace: Workspace,
        *,
        force: bool = False,
        dry_run: bool = False,
        reason: str | None = None,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> SyncReport:
        """Publish creates and updates; drift and conflicts only with ``force``."""
        return push_pages(
            plan,
            workspace,
            gateway=self.gateway,
            state=self.state,
            force=force,
            dry_run=dry_run,
            reason=reason,
            on_outcome=on_outcome,
        )

    def pull(
        self,
        plan: Plan,
        workspace: Workspace,
        *,
        force: bool = False,
        include_remote_only: bool = False,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> SyncReport:
        """Write the wiki's text into the page files (front matter kept)."""
        return pull_pages(
            plan,
            workspace,
            gateway=self.gateway,
            state=self.state,
            pages_dir=self.settings.wiki_pages_dir,
            force=force,
            include_remote_only=include_remote_only,
            on_outcome=on_outcome,
        )

    def alert_moderators(self, plan: Plan) -> int:
        """Message the mod team about pages that need a person; returns messages sent."""
        return alerts.alert_moderators(
            plan, gateway=self.gateway, state=self.state, subreddit=self.settings.subreddit
        )
