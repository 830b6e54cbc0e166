"""The browser session of the pages: a row per session, and CSRF tokens bound to it.

Signing in with an API token opens a session (:mod:`monitor.store.browser_sessions`):
the cookie carries only a random id, the row holds its hash, the token it was
opened with and a random nonce. The secret itself never leaves the sign-in
form. Signing out deletes the row, and revoking the token deletes its rows, so
the cookie is worthless from the next request on; a session also ends 12 hours
after signing in. The role is the token's as it is now.

Every POST form carries the session's nonce signed separately (the CSRF token),
so a form posted from another site, which cannot read the cookie, is refused.
Before signing in, a short-lived cookie holds the nonce the sign-in form is bound to.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer

from monitor.api.state import state_of
from monitor.db.engine import session_scope
from monitor.db.models import ApiToken
from monitor.roles import Role
from monitor.settings import Settings
from monitor.store.browser_sessions import LIFETIME, close_session, find_session, open_session

COOKIE = "closewatch_session"
PRE_COOKIE = "closewatch_signin"  # binds the sign-in form before there is a session
LIFETIME_SECONDS = int(LIFETIME.total_seconds())
PRE_LIFETIME_SECONDS = 60 * 60


@dataclass(frozen=True, slots=True)
class UiSession:
    token_id: int
    role: Role
    token_name: str
    nonce: str

    def allows(self, role: Role) -> bool:
        return self.role.allows(role)


def _csrf(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.signing_key(), salt="closewatch-csrf")


def _secure(settings: Settings) -> bool:
    return settings.public_url.lower().startswith("https://")


def read_session(request: Request) -> UiSession | None:
    """The signed-in session, or None: no cookie, or one signed out, revoked or expired."""
    session_id = request.cookies.get(COOKIE)
    if not session_id:
        return None
    state = state_of(request)
    with session_scope(state.engine) as session:
        found = find_session(session, session_id, now=state.clock())
        if found is None:
            return None
        row, token = found
        return UiSession(row.token_id, Role(token.role), token.name, row.nonce)


def start_session(response: Response, request: Request, token: ApiToken) -> None:
    state = state_of(request)
    assert token.id is not None, "a stored token"
    with session_scope(state.engine) as session:
        session_id, _row = open_session(session, token.id, now=state.clock())
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=LIFETIME_SECONDS,
        httponly=True,
        samesite="lax",
        secure=_secure(state.settings),
        path="/",
    )
    response.delete_cookie(PRE_COOKIE, path="/")


def end_session(request: Request, response: Response) -> None:
    """End the request's session for good (its row is deleted) and drop the cookie."""
    session_id = request.cookies.get(COOKIE)
    if session_id:
        with session_scope(state_of(request).engine) as session:
            close_session(session, session_id)
    response.delete_cookie(COOKIE, path="/")


def signin_nonce(request: Request, response: Response) -> str:
    """The nonce the sign-in form is bound to, set as a cookie when there is none yet."""
    nonce = request.cookies.get(PRE_COOKIE)
    if not nonce or len(nonce) > 64:
        nonce = secrets.token_urlsafe(16)
    response.set_cookie(
        PRE_COOKIE,
        nonce,
        max_age=PRE_LIFETIME_SECONDS,
        httponly=True,
        samesite="lax",
        secure=_secure(state_of(request).settings),
        path="/",
    )
    return nonce


def csrf_token(request: Request, nonce: str) -> str:
    return str(_csrf(state_of(request).settings).dumps(nonce))


def csrf_valid(request: Request, nonce: str | None, submitted: object) -> bool:
    """Whether ``submitted`` is the CSRF token of ``nonce`` (the session's or the sign-in's)."""
    if not nonce or not isinstance(submitted, str) or not submitted:
        return False
    try:
        value = _csrf(state_of(request).settings).loads(submitted)
    except BadSignature:
        return False
    return isinstance(value, str) and secrets.compare_digest(value, nonce)
