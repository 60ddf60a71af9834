"""The shipped guides: faithful to the seed, without its defects, links that resolve."""

from __future__ import annotations

import re

from bot.config import load_settings
from bot.wiki.check import check_pages
from bot.wiki.sync import load_workspace
from conftest import REPO

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


def test_the_five_guides_exist() -> None:
    assert set(published()) == {"index", "highschool", "engineers", "researchers", "hackers"}


def test_no_seed_defect_is_published() -> None:
    for name, text in published().items():
        for defect in SEED_DEFECTS:
            assert defect.lower() not in text.lower(), f"{name} still has {defect!r}"
        assert not text.startswith("---"), "front matter must not be published"
        assert not re.search(r"<[a-zA-Z/][^>]*>", text), f"{name} contains raw HTML"


def test_links_between_guides_resolve() -> None:
    pages = published()
    linked = set()
    for text in pages.values():
        for target in re.findall(r"\]\(/r/learnmachinelearning/wiki/([a-z_/-]+)", text):
            assert target in pages, f"link to missing page {target}"
            linked.add(target)
    assert {"highschool", "engineers", "researchers", "hackers", "index"} <= linked
    for guide in ("highschool", "engineers", "researchers", "hackers"):
        assert f"/r/learnmachinelearning/wiki/{guide}" in pages["index"]
    assert "/r/learnmachinelearning/wiki/hackers" in pages["highschool"]


def test_faithful_to_the_seed() -> None:
    seed = next((REPO.parent / "shared" / "seed").glob("*.txt"), None)
    text = published()
    for phrase in (
        "everyone and their nana",
        "Pokémon and Call of Duty",
        "A Super Harsh Guide to Machine Learning",
        "78% of the Google Brain team",
        "erikbern/deep-pink",
    ):
        assert any(phrase in page for page in text.values()), phrase
        if seed is not None:
            assert phrase in seed.read_text()


def test_shipped_pages_pass_check() -> None:
    problems = check_pages(REPO / "wiki_pages", subreddit="learnmachinelearning")
    assert problems == []
