"""The decision by meaning (bot/meaning.py), the staff answers file (bot/staff_answers.py) and the
sentence encoder (bot/encoder.py), without Rasa."""
import numpy as np
import pytest
import yaml

from bot.encoder import encoder
from bot.errors import ConfigError
from bot.meaning import ExampleIndex, TopicModel, decide, is_crisis_text
from bot.staff_answers import AnswersFile, load_answers, parse_answers


def unit(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


# four directions: two trained topics, one staff topic, one crisis
FEES, GRADES, AID, CRISIS = unit(1, 0, 0, 0), unit(0, 1, 0, 0), unit(0, 0, 1, 0), unit(0, 0, 0, 1)
TRAINED = ExampleIndex(["faq_fees", "faq_grades", "out_of_scope"], np.stack([FEES, GRADES, unit(-1, -1, 0, 0)]))
STAFF = ExampleIndex(["financial_aid"], np.stack([AID]))
CRISES = ExampleIndex(["crisis"], np.stack([CRISIS]))


def run(vector, ranking, text="a question"):
    return decide(vector, ranking, TRAINED, STAFF, CRISES, text=text, passthrough_intents={"greet"})


def test_classifier_and_meaning_agreeing_is_an_answer():
    d = run(unit(1, 0.1, 0, 0), [("faq_fees", 0.7), ("faq_grades", 0.2)])
    assert (d.kind, d.intent) == ("answer", "faq_fees")


def test_a_staff_topic_is_found_by_meaning_when_the_classifier_only_knows_staff_answer():
    d = run(unit(0.1, 0, 1, 0), [("staff_answer", 0.95), ("faq_fees", 0.03)])
    assert (d.kind, d.intent, d.topic) == ("staff", "staff_answer", "financial_aid")


def test_meaning_overrules_a_classifier_that_names_the_wrong_topic():
    # the classifier fairly sure of fees, but the words mean the staff topic, clearly
    d = run(unit(0.2, 0, 1, 0), [("faq_fees", 0.8), ("faq_grades", 0.1)])
    assert d.kind == "staff" and d.topic == "financial_aid"


def test_two_plausible_topics_get_a_question_with_the_likely_ones_first():
    d = run(unit(1, 1, 0, 0), [("faq_grades", 0.45), ("faq_fees", 0.4)])
    assert d.kind == "clarify" and d.intent == "nlu_fallback"
    assert set(d.options[:2]) == {"faq_fees", "faq_grades"}


def test_nothing_close_is_an_honest_hand_over_not_a_guess():
    d = run(unit(0.2, 0.2, 0.2, -1), [("faq_fees", 0.25), ("faq_grades", 0.2)])
    assert (d.kind, d.intent) == ("refuse", "out_of_scope")


def cluster(label_directions, n=12, spread=0.15, seed=7):
    """An index of ``n`` noisy examples around each (label, direction)."""
    rng = np.random.default_rng(seed)
    labels, vectors = [], []
    for label, direction in label_directions:
        for _ in range(n):
            v = direction + spread * rng.standard_normal(len(direction)).astype(np.float32)
            labels.append(label)
            vectors.append(v / np.linalg.norm(v))
    return ExampleIndex(labels, np.stack(vectors))


def test_the_topic_model_gives_the_likeliest_topic_of_trained_and_staff_examples():
    model = TopicModel(cluster([("faq_fees", FEES), ("faq_grades", GRADES)]), cluster([("financial_aid", AID)]))
    label, p = model.best(unit(0.1, 0, 1, 0))
    assert label == "staff:financial_aid" and p > 0.9
    assert model.best(unit(0, 1, 0.1, 0))[0] == "faq_grades"
    assert TopicModel(ExampleIndex([], np.zeros((0, 4), np.float32)), STAFF).best(FEES) == ("", 0.0)


#: a topic model that has learnt "fees" for the direction both topics share (1, 1, 0, 0)
LEANS_FEES = TopicModel(cluster([("faq_fees", unit(1, 1, 0, 0)), ("faq_grades", GRADES), ("out_of_scope", unit(0, 0, -1, 0))]),
                        cluster([("financial_aid", AID)]))


def test_a_clearly_sure_topic_model_answers_instead_of_asking_which_topic():
    ambiguous = unit(1, 1, 0, 0)  # as near to fees as to grades by nearest example (see above)
    d = decide(ambiguous, [("faq_grades", 0.45), ("faq_fees", 0.4)], TRAINED, STAFF, CRISES, text="x", topics=LEANS_FEES)
    assert (d.kind, d.intent) == ("answer", "faq_fees")
    unsure = TopicModel(cluster([("faq_fees", FEES), ("faq_grades", GRADES)]), STAFF)  # half and half on it
    d = decide(ambiguous, [("faq_grades", 0.45), ("faq_fees", 0.4)], TRAINED, STAFF, CRISES, text="x", topics=unsure)
    assert d.kind == "clarify"


def test_an_answer_the_sure_topic_model_contradicts_becomes_a_question_or_the_hand_over():
    # classifier and nearest examples agree on grades; the topic model is sure of fees
    d = decide(unit(1, 1.05, 0, 0), [("faq_grades", 0.95)], TRAINED, STAFF, CRISES, text="x", topics=LEANS_FEES)
    assert d.kind == "clarify" and d.options == ["faq_fees", "faq_grades"]
    # ... and sure that nothing here answers it
    d = decide(unit(0.1, 0.2, -1, 0), [("faq_grades", 0.95)], TRAINED, STAFF, CRISES, text="x", topics=LEANS_FEES)
    assert (d.kind, d.intent) == ("refuse", "out_of_scope")


def test_the_topic_model_never_makes_a_crisis_of_a_message():
    crisis_topics = TopicModel(cluster([("crisis", unit(1, 1, 0, 0)), ("faq_grades", GRADES)]), STAFF)
    d = decide(unit(1, 1, 0, 0), [("faq_grades", 0.45), ("faq_fees", 0.4)], TRAINED, STAFF, CRISES, text="x", topics=crisis_topics)
    assert d.kind == "clarify"


def test_a_crisis_wins_over_anything_else_the_message_asks():
    by_words = run(unit(1, 0, 0, 0), [("faq_fees", 0.99)], text="i want to end my life, also how much is tuition")
    by_meaning = run(unit(0.2, 0, 0, 1), [("faq_fees", 0.99)], text="something said another way")
    assert by_words.kind == by_meaning.kind == "crisis"


def test_a_sure_small_talk_intent_passes_through():
    d = run(unit(0.5, 0.5, 0.5, 0.5), [("greet", 0.97)])
    assert (d.kind, d.intent) == ("pass", "greet")


@pytest.mark.parametrize("text", [
    "i think i might kill myself", "there's a guy stalking me after class", "my friend is unconscious",
    "everyone would be better off without me", "someone brought a gun to the library",
    "honestly i probably won't be here for long", "my roommate left a goodbye video and locked her door",
    "a man is bleeding in the parking lot", "we just saw a bad crash by the student union",
    "i honestly wanna die", "been having sucidal thoughts", "ive been cutting myself again",
    "my uncle abuses me when nobody is home", "my TA sends me explicit texts late at night",
    "honestly might kms", "thinking about unaliving", "i won't be here next semester anyway, so why bother",
    "i want it all to end, permanently", "a guy from class won't stop messaging me and showed up at my dorm",
    "i swallowed way too many of my sleeping pills", "he keeps yelling that he'll stab us", "my dorm room is on fire",
    "i dont want to be alive", "she said she'll hurt my kids", "my wife locks me in the basement",
    "a stranger followed me home twice", "i dont feel safe at home tonight", "my dad is having a heart attack",
    "i'm going to hurt my roommate", "he is going to break my hands", "she's scared to go home",
    "i swallowed a handful of pills", "my brother messaged me goodbye out of nowhere",
])
def test_crisis_phrases(text):
    assert is_crisis_text(text)


@pytest.mark.parametrize("text", [
    "this deadline is killing me", "tell me about the crisis communication micro-credential",
    "is an emergency readiness micro-credential offered?", "i can't go on campus on tuesdays",
    "shooting for an A in PAD 681", "what does the fire science course cover",
    "will the course be around next year?", "how long is the crash course in data storytelling",
    "i'm gonna die if it costs more than $500", "does nonprofit leadership cover child abuse prevention",
    "will i succeed in the cybersecurity courses", "can the course content be abused by hackers",
    "i won't be here next week, can i take the course later", "credly keeps emailing me about my badge",
    "i took too many credits this semester", "i'm not waking up at 6am for an online class",
    "my parents will kill me if i fail", "is there a harassment prevention course", "do you run active shooter drills",
    "i almost had a heart attack at the tuition", "we need suicide prevention training for our staff",
    "my mom will kill me if i miss the deadline", "i won't be here next week because of a work trip",
    "the course touches on threat modeling", "does failing hurt my gpa", "is anyone following me on the forum",
])
def test_ordinary_messages_are_not_crises(text):
    assert not is_crisis_text(text)


def test_the_encoder_puts_paraphrases_closer_than_other_topics():
    a, b, c = encoder().encode(["how much does it cost", "what's the price of the courses", "do I need a C or better"])
    assert a @ b > a @ c + 0.1
    assert abs(float(np.linalg.norm(a)) - 1.0) < 1e-4


def write(path, topics):
    path.write_text(yaml.safe_dump({"topics": topics}, sort_keys=False), encoding="utf-8")


def test_the_shipped_answers_file_is_valid_and_marked_as_samples(repo):
    topics = load_answers(repo / "data" / "answers.yml")
    assert len(topics) >= 13 and all(t.sample and t.answer and len(t.examples) >= 3 for t in topics)


@pytest.mark.parametrize("topic, error", [
    ({"id": "Bad Id", "examples": ["q"], "answer": "a"}, "id"),
    ({"id": "ok", "examples": [], "answer": "a"}, "examples"),
    ({"id": "ok", "examples": ["q"], "answer": ["not", "text"]}, "answer"),
])
def test_a_mistake_in_the_answers_file_names_its_place(tmp_path, topic, error):
    write(tmp_path / "answers.yml", [topic])
    with pytest.raises(ConfigError, match=rf"topics\[0\]\.{error}"):
        load_answers(tmp_path / "answers.yml")


def test_a_duplicate_topic_id_is_refused():
    with pytest.raises(ConfigError, match="used twice"):
        parse_answers({"topics": [{"id": "a", "examples": ["q"]}, {"id": "a", "examples": ["r"]}]})


def test_the_answers_file_is_read_again_when_it_changes_and_a_bad_edit_keeps_the_last_good(tmp_path):
    path = tmp_path / "answers.yml"
    write(path, [{"id": "parking", "examples": ["where do I park"], "answer": "Lot A."}])
    answers = AnswersFile(path)
    assert answers.get("parking").answer == "Lot A."
    write(path, [{"id": "parking", "examples": ["where do I park"], "answer": "Lot B, next to the library."}])
    assert answers.get("parking").answer == "Lot B, next to the library."
    path.write_text("topics: [{id: 'Broken!'}]", encoding="utf-8")
    assert answers.get("parking").answer == "Lot B, next to the library."
    assert AnswersFile(tmp_path / "missing.yml").topics() == []


def test_an_office_written_answer_beats_the_cant_help_examples_it_was_written_for():
    staff = ExampleIndex(["financial_aid", "parking"], np.stack([AID, unit(-1, -1, 0.1, 0)]))
    d = decide(unit(-1, -1, 0.05, 0), [("out_of_scope", 0.97)], TRAINED, staff, CRISES, text="where do I park")
    assert (d.kind, d.topic) == ("staff", "parking")


def test_a_classifier_unsure_of_crisis_is_not_enough_without_meaning():
    """'will my badge expire at some point' once got the crisis reply from a 0.39 classifier guess."""
    staff = ExampleIndex(["badge_expiry"], np.stack([AID]))
    d = decide(unit(0, 0, 1, 0.05), [("crisis", 0.39), ("staff_answer", 0.32)], TRAINED, staff, CRISES,
               text="will my badge expire at some point")
    assert (d.kind, d.topic) == ("staff", "badge_expiry")


def test_a_short_follow_up_keeps_the_catalog_intent_both_opinions_rank_first():
    """'and its level?' scores low by meaning, but classifier and meaning agree on the intent."""
    e = np.eye(5, dtype=np.float32)
    trained = ExampleIndex(["credential_level", "faq_grades"], e[:2])
    staff, crises = ExampleIndex(["financial_aid"], e[2:3]), ExampleIndex(["crisis"], e[3:4])
    d = decide(unit(0.4, 0.1, 0, 0, 0.9), [("credential_level", 0.52), ("out_of_scope", 0.3)], trained, staff,
               crises, text="and its level?", passthrough_intents={"credential_level"})
    assert (d.kind, d.intent) == ("pass", "credential_level")


def test_a_sure_small_talk_guess_is_not_kept_when_the_words_clearly_mean_a_topic():
    """"I work nights, are the courses asynchronous?": the classifier sure of "goodbye", the words
    clearly about a staff topic (online or in person): not a goodbye. A real goodbye stays one."""
    e = np.eye(5, dtype=np.float32)
    trained = ExampleIndex(["goodbye", "faq_grades"], e[:2])
    staff, crises = ExampleIndex(["delivery_format"], e[2:3]), ExampleIndex(["crisis"], e[3:4])
    asked = decide(unit(0.3, 0, 0.65, 0, 0.7), [("goodbye", 0.84), ("faq_grades", 0.02)], trained, staff, crises,
                   text="i work nights, is it asynchronous", passthrough_intents={"goodbye"})
    assert asked.kind != "pass" and asked.intent != "goodbye"
    bye = decide(unit(0.9, 0, 0.3, 0, 0.3), [("goodbye", 0.95)], trained, staff, crises, text="bye for now",
                 passthrough_intents={"goodbye"})
    assert (bye.kind, bye.intent) == ("pass", "goodbye")


@pytest.mark.parametrize("refuse_score, kind", [(0.05, "answer"), (0.45, "refuse")])
def test_a_fair_agreement_answers_unless_meaning_finds_it_nearly_as_out_of_scope(refuse_score, kind):
    """'do i need concent from the director' (typo: meaning is lukewarm, both agree) is answered;
    'how do i make sourdough starter' (the same, but as close to the can't-help examples) is not."""
    e = np.eye(6, dtype=np.float32)
    trained = ExampleIndex(["faq_consent", "faq_grades", "out_of_scope"], e[:3])
    staff, crises = ExampleIndex(["financial_aid"], e[3:4]), ExampleIndex(["crisis"], e[4:5])
    vector = unit(0.55, 0.1, refuse_score, 0, 0, np.sqrt(max(0.0, 1 - 0.55 ** 2 - 0.1 ** 2 - refuse_score ** 2)))
    d = decide(vector, [("faq_consent", 0.8), ("out_of_scope", 0.1)], trained, staff, crises, text="a question")
    assert d.kind == kind


def test_a_sure_classifier_alone_is_not_a_crisis_when_the_meaning_is_nothing_like_one():
    """'hes my friend, he said its fine' got the crisis reply from a 0.84 classifier guess (its
    crisis examples share "my friend ... said"); its meaning is 0.36 like a crisis at most."""
    d = run(unit(1, 0, 0, 0.35), [("crisis", 0.84), ("faq_fees", 0.1)], text="hes my friend, he said its fine")
    assert d.kind != "crisis" and d.intent != "crisis"
    # with a meaning somewhat like a crisis, the sure classifier still wins
    assert run(unit(1, 0, 0, 0.9), [("crisis", 0.84), ("faq_fees", 0.1)]).kind == "crisis"


def test_a_message_naming_a_credential_is_a_crisis_only_by_its_words():
    """"show me all students who earned emergency readiness" once got the crisis reply."""
    d = run_named(unit(0, 0, 0, 1), [("crisis", 0.9), ("faq_fees", 0.05)], "who earned emergency readiness")
    assert d.kind != "crisis" and d.intent != "crisis"
    assert run_named(unit(0, 0, 0, 1), [("crisis", 0.9)], "i want to end my life, and emergency readiness").kind == "crisis"


def run_named(vector, ranking, text):
    return decide(vector, ranking, TRAINED, STAFF, CRISES, text=text, passthrough_intents={"greet"},
                  crisis_by_words_only=True)
