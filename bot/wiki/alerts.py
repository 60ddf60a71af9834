"""Message the moderators about wiki pages that need a person: edits made on the wiki
(drift, conflicts) and settings changed by hand, once each."""

from __future__ import annotations

import logging

from bot.errors import WriteUncertain
from bot.links import wiki_path
from bot.reddit import Gateway
from bot.state import State
from bot.wiki.plan import Kind, PageAction, Plan

log = logging.getLogger(__name__)


def alert_moderators(plan: Plan, *, gateway: Gateway, state: State, subreddit: str) -> int:
    """Message the mod team once per drifted/conflicting wiki revision, and once per
    settings value changed by hand; returns how many messages were sent."""
    sent = 0
    alerts = [
        (a, a.remote_revision or "unknown", a.kind.value, _alert_body(a, subreddit))
        for a in plan.of(Kind.DRIFT, Kind.CONFLICT)
    ] + [
        (
            a,
            f"settings:{int(a.settings_drift[0])},{a.settings_drift[1]}",
            "settings drift",
            _settings_alert_body(a, subreddit),
        )
        for a in plan.actions
        if a.settings_drift
    ]
    for action, revision, kind, body in alerts:
        if not state.alerts.record(
            page=action.page,
            revision=revision,
            kind=kind,
            author=action.remote_author,
        ):
            continue
        subject = f"wikibot: wiki page '{action.page}' needs a human ({kind})"
        try:
            gateway.message_moderators(subject=subject, body=body)
        except WriteUncertain:
            log.warning("alert for %s: outcome unknown; not resending", action.page)
        except Exception:
            state.alerts.forget(page=action.page, revision=revision)
            raise
        log.info(
            "wiki: %s on %s (revision %s by %s); moderators messaged",
            kind,
            action.page,
            revision[:8],
            action.remote_author or "someone",
        )
        sent += 1
    return sent


def _settings_alert_body(action: PageAction, subreddit: str) -> str:
    listed, permlevel = action.settings_drift or (True, 0)
    return (
        f"The settings of the wiki page [{action.page}](/r/{subreddit}/wiki/{action.page}) "
        f"were changed on Reddit to listed={listed} permlevel={permlevel}, unlike "
        f"`{action.path}`. wikibot will not change them back.\n\nTo resolve:\n\n"
        f"- keep them: run `wikibot pull {action.page}` and commit the file\n"
        f"- restore the file's: run `wikibot push --force {action.page}`\n\n"
        "You will get this message once per settings change."
    )


def _alert_body(action: PageAction, subreddit: str) -> str:
    who = f"u/{action.remote_author}" if action.remote_author else "someone"
    if action.kind == Kind.DRIFT:
        todo = (
            f"- keep the wiki's version: run `wikibot pull {action.page}` and commit the "
            "file\n"
            f"- discard it: run `wikibot push --force {action.page}`"
        )
    else:
        todo = (
            f"- the file and the wiki both changed: merge by hand, then run "
            f"`wikibot push --force {action.page}`"
        )
    return (
        f"The wiki page [{action.page}]({wiki_path(subreddit, action.page)}) was edited on "
        f"the wiki by {who} (revision {action.remote_revision}) and differs from "
        f"`{action.path}`. wikibot will not overwrite it.\n\nTo resolve:\n\n{todo}\n\n"
        "You will get this message once per wiki revision."
    )
