"""Client set-up: ``praw.Reddit`` for the configured target, with the environment's
credentials or a praw.ini site, sending through the write guard's session."""

from __future__ import annotations

import configparser
from typing import TypedDict

import praw

from bot.config import PrawCredentials, Settings
from bot.errors import ConfigError
from bot.reddit.write_guard import WriteGuardSession


class PrawOptions(TypedDict, total=False):
    """The keyword arguments wikibot gives ``praw.Reddit`` (besides the credentials)."""

    user_agent: str
    check_for_updates: bool
    check_for_async: bool
    ratelimit_seconds: int
    oauth_url: str
    reddit_url: str


def build_reddit(settings: Settings, *, session: WriteGuardSession) -> praw.Reddit:
    """A ``praw.Reddit`` for the configured target (the sandbox via PRAW's
    ``oauth_url``/``reddit_url``, or reddit.com), sending through ``session``."""
    options = PrawOptions(
        user_agent=settings.user_agent,
        check_for_updates=False,
        check_for_async=False,
        ratelimit_seconds=0,  # the bot waits itself; PRAW must not sleep inside a job
    )
    if settings.is_sandbox:
        options["oauth_url"] = options["reddit_url"] = settings.sandbox_url
    # the environment's credentials; the site keeps what they leave out, key by key
    given = settings.credentials.given() if settings.credentials is not None else PrawCredentials()
    site = settings.praw_site if not settings.is_sandbox else None
    requestor = {"session": session}
    try:
        if site:  # the site's URLs are kept
            return praw.Reddit(site, requestor_kwargs=requestor, **options, **given)
        return praw.Reddit(requestor_kwargs=requestor, **options, **given)
    except configparser.NoSectionError as exc:
        raise ConfigError(
            f"{settings.config_file}: praw_site: no [{site}] section in a praw.ini "
            "(in the working directory or the user config folder); add it or fix the name"
        ) from exc
    except praw.exceptions.ClientException as exc:  # a required setting is missing
        problem = str(exc).strip().splitlines()[0].rstrip(". ")
        raise ConfigError(
            f"{settings.config_file}: praw_site {site!r}: {problem}; add it to the site "
            "or set the REDDIT_* variable"
        ) from exc
