"""The host over real HTTP on 127.0.0.1: Restcomm-style form posts and XML, and calls that fetch
their documents from an app server that checks every request's signature, under both clocks."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from rcml.host.config import NumberConfig
from tests.host.conftest import ACCOUNT, NUMBER, LiveHost

RESTCOMM = f"/restcomm/2012-04-24/Accounts/{ACCOUNT.sid}/Calls"
CREDENTIALS = (ACCOUNT.sid, ACCOUNT.auth_token)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """One client for the test (each `httpx.get` would build a TLS context: slow)."""
    with httpx.Client(auth=CREDENTIALS) as client:
        yield client


def host_with_app(
    make_live_host: Callable[..., LiveHost], app_url: str, clock: str, path: str = "/ivr"
) -> LiveHost:
    number = NumberConfig(NUMBER, f"{app_url}{path}", ACCOUNT.sid)
    return make_live_host(clock=clock, numbers={NUMBER: number})


def settle(
    http: httpx.Client, live: LiveHost, sid: str, status: str, timeout: float = 5.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        call = http.get(f"{live.url}/2010-04-01/Accounts/{ACCOUNT.sid}/Calls/{sid}.json").json()
        if call["status"] == status or time.monotonic() > deadline:
            return call
        time.sleep(0.02)


def test_restcomm_form_posts_and_xml(
    make_live_host: Callable[..., LiveHost], app_server: Any, http: httpx.Client
) -> None:
    _, app_url = app_server
    live = make_live_host(endpoints={"client:alice": {"answer_after": 0}})
    created = http.post(
        f"{live.url}{RESTCOMM}",
        data={"From": "+15550001111", "To": "client:alice", "Url": f"{app_url}/ivr"},
    )
    assert created.status_code == 201
    assert created.headers["content-type"] == "application/xml; charset=utf-8"
    text = created.text
    assert text.startswith("<?xml version='1.0' encoding='UTF-8'?>\n<RestcommResponse><Call><Sid>")
    sid = text.split("<Sid>", 1)[1].split("</Sid>", 1)[0]
    assert "<Status>queued</Status>" in text and "<ApiVersion>2012-04-24</ApiVersion>" in text
    settle(http, live, sid, "in-progress")
    fetched = http.get(f"{live.url}{RESTCOMM}/{sid}")
    assert f"<Uri>/2012-04-24/Accounts/{ACCOUNT.sid}/Calls/{sid}</Uri>" in fetched.text
    assert "<Status>in-progress</Status>" in fetched.text
    ended = http.post(f"{live.url}{RESTCOMM}.json/{sid}", data={"Status": "completed"})
    assert ended.status_code == 200
    assert ended.headers["content-type"] == "application/json; charset=utf-8"
    assert (ended.json()["sid"], ended.json()["status"]) == (sid, "completed")
    again = http.post(f"{live.url}{RESTCOMM}/{sid}", data={"Status": "completed"})
    assert again.status_code == 400
    assert again.text == (
        "<?xml version='1.0' encoding='UTF-8'?>\n<RestcommResponse><RestException>"
        "<Code>21220</Code><Message>Call is not in-progress. Cannot redirect.</Message>"
        "<MoreInfo>https://www.twilio.com/docs/errors/21220</MoreInfo><Status>400</Status>"
        "</RestException></RestcommResponse>"
    )
    listed = http.get(f"{live.url}{RESTCOMM}?To=client:alice")
    assert listed.text.count("<Call>") == 1 and 'start="0" end="0"' in listed.text
    unauthorized = http.get(f"{live.url}{RESTCOMM}", auth=None)
    assert unauthorized.status_code == 401
    assert unauthorized.headers["www-authenticate"] == 'Basic realm="rcml"'


@pytest.mark.parametrize("clock", ["wall", "virtual"])
def test_an_ivr_through_a_signature_checking_app_server(
    make_live_host: Callable[..., LiveHost], app_server: Any, clock: str, http: httpx.Client
) -> None:
    server, app_url = app_server
    live = host_with_app(make_live_host, app_url, clock)
    placed = http.post(f"{live.url}/sim/calls", json={"from": "+15550001111", "to": NUMBER})
    assert placed.status_code == 201
    call = placed.json()
    if clock == "virtual":  # answered by the fetched document before the reply
        assert call["status"] == "in-progress"
    sid = call["sid"]
    settle(http, live, sid, "in-progress")
    pressed = http.post(f"{live.url}/sim/calls/{sid}/digits", json={"digits": "1"})
    assert pressed.status_code == 200
    if clock == "virtual":
        http.post(f"{live.url}/sim/clock/advance", json={"seconds": 10})
    done = settle(http, live, sid, "completed")
    assert done["status"] == "completed"
    assert [(s["path"], s["valid"], s["restcomm"]) for s in server.seen] == [
        ("/ivr", True, True),
        ("/menu", True, True),
    ]
    assert server.seen[1]["params"]["Digits"] == "1"
    assert server.seen[0]["params"]["CallSid"] == sid
    events = http.get(f"{live.url}/sim/calls/{sid}/events").json()
    says = [e["text"] for e in events["events"] if e["type"] == "say"]
    assert says == ["Press one for sales", "You pressed 1"]
    assert [r["status"] for r in events["requests"]] == [200, 200]


def test_a_wrong_signature_is_refused_by_the_app(
    make_live_host: Callable[..., LiveHost], app_server: Any, http: httpx.Client
) -> None:
    server, app_url = app_server
    server.auth_token = "not-the-accounts-token"
    live = host_with_app(make_live_host, app_url, "virtual")
    call = http.post(f"{live.url}/sim/calls", json={"from": "+1555", "to": NUMBER}).json()
    assert call["status"] == "failed"
    assert [s["valid"] for s in server.seen] == [False]
    errors = http.get(f"{live.url}/sim/calls/{call['sid']}/events").json()
    assert [(e["code"], e["message"]) for e in errors["errors"]] == [
        (11200, f"{app_url}/ivr answered HTTP 403")
    ]


def test_a_number_on_the_hosts_own_flows(
    make_live_host: Callable[..., LiveHost], http: httpx.Client
) -> None:
    live = make_live_host(
        clock="virtual", numbers={NUMBER: NumberConfig(NUMBER, "/flows/hi.xml.j2", ACCOUNT.sid)}
    )
    (live.service.config.flows_dir / "hi.xml.j2").write_text(
        "<Response><Say>Hello {{ From }}</Say></Response>"
    )
    call = http.post(f"{live.url}/sim/calls", json={"from": "+15550001111", "to": NUMBER}).json()
    events = http.get(f"{live.url}/sim/calls/{call['sid']}/events").json()
    assert [e["text"] for e in events["events"] if e["type"] == "say"] == ["Hello +15550001111"]
    assert events["requests"][0]["url"] == f"{live.url}/flows/hi.xml.j2"
