"""End to end: `make serve` started by the test, messages posted to the REST webhook
(with `metadata.auth_token` for personal questions), replies checked."""

import pytest

from servers import API_TOKEN, sample_token


@pytest.fixture(scope="module")
def bot(sample_bot):
    return sample_bot


def token(sub: str, role: str = "student") -> str:
    return sample_token(sub, role)


def test_faq_answers_come_from_the_catalog(bot):
    assert "GPA of 3.0" in bot.text("what gpa do i need for a graduate microcredential?")
    assert "microcredentials@example.edu" in bot.text("who do i email with more questions")


def test_a_conversation_keeps_its_context(bot):
    sender = "e2e-context"
    assert bot.text("hi there", sender).startswith("Hi!")
    assert "PAD 681" in bot.text("which courses are in disaster prep?", sender)
    assert bot.text("and what level is it?", sender).startswith("Disaster Readiness is a graduate")


def test_gibberish_gets_an_honest_hand_over_not_a_guess(bot):
    reply = bot.text("qwzx blorp vrrk")
    assert reply.startswith("Sorry, I don't have an answer to that.") and "microcredentials@example.edu" in reply


def test_a_question_between_topics_gets_buttons_and_a_button_gets_its_answer(bot):
    replies = bot.say("question about my classes")
    assert replies[0]["text"].startswith("Sorry, I'm not sure I understood.")
    assert 1 <= len(replies[0]["buttons"]) <= 3
    # pressing a button sends its payload and gets that topic's answer, not another question
    answer = bot.text(replies[0]["buttons"][0]["payload"])
    assert answer and not answer.startswith("Sorry")


def test_signed_in_student_gets_their_own_progress(bot):
    reply = bot.text("how close am I to the data storytelling badge?", metadata={"auth_token": token("S1004")})
    assert reply.startswith("Data Storytelling (undergraduate) for S1004: in progress, 1 of 3 courses done.")
    assert "✓ INF 120 — B" in reply and "☐ STA 205 — still needed" in reply


def test_without_a_token_the_bot_asks_to_sign_in(bot):
    reply = bot.text("how close am I to the data storytelling badge?")
    assert reply.startswith("Please sign in")
    assert "INF 120" not in reply


def test_advisor_looks_up_another_student_and_a_student_may_not(bot):
    question = "progress of S1001 on disaster readiness"
    assert "for S1001: earned" in bot.text(question, metadata={"auth_token": token("A77", "advisor")})
    assert bot.text(question, metadata={"auth_token": token("S1004")}).startswith("I can only show you your own records")


def test_malformed_bodies_get_a_400_and_the_bot_keeps_answering(bot):
    import requests

    url = f"{bot.url}/webhooks/rest/webhook"
    for body in ('["a list"]', '{"sender": "x", "message": 5}', '{"sender": "x", "message": "hi", "metadata": "x"}'):
        reply = requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=10)
        assert reply.status_code == 400 and "error" in reply.json(), body
    assert bot.text("hello").startswith("Hi!")


def test_the_sign_in_token_is_not_kept_in_the_conversation(bot):
    import requests

    sender, secret_token = "e2e-token-kept", token("S1004")
    assert "S1004" in bot.text("how close am I to the data storytelling badge?", sender, {"auth_token": secret_token})
    stored = requests.get(f"{bot.url}/conversations/{sender}/tracker", params={"token": API_TOKEN}, timeout=10).json()
    assert "how close am I" in str(stored) and secret_token not in str(stored)


def test_the_consent_answer_is_about_the_credential_in_question(bot):
    sender = "e2e-consent"
    assert "PAD 695" in bot.text("what courses does nonprofit leadership need", sender)
    reply = bot.text("do any of those need special permission?", sender)
    assert "For Nonprofit Leadership: PAD 695 (Nonprofit Leadership Practicum) needs it" in reply
    assert "ART 265" not in reply  # another credential's consent course
    named = bot.text("does data storytelling have courses that need consent?")
    assert "For Data Storytelling: ART 265 (Information Design) needs it" in named


def test_typing_yes_to_did_you_mean_answers_like_the_button(bot):
    """People type "yes" instead of clicking "Yes, Cybersecurity Essentials"; "yes" alone meant nothing."""
    sender = "e2e-typed-yes"
    asked = bot.say("wat courses are in the cybersecurty esentials one", sender)
    assert asked[0]["text"] == "Did you mean Cybersecurity Essentials?"
    assert "CIT 270" in bot.text("yeah", sender)


def test_typing_a_menu_choice_answers_like_its_button(bot):
    sender = "e2e-typed-choice"
    menu = bot.say("question about my classes", sender)
    assert len(menu[0]["buttons"]) >= 2
    by_click = bot.text(menu[0]["buttons"][1]["payload"])
    assert bot.text("the second one", sender) == by_click


def test_an_acknowledgement_with_nothing_to_answer_is_no_refusal(bot):
    reply = bot.text("ok")
    assert not reply.startswith("Sorry") and "What would you like to know?" in reply


def test_a_statement_naming_a_credential_gets_its_overview_and_sets_the_context(bot):
    """Nothing else in "im a nurse thinking about disaster readiness" is understood; the bot says
    what the credential is rather than "I don't have an answer", and "it" is that credential next."""
    sender = "e2e-statement"
    assert bot.text("i work in a hospital and i'm looking at disaster readiness", sender).startswith(
        "Disaster Readiness: graduate micro-credential")
    assert "PAD 682" in bot.text("which classes would i take for it", sender)
    # a visitor's statement is no question about a record: no "please sign in"
    assert bot.text("looking at cybersecurity essentials").startswith("Cybersecurity Essentials: undergraduate")
    # a question the bot can't answer stays an honest hand-over, credential named or not
    assert bot.text("do the data storytelling students get a campus gym pass?").startswith(
        "Sorry, I don't have an answer to that.")
