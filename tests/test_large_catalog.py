"""A catalog of real size (tests/large_catalog.py: 124+ credentials, 433+ courses): answers stay
short, buttons stay few, and every name and alias is recognised, typos included."""
import random
import re
from typing import Any, Dict, List, Optional

import pytest
import yaml
from rasa.core.nlg.interpolator import interpolate_text
from rasa_sdk import Tracker
from sqlalchemy import select

from actions.catalog_info import ActionCatalogInfo
from actions.progress import ActionCheckProgress, ActionStackingReport
from bot.answers import answer_context, course_answer, credential_answer
from bot.catalog import ChooseGroup, parse_catalog
from bot.identity import issue_token
from bot.importer import import_records
from bot.records import AuditEntry, get_engine, session_scope
from bot.resolve import find_credential_in_text, misspelled_credential_span, resolve_credential
from actionkit import run as run_action
from actionkit import tracker as _tracker
from large_catalog import large_catalog, typo

MAX_CHARS = 900
MAX_BUTTONS = 8
SECRET = "test-secret-" + "x" * 40
INDEX_URL = "https://www.example.edu/microcredentials/program-index"


@pytest.fixture(scope="module")
def raw() -> Dict[str, Any]:
    return large_catalog()


@pytest.fixture(scope="module")
def big(raw):
    return parse_catalog(raw)


