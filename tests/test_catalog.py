"""Catalog loading: the sample loads, and every kind of error is refused naming its place."""
import os

import pytest
import yaml

from bot.catalog import ChooseGroup, current_catalog, load_catalog, normalise_course_code, parse_catalog
from bot.errors import CatalogError
from bot.terms import parse_term


def test_sample_catalog_has_the_required_kinds_of_credential(sample_catalog):
    levels = {c.level for c in sample_catalog.credentials}
    assert levels == {"undergraduate", "graduate"}
    assert any(isinstance(r, ChooseGroup) for c in sample_catalog.credentials for r in c.requirements)
    assert any(c.consent_required for c in sample_catalog.courses.values())
    dr = sample_catalog.credential("disaster-readiness")
    assert dr.course_codes == ["PAD 681", "PAD 682", "PAD 683"]
    assert str(dr.launch_term) == "Spring 2018"
    assert sample_catalog.levels["graduate"].min_gpa == 3.0
    assert sample_catalog.max_stack_credits == 9 and sample_catalog.max_credit_age_years == 8


@pytest.mark.parametrize(
    "change, place",
    [
        (lambda r: r["credentials"][0]["requirements"].append("PAD 699"), "credentials[0].requirements[3]: unknown course 'PAD 699'"),
        (lambda r: r["credentials"][2]["requirements"][2]["from"].append("XYZ 100"), "credentials[2].requirements[2]: unknown course"),
        (lambda r: r["credentials"][1].update(launch_term="Autumn 2019"), "credentials[1].launch_term: bad term 'Autumn 2019'"),
        (lambda r: r["credentials"][1].update(launch_term="2019"), "credentials[1].launch_term: bad term"),
        (lambda r: r["policies"]["levels"]["graduate"].update(min_course_grade="C++"), "policies.levels.graduate.min_course_grade: unknown grade letter 'C++'"),
        (lambda r: r["policies"]["levels"]["graduate"].update(min_gpa="three"), "policies.levels.graduate.min_gpa: expected a number"),
        (lambda r: r["policies"].update(repeat_rule="first"), "policies.repeat_rule: 'first' is not one of"),
        (lambda r: r["credentials"][3].update(id="disaster-readiness"), "credentials[3].id: duplicate credential id"),
        (lambda r: r["credentials"][0].update(level="doctoral"), "credentials[0].level: unknown level 'doctoral'"),
        (lambda r: r["institution"].pop("contact_email"), "institution.contact_email: missing"),
        (lambda r: r["courses"]["PAD 681"].update(credit_hours=-3), "courses.PAD 681.credit_hours: -3 is out of range"),
        (lambda r: r["courses"]["PAD 681"].update(consent_required="maybe"), "courses.PAD 681.consent_required: expected true or false"),
        (lambda r: r["credentials"][2]["requirements"][2].update(choose=5), "credentials[2].requirements[2]: 'from' must list at least 5"),
        (lambda r: r.update(credentials=[]), "credentials: expected a non-empty list"),
        (lambda r: r["credentials"][3]["aliases"].append("Data-Viz"), "credentials[3].aliases[2]: 'Data-Viz' already names credential 'data-storytelling'"),
        (lambda r: r["credentials"][1].update(name="disaster prep"), "credentials[1].name: 'disaster prep' already names credential 'disaster-readiness'"),
    ],
)
def test_catalog_errors_name_the_place(catalog_raw, change, place):
    change(catalog_raw)
    with pytest.raises(CatalogError) as err:
        parse_catalog(catalog_raw, source="cat.yml")
    assert str(err.value).startswith("cat.yml: ")
    assert place in str(err.value)


def test_missing_and_malformed_files_are_refused_clearly(tmp_path):
    with pytest.raises(CatalogError, match="catalog file not found"):
        load_catalog(tmp_path / "nope.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("institution: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_catalog(bad)


@pytest.mark.parametrize("text", ["PAD 681", "pad681", "Pad-681", " pad   681 "])
def test_course_codes_normalise(text):
    assert normalise_course_code(text) == "PAD 681"


def test_terms_order_winter_spring_summer_fall():
    terms = [parse_term(t) for t in ["Fall 2018", "Spring 2019", "Winter 2019", "Summer 2018", "fall 2019"]]
    assert [str(t) for t in sorted(terms)] == ["Summer 2018", "Fall 2018", "Winter 2019", "Spring 2019", "Fall 2019"]


def test_current_catalog_rereads_a_changed_file(catalog_raw, write_catalog):
    path = write_catalog(catalog_raw)
    assert current_catalog().contact_email == "microcredentials@example.edu"
    catalog_raw["institution"]["contact_email"] = "badges@example.org"
    path.write_text(yaml.safe_dump(catalog_raw), encoding="utf-8")
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))  # a later modification time
    assert current_catalog().contact_email == "badges@example.org"
