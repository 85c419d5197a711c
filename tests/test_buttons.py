"""A typed reply naming a button just offered (bot/buttons.py)."""
import pytest

from bot.buttons import typed_button

ONE = [{"title": "Yes, Data Storytelling", "payload": "/credential_overview"}]
MENU = [{"title": "Financial aid", "payload": "/a"}, {"title": "Fees", "payload": "/b"}, {"title": "Refunds", "payload": "/c"}]


@pytest.mark.parametrize("typed", ["yes", "Yes!", "yeah", "yep that one", "correct", "data storytelling", "Yes, Data Storytelling"])
def test_a_yes_or_the_buttons_words_press_the_only_button(typed):
    assert typed_button(typed, ONE) == "/credential_overview"


@pytest.mark.parametrize("typed", ["no", "what about cybersecurity", "yes but how much is it", ""])
def test_anything_else_is_a_message_of_its_own(typed):
    assert typed_button(typed, ONE) is None


@pytest.mark.parametrize("typed, payload", [("the second one", "/b"), ("fees", "/b"), ("3", "/c"), ("first", "/a"),
                                            ("the last one", "/c"), ("option 1", "/a")])
def test_a_menu_choice_by_number_or_words(typed, payload):
    assert typed_button(typed, MENU) == payload


def test_yes_to_a_menu_of_several_names_none_and_a_number_beyond_it_neither():
    assert typed_button("yes", MENU) is None
    assert typed_button("the fourth one", MENU) is None
    assert typed_button("yes", []) is None
