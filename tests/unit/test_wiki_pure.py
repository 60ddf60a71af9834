"""Pure parts of wiki sync: front matter, normalisation, rendering, planning."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.errors import InputError
from bot.wiki.pages import load_pages, new_page_file, parse_page
from bot.wiki.plan import Kind, LocalPage, RemotePage, SyncedPage, build_plan, settings_text
from bot.wiki.render import link_targets, normalize, render
from conftest import Scenario


def page_text(front: str, body: str = "Body\n") -> str:
    return f"---\n{front}\n---\n{body}"


def test_front_matter_is_parsed_with_defaults(tmp_path: Path) -> None:
    page = parse_page(tmp_path / "faq.md", page_text("title: FAQ"), root=tmp_path)
    # listed and permlevel left out: not managed, the wiki keeps its own settings
    assert (page.name, page.title, page.listed, page.permlevel) == ("faq", "FAQ", None, None)
    assert page.body == "Body\n" and page.body_line == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no front matter\n", ":1: missing front matter"),
        ("---\ntitle: x\n", ":1: front matter is not closed"),
        (page_text("title: [x"), ":2: front matter: YAML syntax error"),
        (page_text("title: x\ncolour: red"), ":3: front matter.colour: unknown key"),
        (page_text("permlevel: 7"), ":2: front matter.permlevel: expected 0"),
        (page_text("listed: maybe"), ":2: front matter.listed: expected true or false"),
        (page_text("page: Bad Name!"), ":2: front matter.page: expected a wiki page name"),
        (page_text("reason: " + "x" * 300), ":2: front matter.reason: expected at most 256"),
    ],
)
def test_bad_front_matter_is_one_line_with_file_and_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "p.md"
    with pytest.raises(InputError) as error:
        parse_page(path, text, root=tmp_path)
    assert str(error.value).startswith(str(path))
    assert expected in str(error.value)


def test_duplicate_page_names_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(page_text("page: same"))
    (tmp_path / "b.md").write_text(page_text("page: same"))
    with pytest.raises(InputError, match="also used by"):
        load_pages(tmp_path)


@pytest.mark.parametrize(
    "text",
    [
        "a\r\nb  \r\n\r\n\r\n",
        "\ufeff\n\nline\t \n",
        "x  \ny\n",
        "",
        "  \n",
        "a\rb\n\n",
    ],
)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert "\r" not in once and (once == "" or once.endswith("\n"))


def test_normalize_keeps_hard_breaks_and_strips_other_trailing_space() -> None:
    assert normalize("one  \ntwo \n") == "one  \ntwo\n"


def test_relative_links_become_wiki_paths(tmp_path: Path) -> None:
    (tmp_path / "guides").mkdir()
    (tmp_path / "index.md").write_text(page_text("title: i", "See [eng](guides/eng.md#jobs).\n"))
    (tmp_path / "guides" / "eng.md").write_text(
        page_text("page: engineers", "[home](../index.md)\n")
    )
    pages = load_pages(tmp_path)
    targets = link_targets(pages, tmp_path)
    rendered = {p.name: render(p, root=tmp_path, targets=targets, subreddit="sub") for p in pages}
    assert rendered["index"] == "See [eng](/r/sub/wiki/engineers#jobs).\n"
    assert rendered["engineers"] == "[home](/r/sub/wiki/index)\n"


def local(name: str, text: str, *, permlevel: int | None = None) -> LocalPage:
    return LocalPage(name=name, content=normalize(text), path=f"{name}.md", permlevel=permlevel)


def test_plan_decision_table() -> None:
    synced = {
        n: SyncedPage(n, f"r-{n}", "base\n", True, 0)
        for n in ("same", "upd", "drift", "conflict", "both_same", "resaved")
    }
    local_pages = {
        "new": local("new", "hello"),
        "same": local("same", "base"),
        "upd": local("upd", "mine"),
        "drift": local("drift", "base"),
        "conflict": local("conflict", "mine"),
        "both_same": local("both_same", "same edit"),
        "resaved": local("resaved", "base"),
    }
    remote = {
        "same": RemotePage("same", "r-same"),
        "upd": RemotePage("upd", "r-upd"),
        "drift": RemotePage("drift", "r2", "alice", "theirs\n"),
        "conflict": RemotePage("conflict", "r2", "alice", "theirs\n"),
        "both_same": RemotePage("both_same", "r2", "alice", "same edit\n"),
        "resaved": RemotePage("resaved", "r2", "alice", "base\r\n"),
        "wiki_only": RemotePage("wiki_only", "r9", "bob", None),
    }
    plan = build_plan(local=local_pages, remote=remote, synced=synced)
    kinds = {a.page: a.kind for a in plan.actions}
    assert kinds == {
        "new": Kind.CREATE,
        "same": Kind.UNCHANGED,
        "upd": Kind.UPDATE,
        "drift": Kind.DRIFT,
        "conflict": Kind.CONFLICT,
        "both_same": Kind.UNCHANGED,
        "resaved": Kind.UNCHANGED,
        "wiki_only": Kind.REMOTE_ONLY,
    }
    update = next(a for a in plan.actions if a.page == "upd")
    assert update.previous == "r-upd" and "-base" in update.diff and "+mine" in update.diff
    assert plan.has_changes


def test_never_synced_page_that_differs_is_a_conflict() -> None:
    plan = build_plan(
        local={"p": local("p", "mine")},
        remote={"p": RemotePage("p", "r1", "alice", "theirs")},
        synced={},
    )
    assert plan.actions[0].kind == Kind.CONFLICT
    assert "never synced" in plan.actions[0].note


def test_plan_of_a_page_against_itself_is_unchanged() -> None:
    text = "# Title\r\n\r\nSome text  \nmore   \n"
    synced = {"p": SyncedPage("p", "r1", normalize(text), True, 0)}
    plan = build_plan(
        local={"p": local("p", text)}, remote={"p": RemotePage("p", "r1")}, synced=synced
    )
    assert [a.kind for a in plan.actions] == [Kind.UNCHANGED]
    assert not plan.has_changes


def test_settings_changes_are_planned() -> None:
    synced = {"p": SyncedPage("p", "r1", "x\n", True, 0)}
    plan = build_plan(
        local={"p": local("p", "x", permlevel=2)},
        remote={"p": RemotePage("p", "r1")},
        synced=synced,
    )
    assert plan.actions[0].kind == Kind.UNCHANGED and plan.actions[0].settings == (True, 2)
    assert plan.has_changes


def test_only_the_settings_a_file_sets_are_planned_and_a_wider_permlevel_is_named() -> None:
    synced = {"p": SyncedPage("p", "r1", "x\n", True, 2)}
    wiki = {"p": RemotePage("p", "r1", settings=(False, 2))}  # listed changed by hand
    unmanaged = build_plan(local={"p": local("p", "x")}, remote=wiki, synced=synced)
    assert unmanaged.actions[0].settings is None and unmanaged.actions[0].settings_drift is None
    assert not unmanaged.has_changes
    loosened = build_plan(local={"p": local("p", "x", permlevel=0)}, remote=wiki, synced=synced)
    action = loosened.actions[0]
    assert action.settings == (False, 0) and action.settings_drift is None  # listed kept
    assert settings_text(action) == (
        "permlevel 2 -> 0 (loosens: moderators only -> the subreddit's wiki rules)"
    )


@pytest.mark.parametrize("name", ["../x", "/etc/x", "a\\b", "a\x00b", "A", "a//b", "edit/x", ""])
def test_a_file_is_never_made_for_a_name_reddit_would_refuse(tmp_path: Path, name: str) -> None:
    (tmp_path / "pages").mkdir()
    with pytest.raises(InputError, match="not written"):
        new_page_file(tmp_path / "pages", name=name, body="x\n", listed=True, permlevel=0)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


class _Markup(HTMLParser):
    """The tags, attributes and text an HTML page holds, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text += data


