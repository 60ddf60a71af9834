"""JSON shapes of Reddit's answers, with the key sets of the recorded real exchanges.

Each builder takes the sandbox's plain records and returns the dict Reddit would send.
Contract tests compare these shapes with ``shared/reddit-api/cassettes``.
"""

from __future__ import annotations

import html
from typing import Any


def account(user: dict[str, Any]) -> dict[str, Any]:
    """A ``t2`` thing as embedded in wiki pages and revision listings."""
    return {
        "kind": "t2",
        "data": {
            "name": user["name"],
            "id": user["id"],
            "is_friend": False,
            "created": float(user["created_utc"]),
            "created_utc": float(user["created_utc"]),
            "hide_from_robots": False,
            "link_karma": 1,
            "comment_karma": 1,
            "is_gold": False,
            "is_mod": bool(user.get("is_mod")),
            "has_verified_email": True,
            "is_employee": False,
            "is_suspended": False,
            "icon_img": "",
            "verified": True,
        },
    }


def me(user: dict[str, Any]) -> dict[str, Any]:
    """``/api/v1/me``: the account's own data, unwrapped."""
    data = account(user)["data"]
    data.update({"has_mail": False, "inbox_count": 0, "over_18": False, "modhash": None})
    result: dict[str, Any] = data
    return result


def md_html(text: str, *, wiki: bool = False) -> str:
    """A crude but well-formed stand-in for Reddit's rendered HTML."""
    css = "md wiki" if wiki else "md"
    paragraphs = "".join(f"<p>{html.escape(p)}</p>\n" for p in text.split("\n\n") if p.strip())
    return f'<!-- SC_OFF --><div class="{css}">{paragraphs}</div><!-- SC_ON -->'


def wikipage(
    *, revision: dict[str, Any], author: dict[str, Any] | None, may_revise: bool
) -> dict[str, Any]:
    """``GET /r/{sub}/wiki/{page}``."""
    return {
        "kind": "wikipage",
        "data": {
            "content_md": revision["content"],
            "content_html": md_html(revision["content"], wiki=True),
            "may_revise": may_revise,
            "reason": revision.get("reason"),
            "revision_date": int(revision["timestamp"]),
            "revision_by": account(author) if author else None,
            "revision_id": revision["id"],
        },
    }


def wiki_revision(revision: dict[str, Any], author: dict[str, Any] | None) -> dict[str, Any]:
    """One child of a wiki revisions listing (no ``kind`` wrapper, like Reddit)."""
    return {
        "timestamp": float(revision["timestamp"]),
        "reason": revision.get("reason"),
        "author": account(author) if author else None,
        "page": revision["page"],
        "id": revision["id"],
        "revision_hidden": bool(revision.get("hidden")),
    }


def page_settings(settings: dict[str, Any], editors: list[dict[str, Any]]) -> dict[str, Any]:
    """``GET/POST /r/{sub}/wiki/settings/{page}``."""
    return {
        "kind": "wikipagesettings",
        "data": {
            "permlevel": settings["permlevel"],
            "editors": [account(e) for e in editors],
            "listed": settings["listed"],
        },
    }


def listing(
    children: list[dict[str, Any]], *, after: str | None = None, before: str | None = None
) -> dict[str, Any]:
    """A ``Listing`` wrapper."""
    return {
        "kind": "Listing",
        "data": {
            "modhash": "",
            "dist": len(children),
            "children": children,
            "after": after,
            "before": before,
        },
    }


def more(children: list[str], *, parent: str) -> dict[str, Any]:
    """A ``more`` stub: comments left out of a listing, by id."""
    return {
        "kind": "more",
        "data": {
            "count": len(children),
            "name": f"t1_{children[0]}",
            "id": children[0],
            "parent_id": parent,
            "depth": 0,
            "children": children,
        },
    }


