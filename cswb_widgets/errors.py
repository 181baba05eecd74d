"""User-facing errors: each one prints as a single clear line, never as a traceback."""

from __future__ import annotations

import errno
from dataclasses import dataclass

from .i18n import N_, _, ngettext


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
            where.append(self.file + (_(" [sheet {sheet}]").format(sheet=self.sheet) if self.sheet else ""))
        elif self.sheet:
            where.append(_("sheet {sheet}").format(sheet=self.sheet))
        if self.row is not None:
            where.append(_("row {row}").format(row=self.row))
        if self.column is not None:
            where.append(_("column '{column}'").format(column=self.column))
        return (_("{where}: {message}").format(where=", ".join(where), message=self.message) if where else self.message)


class InputError(CswbError):
    """Input was refused; nothing was written. Holds every problem found."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        first = str(self.problems[0])
        more = len(self.problems) - 1
        return first + (ngettext(" (and {count} more problem)", " (and {count} more problems)", more).format(count=more) if more else "")


class CswbWarning(UserWarning):
    """Something the user should know about that did not stop the work."""


# What to do about the file-system errors a user's path or disk can cause.
_OS_ERROR_ADVICE = {
    errno.ENOENT: N_("no such file or folder; check the path"),
    errno.ENOTDIR: N_("a part of this path is a file, not a folder; choose another path"),
    errno.EISDIR: N_("this is a folder; give a file's path"),
    errno.EEXIST: N_("something is already there; choose another path"),
    errno.EACCES: N_("permission denied; choose a place you may read and write, or ask whoever runs this machine"),
    errno.EPERM: N_("not permitted; choose a place you may read and write, or ask whoever runs this machine"),
    errno.EROFS: N_("the disk is read-only; choose a place you may write"),
    errno.ENOSPC: N_("the disk is full; free some space and try again"),
    errno.EDQUOT: N_("the disk quota is used up; free some space and try again"),
}


def os_error_line(error: OSError) -> str:
    """One line for a file-system error: the path it is about, what happened and what to do."""
    advice = _OS_ERROR_ADVICE.get(error.errno or 0)
    what = (_(advice) if advice else None) or error.strerror or str(error) or type(error).__name__
    return f"{error.filename}: {what}" if error.filename is not None else what
