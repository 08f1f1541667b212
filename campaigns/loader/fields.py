"""Typed access to YAML nodes: each accessor either returns a value or records a located problem.

Strings are NFC-normalised here (the reader normalises the file too; this keeps values built
from other inputs honest). Nothing in this module raises on bad input.
"""

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from typing import TypeVar
from zoneinfo import ZoneInfo

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from campaigns.errors import Problem
from campaigns.loader.reader import line_of

T = TypeVar("T")

KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_TEXTUAL = ("str", "int", "float", "timestamp")
# Campaign dates stay far from datetime's limits, where a day more or a zone shift overflows.
MIN_YEAR, MAX_YEAR = 2000, 2999


def _tag(node: Node) -> str:
    return str(node.tag).rsplit(":", 1)[-1]


def describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    tag = _tag(node)
    return {"null": "nothing", "bool": "true/false", "int": "a number", "float": "a number"}.get(
        tag, f"{node.value!r}"
    )


def suggestion(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' when a choice is close to `word`, else ''."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


# Bidirectional embeddings, overrides and isolates: they can make a text read differently
# from what it says (a post or a file name disguised), and no campaign text needs them.
_BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def hostile_character(text: str) -> str:
    """Why `text` cannot be published as written ('' when it can): a control character other
    than tab and line breaks, or a bidirectional override that disguises what it says."""
    for i, ch in enumerate(text):
        if ch in _BIDI_CONTROLS:
            return (
                f"contains a bidirectional control character (U+{ord(ch):04X}) at character "
                f"{i + 1}, which can disguise what the text says; remove it"
            )
        if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r":
            return f"contains a control character (U+{ord(ch):04X}) at character {i + 1}; remove it"
    return ""


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class Checker:
    """Collects every problem of one file; accessors never stop at the first."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.problems: list[Problem] = []

    def error(self, where: Node | int | None, path: str, message: str) -> None:
        self._add(where, path, message, "error")

    def warn(self, where: Node | int | None, path: str, message: str) -> None:
        self._add(where, path, message, "warning")

    def _add(self, where: Node | int | None, path: str, message: str, severity: str) -> None:
        line = line_of(where) if isinstance(where, Node) else where
        self.problems.append(Problem(self.display, line, path, message, severity))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    # ---------------------------------------------------------------- structure

    def mapping(
        self, node: Node, path: str, allowed: Sequence[str], required: Sequence[str] = ()
    ) -> "Obj | None":
        """The fields of a mapping; unknown, duplicate and missing keys are reported."""
        if not isinstance(node, MappingNode):
            self.error(node, path, f"expected a mapping of fields, got {describe(node)}")
            return None
        fields: dict[str, Node] = {}
        key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            sub = f"{path}." if path else ""
            if not isinstance(key_node, ScalarNode):
                self.error(key_node, path or "file", "a field name must be plain text")
                continue
            key = nfc(str(key_node.value))
            if key in fields:
                self.error(
                    key_node, f"{sub}{key}", f"duplicate key (first at line {key_lines[key]})"
                )
                continue
            if key not in allowed:
                self.error(key_node, f"{sub}{key}", f"unknown key{suggestion(key, allowed)}")
                continue
            fields[key] = value_node
            key_lines[key] = line_of(key_node)
        for name in required:
            if name not in fields or _tag(fields[name]) == "null":
                where = fields.get(name, node)
                self.error(where, f"{path}.{name}" if path else name, "missing required field")
        return Obj(self, node, path, fields)

    def sequence(self, node: Node | None, path: str) -> list[Node]:
        """Items of a list; a single scalar counts as a one-item list."""
        if node is None or (isinstance(node, ScalarNode) and _tag(node) == "null"):
            return []
        if isinstance(node, SequenceNode):
            return list(node.value)
        if isinstance(node, ScalarNode):
            return [node]
        self.error(node, path, f"expected a list, got {describe(node)}")
        return []

    # ---------------------------------------------------------------- scalars

    def text(self, node: Node, path: str) -> str | None:
        if isinstance(node, ScalarNode) and _tag(node) in _TEXTUAL:
            value = nfc(str(node.value))
            # ruamel marks where a folded scalar (`>-`) was folded with BEL: not the author's.
            hidden = hostile_character(value.replace("\a", " "))
            if hidden:
                self.error(node, path, hidden)
                return None
            return value
        self.error(node, path, f"expected text, got {describe(node)}")
        return None

    def key(self, node: Node, path: str, max_len: int = 80) -> str | None:
        value = self.text(node, path)
        if value is None:
            return None
        if not KEY_RE.match(value) or len(value) > max_len:
            self.error(
                node,
                path,
                f"'{value}' is not a valid key (letters, digits, '-', '_', '.', at most "
                f"{max_len} characters)",
            )
            return None
        return value

    def number(self, node: Node, path: str) -> float | None:
        if isinstance(node, ScalarNode) and _tag(node) in ("int", "float", "str"):
            try:
                value = float(str(node.value).replace("_", ""))
            except ValueError:
                value = float("nan")
            if value == value and value not in (float("inf"), float("-inf")):
                return value
            if _tag(node) != "str":
                self.error(node, path, f"{_short(str(node.value))} is not a finite number")
                return None
        self.error(node, path, f"expected a number, got {describe(node)}")
        return None

    def boolean(self, node: Node, path: str) -> bool | None:
        if isinstance(node, ScalarNode) and _tag(node) == "bool":
            return str(node.value).lower() in ("true", "yes", "on")
        self.error(node, path, f"expected true or false, got {describe(node)}")
        return None

    def day(self, node: Node, path: str) -> date | None:
        raw = self.text(node, path)
        if raw is None:
            return None
        parsed = parse_date(raw)
        if parsed is None:
            self.error(node, path, f"'{raw}' is not a date (YYYY-MM-DD)")
        elif not MIN_YEAR <= parsed.year <= MAX_YEAR:
            self.error(node, path, f"'{raw}' is outside the years {MIN_YEAR}-{MAX_YEAR}")
            return None
        return parsed

    def moment(self, node: Node, path: str, zone: ZoneInfo) -> datetime | None:
        """A date and time; without an offset it is in the campaign's zone."""
        raw = self.text(node, path)
        if raw is None:
            return None
        parsed = parse_datetime(raw, zone)
        if parsed is None:
            self.error(
                node, path, f"'{raw}' is not a date and time (YYYY-MM-DD HH:MM, optional offset)"
            )
        elif not MIN_YEAR <= parsed.year <= MAX_YEAR:
            self.error(node, path, f"'{raw}' is outside the years {MIN_YEAR}-{MAX_YEAR}")
            return None
        return parsed

    def clock(self, node: Node, path: str) -> time | None:
        raw = self.text(node, path)
        if raw is None:
            return None
        m = TIME_RE.match(raw.strip())
        if m is None:
            self.error(node, path, f"'{raw}' is not a time of day (HH:MM)")
            return None
        return time(int(m.group(1)), int(m.group(2)))

    def choice(self, node: Node, path: str, allowed: Sequence[str], what: str) -> str | None:
        value = self.text(node, path)
        if value is None:
            return None
        if value not in allowed:
            self.error(
                node,
                path,
                f"unknown {what} '{value}'{suggestion(value, allowed)}; expected one of "
                + ", ".join(allowed),
            )
            return None
        return value


def parse_date(raw: str) -> date | None:
    raw = raw.strip()
    for parse in (date.fromisoformat, lambda s: datetime.strptime(s, "%d/%m/%Y").date()):
        try:
            if len(raw) >= 8:
                return parse(raw)
        except ValueError:
            continue
    return None


def parse_datetime(raw: str, zone: ZoneInfo) -> datetime | None:
    raw = raw.strip()
    if len(raw) <= 10:  # a bare date has no time: refuse rather than guess midnight
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value


class Obj:
    """The fields of one mapping, with typed accessors that report located problems."""

    def __init__(self, checker: Checker, node: Node, path: str, fields: dict[str, Node]) -> None:
        self.checker = checker
        self.node = node
        self.path = path
        self.fields = fields

    @property
    def line(self) -> int:
        return line_of(self.node)

    def sub(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def has(self, name: str) -> bool:
        node = self.fields.get(name)
        return node is not None and not (isinstance(node, ScalarNode) and _tag(node) == "null")

    def node_of(self, name: str) -> Node:
        return self.fields.get(name, self.node)

    def line_of(self, name: str) -> int:
        return line_of(self.node_of(name))

    def get(self, name: str, convert: Callable[[Node, str], T | None]) -> T | None:
        if not self.has(name):
            return None
        return convert(self.fields[name], self.sub(name))

    def text(self, name: str, default: str = "") -> str:
        value = self.get(name, self.checker.text)
        return default if value is None else value

    def texts(self, name: str) -> tuple[str, ...]:
        items = self.checker.sequence(self.fields.get(name), self.sub(name))
        out: list[str] = []
        for i, item in enumerate(items):
            value = self.checker.text(item, f"{self.sub(name)}[{i}]")
            if value is not None:
                out.append(value)
        return tuple(out)

    def items(self, name: str) -> list[tuple[int, Node]]:
        return list(enumerate(self.checker.sequence(self.fields.get(name), self.sub(name))))
