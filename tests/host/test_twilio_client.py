"""Twilio's real Python client against a host on 127.0.0.1 (calls-api §10): create, fetch, list
with paging, update, and every error as a TwilioRestException with the spec's code."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException

from rcml.engine import Account
from tests.host.conftest import ACCOUNT, LiveHost


@pytest.fixture
def live(make_live_host: Callable[..., LiveHost]) -> LiveHost:
    return make_live_host(endpoints={"client:alice": {"answer_after": 0.05}})


@pytest.fixture
def client(live: LiveHost, twilio_client: Callable[..., Any]) -> Any:
    return twilio_client(live.url)


def wait_for(fetch: Callable[[], Any], status: str, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = fetch()
        if found.status == status or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("to", "expected_to"),
    [
        ("+15551112222", "+15551112222"),
        ("client:alice", "client:alice"),
        ("sip:bob@example.com", "sip:bob@example.com"),
    ],
)
def test_create(client: Any, live: LiveHost, app_server: Any, to: str, expected_to: str) -> None:
    _, app_url = app_server
    before = datetime.now(UTC).replace(microsecond=0)
    call = client.calls.create(to=to, from_="+15550001111", url=f"{app_url}/hello")
    assert call.sid.startswith("CA") and len(call.sid) == 34
    assert (call.status, call.direction, call.to, call._from) == (
        "queued",
        "outbound-api",
        expected_to,
        "+15550001111",
    )
    assert (call.account_sid, call.api_version, call.price_unit) == (
        ACCOUNT.sid,
        "2010-04-01",
        "USD",
    )
    assert before <= call.date_created <= datetime.now(UTC)
    assert call.start_time is None and call.duration is None
    assert call.uri == f"/2010-04-01/Accounts/{ACCOUNT.sid}/Calls/{call.sid}.json"


@pytest.mark.parametrize(
    ("to", "recorded"),
    [("sip:bob@example.com", ("bob", "s3cret")), ("+15551112222", None)],
)
def test_sip_credentials_are_recorded_on_a_sip_leg_only(
    client: Any, live: LiveHost, app_server: Any, to: str, recorded: tuple[str, str] | None
) -> None:
    _, app_url = app_server
    call = client.calls.create(
        to=to, from_="+15550001111", url=f"{app_url}/hello",
        sip_auth_username="bob", sip_auth_password="s3cret",
    )  # fmt: skip
    engine = live.service.engine
    assert engine is not None
    assert live.service.run(lambda: engine.by_sid[call.sid].sip_auth) == recorded


def test_fetch_follows_the_call(client: Any, app_server: Any) -> None:
    server, app_url = app_server
    call = client.calls.create(
        to="client:alice",
        from_="+15550001111",
        url=f"{app_url}/hello",
        status_callback=f"{app_url}/status",
        status_callback_event=["initiated", "answered", "completed"],
    )
    done = wait_for(lambda: client.calls(call.sid).fetch(), "completed")
    assert done.status == "completed"
    assert isinstance(done.start_time, datetime) and isinstance(done.end_time, datetime)
    assert done.duration == "0"

    def events() -> list[str]:
        return [s["params"]["StatusCallbackEvent"] for s in server.seen if s["path"] == "/status"]

    deadline = time.monotonic() + 5
    while len(events()) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert events() == ["initiated", "answered", "completed"]
    assert all(s["valid"] and s["restcomm"] for s in server.seen)


def test_list_with_paging(client: Any, app_server: Any) -> None:
    _, app_url = app_server
    sids = [
        client.calls.create(
            to=f"+1555000000{n}", from_="+1", url=f"{app_url}/hello", timeout=60
        ).sid
        for n in range(5)
    ]
    listed = client.calls.list(page_size=2)
    assert [call.sid for call in listed] == list(reversed(sids))
    limited = client.calls.list(page_size=2, limit=3)
    assert [call.sid for call in limited] == list(reversed(sids))[:3]
    page = client.calls.page(page_size=2)
    assert [call.sid for call in page] == list(reversed(sids))[:2]
    following = page.next_page()
    assert [call.sid for call in following] == list(reversed(sids))[2:4]
    assert [c.sid for c in client.calls.list(to="+15550000003")] == [sids[3]]
    assert [c.sid for c in client.calls.list(status="ringing", limit=1)] == [sids[4]]
    today = datetime.now(UTC)
    assert len(client.calls.list(start_time_before=today.replace(year=today.year + 1))) == 5
    assert client.calls.list(start_time_after=today.replace(year=today.year + 1)) == []


def test_update_with_status(client: Any, app_server: Any) -> None:
    _, app_url = app_server
    ringing = client.calls.create(to="+15550000001", from_="+1", url=f"{app_url}/hello")
    canceled = client.calls(ringing.sid).update(status="canceled")
    assert canceled.status == "canceled"
    talking = client.calls.create(to="client:alice", from_="+1", url=f"{app_url}/ivr")
    wait_for(lambda: client.calls(talking.sid).fetch(), "in-progress")
    completed = client.calls(talking.sid).update(status="completed")
    assert completed.status == "completed"


def test_update_with_url(client: Any, app_server: Any) -> None:
    server, app_url = app_server
    talking = client.calls.create(to="client:alice", from_="+1", url=f"{app_url}/ivr")
    wait_for(lambda: client.calls(talking.sid).fetch(), "in-progress")
    updated = client.calls(talking.sid).update(url=f"{app_url}/hello", method="GET")
    assert (updated.sid, updated.status) == (talking.sid, "in-progress")
    done = wait_for(lambda: client.calls(talking.sid).fetch(), "completed")
    assert done.status == "completed"
    hello = [seen for seen in server.seen if seen["path"] == "/hello"]
    assert [(seen["method"], seen["valid"]) for seen in hello] == [("GET", True)]
    assert hello[0]["params"]["CallSid"] == talking.sid
    assert hello[0]["params"]["CallStatus"] == "in-progress"


def test_update_with_twiml(client: Any, live: LiveHost, app_server: Any) -> None:
    _, app_url = app_server
    talking = client.calls.create(to="client:alice", from_="+1", url=f"{app_url}/ivr")
    wait_for(lambda: client.calls(talking.sid).fetch(), "in-progress")
    updated = client.calls(talking.sid).update(twiml="<Response><Say>Bye now</Say></Response>")
    assert updated.status == "in-progress"
    assert wait_for(lambda: client.calls(talking.sid).fetch(), "completed").status == "completed"
    events = live.service.call_events(ACCOUNT, talking.sid).events
    says = [event["text"] for event in events if event["type"] == "say"]
    assert says == ["Press one for sales", "Bye now"]
    assert [event["params"] for event in events if event["type"] == "modify"] == [
        {"Twiml": "<Response><Say>Bye now</Say></Response>"}
    ]


def raised(action: Callable[[], object]) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as caught:
        action()
    return caught.value


def test_errors_surface_with_the_spec_codes(client: Any, app_server: Any) -> None:
    _, app_url = app_server
    url = f"{app_url}/hello"
    create = client.calls.create
    cases: list[tuple[Callable[[], object], int, int, str]] = [
        (
            lambda: create(to="555-1212", from_="+1", url=url),
            400,
            21211,
            "Invalid 'To' Phone Number",
        ),
        (lambda: create(to="+1", from_="a b", url=url), 400, 21212, "Invalid 'From' Phone Number"),
        (lambda: create(to="+1", from_="+1", url="/x"), 400, 21205, "Url is not a valid URL"),
        (
            lambda: create(to="+1", from_="+1", url=url, method="PUT"),
            400,
            21209,
            "Invalid Method: must be GET or POST",
        ),
        (
            lambda: create(to="+1", from_="+1", url=url, status_callback_event=["bogus"]),
            400,
            21626,
            "Invalid 'StatusCallbackEvent'",
        ),
        (
            lambda: create(to="+1", from_="+1", url=url, timeout=601),
            400,
            21208,
            "Invalid Timeout: must be an integer from 1 to 600",
        ),
        (
            lambda: create(to="+1", from_="+1", twiml="<Response>" + " " * 4000 + "</Response>"),
            400,
            32018,
            "Twiml must be at most 4000 characters",
        ),
        (
            lambda: client.calls("CA" + "0" * 32).fetch(),
            404,
            20404,
            f"The requested resource /2010-04-01/Accounts/{ACCOUNT.sid}/Calls/CA{'0' * 32}.json"
            " was not found",
        ),
    ]
    for action, status, code, message in cases:
        error = raised(action)
        assert (error.status, error.code, error.msg.split(": ", 1)[1]) == (status, code, message)
        assert error.msg.startswith("Unable to ")


def page_error(action: Callable[[], object]) -> tuple[int, dict[str, object]]:
    """List pages fail with a plain TwilioException carrying the response (Twilio's client)."""
    with pytest.raises(TwilioException) as caught:
        action()
    message, response = caught.value.args
    assert message == "Unable to fetch page"
    return response.status_code, json.loads(response.text)


def test_list_errors(client: Any, live: LiveHost, twilio_client: Callable[..., Any]) -> None:
    status, body = page_error(lambda: client.calls.page(page_token="XX1"))
    assert (status, body["code"], body["message"]) == (400, 21481, "Invalid PageToken")
    stranger = twilio_client(live.url, Account(ACCOUNT.sid, "wrong"))
    status, body = page_error(lambda: stranger.calls.list())
    assert (status, body["code"], body["message"]) == (401, 20003, "Authentication failed")
    error = raised(lambda: stranger.calls("CA" + "0" * 32).fetch())
    assert (error.status, error.code) == (401, 20003)


def test_modification_errors(client: Any, app_server: Any) -> None:
    _, app_url = app_server
    call = client.calls.create(to="+15550000001", from_="+1", url=f"{app_url}/hello")
    error = raised(lambda: client.calls(call.sid).update(status="busy"))
    assert (error.status, error.code) == (400, 21218)
    client.calls(call.sid).update(status="canceled")
    error = raised(lambda: client.calls(call.sid).update(status="completed"))
    assert (error.status, error.code, error.msg) == (
        400,
        21220,
        "Unable to update record: Call is not in-progress. Cannot redirect.",
    )
    error = raised(lambda: client.calls(call.sid).delete())
    assert (error.status, error.code, error.msg) == (
        405,
        20004,
        "Unable to delete record: Method not allowed",
    )
