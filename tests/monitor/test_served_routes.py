"""Every route in the OpenAPI document, against one real ``closewatch serve`` with its watcher.

Writes answer what really happened: a save answers 2xx (never a 500 after saving),
a retried POST gets 409 only when the first one was stored, a refused one stores
nothing, and the running service acts on the change: the watcher runs a new
system's check, the planner plans a new audience's notices, levels follow a new
calendar at once.

:data:`COVERED_BY` names the test that exercises each (method, path) of the
document; a route added without one fails :func:`test_every_documented_route_has_a_served_test`,
and a test that stops calling a route it claims fails at its teardown.
"""

from __future__ import annotations

import email
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from monitor.settings import Settings
from notifiers.links import Links
from tests.monitor.samples import event, ics, tampered
from tests.monitor.subscriptions.calendar_server import calendar_host
from tests.served import CLOSEWATCH, Served, closewatch_serve

pytestmark = pytest.mark.wallclock  # a served instance, on the real date

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "notices" / "en" / "heads_up"
WAIT_SECONDS = 45  # for the watcher or the planner to act; they take a second or two

COVERED_BY = {
    ("GET", "/healthz"): "test_health_and_readiness",
    ("GET", "/readyz"): "test_health_and_readiness",
    ("POST", "/api/v1/calendars"): "test_a_calendar_changes_levels_at_once_and_its_deletion_too",
    ("POST", "/api/v1/calendars/preview"): "test_a_calendar_changes_levels_at_once_and_its_deletion_too",
    ("GET", "/api/v1/calendars"): "test_a_calendar_changes_levels_at_once_and_its_deletion_too",
    ("GET", "/api/v1/calendars/{name}"): "test_a_calendar_changes_levels_at_once_and_its_deletion_too",
    ("GET", "/api/v1/calendars/{name}/periods"): "test_a_calendar_changes_levels_at_once_and_its_deletion_too",
    ("DELETE", "/api/v1/calendars/{name}"): "test_a_calendar_changes_levels_at_once_and_its_deletion_too",
    ("GET", "/api/v1/periods"): "test_a_calendar_changes_levels_at_once_and_its_deletion_too",
    ("GET", "/api/v1/occurrences"): "test_a_calendar_changes_levels_at_once_and_its_deletion_too",
    ("GET", "/api/v1/intensity"): "test_a_calendar_changes_levels_at_once_and_its_deletion_too",
    ("GET", "/api/v1/intensity/timeline"): "test_a_calendar_changes_levels_at_once_and_its_deletion_too",
    ("POST", "/api/v1/systems"): "test_a_new_system_is_stored_once_and_its_check_runs",
    ("GET", "/api/v1/systems"): "test_a_new_system_is_stored_once_and_its_check_runs",
    ("GET", "/api/v1/systems/{name}"): "test_a_new_system_is_stored_once_and_its_check_runs",
    ("PUT", "/api/v1/systems/{name}"): "test_a_new_system_is_stored_once_and_its_check_runs",
    ("DELETE", "/api/v1/systems/{name}"): "test_a_new_system_is_stored_once_and_its_check_runs",
    ("POST", "/api/v1/audiences"): "test_a_new_audience_is_stored_once_and_its_notices_are_planned",
    ("GET", "/api/v1/audiences"): "test_a_new_audience_is_stored_once_and_its_notices_are_planned",
    ("GET", "/api/v1/audiences/{name}"): "test_a_new_audience_is_stored_once_and_its_notices_are_planned",
    ("PUT", "/api/v1/audiences/{name}"): "test_a_new_audience_is_stored_once_and_its_notices_are_planned",
    ("DELETE", "/api/v1/audiences/{name}"): "test_a_new_audience_is_stored_once_and_its_notices_are_planned",
    ("GET", "/api/v1/deliveries"): "test_a_new_audience_is_stored_once_and_its_notices_are_planned",
    ("GET", "/api/v1/deliveries/summary"): "test_a_new_audience_is_stored_once_and_its_notices_are_planned",
    ("GET", "/api/v1/feedback"): "test_a_new_audience_is_stored_once_and_its_notices_are_planned",
    ("POST", "/api/v1/notices/preview"): "test_a_new_audience_is_stored_once_and_its_notices_are_planned",
    ("GET", "/api/v1/audiences/{name}/feed-link"): "test_an_audience_feed_link_gives_its_periods",
    ("GET", "/calendar.ics"): "test_an_audience_feed_link_gives_its_periods",
    ("HEAD", "/calendar.ics"): "test_an_audience_feed_link_gives_its_periods",
    ("PUT", "/api/v1/templates/{kind}/{lang}"): "test_template_overrides_are_stored_replaced_and_deleted",
    ("GET", "/api/v1/templates"): "test_template_overrides_are_stored_replaced_and_deleted",
    ("DELETE", "/api/v1/templates/{kind}/{lang}"): "test_template_overrides_are_stored_replaced_and_deleted",
    ("GET", "/api/v1/incidents"): "test_a_failing_check_opens_an_incident_that_people_update_and_resolve",
    ("GET", "/api/v1/incidents/{incident_id}"): "test_a_failing_check_opens_an_incident_that_people_update_and_resolve",
    ("POST", "/api/v1/incidents/{incident_id}/updates"): "test_a_failing_check_opens_an_incident_that_people_update_and_resolve",
    ("POST", "/api/v1/incidents/{incident_id}/resolve"): "test_a_failing_check_opens_an_incident_that_people_update_and_resolve",
    ("POST", "/api/v1/alerts/alertmanager"): "test_alerts_from_other_monitoring_open_and_end_incidents",
    ("POST", "/api/v1/systems/{name}/status"): "test_alerts_from_other_monitoring_open_and_end_incidents",
    ("GET", "/api/v1/prometheus/targets"): "test_prometheus_targets_follow_a_new_system",
    ("GET", "/api/v1/tokens"): "test_a_revoked_token_stops_working_at_once",
    ("DELETE", "/api/v1/tokens/{name}"): "test_a_revoked_token_stops_working_at_once",
    ("POST", "/api/v1/subscriptions"): "test_a_subscribed_calendar_is_refreshed_by_the_leader_and_on_demand",
    ("GET", "/api/v1/subscriptions"): "test_a_subscribed_calendar_is_refreshed_by_the_leader_and_on_demand",
    ("GET", "/api/v1/subscriptions/{name}"): "test_a_subscribed_calendar_is_refreshed_by_the_leader_and_on_demand",
    ("POST", "/api/v1/subscriptions/{name}/refresh"): "test_a_subscribed_calendar_is_refreshed_by_the_leader_and_on_demand",
    ("DELETE", "/api/v1/subscriptions/{name}"): "test_a_subscribed_calendar_is_refreshed_by_the_leader_and_on_demand",
    ("POST", "/api/v1/maintenance"): "test_a_maintenance_window_is_refused_over_a_period_and_planned_beside_it",
    ("GET", "/api/v1/maintenance"): "test_a_maintenance_window_is_refused_over_a_period_and_planned_beside_it",
    ("DELETE", "/api/v1/maintenance/{window_id}"): "test_a_maintenance_window_is_refused_over_a_period_and_planned_beside_it",
    ("GET", "/api/v1/reports/{occurrence_id}"): "test_the_report_of_a_period_in_json_csv_and_pdf",
    ("GET", "/api/v1/reports/{occurrence_id}/report.csv"): "test_the_report_of_a_period_in_json_csv_and_pdf",
    ("GET", "/api/v1/reports/{occurrence_id}/report.pdf"): "test_the_report_of_a_period_in_json_csv_and_pdf",
}  # fmt: skip


