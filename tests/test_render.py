"""Static HTML for report mode: escaping, table semantics, privacy, coverage, guidance, header, colours."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from cswb_widgets import render
from cswb_widgets.framework import load_catalogue
from cswb_widgets.model.readiness import Check, StageSummary, assess, consultation_coverage, seat_coverage
from cswb_widgets.store import Workspace
from cswb_widgets.store.schema import table as table_spec

HOSTILE = "<img src=x onerror=alert(1)>"
STAGES = ("commitment", "buy_in", "risk", "assets", "evaluation", "implementation")


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.create(tmp_path / "ws", name="Test Town", kind="municipality") as workspace:
        yield workspace


def _markup(html: str) -> str:
    """The HTML without its inline stylesheet (whose selectors mention attributes too)."""
    return html.split("</style>", 1)[-1]


def test_render_imports_no_widget_library() -> None:
    code = "import sys, cswb_widgets.render; sys.exit(any(m in sys.modules for m in ('ipywidgets', 'anywidget')))"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_escape_covers_text_and_attributes() -> None:
    assert render.escape(HOSTILE) == "&lt;img src=x onerror=alert(1)&gt;"
    assert render.escape("\" onclick='x'") == "&#34; onclick=&#39;x&#39;"
    assert render.escape(None) == "" and render.escape(5) == "5"


# --- Tables ----------------------------------------------------------------------------------


def test_table_html_has_caption_header_scopes_and_escaped_cells() -> None:
    frame = pd.DataFrame({"name": [HOSTILE, "Ben"], "organization_id": ["<b>Org</b>", None]})
    html = render.table_html(
        frame, caption="Members & <guests>", row_header="name", labels={"name": "Full <name>"}
    )
    markup = _markup(html)
    assert "<caption>Members &amp; &lt;guests&gt;</caption>" in markup
    assert '<th scope="col">Full &lt;name&gt;</th><th scope="col">Organization</th>' in markup
    assert '<th scope="row">&lt;img src=x onerror=alert(1)&gt;</th><td>&lt;b&gt;Org&lt;/b&gt;</td>' in markup
    assert "<td></td>" in markup  # a blank is blank, not "None"
    assert "<img" not in markup and "<b>" not in markup


def test_table_html_says_when_empty_and_can_leave_out_the_style() -> None:
    html = render.table_html(pd.DataFrame({"name": []}), style=False, empty_text="Nobody yet.")
    assert not html.startswith("<style>")
    assert '<td class="cswb-empty" colspan="1">Nobody yet.</td>' in html


def test_static_tables_never_show_contact_columns() -> None:
    assert render.PRIVATE_COLUMNS == {"email", "phone", "device"}  # device: a ballot's phone fingerprint
    frame = pd.DataFrame({"name": ["Ana"], "email": ["ana@example.org"], "phone": ["555-0100"]})
    for html in (render.table_html(frame), render.table_html(frame, ["name", "email", "phone"])):
        assert "ana@example.org" not in html and "555-0100" not in html
        assert "Email" not in html and "Phone" not in html and "Ana" in html


def test_records_html_shows_names_not_keys_or_ids(ws: Workspace) -> None:
    org = ws.add("organizations", name=HOSTILE, sector="community_social_services")
    committee = ws.add("groups", name="Committee", kind="advisory_committee")
    team = ws.add("groups", name="Team", kind="implementation_team")
    ana = ws.add("people", name="Ana", organization_id=org, sector="police", email="ana@example.org")
    ben = ws.add("people", name="Ben")
    ws.add(
        "memberships", group_id=committee, person_id=ana, role="coordinator", seats=["police", "municipal"]
    )
    ws.add("memberships", group_id=team, person_id=ben, role="member")

    people = _markup(render.records_html(ws, "people"))
    assert "<caption>People</caption>" in people and '<th scope="row">Ana</th>' in people
    assert "&lt;img src=x onerror=alert(1)&gt;" in people and "<img" not in people and org not in people
    assert "Police" in people and ">police<" not in people
    assert "ana@example.org" not in people

    members = _markup(
        render.records_html(ws, "memberships", where={"group_id": committee}, caption="Committee")
    )
    assert "Ana" in members and "Ben" not in members and "Group" not in members
    assert "Coordinator" in members
    assert "Police service board or OPP detachment commander, Municipal council member or employee" in members


def test_display_value_for_each_kind() -> None:
    risks = table_spec("risks")
    indicators = table_spec("indicators")
    assert render.display_value(risks.column("priority"), True) == "Yes"
    assert render.display_value(risks.column("priority"), pd.NA) == ""
    assert render.display_value(risks.column("current_approach"), ["coping_supports"]) == "Coping supports"
    assert render.display_value(risks.column("vulnerable_groups"), ["a; b", "c"]) == "a\\; b; c"
    assert render.display_value(indicators.column("year"), 2023) == "2023"
    assert render.display_value(indicators.column("value"), 0.1 + 0.2) == "0.3"
    assert render.display_value(indicators.column("value"), 1234.0) == "1234"
    assert render.display_value(indicators.column("risk_id"), "r1", {"r1": "Housing"}) == "Housing"
    assert render.display_value(indicators.column("risk_id"), "gone") == "gone"
    date = table_spec("measurements").column("date")
    assert render.display_value(date, pd.Timestamp("2024-03-01")) == "2024-03-01"
    assert render.display_value(date, dt.date(2024, 3, 1)) == "2024-03-01"
    assert render.display_value(table_spec("areas").column("kind"), "sub_area") == "Sub area"


def test_column_labels_and_record_labels() -> None:
    assert render.column_label("organization_id") == "Organization"
    assert render.column_label("number_reached") == "Number reached"
    assert render.column_label("email", {"email": "E-mail"}) == "E-mail"
    assert render.record_label("people", {"id": "p1", "name": "Ana"}) == "Ana"
    assert render.record_label("engagement_activities", {"id": "a1", "title": "Town hall"}) == "Town hall"
    assert render.record_label("memberships", {"id": "m1"}) == "m1"
    assert render.record_label("feedback", {"id": "f", "text": "x" * 100}).endswith("...")


def test_select_rows_matches_values_lists_and_blanks() -> None:
    frame = pd.DataFrame({"group_id": ["g1", "g2", None], "seats": [["police"], [], ["police", "education"]]})
    assert render.select_rows(frame, {"group_id": "g1"}).index.tolist() == [0]
    assert render.select_rows(frame, {"group_id": None}).index.tolist() == [2]
    assert render.select_rows(frame, {"seats": "police"}).index.tolist() == [0, 2]
    assert render.select_rows(frame, None) is frame


def test_choice_and_reference_options(ws: Workspace) -> None:
    assert render.choice_options("roles")[:2] == [("Champion", "champion"), ("Coordinator", "coordinator")]
    assert (
        render.choice_name("sectors", "police") == "Police" and render.choice_name("sectors", "zzz") == "zzz"
    )
    ws.add("organizations", id="b", name="beta", sector="health")
    ws.add("organizations", id="a", name="Alpha", sector="health")
    assert render.ref_options(ws, "organizations") == [("Alpha", "a"), ("beta", "b")]


def test_small_counts_are_suppressed_for_publication() -> None:
    frame = pd.DataFrame(
        {"group": ["a", "b", "c", "d"], "reached": [0, 3, 5, None], "share": [0.1, 0.2, 0.3, 0.4]}
    )
    published = render.suppress_small_counts(frame, ["reached"])
    assert published["reached"].tolist()[:3] == [0, "<5", 5] and pd.isna(published["reached"].iloc[3])
    assert published["share"].tolist() == [0.1, 0.2, 0.3, 0.4]
    assert frame["reached"].iloc[1] == 3  # the input is not changed
    assert "&lt;5" in render.table_html(published)


def test_workspace_tables_reads_each_table_once(ws: Workspace) -> None:
    tables = render.WorkspaceTables(ws)
    assert tables["people"] is tables["people"]
    assert tables.get("no_such_table") is None
    assert len(tables) == len(list(tables)) and "risks" in tables


# --- Coverage --------------------------------------------------------------------------------


def test_coverage_html_tells_status_in_words_with_reasons() -> None:
    check = Check(
        "commitment",
        "required_seats",
        "Required seats",
        5,
        7,
        missing=("police", "children_youth_services"),
        not_applicable=("custodial_youth_services",),
    )
    html = _markup(render.coverage_html(check, reasons={"custodial_youth_services": HOSTILE}))
    assert "<h3>Required seats</h3>" in html
    assert "4 of 7 covered; 2 missing; 1 not applicable here." in html
    assert re.search(r"Police service board[^<]*</th><td class=\"cswb-status-missing\">.*?Missing</td>", html)
    assert "Custodial services provider to children or youth (if one exists locally)" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img" not in html
    assert html.count("Covered</td>") == 4
    assert '<span aria-hidden="true">\u2713 </span>' in html  # the symbol is decoration only
    assert '<th scope="col">Required</th>' in html and "<caption" in html


def test_coverage_of_a_workspace_and_items(ws: Workspace) -> None:
    tables = render.WorkspaceTables(ws)
    ws.add(
        "coverage_exemptions",
        list="consult_groups",
        key="inuit",
        reason="No Inuit residents or organizations",
    )
    items = render.coverage_items(
        consultation_coverage(tables), render.exemption_reasons(ws, "consult_groups")
    )
    by_key = {i.key: i for i in items}
    assert by_key["inuit"].status == "not_applicable" and by_key["inuit"].reason.startswith("No Inuit")
    assert by_key["youth"].status == "missing" and by_key["youth"].exemptable
    seats = {i.key: i for i in render.coverage_items(seat_coverage(tables))}
    assert not seats["police"].exemptable and seats["custodial_youth_services"].exemptable
    with pytest.raises(ValueError, match="not a coverage check"):
        render.coverage_list(Check("risk", "risks", "Risks", 0, 1))


# --- Guidance --------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", STAGES)
def test_guidance_for_every_stage_with_success_factors(stage: str) -> None:
    catalogue = load_catalogue()
    html = _markup(render.guidance_html(stage, open=True))
    assert html.startswith('<details class="cswb-guidance cswb-static" open><summary>')
    assert str(render.escape(catalogue.get("stages", stage).guidance)) in html
    factors = render.STAGE_SUCCESS_FACTORS[stage]
    assert factors and all(
        str(render.escape(catalogue.name_of("success_factors", f))) in html for f in factors
    )


def test_every_success_factor_is_used_somewhere() -> None:
    used = {f for factors in render.STAGE_SUCCESS_FACTORS.values() for f in factors}
    assert used == set(load_catalogue().keys("success_factors"))
    assert set(render.STAGE_SUCCESS_FACTORS) == set(load_catalogue().keys("stages"))


# --- Header ----------------------------------------------------------------------------------


def _summaries() -> list[StageSummary]:
    return assess({})


def test_header_lists_stages_in_order_with_completion() -> None:
    html = _markup(render.header_html({"name": "Maple Falls"}, _summaries(), "risk", lambda s: f"{s}.ipynb"))
    assert re.findall(r'href="([a-z_]+)\.ipynb"', html) == list(STAGES)
    assert html.count('aria-current="page"') == 1 and 'aria-current="page">3. Focusing on risk</a>' in html
    assert '<nav aria-label="Workbook stages"><ol>' in html
    assert "Maple Falls" in html and "Community Safety and Well-Being Plan" in html
    assert "0 of 4 checks complete" in html


def test_header_escapes_identity_and_links() -> None:
    community = {"name": HOSTILE, "plan_name": '"><script>alert(1)</script>'}
    html = _markup(render.header_html(community, _summaries(), "buy_in", lambda s: f'{s}?a=1&b="x"'))
    assert "<script>" not in html and "<img" not in html
    assert 'href="buy_in?a=1&amp;b=&#34;x&#34;"' in html


@pytest.mark.parametrize(
    ("colour", "logo"),
    [
        ("red;background:url(http://evil.example/x)", "http://evil.example/logo.png"),
        ("#12345", "data:image/svg+xml;base64,PHN2Zz4="),
        ("expression(alert(1))", 'data:image/png;base64,AAAA" onerror="alert(1)'),
    ],
)
def test_header_uses_only_safe_colours_and_data_uri_logos(colour: str, logo: str) -> None:
    html = render.header_html(
        {"name": "T", "colour_primary": colour, "colour_secondary": colour, "logo": logo},
        _summaries(),
        "risk",
        str,
    )
    assert "evil.example" not in html and "expression(" not in html and "onerror" not in html
    assert "<img" not in html
    assert f"background:{render.DEFAULT_PRIMARY}" in html


def test_header_shows_a_valid_logo_and_colours() -> None:
    logo = "data:image/png;base64,iVBORw0KGgo="
    html = render.header_html(
        {"name": "T", "colour_primary": "#f5f5dc", "colour_secondary": "#004d40", "logo": logo},
        _summaries(),
        "risk",
        str,
    )
    assert f'<img src="{logo}" alt="">' in html
    assert "background:#f5f5dc;color:#000000;--cswb-accent:#004d40" in html


def test_workspace_header_reads_profile_and_progress(ws: Workspace) -> None:
    ws.update("community", "community", plan_name="Safer Together")
    html = render.workspace_header_html(ws, "commitment", lambda s: s)
    assert "Safer Together" in html and "Test Town" in html


# --- Colour contrast -------------------------------------------------------------------------


def test_contrast_ratio_known_values() -> None:
    assert render.contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert render.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert render.contrast_ratio("#fff", "#fff") == pytest.approx(1)


@pytest.mark.parametrize("foreground", ["text", "muted", "error", "ok", "link", "focus"])
@pytest.mark.parametrize("background", ["background", "surface"])
def test_palette_text_meets_wcag_aa(foreground: str, background: str) -> None:
    assert render.contrast_ratio(render.PALETTE[foreground], render.PALETTE[background]) >= 4.5


def test_error_text_on_its_tint_and_control_borders() -> None:
    palette = render.PALETTE
    assert render.contrast_ratio(palette["error"], palette["error_background"]) >= 4.5
    assert render.contrast_ratio(palette["border"], palette["background"]) >= 3  # non-text contrast


@pytest.mark.parametrize(
    "background", ["#000000", "#ffffff", "#777777", "#767676", "#1f3a5f", "#c9a227", "#ff0000", "#00ff00"]
)
def test_header_text_colour_is_always_readable(background: str) -> None:
    assert render.contrast_ratio(render.readable_text_colour(background), background) >= 4.5
