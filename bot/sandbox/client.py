"""Talk to a running sandbox's control endpoints, and start one when none is listening."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.errors import ConfigError, Unavailable
from bot.sandbox.server import SandboxServer

IDENTITY_TIMEOUT = 2.0  # seconds; a sandbox answers at once


class SandboxClient:
    """Control endpoints of the sandbox at ``base_url`` (request log, faults, simulated users)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def _call(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        *,
        timeout: float = 10,
    ) -> Any:
        data = json.dumps(payload or {}).encode() if method == "POST" else None
        request = urllib.request.Request(  # noqa: S310 - loopback URL from our own config
            f"{self.base_url}/_sandbox/{path}",
            data=data,
            method=method,
            headers={"content-type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = json.loads(exc.read() or b"{}").get("error", exc.reason)
            raise Unavailable(f"sandbox {path}: {detail}") from None
        except OSError as exc:
            raise Unavailable(f"sandbox at {self.base_url} is not reachable: {exc}") from None

    def log(self, since: int = 0) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", f"log?since={since}")["entries"]
        return result

    def add_fault(
        self,
        kind: str,
        *,
        path: str = "",
        method: str | None = None,
        count: int = 1,
        delay: float = 0.0,
        wait_seconds: int = 180,
    ) -> None:
        self._call(
            "POST",
            "faults",
            {
                "kind": kind,
                "path": path,
                "method": method,
                "count": count,
                "delay": delay,
                "wait_seconds": wait_seconds,
            },
        )

    def clear_faults(self) -> None:
        self._call("POST", "faults/clear")

    def add_account(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        user: str | None = None,
        password: str | None = None,
    ) -> None:
        """Accept another OAuth client and/or give a user another password."""
        payload: dict[str, str] = {}
        if client_id and client_secret:
            payload.update(client_id=client_id, client_secret=client_secret)
        if user and password:
            payload.update(user=user, password=password)
        self._call("POST", "accounts", payload)

    def expire_tokens(self) -> None:
        self._call("POST", "expire_tokens")

    def post(
        self,
        *,
        title: str,
        body: str = "",
        author: str = "curious_student",
        flair: str | None = None,
        created_utc: float | None = None,
        distinguished: str | None = None,
        **flags: bool,
    ) -> str:
        """Simulate a user's new post; returns its fullname. ``distinguished="admin"``: a
        Reddit admin's post."""
        payload = {
            "title": title,
            "body": body,
            "author": author,
            "flair": flair,
            "created_utc": created_utc,
            "distinguished": distinguished,
            **flags,
        }
        result: str = self._call("POST", "posts", payload)["name"]
        return result

    def set_post_flags(self, post_id: str, **flags: bool) -> None:
        self._call("POST", "posts/flags", {"id": post_id, **flags})

    def comment(self, *, parent: str, body: str, author: str = "curious_student") -> str:
        """Simulate a reader's comment (e.g. answering the bot); returns its fullname."""
        payload = {"parent": parent, "body": body, "author": author}
        result: str = self._call("POST", "comments", payload)["name"]
        return result

    def comments(
        self, *, parent: str, bodies: list[str], author: str = "curious_student"
    ) -> list[str]:
        """Many comments by one account at once (a flooded inbox); returns their fullnames."""
        payload = {"parent": parent, "bodies": bodies, "author": author}
        result: list[str] = self._call("POST", "comments", payload)["names"]
        return result

    def set_comment(
        self, comment_id: str, *, score: int | None = None, removed_by: str | None = None
    ) -> None:
        """Simulate votes (``score``) or a moderator's removal (``removed_by``)."""
        payload: dict[str, Any] = {"id": comment_id}
        if score is not None:
            payload["score"] = score
        if removed_by is not None:
            payload["removed_by"] = removed_by
        self._call("POST", "comments/flags", payload)

    def edit_wiki(
        self, *, page: str, content: str, author: str = "alice_mod", reason: str | None = None
    ) -> str:
        """Simulate a human's wiki edit; returns the new revision id."""
        payload = {"page": page, "content": content, "author": author, "reason": reason}
        result: str = self._call("POST", "wiki", payload)["revision_id"]
        return result

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "state")
        return result

    def identity(self) -> dict[str, Any]:
        """The world the sandbox serves: ``state_file`` (None: memory only), ``subreddit``."""
        result: dict[str, Any] = self._call("GET", "identity", timeout=IDENTITY_TIMEOUT)
        return result


def is_listening(host: str, port: int) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def ensure_sandbox(settings: Settings) -> SandboxServer | None:
    """Start the sandbox in this process unless one is already listening.

    Returns the server we started (the caller stops it), or None when one was running.
    """
    host, port = settings.sandbox.host, settings.sandbox.port
    if is_listening(host, port):
        _check_world(settings)
        return None
    try:
        server = SandboxServer(
            state_file=settings.sandbox.state_file,
            host=host,
            port=port,
            subreddit=settings.subreddit,
        )
    except OSError:
        if is_listening(host, port):  # another process won the race to start it
            _check_world(settings)
            return None
        raise Unavailable(
            f"cannot start the sandbox on {host}:{port}; choose another sandbox.port"
        ) from None
    return server.start()


def _check_world(settings: Settings) -> None:
    """Refuse a sandbox already listening on the port that serves another state file
    (another checkout's ``wikibot sandbox serve``): one request, only when one listens.

    A sandbox without the identity endpoint, or whatever else listens, is left to the
    first API call; a memory-only sandbox (tests, the benchmark) serves no file to compare.
    """
    url = settings.sandbox_url
    try:
        served = SandboxClient(url).identity().get("state_file")
    except (Unavailable, ValueError, AttributeError):
        return
    wanted = settings.sandbox.state_file.resolve()
    if served is None or Path(served) == wanted:
        return
    raise ConfigError(
        f"the sandbox at {url} serves {served}, but this configuration's world is {wanted}; "
        "stop that sandbox, or set sandbox.port (WIKIBOT_SANDBOX_PORT) to a free port for "
        "this one"
    )
