"""Choose the guide and render the reply text (never quoting the post)."""

from __future__ import annotations

import re
import string

from bot.errors import ConfigError
from bot.limits import MAX_COMMENT_CHARS
from bot.links import wiki_url
from bot.replies.classify import Rules
from bot.replies.commands import FOOTER_COMMANDS
from bot.replies.dataset import AUDIENCES

MAX_REPLY_CHARS = MAX_COMMENT_CHARS
PLACEHOLDERS = {"guide_url", "guide_title", "index_url", "subreddit"}


def guide_url(subreddit: str, page: str) -> str:
    """Public URL of a guide."""
    return wiki_url(subreddit, page)


def render_reply(audience: str, *, rules: Rules, subreddit: str) -> str:
    """The reply for ``audience``: its template plus the bot footer."""
    if audience not in AUDIENCES:
        audience = "index"
    values = {
        "guide_url": guide_url(subreddit, audience),
        "guide_title": rules.guide_titles.get(audience, audience),
        "index_url": guide_url(subreddit, "index"),
        "subreddit": subreddit,
    }
    text = (
        _fill(rules.templates[audience], values, f"templates.{audience}", rules.source).strip()
        + "\n\n---\n\n"
        + _fill(rules.footer, values, "footer", rules.source).strip()
    )
    if len(text) > MAX_REPLY_CHARS:
        raise ConfigError(
            f"{rules.source}: templates.{audience}: the reply is {len(text)} "
            f"characters; Reddit allows {MAX_REPLY_CHARS}"
        )
    return text + "\n"


def validate_templates(rules: Rules, *, subreddit: str) -> None:
    """Render every template once so a bad placeholder fails at start-up, not mid-run;
    the footer must name the commands an asker can answer a reply with."""
    for audience in AUDIENCES:
        render_reply(audience, rules=rules, subreddit=subreddit)
    unnamed = [
        command
        for command in FOOTER_COMMANDS
        if not re.search(rf"\b{command}\b", rules.footer, re.IGNORECASE)
    ]
    if unnamed:
        raise ConfigError(
            f"{rules.source}: footer: must name the commands askers can answer a reply with "
            f"({', '.join(repr(c) for c in unnamed)} missing), or they never learn them"
        )


def _fill(template: str, values: dict[str, str], key: str, source: str) -> str:
    for _literal, field, _spec, _conv in string.Formatter().parse(template):
        if field is not None and field not in PLACEHOLDERS:
            raise ConfigError(
                f"{source}: {key}: unknown placeholder {{{field}}} (allowed: "
                f"{', '.join('{' + p + '}' for p in sorted(PLACEHOLDERS))})"
            )
    try:
        return template.format(**values)
    except (ValueError, IndexError) as exc:
        raise ConfigError(f"{source}: {key}: bad template: {exc}") from None
