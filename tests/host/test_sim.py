"""Simulation control (calls-api §9) on a virtual clock: inbound calls, the remote party's input,
endpoint behaviour, events, and moving the clock."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.host.conftest import ACCOUNT, AUTH, NUMBER, OTHER_AUTH, PUBLIC, SPEECH_NUMBER, Host


def error(code: int, message: str, status: int = 400) -> dict[str, object]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def place(host: Host, **body: object) -> dict[str, object]:
    response = host.client.post(
        "/sim/calls", json={"from": "+15550001111", "to": NUMBER, **body}, headers=AUTH
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_an_inbound_call_is_answered_by_its_document(host: Host) -> None:
    call = place(host, caller_name="Ann", forwarded_from="+15557770000")
    assert {key: call[key] for key in ("status", "direction", "from", "to", "api_version")} == {
        "status": "in-progress",
        "direction": "inbound",
        "from": "+15550001111",
        "to": NUMBER,
        "api_version": "2012-04-24",
    }
    assert (call["caller_name"], call["forwarded_from"]) == ("Ann", "+15557770000")
    assert call["uri"] == f"/2012-04-24/Accounts/{ACCOUNT.sid}/Calls/{call['sid']}.json"
    assert call["start_time"] == call["date_created"]


def test_the_ivr_example_of_the_spec(host: Host) -> None:
    sid = place(host)["sid"]
    pressed = host.client.post(f"/sim/calls/{sid}/digits", json={"digits": "1"}, headers=AUTH)
    assert (pressed.status_code, pressed.get_json()["status"]) == (200, "in-progress")
    moved = host.client.post("/sim/clock/advance", json={"seconds": 5}, headers=AUTH)
    assert moved.get_json() == {"now": 5.0}
    found = host.client.get(f"/sim/calls/{sid}/events", headers=AUTH).get_json()
    assert found["call_sid"] == sid
    assert found["errors"] == []
    kinds = [
        (e["type"], e.get("status") or e.get("text") or e.get("digits")) for e in found["events"]
    ]
    assert kinds == [
        ("status", "ringing"),
        ("status", "in-progress"),
        ("gather", None),
        ("say", "Press one"),
        ("digits", "1"),
        ("gather-end", "1"),
        ("say", "Thanks"),
        ("hangup", None),
        ("status", "completed"),
    ]
    assert all(e["timestamp"].endswith("Z") and "T" in e["timestamp"] for e in found["events"])
    assert found["events"][4]["ignored"] is False
    assert [(r["kind"], r["method"], r["url"], r["status"]) for r in found["requests"]] == [
        ("rcml", "POST", f"{PUBLIC}/flows/ivr.xml", 200),
        ("action", "POST", f"{PUBLIC}/flows/menu.xml", 200),
    ]
    assert found["requests"][1]["params"]["Digits"] == "1"
    assert found["requests"][0]["params"]["CallStatus"] == "ringing"


def test_speech_and_form_bodies(host: Host) -> None:
    response = host.client.post(
        "/sim/calls", data={"from": "+1555", "to": SPEECH_NUMBER}, headers=AUTH
    )
    sid = response.get_json()["sid"]
    spoken = host.client.post(
        f"/sim/calls/{sid}/speech", data={"text": "sales", "confidence": "0.5"}, headers=AUTH
    )
    assert spoken.status_code == 200
    events = host.client.get(f"/sim/calls/{sid}/events", headers=AUTH).get_json()["events"]
    speech = next(e for e in events if e["type"] == "speech")
    assert (speech["text"], speech["ignored"]) == ("sales", False)


def test_hangup_ends_the_call_and_later_input_is_refused(host: Host) -> None:
    sid = place(host)["sid"]
    response = host.client.post(f"/sim/calls/{sid}/hangup", headers=AUTH)
    assert (response.status_code, response.get_json()["status"]) == (200, "completed")
    for path, body in (("digits", {"digits": "1"}), ("speech", {"text": "x"}), ("hangup", {})):
        again = host.client.post(f"/sim/calls/{sid}/{path}", json=body, headers=AUTH)
        assert (again.status_code, again.get_json()) == (
            400,
            error(21220, "Call is not in-progress."),
        )


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/sim/calls", {"to": NUMBER}, "Missing field 'from'"),
        ("/sim/calls", {"from": "+1", "to": 5}, "Invalid to: expected text"),
        (
            "/sim/calls/{sid}/digits",
            {"digits": "12a"},
            "Invalid digits: must be keys from 0-9, * and #",
        ),
        ("/sim/calls/{sid}/digits", {}, "Missing field 'digits'"),
        (
            "/sim/calls/{sid}/speech",
            {"text": "x", "confidence": 2},
            "Invalid confidence: expected a number from 0 to 1",
        ),
        (
            "/sim/clock/advance",
            {"seconds": -1},
            "Invalid seconds: expected a number from 0 to 86400",
        ),
        (
            "/sim/clock/advance",
            {"seconds": 86401},
            "Invalid seconds: expected a number from 0 to 86400",
        ),
        ("/sim/clock/advance", {}, "Missing field 'seconds'"),
        ("/sim/clock/advance", [1], "Invalid body: expected a JSON object"),
    ],
)
def test_bad_bodies(host: Host, path: str, body: object, message: str) -> None:
    sid = place(host)["sid"]
    response = host.client.post(path.format(sid=sid), json=body, headers=AUTH)
    assert (response.status_code, response.get_json()) == (400, error(20001, message))


def test_unknown_calls_and_numbers(host: Host) -> None:
    unknown = "CA" + "0" * 32
    response = host.client.post(f"/sim/calls/{unknown}/digits", json={"digits": "1"}, headers=AUTH)
    path = f"/sim/calls/{unknown}/digits"
    assert (response.status_code, response.get_json()) == (
        404,
        error(20404, f"The requested resource {path} was not found", 404),
    )
    response = host.client.post(
        "/sim/calls", json={"from": "+1", "to": "+19998887777"}, headers=AUTH
    )
    assert (response.status_code, response.get_json()) == (
        404,
        error(20404, "The number +19998887777 is not configured for this account", 404),
    )
    other = host.client.post("/sim/calls", json={"from": "+1", "to": NUMBER}, headers=OTHER_AUTH)
    assert other.status_code == 404
    sid = place(host)["sid"]
    assert host.client.get(f"/sim/calls/{sid}/events", headers=OTHER_AUTH).status_code == 404
    assert host.client.post(f"/sim/calls/{sid}/hangup", headers=OTHER_AUTH).status_code == 404


def test_sim_needs_credentials(host: Host) -> None:
    response = host.client.post("/sim/clock/advance", json={"seconds": 1})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="rcml"'
    assert response.get_json() == error(20003, "Authentication required", 401)


@pytest.mark.parametrize(
    ("target", "body", "expected"),
    [
        ("client:bob", {"busy": True}, {"target": "client:bob", "busy": True}),
        (
            "%2B15551234567",
            {"answer_after": 1.5, "hangup_after": 3},
            {"target": "+15551234567", "answer_after": 1.5, "hangup_after": 3.0},
        ),
        (
            "sip%3Abob%40example.com",
            {"reject": True, "answer_after": 2},
            {"target": "sip:bob@example.com", "answer_after": 2.0, "reject": True},
        ),
    ],
)
def test_endpoint_behaviours(host: Host, target: str, body: object, expected: object) -> None:
    response = host.client.put(f"/sim/endpoints/{target}", json=body, headers=AUTH)
    assert (response.status_code, response.get_json()) == (200, expected)


@pytest.mark.parametrize(
    ("target", "body", "message"),
    [
        (
            "client:bob",
            {"loud": True},
            "Invalid endpoint: behaviour: unknown key 'loud'; expected one of answer_after, "
            "hangup_after, busy, no_answer, reject, fail, unregistered",
        ),
        (
            "client:bob",
            {"busy": True, "fail": True},
            "Invalid endpoint: behaviour: busy and fail cannot both be true",
        ),
        (
            "client:bob",
            {"answer_after": -1},
            "Invalid endpoint: behaviour: answer_after must be a number of seconds >= 0, got -1",
        ),
    ],
)
def test_bad_endpoint_behaviours(host: Host, target: str, body: object, message: str) -> None:
    response = host.client.put(f"/sim/endpoints/{target}", json=body, headers=AUTH)
    assert (response.status_code, response.get_json()) == (400, error(20001, message))


def test_a_bad_endpoint_target(host: Host) -> None:
    response = host.client.put("/sim/endpoints/client:", json={}, headers=AUTH)
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == 20001
    assert body["message"].startswith("Invalid endpoint: 'client:' is not a dial target: ")


def test_a_behaviour_applies_to_legs_dialed_afterwards(host: Host) -> None:
    host.client.put("/sim/endpoints/client:alice", json={"busy": True}, headers=AUTH)
    call = host.client.post(
        f"/2010-04-01/Accounts/{ACCOUNT.sid}/Calls.json",
        data={"To": "client:alice", "From": "+1", "Url": "http://app.test/hello"},
        headers=AUTH,
    ).get_json()
    fetched = host.client.get(
        f"/2010-04-01/Accounts/{ACCOUNT.sid}/Calls/{call['sid']}.json", headers=AUTH
    ).get_json()
    assert fetched["status"] == "busy"


def test_advancing_a_wall_clock_is_a_conflict(make_host: Callable[..., Host]) -> None:
    host = make_host(clock="wall")
    response = host.client.post("/sim/clock/advance", json={"seconds": 1}, headers=AUTH)
    assert (response.status_code, response.get_json()) == (
        409,
        error(20001, "The clock is wall-clock; advancing needs --clock virtual", 409),
    )
