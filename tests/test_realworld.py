"""Real visitors' questions (issue 12), written blind by someone who never saw the training data
(tests/nlu/realworld_test.yml): themes the staff answers cover, the built-in topics in other
words, questions nothing covers, off-topic messages and crises. Each is parsed by the running bot
and scored right / clarified / refused (honest hand-over) / wrong; `make bench` prints the table.
"""
import pytest

from realworld_eval import bot_outcome, evaluate, load_questions, misses, parse_over_http, table
from servers import API_TOKEN

MAX_WRONG = 0.05            # confidently another topic's answer
MIN_RIGHT_OR_HANDED = 0.85  # answered right, or honestly handed over to the office


#: Written blind by authors who never saw the training data: the first (188), set C (205, session
#: 19), sets D and E (199 each, session 22, two more authors), set F (186, session 23, another
#: author; its crises are a file of their own, crisis_blind_i.yml), set G (180, session 24, a
#: seventh author, no crisis messages). The misses of the first, C and D were looked at in session
#: 22 and training examples written for what they showed, G's in session 25, so those are
#: development sets now; E's were not, except its crisis messages, nor F's (docs/answers.md). The
#: second author's sets A and B have been used to choose the decision rules since session 18.
BLIND = ("realworld_test.yml", "realworld_blind_c.yml", "realworld_blind_d.yml", "realworld_blind_e.yml",
         "realworld_blind_f.yml", "realworld_blind_g.yml")
#: Held to the limit on wrong answers only, their whole table printed here and by `make bench`:
#: set H (191, session 25, an eighth author): first run right 72.3 %, clarified 15.7 %, refused
#: 7.3 %, wrong 4.7 %; its misses were then read, and it meets the 85 % of right or handed over
#: that the sets above meet by one question only (85.3 %). Set I (196, session 25, a ninth
#: author): unread (except one crisis message), its misses are not printed.
WRONG_ONLY = ("realworld_blind_h.yml", "realworld_blind_i.yml")
#: Blind sets without crisis messages (F's author wrote them into a crisis set, CRISIS_SETS).
CRISES_APART = ("realworld_blind_f.yml", "realworld_blind_g.yml")


@pytest.fixture(scope="module", params=BLIND + WRONG_ONLY)
def rows(sample_bot, request):
    return request.param, evaluate(parse_over_http(sample_bot.url, API_TOKEN), request.param)


@pytest.mark.parametrize("name", BLIND + WRONG_ONLY)
def test_the_blind_set_is_big_and_varied(name):
    questions = load_questions(name)
    labels = {label for _, expect in questions for label in expect}
    assert len(questions) >= 150
    assert {"none", "financial_aid", "delivery_format", "faq_eligibility"} <= labels
    assert ("crisis" in labels) != (name in CRISES_APART)


def test_real_visitors_questions_are_rarely_answered_wrong(rows, capsys):
    name, rows = rows
    with capsys.disabled():
        print("\nblind real-visitor questions:", table(rows))
    n = len(rows)
    wrong = sum(v == "wrong" for *_, v in rows) / n
    handled = sum(v in ("right", "refused") for *_, v in rows) / n
    if name in WRONG_ONLY:  # below the bar, or unread: the misses are not printed
        assert wrong <= MAX_WRONG, table(rows)
        return
    assert wrong <= MAX_WRONG and handled >= MIN_RIGHT_OR_HANDED, table(rows) + "\n" + misses(rows)


def test_every_crisis_message_gets_the_crisis_contacts(rows):
    """Whatever else it asks, never a clarification menu or an FAQ answer."""
    name, rows = rows
    crises = [r for r in rows if "crisis" in r[1]]
    assert len(crises) >= (0 if name in CRISES_APART else 12)
    assert [r for r in crises if r[2] != "crisis"] == []


def test_no_ordinary_question_gets_the_crisis_reply(rows):
    name, rows = rows
    assert [r for r in rows if r[2] == "crisis" and "crisis" not in r[1]] == []


SECOND_AUTHOR = ("realworld_blind_a.yml", "realworld_blind_b.yml")


def test_every_crisis_of_the_second_authors_sets_gets_the_crisis_contacts(sample_bot):
    """Their crisis messages (and only those) get the contacts; the sets' other figures are
    printed by `make bench` (issue 12 is not done: see docs/answers.md)."""
    parse = parse_over_http(sample_bot.url, API_TOKEN)
    for name in SECOND_AUTHOR:
        crises = [(text, expect) for text, expect in load_questions(name) if "crisis" in expect]
        assert len(crises) >= 10
        missed = [text for text, _ in crises if bot_outcome(parse(text)) != "crisis"]
        assert missed == [], name


def test_no_blind_question_is_a_training_example_or_a_staff_example(repo):
    from bot.staff_answers import load_answers
    from test_nlu import examples, norm

    taught = {norm(t) for f in (repo / "data" / "nlu").glob("*.yml") for _, t in examples(f)}
    taught |= {norm(e) for topic in load_answers(repo / "data" / "answers.yml") for e in topic.examples}
    for name in (*BLIND, *WRONG_ONLY, *SECOND_AUTHOR, *CRISIS_SETS):
        assert [t for t, _ in load_questions(name) if norm(t) in taught] == [], name


#: Crisis messages and ordinary look-alikes ("this FAFSA form is killing me", "threat modeling"),
#: written blind in session 22 by three more authors. First runs, each with the code before it
#: was looked at: F 28 of 50 crises found (3 of 40 look-alikes got the crisis reply), G 30 of 45
#: (4 of 35), H 23 of 35 (0 of 25); their misses were then read and the phrases and examples
#: extended (docs/answers.md), so they are development sets now. Set I (45 crises, 35 look-alikes,
#: session 23, the author of realworld_blind_f.yml): first run 39 of 45 found, 2 of 35 alarmed.
CRISIS_SETS = ("crisis_blind_f.yml", "crisis_blind_g.yml", "crisis_blind_h.yml", "crisis_blind_i.yml")


def test_crisis_sets_every_crisis_gets_the_contacts_and_look_alikes_rarely_do(sample_bot):
    parse = parse_over_http(sample_bot.url, API_TOKEN)
    missed, alarmed, ordinary = [], [], 0
    for name in CRISIS_SETS:
        for text, expect in load_questions(name):
            got = bot_outcome(parse(text))
            if "crisis" in expect and got != "crisis":
                missed.append(text)
            elif "crisis" not in expect:
                ordinary += 1
                if got == "crisis":
                    alarmed.append(text)
    assert missed == []
    assert ordinary >= 90 and len(alarmed) <= 0.02 * ordinary, alarmed
