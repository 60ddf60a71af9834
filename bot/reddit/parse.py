"""Parsing: Reddit's raw JSON payloads -> the plain dataclasses of ``bot.records``.

Pure functions over the decoded JSON; the gateway calls them on what PRAW returns.
"""

from __future__ import annotations

from typing import Any

from bot.records import (
    Comment,
    CommentReply,
    OwnComment,
    PageSettings,
    Post,
    StreamComment,
    WikiPage,
    WikiRevision,
    bare_id,
)


def listing(data: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """A listing's children and its ``after`` cursor (None on the last page)."""
    return list(data["data"]["children"]), data["data"].get("after")


def things(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``data`` of each child of a listing."""
    return [child["data"] for child in data["data"]["children"]]


def page_names(data: dict[str, Any]) -> list[str]:
    """``/wiki/pages``: the names of all wiki pages."""
    return [str(name) for name in data["data"]]


def moderator_names(data: dict[str, Any]) -> list[str]:
    """``/about/moderators``: the moderators' names."""
    return [child["name"] for child in data["data"]["children"]]


def wiki_page(name: str, data: dict[str, Any]) -> WikiPage:
    page = data["data"]
    author = page.get("revision_by") or {}
    return WikiPage(
        name=name,
        content=page["content_md"],
        revision_id=page["revision_id"],
        revision_date=float(page["revision_date"]),
        revision_by=(author.get("data") or {}).get("name"),
    )


def page_settings(data: dict[str, Any]) -> PageSettings:
    return PageSettings(listed=bool(data["listed"]), permlevel=int(data["permlevel"]))


def revision(child: dict[str, Any]) -> WikiRevision:
    author = (child.get("author") or {}).get("data") or {}
    return WikiRevision(
        id=child["id"],
        page=child["page"],
        timestamp=float(child["timestamp"]),
        author=author.get("name"),
        reason=child.get("reason"),
    )


def post(data: dict[str, Any]) -> Post:
    return Post(
        id=data["id"],
        title=data.get("title") or "",
        body=data.get("selftext") or "",
        author=None if data.get("author") in (None, "[deleted]") else data["author"],
        created_utc=float(data.get("created_utc") or 0),
        flair=data.get("link_flair_text"),
        locked=bool(data.get("locked")),
        archived=bool(data.get("archived")),
        removed=bool(data.get("banned_by") or data.get("removed_by_category")),
        distinguished=data.get("distinguished"),
        permalink=data.get("permalink") or "",
        subreddit=data.get("subreddit") or "",
        reports=tuple(
            str(entry[0])
            for entry in [*(data.get("mod_reports") or []), *(data.get("user_reports") or [])]
            if entry
        ),
    )


def comment(data: dict[str, Any]) -> Comment:
    return Comment(
        id=data["id"],
        author=data.get("author"),
        body=data.get("body", ""),
        parent_id=data["parent_id"],
        deleted=data.get("author") == "[deleted]" and data.get("body") == "[deleted]",
    )


def post_with_comments(data: list[dict[str, Any]]) -> tuple[Post, list[Comment]]:
    """``/comments/<id>``: the post and all its comments, the reply trees flattened."""
    the_post = post(data[0]["data"]["children"][0]["data"])
    found: list[Comment] = []
    stack = list(data[1]["data"]["children"])
    while stack:
        child = stack.pop()
        if child.get("kind") != "t1":
            continue
        item = child["data"]
        found.append(comment(item))
        replies = item.get("replies")
        if isinstance(replies, dict):
            stack.extend(replies["data"]["children"])
    return the_post, found


def own_comment(data: dict[str, Any]) -> OwnComment:
    return OwnComment(
        id=data["id"],
        post_id=post_id(data.get("link_id") or ""),
        parent_id=data.get("parent_id") or "",
        score=int(data.get("score") or 0),
        removed=bool(data.get("removed") or data.get("banned_by")),
        created_utc=float(data.get("created_utc") or 0),
        post_title=str(data.get("link_title") or ""),
    )


def comment_reply(item: dict[str, Any]) -> CommentReply:
    """An inbox entry that answers one of the bot's comments."""
    return CommentReply(
        id=item["id"],
        author=item.get("author"),
        body=item.get("body") or "",
        parent_id=item.get("parent_id") or "",
        post_id=post_id(item.get("context") or item.get("link_id") or ""),
        created_utc=float(item.get("created_utc") or 0),
    )


def stream_comment(item: dict[str, Any]) -> StreamComment:
    """A comment from the subreddit's comment stream."""
    return StreamComment(
        id=item["id"],
        author=None if item.get("author") in (None, "[deleted]") else item["author"],
        body=item.get("body") or "",
        post_id=bare_id(item.get("link_id") or ""),
        parent_id=item.get("parent_id") or "",
        created_utc=float(item.get("created_utc") or 0),
        distinguished=item.get("distinguished"),
    )


def child_kind_is_comment(item: dict[str, Any]) -> bool:
    """Inbox entries are messages too; only comment replies have ``was_comment``."""
    return bool(item.get("was_comment", True))


def post_id(link: str) -> str:
    """``t3_abc`` or a ``/r/x/comments/abc/...`` context link -> ``abc``."""
    if link.startswith("t3_"):
        return link[3:]
    parts = [p for p in link.split("/") if p]
    return parts[parts.index("comments") + 1] if "comments" in parts[:-1] else ""
