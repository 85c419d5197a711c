"""Progress rules 1-6 of DESIGN.md, table-driven, on the sample catalog (data/catalog.yml).

Sample policies: repeat_rule latest (cases marked "best" use a copy with repeat_rule best),
minimum course grade C, minimum GPA 3.0 graduate / 2.0 undergraduate, graduate needs a bachelor's.
Launch terms: disaster-readiness Spring 2018, nonprofit-leadership Fall 2019,
data-storytelling Spring 2020, cybersecurity-essentials Fall 2018.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, NamedTuple, Optional

import pytest

from bot.catalog import Catalog
from bot.errors import UnknownCredentialError, UnknownProgramError
from bot.models import Attempt, Student
from bot.progress import check_progress
from bot.resolve import find_credential, find_program
from bot.stacking import stacking_report
from bot.terms import current_term, parse_term
from bot.wording import progress_card, render_report

DR, NL, DS, CS = "disaster-readiness", "nonprofit-leadership", "data-storytelling", "cybersecurity-essentials"


def a(course: str, term: str, grade: str = "", hours: Optional[float] = None, at: str = "") -> Attempt:
    return Attempt(course, parse_term(term), grade, hours, at)


class Case(NamedTuple):
    name: str
    credential: str
    attempts: List[Attempt]
    expect: Dict[str, Any]          # keys of to_json() to compare exactly
    reasons: List[str] = []         # substrings that must appear in the reasons
    bachelors: bool = True
    rule: str = "latest"


DR_ALL_A = [a("PAD 681", "Fall 2019", "A"), a("PAD 682", "Spring 2020", "A"), a("PAD 683", "Fall 2020", "A")]

CASES = [
    # --- rule 6: the four statuses -------------------------------------------------------------
    Case("earned all A", DR, DR_ALL_A,
         {"status": "earned", "remaining": [], "in_progress": [], "gpa": 4.0}),
    Case("not started: no attempts", DR, [],
         {"status": "not_started", "completed": [], "remaining": ["PAD 681", "PAD 682", "PAD 683"], "gpa": None},
         ["course taken at NKU yet"]),
    Case("not started: only other credentials' courses", DR, [a("CIT 270", "Fall 2020", "A")],
         {"status": "not_started", "gpa": None}),
    Case("not eligible: graduate without bachelor's, no attempts", DR, [],
         {"status": "not_eligible"}, ["bachelor's degree"], bachelors=False),
    Case("not eligible: graduate without bachelor's beats all completed", DR, DR_ALL_A,
         {"status": "not_eligible", "gpa": 4.0}, ["bachelor's degree"], bachelors=False),
    Case("undergraduate needs no bachelor's", CS,
         [a("CIT 270", "Fall 2020", "B"), a("CIT 271", "Spring 2021", "B"), a("CIT 272", "Fall 2021", "B")],
         {"status": "earned", "gpa": 3.0}, bachelors=False),
    Case("in progress: empty grade", DR, [a("PAD 681", "Fall 2024", "A"), a("PAD 682", "Fall 2026", "")],
         {"status": "in_progress", "in_progress": [{"course": "PAD 682", "term": "Fall 2026"}],
          "remaining": ["PAD 683"], "gpa": 4.0},
         ["PAD 682 is in progress", "Not taken at NKU yet: PAD 683"]),
    Case("in progress: IP grade, nothing completed", CS, [a("CIT 270", "Fall 2026", "IP")],
         {"status": "in_progress", "completed": [], "remaining": ["CIT 271", "CIT 272"], "gpa": None,
          "in_progress": [{"course": "CIT 270", "term": "Fall 2026"}]}),
    # --- rule 3: minimum course grade ----------------------------------------------------------
    Case("C is enough", DR, [a("PAD 681", "Fall 2021", "A"), a("PAD 682", "Spring 2022", "C"),
                             a("PAD 683", "Fall 2022", "A")],
         {"status": "earned", "gpa": 3.33}),
    Case("C- is not enough", DR, [a("PAD 681", "Fall 2020", "A"), a("PAD 682", "Spring 2021", "C-"),
                                  a("PAD 683", "Fall 2021", "A")],
         {"status": "in_progress", "remaining": ["PAD 682"], "gpa": 3.23},
         ["the grade that counts is C- (Spring 2021), below the minimum of C"]),
    Case("failed course still counts in GPA", DR, [a("PAD 681", "Fall 2020", "A"), a("PAD 682", "Spring 2021", "A"),
                                                   a("PAD 683", "Fall 2021", "D")],
         {"status": "in_progress", "remaining": ["PAD 683"], "gpa": 3.0}),
    # --- rule 4: GPA --------------------------------------------------------------------------
    Case("all completed but graduate GPA too low", DR,
         [a("PAD 681", "Spring 2022", "B"), a("PAD 682", "Fall 2022", "B"), a("PAD 683", "Spring 2023", "C")],
         {"status": "in_progress", "remaining": [], "gpa": 2.67, "min_gpa": 3.0},
         ["GPA in this credential's courses is 2.67, below the minimum of 3.00"]),
    Case("undergraduate GPA too low so far", DS, [a("INF 120", "Fall 2022", "D"), a("STA 205", "Spring 2023", "C")],
         {"status": "in_progress", "gpa": 1.5, "min_gpa": 2.0}, ["1.50 so far"]),
    Case("GPA exactly the minimum earns", NL,
         [a("PAD 640", "Fall 2020", "B"), a("PAD 641", "Spring 2021", "B"), a("PAD 695", "Fall 2021", "B")],
         {"status": "earned", "gpa": 3.0}),
    Case("GPA is credit-hour weighted (ART 265 has 4)", DS,
         [a("INF 120", "Fall 2021", "A"), a("STA 205", "Spring 2022", "C"), a("ART 265", "Fall 2022", "B")],
         {"status": "earned", "gpa": 3.0}),
    Case("attempt's own credit hours override the catalog", DS,
         [a("INF 120", "Fall 2021", "A", hours=1), a("STA 205", "Spring 2022", "C"), a("JOU 310", "Fall 2022", "C")],
         {"status": "earned", "gpa": 2.29}),
    Case("choose group: GPA uses the best option only", DS,
         [a("INF 120", "Fall 2021", "B"), a("STA 205", "Spring 2022", "B"), a("INF 286", "Fall 2022", "A"),
          a("JOU 310", "Spring 2023", "C")],
         {"status": "earned", "gpa": 3.33,
          "completed": [{"course": "INF 120", "term": "Fall 2021", "grade": "B"},
                        {"course": "STA 205", "term": "Spring 2022", "grade": "B"},
                        {"course": "INF 286", "term": "Fall 2022", "grade": "A"},
                        {"course": "JOU 310", "term": "Spring 2023", "grade": "C"}]}),
    # --- choose groups ----------------------------------------------------------------------
    Case("choose group met by one option", DS,
         [a("INF 120", "Fall 2021", "A"), a("STA 205", "Spring 2022", "A"), a("JOU 310", "Fall 2022", "A")],
         {"status": "earned", "remaining": []}),
    Case("choose group untouched lists its options", DS,
         [a("INF 120", "Fall 2021", "A"), a("STA 205", "Spring 2022", "A")],
         {"status": "in_progress", "remaining": ["INF 286", "JOU 310", "ART 265"]},
         ["Choose 1 of INF 286, JOU 310 or ART 265: 0 completed so far"]),
    Case("choose group pending: option in progress, nothing remaining", DS,
         [a("INF 120", "Fall 2024", "B"), a("STA 205", "Spring 2025", "C-"), a("JOU 310", "Fall 2026", "IP")],
         {"status": "in_progress", "remaining": ["STA 205"],
          "in_progress": [{"course": "JOU 310", "term": "Fall 2026"}]},
         ["1 in progress"]),
    Case("choose group option incomplete stays open", DS,
         [a("INF 120", "Spring 2023", "B"), a("STA 205", "Fall 2023", "A"), a("ART 265", "Spring 2024", "I")],
         {"status": "in_progress", "remaining": ["INF 286", "JOU 310", "ART 265"]},
         ["ART 265: the grade for Spring 2024 is incomplete (I)"]),
    # --- rule 2: repeats, W and I ----------------------------------------------------------
    Case("latest: a worse retake counts", CS,
         [a("CIT 270", "Fall 2021", "C"), a("CIT 271", "Spring 2022", "C+"), a("CIT 271", "Fall 2022", "C-"),
          a("CIT 272", "Spring 2023", "B")],
         {"status": "in_progress", "remaining": ["CIT 271"], "gpa": 2.23}),
    Case("best: the better earlier grade counts", CS,
         [a("CIT 270", "Fall 2021", "C"), a("CIT 271", "Spring 2022", "C+"), a("CIT 271", "Fall 2022", "C-"),
          a("CIT 272", "Spring 2023", "B")],
         {"status": "earned", "remaining": [], "gpa": 2.43,
          "completed": [{"course": "CIT 270", "term": "Fall 2021", "grade": "C"},
                        {"course": "CIT 271", "term": "Spring 2022", "grade": "C+"},
                        {"course": "CIT 272", "term": "Spring 2023", "grade": "B"}]},
         rule="best"),
    Case("latest: F then A", DR, [a("PAD 681", "Fall 2019", "F"), a("PAD 681", "Spring 2020", "A"),
                                  a("PAD 682", "Fall 2020", "A"), a("PAD 683", "Spring 2021", "A")],
         {"status": "earned", "gpa": 4.0}),
    Case("best: tie goes to the latest attempt", DR,
         [a("PAD 681", "Fall 2019", "B"), a("PAD 681", "Spring 2020", "B")],
         {"completed": [{"course": "PAD 681", "term": "Spring 2020", "grade": "B"}]}, rule="best"),
    Case("order of the input does not matter", DR,
         [a("PAD 681", "Spring 2020", "A"), a("PAD 681", "Fall 2019", "F")],
         {"completed": [{"course": "PAD 681", "term": "Spring 2020", "grade": "A"}], "gpa": 4.0}),
    Case("W only: not final, still to do", CS, [a("CIT 270", "Fall 2022", "W")],
         {"status": "in_progress", "completed": [], "remaining": ["CIT 270", "CIT 271", "CIT 272"], "gpa": None},
         ["you withdrew (W) in Fall 2022"]),
    Case("I only: not final", CS, [a("CIT 271", "Fall 2023", "I")],
         {"status": "in_progress", "remaining": ["CIT 270", "CIT 271", "CIT 272"], "gpa": None},
         ["incomplete (I), which is not final"]),
    Case("W then B: B counts", CS, [a("CIT 270", "Fall 2022", "W"), a("CIT 270", "Spring 2023", "B")],
         {"completed": [{"course": "CIT 270", "term": "Spring 2023", "grade": "B"}], "gpa": 3.0}),
    Case("A then W: a later W does not replace the A", DR,
         DR_ALL_A + [a("PAD 683", "Spring 2021", "W")], {"status": "earned", "gpa": 4.0}),
    Case("A then I: a later I does not replace the A", DR,
         DR_ALL_A + [a("PAD 682", "Spring 2021", "I")], {"status": "earned", "gpa": 4.0}),
    Case("D then in-progress retake: in progress, not remaining", DR,
         [a("PAD 681", "Fall 2025", "D"), a("PAD 681", "Fall 2026", "IP")],
         {"status": "in_progress", "remaining": ["PAD 682", "PAD 683"], "gpa": 1.0,
          "in_progress": [{"course": "PAD 681", "term": "Fall 2026"}]}),
    # --- rule 1: transfer credit ------------------------------------------------------------
    Case("only transfer rows: not started, and the report says so", DS,
         [a("INF 120", "Fall 2022", "A", at="Gateway CTC"), a("STA 205", "Spring 2023", "B", at="Gateway CTC")],
         {"status": "not_started", "completed": [], "gpa": None},
         ["INF 120 taken at Gateway CTC (Fall 2022) is transfer credit", "STA 205 taken at Gateway CTC"]),
    Case("transfer A does not rescue a home C-", CS,
         [a("CIT 270", "Fall 2020", "A", at="Cincinnati State"), a("CIT 270", "Spring 2021", "C-"),
          a("CIT 271", "Fall 2021", "A"), a("CIT 272", "Spring 2022", "A")],
         {"status": "in_progress", "remaining": ["CIT 270"], "gpa": 3.23}, ["transfer credit"]),
    Case("transfer row leaves the course remaining", CS,
         [a("CIT 270", "Fall 2020", "A", at="Cincinnati State"), a("CIT 271", "Spring 2021", "B"),
          a("CIT 272", "Fall 2021", "B")],
         {"status": "in_progress", "remaining": ["CIT 270"], "gpa": 3.0},
         ["Not taken at NKU yet: CIT 270", "transfer credit"]),
    Case("earned, and an extra transfer row is still reported", DR,
         DR_ALL_A + [a("PAD 681", "Fall 2018", "B", at="Ohio State")],
         {"status": "earned"}, ["PAD 681 taken at Ohio State (Fall 2018) is transfer credit"]),
    # --- rule 5: launch term ----------------------------------------------------------------
    Case("launch: all before launch is not eligible", DR,
         [a("PAD 681", "Fall 2016", "B"), a("PAD 682", "Spring 2017", "A"), a("PAD 683", "Fall 2017", "B+")],
         {"status": "not_eligible", "remaining": [], "gpa": 3.43},
         ["first taken before Disaster Readiness launched in Spring 2018"]),
    Case("launch: a retake does not move the first attempt", DR,
         [a("PAD 681", "Fall 2016", "A"), a("PAD 682", "Spring 2017", "A"), a("PAD 683", "Fall 2017", "F"),
          a("PAD 683", "Spring 2019", "A")],
         {"status": "not_eligible"}, ["retaking a course does not change"]),
    Case("launch: first attempt in the launch term itself counts", CS,
         [a("CIT 270", "Fall 2018", "A"), a("CIT 271", "Spring 2018", "A"), a("CIT 272", "Fall 2017", "A")],
         {"status": "earned"}),
    Case("launch: one course after launch is enough", NL,
         [a("PAD 640", "Spring 2019", "A"), a("PAD 641", "Summer 2019", "A-"), a("PAD 695", "Spring 2020", "B+")],
         {"status": "earned", "gpa": 3.67}),
    Case("launch: W after launch does not make a pre-launch course new", NL,
         [a("PAD 640", "Spring 2019", "A"), a("PAD 641", "Spring 2019", "A"), a("PAD 695", "Spring 2019", "A"),
          a("PAD 695", "Fall 2019", "W")],
         {"status": "not_eligible"}),
    Case("launch: partial, pre-launch only, warns while in progress", DS,
         [a("INF 120", "Fall 2018", "A"), a("STA 205", "Spring 2019", "B")],
         {"status": "in_progress"}, ["None of the completed courses was first taken in or after Spring 2020"]),
    Case("launch: undergraduate all before launch", DS,
         [a("INF 120", "Fall 2018", "A"), a("STA 205", "Spring 2019", "B"), a("JOU 310", "Fall 2019", "A")],
         {"status": "not_eligible"}, ["launched in Spring 2020"], bachelors=False),
]


def _catalog(catalog: Catalog, rule: str) -> Catalog:
    return catalog if rule == catalog.repeat_rule else dataclasses.replace(catalog, repeat_rule=rule)


def test_enough_cases() -> None:
    assert len(CASES) >= 30
    assert {c.expect.get("status") for c in CASES} >= {"earned", "in_progress", "not_started", "not_eligible"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_progress_rules(catalog: Catalog, case: Case) -> None:
    cat = _catalog(catalog, case.rule)
    cred = cat.credential(case.credential)
    report = check_progress(cat, cred, Student("S1", has_bachelors=case.bachelors), case.attempts)
    data = report.to_json()
    for key, value in case.expect.items():
        assert data[key] == value, f"{key}: {data[key]!r} != {value!r}\nreasons: {data['reasons']}"
    text = " ".join(data["reasons"])
    for fragment in case.reasons:
        assert fragment in text
    if data["status"] != "earned" or report.transfer:
        assert data["reasons"], "every shortfall needs a reason"


def test_json_shape_is_exact(catalog: Catalog) -> None:
    report = check_progress(catalog, catalog.credential(DR), Student("S1", has_bachelors=True),
                            [a("PAD 681", "Fall 2019", "A"), a("PAD 682", "Fall 2026")])
    assert report.to_json() == {
        "student_id": "S1",
        "credential": {"id": DR, "name": "Disaster Readiness", "level": "graduate"},
        "status": "in_progress",
        "completed": [{"course": "PAD 681", "term": "Fall 2019", "grade": "A"}],
        "in_progress": [{"course": "PAD 682", "term": "Fall 2026"}],
        "remaining": ["PAD 683"],
        "gpa": 4.0,
        "min_gpa": 3.0,
        "reasons": report.reasons,
    }


def test_next_steps(catalog: Catalog) -> None:
    student = Student("S1", has_bachelors=True)
    earned = check_progress(catalog, catalog.credential(DR), student, DR_ALL_A)
    assert earned.next_steps == [
        "Email the office at microcredentials@example.edu to claim your Disaster Readiness badge."
    ]
    consent = check_progress(catalog, catalog.credential(NL), student,
                             [a("PAD 640", "Fall 2023", "B+"), a("PAD 641", "Spring 2024", "A")])
    assert consent.next_steps == [
        "Register for PAD 695 (Nonprofit Leadership Practicum); it needs instructor consent, so ask the "
        "department first."
    ]
    group = check_progress(catalog, catalog.credential(DS), student, [a("INF 120", "Fall 2025", "IP")])
    assert group.next_steps[0] == "Finish INF 120 (Fall 2025)."
    assert "Register for one of INF 286, JOU 310 or ART 265 (ART 265 needs instructor consent)." in group.next_steps
    no_degree = check_progress(catalog, catalog.credential(DR), Student("S2"), [])
    assert any("bachelor's degree" in s for s in no_degree.next_steps)


def test_render_report(catalog: Catalog) -> None:
    report = check_progress(catalog, catalog.credential(DR), Student("S1", has_bachelors=True),
                            [a("PAD 681", "Fall 2019", "A"), a("PAD 682", "Fall 2026"),
                             a("PAD 683", "Fall 2018", "B", at="Ohio State")])
    lines = render_report(report, catalog).splitlines()
    assert lines[:4] == ["Disaster Readiness (graduate) for S1: in progress, 1 of 3 courses done.",
                         "✓ PAD 681 — A (Fall 2019)", "… PAD 682 — in progress (Fall 2026)", "☐ PAD 683 — still needed"]
    assert lines[4] == "GPA 4.00 (minimum 3.00) ✓"
    assert "transfer credit" in lines[5] and "in progress" not in lines[5]  # the checklist says that already
    assert lines[6] == "Next: Finish PAD 682 (Fall 2026)." and len(lines) == 7
    # without the catalog (titles, consent): the same checklist from the report alone
    assert render_report(report).splitlines()[1:4] == lines[1:4]


def test_checklist_and_card_of_a_choice(catalog: Catalog) -> None:
    report = check_progress(catalog, catalog.credential(DS), Student("S1"),
                            [a("INF 120", "Fall 2024", "A"), a("STA 205", "Fall 2024", "D")])
    card = progress_card(catalog, report)
    assert (card["done"], card["total"], card["gpa"], card["gpa_ok"]) == (1, 3, 2.5, True)
    assert card["items"] == [
        {"course": "INF 120", "state": "done", "title": "Elementary Programming", "grade": "A", "term": "Fall 2024"},
        {"course": "STA 205", "state": "needed", "title": "Introduction to Statistics",
         "note": "D in Fall 2024, below the minimum C"},
        {"course": "one of INF 286, JOU 310 or ART 265", "state": "needed", "note": "ART 265 needs instructor consent"}]
    text = render_report(report, catalog)
    assert "☐ one of INF 286, JOU 310 or ART 265 — still needed (ART 265 needs instructor consent)" in text
    assert "☐ STA 205 — still needed (D in Fall 2024, below the minimum C)" in text  # why it is still needed
    assert "STA 205: the grade" not in text  # said once


@pytest.mark.parametrize("text", ["disaster-readiness", "Disaster Readiness", "DISASTER PREP", " disaster  prep ",
                                  "emergency_readiness"])
def test_find_credential(catalog: Catalog, text: str) -> None:
    assert find_credential(catalog, text).id == DR


def test_find_credential_unknown_suggests(catalog: Catalog) -> None:
    with pytest.raises(UnknownCredentialError, match="did you mean 'Disaster Readiness'"):
        find_credential(catalog, "disaster readines")


# --- stacking -------------------------------------------------------------------------------

MPA = "Master of Public Administration"
SIX_COURSES = [a("PAD 681", "Fall 2021", "A"), a("PAD 682", "Spring 2022", "A"), a("PAD 683", "Fall 2022", "A"),
               a("PAD 640", "Spring 2023", "A"), a("PAD 641", "Fall 2023", "A-"), a("PAD 695", "Spring 2024", "A")]


def test_stacking_caps_at_max_credits_newest_first(catalog: Catalog) -> None:
    report = stacking_report(catalog, "master of public administration", Student("S1", has_bachelors=True),
                             SIX_COURSES, as_of=parse_term("Fall 2026"))
    assert report.program == MPA
    assert [c.course for c in report.counted] == ["PAD 695", "PAD 641", "PAD 640"]
    assert report.credits == 9
    assert [c.course for c in report.over_cap] == ["PAD 683", "PAD 682", "PAD 681"]


def test_stacking_age_limit_and_rules(catalog: Catalog) -> None:
    attempts = [a("PAD 681", "Fall 2018", "A"), a("PAD 682", "Spring 2019", "C-"), a("PAD 683", "Spring 2019", "B"),
                a("PAD 640", "Fall 2020", "A", at="Elsewhere")]
    report = stacking_report(catalog, MPA, Student("S1", has_bachelors=True), attempts,
                             as_of=parse_term("Fall 2026"))
    assert [c.course for c in report.too_old] == ["PAD 681"]      # exactly 8 years: not fewer than 8
    assert [c.course for c in report.counted] == ["PAD 683"]      # C- is not completed; transfer never counts
    assert report.over_cap == []


def test_stacking_program_lookup(catalog: Catalog) -> None:
    assert find_program(catalog, "certificate in cybersecurity") == "Certificate in Cybersecurity"
    with pytest.raises(UnknownProgramError):
        find_program(catalog, "Doctor of Medicine")


def test_current_term() -> None:
    import datetime as dt
    assert str(current_term(dt.date(2026, 11, 23))) == "Fall 2026"
    assert str(current_term(dt.date(2026, 3, 1))) == "Spring 2026"
    assert str(current_term(dt.date(2026, 6, 15))) == "Summer 2026"
