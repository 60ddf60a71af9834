"""The shipped content: wiki_pages/ and config/ as a moderator leaves them.

These are the only tests that read the repository's own guides and configuration (all
others use tests/fixtures/). They fail on a broken edit (a page `check` refuses, a link to
a missing page, a guide a reply points at deleted, a config that does not load), never on
an ordinary one: rewording, a sixth page, a tuned threshold or interval.
"""

from __future__ import annotations

import re

from bot.config import load_settings
from bot.replies.respond import render_reply, validate_templates
from bot.replies.rules import load_rules
from bot.replies.terms import AUDIENCES
from bot.wiki.check import check_pages
from bot.wiki.workspace import load_workspace
from conftest import REPO

SUBREDDIT = "learnmachinelearning"
SEED_DEFECTS = [
    "probelm",
    "Your still",
    "committment",
    "whether your heading",
    "If your happy",
    "in congress with",
    "Com. sci. Distributed",
    "somewhere.com",
    "(((",
    "<---LINKS",
    "((IBM))",
    "a *still*",
]


def published() -> dict[str, str]:
    settings = load_settings(REPO / "config" / "bot.yaml", environ={})
    return {name: page.content for name, page in load_workspace(settings).local.items()}


def test_shipped_pages_pass_check() -> None:
    problems = check_pages(REPO / "wiki_pages", subreddit=SUBREDDIT)
    assert problems == []


def test_every_guide_a_reply_links_to_exists() -> None:
    assert set(AUDIENCES) <= set(published())  # more pages are fine


def test_links_between_guides_resolve_and_the_introduction_links_each_guide() -> None:
    pages = published()
    for name, text in pages.items():
        for target in re.findall(rf"\]\(/r/{SUBREDDIT}/wiki/([a-z0-9_/-]+)", text):
            assert target in pages, f"{name} links to the missing page {target}"
    for guide in set(AUDIENCES) - {"index"}:
        assert f"/r/{SUBREDDIT}/wiki/{guide}" in pages["index"], f"index does not link {guide}"


def test_no_seed_defect_front_matter_or_raw_html_is_published() -> None:
    for name, text in published().items():
        for defect in SEED_DEFECTS:
            assert defect.lower() not in text.lower(), f"{name} still has {defect!r}"
        assert not text.startswith("---"), "front matter must not be published"
        assert not re.search(r"<[a-zA-Z/][^>]*>", text), f"{name} contains raw HTML"


def test_shipped_config_loads_targets_the_sandbox_and_its_replies_render() -> None:
    settings = load_settings(REPO / "config" / "bot.yaml", environ={})
    assert settings.target == "sandbox"  # a fresh clone runs without an account
    assert settings.wiki_pages_dir == (REPO / "wiki_pages").resolve()
    rules = load_rules(settings.replies.rules_file)
    validate_templates(rules, subreddit=settings.subreddit)
    for guide in AUDIENCES:
        reply = render_reply(guide, rules=rules, subreddit=settings.subreddit)
        assert f"/r/{settings.subreddit}/wiki/{guide}" in reply, guide
