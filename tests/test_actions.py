"""Custom actions driven with real Trackers and CollectingDispatchers."""
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker

from actions.catalog_info import ActionCatalogInfo
from actions.clarify import ActionClarify
from actions.staff_answer import ActionStaffAnswer
from actionkit import run
from actionkit import tracker as _tracker


def tracker(text: str = "", intent: str = "", entities: Optional[List[Dict[str, Any]]] = None,
            slots: Optional[Dict[str, Any]] = None, ranking: Optional[List[Dict[str, Any]]] = None) -> Tracker:
    return _tracker(text, intent, None, entities, slots, ranking)


def ent(entity: str, value: str) -> Dict[str, Any]:
    return {"entity": entity, "value": value, "extractor": "SpacyEntityExtractor"}


# --- catalog questions -----------------------------------------------------------------------

def test_courses_of_a_credential_named_by_alias():
    messages, events = run(
        ActionCatalogInfo(), tracker("what do i take for disaster prep", "credential_courses", [ent("credential", "disaster prep")])
    )
    assert len(messages) == 1
    text = messages[0]["text"]
    assert text.startswith("Disaster Readiness (graduate, since Spring 2018) requires:")
    assert "PAD 681 Disaster Readiness Foundations (3 credit hours)" in text
    assert [(e["name"], e["value"]) for e in events] == [
        ("credential", "Disaster Readiness"), ("course", None), ("last_topic", "catalog:courses")]


@pytest.mark.parametrize(
    "intent, expected",
    [
        ("credential_level", "Nonprofit Leadership is a graduate micro-credential (it requires a bachelor's degree)"),
        ("credential_launch", "Nonprofit Leadership launched in Fall 2019"),
        ("credential_stacks", "Graduate Certificate in Nonprofit Management and Master of Public Administration"),
    ],
)
def test_other_aspects_of_a_credential(intent, expected):
    messages, _ = run(ActionCatalogInfo(), tracker("q", intent, [ent("credential", "NONPROFIT leadership")]))
    assert expected in messages[0]["text"]


def test_a_misspelled_credential_gets_did_you_mean_with_a_button():
    messages, events = run(ActionCatalogInfo(), tracker("wat courses are in the cybersecurty esentials one", "credential_courses"))
    assert messages[0]["text"] == "Did you mean Cybersecurity Essentials?"
    assert messages[0]["buttons"] == [
        {"title": "Yes, Cybersecurity Essentials", "payload": '/credential_courses{"credential": "Cybersecurity Essentials"}'}
    ]
    assert events == []


def test_an_unknown_credential_lists_the_catalog_with_buttons(sample_catalog):
    messages, _ = run(ActionCatalogInfo(), tracker("courses of the project management badge", "credential_courses"))
    assert messages[0]["text"].startswith("Which micro-credential do you mean? We offer: Disaster Readiness,")
    assert [b["title"] for b in messages[0]["buttons"]] == [c.name for c in sample_catalog.credentials]


def test_a_follow_up_uses_the_credential_discussed_last():
    messages, _ = run(ActionCatalogInfo(), tracker("and what level is it?", "credential_level", slots={"credential": "Data Storytelling"}))
    assert messages[0]["text"].startswith("Data Storytelling is an undergraduate micro-credential")


def test_a_staff_answer_about_a_named_credential_keeps_it_for_the_follow_up():
    """"is the data storytelling one online?" then "is that undergrad?" means Data Storytelling."""
    messages, events = run(ActionStaffAnswer(), tracker(
        "is the data storytelling one online", "staff_answer",
        [ent("credential", "data storytelling"), ent("answer_topic", "delivery_format")]))
    assert "online" in messages[0]["text"]
    assert [(e["name"], e["value"]) for e in events] == [("credential", "Data Storytelling")]
    _, events = run(ActionStaffAnswer(), tracker("is it online", "staff_answer", [ent("answer_topic", "delivery_format")],
                                                 slots={"credential": "Cybersecurity Essentials"}))
    assert events == []  # nothing named: the one talked about before stays


def test_course_info_known_and_unknown_codes():
    messages, _ = run(ActionCatalogInfo(), tracker("does pad695 need consent", "course_info", [ent("course", "pad695")]))
    assert messages[0]["text"].startswith("PAD 695 Nonprofit Leadership Practicum: 3 credit hours. It needs consent")
    messages, _ = run(ActionCatalogInfo(), tracker("what is BIO 101", "course_info"))
    assert messages[0]["text"].startswith("I don't know BIO 101. The catalog's courses are: PAD 681,")


def test_catalog_unreadable_gives_a_short_apology(tmp_path, monkeypatch):
    monkeypatch.setenv("CATALOG_PATH", str(tmp_path / "missing.yml"))
    messages, events = run(ActionCatalogInfo(), tracker("courses of disaster readiness", "credential_courses"))
    assert messages[0]["response"] == "utter_internal_error"  # the catalog unreadable: a fault of ours
    assert messages[0]["text"].startswith("Sorry, something went wrong on our side.")
    assert events == []


# --- low confidence --------------------------------------------------------------------------

def test_clarify_offers_the_likely_topics_as_buttons():
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.55},
        {"name": "faq_stacking_limit", "confidence": 0.31},
        {"name": "faq_credit_age", "confidence": 0.28},
        {"name": "out_of_scope", "confidence": 0.2},
        {"name": "credential_courses", "confidence": 0.1},
    ]
    messages, _ = run(ActionClarify(), tracker("credits old many?", "nlu_fallback", ranking=ranking))
    assert messages[0]["text"].startswith("Sorry, I'm not sure I understood.")
    assert messages[0]["buttons"] == [
        {"title": "How many credits stack", "payload": "/faq_stacking_limit"},
        {"title": "How old credits may be", "payload": "/faq_credit_age"},
        {"title": "Courses of a micro-credential", "payload": "/credential_courses"},
    ]


def test_clarify_without_a_ranking_offers_the_common_topics():
    messages, _ = run(ActionClarify(), tracker("zzz", "nlu_fallback"))
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/faq_how_to_earn", "/faq_available", "/faq_fees"]
