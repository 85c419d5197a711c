"""Production mode (`make serve-prod`) against the real processes: PostgreSQL, Redis, nginx, two
Rasa servers and two action servers, started once for the session on free ports with a
temporary state folder, stopped and removed at the end."""
from __future__ import annotations

import pytest

from prodstack import ProdStack

SECRET = "prod-test-secret-" + "p" * 40


@pytest.fixture(scope="session")
def prod():
    stack = ProdStack(SECRET)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        stack.remove()


@pytest.fixture(scope="session")
def token():
    from bot.identity import issue_token

    def make(sub: str, role: str = "student") -> str:
        return issue_token(sub, role, 3600, secret=SECRET)

    return make
