"""The model file as ``replies train`` writes it: stable, reviewable JSON, numbers rounded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.fileio import atomic_write_text

SIGNIFICANT_DIGITS = 6


def write_model(document: dict[str, Any], path: Path) -> None:
    """Write the model as stable, reviewable JSON (sorted keys, one feature a line)."""
    head = {k: v for k, v in document.items() if k != "features"}
    lines = ["{"]
    for key in sorted(head):
        lines.append(f"  {json.dumps(key)}: {json.dumps(head[key], sort_keys=True)},")
    lines.append('  "features": {')
    items = sorted(document["features"].items())
    for n, (name, row) in enumerate(items):
        comma = "," if n < len(items) - 1 else ""
        lines.append(f"    {json.dumps(name, ensure_ascii=False)}: {json.dumps(row)}{comma}")
    lines.append("  }")
    lines.append("}")
    atomic_write_text(path, "\n".join(lines) + "\n")
    path.chmod(0o644)  # a file for the repository, readable like any other


def rounded(value: float) -> float:
    """``value`` to the model file's ``SIGNIFICANT_DIGITS`` (the same file on every run)."""
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
