"""FAQ answers in domain.yml take every number and rule from the catalog."""
import re

import pytest
import yaml
from rasa.core.nlg.interpolator import interpolate_text

from bot.answers import answer_context, course_answer, credential_answer
from bot.catalog import parse_catalog

PLACEHOLDER = re.compile(r"{([^{}\n]+)}")


@pytest.fixture(scope="module")
def domain(repo):
    return yaml.safe_load((repo / "domain.yml").read_text(encoding="utf-8"))


def faq_templates(domain):
    """(response name, catalog-dependent text) for every response that uses catalog slots."""
    for name, variations in domain["responses"].items():
        for v in variations:
            if v.get("condition"):
                yield name, v["text"]


def render(domain, name, catalog):
    text = next(t for n, t in faq_templates(domain) if n == name)
    return interpolate_text(text, answer_context(catalog))


def test_every_faq_intent_has_an_answer_and_a_rule(domain, repo):
    rules = (repo / "data" / "rules.yml").read_text(encoding="utf-8")
    faq_intents = [i for i in domain["intents"] if i.startswith("faq_")]
    assert len(faq_intents) == 21
    for intent in faq_intents:
        assert f"utter_{intent}" in domain["responses"], intent
        # the list of credentials is an action: it narrows by level or subject ("only grad ones")
        # ... and a signed-in person's "what's my GPA?" / "my badge?" is answered from their record
        action = {"faq_available": "action_list_credentials", "faq_grades": "action_faq_or_mine",
                  "faq_badge": "action_faq_or_mine", "faq_claim_badge": "action_faq_or_mine"}.get(intent, f"utter_{intent}")
        assert f"- intent: {intent}\n      - action: {action}" in rules


def test_answers_use_only_catalog_slots_and_state_no_number_of_their_own(domain, sample_catalog):
    context = answer_context(sample_catalog)
    slots = domain["slots"]
    templates = list(faq_templates(domain))
    assert len(templates) >= 15  # most FAQ answers and the hand-over to a person
    sent_values = {"example", "student_id", "name"}  # filled by the action that sends the response
    for name, variations in domain["responses"].items():
        for v in variations:
            facts = [p for p in PLACEHOLDER.findall(v["text"]) if p not in sent_values]
            assert bool(v.get("condition")) == bool(facts), (
                f"{name}: catalog values only in a variation conditioned on catalog_loaded"
            )
            assert not re.search(r"\d", PLACEHOLDER.sub("", v["text"])), f"{name} states a number itself"
    for name, text in templates:
        for placeholder in PLACEHOLDER.findall(text):
            assert placeholder in context, f"{name}: unknown {{{placeholder}}}"
            assert placeholder not in slots, f"{name}: {{{placeholder}}} is a catalog fact, not a slot"
        rendered = interpolate_text(text, context)
        assert "{" not in rendered and "None" not in rendered


def test_sample_answers_state_the_sample_policies(domain, sample_catalog):
    assert "C or better and a GPA of 3.0" in render(domain, "utter_faq_grades", sample_catalog)
    assert "2.0" in render(domain, "utter_faq_grades", sample_catalog)
    assert "less than 8 years old" in render(domain, "utter_faq_credit_age", sample_catalog)
    assert "At most 9 credits" in render(domain, "utter_faq_stacking_limit", sample_catalog)
    assert "Spring 2018" in render(domain, "utter_faq_prior_courses", sample_catalog)
    assert "microcredentials@example.edu" in render(domain, "utter_faq_contact", sample_catalog)
    stacking = render(domain, "utter_faq_stacking", sample_catalog)
    assert "PAD 681, PAD 682 and PAD 683" in stacking and "Master of Public Administration" in stacking
    available = render(domain, "utter_faq_available", sample_catalog)
    for cred in sample_catalog.credentials:
        assert cred.name in available


def test_a_changed_catalog_changes_the_answers(domain, catalog_raw):
    """UB-style policies: B or better, other limits, other office, transfer allowed."""
    catalog_raw["institution"].update(contact_email="badges@ub.example", short_name="UB", program_start_term="Fall 2020")
    catalog_raw["policies"]["levels"]["undergraduate"].update(min_course_grade="B", min_gpa=2.5)
    catalog_raw["policies"]["stacking"].update(max_credits=12, max_credit_age_years=5)
    catalog_raw["policies"]["transfer_credit"] = True
    catalog_raw["credentials"].append(
        {"id": "gis", "name": "GIS Mapping", "level": "undergraduate", "launch_term": "Fall 2021",
         "requirements": ["CIT 270"], "stacks_into": []}
    )
    changed = parse_catalog(catalog_raw)
    grades = render(domain, "utter_faq_grades", changed)
    assert "each course B or better and a GPA of 2.5" in grades
    assert "12 credits" in render(domain, "utter_faq_stacking_limit", changed)
    assert "less than 5 years old" in render(domain, "utter_faq_credit_age", changed)
    assert "Fall 2020" in render(domain, "utter_faq_prior_courses", changed)
    assert "badges@ub.example" in render(domain, "utter_faq_contact", changed)
    assert "badges@ub.example" in render(domain, "utter_handoff", changed)
    assert render(domain, "utter_faq_transfer", changed).startswith("Yes")
    assert "GIS Mapping (undergraduate)" in render(domain, "utter_faq_available", changed)


def test_credential_and_course_answers(sample_catalog):
    ds = sample_catalog.credential("data-storytelling")
    courses = credential_answer(sample_catalog, ds, "courses")
    assert "any 1 of: INF 286" in courses and "ART 265 Information Design (4 credit hours) — needs consent" in courses
    assert "undergraduate micro-credential: each course C or better and a GPA of 2.0" in credential_answer(sample_catalog, ds, "level")
    assert "Spring 2020" in credential_answer(sample_catalog, ds, "launch")
    assert "Bachelor of Science in Data Science" in credential_answer(sample_catalog, ds, "stacks")
    pad = course_answer(sample_catalog, "PAD 695")
    assert "3 credit hours" in pad and "needs consent" in pad and "Nonprofit Leadership" in pad


def test_the_retake_answer_states_the_catalogs_repeat_rule(repo, catalog_raw):
    """The staff answer about retaking a course takes the repeat rule from the catalog, as the
    progress checker applies it."""
    from actions.staff_answer import fill
    from bot.staff_answers import AnswersFile

    topic = AnswersFile(repo / "data" / "answers.yml").get("retake_course")
    latest = fill(topic.answer, answer_context(parse_catalog(catalog_raw)))
    assert "latest graded attempt is the one that counts" in latest
    catalog_raw["policies"]["repeat_rule"] = "best"
    best = fill(topic.answer, answer_context(parse_catalog(catalog_raw)))
    assert "best grade of all your attempts is the one that counts" in best and "latest" not in best
    assert "{" not in best