def link(
    post: dict[str, Any],
    *,
    subreddit: dict[str, Any],
    num_comments: int,
    reports: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A ``t3`` thing (a post); ``reports`` only for a moderator viewer (as on Reddit)."""
    removed = bool(post.get("removed"))
    deleted = bool(post.get("deleted"))
    permalink = f"/r/{subreddit['name']}/comments/{post['id']}/{_slug(post['title'])}/"
    selftext = "[deleted]" if deleted else ("[removed]" if removed else post["selftext"])
    return {
        "kind": "t3",
        "data": {
            "domain": f"self.{subreddit['name']}",
            "banned_by": "moderator" if removed else None,
            "media_embed": {},
            "subreddit": subreddit["name"],
            "selftext_html": md_html(selftext) if selftext else None,
            "selftext": selftext,
            "likes": None,
            "suggested_sort": None,
            "user_reports": _user_reports(reports),
            "secure_media": None,
            "link_flair_text": post.get("flair"),
            "id": post["id"],
            "from_kind": None,
            "gilded": 0,
            "archived": bool(post.get("archived")),
            "clicked": False,
            "report_reasons": None,
            "author": "[deleted]" if deleted else post["author"],
            "media": None,
            "score": 1,
            "approved_by": None,
            "over_18": False,
            "hidden": False,
            "num_comments": num_comments,
            "thumbnail": "self",
            "subreddit_id": subreddit["fullname"],
            "hide_score": False,
            "edited": False,
            "link_flair_css_class": None,
            "author_flair_css_class": None,
            "downs": 0,
            "secure_media_embed": {},
            "saved": False,
            "removal_reason": None,
            "removed_by_category": "moderator" if removed else ("deleted" if deleted else None),
            "stickied": bool(post.get("stickied")),
            "from": None,
            "is_self": True,
            "from_id": None,
            "permalink": permalink,
            "locked": bool(post.get("locked")),
            "name": f"t3_{post['id']}",
            "created": float(post["created_utc"]),
            "url": f"https://www.reddit.com{permalink}",
            "author_flair_text": None,
            "quarantine": False,
            "title": post["title"],
            "created_utc": float(post["created_utc"]),
            "distinguished": post.get("distinguished"),
            "mod_reports": _mod_reports(reports),
            "visited": False,
            "num_reports": None if reports is None else len(reports),
            "ups": 1,
            "upvote_ratio": 1.0,
            "contest_mode": False,
            "spoiler": False,
        },
    }


def _mod_reports(reports: list[dict[str, Any]] | None) -> list[list[str]]:
    """``[[reason, moderator], ...]``: reports made by moderators."""
    return [[r["reason"], r["by"]] for r in reports or [] if r.get("by_moderator")]


def _user_reports(reports: list[dict[str, Any]] | None) -> list[list[Any]]:
    """``[[reason, count, snoozed, can_snooze], ...]``: other users' reports, by reason."""
    counts: dict[str, int] = {}
    for report in reports or []:
        if not report.get("by_moderator"):
            counts[report["reason"]] = counts.get(report["reason"], 0) + 1
    return [[reason, n, False, False] for reason, n in counts.items()]


def subreddit_thing(subreddit: dict[str, Any]) -> dict[str, Any]:
    """A ``t5`` thing (the subreddit itself), as ``/api/info`` returns it."""
    name = subreddit["name"]
    return {
        "kind": "t5",
        "data": {
            "banner_img": "",
            "user_sr_theme_enabled": True,
            "submit_text_html": None,
            "user_is_banned": None,
            "wiki_enabled": True,
            "show_media": True,
            "id": subreddit["fullname"][3:],
            "submit_text": "",
            "display_name": name,
            "header_img": None,
            "description_html": md_html(subreddit.get("description", "")),
            "title": subreddit.get("title", name),
            "collapse_deleted_comments": False,
            "over18": False,
            "public_description_html": None,
            "icon_size": None,
            "suggested_comment_sort": None,
            "icon_img": "",
            "header_title": None,
            "description": subreddit.get("description", ""),
            "user_is_muted": None,
            "submit_link_label": "",
            "accounts_active": None,
            "public_traffic": False,
            "header_size": None,
            "subscribers": 1,
            "submit_text_label": "",
            "lang": "en",
            "user_is_moderator": None,
            "key_color": "",
            "name": subreddit["fullname"],
            "created": 1_300_000_000.0,
            "url": f"/r/{name}/",
            "quarantine": False,
            "hide_ads": False,
            "created_utc": 1_300_000_000.0,
            "banner_size": None,
            "user_is_contributor": None,
            "public_description": "",
            "show_media_preview": True,
            "comment_score_hide_mins": 0,
            "subreddit_type": "public",
            "submission_type": "any",
            "user_is_subscriber": None,
        },
    }


def comment(
    record: dict[str, Any],
    *,
    subreddit: dict[str, Any],
    replies: dict[str, Any] | str = "",
    likes: bool | None = None,
) -> dict[str, Any]:
    """A ``t1`` thing (a comment); ``likes`` is True for the author's own new comment."""
    deleted = bool(record.get("deleted"))
    score = int(record.get("score", 1))
    body = "[deleted]" if deleted else record["body"]
    return {
        "kind": "t1",
        "data": {
            "subreddit_id": subreddit["fullname"],
            "banned_by": record.get("removed_by"),
            "removal_reason": None,
            "link_id": record["link_id"],
            "likes": likes,
            "replies": replies,
            "user_reports": [],
            "saved": False,
            "id": record["id"],
            "gilded": 0,
            "archived": False,
            "report_reasons": [],
            "author": "[deleted]" if deleted else record["author"],
            "parent_id": record["parent_id"],
            "score": score,
            "approved_by": None,
            "controversiality": 0,
            "body": body,
            "edited": False,
            "author_flair_css_class": None,
            "downs": 0,
            "body_html": md_html(body),
            "stickied": False,
            "subreddit": subreddit["name"],
            "score_hidden": False,
            "name": f"t1_{record['id']}",
            "created": float(record["created_utc"]),
            "author_flair_text": None,
            "created_utc": float(record["created_utc"]),
            "ups": score,
            "mod_reports": [],
            "num_reports": 0,
            "distinguished": None,
        },
    }


def listed_comment(
    record: dict[str, Any], *, subreddit: dict[str, Any], post: dict[str, Any]
) -> dict[str, Any]:
    """A ``t1`` as comment listings (a user's, a subreddit's) show it: with its post's
    title, author and link."""
    thing = comment(record, subreddit=subreddit)
    permalink = post.get("permalink") or (
        f"/r/{subreddit['name']}/comments/{post.get('id', '')}/{_slug(post.get('title', ''))}/"
    )
    thing["data"].update(
        {
            "link_title": post.get("title", ""),
            "link_author": post.get("author", "[deleted]"),
            "link_permalink": f"https://www.reddit.com{permalink}",
            "link_url": f"https://www.reddit.com{permalink}",
            "over_18": False,
            "quarantine": False,
        }
    )
    return thing


def inbox_comment(
    record: dict[str, Any],
    *,
    subreddit: dict[str, Any],
    post: dict[str, Any],
    to: str,
    author_id: str = "0",
    new: bool = True,
    num_comments: int = 0,
) -> dict[str, Any]:
    """A comment reply as ``/message/comments`` lists it (a ``t1`` with message fields);
    ``num_comments`` is its post's."""
    thing = comment(record, subreddit=subreddit)
    data = thing["data"]
    for key in ("banned_by", "removal_reason", "approved_by", "mod_reports", "user_reports"):
        data.pop(key, None)
    data.update(
        {
            "author_fullname": f"t2_{author_id}",
            "associated_awarding_id": None,
            "first_message": None,
            "first_message_name": None,
            "subject": "comment reply",
            "was_comment": True,
            "type": "comment_reply",
            "new": new,
            "dest": to,
            "link_title": post["title"],
            "num_comments": num_comments,
            "subreddit_name_prefixed": f"r/{subreddit['name']}",
            "context": f"/r/{subreddit['name']}/comments/{post['id']}/{_slug(post['title'])}/"
            f"{record['id']}/?context=3",
        }
    )
    return thing


def api_errors(*errors: tuple[str, str, str | None], **extra: Any) -> dict[str, Any]:
    """Reddit's ``{"json": {"errors": [[CODE, message, field]]}}`` error form."""
    return {"json": {"errors": [list(e) for e in errors], **extra}}


def http_error(status: int, message: str, reason: str | None = None) -> dict[str, Any]:
    """A plain error body: ``{"message", "error"}`` or ``{"reason", "message"}``."""
    if reason:
        return {"reason": reason, "message": message}
    return {"message": message, "error": status}


def _slug(title: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in title.lower()).split()
    return "_".join(words[:8]) or "post"
