"""Typing a button instead of clicking it: after "Did you mean Data Storytelling?" a visitor types
"yes"; after a menu of topics, "the second one" or the button's own words. The typed reply is
read as the button it names (its payload), so it means what a click would have meant."""
from __future__ import annotations

import re
from typing import Dict, Optional, Sequence

#: Replies that accept the only button offered ("Yes, Data Storytelling"): a word of yes, then
#: nothing but filler ("yep that one", "yes please, thanks").
YES_WORDS = {"yes", "y", "ya", "yea", "yeah", "yep", "yup", "yess", "yesss", "sure", "correct", "right", "exactly",
             "affirmative", "indeed", "absolutely", "definitely", "si", "oui", "ja", "ok", "okay"}
FILLER = {"that", "one", "that's", "thats", "it", "is", "please", "pls", "plz", "thanks", "thank", "you", "i", "did",
          "do", "the", "sir", "mam", "this", "mean", "meant"}  # besides the words of YES_WORDS
_ORDINALS = {"first": 0, "1st": 0, "one": 0, "1": 0, "second": 1, "2nd": 1, "two": 1, "2": 1,
             "third": 2, "3rd": 2, "three": 2, "3": 2, "fourth": 3, "4th": 3, "4": 3, "last": -1}
_ORDINAL_RE = re.compile(r"^(?:the |number |option |no\.? )?(\w+)(?: one| option| button)?$")


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]+", " ", (text or "").lower()).split())


def typed_button(text: str, buttons: Sequence[Dict[str, str]]) -> Optional[str]:
    """The payload of the button a typed reply names, or None when it names none."""
    if not buttons:
        return None
    said = _plain(text)
    titles = [_plain(b.get("title", "")) for b in buttons]
    for title, b in zip(titles, buttons, strict=True):  # the button's words ("Yes, Data Storytelling")
        if said and (said == title or said == re.sub(r"^yes ", "", title)):
            return b.get("payload")
    words = said.split()
    if len(buttons) == 1 and words and (words[0] in YES_WORDS or said in ("that one", "thats it", "that's it")) \
            and all(w in FILLER or w in YES_WORDS for w in words[1:]):
        return buttons[0].get("payload")
    match = _ORDINAL_RE.match(said)
    if match and match.group(1) in _ORDINALS and len(buttons) > 1:
        index = _ORDINALS[match.group(1)]
        if -len(buttons) <= index < len(buttons):
            return buttons[index].get("payload")
    return None
