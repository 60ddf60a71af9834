"""A Reddit-compatible HTTP server for the subset of the API wikibot uses.

Real PRAW talks to it when ``oauth_url`` and ``reddit_url`` point here. It binds to
loopback only. Besides Reddit's endpoints it offers ``/_sandbox/...`` control endpoints
(request log, fault injection, simulated users) for the CLI, tests and benchmarks.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import secrets
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.limits import MAX_COMMENT_CHARS, MAX_PAGE_CHARS, REPORT_REASON_MAX
from bot.sandbox import shapes
from bot.sandbox.faults import APPLY_KINDS, RACING_LINE, STATUS_KINDS, Fault, FaultPlan
from bot.sandbox.merge import merge3
from bot.sandbox.store import CLIENT_ID, CLIENT_SECRET, PAGE_NAME_RE, SandboxStore

RATE_WINDOW = 600
RATE_LIMIT = 1000  # Reddit's budget: 100 requests a minute, averaged over 10 minutes
ACCESS_TOKEN_PATH = "/api/v1/access_token"  # noqa: S105 - a path, not a secret
_SENSITIVE_PARAM = re.compile(r"pass|token|secret|code|key", re.IGNORECASE)


@dataclass
class Token:
    """An issued OAuth access token."""

    user: str | None
    expires_at: float
    client: str = ""


@dataclass
class Reply:
    """What a handler answers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    cut: bool = False  # send only the first half of the body (the ``apply_cut`` fault)
    html: bool = False  # answer a proxy's HTML page instead (the ``apply_html`` fault)


