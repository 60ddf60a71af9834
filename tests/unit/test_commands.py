"""Commands people give the bot, read strictly (pure functions), and the footer naming them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.errors import ConfigError, shown_path
from bot.replies.commands import Summon, author_command, summon_command
from bot.replies.respond import render_reply, validate_templates
from bot.replies.rules import load_rules
from conftest import FIXTURE_RULES

RULES = FIXTURE_RULES


@pytest.mark.parametrize(
    ("text", "commands"),
    [
        ("wrong", {"wrong"}),
        ("Wrong!", {"wrong"}),
        ("!wrong", {"wrong"}),
        ("wrong guide, delete please", {"wrong"}),
        ("Delete this, thanks.", {"wrong"}),
        ("remove it pls", {"wrong"}),
        ("stop", {"stop"}),
        ("Please stop.", {"stop"}),
        ("opt-out", {"stop"}),
        ("Unsubscribe, thank you", {"stop"}),
        ("Wrong. Stop.", {"wrong", "stop"}),
        # a sentence that contains a command word is not a command
        ("Nothing wrong with this, thanks!", set()),
        ("Don't stop, this is exactly what I needed", set()),
        ("not wrong at all", set()),
        ("This is wrong about transformers but otherwise good", set()),
        ("Can't stop reading it", set()),
        ("thanks!", set()),
        ("wrong " * 13, set()),  # a long answer is a conversation
        ("", set()),
    ],
)
def test_author_commands_are_the_whole_answer(text: str, commands: set[str]) -> None:
    assert author_command(text) == commands


@pytest.mark.parametrize(
    ("text", "summon"),
    [
        ("!guide", Summon(guide=True)),
        ("!Guide Engineers", Summon(guide=True, audience="engineers")),
        ("!guide high school\nshe is 15", Summon(guide=True, audience="highschool")),
        ("!GUIDE researcher", Summon(guide=True, audience="researchers")),
        ("!guide please", Summon(guide=True)),  # courtesy only: the bot's own routing
        ("!guide engineers, thanks", Summon(guide=True, audience="engineers")),
        ("!guide enginers", Summon(guide=True, unknown="enginers")),  # never the bot's choice
        ("!guide foo bar", Summon(guide=True, unknown="foo")),
        ("  !noguide", Summon(guide=False)),
        ("!noguide engineers", Summon(guide=False)),
        ("great post\n!guide engineers", None),  # first line only
        ("!guides are great", None),
        ("see the !guide", None),
    ],
)
def test_summons_are_read_from_the_first_line(text: str, summon: Summon | None) -> None:
    assert summon_command(text) == summon


def test_the_shipped_footer_names_the_commands() -> None:
    rules = load_rules(RULES)
    validate_templates(rules, subreddit="learnmachinelearning")
    footer = render_reply("index", rules=rules, subreddit="learnmachinelearning").split("---")[-1]
    assert '"wrong"' in footer and '"stop"' in footer


def test_a_footer_that_hides_the_commands_is_a_one_line_error() -> None:
    rules = replace(load_rules(RULES), footer="^(I'm a bot.) Message the mods to stop me.")
    with pytest.raises(ConfigError) as error:
        validate_templates(rules, subreddit="learnmachinelearning")
    assert str(error.value) == (
        f"{shown_path(RULES)}: footer: must name the commands askers can answer a reply with "
        "('wrong' missing), or they never learn them"
    )
