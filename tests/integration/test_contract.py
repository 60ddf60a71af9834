"""Contract tests: replay real recorded Reddit exchanges against the sandbox.

Each cassette in ../shared/reddit-api/cassettes and its moderator-loop/ folder (PRAW's own
recordings, BSD licence) whose endpoint the sandbox serves is replayed: the recorded
request goes through real PRAW to the sandbox (ids mapped to objects the test sets up), and
the status code and JSON structure (keys and value types, not ids or timestamps) must match
the recording.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import praw
import prawcore
import pytest

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from conftest import SHARED, plain_praw

CASSETTES = SHARED / "reddit-api" / "cassettes"
FOLDERS = (CASSETTES, CASSETTES / "moderator-loop")  # the moderator loop's endpoints
SUB = "learnmachinelearning"
needs_cassettes = pytest.mark.skipif(not CASSETTES.exists(), reason="no shared cassettes")

# Where a recording holds more than the sandbox models, compare only that a mapping is there.
# The account object embedded in a wiki page is the *viewer's* full profile (preferences,
# feature flags, their own profile subreddit) when they wrote the revision; the sandbox
# embeds the public account shape that revision listings use.
LOOSE_SUFFIXES = ("revision_by.data", "author.data")
# Keys Reddit sends only for link posts with media; the sandbox has self posts only.
LINK_POST_ONLY = {"preview", "post_hint", "media_metadata"}
# Media fields: objects for media link posts, null/empty for self posts. Must be present.
MEDIA_KEYS = {"media", "secure_media", "media_embed", "secure_media_embed"}
# Reddit sends `edited` as false, or as the edit's timestamp.
FALSE_OR_NUMBER = {"edited"}
# Keys that Reddit sends as null in some answers and set in others, by what the object
# holds (flair, self text, a description, an edit reason), where a listing ends (after,
# before, dist), or who asks (reports are null for a viewer who is not a moderator; modhash
# is null or "" under OAuth; likes is the viewer's own vote, null when they have not voted).
# Anywhere else a null matches only a null.
NULLABLE = {
    "after",
    "before",
    "dist",
    "modhash",
    "author_flair_text",
    "link_flair_text",
    "link_flair_css_class",
    "selftext_html",
    "description_html",
    "header_title",
    "reason",
    "num_reports",
    "report_reasons",
    "likes",
}
# Endpoints the sandbox does not serve (not used by wikibot).
NOT_SERVED = {
    "TestReddit.test_bad_request_without_json_text_plain_response": "api/morechildren",
    "TestReddit.test_bare_badrequest": "api/validate_submission_field",
    "TestSubmissionModeration.test_sticky__ignore_conflicts": "api/set_subreddit_sticky",
}


def structure_mismatches(recorded: Any, actual: Any, path: str = "") -> list[str]:
    """Keys and value types of ``recorded`` that ``actual`` lacks or types differently.

    A null matches only a null (except at the keys in NULLABLE), and an empty list only an
    empty list."""
    key = path.rsplit(".", 1)[-1]
    if recorded is None or actual is None:
        if recorded is actual or key in NULLABLE:
            return []
        return [f"{path}: expected {_kind(recorded)}, got {_kind(actual)}"]
    if path.endswith(LOOSE_SUFFIXES):
        return [] if isinstance(actual, dict) else [f"{path}: expected an object"]
    if isinstance(recorded, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {type(actual).__name__}"]
        return _dict_mismatches(recorded, actual, path)
    if isinstance(recorded, list):
        if not isinstance(actual, list):
            return [f"{path}: expected a list, got {type(actual).__name__}"]
        return _list_mismatches(recorded, actual, path)
    if _same_scalar_type(recorded, actual):
        return []
    return [f"{path}: expected {type(recorded).__name__}, got {actual!r}"]


def _dict_mismatches(recorded: dict[str, Any], actual: dict[str, Any], path: str) -> list[str]:
    problems = []
    for key, value in recorded.items():
        where = f"{path}.{key}"
        if key in LINK_POST_ONLY or (key in actual and key in MEDIA_KEYS):
            continue
        if key not in actual:
            problems.append(f"{where}: missing")
        elif key in FALSE_OR_NUMBER:
            if not (actual[key] is False or _is_number(actual[key])):
                problems.append(f"{where}: expected false or a number")
        else:
            problems.extend(structure_mismatches(value, actual[key], where))
    return problems


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _same_scalar_type(recorded: Any, actual: Any) -> bool:
    if isinstance(recorded, bool) or isinstance(actual, bool):
        return isinstance(recorded, bool) and isinstance(actual, bool)
    if isinstance(recorded, int | float):
        return isinstance(actual, int | float)
    return isinstance(actual, type(recorded))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _list_mismatches(recorded: list[Any], actual: list[Any], path: str) -> list[str]:
    """Compare the first item of each kind (things) or the first item (plain lists)."""
    if not recorded or not actual:
        if bool(recorded) == bool(actual):
            return []
        return [f"{path}: expected {len(recorded)} item(s), got {len(actual)}"]
    if all(isinstance(i, dict) and "kind" in i for i in recorded + actual):
        problems = []
        for kind in {item["kind"] for item in recorded}:
            mine = next((i for i in actual if i["kind"] == kind), None)
            theirs = next(i for i in recorded if i["kind"] == kind)
            if mine is None:
                problems.append(f"{path}[kind={kind}]: none in the sandbox's answer")
            else:
                problems.extend(structure_mismatches(theirs, mine, f"{path}[{kind}]"))
        return problems
    return structure_mismatches(recorded[0], actual[0], f"{path}[0]")


# --- fixtures for each cassette: objects the recorded ids map to ---------------------------


def _wiki(client: SandboxClient, page: str = "test", versions: int = 3) -> list[str]:
    return [
        client.edit_wiki(page=page, content=f"{page} v{i}", author="wikibot")
        for i in range(versions)
    ]


def _post(client: SandboxClient, *, deleted: bool = False) -> str:
    return client.post(title="How do I get into ML?", body="Where to start?", deleted=deleted)[3:]


def _comment(sandbox: SandboxServer, post_id: str) -> str:
    """The bot's comment, answered by a reader (so the bot's inbox holds a reply)."""
    store = sandbox.app.store
    comment = store.add_comment(parent=f"t3_{post_id}", author="wikibot", body="A guide")["id"]
    store.add_comment(parent=f"t1_{comment}", author="backend_ben", body="Same question here")
    return str(comment)


def setup_ids(name: str, sandbox: SandboxServer, client: SandboxClient) -> dict[str, str]:
    """Create what the cassette's request refers to; map recorded ids to ours."""
    posts = [_post(client) for _ in range(3)]
    comment = _comment(sandbox, posts[0])
    index = _wiki(client, "index")
    _wiki(client, "test")
    deleted = _post(client, deleted=True)
    return {
        "d1616q2": comment,
        "4b1tfm": posts[0],
        "2gmzqe": posts[0],
        "4s2idz": posts[1],
        "ah19vv": deleted,
        "5jo13y": posts[0],
        "5dec00": posts[1],
        "d7ltv00": comment,
        "d0335z3": comment,  # a comment reported
        "4b536h": posts[1],  # a post reported
        "user/spez/": "user/wikibot/",  # an account's comments: the bot's own
        "2f38e910-b109-11e2-ba44-12313b0d4e76": index[0],
        "f31e1988-07d0-11e6-b927-0ea0743a0543": index[1],
        "c36903d8-2911-11e3-895e-12313b0b1e60": index[-1],
        "00000000-0000-0000-0000-000000000000": index[0],
        "t5": sandbox.app.store.subreddit["fullname"],
    }


