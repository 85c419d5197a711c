"""The sample page's chat widget in headless Chromium, against the real servers (conftest.py)."""
from __future__ import annotations

import os
import shutil
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from browserkit import REPO, make_driver
from chatpage import ERROR_TEXT, ChatPage

FEES_QUESTION = "what is the price of a micro-credential?"
FEES_ANSWER = "There's no special micro-credential fee."
CONTACT = "microcredentials@example.edu"
SIGN_IN_REQUEST = "Please sign in"

# Text colour against the first opaque background behind it, as WCAG 2 computes contrast.
CONTRAST_JS = """
function lum(c) {
  const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function rgba(s) { const m = s.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; }
function background(el) {
  for (let e = el; e; e = e.parentElement) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c[3] >= 0.99) return c.slice(0, 3);
  }
  return [255, 255, 255];
}
const bad = [];
for (const el of document.querySelectorAll("body *")) {
  const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
  const style = getComputedStyle(el);
  if (!own || !el.getClientRects().length || style.visibility === "hidden" || el.closest(".mcc-sr, .skip-link")) continue;
  const fg = rgba(style.color), bg = background(el);
  const [a, b] = [lum(fg.slice(0, 3)), lum(bg)].sort((x, y) => y - x);
  const ratio = (a + 0.05) / (b + 0.05);
  if (ratio < 4.5) bad.push(el.tagName + "." + el.className + " '" + el.textContent.trim().slice(0, 30) + "' " + ratio.toFixed(2));
}
return bad;
"""


@pytest.fixture
def page(browser, stack) -> ChatPage:
    return ChatPage(browser, stack.web_url + "/").load()


def test_an_faq_question_gets_its_answer_with_a_clickable_address(page):
    page.open_chat()
    answer = page.ask(FEES_QUESTION)
    assert answer and answer[0].startswith(FEES_ANSWER)
    assert page.user_texts() == [FEES_QUESTION]
    link = page.bot_messages()[-1].find_element(By.CSS_SELECTOR, f"a[href='mailto:{CONTACT}']")
    assert link.text == CONTACT
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    # No console errors: nothing blocked by the Content-Security-Policy, no missing file.
    assert [e["message"] for e in page.driver.get_log("browser") if e["level"] == "SEVERE"] == []


def test_a_reply_button_sends_its_payload_and_shows_its_title(page):
    page.open_chat()
    answer = page.ask("which courses are in the project management micro-credential?")
    assert answer[-1].startswith("Which micro-credential do you mean?")
    titles = [b.text for b in page.bot_messages()[-1].find_elements(By.CSS_SELECTOR, "button.mcc-choice")]
    assert "Nonprofit Leadership" in titles
    follow_up = page.click_choice("Nonprofit Leadership")
    assert page.user_texts()[-1] == "Nonprofit Leadership"  # the title, not the /intent payload
    assert follow_up[0].startswith("Nonprofit Leadership (graduate")
    assert "PAD 640" in follow_up[0]


def test_each_signed_in_student_sees_their_own_courses(page):
    page.sign_in("S1004")
    page.open_chat()
    mine = page.ask("how am I doing on data storytelling so far?")
    assert mine[0].startswith("Data Storytelling (undergraduate) for S1004:")
    assert "INF 120" in mine[0]

    page.sign_out()
    page.sign_in("S1001")
    assert page.bot_texts() == [] and page.user_texts() == []  # someone else: a fresh conversation
    # a plainly worded question: this test is about whose record is shown, not about NLU
    theirs = page.ask("what is my progress on disaster readiness?")
    assert theirs[0].startswith("Disaster Readiness (graduate) for S1001: earned")  # "earned, 3 of 3 courses done."
    assert "PAD 681" in theirs[0] and "S1004" not in theirs[0]

    page.sign_out()
    assert page.bot_texts() == []
    signed_out = page.ask("how am I doing on data storytelling so far?")
    assert signed_out[0].startswith(SIGN_IN_REQUEST)
    assert "INF 120" not in " ".join(page.bot_texts())


def test_a_visitor_who_never_signed_in_is_asked_to_sign_in(page):
    page.open_chat()
    assert "Not signed in" in page.who()
    answer = page.ask("what's left for me in data storytelling?")
    assert answer[0].startswith(SIGN_IN_REQUEST)
    assert "INF 120" not in answer[0]


def test_the_conversation_survives_a_reload(page, browser):
    page.sign_in("S1004")
    page.open_chat()
    page.ask("which courses are in disaster prep?")
    before_bot, before_user = page.bot_texts(), page.user_texts()
    browser.refresh()
    page.wait().until(lambda d: len(page.bot_texts()) == len(before_bot))
    assert page.panel().is_displayed()  # it was open, so it opens again
    assert page.bot_texts() == before_bot and page.user_texts() == before_user
    assert "S1004" in page.who()
    # Same sender id after the reload: the bot still knows which credential we talked about.
    follow_up = page.ask("and what level is it?")
    assert follow_up[0].startswith("Disaster Readiness is a graduate")


def test_new_chat_starts_a_fresh_conversation(page, browser):
    page.open_chat()
    page.ask(FEES_QUESTION)
    sender = lambda: browser.execute_script("return JSON.parse(sessionStorage.getItem('mcchat:v1')).sender")  # noqa: E731 - a one-line helper
    first = sender()
    browser.find_element(By.CSS_SELECTOR, "#mcc-panel .mcc-text-button").click()
    page.wait().until(lambda d: page.bot_texts() == [] and page.user_texts() == [])
    assert sender() != first and sender().startswith("web-")


