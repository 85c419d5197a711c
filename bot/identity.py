"""Signed identity tokens (DESIGN.md, "Identity"): JWT, HS256, secret ``BOT_AUTH_SECRET``.

Claims: ``sub`` (student or staff ID), ``role`` (``student`` | ``advisor`` | ``staff``, the program
office: in chat like an advisor, and the staff page ``/staff``), ``exp`` (required).
:func:`verify_token` never raises: it returns an :class:`Identity` or a :class:`Rejected` saying
why, and callers reveal nothing about a record unless they got an :class:`Identity` and
:func:`bot.advising.may_see` agrees.
"""
from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from typing import Optional, Union

import jwt

from bot.errors import ConfigError

ALGORITHM = "HS256"
ROLES = ("student", "advisor", "staff")
#: Roles that see any student's record in chat, as an advisor does (``staff``: the program office).
ADVISING_ROLES = ("advisor", "staff")
SECRET_ENV = "BOT_AUTH_SECRET"
MIN_SECRET_BYTES = 32  # RFC 7518 3.2: an HS256 key is at least as long as the hash


@dataclass(frozen=True)
class Identity:
    """A verified user: ``sub`` is their ID, ``role`` student, advisor or staff."""

    sub: str
    role: str
    expires_at: _dt.datetime
    ok: bool = True


@dataclass(frozen=True)
class Rejected:
    """A token that was refused, and why (safe to log: it never holds the token)."""

    reason: str
    ok: bool = False


Verification = Union[Identity, Rejected]


def _secret(secret: Optional[str]) -> Optional[str]:
    return secret if secret is not None else os.environ.get(SECRET_ENV) or None


def issue_token(sub: str, role: str = "student", ttl: int = 3600, secret: Optional[str] = None) -> str:
    """A signed token for ``sub`` with ``role``, valid for ``ttl`` seconds.

    Raises:
        ConfigError: no secret (``BOT_AUTH_SECRET`` unset) or one shorter than 32 bytes.
        ValueError: empty ``sub``, unknown ``role`` or ``ttl`` not positive.
    """
    key = _secret(secret)
    if not key:
        raise ConfigError(f"{SECRET_ENV} is not set; it is needed to sign tokens")
    if len(key.encode("utf-8")) < MIN_SECRET_BYTES:
        raise ConfigError(f"{SECRET_ENV} is too short; use at least {MIN_SECRET_BYTES} bytes")
    if not sub or not sub.strip():
        raise ValueError("the subject must not be empty")
    if role not in ROLES:
        raise ValueError(f"role must be one of: {', '.join(ROLES)}")
    if ttl <= 0:
        raise ValueError("ttl must be a positive number of seconds")
    exp = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(seconds=ttl)
    return jwt.encode({"sub": sub.strip(), "role": role, "exp": exp}, key, algorithm=ALGORITHM)


def verify_token(token: Optional[str], secret: Optional[str] = None) -> Verification:
    """Check a token's signature, algorithm, expiry and claims. Never raises.

    Returns:
        :class:`Identity` when everything holds, else :class:`Rejected` with the reason.
    """
    if not token or not isinstance(token, str):
        return Rejected("no token")
    key = _secret(secret)
    if not key:
        return Rejected(f"the server has no {SECRET_ENV}")
    try:
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "role"]}
        )
    except jwt.ExpiredSignatureError:
        return Rejected("expired")
    except jwt.InvalidSignatureError:
        return Rejected("bad signature")
    except jwt.InvalidAlgorithmError:
        return Rejected(f"wrong algorithm (only {ALGORITHM} is accepted)")
    except jwt.MissingRequiredClaimError as exc:
        return Rejected(f"missing claim '{exc.claim}'")
    except jwt.DecodeError:
        return Rejected("malformed token")
    except jwt.InvalidTokenError as exc:
        return Rejected(f"invalid token ({type(exc).__name__})")
    except Exception as exc:  # noqa: BLE001 - a token must never crash the caller
        return Rejected(f"unreadable token ({type(exc).__name__})")
    sub, role = claims.get("sub"), claims.get("role")
    if not isinstance(sub, str) or not sub.strip():
        return Rejected("bad claim 'sub'")
    if role not in ROLES:
        return Rejected("bad claim 'role'")
    expires = _dt.datetime.fromtimestamp(claims["exp"], _dt.timezone.utc)
    return Identity(sub=sub, role=role, expires_at=expires)
