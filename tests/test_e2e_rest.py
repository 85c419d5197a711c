"""End to end: `make serve` started by the test, messages posted to the REST webhook."""
import pytest

from servers import serve


@pytest.fixture(scope="module")
def bot():
    with serve() as running:
        yield running


def test_faq_answers_come_from_the_catalog(bot):
    assert "GPA of 3.0" in bot.text("what gpa do i need for a graduate microcredential?")
    assert "microcredentials@example.edu" in bot.text("who do i email with more questions")


def test_a_conversation_keeps_its_context(bot):
    sender = "e2e-context"
    assert bot.text("hi there", sender).startswith("Hi!")
    assert "PAD 681" in bot.text("which courses are in disaster prep?", sender)
    assert bot.text("and what level is it?", sender).startswith("Disaster Readiness is a graduate")


def test_low_confidence_gets_buttons_not_a_guess(bot):
    replies = bot.say("qwzx blorp vrrk")
    assert replies[0]["text"].startswith("Sorry, I'm not sure I understood.")
    assert 1 <= len(replies[0]["buttons"]) <= 3
    # pressing a button sends its payload and gets that topic's answer
    payload = replies[0]["buttons"][0]["payload"]
    assert bot.text(payload)
