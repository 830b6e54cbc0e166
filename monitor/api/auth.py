"""Bearer tokens and roles: reads need ``viewer``, uploads and edits ``editor``,
alerts and status from other monitoring ``ingest``.

A handler states the role it needs by the type of one parameter:
``def handler(app: App, _token: Editor)``. The parameter holds the token row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from monitor.api.problems import Problem
from monitor.api.state import App
from monitor.db.engine import session_scope
from monitor.db.models import ApiToken
from monitor.roles import Role
from monitor.store.tokens import authenticate

bearer = HTTPBearer(auto_error=False, description="A token from `closewatch token create`.")


def require(role: Role) -> Callable[..., ApiToken]:
    """A dependency that admits tokens whose role is ``role`` or above."""

    def dependency(
        app: App, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> ApiToken:
        if credentials is None:
            raise _unauthorized("a bearer token is required (Authorization: Bearer cw_...)")
        with session_scope(app.engine) as session:
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


Viewer = Annotated[ApiToken, Depends(require(Role.VIEWER))]
Editor = Annotated[ApiToken, Depends(require(Role.EDITOR))]
Admin = Annotated[ApiToken, Depends(require(Role.ADMIN))]
Ingest = Annotated[ApiToken, Depends(require(Role.INGEST))]
