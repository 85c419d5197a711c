"""Student IDs written in a message, in the institution's own format.

The format is institution data: the catalog's optional ``institution.student_id_pattern`` (a
regular expression for one whole ID, checked when the catalog loads), else
:data:`bot.catalog.DEFAULT_STUDENT_ID_PATTERN`, which takes ``S1004``, ``A00123456`` and
``900123456`` but no course code, year, term, credit count, grade or GPA.

An ID is found only as a whole word (``S10045`` holds no ``S1004``), in any case, and is
upper-cased (:func:`normalise_student_id`): the records hold IDs as the institution's files write
them (the importer keeps them as written), and institutions write the letters of an ID in upper
case. Whatever the pattern, a course code of the catalog (``PAD 681``, ``pad681``) is never taken
for an ID.
"""
from __future__ import annotations

import re
from typing import List, Optional

from bot.catalog import DEFAULT_STUDENT_ID_PATTERN, Catalog, normalise_course_code, student_id_regex

#: Anything shaped like a course code (letters, perhaps a space or hyphen, digits): masked before
#: IDs are looked for when it is one of the catalog's courses.
_COURSE_LIKE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]*[ \t-]?\d+(?![A-Za-z0-9])")


def normalise_student_id(text: str) -> str:
    """An ID as the records hold it: surrounding spaces removed, letters upper case."""
    return str(text).strip().upper()


def same_student(a: str, b: str) -> bool:
    """Whether two written IDs name the same student (case and surrounding spaces ignored)."""
    return normalise_student_id(a) == normalise_student_id(b)


def _without_course_codes(text: str, catalog: Catalog) -> str:
    def mask(m: "re.Match[str]") -> str:
        return " " * len(m.group(0)) if normalise_course_code(m.group(0)) in catalog.courses else m.group(0)

    return _COURSE_LIKE.sub(mask, text)


def student_ids_in(text: str, catalog: Optional[Catalog] = None) -> List[str]:
    """The student IDs written in ``text``, normalised, in order, each once.

    Args:
        catalog: gives the ID format and the course codes never to take for IDs; None means the
            default format (and no course codes known).
    """
    text = text or ""
    if catalog is not None:
        text = _without_course_codes(text, catalog)
    regex = catalog.student_id_regex if catalog is not None else student_id_regex(DEFAULT_STUDENT_ID_PATTERN)
    return list(dict.fromkeys(normalise_student_id(m.group(0)) for m in regex.finditer(text)))
