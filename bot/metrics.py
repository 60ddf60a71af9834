"""Optional Prometheus metrics: a few counters served as text on ``metrics_port``."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_COUNTERS: dict[str, int] = {}
_LOCK = threading.Lock()
_HELP = {
    "sync_runs": "Wiki sync runs",
    "sync_errors": "Wiki sync runs that failed",
    "replies_runs": "Reply scans",
    "replies_errors": "Reply scans that failed",
    "replies": "Replies posted",
    "wiki_edits": "Wiki pages created or updated",
    "api_calls": "HTTP requests sent to Reddit",
}


def count(name: str, amount: int = 1) -> None:
    """Add to a counter (cheap; always on, served only when metrics_port is set)."""
    with _LOCK:
        _COUNTERS[name] = _COUNTERS.get(name, 0) + amount


def snapshot() -> dict[str, int]:
    with _LOCK:
        return dict(_COUNTERS)


def render() -> str:
    """The Prometheus text exposition of all counters."""
    lines = []
    for name in sorted(set(_HELP) | set(snapshot())):
        metric = f"wikibot_{name}_total"
        lines.append(f"# HELP {metric} {_HELP.get(name, name)}")
        lines.append(f"# TYPE {metric} counter")
        lines.append(f"{metric} {snapshot().get(name, 0)}")
    return "\n".join(lines) + "\n"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = render().encode()
        self.send_response(200 if self.path.rstrip("/") in ("", "/metrics") else 404)
        self.send_header("content-type", "text/plain; version=0.0.4")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def start_server(port: int | None) -> ThreadingHTTPServer | None:
    """Serve ``/metrics`` on 127.0.0.1:port in a daemon thread (None: metrics off)."""
    if port is None:
        return None
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
