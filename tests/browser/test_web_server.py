"""web/server.py over plain HTTP: files, config, development sign-in on and off, headers."""
from __future__ import annotations

import requests

from browserkit import SECRET


def test_the_page_and_its_files_with_security_headers(stack):
    page = requests.get(stack.web_url + "/", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and f"connect-src 'self' {stack.rasa_url}" in csp
    assert "default-src 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "http://" not in page.text.replace("http://www.w3.org", "")  # nothing loaded from elsewhere
    for name, kind in (("widget.js", "text/javascript"), ("widget.css", "text/css"), ("page.css", "text/css")):
        reply = requests.get(f"{stack.web_url}/{name}", timeout=10)
        assert reply.status_code == 200 and reply.headers["Content-Type"].startswith(kind)
    assert requests.get(stack.web_url + "/config.json", timeout=10).json() == {
        "rasaUrl": stack.rasa_url, "devLogin": True, "requestTimeoutMs": 10000}  # bot/timeouts.py


def test_no_listings_no_escapes_clean_404s(stack):
    for path in ("/nope.html", "/static/", "/static/widget.js", "/..%2fserver.py", "/%2e%2e/server.py",
                 "/../server.py", "/.git/config", "/dev/"):
        reply = requests.get(stack.web_url + path, timeout=10)
        assert reply.status_code == 404, path
        assert reply.text == "Not found\n" and "Content-Security-Policy" in reply.headers
    assert requests.post(stack.web_url + "/nothing-here", timeout=10).status_code == 404
    assert requests.post(stack.web_url + "/widget.js", timeout=10).status_code == 405


def test_development_sign_in_issues_verifiable_tokens(stack):
    from bot.identity import verify_token

    people = requests.get(stack.web_url + "/dev/people", timeout=10).json()["people"]
    assert {"id": "S1004", "name": "Diego Ramirez", "role": "student"} in people
    assert {"id": "A0001", "name": "A0001 (Advisor)", "role": "advisor"} in people
    token = requests.post(stack.web_url + "/dev/login", json={"sub": "A0001", "role": "advisor"}, timeout=10).json()["token"]
    identity = verify_token(token, secret=SECRET)
    assert identity.ok and identity.sub == "A0001" and identity.role == "advisor"
    # Only the listed sample people, each in their own role.
    for body in ({"sub": "S1004", "role": "advisor"}, {"sub": "X1", "role": "student"}, ["S1004"]):
        assert requests.post(stack.web_url + "/dev/login", json=body, timeout=10).status_code == 400
    assert requests.post(stack.web_url + "/dev/login", data="{", timeout=10).status_code == 400


def test_without_bot_dev_login_there_is_no_sign_in(silent_site):
    assert requests.get(silent_site + "/config.json", timeout=10).json()["devLogin"] is False
    assert requests.get(silent_site + "/dev/people", timeout=10).status_code == 404
    assert requests.post(silent_site + "/dev/login", json={"sub": "S1004", "role": "student"}, timeout=10).status_code == 404
