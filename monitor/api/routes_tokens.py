"""API tokens, for admins: list them and revoke one. Secrets and hashes are never shown.

Tokens are created with ``closewatch token create``, which prints the secret once.
Revoking deletes the token and the browser sessions opened with it: both stop
working at the next request.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from monitor.api.auth import Admin
from monitor.api.openapi import problems
from monitor.api.problems import Problem
from monitor.api.schemas import Instant
from monitor.api.state import App
from monitor.db.engine import session_scope
from monitor.roles import Role
from monitor.store.tokens import list_tokens, revoke_token

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])


class TokenOut(BaseModel):
    name: str
    role: Role
    created_at: Instant
    sessions: int = Field(description="Browsers signed in with this token now.")


@router.get("", response_model=list[TokenOut], summary="List API tokens (never their secrets)")
def get_tokens(app: App, _token: Admin) -> list[TokenOut]:
    with session_scope(app.engine) as session:
        tokens = list_tokens(session, now=app.clock())
    return [
        TokenOut(name=t.name, role=Role(t.role), created_at=t.created_at, sessions=t.sessions)
        for t in tokens
    ]


@router.delete(
    "/{name}",
    status_code=204,
    summary="Revoke a token and end the browser sessions it opened",
    responses=problems(404),
)
def remove_token(name: str, app: App, _token: Admin) -> Response:
    with session_scope(app.engine) as session:
        if not revoke_token(session, name):
            raise Problem(404, f"no token named {name!r}")
    return Response(status_code=204)
