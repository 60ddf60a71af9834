"""The sandbox speaks Reddit to a plain PRAW script (no wikibot code involved)."""

from __future__ import annotations

import time
from pathlib import Path

import prawcore
import pytest
import requests
from praw.models import Comment

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from conftest import plain_praw

SUB = "learnmachinelearning"


def test_wiki_read_edit_and_stale_previous_conflict(sandbox: SandboxServer) -> None:
    reddit = plain_praw(sandbox.url)
    sub = reddit.subreddit(SUB)
    sub.wiki.create(name="faq", content="first", reason="create")
    page = sub.wiki["faq"]
    assert page.content_md == "first"
    first = page.revision_id
    page.edit(content="second", previous=first)
    assert sub.wiki["faq"].content_md == "second"
    with pytest.raises(prawcore.Conflict):
        sub.wiki["faq"].edit(content="third", previous=first)
    assert sub.wiki["faq"].content_md == "second"
    assert [r["page"].name for r in sub.wiki.revisions()] == ["faq", "faq"]


def test_new_listing_and_reply_shows_in_comments(sandbox: SandboxServer) -> None:
    reddit = plain_praw(sandbox.url)
    posts = list(reddit.subreddit(SUB).new(limit=10))
    assert len(posts) == 5
    assert posts[0].created_utc >= posts[-1].created_utc
    comment = posts[-1].reply(body="Welcome! See the wiki.")
    listed = reddit.submission(posts[-1].id).comments.list()
    comments = [c for c in listed if isinstance(c, Comment)]  # no "load more" stubs
    assert len(comments) == len(listed)
    bodies = [(c.author.name, c.body) for c in comments]
    assert bodies[0] == ("wikibot", "Welcome! See the wiki.")
    assert comment.id


def test_new_before_returns_only_newer_posts(sandbox: SandboxServer) -> None:
    reddit = plain_praw(sandbox.url)
    newest = next(iter(reddit.subreddit(SUB).new(limit=1)))
    assert reddit.get(f"r/{SUB}/new", params={"before": newest.fullname}).children == []
    fullname = SandboxClient(sandbox.url).post(title="new one", body="?")
    after = reddit.get(f"r/{SUB}/new", params={"before": newest.fullname}).children
    assert [p.fullname for p in after] == [fullname]


def test_ordinary_user_may_not_edit_wiki(sandbox: SandboxServer) -> None:
    reddit = plain_praw(sandbox.url, username="curious_student")
    with pytest.raises(prawcore.Forbidden):
        reddit.subreddit(SUB).wiki["index"].edit(content="vandalism")


def test_expired_token_is_refreshed_transparently(sandbox: SandboxServer) -> None:
    reddit = plain_praw(sandbox.url)
    assert reddit.subreddit(SUB).wiki["index"].mod  # no request yet
    assert len(list(reddit.subreddit(SUB).new(limit=2))) == 2
    SandboxClient(sandbox.url).expire_tokens()
    assert len(list(reddit.subreddit(SUB).new(limit=2))) == 2
    tokens = [e for e in SandboxClient(sandbox.url).log() if e["path"] == "/api/v1/access_token"]
    assert len(tokens) == 2


def test_rate_limit_headers_and_429(tmp_path: Path) -> None:
    with SandboxServer(state_file=None, port=0, rate_limit=3) as server:
        token = requests.post(
            f"{server.url}/api/v1/access_token",
            auth=("sandbox", "sandbox"),
            data={"grant_type": "client_credentials"},
            timeout=5,
        ).json()
        headers = {"Authorization": f"bearer {token['access_token']}"}
        seen = []
        for _ in range(4):
            response = requests.get(f"{server.url}/r/{SUB}/new", headers=headers, timeout=5)
            seen.append((response.status_code, response.headers["x-ratelimit-remaining"]))
        assert seen[:3] == [(200, "2.0"), (200, "1.0"), (200, "0.0")]
        assert seen[3][0] == 429
        assert 0 < int(response.headers["x-ratelimit-reset"]) <= 600


def test_bad_client_credentials_and_password(sandbox: SandboxServer) -> None:
    response = requests.post(
        f"{sandbox.url}/api/v1/access_token",
        auth=("sandbox", "wrong"),
        data={"grant_type": "client_credentials"},
        timeout=5,
    )
    assert response.status_code == 401
    reddit = plain_praw(sandbox.url, password="wrong")
    with pytest.raises(prawcore.OAuthException):
        reddit.user.me()


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    with SandboxServer(state_file=state, port=0) as server:
        SandboxClient(server.url).edit_wiki(page="index", content="kept")
        SandboxClient(server.url).post(title="kept post")
    with SandboxServer(state_file=state, port=0) as server:
        reddit = plain_praw(server.url)
        assert reddit.subreddit(SUB).wiki["index"].content_md == "kept"
        assert next(iter(reddit.subreddit(SUB).new(limit=1))).title == "kept post"


def test_sandbox_binds_loopback_only(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="loopback"):
        SandboxServer(state_file=None, host="0.0.0.0", port=0)  # noqa: S104
    with SandboxServer(state_file=None, port=0) as server:
        assert server.httpd.server_address[0] == "127.0.0.1"


def test_request_log_never_holds_secrets(sandbox: SandboxServer) -> None:
    reddit = plain_praw(sandbox.url)
    reddit.user.me()
    time.sleep(0.05)
    raw = sandbox.app.log.path.read_text() if sandbox.app.log.path else ""
    token = next(iter(sandbox.app.tokens))
    assert raw and token not in raw and "password" not in raw