def test_preview_shows_raw_html_as_text_and_makes_only_safe_links_live(offline: Scenario) -> None:
    """Reddit's wiki escapes raw HTML in Markdown and never links a javascript: URL."""
    body = (
        "# Hostile\n\n<script>alert(1)</script>\n\n"
        'An image <img src=x onerror=alert(2)> and <a href="javascript:alert(3)">a link</a>.\n\n'
        '<div onclick="alert(4)">block</div>\n\n'
        "[one](javascript:alert(5)) [two](JaVaScRiPt:alert(6)) [three](&#106;avascript:alert(7))"
        " [four](java&#x09;script:alert(8)) [five](data:text/html,x)"
        " ![six](javascript:alert(9))\n\n"
        "[ok](https://example.com/) [wiki](/r/learnmachinelearning/wiki/index) `<b>code</b>`\n"
    )
    offline.seed_pages({"hostile": f"---\ntitle: Hostile\n---\n{body}"})
    result = offline.run_cli("preview", "hostile")
    assert result.code == 0, result.err
    markup = _Markup()
    markup.feed(result.out)
    tags = [tag for tag, _ in markup.tags]
    assert "script" not in tags and "div" not in tags
    assert [a for t, a in markup.tags if t == "img"] == [{"alt": "six"}]  # the Markdown image
    assert not [(t, a) for t, a in markup.tags if any(name.startswith("on") for name in a)]
    links = [a.get("href") or a.get("src") for t, a in markup.tags if t in ("a", "img")]
    assert [link for link in links if link] == [
        "https://example.com/",
        "/r/learnmachinelearning/wiki/index",
    ]
    assert "<script>alert(1)</script>" in markup.text  # shown, as text
    assert '<a href="javascript:alert(3)">a link</a>' in markup.text
    assert "<b>code</b>" in markup.text
