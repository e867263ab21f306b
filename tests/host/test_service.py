"""The service's housekeeping: ended call trees leave memory for the store and stay readable;
an engine failure does not stop the engine thread."""

from __future__ import annotations

import logging

import pytest

from tests.host.conftest import ACCOUNT, AUTH, BROKEN_NUMBER, NUMBER, Host


def finished_call(host: Host) -> str:
    sid = host.client.post(
        "/sim/calls", json={"from": "+15550001111", "to": NUMBER}, headers=AUTH
    ).get_json()["sid"]
    host.client.post(f"/sim/calls/{sid}/digits", json={"digits": "1"}, headers=AUTH)
    host.advance(5)
    return str(sid)


def test_ended_calls_move_from_memory_to_the_store(host: Host) -> None:
    service = host.service
    service.keep_ended, service.prune_batch = 1, 1
    first = host.client.post(
        "/sim/calls", json={"from": "+1555", "to": BROKEN_NUMBER}, headers=AUTH
    ).get_json()["sid"]
    live_events = host.client.get(f"/sim/calls/{first}/events", headers=AUTH).get_json()
    assert [(e["code"], e["message"]) for e in live_events["errors"]] == [
        (
            11200,
            "http://app.test/missing answered HTTP 404 "
            "(the scenario has no `flows` or `http` entry for this URL)",
        )
    ]
    second, third = finished_call(host), finished_call(host)
    engine = service.engine
    assert engine is not None
    held = set(engine.by_sid)
    assert first not in held and third in held
    assert {event["call_sid"] for event in engine.journal.events} == held
    assert [leg.sid for leg in engine.legs] == [sid for sid in (second, third) if sid in held]
    stored = host.client.get(f"/sim/calls/{first}/events", headers=AUTH).get_json()
    assert stored == live_events
    fetched = host.client.get(
        f"/2010-04-01/Accounts/{ACCOUNT.sid}/Calls/{first}.json", headers=AUTH
    ).get_json()
    assert fetched["status"] == "failed"
    refused = host.client.post(
        f"/2010-04-01/Accounts/{ACCOUNT.sid}/Calls/{first}.json",
        data={"Status": "completed"},
        headers=AUTH,
    )
    assert (refused.status_code, refused.get_json()["code"]) == (400, 21220)
    pressed = host.client.post(f"/sim/calls/{first}/digits", json={"digits": "1"}, headers=AUTH)
    assert (pressed.status_code, pressed.get_json()["code"]) == (400, 21220)


def test_an_engine_failure_is_logged_and_the_engine_goes_on(
    host: Host, caplog: pytest.LogCaptureFixture
) -> None:
    service = host.service
    assert service.engine is not None and service.thread is not None
    scheduler = service.engine.scheduler

    def broken() -> None:
        raise RuntimeError("boom")

    caplog.set_level(logging.ERROR, logger="rcml.host")
    service.run(lambda: scheduler.call_soon(broken))
    assert service.thread.failures == 1
    assert "engine failure; the engine thread goes on" in caplog.text
    call = host.client.post("/sim/calls", json={"from": "+1", "to": NUMBER}, headers=AUTH)
    assert (call.status_code, call.get_json()["status"]) == (201, "in-progress")


def test_a_command_error_reaches_its_caller_only(host: Host) -> None:
    def fail() -> None:
        raise ValueError("bad command")

    with pytest.raises(ValueError, match="bad command"):
        host.service.run(fail)
    assert host.service.thread is not None and host.service.thread.failures == 0
    assert host.service.run(lambda: 7) == 7


def test_custom_headers_of_a_rest_to_reach_every_request_of_the_call(host: Host) -> None:
    answers = host.client.put(
        "/sim/endpoints/%2B15557654321", json={"answer_after": 0}, headers=AUTH
    )
    assert answers.status_code == 200
    created = host.client.post(
        f"/2010-04-01/Accounts/{ACCOUNT.sid}/Calls.json",
        data={
            "To": "+15557654321?X-Team=blue&Ticket=42%2F7",
            "From": "+15550001111",
            "Url": "http://app.test/hello",
        },
        headers=AUTH,
    )
    assert created.status_code == 201, created.get_json()
    call = created.get_json()
    assert call["to"] == "+15557654321"
    host.advance(1)
    events = host.client.get(f"/sim/calls/{call['sid']}/events", headers=AUTH).get_json()
    first = events["requests"][0]
    assert (first["kind"], first["url"]) == ("rcml", "http://app.test/hello")
    assert first["params"]["SipHeader_X-Team"] == "blue"
    assert first["params"]["SipHeader_X-Ticket"] == "42/7"
