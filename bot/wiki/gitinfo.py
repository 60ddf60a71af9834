"""The little wikibot asks of git: a file's last commit subject, and fast-forward pulls."""

from __future__ import annotations

import subprocess
from pathlib import Path

GIT_TIMEOUT = 60


def last_commit_subject(path: Path) -> str | None:
    """Subject of the latest commit that touched ``path``, or None outside a checkout."""
    try:
        result = subprocess.run(
            ["git", "log", "-1", "--format=%s", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    subject = result.stdout.strip()
    return subject if result.returncode == 0 and subject else None


def pull_ff_only(directory: Path) -> tuple[bool, str]:
    """``git pull --ff-only`` in ``directory``; (ok, one line of output)."""
    try:
        result = subprocess.run(
            ["git", "pull", "--ff-only", "--quiet"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    output = (result.stderr or result.stdout).strip().splitlines()
    return result.returncode == 0, output[-1] if output else "ok"
