"""User-facing errors of the domain.

A `UserError` is bad input an officer can fix (a file, a row, a key); the command line prints its
message and exits 1 without a traceback. Anything else is a bug and keeps its traceback.
"""

from collections.abc import Sequence
from dataclasses import dataclass


class UserError(Exception):
    """Bad input: the message says what and where, in words an officer understands."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file, located as precisely as the format allows."""

    file: str
    line: int | None
    path: str
    message: str
    severity: str = "error"  # "error" blocks an import; "warning" does not

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.path}: {self.message}"


class ValidationFailed(UserError):
    """An input file has errors; `problems` lists every one of them, not just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        super().__init__("\n".join(str(p) for p in errors))
