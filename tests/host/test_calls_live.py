"""Create and modify through the Calls API with the engine running on a virtual clock
(calls-api §5, §8): the checks in the spec's order, and what the calls then do."""

from __future__ import annotations

import pytest

from tests.host.conftest import ACCOUNT, AUTH, OTHER_AUTH, Host

CALLS = f"/2010-04-01/Accounts/{ACCOUNT.sid}/Calls"


def create(host: Host, **params: object) -> dict[str, object]:
    response = host.client.post(f"{CALLS}.json", data=params, headers=AUTH)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def fetch(host: Host, sid: str) -> dict[str, object]:
    response = host.client.get(f"{CALLS}/{sid}.json", headers=AUTH)
    assert response.status_code == 200
    return response.get_json()


def error(code: int, message: str, status: int = 400) -> dict[str, object]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def test_create_answers_queued_then_the_call_runs(host: Host) -> None:
    call = create(host, To="client:alice", From="+15550001111", Url="http://app.test/hello")
    assert call["status"] == "queued"
    assert call["direction"] == "outbound-api"
    assert call["api_version"] == "2010-04-01"
    assert (call["start_time"], call["end_time"], call["duration"]) == (None, None, None)
    assert call["date_created"] == call["date_updated"]
    sid = str(call["sid"])
    assert fetch(host, sid)["status"] == "ringing"
    host.advance(2)
    answered = fetch(host, sid)
    assert (answered["status"], answered["ring_duration"]) == ("in-progress", "2")
    assert answered["start_time"] == call["date_created"]
    host.advance(30)
    done = fetch(host, sid)
    assert (done["status"], done["duration"], done["ring_duration"]) == ("completed", "20", "2")
    events = host.client.get(f"/sim/calls/{sid}/events", headers=AUTH).get_json()
    assert [(e["type"], e.get("text")) for e in events["events"] if e["type"] == "say"] == [
        ("say", "Hello")
    ]
    assert [r["url"] for r in events["requests"]] == ["http://app.test/hello"]
    assert events["requests"][0]["params"]["CallStatus"] == "in-progress"


def test_create_with_twiml_and_an_unregistered_client(host: Host) -> None:
    call = create(host, To="client:nobody", From="alice", Twiml="<Response><Say>x</Say></Response>")
    assert fetch(host, str(call["sid"]))["status"] == "failed"


def test_create_to_a_sip_address_without_scheme(host: Host) -> None:
    call = create(host, To="bob@example.com", From="+1555", Url="http://app.test/hello", Timeout=5)
    assert call["to"] == "sip:bob@example.com"
    host.advance(5)
    assert fetch(host, str(call["sid"]))["status"] == "no-answer"


GOOD = {"To": "+15551112222", "From": "+15550001111", "Url": "http://app.test/hello"}


@pytest.mark.parametrize(
    ("changes", "code", "message"),
    [
        ({"To": None}, 21201, "No 'To' number is specified"),
        ({"To": None, "From": None}, 21201, "No 'To' number is specified"),
        ({"From": None, "To": "bad number"}, 21213, "'From' phone number is required"),
        ({"Url": None, "To": "x y"}, 21205, "A 'Url' or 'Twiml' parameter is required"),
        ({"Twiml": "<Response/>", "To": "x y"}, 20001, "Url and Twiml are mutually exclusive"),
        ({"To": "555-1212", "From": "bad from"}, 21211, "Invalid 'To' Phone Number"),
        ({"From": "bad from", "Url": "ftp://x"}, 21212, "Invalid 'From' Phone Number"),
        ({"Url": "/relative", "Method": "PUT"}, 21205, "Url is not a valid URL"),
        ({"StatusCallback": "nope", "Method": "PUT"}, 21205, "StatusCallback is not a valid URL"),
        (
            {"FallbackMethod": "PUT", "Timeout": "0"},
            21209,
            "Invalid FallbackMethod: must be GET or POST",
        ),
        ({"StatusCallbackEvent": "hungup", "Timeout": "0"}, 21626, "Invalid 'StatusCallbackEvent'"),
        ({"Timeout": "601"}, 21208, "Invalid Timeout: must be an integer from 1 to 600"),
        ({"Timeout": "1.5"}, 21208, "Invalid Timeout: must be an integer from 1 to 600"),
        (
            {"Url": None, "Twiml": "<Response>" + " " * 4000 + "</Response>"},
            32018,
            "Twiml must be at most 4000 characters",
        ),
        (
            {"Url": None, "Twiml": "<Response><Sya/></Response>"},
            12200,
            "Twiml: line 1: unknown element <Sya> in <Response>; allowed here: Say, Play, Pause, "
            "Gather, Record, Dial, Hangup, Redirect, Reject, Sms, Email, Fax, Enqueue, Leave",
        ),
    ],
)
def test_create_checks_in_order(
    host: Host, changes: dict[str, str | None], code: int, message: str
) -> None:
    params = {**GOOD, **changes}
    data = {name: value for name, value in params.items() if value is not None}
    response = host.client.post(f"{CALLS}.json", data=data, headers=AUTH)
    assert response.status_code == 400
    assert response.get_json() == error(code, message)


