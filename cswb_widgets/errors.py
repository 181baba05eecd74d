"""User-facing errors: each one prints as a single clear line, never as a traceback."""

from __future__ import annotations

import errno
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


# What to do about the file-system errors a user's path or disk can cause.
_OS_ERROR_ADVICE = {
    errno.ENOENT: "no such file or folder; check the path",
    errno.ENOTDIR: "a part of this path is a file, not a folder; choose another path",
    errno.EISDIR: "this is a folder; give a file's path",
    errno.EEXIST: "something is already there; choose another path",
    errno.EACCES: "permission denied; choose a place you may read and write, or ask whoever runs this machine",
    errno.EPERM: "not permitted; choose a place you may read and write, or ask whoever runs this machine",
    errno.EROFS: "the disk is read-only; choose a place you may write",
    errno.ENOSPC: "the disk is full; free some space and try again",
    errno.EDQUOT: "the disk quota is used up; free some space and try again",
}


def os_error_line(error: OSError) -> str:
    """One line for a file-system error: the path it is about, what happened and what to do."""
    what = _OS_ERROR_ADVICE.get(error.errno or 0) or error.strerror or str(error) or type(error).__name__
    return f"{error.filename}: {what}" if error.filename is not None else what
