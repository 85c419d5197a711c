"""The progress card: a signed-in student's progress report drawn as a card by the widget.

The action server sends, right after the plain-text report (what other channels show), a custom
payload ``{"custom": {"progress_card": {...}}}`` (contract: docs/widget.md). The widget shows the
card in place of that text bubble and keeps the text one click away ("Text version").

The first three tests go through the real bot (conftest.py's servers, started once per session);
the last one feeds the page a made-up webhook reply, for what the real bot never sends (unknown
payloads, markup in values).
"""
from __future__ import annotations

import os
import shutil
import uuid
from typing import Dict, List, Tuple

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from browserkit import REPO, make_driver
from chatpage import ChatPage
from test_chat_widget import CONTRAST_JS

STUDENT = "S1004"  # data/sample: Data Storytelling in progress (a course done, one going, one needed)
QUESTION = "how am I doing on data storytelling"
TICK = "✓"
MAX_TEXT_CHARS = 900
MAX_LINE_CHARS = 160  # a line of the fallback text: about three lines of a chat bubble

# Replaces window.fetch so that the webhook answers with arguments[0] (the page's own files and
# config.json still come from the server).
STUB_WEBHOOK_JS = """
const replies = arguments[0];
const real = window.fetch;
window.fetch = (url, options) => String(url).endsWith('/webhooks/rest/webhook')
  ? Promise.resolve(new Response(JSON.stringify(replies), {status: 200, headers: {'Content-Type': 'application/json'}}))
  : real(url, options);
"""


@pytest.fixture
def page(browser, stack) -> ChatPage:
    return ChatPage(browser, stack.web_url + "/").load()


@pytest.fixture(scope="module")
def reply(stack) -> List[Dict]:
    """The REST webhook's reply to QUESTION from STUDENT (a fresh sender, a development token)."""
    login = requests.post(f"{stack.web_url}/dev/login", json={"sub": STUDENT, "role": "student"}, timeout=10)
    login.raise_for_status()
    body = {"sender": f"card-{uuid.uuid4().hex}", "message": QUESTION,
            "metadata": {"auth_token": login.json()["token"]}}
    answer = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
    answer.raise_for_status()
    return answer.json()


def text_and_card(reply: List[Dict]) -> Tuple[str, Dict]:
    """The report's text message and the progress_card right after it."""
    at = [i for i, r in enumerate(reply) if isinstance(r.get("custom"), dict) and "progress_card" in r["custom"]]
    assert at, f"no progress_card in the webhook reply (has the action server been given it yet?): {reply!r}"
    assert len(at) == 1, reply
    i = at[0]
    assert i > 0 and reply[i - 1].get("text"), f"the progress_card does not follow a text message: {reply!r}"
    return reply[i - 1]["text"], reply[i]["custom"]["progress_card"]


def read_card(card: WebElement) -> Dict:
    """What the widget shows on a card, as plain data."""
    css = lambda sel: card.find_elements(By.CSS_SELECTOR, sel)  # noqa: E731 - a one-line helper
    bar = css(".mcc-bar")[0]
    items = []
    for li in css(".mcc-item"):
        part = lambda sel, li=li: "".join(e.text for e in li.find_elements(By.CSS_SELECTOR, sel))  # noqa: E731 - a one-line helper per item
        items.append({"state": li.get_attribute("data-state"), "mark": part(".mcc-item__mark"),
                      "course": part(".mcc-item__course"), "meta": part(".mcc-item__meta"),
                      "text": li.text})
    return {
        "title": css(".mcc-card__title")[0].text,
        "sub": "".join(e.text for e in css(".mcc-card__sub")),
        "badge": css(".mcc-badge")[0].text,
        "label": css(".mcc-bar__label")[0].text,
        "role": bar.get_attribute("role"),
        "now": bar.get_attribute("aria-valuenow"),
        "max": bar.get_attribute("aria-valuemax"),
        "items": items,
        "gpa": "".join(e.text for e in css(".mcc-card__gpa")),
        "next": "".join(e.text for e in css(".mcc-card__next")),
    }


def ask_for_the_card(page: ChatPage) -> WebElement:
    page.sign_in(STUDENT)
    page.open_chat()
    before = len(page.bot_messages())
    page.ask(QUESTION)
    new = page.bot_messages()[before:]
    cards = [m for m in new if m.find_elements(By.CSS_SELECTOR, ".mcc-card")]
    assert cards, f"no card among the bot's answer: {[page.text_of(m) for m in new]!r}"
    return cards[0]


