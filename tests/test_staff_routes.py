"""The staff page without a browser: web/staff.py's HTML, the /staff routes of web/server.py
(aiohttp's test client), and `python -m bot report`."""
from __future__ import annotations

import asyncio
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.analytics import AnalyticsStore, Day, Report, TopicFeedback, Turn, UnansweredGroup, handoff_requests, utcnow
from bot.identity import issue_token

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "web"))
import server  # noqa: E402 - web/server.py, as `python web/server.py` imports it
import staff  # noqa: E402 - web/staff.py

SECRET = "staff-unit-test-secret-" + "s" * 32
EVIL = "<script>alert(1)</script>"


def sample_report() -> Report:
    today = dt.date(2026, 11, 30)
    days = [Day(today - dt.timedelta(days=1), 2, 5, 1, 1, 0), Day(today, 1, 3, 0, 1, 1)]
    return Report(
        since=days[0].day, until=today, days=days, top_topics=[(EVIL, 4), ("faq_fees", 2)],
        feedback=[TopicFeedback(EVIL, 4, 1, 1, [EVIL + " comment"])],
        unanswered=[UnansweredGroup([EVIL + " parking?", "where to park"], 3, dt.datetime(2026, 11, 30, 9), {"refused": 3})],
        open_handoffs=1,
    )


def test_date_range_defaults_and_refusals():
    today = dt.date(2026, 11, 30)
    assert staff.date_range({}, today) == (dt.date(2026, 11, 1), today)
    assert staff.date_range({"from": "2026-01-01", "to": "2026-01-31"}, today) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    for bad in ({"from": "2026-13-01"}, {"to": "yesterday"}, {"from": "2026-02-01", "to": "2026-01-01"},
                {"from": "2020-01-01", "to": "2026-01-01"}):
        with pytest.raises(staff.BadRange):
            staff.date_range(bad, today)


def test_page_escapes_stored_text_and_has_no_inline_style_or_script():
    handoffs = [staff.OpenHandoff(7, dt.datetime(2026, 11, 29, 8), "a@b.example", EVIL + " question")]
    html = staff.staff_page(sample_report(), handoffs, "P0001 (staff)")
    assert "<script" not in html and "style=" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count('role="img"') == 3 and html.count("<svg") == 3
    assert '<th scope="col">' in html and "<caption>" in html
    assert 'action="/staff/handoffs/7/answered"' in html
    assert 'href="/staff/unanswered.csv?from=2026-11-29&amp;to=2026-11-30"' in html
    assert re.search(r'id="total-conversations">3<', html) and re.search(r'id="total-messages">8<', html)


def test_signin_page_has_a_form_and_the_dev_button_only_when_enabled():
    assert "Sign in as sample staff" in staff.signin_page(True)
    page = staff.signin_page(False, EVIL)
    assert "Sign in as sample staff" not in page and "<script" not in page and 'name="token"' in page


def seeded_store(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'analytics.db'}"
    store = AnalyticsStore(url)
    now = utcnow()
    store.write_turns([Turn(f"t{n}", now - dt.timedelta(minutes=n), f"c{n % 2}", "faq_fees", 0.9, "utter_faq_fees",
                            "faq_fees", "answered", "what does it cost") for n in range(3)])
    with store.engine.begin() as connection:
        connection.execute(handoff_requests.insert().values(
            created_at=now, email="visitor@example.org", question="Secret question about fees",
            mail_status="not_configured", attempts=0))
    store.dispose()
    return url


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def secret(monkeypatch):
    monkeypatch.setenv("BOT_AUTH_SECRET", SECRET)
    return SECRET


async def _client(url, dev=False) -> TestClient:
    app = server.make_app("http://localhost:5005", dev, people=[], analytics_db=url)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


