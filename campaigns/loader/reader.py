"""Reading a YAML file into a node tree that knows its line numbers, without ever raising.

ruamel.yaml's composer gives every node (keys and scalars included) a start mark, and does not
reject duplicate keys itself, so validation can report each duplicate and keep going.
"""

import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import Node

from campaigns.errors import Problem


@dataclass
class RawFile:
    """What was read: the bytes (for the source hash), the node tree, and reading problems."""

    data: bytes
    root: Node | None
    problems: list[Problem]


def line_of(node: Node) -> int:
    """1-based line of a node (ruamel counts from 0)."""
    return int(node.start_mark.line) + 1


def _decode(data: bytes, display: str) -> tuple[str | None, list[Problem]]:
    try:
        text = data.decode("utf-8-sig")  # a BOM from Windows editors is harmless
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Problem(display, line, "file", "is not valid UTF-8 text")]
    # CRLF and lone CR become LF; NFC so Vietnamese typed decomposed compares and counts right.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text), []


def read_yaml(path: Path, display: str) -> RawFile:
    """Read `path`; every failure (missing file, bad encoding, YAML syntax) becomes a Problem."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        return RawFile(b"", None, [Problem(display, None, "file", f"cannot read: {reason}")])
    text, problems = _decode(data, display)
    if text is None:
        return RawFile(data, None, problems)
    yaml = YAML(typ="rt")
    try:
        root = yaml.compose(io.StringIO(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark is not None else None
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        return RawFile(data, None, [Problem(display, line, "yaml", what or "YAML syntax error")])
    except YAMLError as exc:
        # ReaderError (control characters) carries a character position, not a line.
        position = getattr(exc, "position", None)
        line = text[:position].count("\n") + 1 if isinstance(position, int) else None
        return RawFile(data, None, [Problem(display, line, "yaml", _short(exc))])
    return RawFile(data, root, [])


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__
