"""The program office's staff page (/staff) in headless Chromium: sign in on the 403 page, the
figures of a seeded analytics store, the charts, the exports, marking a hand-off answered; and
nothing at all for a student token or no token."""
from __future__ import annotations

import datetime as dt
import os
import time

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from bot.analytics import AnalyticsStore, Turn, handoff_requests, utcnow
from bot.identity import issue_token
from browserkit import BIN, SECRET, Server, free_port

PARKING = ["where can I park on campus", "is there parking for students", "student parking on campus"]
LLAMA = ["do you have a llama", "can I pet the llama"]
SEEDED_TEXTS = PARKING + LLAMA + ["visitor@example.org", "Can someone call me about transfer credit?",
                                  "faq_fees", "faq_duration", "The fee answer was unclear"]


def seed(url: str) -> None:
    store = AnalyticsStore(url)
    now = utcnow().replace(microsecond=0)
    turns = []

    def turn(n: int, conversation: str, intent: str, topic, outcome: str, text) -> None:
        turns.append(Turn(f"turn{n:03d}", now - dt.timedelta(minutes=60 - n), conversation, intent, 0.9,
                          None, topic, outcome, text))

    n = 0
    for c in range(4):  # 4 conversations
        turn(n := n + 1, f"conv{c}", "faq_fees", "faq_fees", "answered", "what does it cost")
        turn(n := n + 1, f"conv{c}", "greet", "greet", "chat", None)
    for c in range(2):
        turn(n := n + 1, f"conv{c}", "faq_duration", "faq_duration", "answered", "how long does it take")
    for text in LLAMA:  # older than the parking questions: parking is the newest group
        turn(n := n + 1, "conv2", "out_of_scope", None, "refused", text)
    for text in PARKING:
        turn(n := n + 1, "conv3", "nlu_fallback", None, "clarified", text)
    store.write_turns(turns)  # 4 conversations, 4 + 4 + 2 + 2 + 3 = 15 messages
    store.add_feedback("turn001", True)
    store.add_feedback("turn003", False, "The fee answer was unclear")
    with store.engine.begin() as connection:
        connection.execute(handoff_requests.insert().values(
            created_at=now, email="visitor@example.org", question="Can someone call me about transfer credit?",
            mail_status="not_configured", attempts=0))
    store.dispose()


@pytest.fixture(scope="module")
def staff_site(tmp_path_factory, reports_dir):
    """A page server of its own (development sign-in on) over a seeded analytics store."""
    tmp = tmp_path_factory.mktemp("staff-site")
    url = f"sqlite:///{tmp / 'analytics.db'}"
    seed(url)
    port = free_port()
    env = {**os.environ, "ANALYTICS_URL": url, "BOT_AUTH_SECRET": SECRET, "BOT_DEV_LOGIN": "1"}
    web = Server("web-staff", [str(BIN / "python"), "web/server.py", "--port", str(port),
                               "--rasa-url", "http://127.0.0.1:9"], env, f"http://127.0.0.1:{port}/config.json",
                 reports_dir)
    try:
        web.start().wait_ready(60)
        yield f"http://127.0.0.1:{port}"
    finally:
        web.stop()


def staff_token() -> str:
    return issue_token("P0001", "staff", 600, secret=SECRET)


def test_no_token_and_a_student_token_get_403_and_nothing_else(staff_site):
    student = issue_token("S1004", "student", 600, secret=SECRET)
    expired = issue_token("P0001", "staff", 1, secret=SECRET)
    time.sleep(1.5)
    attempts = [({}, {}), ({"Authorization": f"Bearer {student}"}, {}), ({}, {"staff_token": student}),
                ({"Authorization": f"Bearer {expired}"}, {}), ({"Authorization": "Bearer not-a-token"}, {})]
    for headers, cookies in attempts:
        for path in ("/staff", "/staff/unanswered.csv", "/staff/unanswered.yml"):
            reply = requests.get(staff_site + path, headers=headers, cookies=cookies, timeout=30)
            assert reply.status_code == 403, (path, headers, cookies)
            assert 'name="token"' in reply.text
            for text in SEEDED_TEXTS:
                assert text not in reply.text, (path, text)
        reply = requests.post(staff_site + "/staff/handoffs/1/answered", headers=headers, cookies=cookies, timeout=30)
        assert reply.status_code == 403
    reply = requests.post(staff_site + "/staff/login", data={"token": student}, allow_redirects=False, timeout=30)
    assert reply.status_code == 403 and "staff_token" not in reply.headers.get("Set-Cookie", "")


