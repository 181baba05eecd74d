"""Bulk import of survey exports into feedback."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from cswb_widgets.errors import InputError
from cswb_widgets.store import Workspace
from cswb_widgets.store.survey import import_survey, read_survey


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace.create(tmp_path / "ws", name="Town", kind="municipality")
    ws.add("engagement_activities", id="act-survey", title="Online survey", method="survey_online")
    return ws


def _survey_csv(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_bytes(
        "\ufeffSubmitted on;What worries you most about safety?;What would help?;Age group\r\n"
        "2024-05-01;Rent keeps going up and people get evicted;More youth drop-in hours;18-24\r\n"
        "2024-05-02;;Better street lighting;65+\r\n"
        "2024-05-03;Opioid overdoses downtown;;45-64\r\n"
        ";;;\r\n".encode("utf-8")
    )
    return path


def test_each_answer_becomes_a_feedback_item_with_its_question(ws: Workspace, tmp_path: Path) -> None:
    survey = read_survey(_survey_csv(tmp_path))
    assert survey.questions[1] == "What worries you most about safety?"
    added = import_survey(
        ws, survey,
        answer_columns=["What worries you most about safety?", "what would help?"],
        activity_id="act-survey", date_column="Submitted on", group_column="age group", tag_with_suggestions=True,
    )
    assert added == 4
    feedback = ws.table("feedback")
    assert feedback["text"].tolist() == [
        "Rent keeps going up and people get evicted", "More youth drop-in hours",
        "Better street lighting", "Opioid overdoses downtown",
    ]
    assert feedback["question"].tolist()[:2] == ["What worries you most about safety?", "What would help?"]
    assert feedback["participant_group"].tolist() == ["18-24", "18-24", "65+", "45-64"]
    assert set(feedback["activity_id"]) == {"act-survey"}
    assert "housing" in feedback["risk_categories"].iloc[0]
    assert "drugs" in feedback["risk_categories"].iloc[3]


def test_bad_date_names_the_survey_column_and_nothing_is_written(ws: Workspace, tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["When", "Comment"])
    book.active.append(["2024-05-01", "fine"])
    book.active.append(["last Tuesday", "not fine"])
    path = tmp_path / "survey.xlsx"
    book.save(path)
    with pytest.raises(InputError) as caught:
        import_survey(ws, read_survey(path), answer_columns=["Comment"], date_column="When")
    assert str(caught.value) == f"{path} [sheet Sheet], row 3, column 'When': expected a date as YYYY-MM-DD, got 'last Tuesday'"
    assert ws.count("feedback") == 0


def test_unknown_column_lists_the_columns(ws: Workspace, tmp_path: Path) -> None:
    survey = read_survey(_survey_csv(tmp_path))
    with pytest.raises(InputError, match="no column 'Comments' in this file; columns: Submitted on, What worries"):
        import_survey(ws, survey, answer_columns=["Comments"])
    with pytest.raises(InputError, match="choose at least one column"):
        import_survey(ws, survey, answer_columns=[])
