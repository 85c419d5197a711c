"""Signed identity tokens: verify_token never raises, and says why a token is refused."""
from __future__ import annotations

import datetime as dt

import jwt
import pytest

from bot.errors import ConfigError
from bot.advising import may_see
from bot.identity import Identity, Rejected, issue_token, verify_token

SECRET = "test-secret-" + "0123456789abcdef" * 4   # long enough for HS512 too (no key warnings)
OTHER = "other-secret-" + "fedcba9876543210" * 4


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_AUTH_SECRET", SECRET)


def _signed(claims: dict, key: str = SECRET, alg: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=alg)


def _future(seconds: int = 600) -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("role", ["student", "advisor"])
def test_round_trip(role: str) -> None:
    result = verify_token(issue_token("S1001", role, ttl=60))
    assert isinstance(result, Identity) and result.ok
    assert (result.sub, result.role) == ("S1001", role)
    assert result.expires_at > dt.datetime.now(dt.timezone.utc)


@pytest.mark.parametrize(
    "token,reason",
    [
        (_signed({"sub": "S1", "role": "student", "exp": dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)}),
         "expired"),
        (_signed({"sub": "S1", "role": "advisor", "exp": _future()}, key=OTHER), "bad signature"),
        (_signed({"sub": "S1", "exp": _future()}), "missing claim 'role'"),
        (_signed({"role": "student", "exp": _future()}), "missing claim 'sub'"),
        (_signed({"sub": "S1", "role": "student"}), "missing claim 'exp'"),
        (_signed({"sub": "S1", "role": "admin", "exp": _future()}), "bad claim 'role'"),
        (_signed({"sub": "", "role": "student", "exp": _future()}), "bad claim 'sub'"),
        (_signed({"sub": "S1", "role": "advisor", "exp": _future()}, alg="HS512"), "wrong algorithm"),
        ("not.a.token", "malformed token"),
        ("garbage", "malformed token"),
        ("", "no token"),
        (None, "no token"),
    ],
    ids=["expired", "forged", "no-role", "no-sub", "no-exp", "bad-role", "empty-sub", "HS512",
         "malformed", "garbage", "empty", "none"],
)
def test_bad_tokens_are_rejected_with_a_reason(token, reason: str) -> None:
    result = verify_token(token)
    assert isinstance(result, Rejected) and not result.ok
    assert reason in result.reason


def test_unsigned_alg_none_is_refused() -> None:
    unsigned = jwt.encode({"sub": "S1", "role": "advisor", "exp": _future()}, None, algorithm="none")
    result = verify_token(unsigned)
    assert isinstance(result, Rejected) and "wrong algorithm" in result.reason


def test_no_secret_rejects_without_raising(monkeypatch: pytest.MonkeyPatch) -> None:
    token = issue_token("S1", "student", 60)
    monkeypatch.delenv("BOT_AUTH_SECRET")
    result = verify_token(token)
    assert isinstance(result, Rejected) and "BOT_AUTH_SECRET" in result.reason


@pytest.mark.parametrize("junk", [123, b"bytes", ["list"], "a.b.c.d", "eyJhbGciOiJIUzI1NiJ9.e30."])
def test_junk_never_raises(junk) -> None:
    assert isinstance(verify_token(junk), Rejected)


def test_issue_token_needs_a_proper_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_AUTH_SECRET")
    with pytest.raises(ConfigError, match="BOT_AUTH_SECRET is not set"):
        issue_token("S1")
    monkeypatch.setenv("BOT_AUTH_SECRET", "short")
    with pytest.raises(ConfigError, match="too short"):
        issue_token("S1")


@pytest.mark.parametrize("sub,role,ttl", [("S1", "admin", 60), ("", "student", 60), ("S1", "student", 0)])
def test_issue_token_checks_its_arguments(sub: str, role: str, ttl: int) -> None:
    with pytest.raises(ValueError):
        issue_token(sub, role, ttl)


def test_may_see_is_the_one_rule_of_who_sees_which_record() -> None:
    student = verify_token(issue_token("S1001", "student", 60))
    advisor = verify_token(issue_token("ADV7", "advisor", 60))
    assert may_see(student, "S1001") and may_see(student, " s1001 ")  # the same ID as written
    assert not may_see(student, "S1002")
    assert may_see(advisor, "S1002") and may_see(advisor, "S1001")
    assert not may_see(Rejected("expired"), "S1001")
    assert not may_see(None, "S1001")  # type: ignore[arg-type]  # what a caller without a token passes