def test_the_text_fallback_next_to_the_card_is_short_and_readable(reply):
    text, card = text_and_card(reply)
    assert len(text) < MAX_TEXT_CHARS, f"{len(text)} characters:\n{text}"
    lines = text.splitlines()
    assert len(lines) >= 3, text
    long = [line for line in lines if len(line) > MAX_LINE_CHARS]
    assert not long, f"lines over {MAX_LINE_CHARS} characters: {long!r}"
    lowered = text.lower()
    assert "done" in lowered or "still needed" in lowered, text
    assert text.startswith(f"{card['title']} ({card['level']}) for {STUDENT}"), text
    for item in card["items"]:  # every line of the card is in the text too
        assert item["course"] in text, (item, text)


def test_a_progress_question_shows_the_card_instead_of_the_text(page, browser, reply, reports_dir):
    browser.set_window_size(1280, 1000)
    text, expected = text_and_card(reply)
    message = ask_for_the_card(page)
    shown = read_card(message.find_element(By.CSS_SELECTOR, ".mcc-card"))

    assert shown["title"] == expected["title"] == "Data Storytelling"
    assert expected["level"] in shown["sub"] and STUDENT in shown["sub"]
    assert shown["badge"] == expected["status_label"]
    # the bar: "d of t courses", and the same figures for assistive technology
    done, total = expected["done"], expected["total"]
    assert shown["label"] == f"{done} of {total} courses"
    assert (shown["role"], shown["now"], shown["max"]) == ("progressbar", str(done), str(total))
    # the checklist: one line per item, a tick exactly on the done ones (with grade and term)
    assert len(shown["items"]) == len(expected["items"]) > 0
    assert [i["state"] for i in shown["items"]] == [i["state"] for i in expected["items"]]
    ticked = [i for i in shown["items"] if i["mark"] == TICK]
    assert len(ticked) == done == sum(i["state"] == "done" for i in expected["items"])
    assert all(i["state"] == "done" for i in ticked)
    for got, want in zip(shown["items"], expected["items"], strict=True):
        assert got["course"] == want["course"]
        if want["state"] == "done":
            assert want["grade"] in got["meta"] and want["term"] in got["meta"]
        else:
            assert got["mark"] == ""  # drawn by the stylesheet: a half-filled circle or an empty box
    # S1004's record (data/sample/enrollments.csv): INF 120 passed with a B in Fall 2024
    assert any(i["course"] == "INF 120" and "B" in i["meta"] and "Fall 2024" in i["meta"] for i in ticked)
    if expected["gpa"] is not None:
        assert shown["gpa"].startswith(f"GPA {expected['gpa']:.2f} — minimum {expected['min_gpa']:.2f}")
    if expected["next_step"]:
        assert expected["next_step"] in shown["next"]

    # The card replaces the text bubble: one message, its text collapsed under "Text version".
    assert page.bot_messages()[-1] == message
    assert [m for m in page.bot_messages() if page.text_of(m) == text] == [message]
    version = message.find_element(By.CSS_SELECTOR, "details.mcc-card__text")
    assert version.get_attribute("open") is None and not version.find_element(By.CSS_SELECTOR, ".mcc-text").is_displayed()
    version.find_element(By.CSS_SELECTOR, "summary").click()
    assert version.find_element(By.CSS_SELECTOR, ".mcc-text").text == text
    assert browser.execute_script(CONTRAST_JS) == []  # card and opened text version, 4.5:1
    version.find_element(By.CSS_SELECTOR, "summary").click()  # closed again for the picture
    assert [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []  # CSP is happy

    # the card survives a reload (kept with the conversation)
    browser.refresh()
    page.wait().until(lambda d: page.cards())
    assert read_card(page.cards()[-1]) == shown

    browser.execute_script("document.activeElement.blur(); arguments[0].scrollIntoView({block: 'end'})", page.cards()[-1])
    shot = reports_dir / "progress-card.png"
    assert page.panel().screenshot(str(shot))
    if os.environ.get("UPDATE_DOCS_SCREENSHOT") == "1":  # refresh docs/progress-card.png
        shutil.copyfile(shot, REPO / "docs" / "progress-card.png")


def test_the_card_fits_a_360px_screen(chromium, stack, tmp_path, reports_dir):
    driver = make_driver(tmp_path / "phone-profile", width=360, height=740, phone=True)
    try:
        page = ChatPage(driver, stack.web_url + "/").load()
        assert driver.execute_script("return window.innerWidth") == 360
        message = ask_for_the_card(page)
        card = message.find_element(By.CSS_SELECTOR, ".mcc-card")
        driver.execute_script("arguments[0].scrollIntoView({block: 'end'})", card)
        panel = driver.execute_script("return document.getElementById('mcc-panel').getBoundingClientRect().toJSON()")
        box = driver.execute_script("return arguments[0].getBoundingClientRect().toJSON()", card)
        assert panel["left"] >= 0 and panel["right"] <= 360
        assert box["left"] >= panel["left"] and box["right"] <= panel["right"]
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 360  # no sideways scrolling
        # nothing inside the card sticks out of it
        assert driver.execute_script(
            "const c = arguments[0].getBoundingClientRect();"
            "return Array.from(arguments[0].querySelectorAll('*')).filter((e) => {"
            "  const r = e.getBoundingClientRect(); return r.width && (r.left < c.left - 0.5 || r.right > c.right + 0.5);"
            "}).map((e) => e.className);", card) == []
        driver.save_screenshot(str(reports_dir / "progress-card-360px.png"))
    finally:
        driver.quit()


def test_unknown_payloads_are_ignored_and_values_stay_text(page, browser):
    """A made-up webhook reply (the real bot never sends these)."""
    hostile = '<img src=x onerror="window.hacked=1">'
    card = {"title": "Data <b>Storytelling</b>", "level": "undergraduate", "student_id": "S1004",
            "status": "not_started", "status_label": "not started", "done": 0, "total": 2,
            "items": [{"course": "DSC 300", "title": hostile, "state": "needed", "note": "needs instructor consent"},
                      {"course": "one of DSC 301 or DSC 302", "state": "needed"}],
            "gpa": None, "min_gpa": 2.0, "gpa_ok": None, "next_step": ""}
    others = [dict(card, title=status, status=status, gpa=1.5, gpa_ok=False, done=1, items=[
        {"course": "A 1", "state": "done", "grade": "A", "term": "Fall 2024"},
        {"course": "A 2", "state": "in_progress", "term": "Fall 2026"}]) for status in ("earned", "in_progress", "not_eligible")]
    browser.execute_script(STUB_WEBHOOK_JS, [
        {"recipient_id": "x", "custom": {"something_else": {"html": hostile}}},  # ignored
        {"recipient_id": "x", "text": "Plain text before the report."},
        {"recipient_id": "x", "custom": {"video": "x"}},  # ignored; the card is not after the text now
        {"recipient_id": "x", "custom": {"progress_card": card}},
        {"recipient_id": "x", "custom": {"progress_card": {"title": "no numbers"}}},  # unusable: ignored
        {"recipient_id": "x", "custom": "a string"},
        {"recipient_id": "x", "custom": None},
    ] + [{"recipient_id": "x", "custom": {"progress_card": c}} for c in others])
    page.open_chat()
    page.ask("anything")
    messages = page.bot_messages()
    assert [page.text_of(m) for m in messages] == ["Plain text before the report.", "", "", "", ""]
    assert len(page.cards()) == 4
    shown = read_card(page.cards()[0])
    assert shown["title"] == "Data <b>Storytelling</b>"  # as text, not markup
    assert shown["label"] == "0 of 2 courses" and (shown["now"], shown["max"]) == ("0", "2")
    assert [i["mark"] for i in shown["items"]] == ["", ""] and hostile in shown["items"][0]["text"]
    assert shown["gpa"] == "No GPA yet — minimum 2.00" and shown["next"] == ""
    assert not messages[1].find_elements(By.CSS_SELECTOR, "details")  # no text to fall back to
    assert browser.execute_script("return window.hacked") is None
    assert not browser.find_elements(By.CSS_SELECTOR, "#mcc-panel img, #mcc-panel b")
    assert [read_card(c)["gpa"] for c in page.cards()[1:]] == ["GPA 1.50 — minimum 2.00 (below the minimum)"] * 3
    assert browser.execute_script(CONTRAST_JS) == []  # every badge colour, the low-GPA line