class RequestLog:
    """Method, path, status and timing of every request; never tokens or form bodies."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.entries.append(entry)
            if self.path is not None:
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry) + "\n")

    def since(self, index: int) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.entries[index:])


class SandboxApp:
    """Routing, auth, rate limits and faults around a ``SandboxStore``."""

    def __init__(
        self,
        store: SandboxStore,
        *,
        log_path: Path | None = None,
        rate_limit: int = RATE_LIMIT,
        rate_window: float = RATE_WINDOW,
        token_ttl: int = 3600,
    ) -> None:
        self.store = store
        self.rate_window = rate_window
        self.faults = FaultPlan()
        self.log = RequestLog(log_path)
        self.rate_limit = rate_limit
        self.token_ttl = token_ttl
        self.tokens: dict[str, Token] = {}
        self.clients: dict[str, str] = {CLIENT_ID: _digest(CLIENT_SECRET)}  # id -> secret hash
        self.usage: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Reply]]] = [
            ("GET", re.compile(r"^/r/(?P<sub>[^/]+)/wiki/pages$"), self.wiki_pages),
            ("GET", re.compile(r"^/r/(?P<sub>[^/]+)/wiki/revisions$"), self.wiki_revisions),
            (
                "GET",
                re.compile(r"^/r/(?P<sub>[^/]+)/wiki/revisions/(?P<page>.+)$"),
                self.wiki_revisions,
            ),
            (
                "GET",
                re.compile(r"^/r/(?P<sub>[^/]+)/wiki/settings/(?P<page>.+)$"),
                self.wiki_settings,
            ),
            (
                "POST",
                re.compile(r"^/r/(?P<sub>[^/]+)/wiki/settings/(?P<page>.+)$"),
                self.wiki_settings_update,
            ),
            ("POST", re.compile(r"^/r/(?P<sub>[^/]+)/api/wiki/edit$"), self.wiki_edit),
            ("POST", re.compile(r"^/r/(?P<sub>[^/]+)/api/wiki/revert$"), self.wiki_revert),
            (
                "POST",
                re.compile(r"^/r/(?P<sub>[^/]+)/api/wiki/alloweditor/(?P<act>add|del)$"),
                self.wiki_editor,
            ),
            ("GET", re.compile(r"^/r/(?P<sub>[^/]+)/wiki/(?P<page>.+)$"), self.wiki_page),
            ("GET", re.compile(r"^/r/(?P<sub>[^/]+)/new$"), self.new_posts),
            ("GET", re.compile(r"^/r/(?P<sub>[^/]+)/about/moderators$"), self.moderators),
            ("GET", re.compile(r"^/comments/(?P<id>[a-z0-9]+)(?:/.*)?$"), self.comments),
            ("POST", re.compile(r"^/api/comment$"), self.post_comment),
            ("POST", re.compile(r"^/api/compose$"), self.compose),
            ("POST", re.compile(r"^/api/del$"), self.delete),
            ("GET", re.compile(r"^/user/(?P<name>[^/]+)/comments$"), self.user_comments),
            ("GET", re.compile(r"^/message/comments$"), self.inbox_comments),
            ("GET", re.compile(r"^/message/unread$"), self.inbox_unread),
            ("POST", re.compile(r"^/api/read_message$"), self.read_message),
            ("GET", re.compile(r"^/r/(?P<sub>[^/]+)/comments$"), self.subreddit_comments),
            ("POST", re.compile(r"^/api/report$"), self.report),
            ("POST", re.compile(r"^/api/lock$"), self.lock),
            ("GET", re.compile(r"^/api/info$"), self.info),
            ("GET", re.compile(r"^/api/v1/me$"), self.me),
        ]

    # --- the request pipeline ------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        """Answer one HTTP request (any exception becomes a 500)."""
        started = time.monotonic()
        url = urlsplit(target)
        path = url.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        user: str | None = None
        fault_kind: str | None = None
        try:
            if path.startswith("/_sandbox/"):
                reply = self.control(method, path, query, body)
            elif path == ACCESS_TOKEN_PATH:
                fault = self.faults.take(method, path, named_only=True)
                reply = self._with_fault(fault, lambda: self.access_token(headers, form))
                fault_kind = fault.kind if fault else None
            else:
                reply, user, fault_kind = self._api(method, path, query, form, headers)
        except Exception as exc:
            reply = Reply(500, shapes.http_error(500, f"Internal Server Error: {exc}"))
        if not path.startswith("/_sandbox/"):
            self.log.add(
                {
                    "t": round(time.time(), 3),
                    "method": method,
                    "path": path,
                    "query": _safe_query(query),
                    "status": reply.status,
                    "user": user,
                    "ms": round((time.monotonic() - started) * 1000, 1),
                    "fault": fault_kind,
                }
            )
        return reply

    def _api(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: dict[str, str],
    ) -> tuple[Reply, str | None, str | None]:
        token_value = headers.get("authorization", "").removeprefix("bearer ").strip()
        token = self.tokens.get(token_value)
        if token is None or token.expires_at <= time.time():
            return _unauthorized(), None, None
        user = token.user
        limit_headers, exceeded = self._count(f"{token.client}:{user or ''}")
        if exceeded:
            reply = Reply(429, shapes.http_error(429, "Too Many Requests"))
            reply.headers.update(limit_headers)
            return reply, user, None
        fault = self.faults.take(method, path)
        then = self.faults.take(method, path) if fault and fault.kind == "edit_race" else None
        reply = self._with_fault(
            fault, lambda: self.route(method, path, query, form, user), form=form, then=then
        )
        reply.headers.update(limit_headers)
        kinds = "+".join(f.kind for f in (fault, then) if f is not None)
        return reply, user, kinds or None

    def _with_fault(
        self,
        fault: Fault | None,
        answer: Callable[[], Reply],
        *,
        form: dict[str, str] | None = None,
        then: Fault | None = None,
    ) -> Reply:
        """``answer()`` (the real handler), changed by ``fault`` if one is armed.

        ``then``: a second fault on the same request after an ``edit_race`` (the merged
        edit's answer lost, say).
        """
        if fault is None:
            return answer()
        if fault.kind in STATUS_KINDS:
            status = STATUS_KINDS[fault.kind]
            return Reply(status, shapes.http_error(status, _REASONS.get(status, "Error")))
        if fault.kind == "ratelimit":
            minutes = max(1, fault.wait_seconds // 60)
            message = (
                "Looks like you've been doing that a lot. "
                f"Take a break for {minutes} minute{'s' if minutes > 1 else ''} "
                "before trying again."
            )
            return Reply(
                200,
                shapes.api_errors(
                    ("RATELIMIT", message, "ratelimit"), ratelimit=float(fault.wait_seconds)
                ),
            )
        if fault.kind == "timeout":
            time.sleep(fault.delay)
            return Reply(504, shapes.http_error(504, "Gateway Timeout"))
        if fault.kind == "expire_token":
            self.expire_tokens()
            return _unauthorized()
        if fault.kind == "edit_race":
            self._racing_edit((form or {}).get("page", "").lower())
            return self._with_fault(then, answer, form=form)
        reply = answer()
        if fault.kind == "apply_timeout":
            time.sleep(fault.delay)
            return reply
        if fault.kind == "apply_cut":
            reply.cut = True
            return reply
        if fault.kind == "apply_html":
            reply.html = True
            return reply
        status = APPLY_KINDS[fault.kind]
        return Reply(status, shapes.http_error(status, _REASONS.get(status, "Error")))

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        user: str | None,
    ) -> Reply:
        for route_method, pattern, handler in self.routes:
            if route_method == method and (match := pattern.match(path)):
                params = match.groupdict()
                sub = params.pop("sub", None)
                if sub is not None and sub.lower() not in (
                    self.store.subreddit["name"].lower(),
                    "all",
                ):
                    return Reply(404, shapes.http_error(404, "Not Found"))
                return handler(query=query, form=form, user=user, **params)
        return Reply(404, shapes.http_error(404, "Not Found"))

    def _count(self, account: str) -> tuple[dict[str, str], bool]:
        """Count a request in the account's fixed 10-minute window (new tokens share it)."""
        now = time.time()
        window = int(now // self.rate_window)
        with self._lock:
            if (account, window) not in self.usage:  # forget finished windows
                self.usage = {k: v for k, v in self.usage.items() if k[1] == window}
            used = self.usage.get((account, window), 0) + 1
            self.usage[(account, window)] = used
        reset = max(1, math.ceil((window + 1) * self.rate_window - now))  # whole seconds left
        remaining = max(0, self.rate_limit - used)
        headers = {
            "x-ratelimit-remaining": f"{float(remaining):.1f}",
            "x-ratelimit-used": str(min(used, self.rate_limit)),
            "x-ratelimit-reset": str(reset),
        }
        return headers, used > self.rate_limit

    # --- OAuth -----------------------------------------------------------------------------

    def access_token(self, headers: dict[str, str], form: dict[str, str]) -> Reply:
        client = _basic_auth(headers.get("authorization", ""))
        if client is None or self.clients.get(client[0]) != _digest(client[1]):
            return Reply(401, shapes.http_error(401, "Unauthorized"))
        grant = form.get("grant_type")
        if grant == "password":
            username = form.get("username", "")
            if not self.store.check_password(username, form.get("password", "")):
                return Reply(200, {"error": "invalid_grant"})
            user: str | None = self.store.user(username)["name"]  # type: ignore[index]
        elif grant == "client_credentials":
            user = None
        else:
            return Reply(200, {"error": "unsupported_grant_type"})
        value = secrets.token_urlsafe(24)
        self.tokens[value] = Token(
            user=user, expires_at=time.time() + self.token_ttl, client=client[0]
        )
        body = {
            "access_token": value,
            "token_type": "bearer",
            "expires_in": self.token_ttl,
            "scope": "*",
        }
        return Reply(200, body)

    def expire_tokens(self) -> None:
        for token in list(self.tokens.values()):
            token.expires_at = 0

    # --- wiki ------------------------------------------------------------------------------

    def wiki_pages(self, *, user: str | None, **_: Any) -> Reply:
        return Reply(200, {"kind": "wikipagelisting", "data": self.store.page_names()})

    def wiki_page(self, *, page: str, query: dict[str, str], user: str | None, **_: Any) -> Reply:
        page = page.lower()
        if not PAGE_NAME_RE.match(page):
            return Reply(400, shapes.http_error(400, "Bad Request", "INVALID_PAGE_NAME"))
        revision = self.store.revision(page, query.get("v"))
        if revision is None:
            return Reply(404, shapes.http_error(404, "Not Found", "PAGE_NOT_FOUND"))
        author = self.store.user(revision["author"])
        body = shapes.wikipage(
            revision=revision, author=author, may_revise=self.store.may_revise(page, user)
        )
        return Reply(200, body)

    def wiki_revisions(self, *, query: dict[str, str], page: str | None = None, **_: Any) -> Reply:
        if page is not None and self.store.page(page.lower()) is None:
            return Reply(404, shapes.http_error(404, "Not Found", "PAGE_NOT_FOUND"))
        revisions = self.store.revisions(page.lower() if page else None)
        children, after = _paginate(revisions, query, key=lambda r: f"WikiRevision_{r['id']}")
        items = [shapes.wiki_revision(r, self.store.user(r["author"])) for r in children]
        return Reply(200, shapes.listing(items, after=after))

    def wiki_settings(self, *, page: str, user: str | None, **_: Any) -> Reply:
        record = self.store.page(page.lower())
        if record is None:
            return Reply(404, shapes.http_error(404, "Not Found", "PAGE_NOT_FOUND"))
        if not self.store.is_moderator(user):
            return Reply(403, shapes.http_error(403, "Forbidden"))
        return Reply(200, self._settings_body(record))

    def wiki_settings_update(
        self, *, page: str, form: dict[str, str], user: str | None, **_: Any
    ) -> Reply:
        page = page.lower()
        record = self.store.page(page)
        if record is None:
            return Reply(404, shapes.http_error(404, "Not Found", "PAGE_NOT_FOUND"))
        if not self.store.is_moderator(user):
            return Reply(403, shapes.http_error(403, "Forbidden"))
        try:
            permlevel = int(form.get("permlevel", record["settings"]["permlevel"]))
        except ValueError:
            return Reply(400, shapes.http_error(400, "Bad Request"))
        listed = form.get("listed", str(record["settings"]["listed"])).lower() in (
            "true",
            "on",
            "1",
        )
        self.store.update_settings(page, listed=listed, permlevel=permlevel)
        return Reply(200, self._settings_body(self.store.page(page)))  # type: ignore[arg-type]

    def _settings_body(self, record: dict[str, Any]) -> dict[str, Any]:
        editors = [self.store.ensure_user(name) for name in record["settings"]["editors"]]
        return shapes.page_settings(record["settings"], editors)

    def wiki_edit(self, *, form: dict[str, str], user: str | None, **_: Any) -> Reply:
        page = form.get("page", "").lower()
        if not PAGE_NAME_RE.match(page):
            return Reply(400, shapes.http_error(400, "Bad Request", "INVALID_PAGE_NAME"))
        if not self.store.may_revise(page, user):
            return Reply(403, shapes.http_error(403, "Forbidden"))
        content = form.get("content", "")
        if len(content) > MAX_PAGE_CHARS:
            return Reply(413, shapes.http_error(413, "Request Entity Too Large", "PAGE_TOO_LARGE"))
        with self.store.lock:
            current = self.store.revision(page, None)
            previous = form.get("previous")
            if current is not None and previous and previous != current["id"]:
                merged = self._merge_stale(page, previous=previous, ours=content, current=current)
                if merged is None:
                    body = shapes.http_error(409, "Conflict")
                    body.update(
                        newcontent=current["content"], newrevision=current["id"], diffcontent=""
                    )
                    return Reply(409, body)
                content = merged
            if current is not None and content == current["content"]:
                return Reply(200, {})  # Reddit saves no revision for an identical text
            self.store.edit_page(
                page=page,
                content=content,
                author=user,  # type: ignore[arg-type]
                reason=form.get("reason"),
            )
        return Reply(200, {})

    def _racing_edit(self, page: str) -> None:
        """A moderator's edit that lands just before the request being answered."""
        current = self.store.revision(page, None)
        if current is not None:
            self.store.ensure_user("alice_mod")
            content = current["content"] + RACING_LINE
            self.store.edit_page(page=page, content=content, author="alice_mod", reason="race")

    def _merge_stale(
        self, page: str, *, previous: str, ours: str, current: dict[str, Any]
    ) -> str | None:
        """Reddit's answer to a stale ``previous``: a three-way merge, None on conflict."""
        base = self.store.revision(page, previous)
        if base is None:
            return None
        return merge3(base=base["content"], ours=ours, theirs=current["content"])

    def wiki_revert(self, *, form: dict[str, str], user: str | None, **_: Any) -> Reply:
        page = form.get("page", "").lower()
        if not self.store.is_moderator(user):
            return Reply(403, shapes.http_error(403, "Forbidden"))
        record = self.store.page(page)
        if record is None:
            return Reply(404, shapes.http_error(404, "Not Found", "PAGE_NOT_FOUND"))
        revision = self.store.revision(page, form.get("revision")) or record["revisions"][-1]
        self.store.edit_page(
            page=page,
            content=revision["content"],
            author=user,  # type: ignore[arg-type]
            reason=f"reverted back {revision['id']}",
        )
        return Reply(200, {})

    def wiki_editor(self, *, act: str, form: dict[str, str], user: str | None, **_: Any) -> Reply:
        record = self.store.page(form.get("page", "").lower())
        if not self.store.is_moderator(user):
            return Reply(403, shapes.http_error(403, "Forbidden"))
        if record is None:
            return Reply(404, shapes.http_error(404, "Not Found", "PAGE_NOT_FOUND"))
        name = form.get("username", "").lower()
        with self.store.lock:
            editors = record["settings"]["editors"]
            if act == "add" and name not in editors:
                self.store.ensure_user(name)
                editors.append(name)
            elif act == "del" and name in editors:
                editors.remove(name)
            self.store.save()
        return Reply(200, {})

    # --- posts and comments ------------------------------------------------------------

    def new_posts(self, *, query: dict[str, str], user: str | None, **_: Any) -> Reply:
        posts = self.store.posts_newest_first(include_removed=self.store.is_moderator(user))
        children, after = _paginate(posts, query, key=lambda p: f"t3_{p['id']}")
        items = [self._link(p, viewer=user) for p in children]
        before = f"t3_{children[0]['id']}" if children and query.get("before") else None
        return Reply(200, shapes.listing(items, after=after, before=before))

    def moderators(self, **_: Any) -> Reply:
        children = []
        for name in self.store.subreddit["moderators"]:
            user = self.store.user(name) or {"name": name, "id": "0"}
            children.append(
                {
                    "name": user["name"],
                    "id": f"t2_{user['id']}",
                    "mod_permissions": ["all"],
                    "date": user.get("created_utc", 0.0),
                    "author_flair_text": None,
                    "author_flair_css_class": None,
                }
            )
        return Reply(200, {"kind": "UserList", "data": {"children": children}})

    def _link(self, post: dict[str, Any], *, viewer: str | None = None) -> dict[str, Any]:
        """A post as ``viewer`` sees it: moderators see its reports."""
        moderator = self.store.is_moderator(viewer)
        return shapes.link(
            post,
            subreddit=self.store.subreddit,
            num_comments=len(self.store.comments_of(post["id"])),
            reports=self.store.reports_on(f"t3_{post['id']}") if moderator else None,
        )

    def comments(
        self, *, id: str, query: dict[str, str], user: str | None = None, **_: Any
    ) -> Reply:
        """A post and its comment tree, newest top-level comments first.

        Like Reddit, at most ``limit`` top-level comments are sent; the rest are named in a
        ``more`` stub (the sandbox does not serve ``morechildren``). Newest first stands in
        for Reddit's vote-based default order, which can bury any comment.
        """
        post = self.store.post(id)
        if post is None:
            return Reply(404, shapes.http_error(404, "Not Found"))
        records = self.store.comments_of(id)
        try:
            limit = max(1, min(500, int(query.get("limit", "200"))))
        except ValueError:
            limit = 200

        def tree(parent: str) -> list[dict[str, Any]]:
            children = [c for c in records if c["parent_id"] == parent]
            return [
                shapes.comment(
                    c,
                    subreddit=self.store.subreddit,
                    replies=shapes.listing(sub) if (sub := tree(f"t1_{c['id']}")) else "",
                )
                for c in children
            ]

        top = tree(f"t3_{id}")[::-1]
        shown, hidden = top[:limit], top[limit:]
        if hidden:
            shown.append(shapes.more([c["data"]["id"] for c in hidden], parent=f"t3_{id}"))
        return Reply(200, [shapes.listing([self._link(post, viewer=user)]), shapes.listing(shown)])

    def post_comment(self, *, form: dict[str, str], user: str | None, **_: Any) -> Reply:
        if user is None:
            return Reply(403, shapes.http_error(403, "Forbidden"))
        thing_id = form.get("thing_id", "")
        text = form.get("text", "")
        if len(text) > MAX_COMMENT_CHARS:
            return Reply(
                200,
                shapes.api_errors(
                    ("TOO_LONG", f"this is too long (max: {MAX_COMMENT_CHARS})", "text")
                ),
            )
        if not text.strip():
            return Reply(200, shapes.api_errors(("NO_TEXT", "we need something here", "text")))
        post_id = thing_id[3:] if thing_id.startswith("t3_") else None
        if thing_id.startswith("t1_"):
            parent_comment = self.store.comment(thing_id[3:])
            post_id = parent_comment["link_id"][3:] if parent_comment else None
        post = self.store.post(post_id) if post_id else None
        if post is None:
            return Reply(
                200, shapes.api_errors(("NO_THING_ID", "that item does not exist", "parent"))
            )
        if post.get("deleted"):
            return Reply(200, {"json": {"errors": [], "data": {"things": []}}})
        if post.get("locked") and not self.store.is_moderator(user):
            return Reply(
                200, shapes.api_errors(("THREAD_LOCKED", "that thread is locked", "parent"))
            )
        if post.get("archived"):
            return Reply(
                200, shapes.api_errors(("TOO_OLD", "that's a piece of history now", "parent"))
            )
        record = self.store.add_comment(parent=thing_id, author=user, body=text)
        thing = shapes.comment(record, subreddit=self.store.subreddit, likes=True)
        return Reply(200, {"json": {"errors": [], "data": {"things": [thing]}}})

    def delete(self, *, form: dict[str, str], user: str | None, **_: Any) -> Reply:
        fullname = form.get("id", "")
        record = self.store.comment(fullname[3:]) if fullname.startswith("t1_") else None
        if record is not None and user is not None and record["author"] == user:
            self.store.set_comment(record["id"], deleted=True)
        return Reply(200, {})  # Reddit answers {} whether or not there was anything to delete

    def user_comments(
        self, *, name: str, query: dict[str, str], user: str | None, **_: Any
    ) -> Reply:
        if self.store.user(name) is None:
            return Reply(404, shapes.http_error(404, "Not Found"))
        records = self.store.comments_by(name)
        children, after = _paginate(records, query, key=lambda c: f"t1_{c['id']}")
        moderator = self.store.is_moderator(user)
        items = []
        for record in children:
            post = self.store.post(record["link_id"][3:]) or {}
            thing = shapes.listed_comment(record, subreddit=self.store.subreddit, post=post)
            if moderator:  # only moderators see removals
                thing["data"]["removed"] = bool(record.get("removed_by"))
            else:
                thing["data"]["banned_by"] = None
            items.append(thing)
        return Reply(200, shapes.listing(items, after=after))

    def inbox_comments(
        self, *, query: dict[str, str], user: str | None, unread: bool = False, **_: Any
    ) -> Reply:
        if user is None:
            return Reply(403, shapes.http_error(403, "Forbidden"))
        records = self.store.replies_to(user)
        if unread:
            records = [r for r in records if not self.store.is_read(f"t1_{r['id']}")]
        children, after = _paginate(records, query, key=lambda c: f"t1_{c['id']}")
        items = [
            shapes.inbox_comment(
                record,
                subreddit=self.store.subreddit,
                post=self.store.post(record["link_id"][3:]) or {"id": "", "title": ""},
                to=user,
                author_id=(self.store.user(record["author"]) or {"id": "0"})["id"],
                new=not self.store.is_read(f"t1_{record['id']}"),
                num_comments=len(self.store.comments_of(record["link_id"][3:])),
            )
            for record in children
        ]
        listing = shapes.listing(items, after=after)
        listing["data"]["geo_filter"] = ""
        return Reply(200, listing)

    def inbox_unread(self, **params: Any) -> Reply:
        """``/message/unread``: the inbox items not marked read (comment replies here)."""
        return self.inbox_comments(unread=True, **params)

    def read_message(self, *, form: dict[str, str], user: str | None, **_: Any) -> Reply:
        if user is None:
            return Reply(403, shapes.http_error(403, "Forbidden"))
        self.store.mark_read([name for name in form.get("id", "").split(",") if name])
        return Reply(200, {})

    def subreddit_comments(self, *, query: dict[str, str], **_: Any) -> Reply:
        """``/r/{sub}/comments``: the subreddit's newest comments, each with its post's title."""
        records = self.store.comments_newest_first()
        children, after = _paginate(records, query, key=lambda c: f"t1_{c['id']}")
        items = [
            shapes.listed_comment(
                record,
                subreddit=self.store.subreddit,
                post=self.store.post(record["link_id"][3:]) or {},
            )
            for record in children
        ]
        before = f"t1_{children[0]['id']}" if children and query.get("before") else None
        return Reply(200, shapes.listing(items, after=after, before=before))

    def report(self, *, form: dict[str, str], user: str | None, **_: Any) -> Reply:
        """``/api/report``: a post or comment into the mod queue (shown in the state)."""
        if user is None:
            return Reply(403, shapes.http_error(403, "Forbidden"))
        thing, reason = form.get("id", ""), form.get("reason", "")
        if len(reason) > REPORT_REASON_MAX:
            return Reply(
                200,
                shapes.api_errors(
                    ("TOO_LONG", f"this is too long (max: {REPORT_REASON_MAX})", "reason")
                ),
            )
        exists = (thing.startswith("t3_") and self.store.post(thing[3:])) or (
            thing.startswith("t1_") and self.store.comment(thing[3:])
        )
        if not exists:
            return Reply(200, shapes.api_errors(("NO_THING_ID", "that item does not exist", "id")))
        self.store.add_report(thing=thing, reason=reason, by=user)
        return Reply(200, {"json": {"errors": []}})

    def compose(self, *, form: dict[str, str], user: str | None, **_: Any) -> Reply:
        if user is None:
            return Reply(403, shapes.http_error(403, "Forbidden"))
        to = form.get("to", "").lower().strip("/")
        sub = self.store.subreddit["name"].lower()
        if to not in (f"r/{sub}", f"#{sub}"):  # PRAW writes "#sub" for a subreddit
            return Reply(
                200, shapes.api_errors(("USER_DOESNT_EXIST", "that user doesn't exist", "to"))
            )
        self.store.add_modmail(
            author=user, subject=form.get("subject", ""), text=form.get("text", "")
        )
        return Reply(200, {"json": {"errors": []}})

    def lock(self, *, form: dict[str, str], user: str | None, **_: Any) -> Reply:
        if not self.store.is_moderator(user):
            return Reply(403, shapes.http_error(403, "Forbidden"))
        self.store.set_post_flags(form.get("id", "").removeprefix("t3_"), locked=True)
        return Reply(200, {})

    def info(self, *, query: dict[str, str], user: str | None = None, **_: Any) -> Reply:
        children = []
        for fullname in filter(None, query.get("id", "").split(",")[:100]):
            kind, _sep, ident = fullname.partition("_")
            if kind == "t3" and (post := self.store.post(ident)):
                children.append(self._link(post, viewer=user))
            elif kind == "t1" and (record := self.store.comment(ident)):
                children.append(shapes.comment(record, subreddit=self.store.subreddit))
            elif fullname == self.store.subreddit["fullname"]:
                children.append(shapes.subreddit_thing(self.store.subreddit))
        return Reply(200, shapes.listing(children))

    def me(self, *, user: str | None, **_: Any) -> Reply:
        record = self.store.user(user)
        if record is None:
            return Reply(403, shapes.http_error(403, "Forbidden"))
        return Reply(200, shapes.me(record))

    # --- control endpoints (not part of Reddit) ------------------------------------------

    def control(self, method: str, path: str, query: dict[str, str], body: bytes) -> Reply:
        """Dispatch a ``/_sandbox/...`` control request."""
        handler = self._control_routes().get((method, path.removeprefix("/_sandbox/")))
        if handler is None:
            return Reply(404, {"error": "unknown control endpoint"})
        payload = json.loads(body or b"{}") if method == "POST" else {}
        return handler(query, payload)

    def _control_routes(self) -> dict[tuple[str, str], Callable[..., Reply]]:
        return {
            ("GET", "log"): lambda q, _p: Reply(
                200, {"entries": self.log.since(int(q.get("since", "0")))}
            ),
            ("POST", "faults"): self._control_fault,
            ("POST", "faults/clear"): lambda _q, _p: self._done(self.faults.clear),
            ("POST", "accounts"): self._control_accounts,
            ("POST", "expire_tokens"): lambda _q, _p: self._done(self.expire_tokens),
            ("POST", "posts"): self._control_post,
            ("POST", "posts/flags"): self._control_flags,
            ("POST", "comments"): self._control_comment,
            ("POST", "comments/flags"): self._control_comment_flags,
            ("POST", "wiki"): self._control_wiki,
            ("GET", "state"): lambda _q, _p: Reply(200, self.store.data),
            ("GET", "identity"): lambda _q, _p: Reply(200, self._identity()),
        }

    def _identity(self) -> dict[str, Any]:
        """Which world this sandbox serves: its state file (None: memory only)."""
        path = self.store.path
        return {
            "state_file": str(path.resolve()) if path is not None else None,
            "subreddit": self.store.subreddit["name"],
        }

    @staticmethod
    def _done(action: Callable[[], object]) -> Reply:
        action()
        return Reply(200, {})

    def _control_fault(self, _query: dict[str, str], payload: dict[str, Any]) -> Reply:
        try:
            self.faults.add(Fault(**payload))
        except (TypeError, ValueError, re.error) as exc:
            return Reply(400, {"error": str(exc)})
        return Reply(200, {"pending": len(self.faults.pending())})

    def _control_accounts(self, _query: dict[str, str], payload: dict[str, Any]) -> Reply:
        if "client_id" in payload:
            self.clients[payload["client_id"]] = _digest(payload["client_secret"])
        if "user" in payload:
            self.store.set_password(payload["user"], payload["password"])
        return Reply(200, {})

    def _control_post(self, _query: dict[str, str], payload: dict[str, Any]) -> Reply:
        post = self.store.add_post(**payload)
        return Reply(200, {"id": post["id"], "name": f"t3_{post['id']}"})

    def _control_flags(self, _query: dict[str, str], payload: dict[str, Any]) -> Reply:
        post = self.store.set_post_flags(payload.pop("id"), **payload)
        return Reply(200 if post else 404, {"found": post is not None})

    def _control_comment(self, _query: dict[str, str], payload: dict[str, Any]) -> Reply:
        """A comment by any account (a reader answering the bot, say); with ``bodies``,
        many at once (a flooded inbox)."""
        parent = str(payload.get("parent", ""))
        find = self.store.post if parent.startswith("t3_") else self.store.comment
        if not parent.startswith(("t1_", "t3_")) or find(parent[3:]) is None:
            return Reply(404, {"error": f"no post or comment {parent}"})
        self.store.ensure_user(payload["author"])
        if "bodies" in payload:
            records = self.store.add_comments(
                parent=payload["parent"], author=payload["author"], bodies=payload["bodies"]
            )
            return Reply(200, {"names": [f"t1_{r['id']}" for r in records]})
        record = self.store.add_comment(
            parent=payload["parent"], author=payload["author"], body=payload["body"]
        )
        return Reply(200, {"id": record["id"], "name": f"t1_{record['id']}"})

    def _control_comment_flags(self, _query: dict[str, str], payload: dict[str, Any]) -> Reply:
        """Set a comment's ``score`` (votes) or ``removed_by`` (a moderator's removal)."""
        changes = {k: payload[k] for k in ("score", "removed_by") if k in payload}
        record = self.store.set_comment(payload["id"].removeprefix("t1_"), **changes)
        return Reply(200 if record else 404, {"found": record is not None})

    def _control_wiki(self, _query: dict[str, str], payload: dict[str, Any]) -> Reply:
        author = payload.get("author", "alice_mod")
        self.store.ensure_user(author)
        revision = self.store.edit_page(
            page=payload["page"].lower(),
            content=payload["content"],
            author=author,
            reason=payload.get("reason"),
        )
        return Reply(200, {"revision_id": revision["id"]})


_HTML_PAGE = b"<html><body><h1>upstream busy</h1></body></html>"
_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    429: "Too Many Requests",
    403: "Forbidden",
    409: "Conflict",
    413: "Request Entity Too Large",
}


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _unauthorized() -> Reply:
    return Reply(
        401,
        shapes.http_error(401, "Unauthorized"),
        {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'},
    )


def _basic_auth(header: str) -> tuple[str, str] | None:
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:]).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    client_id, _sep, secret = decoded.partition(":")
    return client_id, secret


