"""The gateway maps every fault kind to the bot's own errors, and never double-posts."""

from __future__ import annotations

from collections.abc import Callable

import prawcore.sessions
import pytest
import requests

from bot.config import Settings
from bot.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    Refused,
    Unavailable,
    WriteUncertain,
)
from bot.records import Post
from bot.reddit import RETRIED_STATUSES, Gateway, WriteOutcomeUnknown
from bot.sandbox.client import SandboxClient
from conftest import RunCli, api_calls, wait_for


@pytest.fixture
def gateway(settings: Settings) -> Gateway:
    return Gateway(settings)


def posts_of(client: SandboxClient, path: str) -> int:
    return sum(1 for e in client.log() if e["method"] == "POST" and e["path"] == path)


def causes(error: BaseException) -> list[type[BaseException]]:
    """The chain of exceptions behind ``error``, through prawcore's ``original_exception``."""
    chain: list[type[BaseException]] = []
    cause = error.__cause__
    while cause is not None:
        chain.append(type(cause))
        cause = getattr(cause, "original_exception", None) or cause.__cause__
    return chain


def test_operations_return_plain_data(gateway: Gateway, client: SandboxClient) -> None:
    assert gateway.read_page("index") is None
    gateway.edit_page("index", content="hello\n", reason="r", previous=None)
    page = gateway.read_page("index")
    assert page is not None and page.content == "hello\n" and page.revision_by == "wikibot"
    revisions, reached = gateway.revisions(stop_at={page.revision_id})
    assert revisions == [] and reached
    assert gateway.list_pages() == ["index"]
    settings = gateway.page_settings("index")
    assert (settings.listed, settings.permlevel) == (True, 0)
    gateway.update_page_settings("index", listed=False, permlevel=2)
    assert gateway.page_settings("index").permlevel == 2
    posts = gateway.new_posts()
    assert len(posts) == 5 and all(p.fullname.startswith("t3_") for p in posts)
    comment_id = gateway.reply(posts[0].fullname, body="hi")
    post, comments = gateway.post_with_comments(posts[0].id)
    assert post.id == posts[0].id and [c.id for c in comments] == [comment_id]
    assert set(gateway.moderators()) == {"wikibot", "alice_mod"}
    gateway.message_moderators(subject="s", body="b")
    assert client.state()["modmail"][0]["subject"] == "s"


def test_stale_previous_is_conflict(gateway: Gateway, client: SandboxClient) -> None:
    gateway.edit_page("index", content="a", reason=None, previous=None)
    page = gateway.read_page("index")
    assert page is not None
    first = page.revision_id
    newer = client.edit_wiki(page="index", content="human")
    with pytest.raises(Conflict) as caught:
        gateway.edit_page("index", content="b", reason=None, previous=first)
    conflict = caught.value
    assert (conflict.page, conflict.revision, conflict.content, conflict.status) == (
        "index",
        newer,
        "human",
        409,
    )


def test_503_on_reply_is_uncertain_and_sent_once(gateway: Gateway, client: SandboxClient) -> None:
    post = gateway.new_posts()[0]
    client.add_fault("apply_503", path="/api/comment", count=3)
    with pytest.raises(WriteUncertain):
        gateway.reply(post.fullname, body="hello")
    assert posts_of(client, "/api/comment") == 1  # prawcore did not retry the POST
    _, comments = gateway.post_with_comments(post.id)
    assert len(comments) == 1  # applied, although the answer was an error


@pytest.mark.parametrize(
    ("path", "write"),
    [
        ("/api/comment", lambda g, post: g.reply(post.fullname, body="hello")),
        (
            "/api/wiki/edit",
            lambda g, _post: g.edit_page("p", content="x", reason=None, previous=None),
        ),
    ],
    ids=["reply", "wiki-edit"],
)
def test_cut_body_on_a_write_is_uncertain_and_sent_once(
    gateway: Gateway, client: SandboxClient, path: str, write: Callable[[Gateway, Post], object]
) -> None:
    post = gateway.new_posts()[0]
    client.add_fault("apply_cut", path=path)
    with pytest.raises(WriteUncertain, match="ChunkedEncodingError") as caught:
        write(gateway, post)
    assert causes(caught.value) == [  # the evidence is kept, from the gateway down
        prawcore.RequestException,
        WriteOutcomeUnknown,
        requests.exceptions.ChunkedEncodingError,
    ]
    assert (
        posts_of(client, path if path == "/api/comment" else f"/r/learnmachinelearning{path}") == 1
    )
    state = client.state()
    assert len(state["comments"]) + len(state["wiki"]) == 1  # applied once, not resent


