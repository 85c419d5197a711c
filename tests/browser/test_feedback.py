"""Thumbs up / down under the widget's answers: usable by keyboard, stored, counted."""
from __future__ import annotations

import datetime as dt
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from bot.analytics import AnalyticsStore, report
from chatpage import ChatPage


@pytest.fixture
def page(browser, stack) -> ChatPage:
    return ChatPage(browser, stack.web_url + "/").load()


def feedback_of(stack):
    store = AnalyticsStore(stack.bot.analytics_url)
    try:
        today = dt.datetime.utcnow().date()
        return {f.topic: f for f in report(store, today - dt.timedelta(days=1), today).feedback}
    finally:
        store.dispose()


def until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("not stored in time")


def test_a_thumbs_up_by_keyboard_and_a_thumbs_down_with_a_comment_are_stored_and_counted(page, stack):
    page.open_chat()
    page.ask("how long does one take to finish?")
    controls = page.bot_messages()[-1].find_element(By.XPATH, "..").find_elements(By.CSS_SELECTOR, ".mcc-feedback")
    assert controls, "no feedback controls under the answer"
    up = controls[-1].find_element(By.CSS_SELECTOR, "button[aria-label='Helpful']")
    assert up.get_attribute("aria-pressed") == "false"
    up.send_keys(Keys.ENTER)  # a native button: Enter (and Space) work, and it is announced with its label
    page.wait().until(lambda d: up.get_attribute("aria-pressed") == "true")
    page.wait().until(lambda d: "Thanks" in controls[-1].find_element(By.CSS_SELECTOR, "[role=status]").text)
    counted = until(lambda: feedback_of(stack).get("faq_duration"))
    assert (counted.helpful, counted.not_helpful) == (1, 0)

    page.ask("what does it cost?")
    box = page.driver.find_elements(By.CSS_SELECTOR, "#mcc-panel .mcc-feedback")[-1]
    box.find_element(By.CSS_SELECTOR, "button[aria-label='Not helpful']").click()
    area = page.wait().until(lambda d: box.find_element(By.CSS_SELECTOR, "textarea"))
    label = box.find_element(By.CSS_SELECTOR, f"label[for='{area.get_attribute('id')}']")
    assert "What was missing" in label.text
    area.send_keys("I wanted the cost per credit hour")
    box.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    counted = until(lambda: (feedback_of(stack).get("faq_fees") or None) and
                    (feedback_of(stack)["faq_fees"].comments or None) and feedback_of(stack)["faq_fees"])
    assert (counted.helpful, counted.not_helpful) == (0, 1)
    assert counted.comments == ["I wanted the cost per credit hour"]


def test_a_refusal_has_no_thumbs(page):
    page.open_chat()
    page.ask("zxqv blorp fnord")
    assert not page.bot_messages()[-1].find_element(By.XPATH, "..").find_elements(By.CSS_SELECTOR, ".mcc-feedback")