def _rewrite(text: str, ids: dict[str, str]) -> str:
    text = text.replace("<TEST_SUBREDDIT>", SUB).replace("r/askreddit/", f"r/{SUB}/")
    text = text.replace("r/reddit.com/", f"r/{SUB}/")
    for old, new in ids.items():
        text = text.replace(old, new)
    return text


def _body(request: dict[str, Any]) -> str:
    body = request.get("body") or ""
    return body.get("string", "") if isinstance(body, dict) else str(body)


def replay(reddit: praw.Reddit, request: dict[str, Any], ids: dict[str, str]) -> tuple[int, Any]:
    """Send a recorded request through PRAW; return (status, parsed JSON)."""
    url = urlsplit(_rewrite(request["uri"], ids))
    params: dict[str, str | int] = {k: v for k, v in parse_qsl(url.query) if k != "raw_json"}
    if "id" in params and url.path.endswith("/api/info/"):
        params["id"] = f"t1_{ids['d7ltv00']},t3_{ids['5dec00']},{ids['t5']}"
    data = {k: v for k, v in parse_qsl(_rewrite(_body(request), ids)) if k != "api_type"}
    path = unquote(url.path).lstrip("/")
    try:
        result = reddit.request(
            method=request["method"], path=path, params=params, data=data or None
        )
    except (prawcore.ResponseException, praw.exceptions.RedditAPIException) as exc:
        # PRAW turns a 400 with a JSON reason into RedditAPIException; the HTTP answer is
        # on the prawcore exception it was raised from.
        # (A RedditAPIException for errors in a 200 answer has no such cause, and no answer
        # to compare: none of the cassettes holds one.)
        cause = exc if isinstance(exc, prawcore.ResponseException) else exc.__cause__
        assert isinstance(cause, prawcore.ResponseException), f"no HTTP error behind {exc!r}"
        response = cause.response
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, response.text
    return 200, result


def cassette_cases() -> list[Any]:
    if not CASSETTES.exists():
        return []
    return [
        pytest.param(path, id=path.stem)
        for folder in FOLDERS
        for path in sorted(folder.glob("*.json"))
    ]


