"""Read a YAML document people edit, and report its faults in one shape.

Every fault of ``config/bot.yaml``, ``replies.yaml``, a page's front matter, the learning
side's YAML (and, through ``Fault``, the JSON model file) is one line::

    <file>[:<line>]: [<key>: ]<problem>[; <what to do>]

``Fault`` is that line's parts; each caller turns it into its own exception (its exit
code): ``config_error`` (``ConfigError``, exit 2) by default, ``input_error`` for page
files (``InputError`` keeps ``path`` and ``line`` for ``wikibot check``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError, InputError, WikibotError, shown_path

SYNTAX_FIX = "check the indentation, colons and quotes there"
UTF8_FIX = "save the file as UTF-8"
MAX_SHOWN = 60  # characters of a wrong value shown in an error


@dataclass(frozen=True)
class Fault:
    """One fault of a file: where, which key, what is wrong, what to do."""

    file: str
    problem: str
    key: str = ""
    fix: str = ""
    line: int | None = None

    @property
    def detail(self) -> str:
        """``key: problem; fix`` (the line without the file)."""
        key = f"{self.key}: " if self.key else ""
        fix = f"; {self.fix}" if self.fix else ""
        return f"{key}{self.problem}{fix}"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.detail}"


ErrorFor = Callable[[Fault], WikibotError]
# The line of each key path (``audiences.engineers[2].decisive``) of the files read last, so
# a fault found after parsing (a wrong value, an unknown key) can name its line.
_KEY_LINES: dict[str, dict[str, int]] = {}
_FILES_REMEMBERED = 16


def config_error(fault: Fault) -> ConfigError:
    """A configuration file's fault: ``ConfigError`` (exit 2), on the line of its key when
    the file was read here and the fault names no line."""
    if fault.line is None and fault.key:
        fault = replace(fault, line=_KEY_LINES.get(fault.file, {}).get(fault.key))
    return ConfigError(str(fault))


def input_error(fault: Fault) -> InputError:
    """A page file's fault: ``InputError`` with its path and line."""
    return InputError(fault.detail, path=Path(fault.file), line=fault.line)


def read_problem(exc: OSError | UnicodeDecodeError, *, what: str) -> tuple[str, str]:
    """The problem and what to do when a file exists but cannot be read as text."""
    if isinstance(exc, UnicodeDecodeError):
        return f"the {what} is not UTF-8 text", UTF8_FIX
    return f"cannot read the {what} ({exc.strerror or exc})", "check the file and its permissions"


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: str, *, line: int, first: int) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key, self.line, self.first = key, line, first


