"""Logging: one line per event, text or JSON, secrets redacted from every record."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterable

_SECRETS: set[str] = set()
_FORMAT = {"current": "text"}


def register_secrets(values: Iterable[str]) -> None:
    """Values to replace with ``***`` wherever they would appear in a log line."""
    _SECRETS.update(v for v in values if v and len(v) >= 4)


def redact(text: str) -> str:
    for secret in _SECRETS:
        text = text.replace(secret, "***")
    return text


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            record.msg = redact(record.getMessage())
            record.args = None
        return True


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(record.created))
        line = f"{stamp} {record.levelname.lower():7} {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += " | " + " ".join(self.formatException(record.exc_info).split())
        return redact(line)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("job", "event", "page", "post", "wait"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False))


def json_logs() -> bool:
    """True when log lines (and so the final error line) are JSON."""
    return _FORMAT["current"] == "json"


def error_line(message: str) -> str:
    """The CLI's final error line: ``wikibot: error: ...``, or a JSON object under json logs."""
    if json_logs():
        entry = {"time": round(time.time(), 3), "level": "error", "logger": "wikibot"}
        return redact(json.dumps({**entry, "message": message}, ensure_ascii=False))
    return redact(f"wikibot: error: {message}")


def setup_logging(*, verbosity: int, log_format: str = "text", daemon: bool = False) -> None:
    """Quiet by default (warnings); ``-v`` info, ``-vv`` debug; the daemon starts at info."""
    _FORMAT["current"] = log_format
    level = logging.WARNING - 10 * (verbosity + (1 if daemon else 0))
    level = max(logging.DEBUG, min(logging.ERROR, level))
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter() if log_format == "json" else _TextFormatter())
    handler.addFilter(_RedactingFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Third-party chatter only at -vv. prawcore's "Retrying due to ..." warnings (raw
    # urllib3 reprs) show from -v on: by default the failure is one line of our own.
    for noisy in ("prawcore", "urllib3", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbosity >= 2 else logging.WARNING)
    if verbosity < 1:
        logging.getLogger("prawcore").setLevel(logging.ERROR)
