"""Whole conversations written blind (tests/conversations_final.yml): follow-ups that leave the
credential, course or student out, topic switches, signed-in students and advisors, held with the
real bot through its REST webhook. Prints right / clarified / refused / wrong per turn for every
set; the two sets looked at while building the bot (tests/conversation_eval.py, SETS) are printed,
not judged."""
from conversation_eval import CONVERSATIONS, SETS, details, load, run, summary
from servers import API_TOKEN, sample_token

MIN_RIGHT = 0.85   # share of turns answered right
MAX_WRONG = 0.05   # share of turns answered confidently wrong


def test_blind_conversations(sample_bot, capsys):
    conversations = load(CONVERSATIONS)
    assert len(conversations) >= 30 and all(len(c["turns"]) >= 3 for c in conversations)
    results = run(sample_bot.url, API_TOKEN, sample_token, conversations)
    with capsys.disabled():
        print(f"\nblind conversations ({CONVERSATIONS.name}):", summary(results))
        for path in SETS.values():
            if path != CONVERSATIONS:
                print(f"conversations looked at while building ({path.name}):",
                      summary(run(sample_bot.url, API_TOKEN, sample_token, load(path))))
    right = sum(t.outcome == "right" for t in results) / len(results)
    wrong = sum(t.outcome == "wrong" for t in results) / len(results)
    assert right >= MIN_RIGHT and wrong <= MAX_WRONG, summary(results) + "\n" + details(results)