class Api:
    """An HTTP client on the served instance that notes which documented routes it called."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self.http = httpx.Client(base_url=served.base, headers=served.auth, timeout=60)
        self.exercised: set[tuple[str, str]] = set()

    def call(self, method: str, route: str, *, path: dict[str, object] | None = None,
             **kwargs: Any) -> httpx.Response:  # fmt: skip
        self.exercised.add((method, route))
        return self.http.request(method, route.format(**(path or {})), **kwargs)

    def until(self, what: str, found: Callable[[], object]) -> Any:
        """Poll ``found`` until it returns something truthy; fail naming ``what`` after a while."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if value := found():
                return value
            time.sleep(0.25)
        pytest.fail(f"{what}: not within {WAIT_SECONDS} s\n{self.served.log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # Subscriptions may fetch from this machine: the test's calendar host listens on loopback.
    local = {"CLOSEWATCH_SUBSCRIPTION_NETWORKS": "127.0.0.0/8"}
    with closewatch_serve(tmp_path_factory.mktemp("served"), local) as running:
        yield running


@pytest.fixture
def api(served: Served, request: pytest.FixtureRequest) -> Iterator[Api]:
    client = Api(served)
    yield client
    client.http.close()
    claimed = {route for route, test in COVERED_BY.items() if test == request.node.originalname}
    assert claimed <= client.exercised, f"claimed but not called: {claimed - client.exercised}"


def _today() -> datetime:
    # The server and this test share the (possibly faked) clock.
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _csv(title: str, start: datetime, end: datetime, **columns: str) -> bytes:
    names = ["title", "start", "end", "timezone", *columns]
    values = [title, f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}", "UTC", *columns.values()]
    return (",".join(names) + "\n" + ",".join(values) + "\n").encode()


def _upload(api: Api, name: str, data: bytes, route: str = "/api/v1/calendars") -> httpx.Response:
    return api.call("POST", route, data={"name": name}, files={"file": (f"{name}.csv", data, "text/csv")})  # fmt: skip


def _level(api: Api, system: str) -> str:
    levels = api.call("GET", "/api/v1/intensity").json()["systems"]
    return str(next(entry["level"] for entry in levels if entry["name"] == system))


# --- the tests -----------------------------------------------------------------------------


def test_every_documented_route_has_a_served_test(served: Served) -> None:
    document = httpx.get(f"{served.base}/openapi.json", timeout=30).json()
    documented = {
        (method.upper(), path) for path, operations in document["paths"].items() for method in operations
    }  # fmt: skip
    tests = {name for name in globals() if name.startswith("test_")}

    assert documented - set(COVERED_BY) == set(), "documented routes without a served test"
    assert set(COVERED_BY) - documented == set(), "COVERED_BY names routes the document lacks"
    assert set(COVERED_BY.values()) <= tests


def test_health_and_readiness(api: Api) -> None:
    assert api.call("GET", "/healthz").json() == {"status": "ok"}
    ready = api.call("GET", "/readyz")
    assert ready.status_code == 200, ready.text  # the database answers and the scheduler runs


def test_a_calendar_changes_levels_at_once_and_its_deletion_too(api: Api) -> None:
    today = _today()
    sheet = _csv("Served go-live", today - timedelta(days=1), today + timedelta(days=1),
                 category="go_live", level="critical", systems="wms")  # fmt: skip
    assert _level(api, "wms") != "critical"

    preview = _upload(api, "served-golive", sheet, "/api/v1/calendars/preview")
    created = _upload(api, "served-golive", sheet)
    retried = _upload(api, "served-golive", sheet)  # the same name updates in place

    assert preview.status_code == 200 and len(preview.json()["occurrences"]) == 1
    assert created.status_code == 201, created.text
    assert retried.status_code == 200 and retried.json()["created"] is False
    assert _level(api, "wms") == "critical"  # at once, not at the next poll
    route = {"name": "served-golive"}
    listed = api.call("GET", "/api/v1/calendars").json()
    assert "served-golive" in {calendar["name"] for calendar in listed}
    assert api.call("GET", "/api/v1/calendars/{name}", path=route).json()["occurrences"] == 1
    periods = api.call("GET", "/api/v1/calendars/{name}/periods", path=route).json()
    assert [period["title"] for period in periods] == ["Served go-live"]
    assert len(api.call("GET", "/api/v1/periods", params={"calendar": "served-golive"}).json()) == 1
    occurrences = api.call("GET", "/api/v1/occurrences", params={"calendar": "served-golive"})
    assert [o["title"] for o in occurrences.json()] == ["Served go-live"]
    timeline = api.call("GET", "/api/v1/intensity/timeline", params={"system": "wms"}).json()
    assert timeline["systems"][0]["segments"][0]["level"] == "critical"

    deleted = api.call("DELETE", "/api/v1/calendars/{name}", path=route)
    again = api.call("DELETE", "/api/v1/calendars/{name}", path=route)

    assert deleted.status_code == 204, deleted.text
    assert again.status_code == 404
    assert _level(api, "wms") != "critical"
    assert api.call("GET", "/api/v1/calendars/{name}", path=route).status_code == 404


def _system(name: str, url: str, expect: list[int], plain: str = "the served test system") -> dict[str, Any]:  # fmt: skip
    every_second = {"interval": "1s", "failures": 2}
    return {
        "name": name, "plain_name": plain,
        "policy": {level: every_second for level in ("normal", "elevated", "high", "critical")},
        "checks": [{"name": "web", "kind": "http", "url": url, "expect_status": expect, "timeout": 5}],
    }  # fmt: skip


def test_a_new_system_is_stored_once_and_its_check_runs(api: Api) -> None:
    spec = _system("served-web", f"{api.served.base}/healthz", [200])
    route = {"name": "served-web"}
    twice = {**spec, "checks": spec["checks"] * 2}

    refused = api.call("POST", "/api/v1/systems", json=twice)
    after_refusal = api.call("GET", "/api/v1/systems/{name}", path=route)
    created = api.call("POST", "/api/v1/systems", json=spec)
    retried = api.call("POST", "/api/v1/systems", json=spec)

    assert refused.status_code == 422 and after_refusal.status_code == 404  # nothing half-stored
    assert created.status_code == 201, created.text
    assert retried.status_code == 409, retried.text
    result = api.until(
        "the watcher runs the new system's check",
        lambda: api.call("GET", "/api/v1/systems/{name}", path=route).json()["checks"][0]["last_result"],
    )  # fmt: skip
    assert result["status"] == "up"
    assert "served-web" in {system["name"] for system in api.call("GET", "/api/v1/systems").json()}

    renamed = api.call("PUT", "/api/v1/systems/{name}", path=route, json={**spec, "plain_name": "the web shop"})  # fmt: skip
    assert renamed.status_code == 200 and renamed.json()["plain_name"] == "the web shop"
    deleted = api.call("DELETE", "/api/v1/systems/{name}", path=route)
    assert deleted.status_code == 204
    assert api.call("DELETE", "/api/v1/systems/{name}", path=route).status_code == 404
    assert api.call("PUT", "/api/v1/systems/{name}", path=route, json=spec).status_code == 404


def _audience(name: str, contact: str = "Dana Weber") -> dict[str, Any]:
    return {
        "name": name, "timezone": "UTC", "working_days": {"weekend": []}, "channels": ["file"],
        "contact": {"name": contact, "email": "dana@example.com"},
        "members": [{"name": "Sam Served", "email": "sam@example.com"}],
    }  # fmt: skip


def test_a_new_audience_is_stored_once_and_its_notices_are_planned(api: Api) -> None:
    # A stock take tomorrow naming an audience that does not exist yet: nothing to plan,
    # until the audience is created; then its heads-up is late, so it is due at once.
    tomorrow = _today() + timedelta(days=1)
    sheet = _csv("Served stock take", tomorrow, tomorrow, audiences="served-readers")
    assert _upload(api, "served-stock", sheet).status_code == 201
    route = {"name": "served-readers"}

    refused = api.call("POST", "/api/v1/audiences", json={**_audience("served-readers"), "timezone": "Mars/Olympus"})  # fmt: skip
    after_refusal = api.call("GET", "/api/v1/audiences/{name}", path=route)
    created = api.call("POST", "/api/v1/audiences", json=_audience("served-readers"))
    retried = api.call("POST", "/api/v1/audiences", json=_audience("served-readers"))

    assert refused.status_code == 422 and after_refusal.status_code == 404
    assert created.status_code == 201, created.text
    assert retried.status_code == 409, retried.text
    planned = api.until(
        "the planner plans the new audience's heads-up",
        lambda: api.call("GET", "/api/v1/deliveries", params={"audience": "served-readers"}).json(),
    )
    assert {delivery["kind"] for delivery in planned} >= {"heads_up"}
    heads_up = [delivery for delivery in planned if delivery["kind"] == "heads_up"]
    assert heads_up[0]["recipient_address"] == "sam@example.com"  # the contact gets the report
    summary = api.call("GET", "/api/v1/deliveries/summary").json()
    assert summary["total"] >= len(planned)
    assert api.call("GET", "/api/v1/feedback", params={"audience": "served-readers"}).json() == {
        "summary": {}, "answers": [],
    }  # fmt: skip
    preview = api.call("POST", "/api/v1/notices/preview", json={"kind": "heads_up", "audience": "served-readers"})  # fmt: skip
    assert preview.status_code == 200 and preview.json()["recipient_name"] == "Sam Served"

    names = {audience["name"] for audience in api.call("GET", "/api/v1/audiences").json()}
    assert "served-readers" in names
    replaced = api.call("PUT", "/api/v1/audiences/{name}", path=route, json=_audience("served-readers", "Ada Lead"))  # fmt: skip
    assert replaced.status_code == 200, replaced.text
    assert (
        api.call("GET", "/api/v1/audiences/{name}", path=route).json()["contact"]["name"]
        == "Ada Lead"
    )
    assert api.call("DELETE", "/api/v1/audiences/{name}", path=route).status_code == 204
    assert api.call("DELETE", "/api/v1/audiences/{name}", path=route).status_code == 404
    assert api.call("DELETE", "/api/v1/calendars/{name}", path={"name": "served-stock"}).status_code == 204  # fmt: skip


def test_the_pages_a_german_notice_links_to_are_german(api: Api) -> None:
    # A German reader's stock take tomorrow, every day a working day: its heads-up is due at once.
    tomorrow = _today() + timedelta(days=1)
    sheet = _csv("Inventur Lager", tomorrow, tomorrow, audiences="served-leser")
    assert _upload(api, "served-inventur", sheet).status_code == 201
    reader = {**_audience("served-leser"), "language": "de",
              "members": [{"name": "Lea Leser", "email": "lea@example.com"}]}  # fmt: skip
    assert api.call("POST", "/api/v1/audiences", json=reader).status_code == 201
    (sent,) = api.until(
        "the heads-up to lea@example.com is sent",
        lambda: [delivery for delivery in api.call("GET", "/api/v1/deliveries", params={"audience": "served-leser"}).json()
                 if delivery["recipient_address"] == "lea@example.com" and delivery["status"] == "sent"],
    )  # fmt: skip
    (written,) = [path for path in (api.served.data_dir / "outbox").glob("**/*.eml")
                  if b"lea@example.com" in path.read_bytes()]  # fmt: skip
    leave = urlsplit(email.message_from_bytes(written.read_bytes())["List-Unsubscribe"][1:-1]).path
    links = Links(Settings(data_dir=api.served.data_dir).signing_key(), api.served.base)
    answer = urlsplit(links.feedback(sent["dedupe_key"], "problem")).path

    with httpx.Client(base_url=api.served.base, timeout=60) as reader_browser:
        asked = reader_browser.get(answer)
        answered = reader_browser.post(answer, data={"answer": "problem"})
        shown = reader_browser.get(leave)
        left = reader_browser.post(leave)

    assert '<html lang="de">' in asked.text and "Klappt es noch nicht?" in asked.text
    assert answered.status_code == 200 and "Dana Weber weiß jetzt" in answered.text
    assert shown.status_code == 200 and "Keine Hinweise mehr erhalten?" in shown.text
    assert left.status_code == 200 and "Sie sind abgemeldet" in left.text
    assert api.call("DELETE", "/api/v1/audiences/{name}", path={"name": "served-leser"}).status_code == 204  # fmt: skip
    assert api.call("DELETE", "/api/v1/calendars/{name}", path={"name": "served-inventur"}).status_code == 204  # fmt: skip


def test_an_audience_feed_link_gives_its_periods(api: Api) -> None:
    link = api.call("GET", "/api/v1/audiences/{name}/feed-link", path={"name": "finance"})
    assert link.status_code == 200, link.text
    url = urlsplit(link.json()["url"])
    signed = f"{url.path}?{url.query}"

    anonymous = httpx.Client(base_url=api.served.base, timeout=60)
    with anonymous:
        feed = anonymous.get(signed)
        api.exercised.add(("GET", "/calendar.ics"))
        head = anonymous.head(signed)
        api.exercised.add(("HEAD", "/calendar.ics"))
        unchanged = anonymous.get(signed, headers={"If-None-Match": feed.headers["etag"]})
        forged = anonymous.get(tampered(signed))
    everything = api.call("GET", "/calendar.ics")

    assert feed.status_code == 200 and "Month-end closing" in feed.text, feed.text  # the demo's
    assert head.status_code == 200 and head.content == b"", head.headers
    assert head.headers["etag"] == feed.headers["etag"]
    assert unchanged.status_code == 304, (unchanged.status_code, feed.headers, unchanged.headers)
    assert forged.status_code == 403, forged.text
    assert everything.status_code == 200, everything.text
    assert everything.headers["content-type"].startswith("text/calendar")


def test_template_overrides_are_stored_replaced_and_deleted(api: Api) -> None:
    parts = {part: (TEMPLATES / f"{part}.{ext}").read_text()
             for part, ext in (("subject", "txt"), ("text", "txt"), ("html", "html"))}  # fmt: skip
    route = {"kind": "heads_up", "lang": "en"}
    params = {"category": "inventory_count"}

    created = api.call(
        "PUT", "/api/v1/templates/{kind}/{lang}", path=route, params=params, json=parts
    )
    replaced = api.call(
        "PUT", "/api/v1/templates/{kind}/{lang}", path=route, params=params, json=parts
    )
    listed = api.call("GET", "/api/v1/templates").json()
    deleted = api.call("DELETE", "/api/v1/templates/{kind}/{lang}", path=route, params=params)
    again = api.call("DELETE", "/api/v1/templates/{kind}/{lang}", path=route, params=params)

    assert (created.status_code, replaced.status_code) == (201, 200), created.text
    assert [(t["kind"], t["category"]) for t in listed] == [("heads_up", "inventory_count")]
    assert (deleted.status_code, again.status_code) == (204, 404)


def test_a_failing_check_opens_an_incident_that_people_update_and_resolve(api: Api) -> None:
    spec = _system("served-broken", f"{api.served.base}/healthz", [204], "the broken shop")
    assert api.call("POST", "/api/v1/systems", json=spec).status_code == 201
    try:
        opened = api.until(
            "the watcher opens an incident for the failing check",
            lambda: api.call("GET", "/api/v1/incidents", params={"system": "served-broken"}).json(),
        )
        route = {"incident_id": opened[0]["id"]}

        shown = api.call("GET", "/api/v1/incidents/{incident_id}", path=route)
        update = api.call("POST", "/api/v1/incidents/{incident_id}/updates", path=route,
                          json={"message": "Orders wait in a queue; none are lost.", "next_update": "30m"})  # fmt: skip
        resolved = api.call("POST", "/api/v1/incidents/{incident_id}/resolve", path=route,
                            json={"summary": "A full disk stopped the shop; it has room again."})  # fmt: skip

        assert shown.status_code == 200 and shown.json()["status"] == "open"
        assert update.status_code == 201, update.text
        assert resolved.status_code == 200, resolved.text
        unknown = api.call("GET", "/api/v1/incidents/{incident_id}", path={"incident_id": 999_999})
        assert unknown.status_code == 404
    finally:
        api.call("DELETE", "/api/v1/systems/{name}", path={"name": "served-broken"})


def test_the_report_of_a_period_in_json_csv_and_pdf(api: Api) -> None:
    today = _today()
    sheet = _csv("Served closing", today - timedelta(days=1), today + timedelta(days=1),
                 category="month_end_close", systems="served-ledger")  # fmt: skip
    assert _upload(api, "served-report", sheet).status_code == 201
    (occurrence,) = api.call(
        "GET", "/api/v1/occurrences", params={"calendar": "served-report"}
    ).json()
    route = {"occurrence_id": occurrence["id"]}

    report = api.call("GET", "/api/v1/reports/{occurrence_id}", path=route)
    sheet_answer = api.call("GET", "/api/v1/reports/{occurrence_id}/report.csv", path=route)
    pdf = api.call("GET", "/api/v1/reports/{occurrence_id}/report.pdf", path=route)
    missing = api.call("GET", "/api/v1/reports/{occurrence_id}", path={"occurrence_id": 2**31 - 1})

    assert report.status_code == 200, report.text
    assert (
        report.json()["finished"] is False
        and report.json()["systems"][0]["name"] == "served-ledger"
    )
    assert sheet_answer.text.splitlines()[1].startswith("served-ledger,")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert missing.status_code == 404
    api.call("DELETE", "/api/v1/calendars/{name}", path={"name": "served-report"})


def test_a_maintenance_window_is_refused_over_a_period_and_planned_beside_it(api: Api) -> None:
    today = _today()
    spec = _system("served-maint", f"{api.served.base}/healthz", [200], "the served ledger")
    assert api.call("POST", "/api/v1/systems", json=spec).status_code == 201
    sheet = _csv("Served payroll", today + timedelta(days=1), today + timedelta(days=2),
                 category="payroll", systems="served-maint")  # fmt: skip
    assert _upload(api, "served-maint", sheet).status_code == 201
    during = {"system": "served-maint", "reason": "we update it",
              "start": f"{today + timedelta(days=1, hours=20):%Y-%m-%dT%H:%M:%SZ}",
              "end": f"{today + timedelta(days=1, hours=21):%Y-%m-%dT%H:%M:%SZ}"}  # fmt: skip
    beside = {**during, "start": f"{today + timedelta(days=9, hours=20):%Y-%m-%dT%H:%M:%SZ}",
              "end": f"{today + timedelta(days=9, hours=21):%Y-%m-%dT%H:%M:%SZ}"}  # fmt: skip

    refused = api.call("POST", "/api/v1/maintenance", json=during)
    planned = api.call("POST", "/api/v1/maintenance", json=beside)
    listed = api.call("GET", "/api/v1/maintenance", params={"system": "served-maint"})
    cancelled = api.call(
        "DELETE", "/api/v1/maintenance/{window_id}", path={"window_id": planned.json()["id"]}
    )

    assert refused.status_code == 409 and "Served payroll" in refused.json()["collisions"][0]
    assert planned.status_code == 201, planned.text
    assert [window["id"] for window in listed.json()] == [planned.json()["id"]]
    assert cancelled.status_code == 204
    api.call("DELETE", "/api/v1/calendars/{name}", path={"name": "served-maint"})
    api.http.delete("/api/v1/systems/served-maint")


def test_a_revoked_token_stops_working_at_once(api: Api) -> None:
    created = subprocess.run(
        [CLOSEWATCH, "token", "create", "--name", "served-visitor", "--role", "viewer"],
        capture_output=True, text=True, env=api.served.env, timeout=60, check=True,
    )  # fmt: skip
    visitor = {"Authorization": f"Bearer {created.stdout.strip()}"}
    assert httpx.get(f"{api.served.base}/api/v1/calendars", headers=visitor, timeout=30).status_code == 200  # fmt: skip

    listed = api.call("GET", "/api/v1/tokens")
    revoked = api.call("DELETE", "/api/v1/tokens/{name}", path={"name": "served-visitor"})
    after = httpx.get(f"{api.served.base}/api/v1/calendars", headers=visitor, timeout=30)

    assert {"demo", "served-visitor"} <= {token["name"] for token in listed.json()}
    assert created.stdout.strip() not in listed.text
    assert revoked.status_code == 204
    assert after.status_code == 401


def test_alerts_from_other_monitoring_open_and_end_incidents(api: Api) -> None:
    created = subprocess.run(
        [CLOSEWATCH, "token", "create", "--name", "served-alertmanager", "--role", "ingest"],
        capture_output=True, text=True, env=api.served.env, timeout=60, check=True,
    )  # fmt: skip
    ingest = {"Authorization": f"Bearer {created.stdout.strip()}"}
    started = f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"

    def notification(status: str) -> dict[str, Any]:
        return {"version": "4", "status": status, "receiver": "closewatch", "alerts": [
            {"status": status, "labels": {"alertname": "WmsDown", "closewatch_system": "wms"},
             "annotations": {"summary": "wms probe failed"}, "startsAt": started,
             "fingerprint": "served-wms"}]}  # fmt: skip

    def wms_incidents_open() -> bool:
        metrics = httpx.get(f"{api.served.base}/metrics", timeout=30).text
        return any(line.startswith("closewatch_incidents_open{") and 'system="wms"' in line
                   and not line.endswith(" 0.0") for line in metrics.splitlines())  # fmt: skip

    route = "/api/v1/alerts/alertmanager"
    opened = api.call("POST", route, json=notification("firing"), headers=ingest)
    assert opened.status_code == 200, opened.text
    (incident_id,) = opened.json()["opened"]
    api.until("the incident counted in /metrics", wms_incidents_open)
    resolved = api.call("POST", route, json=notification("resolved"), headers=ingest)
    down = api.call("POST", "/api/v1/systems/{name}/status", path={"name": "payroll"},
                    json={"status": "down", "source": "zabbix", "id": "7"}, headers=ingest)  # fmt: skip
    up = api.call("POST", "/api/v1/systems/{name}/status", path={"name": "payroll"},
                  json={"status": "up", "source": "zabbix", "id": "7"}, headers=ingest)  # fmt: skip
    reading = httpx.get(f"{api.served.base}/api/v1/systems", headers=ingest, timeout=30)

    assert resolved.json()["recovered"] == [incident_id]
    assert not wms_incidents_open()
    shown = httpx.get(f"{api.served.base}/api/v1/incidents/{incident_id}", headers=api.served.auth)
    assert shown.json()["status"] == "closed"
    assert len(down.json()["opened"]) == 1 and up.json()["recovered"] == down.json()["opened"]
    assert reading.status_code == 403


def test_prometheus_targets_follow_a_new_system(api: Api) -> None:
    system = {"name": "served-probed", "plain_name": "the probed system",
              "checks": [{"name": "db", "kind": "tcp", "host": "127.0.0.1", "port": 5432}]}  # fmt: skip
    assert api.http.post("/api/v1/systems", json=system).status_code == 201
    try:
        targets = api.call("GET", "/api/v1/prometheus/targets")
        groups = [g for g in targets.json() if g["labels"]["closewatch_system"] == "served-probed"]
        assert groups == [{"targets": ["127.0.0.1:5432"], "labels": {
            "__param_module": "tcp_connect", "__scrape_interval__": "5m", "__scrape_timeout__": "10s",
            "module": "tcp_connect", "closewatch_system": "served-probed", "closewatch_check": "db",
            "closewatch_level": "normal"}}]  # fmt: skip
    finally:
        api.http.delete("/api/v1/systems/served-probed")


def test_a_subscribed_calendar_is_refreshed_by_the_leader_and_on_demand(api: Api) -> None:
    today = _today()
    lines = ("CATEGORIES:go_live", "X-CLOSEWATCH-LEVEL:critical", "X-CLOSEWATCH-SYSTEMS:served-crm")
    go_live = event("golive@served", "Served CRM go-live", f"{today - timedelta(days=1):%Y%m%d}",
                    f"{today + timedelta(days=1):%Y%m%d}", *lines)  # fmt: skip
    route = {"name": "served-sub"}
    with calendar_host() as host:
        host.files["/private-8c1e/basic.ics"] = ics(go_live)
        body = {"name": "served-sub", "url": host.url("/private-8c1e/basic.ics"), "every": "10s",
                "headers": ["Authorization: Bearer served-s3cret"]}  # fmt: skip

        made = api.call("POST", "/api/v1/subscriptions", json=body)
        assert made.status_code == 201, made.text
        assert _level(api, "served-crm") == "critical"  # at once, as an upload
        listed = api.call("GET", "/api/v1/subscriptions")
        shown = api.call("GET", "/api/v1/subscriptions/{name}", path=route)
        assert [s["name"] for s in listed.json()] == ["served-sub"]
        assert shown.json()["address"] == f"{host.base}/…"
        assert (
            "private-8c1e" not in listed.text + shown.text
            and "s3cret" not in listed.text + shown.text
        )
        on_demand = api.call("POST", "/api/v1/subscriptions/{name}/refresh", path=route).json()
        assert (on_demand["changed"], on_demand["error"]) == (False, None)
        assert host.statuses("/private-8c1e/basic.ics")[:2] == [200, 304]

        host.files["/private-8c1e/basic.ics"] = ics(
            go_live.replace("END:VEVENT", "STATUS:CANCELLED\r\nEND:VEVENT")
        )
        api.until(
            "the leader refreshes the cancelled go-live",
            lambda: not _critical_systems(api) & {"served-crm"},
        )
        del host.files["/private-8c1e/basic.ics"]
        failed = api.call("POST", "/api/v1/subscriptions/{name}/refresh", path=route).json()
        assert failed["error"] == f"{host.base}/… answered HTTP 404 Not Found"
        assert failed["subscription"]["failures"] >= 1
    metrics = httpx.get(f"{api.served.base}/metrics", timeout=30).text
    assert 'closewatch_calendar_last_success_timestamp_seconds{calendar="served-sub"}' in metrics
    assert 'closewatch_calendar_refresh_failures_total{calendar="served-sub"}' in metrics

    assert "private-8c1e" not in api.served.log.read_text()  # nor in the logs
    stopped = api.call("DELETE", "/api/v1/subscriptions/{name}", path=route)
    again = api.call("DELETE", "/api/v1/subscriptions/{name}", path=route)
    assert (stopped.status_code, again.status_code) == (204, 404)
    assert (
        api.call("GET", "/api/v1/calendars/served-sub").status_code == 200
    )  # kept as last fetched


def _critical_systems(api: Api) -> set[str]:
    levels = api.call("GET", "/api/v1/intensity").json()["systems"]
    return {entry["name"] for entry in levels if entry["level"] == "critical"}