@pytest.fixture
def reddit(sandbox: SandboxServer) -> praw.Reddit:
    return plain_praw(sandbox.url, ratelimit_seconds=0)


@needs_cassettes
@pytest.mark.parametrize("cassette", cassette_cases())
def test_sandbox_answers_like_reddit(
    cassette: Path, sandbox: SandboxServer, client: SandboxClient, reddit: praw.Reddit
) -> None:
    if cassette.stem in NOT_SERVED:
        pytest.skip(f"{NOT_SERVED[cassette.stem]} is not served by the sandbox")
    interactions = json.loads(cassette.read_text())["interactions"]
    ids = setup_ids(cassette.stem, sandbox, client)
    replayed = 0
    for interaction in interactions:
        request, response = interaction["request"], interaction["response"]
        recorded_status = response["status"]["code"]
        recorded_body = json.loads(response["body"]["string"] or "null")
        if request["uri"].endswith("/api/v1/access_token"):
            status, body = token_exchange(sandbox, _body(request))
            if isinstance(recorded_body, dict):  # a script app's token has no refresh token
                recorded_body.pop("refresh_token", None)
        else:
            status, body = replay(reddit, request, ids)
        assert status == recorded_status, f"{request['method']} {request['uri']}: {body}"
        problems = structure_mismatches(recorded_body, body)
        assert problems == [], f"{request['method']} {request['uri']}"
        replayed += 1
    assert replayed == len(interactions)


def token_exchange(sandbox: SandboxServer, body: str) -> tuple[int, Any]:
    """The token request through prawcore's own authenticator and requestor."""
    requestor = prawcore.Requestor(
        user_agent="contract tests by u/wikibot", oauth_url=sandbox.url, reddit_url=sandbox.url
    )
    authenticator = prawcore.TrustedAuthenticator(
        requestor=requestor, client_id="sandbox", client_secret="sandbox"
    )
    form = dict(parse_qsl(body))
    if form.get("grant_type") == "refresh_token":
        # An installed app's recording; wikibot is a script app, which logs in with its
        # password instead (the answer is the same but for the refresh token).
        form = {"grant_type": "password"}
    if form.get("grant_type") == "password":
        form.update(username="wikibot", password="sandbox")
    response = authenticator._post(url=f"{sandbox.url}/api/v1/access_token", **form)
    return response.status_code, response.json()


@needs_cassettes
def test_enough_cassettes_are_replayed() -> None:
    served = [c for c in cassette_cases() if c.id not in NOT_SERVED]
    assert len(served) >= 12
    loop = [c for c in served if c.values[0].parent.name == "moderator-loop"]
    if (CASSETTES / "moderator-loop").exists():
        assert len(loop) == len(list((CASSETTES / "moderator-loop").glob("*.json")))


def test_structure_comparison_catches_drift() -> None:
    """Synthetic answers, so that this runs with or without the cassettes."""
    recorded = {
        "kind": "t3",
        "data": {"id": "x", "locked": False, "score": 1, "media": None, "selftext_html": None},
    }
    same: dict[str, Any] = {
        "kind": "t3",
        "data": {"id": "y", "locked": True, "score": 2.0, "media": None, "selftext_html": "<p>"},
    }
    assert structure_mismatches(recorded, same) == []
    missing = {"kind": "t3", "data": {"id": "y", "score": 1}}
    assert structure_mismatches(recorded, missing) == [
        ".data.locked: missing",
        ".data.media: missing",
        ".data.selftext_html: missing",
    ]
    retyped = {**same, "data": {**same["data"], "id": 5}}
    assert structure_mismatches(recorded, retyped) == [".data.id: expected str, got 5"]
    # A null matches only a null, outside the keys that Reddit itself sends either way.
    nulled = {**same, "data": {**same["data"], "id": None, "locked": None}}
    assert structure_mismatches(recorded, nulled) == [
        ".data.id: expected str, got null",
        ".data.locked: expected bool, got null",
    ]
    assert structure_mismatches({"error": None}, {"error": "SUBREDDIT_NOEXIST"}) == [
        ".error: expected null, got str"
    ]
    assert structure_mismatches(None, {"kind": "t3"}) == [": expected null, got dict"]
    # An empty list matches only an empty list.
    listing = {"data": {"children": [{"kind": "t3", "data": {"id": "x"}}]}}
    empty: dict[str, Any] = {"data": {"children": []}}
    assert structure_mismatches(listing, empty) == [".data.children: expected 1 item(s), got 0"]
    assert structure_mismatches(empty, listing) == [".data.children: expected 0 item(s), got 1"]
    assert structure_mismatches({"json": {"errors": []}}, {"json": {"errors": [["X"]]}}) == [
        ".json.errors: expected 0 item(s), got 1"
    ]