def test_keyboard_and_screen_reader_basics(page, browser):
    launcher = browser.find_element(By.CSS_SELECTOR, ".mcc-launcher")
    assert launcher.get_attribute("aria-expanded") == "false"
    assert launcher.text.strip() == "Ask the advisor"
    launcher.send_keys(Keys.ENTER)  # a real <button>: the keyboard opens it
    page.wait().until(lambda d: page.panel().is_displayed())
    assert launcher.get_attribute("aria-expanded") == "true"
    assert browser.switch_to.active_element.get_attribute("id") == "mcc-input"

    panel = page.panel()
    assert panel.get_attribute("role") == "dialog"
    title = browser.find_element(By.ID, panel.get_attribute("aria-labelledby"))
    assert title.text == "Micro-credential advisor"
    log = browser.find_element(By.CSS_SELECTOR, "#mcc-panel .mcc-log")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"
    assert browser.find_element(By.CSS_SELECTOR, "label[for='mcc-input']").get_attribute("textContent") == "Your message"
    for control in panel.find_elements(By.CSS_SELECTOR, "button"):
        assert control.get_attribute("aria-label") or control.get_attribute("textContent").strip()

    page.ask(FEES_QUESTION)  # sent with the Enter key
    for choice in browser.find_elements(By.CSS_SELECTOR, "#mcc-panel button"):
        assert choice.get_property("tabIndex") == 0

    # A visible focus outline on the focused control (the message box keeps focus after sending).
    assert browser.switch_to.active_element.get_attribute("id") == "mcc-input"
    style, width = browser.execute_script(
        "const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth];")
    assert style == "solid" and float(width.rstrip("px")) >= 2

    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    page.wait().until(lambda d: not page.panel().is_displayed())
    assert launcher.get_attribute("aria-expanded") == "false"
    assert browser.switch_to.active_element == launcher  # focus goes back to the launcher


def test_text_contrast_is_at_least_4_5_to_1(page, browser):
    page.sign_in("S1004")
    page.open_chat()
    page.ask("which courses are in the project management micro-credential?")
    assert browser.execute_script(CONTRAST_JS) == []


def test_it_works_at_phone_width(chromium, stack, tmp_path, reports_dir):
    driver = make_driver(tmp_path / "phone-profile", width=375, height=740, phone=True)
    try:
        page = ChatPage(driver, stack.web_url + "/").load()
        width = driver.execute_script("return window.innerWidth")
        assert width == 375
        page.open_chat()
        answer = page.ask(FEES_QUESTION)
        assert answer[0].startswith(FEES_ANSWER)
        rect = driver.execute_script("return document.getElementById('mcc-panel').getBoundingClientRect().toJSON()")
        assert rect["left"] >= 0 and rect["right"] <= width and rect["top"] >= 0
        assert driver.execute_script("return document.documentElement.scrollWidth") <= width  # no sideways scrolling
        driver.save_screenshot(str(reports_dir / "chat-375px.png"))
    finally:
        driver.quit()


def test_screenshot_of_an_open_conversation(page, browser, reports_dir):
    browser.set_window_size(1280, 1000)
    page.sign_in("S1004")
    page.open_chat()
    assert any(FEES_ANSWER in m for m in page.ask(FEES_QUESTION))
    courses = page.ask("which courses are in the data storytelling micro-credential?")
    assert any(m.startswith("Data Storytelling") and "JOU 310" in m for m in courses), courses  # what the picture shows
    browser.execute_script("document.activeElement.blur()")
    shot = reports_dir / "chat.png"
    assert browser.save_screenshot(str(shot))
    if os.environ.get("UPDATE_DOCS_SCREENSHOT") == "1":  # refresh the README's picture
        shutil.copyfile(shot, REPO / "docs" / "chat-widget.png")


def test_a_server_that_never_answers_gets_the_error_line_after_10_seconds(chromium, silent_site, tmp_path):
    driver = make_driver(tmp_path / "profile")
    try:
        page = ChatPage(driver, silent_site + "/").load().open_chat()
        started = time.monotonic()
        page.type_and_enter("is anybody there?")
        page.wait_for_error(timeout=30)
        waited = time.monotonic() - started
        assert 9 <= waited <= 25, f"error line after {waited:.1f} s"
        assert page.idle()
        assert page.user_texts() == ["is anybody there?"]
    finally:
        driver.quit()


def test_a_rasa_restart_shows_the_error_line_and_retry_continues_the_conversation(page, browser, stack):
    page.open_chat()
    page.ask(FEES_QUESTION)
    killed = stack.kill_rasa()  # a crash: make serve's supervisor starts it again
    page.type_and_enter("which courses are in disaster prep?")
    error = page.wait_for_error(timeout=20)
    assert ERROR_TEXT in error.text
    retry = error.find_element(By.CSS_SELECTOR, "button.mcc-retry")
    assert retry.text == "Retry"
    assert page.idle()  # not stuck "typing"
    assert page.user_texts()[-1] == "which courses are in disaster prep?"
    assert browser.execute_script(CONTRAST_JS) == []
    stack.wait_for_rasa_restart(killed)
    answer = page.await_answer(browser.find_element(By.CSS_SELECTOR, "#mcc-panel .mcc-retry").click, 60)
    assert answer[0].startswith("Disaster Readiness (graduate")
    assert not browser.find_elements(By.CSS_SELECTOR, "#mcc-panel .mcc-error")
    assert page.user_texts().count("which courses are in disaster prep?") == 1  # retried, not re-posted
    # and the conversation simply continues (kept in the tracker store across the restart)
    assert page.ask("and what level is it?")[0].startswith("Disaster Readiness is a graduate")
