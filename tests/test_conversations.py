"""Whole conversations written blind (tests/conversations_test.yml; tests/conversations_dev.yml
was looked at while building the bot, so it is printed, not judged): follow-ups that leave the
credential, course or student out, topic switches, signed-in students and advisors, held with the
real bot through its REST webhook. Prints right / clarified / refused / wrong per turn."""
from conversation_eval import CONVERSATIONS, DEV_CONVERSATIONS, details, load, run, summary
from servers import API_TOKEN, sample_token

MIN_RIGHT = 0.85   # share of turns answered right
MAX_WRONG = 0.05   # share of turns answered confidently wrong


def test_blind_conversations(sample_bot, capsys):
    conversations = load(CONVERSATIONS)
    assert len(conversations) >= 30 and all(len(c["turns"]) >= 3 for c in conversations)
    results = run(sample_bot.url, API_TOKEN, sample_token, conversations)
    dev = run(sample_bot.url, API_TOKEN, sample_token, load(DEV_CONVERSATIONS))
    with capsys.disabled():
        print("\nblind conversations (test):", summary(results))
        print("conversations (development):", summary(dev))
    right = sum(t.outcome == "right" for t in results) / len(results)
    wrong = sum(t.outcome == "wrong" for t in results) / len(results)
    assert right >= MIN_RIGHT and wrong <= MAX_WRONG, summary(results) + "\n" + details(results)
