"""Health for orchestrators and metrics for Prometheus; no token needed."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from monitor.api.openapi import problems
from monitor.api.problems import problem_response
from monitor.api.state import AppState, state_of

router = APIRouter(tags=["operations"])
# Longer than a busy database takes for SELECT 1; shorter than the probe waits for an answer
# (deploy/kubernetes gives it 3 s), so the probe hears why.
READY_TIMEOUT_SECONDS = 2.0


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database answers and, when this process watches, the scheduler runs",
    responses=problems(503),
)
async def readyz(request: Request) -> Response:
    state = state_of(request)
    try:
        await state.readiness.answer(state.engine, timeout=READY_TIMEOUT_SECONDS)
    except TimeoutError:
        return problem_response(
            503, f"the database did not answer within {READY_TIMEOUT_SECONDS:g} s"
        )
    except Exception as exc:  # any failure to reach the database means not ready
        return problem_response(503, f"the database does not answer: {type(exc).__name__}")
    watcher = state.watcher
    # A replica that does not lead serves the API and the outbox; only the leader must watch.
    if watcher is not None and getattr(state, "leading", True) and not watcher.running:
        return problem_response(503, "the scheduler is not running")
    return Response('{"status": "ready"}', media_type="application/json")


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    body = await run_in_threadpool(_exposition, state_of(request))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def _exposition(state: AppState) -> bytes:
    # Two series for each period: with 20,000 periods uploaded, writing them takes a good
    # part of a second, which the event loop must not wait for.
    state.intensity.current()  # rebuilt only if calendars or systems changed
    return generate_latest(state.metrics.registry)
