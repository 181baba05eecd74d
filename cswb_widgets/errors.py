"""User-facing errors: each one prints as a single clear line, never as a traceback."""

from __future__ import annotations

from dataclasses import dataclass


class CswbError(Exception):
    """A problem caused by the user's input or environment, not by a bug."""


class WorkspaceError(CswbError):
    """The workspace cannot be opened, created or changed as asked."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or row, or file) of an input."""

    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file + (f" [sheet {self.sheet}]" if self.sheet else ""))
        elif self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return (", ".join(where) + ": " if where else "") + self.message


class InputError(CswbError):
    """Input was refused; nothing was written. Holds every problem found."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        first = str(self.problems[0])
        more = len(self.problems) - 1
        return first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


class CswbWarning(UserWarning):
    """Something the user should know about that did not stop the work."""
