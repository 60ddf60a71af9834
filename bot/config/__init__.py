"""Load and validate configuration into one frozen ``Settings`` object.

Sources, later ones winning: ``config/bot.yaml``, then ``WIKIBOT_<SECTION>_<KEY>``
environment variables (for example ``WIKIBOT_SANDBOX_PORT=9000``). Credentials never come
from YAML: only from ``REDDIT_CLIENT_ID``, ``REDDIT_CLIENT_SECRET``, ``REDDIT_USERNAME``,
``REDDIT_PASSWORD`` or a ``praw.ini`` site named by ``praw_site``.

Relative paths in the YAML file resolve against the directory of that file; relative paths
from the environment resolve against the current directory. An unknown ``WIKIBOT_*``
variable (a typo would otherwise be ignored) is refused.

``settings.py`` holds the dataclasses, ``load.py`` reads the file and the environment and
builds them, ``values.py`` parses and checks each value.
"""

from __future__ import annotations

from bot.config.load import DEFAULT_CONFIG, known_env_names, load_settings
from bot.config.settings import (
    LOG_FORMATS,
    REVIEW_MODES,
    SANDBOX_CREDENTIALS,
    TARGETS,
    Credentials,
    PrawCredentials,
    ReplySettings,
    SandboxSettings,
    ScheduleSettings,
    Settings,
    TargetKind,
)
from bot.config.values import parse_duration

__all__ = [
    "DEFAULT_CONFIG",
    "LOG_FORMATS",
    "REVIEW_MODES",
    "SANDBOX_CREDENTIALS",
    "TARGETS",
    "Credentials",
    "PrawCredentials",
    "ReplySettings",
    "SandboxSettings",
    "ScheduleSettings",
    "Settings",
    "TargetKind",
    "known_env_names",
    "load_settings",
    "parse_duration",
]