def _refuse_duplicates(
    node: yaml.Node, *, path: str, seen: set[int], lines: dict[str, int]
) -> None:
    """Raise ``_DuplicateKey`` for a key given twice in one mapping below ``node``: YAML
    would silently keep the last value. ``path`` is the node's key path (``a.b[2]``);
    ``lines`` gets each key path's line (0-based)."""
    if id(node) in seen:  # an alias of a node already walked
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.setdefault(f"{path}[{index}]", item.start_mark.line)
            _refuse_duplicates(item, path=f"{path}[{index}]", seen=seen, lines=lines)
    elif isinstance(node, yaml.MappingNode):
        first: dict[tuple[str, str], int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # '<<': its keys may be overridden
                continue
            name = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            dotted = f"{path}.{name}" if path else name
            line = key_node.start_mark.line
            lines.setdefault(dotted, line)
            if isinstance(key_node, yaml.ScalarNode):
                if (key_node.tag, name) in first:
                    raise _DuplicateKey(dotted, line=line, first=first[key_node.tag, name])
                first[key_node.tag, name] = line
            _refuse_duplicates(value_node, path=dotted, seen=seen, lines=lines)


def _safe_load_unique(text: str, *, key: str, lines: dict[str, int]) -> Any:
    """``yaml.safe_load`` that refuses a key given twice in a mapping (plain data only)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _refuse_duplicates(node, path=key, seen=set(), lines=lines)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_yaml(
    path: Path, *, what: str, fix: str = "check the path", error: ErrorFor = config_error
) -> dict[str, Any]:
    """A YAML file whose top level is a mapping (an empty file is an empty one).

    ``what`` names the file in errors ("reply rules file"); ``fix`` says what to do when it
    does not exist.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(Fault(str(path), f"{what} not found", fix=fix)) from None
    except (OSError, UnicodeDecodeError) as exc:
        problem, read_fix = read_problem(exc, what=what)
        raise error(Fault(shown_path(path), problem, fix=read_fix)) from None
    data = parse_yaml(text, file=shown_path(path), error=error)
    return expect_mapping({} if data is None else data, file=shown_path(path), error=error)


def parse_yaml(
    text: str, *, file: str, key: str = "", first_line: int = 1, error: ErrorFor = config_error
) -> Any:
    """``yaml.safe_load`` of ``text`` (no Python objects); a syntax error or a key given
    twice in one mapping names the line.

    ``key`` names the part of the file the text is (``front matter``); ``first_line`` is
    the file's line number of the text's first line (front matter starts on line 2).
    """
    lines: dict[str, int] = {}
    try:
        data = _safe_load_unique(text, key=key, lines=lines)
    except _DuplicateKey as exc:
        problem = f"given twice (first on line {first_line + exc.first}): YAML would keep the last"
        fix = "remove one of them"
        raise error(
            Fault(file, problem, key=exc.key, fix=fix, line=first_line + exc.line)
        ) from None
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or "invalid YAML"
        mark = getattr(exc, "problem_mark", None)
        if "end of stream" in problem or "<stream end>" in problem:  # never closed:
            mark = getattr(exc, "context_mark", None) or mark  # where it was opened
        line = first_line + mark.line if mark is not None else first_line
        raise error(
            Fault(file, f"YAML syntax error: {problem}", key=key, fix=SYNTAX_FIX, line=line)
        ) from None
    _KEY_LINES.pop(file, None)  # the newest reading last; the oldest forgotten
    _KEY_LINES[file] = {path: first_line + line for path, line in lines.items()}
    while len(_KEY_LINES) > _FILES_REMEMBERED:
        del _KEY_LINES[next(iter(_KEY_LINES))]
    return data


def expect_mapping(
    value: Any,
    *,
    file: str,
    key: str = "",
    expected: str = "a mapping of 'key: value' lines",
    line: int | None = None,
    error: ErrorFor = config_error,
) -> dict[str, Any]:
    """``value`` as a mapping with text keys (``key`` names it; none: the top level)."""
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return value
    where = "" if key else " at the top level"
    raise error(
        wrong_value(file=file, key=key, expected=f"{expected}{where}", value=value, line=line)
    )


def wrong_value(
    *, file: str, key: str, expected: str, value: object, line: int | None = None, fix: str = ""
) -> Fault:
    """``key: expected <expected>, got <value>`` (a long value cut short)."""
    shown = repr(value)
    if len(shown) > MAX_SHOWN:
        shown = f"{shown[: MAX_SHOWN - 3]}..."
    return Fault(file, f"expected {expected}, got {shown}", key=key, fix=fix, line=line)


def unknown_keys(
    data: Mapping[str, Any],
    known: Collection[str],
    *,
    file: str,
    prefix: str = "",
    what: str = "key",
    line_of: Callable[[str], int | None] | None = None,
) -> list[Fault]:
    """One fault per key of ``data`` not in ``known``, with a "did you mean" when one is
    close (``prefix`` goes before the key: ``schedule.``, ``front matter.``)."""
    names = sorted(known)
    faults = []
    for key in data:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), names, n=1)
        listed = ", ".join(names)
        fix = (
            f"did you mean {close[0]}? (known: {listed})"
            if close
            else f"remove it or use a known {what} ({listed})"
        )
        line = line_of(str(key)) if line_of is not None else None
        faults.append(Fault(file, f"unknown {what}", key=f"{prefix}{key}", fix=fix, line=line))
    return faults


def reject_unknown(
    data: Mapping[str, Any],
    known: Collection[str],
    *,
    file: str,
    prefix: str = "",
    what: str = "key",
    error: ErrorFor = config_error,
) -> None:
    """Raise the first of ``unknown_keys``."""
    for fault in unknown_keys(data, known, file=file, prefix=prefix, what=what):
        raise error(fault)