def test_routes_refuse_without_a_staff_token_and_serve_with_one(tmp_path, secret):
    url = seeded_store(tmp_path)

    async def go():
        client = await _client(url)
        try:
            staff_token, student = issue_token("P0001", "staff"), issue_token("S1004", "student")
            for headers in ({}, {"Authorization": f"Bearer {student}"}, {"Authorization": "Bearer nonsense"}):
                for path in ("/staff", "/staff/unanswered.csv"):
                    reply = await client.get(path, headers=headers)
                    body = await reply.text()
                    assert reply.status == 403 and 'name="token"' in body
                    assert "faq_fees" not in body and "Secret question" not in body and "visitor@" not in body
                    assert "Sign in as sample staff" not in body
            bearer = {"Authorization": f"Bearer {staff_token}"}
            reply = await client.get("/staff", headers=bearer)
            body = await reply.text()
            assert reply.status == 200 and "faq_fees" in body and "Secret question about fees" in body
            assert "script-src 'self'" in reply.headers["Content-Security-Policy"]
            assert (await client.get("/staff?from=2026-02-30", headers=bearer)).status == 400
            # sign-in: cookie set, HttpOnly, SameSite=Strict, Path=/staff
            reply = await client.post("/staff/login", data={"token": staff_token}, allow_redirects=False)
            assert reply.status == 303 and reply.headers["Location"] == "/staff"
            cookie = reply.headers["Set-Cookie"]
            assert "staff_token=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/staff" in cookie
            assert (await client.post("/staff/login", data={"token": student})).status == 403
            # a cross-site POST is refused; a same-site one marks the request answered
            cross = await client.post("/staff/handoffs/1/answered", headers={**bearer, "Origin": "http://evil.example"},
                                      allow_redirects=False)
            assert cross.status == 403
            reply = await client.post("/staff/handoffs/1/answered", data={"from": "2026-11-01", "to": "2026-11-30"},
                                      headers={**bearer, "Origin": f"http://{client.host}:{client.port}"},
                                      allow_redirects=False)
            assert reply.status == 303 and reply.headers["Location"] == "/staff?from=2026-11-01&to=2026-11-30"
            body = await (await client.get("/staff", headers=bearer)).text()
            assert "Secret question about fees" not in body and 'id="no-handoffs"' in body
            csv = await client.get("/staff/unanswered.csv", headers=bearer)
            assert csv.status == 200 and csv.headers["Content-Type"].startswith("text/csv")
            assert csv.headers["Content-Disposition"].startswith("attachment")
        finally:
            await client.close()

    run(go())


def test_analytics_off_and_dev_staff_sign_in(secret):
    async def go():
        client = await _client(None, dev=True)
        try:
            body = await (await client.get("/staff")).text()
            assert "Sign in as sample staff" in body and 'action="/dev/staff-login"' in body
            reply = await client.post("/dev/staff-login", allow_redirects=False)
            assert reply.status == 303 and "staff_token=" in reply.headers["Set-Cookie"]
            token = reply.cookies["staff_token"].value
            page = await client.get("/staff", headers={"Authorization": f"Bearer {token}"})
            assert page.status == 200 and 'id="analytics-off"' in await page.text()
            people = await (await client.get("/dev/people")).json()
            assert people == {"people": []}
        finally:
            await client.close()

    run(go())
    assert {"id": "P0001", "name": "P0001 (Program office)", "role": "staff"} in server.load_people()


def test_staff_token_reads_records_like_an_advisor():
    from bot.advising import may_see
    from bot.identity import Identity

    expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    assert may_see(Identity("P0001", "staff", expires), "S1004")
    assert not may_see(Identity("S1001", "student", expires), "S1004")


def test_cli_report(tmp_path):
    url = seeded_store(tmp_path)
    env = {"ANALYTICS_URL": url, "PATH": "/usr/bin:/bin"}
    today = utcnow().date().isoformat()
    done = subprocess.run([sys.executable, "-m", "bot", "report", "--since", today], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "conversations 2, messages 3" in done.stdout and "faq_fees" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "bot", "report", "--since", "2026-02-30"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    off = subprocess.run([sys.executable, "-m", "bot", "report", "--since", today], cwd=REPO,
                         env={**env, "ANALYTICS_URL": "off"}, capture_output=True, text=True, timeout=120)
    assert off.returncode == 0 and len(off.stdout.strip().splitlines()) == 1 and "off" in off.stdout
