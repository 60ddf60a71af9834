"""Render the reply text from the routing and the templates (never quoting the post).

Which template speaks depends on what the bot knows (``routing.Routing``):

- a confident guide: ``templates.<audience>``, which may say something about the asker
  ("great that you are thinking about ML this early");
- a guide without confidence: ``templates.tentative``, which links it without a word
  about who the asker is;
- two close paths: ``templates.two_paths``, which links both, each with its ``paths``
  phrase ("if a PhD or research is the aim");
- no clear audience: ``templates.index``.
"""

from __future__ import annotations

import re
import string

from bot.errors import ConfigError
from bot.limits import MAX_COMMENT_CHARS
from bot.links import wiki_url
from bot.replies.commands import FOOTER_COMMANDS
from bot.replies.routing import Routing
from bot.replies.rules import TEMPLATE_NAMES, Rules
from bot.replies.terms import AUDIENCES, SPECIFIC_AUDIENCES

MAX_REPLY_CHARS = MAX_COMMENT_CHARS
PLACEHOLDERS = frozenset({"guide_url", "guide_title", "index_url", "subreddit"})
TWO_PATH_PLACEHOLDERS = PLACEHOLDERS | {"second_url", "second_title", "guide_path", "second_path"}
TENTATIVE, TWO_PATHS = TEMPLATE_NAMES[len(AUDIENCES) :]


def guide_url(subreddit: str, page: str) -> str:
    """Public URL of a guide."""
    return wiki_url(subreddit, page)


def render_reply(routing: Routing | str, *, rules: Rules, subreddit: str) -> str:
    """The reply for ``routing`` (or a bare audience, read as a confident one): its template
    plus the bot footer."""
    if isinstance(routing, str):
        routing = Routing.parse(routing)
    guide = routing.guide if routing.guide in AUDIENCES else "index"
    values = {
        "guide_url": guide_url(subreddit, guide),
        "guide_title": rules.guide_titles.get(guide, guide),
        "index_url": guide_url(subreddit, "index"),
        "subreddit": subreddit,
    }
    allowed = PLACEHOLDERS
    if routing.second in SPECIFIC_AUDIENCES and guide in SPECIFIC_AUDIENCES:
        second = routing.second
        name = TWO_PATHS
        allowed = TWO_PATH_PLACEHOLDERS
        values |= {
            "second_url": guide_url(subreddit, second),
            "second_title": rules.guide_titles.get(second, second),
            "guide_path": rules.paths.get(guide, ""),
            "second_path": rules.paths.get(second, ""),
        }
    elif guide != "index" and not routing.confident:
        name = TENTATIVE
    else:
        name = guide
    text = (
        _fill(rules.templates[name], values, f"templates.{name}", rules.source, allowed).strip()
        + "\n\n---\n\n"
        + _fill(rules.footer, values, "footer", rules.source, PLACEHOLDERS).strip()
    )
    if len(text) > MAX_REPLY_CHARS:
        raise ConfigError(
            f"{rules.source}: templates.{name}: the reply is {len(text)} "
            f"characters; Reddit allows {MAX_REPLY_CHARS}"
        )
    return text + "\n"


def validate_templates(rules: Rules, *, subreddit: str) -> None:
    """Render every template once so a bad placeholder fails at start-up, not mid-run;
    the footer must name the commands an asker can answer a reply with."""
    for audience in SPECIFIC_AUDIENCES:
        if not rules.paths.get(audience, "").strip():
            raise ConfigError(
                f"{rules.source}: paths.{audience}: missing (the phrase naming who the "
                f"{audience} guide is for, used when a reply names two paths)"
            )
    for audience in AUDIENCES:
        render_reply(Routing(audience, confident=True), rules=rules, subreddit=subreddit)
    render_reply(Routing("engineers"), rules=rules, subreddit=subreddit)
    render_reply(Routing("engineers", "researchers"), rules=rules, subreddit=subreddit)
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


def _fill(
    template: str, values: dict[str, str], key: str, source: str, allowed: frozenset[str]
) -> str:
    for _literal, field, _spec, _conv in string.Formatter().parse(template):
        if field is not None and field not in allowed:
            raise ConfigError(
                f"{source}: {key}: unknown placeholder {{{field}}} (allowed: "
                f"{', '.join('{' + p + '}' for p in sorted(allowed))})"
            )
    try:
        return template.format(**values)
    except (ValueError, IndexError) as exc:
        raise ConfigError(f"{source}: {key}: bad template: {exc}") from None
