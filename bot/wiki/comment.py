"""``plan --format markdown``: the plan as one pull-request comment. Pure.

A summary table (page, action, +/- lines, who last edited the wiki page) and one
collapsible unified diff per page. The diffs are the plan's own, byte for byte; when the
whole comment would pass GitHub's 65,536-character limit, the longest diffs are cut at a
line boundary with a note saying how many lines were left out.
"""

from __future__ import annotations

import html
import re

from bot.wiki.plan import Kind, PageAction, Plan, settings_text

MARKER = "<!-- wikibot-plan -->"
GITHUB_COMMENT_LIMIT = 65_536
_SAFETY = 512  # room for a footer a workflow may add
_BACKTICKS = re.compile(r"`{3,}")


def render_markdown(plan: Plan, *, limit: int = GITHUB_COMMENT_LIMIT, diffs: bool = True) -> str:
    """The whole comment, at most ``limit`` characters; ``diffs=False`` gives the table only."""
    head = _head(plan)
    shown = [a for a in plan.actions if diffs and a.diff and a.kind != Kind.REMOTE_ONLY]
    wrappers = {a.page: _details(a, "") for a in shown}
    budget = limit - _SAFETY - len(head) - sum(len(w) for w in wrappers.values())
    fitted = _fit(shown, budget=max(0, budget))
    text = "".join([head, *(_details(a, fitted[a.page]) for a in shown)])
    if len(text) > limit:  # only with thousands of pages: even the table is too long
        note = "\n\n... comment cut: too many pages for one comment; run `wikibot plan`\n"
        text = text[: limit - len(note)] + note
    return text


def _head(plan: Plan) -> str:
    counts = plan.counts()
    lines = [
        MARKER,
        "### wikibot plan",
        "",
        (
            f"**{counts['create']}** to create, **{counts['update']}** to update, "
            f"**{counts['drift']}** drift, **{counts['conflict']}** conflict(s), "
            f"{counts['unchanged']} unchanged, {counts['remote-only']} only on the wiki."
        ),
        "",
    ]
    if not plan.has_changes:
        lines += ["No changes: the wiki matches the files.", ""]
    lines += [
        "| page | action | lines | last wiki edit by | note |",
        "| --- | --- | ---: | --- | --- |",
    ]
    for action in plan.actions:
        added, removed = action.stats()
        lines.append(
            "| "
            + " | ".join(
                [
                    f"`{action.page}`",
                    action.kind.value,
                    f"+{added} -{removed}" if action.diff else "",
                    _cell(f"u/{action.remote_author}" if action.remote_author else "—"),
                    _cell(_note(action)),
                ]
            )
            + " |"
        )
    return "\n".join(lines) + "\n\n"


def _note(action: PageAction) -> str:
    notes = [action.note] if action.note else []
    if action.settings:
        notes.append(f"settings → {settings_text(action)}")
    if action.settings_drift:
        listed, permlevel = action.settings_drift
        notes.append(
            f"settings changed on the wiki to listed={listed} permlevel={permlevel} "
            f"(`wikibot pull {action.page}` adopts)"
        )
    return "; ".join(notes)


def _cell(text: str) -> str:
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def _details(action: PageAction, diff: str) -> str:
    added, removed = action.stats()
    fence = "`" * max(3, 1 + max((len(m) for m in _BACKTICKS.findall(diff)), default=0))
    body = diff if diff.endswith("\n") or not diff else diff + "\n"
    return (
        f"<details><summary><code>{html.escape(action.page)}</code>: {action.kind.value} "
        f"(+{added} -{removed})</summary>\n\n{fence}diff\n{body}{fence}\n\n</details>\n"
    )


def _fit(actions: list[PageAction], *, budget: int) -> dict[str, str]:
    """Each page's diff, the longest cut so that all together fit in ``budget``."""
    result: dict[str, str] = {}
    left = budget
    by_size = sorted(actions, key=lambda a: len(a.diff))
    for index, action in enumerate(by_size):
        share = left // (len(by_size) - index)
        result[action.page] = action.diff if len(action.diff) <= share else _cut(action, share)
        left -= len(result[action.page]) + 8  # a longer fence, if the cut changes it
    return result


def _cut(action: PageAction, size: int) -> str:
    """The diff's first lines within ``size`` characters, then a note on what was left out."""
    lines = action.diff.splitlines(keepends=True)
    note_room = 160
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) > size - note_room:
            break
        kept.append(line)
        used += len(line)
    left_out = len(lines) - len(kept)
    return "".join(kept) + (
        f"... diff cut here: {left_out} more line(s) not shown; "
        f"run `wikibot plan {action.page}` for the whole diff\n"
    )
