"""Unified diffs that stay near-linear on large, mostly similar pages.

``difflib`` compares every line with every other in the worst case, and pages of the same
sentences repeated (or 512 KB pages with a few edits) make that quadratic. Here the lines
the two texts share at the start and at the end are set aside first (a hash compare per
line). What is left is split at lines that occur once in each text, in the same order
(the anchors of a patience diff), and only the pieces between anchors go to ``difflib``.
Pages up to ``SMALL`` lines (all the guides) go to ``difflib`` whole, so their diffs are
exactly ``difflib.unified_diff``'s (the tests compare both on the fixtures).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from difflib import SequenceMatcher

Opcode = tuple[str, int, int, int, int]
SMALL = 400  # texts up to this many lines (on the longer side) go to difflib whole
LARGE = 2000  # pieces without anchors up to this size are diffed exactly


def unified_diff(before: str, after: str, *, before_name: str, after_name: str) -> str:
    """A unified diff with three lines of context, empty when equal."""
    if before == after:
        return ""
    a = before.splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    out = [f"--- {before_name}\n", f"+++ {after_name}\n"]
    for group in _grouped(opcodes(a, b), context=3):
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(" " + line for line in a[i1:i2])
                continue
            out.extend("-" + line for line in a[i1:i2])
            out.extend("+" + line for line in b[j1:j2])
    return "".join(out) if len(out) > 2 else ""


def opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """Edit operations turning ``a`` into ``b``, in ``SequenceMatcher.get_opcodes`` form.

    Texts up to ``SMALL`` lines go to ``difflib`` whole, so their diffs are exactly the
    ones ``difflib`` gives (where a change could be placed in more than one spot, as an
    added blank line next to another, the split below may place it elsewhere).
    """
    if max(len(a), len(b)) <= SMALL:
        return [
            (tag, i1, i2, j1, j2)
            for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b).get_opcodes()
        ]
    differ = _Differ(a, b)
    differ.diff(0, len(a), 0, len(b))
    return _merged(differ.out)


class _Differ:
    """Splits the texts recursively and collects the operations in ``out``."""

    def __init__(self, a: Sequence[str], b: Sequence[str]) -> None:
        self.a, self.b = a, b
        self.out: list[Opcode] = []

    def diff(self, a_lo: int, a_hi: int, b_lo: int, b_hi: int) -> None:
        """Set aside the common head and tail, then diff the middle."""
        a, b = self.a, self.b
        head = 0
        while a_lo + head < a_hi and b_lo + head < b_hi and a[a_lo + head] == b[b_lo + head]:
            head += 1
        if head:
            self.out.append(("equal", a_lo, a_lo + head, b_lo, b_lo + head))
        a_lo, b_lo = a_lo + head, b_lo + head
        tail = 0
        room = min(a_hi - a_lo, b_hi - b_lo)
        while tail < room and a[a_hi - tail - 1] == b[b_hi - tail - 1]:
            tail += 1
        self.middle(a_lo, a_hi - tail, b_lo, b_hi - tail)
        if tail:
            self.out.append(("equal", a_hi - tail, a_hi, b_hi - tail, b_hi))

    def middle(self, a_lo: int, a_hi: int, b_lo: int, b_hi: int) -> None:
        """Split at anchors when large, else let difflib align the piece."""
        if a_lo == a_hi or b_lo == b_hi:
            if a_lo != a_hi or b_lo != b_hi:
                tag = "insert" if a_lo == a_hi else "delete"
                self.out.append((tag, a_lo, a_hi, b_lo, b_hi))
            return
        longest = max(a_hi - a_lo, b_hi - b_lo)
        anchors = self.anchors(a_lo, a_hi, b_lo, b_hi) if longest > SMALL else []
        if not anchors:
            # Exact up to LARGE lines; beyond, difflib's junk heuristic keeps it from going
            # quadratic on a long piece of lines that all repeat (no anchors to split at).
            matcher = SequenceMatcher(
                None, self.a[a_lo:a_hi], self.b[b_lo:b_hi], autojunk=longest > LARGE
            )
            self.out.extend(
                (tag, i1 + a_lo, i2 + a_lo, j1 + b_lo, j2 + b_lo)
                for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            )
            return
        for i, j in anchors:
            self.diff(a_lo, i, b_lo, j)
            self.out.append(("equal", i, i + 1, j, j + 1))
            a_lo, b_lo = i + 1, j + 1
        self.diff(a_lo, a_hi, b_lo, b_hi)

    def anchors(self, a_lo: int, a_hi: int, b_lo: int, b_hi: int) -> list[tuple[int, int]]:
        """Lines found exactly once on each side, longest run in the same order (patience)."""
        once_a = _unique_positions(self.a, a_lo, a_hi)
        once_b = _unique_positions(self.b, b_lo, b_hi)
        pairs = sorted((i, once_b[line]) for line, i in once_a.items() if line in once_b)
        return _longest_increasing(pairs)


def _unique_positions(lines: Sequence[str], lo: int, hi: int) -> dict[str, int]:
    seen: dict[str, int] = {}
    for index in range(lo, hi):
        seen[lines[index]] = -1 if lines[index] in seen else index
    return {line: index for line, index in seen.items() if index >= 0}


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest chain of pairs increasing in both positions (patience sorting)."""
    tails: list[int] = []  # b position ending the best chain of each length
    tail_index: list[int] = []
    back: list[int] = []
    for index, (_i, j) in enumerate(pairs):
        length = bisect.bisect_left(tails, j)
        if length == len(tails):
            tails.append(j)
            tail_index.append(index)
        else:
            tails[length] = j
            tail_index[length] = index
        back.append(tail_index[length - 1] if length else -1)
    chain: list[tuple[int, int]] = []
    index = tail_index[-1] if tail_index else -1
    while index >= 0:
        chain.append(pairs[index])
        index = back[index]
    return chain[::-1]


def _merged(raw: list[Opcode]) -> list[Opcode]:
    """Join neighbouring operations of the same kind; replace adjacent delete+insert."""
    merged: list[Opcode] = []
    for tag, i1, i2, j1, j2 in raw:
        if i1 == i2 and j1 == j2:
            continue
        if merged:
            p_tag, p_i1, _p_i2, p_j1, _p_j2 = merged[-1]
            joinable = (p_tag == "equal") == (tag == "equal")
            if joinable:
                new_tag = tag if p_tag == tag else "replace"
                merged[-1] = (new_tag, p_i1, i2, p_j1, j2)
                continue
        merged.append((tag, i1, i2, j1, j2))
    return merged


def _grouped(codes: list[Opcode], *, context: int) -> Iterator[list[Opcode]]:
    """Hunks with ``context`` lines around each change (as ``get_grouped_opcodes``)."""
    if not codes:
        return
    codes = list(codes)
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = (tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2)
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = (tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context))
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        start_a, start_b = i1, j1
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)))
            yield group
            group = []
            start_a, start_b = max(i1, i2 - context), max(j1, j2 - context)
        group.append((tag, start_a, i2, start_b, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        yield group


def _range(start: int, stop: int) -> str:
    """A unified diff range: ``line`` or ``line,count`` (line 0 for an empty range)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"