def test_a_write_answered_with_html_is_uncertain(gateway: Gateway, client: SandboxClient) -> None:
    post = gateway.new_posts()[0]
    client.add_fault("apply_html", path="/api/comment")
    with pytest.raises(WriteUncertain, match="not JSON"):
        gateway.reply(post.fullname, body="hello")
    assert len(client.state()["comments"]) == 1  # it was applied: look before retrying
    client.add_fault("apply_html", path="/new", count=3)
    with pytest.raises(Unavailable, match="not JSON"):  # a read: retry later
        gateway.new_posts()


def test_uncertain_statuses_are_prawcores_retried_ones() -> None:
    assert prawcore.sessions.Session.RETRY_STATUSES <= RETRIED_STATUSES


def test_token_refresh_failure_is_transient(gateway: Gateway, client: SandboxClient) -> None:
    post = gateway.new_posts()[0]
    client.add_fault("expire_token", path="/api/comment")
    client.add_fault("503", path="/api/v1/access_token")
    with pytest.raises(Unavailable) as caught:
        gateway.reply(post.fullname, body="hello")
    assert caught.value.status == 503 and not isinstance(caught.value, WriteUncertain)
    assert client.state()["comments"] == []


def test_timeout_on_wiki_edit_is_uncertain(settings: Settings, client: SandboxClient) -> None:
    gateway = Gateway(settings)
    client.add_fault("apply_timeout", path="/api/wiki/edit", delay=2.5)
    with pytest.raises(WriteUncertain):
        gateway.edit_page("index", content="x", reason=None, previous=None)
    assert wait_for(lambda: posts_of(client, "/r/learnmachinelearning/api/wiki/edit") == 1)
    page = gateway.read_page("index")
    assert page is not None and page.content == "x"


def test_reads_keep_prawcore_retries(gateway: Gateway, client: SandboxClient) -> None:
    client.add_fault("503", path="/new", count=1)
    assert len(gateway.new_posts()) == 5
    client.add_fault("500", path="/new", count=3)
    with pytest.raises(Unavailable):
        gateway.new_posts()


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("403", Forbidden),
        ("429", RateLimited),
        ("500", Unavailable),
        ("504", Unavailable),
    ],
)
def test_status_faults_map_to_errors(
    gateway: Gateway, client: SandboxClient, kind: str, error: type[Exception]
) -> None:
    client.add_fault(kind, path="/wiki/revisions", count=3)
    with pytest.raises(error) as caught:
        gateway.revisions()
    cause = caught.value.__cause__
    assert isinstance(cause, prawcore.ResponseException)
    assert cause.response.status_code == int(kind)


def test_429_carries_the_reset_wait(gateway: Gateway, client: SandboxClient) -> None:
    client.add_fault("429", path="/new")
    with pytest.raises(RateLimited) as caught:
        gateway.new_posts()
    assert 0 < caught.value.wait_seconds <= 600


def test_ratelimit_error_gives_reddits_wait(gateway: Gateway, client: SandboxClient) -> None:
    post = gateway.new_posts()[0]
    client.add_fault("ratelimit", path="/api/comment", wait_seconds=180)
    with pytest.raises(RateLimited) as caught:
        gateway.reply(post.fullname, body="hi")
    assert caught.value.wait_seconds == 180
    assert posts_of(client, "/api/comment") == 1  # PRAW did not sleep and retry


def test_read_timeout_is_unavailable(gateway: Gateway, client: SandboxClient) -> None:
    client.add_fault("timeout", path="/new", delay=2.5, count=3)
    with pytest.raises(Unavailable):
        gateway.new_posts()


def test_expired_token_mid_run_is_refreshed(gateway: Gateway, client: SandboxClient) -> None:
    gateway.new_posts()
    client.add_fault("expire_token", path="/new")
    assert len(gateway.new_posts()) == 5


def test_missing_things_are_not_found(gateway: Gateway) -> None:
    with pytest.raises(NotFound) as caught:
        gateway.post_with_comments("zzzzzz")
    assert causes(caught.value) == [prawcore.NotFound]
    with pytest.raises(NotFound):
        gateway.page_settings("missing")


def test_idle_calls_are_single_requests(gateway: Gateway, client: SandboxClient) -> None:
    gateway.new_posts()
    start = len(client.log())
    newest = gateway.new_posts(limit=1)[0]
    gateway.new_posts(before=newest.fullname)
    assert len(api_calls(client.log()[start:])) == 2


def test_a_refusal_carries_reddits_code(gateway: Gateway, client: SandboxClient) -> None:
    fullname = client.post(title="old", body="?", archived=True)
    with pytest.raises(Refused) as caught:
        gateway.reply(fullname, body="hi")
    assert caught.value.code == "TOO_OLD" and not isinstance(caught.value, Unavailable)
    with pytest.raises(NotFound) as missing:
        gateway.post_with_comments("zzzzzz")
    assert missing.value.status == 404


def test_an_unreadable_login_answer_is_one_line(wikibot: RunCli, client: SandboxClient) -> None:
    client.add_fault("apply_html", path="access_token")
    result = wikibot("plan")
    assert result.code == 1 and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1 and "will retry later" in result.err