def test_create_errors_in_restcomm_xml(host: Host) -> None:
    response = host.client.post(
        f"/restcomm/2012-04-24/Accounts/{ACCOUNT.sid}/Calls", data={"From": "+1"}, headers=AUTH
    )
    assert response.status_code == 400
    assert response.content_type == "application/xml; charset=utf-8"
    assert "<Code>21201</Code><Message>No 'To' number is specified</Message>" in response.text


def test_status_callback_events_are_united(host: Host) -> None:
    data = {**GOOD, "StatusCallback": "http://app.test/status"}
    body = "&".join(f"{k}={v}" for k, v in data.items()).replace("+", "%2B")
    body += "&StatusCallbackEvent=initiated&StatusCallbackEvent=ringing,answered"
    response = host.client.post(
        f"{CALLS}.json",
        data=body,
        headers={**AUTH, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 201
    sid = response.get_json()["sid"]
    requests = host.client.get(f"/sim/calls/{sid}/events", headers=AUTH).get_json()["requests"]
    assert [r["params"]["StatusCallbackEvent"] for r in requests] == ["initiated", "ringing"]


# --- modify ------------------------------------------------------------------------------------


def modify(host: Host, sid: str, **params: str) -> tuple[int, dict[str, object]]:
    response = host.client.post(f"{CALLS}/{sid}.json", data=params, headers=AUTH)
    return response.status_code, response.get_json()


@pytest.fixture
def live(host: Host) -> str:
    """An answered outbound call in a long Pause."""
    call = create(host, To="client:alice", From="+15550001111", Url="http://app.test/hello")
    host.advance(3)
    return str(call["sid"])


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        (
            {"Url": "http://a.test/x", "Twiml": "<Response/>"},
            20001,
            "Url and Twiml are mutually exclusive",
        ),
        ({"Status": "completed", "Url": "x"}, 20001, "Status cannot be combined with Url or Twiml"),
        (
            {"Method": "GET"},
            20001,
            "No modification requested: give Url, Twiml, Status or StatusCallback",
        ),
        (
            {"Status": "busy", "StatusCallback": "x"},
            21218,
            "Invalid Status: must be canceled or completed",
        ),
        ({"Url": "x", "Method": "PUT"}, 21205, "Url is not a valid URL"),
        ({"Url": "http://a.test/x", "FallbackUrl": "x"}, 21205, "FallbackUrl is not a valid URL"),
        ({"Url": "http://a.test/x", "Method": "PUT"}, 21209, "Invalid Method: must be GET or POST"),
        (
            {"Url": "http://a.test/x", "MoveConnectedCallLeg": "yes"},
            20001,
            "MoveConnectedCallLeg must be true or false",
        ),
        ({"Twiml": "x" * 4001}, 32018, "Twiml must be at most 4000 characters"),
        (
            {"Twiml": "<Response>"},
            12100,
            "Twiml: line 1: the document ends before <Response> (opened on line 1) is closed",
        ),
    ],
)
def test_modify_checks_in_order(
    host: Host, live: str, params: dict[str, str], code: int, message: str
) -> None:
    status, body = modify(host, live, **params)
    assert (status, body) == (400, error(code, message))
    assert fetch(host, live)["status"] == "in-progress"


