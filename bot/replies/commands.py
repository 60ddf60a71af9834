"""The commands people give the bot in comments, read strictly. Pure functions.

- The asker answering the bot's reply: the answer *is* the command: ``wrong`` (or
  ``delete``, ``remove``) and ``stop`` (or ``opt out``, ``unsubscribe``), optionally with
  ``!``, punctuation and a few words of courtesy ("wrong, thanks!", "please stop"). A
  command word inside a sentence is not a command: "Nothing wrong with this, thanks!" and
  "Don't stop" do nothing.
- A moderator or helper on a post: ``!guide``, ``!guide <audience>`` or ``!noguide`` on the
  first line, in any case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.replies.terms import AUDIENCES

MAX_COMMAND_WORDS = 12  # a longer answer is a conversation, not a command
WRONG, STOP = "wrong", "stop"
FOOTER_COMMANDS = (WRONG, STOP)  # the reply footer must name these, so askers know them
_PHRASES = {
    WRONG: {
        "wrong",
        "wrong guide",
        "wrong link",
        "delete",
        "delete this",
        "delete it",
        "remove",
        "remove this",
        "remove it",
    },
    STOP: {
        "stop",
        "stop it",
        "opt out",
        "optout",
        "unsubscribe",
        "stop replying",
        "stop replying to me",
    },
}
# Words of courtesy around a command; anything else makes the answer a sentence.
_COURTESY = re.compile(
    r"\b(?:please|pls|plz|thank you|thanks|thx|ty|cheers|ok|okay|hey|hi|hello|"
    r"u/\w+|wikibot|bot)\b"
)
_CLAUSES = re.compile(r"[.,;:!?\n]+")
_SUMMON = re.compile(r"^\s*!(no)?guide\b(.*)$", re.IGNORECASE)
AUDIENCE_NAMES = {
    **{name: name for name in AUDIENCES},
    "high school": "highschool",
    "high schoolers": "highschool",
    "highschooler": "highschool",
    "highschoolers": "highschool",
    "engineer": "engineers",
    "researcher": "researchers",
    "research": "researchers",
    "hacker": "hackers",
    "intro": "index",
    "introduction": "index",
}


def author_command(text: str) -> frozenset[str]:
    """What the asker's answer asks for: ``wrong`` and/or ``stop``, or nothing.

    Every clause (split at punctuation) must be a command or courtesy alone.
    """
    words = text.split()
    if not words or len(words) > MAX_COMMAND_WORDS:
        return frozenset()
    found: set[str] = set()
    for clause in _CLAUSES.split(text.lower().replace("-", " ")):
        phrase = " ".join(_COURTESY.sub(" ", clause).split())
        if not phrase:
            continue
        command = next((name for name, phrases in _PHRASES.items() if phrase in phrases), None)
        if command is None:
            return frozenset()
        found.add(command)
    return frozenset(found)


@dataclass(frozen=True)
class Summon:
    """``!guide [audience]`` (``guide`` True) or ``!noguide`` (False)."""

    guide: bool
    audience: str | None = None  # a named guide; None: the bot's own routing
    unknown: str | None = None  # "!guide enginers": a word naming no guide (never acted on)


def summon_command(text: str) -> Summon | None:
    """The summon on the comment's first line, or None.

    ``!guide`` alone (or with courtesy only: "!guide please") leaves the choice to the
    bot's routing; a word that names no guide ("!guide enginers") is ``unknown``: a
    misspelt audience must not become the bot's own choice.
    """
    lines = text.strip().splitlines()
    match = _SUMMON.match(lines[0]) if lines else None
    if match is None:
        return None
    if match.group(1):
        return Summon(guide=False)
    rest = _COURTESY.sub(" ", match.group(2).lower())
    words = re.findall(r"[a-z]+", rest)
    if not words:
        return Summon(guide=True)
    for size in (2, 1):
        name = " ".join(words[:size])
        if len(words) >= size and name in AUDIENCE_NAMES:
            return Summon(guide=True, audience=AUDIENCE_NAMES[name])
    return Summon(guide=True, unknown=words[0])
