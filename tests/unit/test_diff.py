"""The planner's diff: difflib's output on the guides, near-linear and correct on big pages."""

from __future__ import annotations

import difflib
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.wiki.diff import SMALL, opcodes, unified_diff
from bot.wiki.plan import Kind, LocalPage, RemotePage, SyncedPage, build_plan
from bot.wiki.render import _is_normal, _normalize_lines, normalize
from conftest import FIXTURE_PAGES


def _difflib(before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), "a", "b", n=3
        )
    )


def _changed_lines(diff: str) -> tuple[int, int]:
    body = diff.splitlines()[2:]
    return sum(line.startswith("-") for line in body), sum(line.startswith("+") for line in body)


def _edited(lines: list[str], rng: random.Random, pool: list[str]) -> list[str]:
    out = list(lines)
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(out))
        kind = rng.choice("dirm")
        if kind == "d":
            del out[at : at + rng.randint(1, 3)]
        elif kind == "i":
            out.insert(at, rng.choice(["new line\n", "\n", "- item\n", rng.choice(pool)]))
        elif kind == "r":
            out[at] = f"changed {rng.randint(0, 9)}\n"
        else:
            out.insert(rng.randrange(len(out)), out.pop(at))
    return out


def test_same_unified_diffs_as_difflib_on_the_guides() -> None:
    rng = random.Random(12)
    for path in sorted(FIXTURE_PAGES.glob("*.md")):
        text = path.read_text().split("---\n", 2)[2]
        lines = text.splitlines(keepends=True)
        for _ in range(100):
            after = "".join(_edited(lines, rng, lines))
            assert unified_diff(text, after, before_name="a", after_name="b") == _difflib(
                text, after
            )


def test_large_pages_split_into_a_correct_small_diff() -> None:
    rng = random.Random(5)
    words = ["learn", "model", "data", "train", "test", "linear", "algebra", "gradient"]
    lines = [" ".join(rng.choice(words) for _ in range(8)) + f" {i}\n" for i in range(9000)]
    assert len(lines) > SMALL
    for _ in range(10):
        after = _edited(lines, rng, lines)
        rebuilt: list[str] = []
        for tag, i1, i2, j1, j2 in opcodes(lines, after):
            if tag == "equal":
                assert lines[i1:i2] == after[j1:j2]
            rebuilt.extend(after[j1:j2])
        assert rebuilt == after
    one = list(lines)
    one[4500] = "one changed line\n"
    diff = unified_diff("".join(lines), "".join(one), before_name="a", after_name="b")
    assert diff == _difflib("".join(lines), "".join(one))
    assert _changed_lines(diff) == (1, 1)


def test_repeated_lines_give_a_minimal_diff() -> None:
    text = "Study linear algebra.\nThen practise on real data.\n" * 5000
    lines = text.splitlines(keepends=True)
    lines[6000] = "A change.\n"
    diff = unified_diff(text, "".join(lines), before_name="a", after_name="b")
    assert _changed_lines(diff) == (1, 1)  # difflib's junk rule gives ~2,000 here


def test_unchanged_pages_plan_from_hashes_without_synced_text() -> None:
    local = {"a": LocalPage("a", "same\n"), "b": LocalPage("b", "new\n")}
    synced = {
        "a": SyncedPage("a", "r1", None, content_hash=local["a"].digest),
        "b": SyncedPage("b", "r2", "old\n"),
    }
    remote = {"a": RemotePage("a", "r1"), "b": RemotePage("b", "r2")}
    plan = build_plan(local=local, remote=remote, synced=synced)
    kinds = {a.page: a.kind for a in plan.actions}
    assert kinds == {"a": Kind.UNCHANGED, "b": Kind.UPDATE}


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet=" \t\r\n\ufeffab#-*", max_size=60))
def test_normalize_shortcut_returns_only_texts_already_normal(text: str) -> None:
    if _is_normal(text):
        assert _normalize_lines(text) == text
    assert normalize(text) == _normalize_lines(text)