def _safe_query(query: dict[str, str]) -> dict[str, str]:
    return {
        k: ("<redacted>" if _SENSITIVE_PARAM.search(k) else v)
        for k, v in query.items()
        if k != "raw_json"
    }


def _paginate(
    items: list[dict[str, Any]], query: dict[str, str], *, key: Callable[[dict[str, Any]], str]
) -> tuple[list[dict[str, Any]], str | None]:
    """Reddit-style ``before``/``after``/``limit`` over a newest-first list."""
    try:
        limit = max(1, min(100, int(query.get("limit", "25"))))
    except ValueError:
        limit = 25
    keys = [key(item) for item in items]
    if before := query.get("before"):
        end = keys.index(before) if before in keys else 0
        page = items[max(0, end - limit) : end]
        return page, None
    start = keys.index(query["after"]) + 1 if query.get("after") in keys else 0
    page = items[start : start + limit]
    after = key(page[-1]) if page and start + limit < len(items) else None
    return page, after


class _Handler(BaseHTTPRequestHandler):
    app: SandboxApp
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            reply = self.app.handle(self.command, self.path, headers, body)
            payload = _HTML_PAGE if reply.html else json.dumps(reply.body).encode("utf-8")
        except Exception:
            traceback.print_exc()
            reply = Reply(500, {})
            payload = b'{"message": "Internal Server Error", "error": 500}'
        try:
            self.send_response(reply.status)
            kind = "text/html" if reply.html else "application/json"
            self.send_header("content-type", f"{kind}; charset=UTF-8")
            self.send_header("content-length", str(len(payload)))
            # One request per connection: no keep-alive races that would look like
            # dropped writes (faults are injected on purpose, never by accident).
            self.send_header("connection", "close")
            self.close_connection = True
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2] if reply.cut else payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout fault): nothing to do

    do_GET = do_POST = do_DELETE = _serve  # noqa: N815 - http.server's naming

    def log_message(self, format: str, *args: Any) -> None:
        """Silence http.server's stderr lines; the request log has them."""


