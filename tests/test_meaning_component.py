"""The Rasa component around the decision (deploy/meaning.py), on real Rasa messages."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.encoder import encoder
from bot.meaning import ExampleIndex
from deploy.meaning import MeaningRouter

TRAINED = [("faq_what_is", "what is a micro-credential"), ("faq_fees", "how much does it cost"),
           ("inform_credential", "data storytelling"), ("out_of_scope", "what's the weather"),
           ("greet", "hello there"), ("goodbye", "bye for now")]


@pytest.fixture(scope="module")
def router(tmp_path_factory):
    r = MeaningRouter({}, None, None, ExampleIndex.build(TRAINED, encoder().encode))
    path = tmp_path_factory.mktemp("answers") / "answers.yml"
    path.write_text("topics: []\n", encoding="utf-8")
    r.answers = type(r.answers)(path)
    return r


def parse(router, text, ranking, credential=None):
    entities = [{"entity": "credential", "value": credential, "start": 0, "end": len(credential)}] if credential else []
    message = Message(data={"text": text, "intent": {"name": ranking[0][0], "confidence": ranking[0][1]},
                            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking], "entities": entities})
    router.process([message])
    return message.get("intent")["name"]


@pytest.mark.parametrize("text, ranking, expected", [
    ("tell me about ux design", [("faq_what_is", 0.52), ("faq_duration", 0.07)], "credential_overview"),
    ("ux design", [("goodbye", 0.5), ("inform_credential", 0.12)], "inform_credential"),
    # a follow-up: the name and follow-up words only (the question before, about it)
    ("ok, and what about ux design?", [("nlu_fallback", 0.6), ("inform_credential", 0.41)], "inform_credential"),
    ("how much is ux design", [("out_of_scope", 0.45), ("faq_fees", 0.34)], "faq_fees"),
])
def test_a_message_naming_a_credential_is_about_that_credential(router, text, ranking, expected):
    assert parse(router, text, ranking, credential="ux design") == expected


def test_sure_small_talk_naming_a_credential_stays_small_talk(router):
    assert parse(router, "thanks, ux design sounds great", [("thanks", 0.98)], credential="ux design") == "thanks"


def test_without_a_credential_a_generic_question_is_not_turned_into_one(router):
    assert parse(router, "tell me about parking", [("faq_what_is", 0.52), ("faq_duration", 0.07)]) != "inform_credential"


def parse_named(router, text, ranking):
    start = text.index("ux design")
    message = Message(data={"text": text, "intent": {"name": ranking[0][0], "confidence": ranking[0][1]},
                            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
                            "entities": [{"entity": "credential", "value": "ux design", "start": start, "end": start + 9}]})
    router.process([message])
    return message.get("intent")["name"]


def test_a_real_question_that_names_a_credential_is_not_turned_into_its_course_list(router):
    assert parse_named(router, "what textbooks do i need for ux design", [("out_of_scope", 0.85)]) != "inform_credential"
    assert parse_named(router, "can i take ux design in person at the downtown campus",
                       [("out_of_scope", 0.25), ("credential_courses", 0.21)]) != "inform_credential"
    assert parse_named(router, "tell me about ux design", [("faq_what_is", 0.52)]) == "credential_overview"


@pytest.mark.parametrize("text, ranking", [
    ("what did S1020 get in PAD 682", [("course_info", 0.9)]),       # sure, but about a student's record
    ("S1024 data storytelling?", [("nlu_fallback", 0.6), ("inform_credential", 0.3)]),
])
def test_a_student_id_makes_it_a_question_about_that_record(router, text, ranking):
    assert parse(router, text, ranking) == "check_progress"


def test_a_question_about_a_group_of_students_is_a_cohort_question(router):
    assert parse(router, "who finished nonprofit leadership", [("out_of_scope", 0.4), ("greet", 0.1)]) == "cohort_query"
    assert parse(router, "how many credits is it", [("out_of_scope", 0.4), ("greet", 0.1)]) != "cohort_query"


def test_a_visitors_statement_naming_a_credential_is_about_it_unless_it_surely_asks_for_a_record(router):
    """"looking at ux design" (a visitor, the classifier unsure) is about the credential; "progress
    on ux design" (the classifier sure) asks for a record: the answer is the sign-in request."""
    assert parse(router, "looking at ux design", [("check_progress", 0.43), ("inform_credential", 0.16)],
                 credential="ux design") == "credential_overview"
    assert parse(router, "progress on ux design", [("check_progress", 0.97), ("inform_credential", 0.01)],
                 credential="ux design") == "check_progress"


def test_a_name_guessed_from_a_typo_does_not_turn_off_the_meaning_of_a_crisis(router):
    """A credential the entity ruler found ("Emergency Readiness") makes a crisis a matter of its
    words only; a name the router guessed from a typo (its extractor) does not."""
    text = "someone at home is hurting me, my dissaster readines class can wait"
    guessed = [{"entity": "credential", "value": "dissaster readines", "start": 36, "end": 54, "extractor": "MeaningRouter"}]
    message = Message(data={"text": text, "intent": {"name": "faq_fees", "confidence": 0.4},
                            "intent_ranking": [{"name": "faq_fees", "confidence": 0.4}], "entities": guessed})
    router.process([message])
    assert message.get("intent")["name"] == "crisis"


@pytest.mark.parametrize("text, about", [
    ("how many are still on it", True), ("how many students finished data storytelling", True),
    ("how many in progress", True), ("who is one course away from nonprofit leadership", True),
    ("after my last class how many weeks till the badge shows up", False), ("how many credits is it", False),
])
def test_how_many_asks_about_students_only_before_people_or_what_they_did(text, about):
    from deploy.meaning import about_students

    assert about_students(text) is about
