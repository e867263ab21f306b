"""Positioned problems (errors and warnings) and the exception that carries them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of a document: where it is, how bad, its code and what to do about it."""

    filename: str | None
    line: int
    col: int | None
    code: int
    message: str
    severity: str = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def sort_key(self) -> tuple[int, int, int]:
        return (self.line, self.col or 0, self.code)

    def format(self, source: str | None = None) -> str:
        """`file:line[:col]: severity: message`, then the source line and a caret when known."""
        where = f"{self.filename or '<string>'}:{self.line}"
        if self.col is not None:
            where += f":{self.col}"
        head = f"{where}: {self.severity}: {self.message}"
        if source is None:
            return head
        lines = source.splitlines()
        if not 1 <= self.line <= len(lines):
            return head
        text = lines[self.line - 1].expandtabs(1)
        snippet = f"{head}\n    {text}"
        if self.col is not None:
            snippet += "\n    " + " " * (self.col - 1) + "^"
        return snippet

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.filename,
            "line": self.line,
            "col": self.col,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }


class RcmlError(Exception):
    """A document has errors; `.errors` lists every one of them (warnings are not included)."""

    def __init__(self, errors: Iterable[Problem]) -> None:
        self.errors = sorted(errors, key=Problem.sort_key)
        super().__init__(self._summary())

    def _summary(self) -> str:
        if not self.errors:
            return "invalid document"
        first = self.errors[0].format()
        more = len(self.errors) - 1
        return first + (f" (and {more} more problem{'s' * (more != 1)})" if more else "")


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=Problem.sort_key)