SHUTDOWN_POLL = 0.05  # seconds between the serving loop's checks for stop()


class SandboxServer:
    """A running sandbox: ``with SandboxServer(...) as server: server.url``."""

    def __init__(
        self,
        *,
        state_file: Path | None,
        host: str = "127.0.0.1",
        port: int = 0,
        subreddit: str = "learnmachinelearning",
        rate_limit: int = RATE_LIMIT,
        rate_window: float = RATE_WINDOW,
        token_ttl: int = 3600,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            msg = f"the sandbox binds to loopback only, not {host!r}"
            raise ValueError(msg)
        store = SandboxStore(state_file, subreddit=subreddit)
        log_path = state_file.with_suffix(".requests.jsonl") if state_file else None
        self.app = SandboxApp(
            store,
            log_path=log_path,
            rate_limit=rate_limit,
            rate_window=rate_window,
            token_ttl=token_ttl,
        )
        handler = type("Handler", (_Handler,), {"app": self.app})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def start(self) -> SandboxServer:
        self.thread = threading.Thread(target=self.serve_forever, name="sandbox", daemon=True)
        self.thread.start()
        return self

    def serve_forever(self) -> None:
        # stop() waits for the serving loop to notice it, up to one poll: the default 0.5 s
        # made each stop cost ~0.45 s (over a minute of the test suite).
        self.httpd.serve_forever(poll_interval=SHUTDOWN_POLL)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
