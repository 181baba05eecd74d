"""Bulk import of survey exports (one row per respondent, one column per question).

Survey tools export wide tables whose headers are the questions themselves.
The user picks which columns hold open answers; every non-blank answer becomes
one feedback item, with the question kept beside it. Like every import it is
validated first and written in one transaction, or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Problem
from ..framework import load_catalogue
from ..i18n import _
from .tabular import Sheet, read_csv, read_xlsx
from .validation import is_blank
from .workspace import Workspace


@dataclass(frozen=True)
class SurveyFile:
    """A survey export as read: its questions (original header text) and rows."""

    file: str
    questions: tuple[str, ...]  # header cells as written, in order
    sheet: Sheet


def read_survey(path: str | Path, *, display: str | None = None) -> SurveyFile:
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        sheets = read_xlsx(path, display=display)
        if not sheets:
            raise InputError(Problem(_("the workbook has no rows"), file=display or str(path)))
        sheet = sheets[0]
    else:
        sheet = read_csv(path, display=display)
    questions = tuple(sheet.original_header or sheet.header)
    return SurveyFile(sheet.file, questions, sheet)


def import_survey(
    ws: Workspace,
    survey: SurveyFile,
    *,
    answer_columns: list[str],
    activity_id: str | None = None,
    date_column: str | None = None,
    group_column: str | None = None,
    tag_with_suggestions: bool = False,
) -> int:
    """Add one feedback item per non-blank answer; return how many were added.

    Columns are named as in the file's header (any case). With
    `tag_with_suggestions`, each item gets the risk categories the catalogue's
    keywords suggest, for the group to review.
    """
    if not answer_columns:
        raise InputError(Problem(_("choose at least one column that holds answers"), file=survey.file))
    # any spelling of a question -> (the question as written, its normalized header key)
    columns = {q.strip().lower(): (q, key) for q, key in zip(survey.questions, survey.sheet.header, strict=False)}

    def column_of(name: str) -> tuple[str, str]:
        found = columns.get(name.strip().lower())
        if found is None:
            raise InputError(
                Problem(_("no column '{name}' in this file; columns: {columns}").format(name=name, columns=", ".join(survey.questions)),
                        file=survey.file)
            )
        return found

    answers = [column_of(name) for name in answer_columns]
    date_key = column_of(date_column)[1] if date_column is not None else None
    group_key = column_of(group_column)[1] if group_column is not None else None
    suggest = load_catalogue().suggest_categories if tag_with_suggestions else None
    records: list[tuple[dict[str, object], dict[str, object]]] = []
    for row_number, raw in survey.sheet.rows:
        where: dict[str, object] = {"file": survey.file, "sheet": survey.sheet.sheet, "row": row_number}
        for question, key in answers:
            text = raw.get(key)
            if is_blank(text):
                continue
            record: dict[str, object] = {
                "text": text,
                "question": question,
                "activity_id": activity_id,
                "date": raw.get(date_key) if date_key else None,
                "participant_group": raw.get(group_key) if group_key else None,
            }
            if suggest is not None:
                record["risk_categories"] = suggest(str(text))
            records.append((record, where))
    try:
        with ws.batch(f"import survey {Path(survey.file).name}"):
            for record, where in records:
                ws.upsert("feedback", record, insert_only=True, where=where)
    except InputError as exc:
        # Speak of the survey's own columns, not of the feedback table's.
        names = {"date": date_column, "participant_group": group_column}
        raise InputError(
            [Problem(p.message, p.file, p.sheet, p.row, names.get(p.column or "") or p.column) for p in exc.problems]
        ) from None
    return len(records)
