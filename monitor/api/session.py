"""The browser session of the pages: a signed cookie, and CSRF tokens bound to it.

Signing in with an API token stores the token's id and role in a cookie signed
with the site's key (itsdangerous), valid for 12 hours; the secret itself never
leaves the sign-in form. Each session carries a random nonce; every POST form
carries that nonce signed separately (the CSRF token), so a form posted from
another site, which cannot read the cookie, is refused. Before signing in, a
short-lived cookie holds the nonce the sign-in form is bound to.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

from monitor.api.state import state_of
from monitor.db.engine import session_scope
from monitor.db.models import ApiToken
from monitor.roles import Role
from monitor.settings import Settings

COOKIE = "closewatch_session"
PRE_COOKIE = "closewatch_signin"  # binds the sign-in form before there is a session
LIFETIME_SECONDS = 12 * 60 * 60
PRE_LIFETIME_SECONDS = 60 * 60


@dataclass(frozen=True, slots=True)
class UiSession:
    token_id: int
    role: Role
    token_name: str
    nonce: str

    def allows(self, role: Role) -> bool:
        return self.role.allows(role)


def _sessions(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.signing_key(), salt="closewatch-session")


def _csrf(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.signing_key(), salt="closewatch-csrf")


def _secure(settings: Settings) -> bool:
    return settings.public_url.lower().startswith("https://")


def read_session(request: Request) -> UiSession | None:
    """The signed-in session, or None; a token deleted since signing in ends it."""
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    state = state_of(request)
    try:
        data = _sessions(state.settings).loads(value, max_age=LIFETIME_SECONDS)
        token_id, role, nonce = int(data["t"]), Role(data["r"]), str(data["n"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    with session_scope(state.engine) as session:
        token = session.get(ApiToken, token_id)
        if token is None:
            return None
        name = token.name
    return UiSession(token_id, role, name, nonce)


def start_session(response: Response, request: Request, token: ApiToken) -> None:
    settings = state_of(request).settings
    value = _sessions(settings).dumps(
        {"t": token.id, "r": token.role, "n": secrets.token_urlsafe(16)}
    )
    response.set_cookie(
        COOKIE,
        value,
        max_age=LIFETIME_SECONDS,
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
        path="/",
    )
    response.delete_cookie(PRE_COOKIE, path="/")


def end_session(response: Response) -> None:
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
