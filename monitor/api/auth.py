"""Bearer tokens and roles: reads need ``viewer``, uploads and edits ``editor``."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from monitor.api.problems import Problem
from monitor.db.engine import session_scope
from monitor.db.models import ApiToken
from monitor.roles import Role
from monitor.store.tokens import authenticate

bearer = HTTPBearer(auto_error=False, description="A token from `closewatch token create`.")


def require(role: Role) -> Callable[..., ApiToken]:
    """A dependency that admits tokens whose role is ``role`` or above."""

    def dependency(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
    ) -> ApiToken:
        if credentials is None:
            raise _unauthorized("a bearer token is required (Authorization: Bearer cw_...)")
        with session_scope(request.app.state.engine) as session:
            token = authenticate(session, credentials.credentials)
        if token is None:
            raise _unauthorized("the token is not valid")
        if not Role(token.role).allows(role):
            raise Problem(403, f"this needs the {role.value} role; the token has {token.role}")
        return token

    return dependency


def _unauthorized(detail: str) -> Problem:
    problem = Problem(401, detail)
    problem.headers["WWW-Authenticate"] = "Bearer"
    return problem


viewer = Depends(require(Role.VIEWER))
editor = Depends(require(Role.EDITOR))
