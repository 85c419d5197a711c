"""Staff change the answers file while the bot runs (issue 12): no code, no retraining, no restart.
Against the real bot of `make serve` (the session's sample bot reads a copy of data/answers.yml)."""
import uuid

import pytest
import yaml

PARKING = {
    "id": "parking",
    "title": "Parking",
    "examples": ["where can I park on campus", "is there a parking permit for evening students",
                 "which lot do I use for my classes"],
    "answer": "Micro-credential students park in Lot K with a free evening permit; ask {contact_email} for one.",
}


@pytest.fixture
def answers(sample_bot):
    """The running bot's answers file, restored after the test."""
    path = sample_bot.answers_path
    original = path.read_text(encoding="utf-8")
    yield path
    path.write_text(original, encoding="utf-8")


def edit(path, change):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw["topics"])
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_a_topic_added_at_run_time_is_found_by_meaning(sample_bot, answers):
    question = "do I need a permit to park when I come for class?"
    before = sample_bot.text(question, f"staff-{uuid.uuid4().hex}")
    assert "Lot K" not in before and "microcredentials@example.edu" in before  # honest: it didn't know
    edit(answers, lambda topics: topics.append(PARKING))
    after = sample_bot.text(question, f"staff-{uuid.uuid4().hex}")
    assert after == ("Micro-credential students park in Lot K with a free evening permit; "
                     "ask microcredentials@example.edu for one.")


def test_a_changed_answer_is_sent_at_once(sample_bot, answers):
    question = "will my badge expire at some point"
    assert "don't expire" in sample_bot.text(question)

    def change(topics):
        next(t for t in topics if t["id"] == "badge_expiry")["answer"] = "Badges are valid for five years (sample)."

    edit(answers, change)
    assert sample_bot.text(question, f"staff-{uuid.uuid4().hex}") == "Badges are valid for five years (sample)."


def test_a_topic_without_an_answer_yet_says_so_and_names_the_office(sample_bot, answers):
    def clear(topics):
        next(t for t in topics if t["id"] == "badge_expiry")["answer"] = ""

    edit(answers, clear)
    reply = sample_bot.text("will my badge expire at some point")
    assert reply.startswith("I don't have that information yet") and "microcredentials@example.edu" in reply