def test_modify_an_unknown_or_foreign_call_is_404(host: Host, live: str) -> None:
    unknown = "CA" + "0" * 32
    status, body = modify(host, unknown, Status="completed")
    path = f"{CALLS}/{unknown}.json"
    assert (status, body) == (
        404,
        error(20404, f"The requested resource {path} was not found", 404),
    )
    response = host.client.post(
        f"{CALLS}/{live}.json", data={"Status": "completed"}, headers=OTHER_AUTH
    )
    assert response.status_code == 404


def test_status_completed_ends_an_answered_call(host: Host, live: str) -> None:
    status, body = modify(host, live, Status="Completed")
    assert (status, body["status"], body["duration"]) == (200, "completed", "1")
    events = host.client.get(f"/sim/calls/{live}/events", headers=AUTH).get_json()["events"]
    assert {"type": "hangup", "cause": "modify"}.items() <= events[-2].items()
    status, body = modify(host, live, Status="completed")
    assert (status, body) == (400, error(21220, "Call is not in-progress. Cannot redirect."))
    status, body = modify(host, live, Url="http://app.test/hello")
    assert (status, body) == (400, error(21220, "Call is not in-progress. Cannot redirect."))


def test_status_canceled_leaves_an_answered_call_alone(host: Host, live: str) -> None:
    status, body = modify(host, live, Status="canceled")
    assert (status, body["status"]) == (200, "in-progress")


def test_status_canceled_cancels_a_ringing_call(host: Host) -> None:
    call = create(host, To="+15559990000", From="+15550001111", Url="http://app.test/hello")
    status, body = modify(host, str(call["sid"]), Status="canceled")
    assert (status, body["status"], body["duration"]) == (200, "canceled", "0")


def test_a_ringing_dial_branch_cannot_be_redirected(host: Host) -> None:
    endpoint = host.client.put("/sim/endpoints/%2B15550002222", json={}, headers=AUTH)
    assert endpoint.get_json() == {"target": "+15550002222", "answer_after": 0.0}
    call = create(host, To="+15550002222", From="+1555", Url="http://app.test/dial")
    host.advance(0.5)
    listing = host.client.get(f"{CALLS}.json?ParentCallSid={call['sid']}", headers=AUTH).get_json()
    (child,) = listing["calls"]
    assert (child["status"], child["direction"]) == ("ringing", "outbound-dial")
    status, body = modify(host, child["sid"], Url="http://app.test/hello")
    assert (status, body) == (400, error(21220, "Call is not in-progress. Cannot redirect."))
    status, body = modify(host, child["sid"], Status="canceled")
    assert (status, body["status"]) == (200, "canceled")


def test_status_callback_alone_replaces_the_registration(host: Host, live: str) -> None:
    status, body = modify(
        host, live, StatusCallback="http://app.test/new", StatusCallbackMethod="GET"
    )
    assert (status, body["status"]) == (200, "in-progress")
    modify(host, live, Status="completed")
    requests = host.client.get(f"/sim/calls/{live}/events", headers=AUTH).get_json()["requests"]
    callback = requests[-1]
    assert (callback["kind"], callback["method"], callback["url"]) == (
        "status-callback",
        "GET",
        "http://app.test/new",
    )
    assert callback["params"]["StatusCallbackEvent"] == "completed"


def test_redirect_with_url_runs_the_new_document_now(host: Host, live: str) -> None:
    status, body = modify(host, live, Url="http://app.test/after", Method="GET")
    assert (status, body["status"]) == (200, "completed")  # the empty document ended it
    found = host.client.get(f"/sim/calls/{live}/events", headers=AUTH).get_json()
    modified = [e for e in found["events"] if e["type"] == "modify"]
    assert [e["params"] for e in modified] == [{"Url": "http://app.test/after", "Method": "GET"}]
    last = found["requests"][-1]
    assert (last["kind"], last["method"], last["url"], last["params"]["CallStatus"]) == (
        "rcml",
        "GET",
        "http://app.test/after",
        "in-progress",
    )


def test_redirect_with_twiml(host: Host, live: str) -> None:
    status, body = modify(host, live, Twiml="<Response><Say>Changed</Say></Response>")
    assert (status, body["status"]) == (200, "in-progress")
    host.advance(1)
    events = host.client.get(f"/sim/calls/{live}/events", headers=AUTH).get_json()["events"]
    assert [e["text"] for e in events if e["type"] == "say"] == ["Hello", "Changed"]
    assert fetch(host, live)["status"] == "completed"
