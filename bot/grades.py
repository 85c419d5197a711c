"""Letter grades and their grade points (see DESIGN.md)."""
GRADE_POINTS = {
    "A": 4.0, "A-": 3.7, "B+": 3.3, "B": 3.0, "B-": 2.7, "C+": 2.3,
    "C": 2.0, "C-": 1.7, "D+": 1.3, "D": 1.0, "D-": 0.7, "F": 0.0,
}
#: Not final grades: W (withdrawn) and I (incomplete).
NON_FINAL_GRADES = ("W", "I")
#: In progress: IP, or an empty grade.
IN_PROGRESS_GRADES = ("IP", "")


def is_known_grade(grade: str) -> bool:
    g = grade.strip().upper()
    return g in GRADE_POINTS or g in NON_FINAL_GRADES or g in IN_PROGRESS_GRADES
