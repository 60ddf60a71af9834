"""A line-based three-way merge, as Reddit applies to a wiki edit with a stale ``previous``.

Reddit's ``WikiPage.revise`` (r2/models/wiki.py) merges the sent text into the current
one when the edit was based on an older revision, and refuses (HTTP 409) only when both
changed the same lines. ``merge3`` does the same: changes from each side that touch
separate lines of the base are combined; changes that overlap or touch (adjacent lines)
conflict unless both sides made the identical change.
"""

from __future__ import annotations

from difflib import SequenceMatcher

Hunk = tuple[int, int, list[str]]  # base[start:end] is replaced by the lines


def merge3(*, base: str, ours: str, theirs: str) -> str | None:
    """The merged text, or None when the two sides' changes conflict."""
    base_lines = base.splitlines(keepends=True)
    ours_hunks = _hunks(base_lines, ours.splitlines(keepends=True))
    theirs_hunks = _hunks(base_lines, theirs.splitlines(keepends=True))
    merged: list[str] = []
    position = 0
    for low, high, mine, other in _clusters(ours_hunks, theirs_hunks):
        merged.extend(base_lines[position:low])
        ours_text = _apply(base_lines, low, high, mine)
        theirs_text = _apply(base_lines, low, high, other)
        if mine and other and ours_text != theirs_text:
            return None
        merged.extend(ours_text if mine else theirs_text)
        position = high
    merged.extend(base_lines[position:])
    return "".join(merged)


def _hunks(base: list[str], other: list[str]) -> list[Hunk]:
    matcher = SequenceMatcher(None, base, other, autojunk=False)
    return [
        (i1, i2, other[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    ]


def _clusters(
    ours: list[Hunk], theirs: list[Hunk]
) -> list[tuple[int, int, list[Hunk], list[Hunk]]]:
    """Group hunks whose base ranges overlap or touch, across both sides, in base order."""
    tagged = sorted(
        [(h[0], h[1], 0, h) for h in ours] + [(h[0], h[1], 1, h) for h in theirs],
        key=lambda item: (item[0], item[1]),
    )
    clusters: list[tuple[int, int, list[Hunk], list[Hunk]]] = []
    for start, end, side, hunk in tagged:
        if clusters and start <= clusters[-1][1]:
            low, high, mine, other = clusters[-1]
            clusters[-1] = (low, max(high, end), mine, other)
        else:
            clusters.append((start, end, [], []))
        (clusters[-1][2] if side == 0 else clusters[-1][3]).append(hunk)
    return clusters


def _apply(base: list[str], low: int, high: int, hunks: list[Hunk]) -> list[str]:
    """``base[low:high]`` with one side's hunks (all inside that range) applied."""
    out: list[str] = []
    position = low
    for start, end, lines in hunks:
        out.extend(base[position:start])
        out.extend(lines)
        position = end
    out.extend(base[position:high])
    return out