@pytest.fixture(scope="module")
def domain(repo):
    return yaml.safe_load((repo / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def serve_big(raw, tmp_path, monkeypatch, big):
    """The large catalog as $CATALOG_PATH, and a records database with two students: S2001
    with courses in twelve credentials, S2002 with none."""
    path = tmp_path / "catalog.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("CATALOG_PATH", str(path))
    monkeypatch.setenv("BOT_AUTH_SECRET", SECRET)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'records.db'}")
    students = tmp_path / "students.csv"
    students.write_text("student_id,name,email,has_bachelors\n"
                        "S2001,Sam Rivera,sam@example.edu,true\nS2002,Kim Lee,kim@example.edu,false\n")
    taken = [cred.course_codes[0] for cred in big.credentials[10:22]]
    enrollments = tmp_path / "enrollments.csv"
    enrollments.write_text("student_id,course,term,grade,credit_hours,institution\n"
                           + "".join(f"S2001,{code},Fall 2024,A,,\n" for code in taken))
    import_records(students, enrollments, big)
    yield [c for c in big.credentials if set(taken) & set(c.course_codes)]  # S2001's credentials
    get_engine().dispose()
    get_engine.cache_clear()


def tracker(text: str, intent: str, entities: Optional[List[Dict[str, Any]]] = None,
            auth: Optional[str] = None) -> Tracker:
    return _tracker(text, intent, auth, entities)


def run(action, t: Tracker) -> List[Dict[str, Any]]:
    return run_action(action, t)[0]


def assert_short(messages: List[Dict[str, Any]]) -> None:
    assert messages  # an answer; its words are checked by each test
    for m in messages:
        assert len(m.get("text") or "") <= MAX_CHARS, m["text"]  # (the progress card has no text)
        assert len(m.get("buttons") or []) <= MAX_BUTTONS, m["buttons"]


def names_of(cred) -> List[str]:
    return [cred.name, *cred.aliases]


# --- the generated catalog ---------------------------------------------------------------------

def test_the_generated_catalog_is_of_real_size_and_the_same_every_time(raw, big):
    assert large_catalog() == raw
    assert len(big.credentials) >= 124 and len(big.courses) >= 433
    assert {c.level for c in big.credentials} == {"undergraduate", "graduate"}
    assert any(isinstance(r, ChooseGroup) for c in big.credentials for r in c.requirements)
    assert any(c.consent_required for c in big.courses.values())
    assert sum(bool(c.stacks_into) for c in big.credentials) > 100
    keys = [re.sub(r"[^a-z0-9]+", " ", n.lower()).strip() for c in big.credentials for n in names_of(c)]
    assert len(keys) == len(set(keys)) >= 250
    assert "UX Design" in [c.name for c in big.credentials]


# --- answers stay short ------------------------------------------------------------------------

def test_every_placeholder_and_every_answer_stays_short(big, domain):
    context = answer_context(big)
    for key, value in context.items():
        assert len(str(value)) <= MAX_CHARS, key
    for name, variations in domain["responses"].items():
        for v in variations:
            assert len(interpolate_text(v["text"], context)) <= MAX_CHARS, name


def render(domain, name, catalog) -> str:
    text = next(v["text"] for v in domain["responses"][name] if v.get("condition"))
    return interpolate_text(text, answer_context(catalog))


def test_the_list_answers_give_counts_by_level_and_point_to_the_program_index(big, domain):
    available = render(domain, "utter_faq_available", big)
    undergrad = len(big.credentials_of_level("undergraduate"))
    graduate = len(big.credentials_of_level("graduate"))
    assert f"{len(big.credentials)} micro-credentials ({undergrad} undergraduate and {graduate} graduate)" in available
    assert INDEX_URL in available and "ask me about any one by name" in available
    assert sum(c.name in available for c in big.credentials) <= 5
    no_bachelors = render(domain, "utter_faq_no_bachelors", big)
    assert f"Undergraduate ones: {undergrad} in all, such as" in no_bachelors and INDEX_URL in no_bachelors
    launches = render(domain, "utter_faq_prior_courses", big)
    assert "Launch terms: from Spring 2018 to Fall 2024" in launches


def test_the_sample_catalog_still_lists_every_name(sample_catalog, domain):
    for cred in sample_catalog.credentials:
        assert f"{cred.name} ({cred.level})" in render(domain, "utter_faq_available", sample_catalog)
        assert f"{cred.name}: {cred.launch_term}" in render(domain, "utter_faq_prior_courses", sample_catalog)
    assert "Undergraduate ones: Data Storytelling and Cybersecurity Essentials." in render(
        domain, "utter_faq_no_bachelors", sample_catalog)
    assert "These are: PAD 695 (Nonprofit Leadership Practicum) and ART 265 (Information Design)." in render(
        domain, "utter_faq_consent", sample_catalog)


def test_the_consent_answer_says_where_to_look_instead_of_listing_every_course(big, domain):
    consent = [code for code, c in big.courses.items() if c.consent_required]
    answer = render(domain, "utter_faq_consent", big)
    assert f"{len(consent)} of the catalog's {len(big.courses)} courses do" in answer
    assert "course list marks them" in answer and INDEX_URL in answer
    assert sum(code in answer for code in consent) == 0


def test_a_credential_in_question_shows_which_of_its_courses_need_consent(big, serve_big):
    with_consent = [c for c in big.credentials if any(big.courses[k].consent_required for k in c.course_codes)]
    assert len(with_consent) > 20
    for cred in with_consent:
        messages = run(ActionCatalogInfo(), tracker(f"which courses of {cred.name} need consent?", "credential_courses",
                                                    [{"entity": "credential", "value": cred.name}]))
        assert_short(messages)
        lines = messages[0]["text"].split("\n")
        for code in cred.course_codes:
            marked = any(code in line and "needs consent" in line.split(code, 1)[1].split(";")[0] for line in lines)
            assert marked == big.courses[code].consent_required, (cred.name, code)


def test_every_catalog_answer_stays_short(big):
    for cred in big.credentials:
        for aspect in ("courses", "level", "launch", "stacks"):
            assert len(credential_answer(big, cred, aspect)) <= MAX_CHARS
    for code in big.courses:
        assert len(course_answer(big, code)) <= MAX_CHARS


# --- actions: short messages, few buttons ------------------------------------------------------

@pytest.mark.parametrize("intent", ["credential_courses", "credential_level", "credential_launch", "credential_stacks"])
def test_catalog_questions_about_every_credential(big, serve_big, intent):
    for cred in big.credentials:
        messages = run(ActionCatalogInfo(), tracker(f"tell me about {cred.name.lower()}", intent))
        assert_short(messages)
        assert messages[0]["text"].startswith(cred.name), messages[0]["text"]


def test_tell_me_about_ux_design(serve_big):
    messages = run(ActionCatalogInfo(), tracker("tell me about ux design", "credential_courses",
                                                [{"entity": "credential", "value": "ux design"}]))
    assert messages[0]["text"].startswith("UX Design (undergraduate, since")


def test_an_unknown_credential_offers_the_likeliest_few_and_the_program_index(big, serve_big):
    messages = run(ActionCatalogInfo(), tracker("courses of the quantum science badge", "credential_courses"))
    assert_short(messages)
    text, buttons = messages[0]["text"], messages[0]["buttons"]
    assert text.startswith(f"Which micro-credential do you mean? We offer {len(big.credentials)} — type its name")
    assert INDEX_URL in text and text.endswith("Is it one of these?")
    alike = {c.name for c in big.credentials if any("science" in n.lower().split() for n in names_of(c))}
    assert buttons and {b["title"] for b in buttons} <= alike
    nothing_alike = run(ActionCatalogInfo(), tracker("which one is it again", "credential_courses"))
    assert_short(nothing_alike)


def test_an_unknown_course_lists_its_subject_not_the_whole_catalog(big, serve_big):
    messages = run(ActionCatalogInfo(), tracker("what is BIO 999", "course_info"))
    assert_short(messages)
    text = messages[0]["text"]
    assert text.startswith("I don't know BIO 999. The catalog's BIO courses: BIO 1")
    assert f"The catalog has {len(big.courses)} courses" in text and INDEX_URL in text
    assert_short(run(ActionCatalogInfo(), tracker("which course do you mean", "course_info")))


def token(sub: str, role: str = "student") -> str:
    return issue_token(sub, role, 600, secret=SECRET)


def test_how_am_i_doing_offers_the_students_own_credentials_first(big, serve_big):
    mine = serve_big
    messages = run(ActionCheckProgress(), tracker("how am I doing?", "check_progress", auth=token("S2001")))
    assert_short(messages)
    text, buttons = messages[0]["text"], messages[0]["buttons"]
    # one short line for each of the first few, how many more, and a button for each of the likeliest
    assert text.startswith("Your micro-credentials:\n• ") and f"(and {len(mine) - 6} more)" in text
    assert len(buttons) == MAX_BUTTONS and {b["title"] for b in buttons} <= {c.name for c in mine}
    # a student with no courses, and an advisor asking about the first student
    assert_short(run(ActionCheckProgress(), tracker("how am I doing?", "check_progress", auth=token("S2002"))))
    advisor = run(ActionCheckProgress(), tracker("how is S2001 doing", "check_progress", auth=token("A900", "advisor")))
    assert_short(advisor)
    assert advisor[0]["buttons"][0]["payload"].startswith('/check_progress{"student_id": "S2001", "credential": ')


def test_a_progress_answer_on_a_credential_of_the_large_catalog(big, serve_big):
    cred = serve_big[0]
    messages = run(ActionCheckProgress(), tracker(f"how close am i to {cred.name}?", "check_progress", auth=token("S2001")))
    assert_short(messages)
    assert messages[0]["text"].startswith(f"{cred.name} ({cred.level}) for S2001: in progress, ")


def test_a_graduate_credential_for_a_student_without_a_bachelors_names_a_few_undergraduate_ones(big, serve_big):
    cred = big.credentials_of_level("graduate")[0]
    messages = run(ActionCheckProgress(), tracker(f"how close am i to {cred.name}?", "check_progress", auth=token("S2002")))
    assert_short(messages)
    text = messages[0]["text"]
    assert "Undergraduate micro-credentials need no degree, e.g. " in text
    assert sum(c.name in text for c in big.credentials_of_level("undergraduate")) <= 4


def test_the_stacking_question_offers_the_students_programs_first(big, serve_big):
    mine = {p for c in serve_big for p in c.stacks_into}
    messages = run(ActionStackingReport(), tracker("which of my courses count toward my degree?", "stacking_report",
                                                   auth=token("S2001")))
    assert_short(messages)
    assert messages[0]["text"].startswith("Toward which certificate or degree? Tap one or type its name")
    assert messages[0]["buttons"] and {b["title"] for b in messages[0]["buttons"]} <= mine
    # the buttons come from the student's record: a disclosure, audited
    with session_scope() as session:
        assert [(a.actor_sub, a.student_id, a.action) for a in session.execute(select(AuditEntry)).scalars()] == [
            ("S2001", "S2001", "credentials_with_courses")]
    assert_short(run(ActionStackingReport(), tracker("what counts toward my degree?", "stacking_report",
                                                     auth=token("S2002"))))


# --- recognition: every name and alias, typos included -----------------------------------------

def test_every_name_and_alias_is_resolved_exactly(big):
    for cred in big.credentials:
        for name in names_of(cred):
            assert resolve_credential(name, big).credential == cred, name
            assert resolve_credential(name.upper(), big).credential == cred, name
            for message in (f"tell me about {name}", f"what courses are in the {name.lower()} micro-credential?"):
                assert find_credential_in_text(message, big).credential == cred, message


def typos(big):
    """(credential, one misspelling of each of its names): a letter dropped or swapped. Names of
    fewer than six letters are left out: one edit in them makes another word, not a typo."""
    rng = random.Random(7)
    return [(cred, typo(name, rng)) for cred in big.credentials for name in names_of(cred)
            if len(re.sub(r"[^A-Za-z]", "", name)) >= 6]


def test_every_name_with_a_typo_is_suggested(big):
    cases = typos(big)
    assert len(cases) >= 250
    for cred, misspelled in cases:
        assert resolve_credential(misspelled, big).suggestion == cred, misspelled
        # in a message; "small business manaement" still holds its alias "small business" exactly
        found = find_credential_in_text(f"what courses are in {misspelled}?", big)
        assert (found.suggestion or found.credential) == cred, misspelled


def test_the_nlu_marks_where_a_name_is_misspelled(big):
    """The span the NLU marks as a credential: the misspelled words, resolved as the actions would;
    nothing for a name written exactly (the entity ruler's) or for a message naming none."""
    marked = 0
    for cred, misspelled in typos(big):
        message = f"how much is the {misspelled} one?"
        span = misspelled_credential_span(message, big)
        if span is None:  # the misspelled name holds an alias written exactly, the entity ruler's
            found = find_credential_in_text(message, big)
            assert (found.suggestion or found.credential) == cred, misspelled
            continue
        marked += 1
        words = message[span[0]:span[1]]
        assert (resolve_credential(words, big).suggestion or resolve_credential(words, big).credential) == cred, words
    assert marked >= 200
    for cred in big.credentials[::10]:
        assert misspelled_credential_span(f"is {cred.name} online?", big) is None
    for text in ("how much does it cost", "can i talk to a person", "what if i get a C-", "my friend is in danger",
                 "what laptop do i need for the cybersecurity classes"):
        assert misspelled_credential_span(text, big) is None, text


def test_a_name_with_a_word_split_in_two_is_marked(sample_catalog):
    text = "waht are the requirments for the data story telling one"
    start, end = misspelled_credential_span(text, sample_catalog)
    assert text[start:end] == "data story telling"
    assert resolve_credential("Data Story Telling", sample_catalog).credential.name == "Data Storytelling"
    start, end = misspelled_credential_span("how much is the Nonprofit Leadrship one", sample_catalog)
    assert (start, end) == (16, 35)


def test_a_typo_gets_did_you_mean_with_one_button(big, serve_big):
    for cred, misspelled in typos(big)[::3]:
        messages = run(ActionCatalogInfo(), tracker(f"what do i take for {misspelled}", "credential_courses"))
        if messages[0]["text"].startswith(f"{cred.name} ("):
            continue  # the misspelled name holds an alias of the same credential, written exactly
        assert messages[0]["text"] == f"Did you mean {cred.name}?"
        assert [b["title"] for b in messages[0]["buttons"]] == [f"Yes, {cred.name}"]


def test_a_misspelled_longer_name_is_not_taken_for_the_alias_inside_it(big, serve_big):
    # "Strategic Human Resources" holds "human resources", an alias of Human Resource Fundamentals
    messages = run(ActionCatalogInfo(), tracker("courses of stratgeic human resources", "credential_courses",
                                                [{"entity": "credential", "value": "human resources"}]))
    assert messages[0]["text"] == "Did you mean Strategic Human Resources?"
    messages = run(ActionCatalogInfo(), tracker("courses of human resources", "credential_courses",
                                                [{"entity": "credential", "value": "human resources"}]))
    assert messages[0]["text"].startswith("Human Resource Fundamentals (undergraduate")


@pytest.fixture(scope="module")
def nlp(big):
    from bot.nlp import build_pipeline

    return build_pipeline(big)


def test_entity_patterns_recognise_every_name_and_alias(big, nlp):
    for cred in big.credentials:
        for name in names_of(cred):
            unpunctuated = re.sub(r"[^A-Za-z0-9]+", " ", name)
            for message in (f"what courses are in {name}?", f"TELL ME ABOUT {name.upper()}", f"is {unpunctuated} graduate"):
                found = [(e.label_, e.ent_id_) for e in nlp(message).ents]
                assert ("credential", cred.id) in found, (message, found)
    code = list(big.courses)[-1]
    subject, number = code.split()
    message = f"does {code.lower()} or {subject}{number} or {subject}-{number} need consent"
    assert [(e.label_, e.ent_id_) for e in nlp(message).ents] == [("course", code)] * 3