def test_staff_signs_in_through_the_form_and_sees_the_figures(staff_site, browser):
    browser.get(staff_site + "/staff")
    assert "Sign in as sample staff" in browser.page_source
    assert not browser.find_elements(By.ID, "total-conversations")
    browser.find_element(By.ID, "token").send_keys(staff_token())
    browser.find_element(By.CSS_SELECTOR, "form[action='/staff/login'] button[type=submit]").click()
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.ID, "total-conversations"))
    assert browser.current_url.rstrip("/").endswith("/staff")
    assert browser.find_element(By.ID, "total-conversations").text == "4"
    assert browser.find_element(By.ID, "total-messages").text == "15"
    assert browser.find_element(By.ID, "total-open-handoffs").text == "1"

    topics = [[c.text for c in row.find_elements(By.CSS_SELECTOR, "th, td")]
              for row in browser.find_elements(By.CSS_SELECTOR, "#topics-table tbody tr")]
    assert topics[:2] == [["faq_fees", "4"], ["faq_duration", "2"]]
    feedback = {row.find_element(By.TAG_NAME, "th").text: [c.text for c in row.find_elements(By.TAG_NAME, "td")]
                for row in browser.find_elements(By.CSS_SELECTOR, "#feedback-table tbody tr")}
    assert feedback["faq_fees"][:3] == ["4", "1", "1"] and "The fee answer was unclear" in feedback["faq_fees"][3]

    groups = browser.find_elements(By.CSS_SELECTOR, "#unanswered-table tbody tr")
    assert len(groups) == 2
    first, second = groups
    assert first.find_element(By.CSS_SELECTOR, "td.count").text == "3"
    assert first.find_element(By.CSS_SELECTOR, "th.example").text in PARKING
    assert second.find_element(By.CSS_SELECTOR, "td.count").text == "2"
    assert second.find_element(By.CSS_SELECTOR, "th.example").text in LLAMA

    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart[role=img]")
    assert {c.get_attribute("id") for c in charts} == {"chart-volume", "chart-rates", "chart-topics"}
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-volume rect.bar-messages")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chart-topics rect.bar-topic")) == 2
    # the stylesheet applied (CSP: no inline styles), and no CSP violations reported
    assert browser.execute_script(
        "return getComputedStyle(document.querySelector('section')).backgroundColor") == "rgb(255, 255, 255)"
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"
              and "status of 403" not in e["message"]]  # the sign-in page itself is a 403
    assert not errors, errors


def test_exports_download_with_a_cookie_or_a_bearer_token(staff_site):
    session = requests.Session()
    login = session.post(staff_site + "/staff/login", data={"token": staff_token()}, allow_redirects=False, timeout=30)
    assert login.status_code == 303
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/staff" in cookie
    today = utcnow().date()
    query = {"from": (today - dt.timedelta(days=2)).isoformat(), "to": today.isoformat()}
    csv = session.get(staff_site + "/staff/unanswered.csv", params=query, timeout=60)
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert csv.headers["Content-Disposition"].startswith("attachment")
    lines = csv.text.strip().splitlines()
    assert lines[0] == "group,count_in_group,last_asked_utc,question" and len(lines) == 1 + 5
    assert all(text in csv.text for text in PARKING + LLAMA)
    yml = requests.get(staff_site + "/staff/unanswered.yml", params=query,
                       headers={"Authorization": f"Bearer {staff_token()}"}, timeout=60)
    assert yml.status_code == 200 and "attachment" in yml.headers["Content-Disposition"]
    assert "topics:" in yml.text and "llama" in yml.text
    assert requests.get(staff_site + "/staff?from=2026-99-01", headers={"Authorization": f"Bearer {staff_token()}"},
                        timeout=30).status_code == 400


def test_mark_answered_removes_the_request(staff_site, browser):
    browser.get(staff_site + "/staff")
    browser.find_element(By.CSS_SELECTOR, "form[action='/dev/staff-login'] button").click()  # the dev sign-in
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.ID, "handoffs-table"))
    row = browser.find_element(By.CSS_SELECTOR, "#handoffs-table tbody tr")
    assert "visitor@example.org" in row.text and "transfer credit" in row.text
    row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.ID, "no-handoffs"))
    assert "transfer credit" not in browser.page_source
    assert browser.find_element(By.ID, "total-open-handoffs").text == "0"
    # a cross-site form post is refused
    reply = requests.post(staff_site + "/staff/handoffs/1/answered", headers={
        "Authorization": f"Bearer {staff_token()}", "Origin": "http://evil.example"}, timeout=30)
    assert reply.status_code == 403
