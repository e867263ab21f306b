"""Live call modification (calls-api §8): the parameter checks, `Engine.modify`, the timelines of
§8.5 checked line by line, and the rules of §8.3 that the scenario corpus does not pin down alone
(when the new document starts, fallback, status callbacks, repeated modifications).
"""

from __future__ import annotations

from typing import Any

import pytest

from rcml import nodes as n
from rcml.engine.modify import Modification, ModifyError, parse_modification
from rcml.interpreter import FetchStart, InlineStart
from rcml.scenario import ScenarioError, load_scenario
from rcml.testing import Simulation, modification_params
from rcml.transcript import transcript

APP = "http://app.test"
CA01, CA02, CA03 = (f"CA{index:032x}" for index in (1, 2, 3))
NOT_IN_PROGRESS = "Call is not in-progress. Cannot redirect."

# --- parse_modification (§8.2 steps 2-6) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        ({"Url": "http://a.test/x", "Twiml": "<Response/>"}, 20001,
         "Url and Twiml are mutually exclusive"),
        ({"Url": "http://a.test/x", "Rcml": "<Response/>"}, 20001,
         "Url and Twiml are mutually exclusive"),
        ({"Status": "completed", "Url": "x"}, 20001, "Status cannot be combined with Url or Twiml"),
        ({"Status": "completed", "Twiml": "x"}, 20001,
         "Status cannot be combined with Url or Twiml"),
        ({"Method": "GET"}, 20001,
         "No modification requested: give Url, Twiml, Status or StatusCallback"),
        ({"Url": "  ", "MoveConnectedCallLeg": "true"}, 20001,
         "No modification requested: give Url, Twiml, Status or StatusCallback"),
        ({"Status": "busy", "StatusCallback": "x"}, 21218,
         "Invalid Status: must be canceled or completed"),
        ({"Url": "x", "Method": "PUT"}, 21205, "Url is not a valid URL"),
        ({"Url": "ftp://a.test/x"}, 21205, "Url is not a valid URL"),
        ({"Url": "http://a.test/x", "FallbackUrl": "/relative"}, 21205,
         "FallbackUrl is not a valid URL"),
        ({"Status": "completed", "StatusCallback": "a.test/cb"}, 21205,
         "StatusCallback is not a valid URL"),
        ({"Url": "http://a.test/x", "Method": "PUT", "MoveConnectedCallLeg": "yes"}, 21209,
         "Invalid Method: must be GET or POST"),
        ({"Url": "http://a.test/x", "FallbackMethod": "HEAD"}, 21209,
         "Invalid FallbackMethod: must be GET or POST"),
        ({"StatusCallback": "http://a.test/cb", "StatusCallbackMethod": "PUT"}, 21209,
         "Invalid StatusCallbackMethod: must be GET or POST"),
        ({"Url": "http://a.test/x", "MoveConnectedCallLeg": "yes"}, 20001,
         "MoveConnectedCallLeg must be true or false"),
        ({"Twiml": "x" * 4001, "MoveConnectedCallLeg": "maybe"}, 20001,
         "MoveConnectedCallLeg must be true or false"),
        ({"Twiml": "x" * 4001}, 32018, "Twiml must be at most 4000 characters"),
        ({"Twiml": "<Response>"}, 12100,
         "Twiml: line 1: the document ends before <Response> (opened on line 1) is closed"),
        ({"Rcml": "<Response>\n<Say loop='x'>hi</Say><Sya/></Response>"}, 13510,
         "Twiml: line 2: <Say> attribute 'loop': expected an integer from 0 to 1000, got 'x'"),
        ({"Twiml": "<Say>hi</Say>"}, 12200,
         "Twiml: line 1: root element must be <Response>, found <Say>"),
    ],
)  # fmt: skip
def test_the_checks_run_in_the_spec_order_and_the_first_failure_wins(params, code, message):
    with pytest.raises(ModifyError) as caught:
        parse_modification(params)
    assert (caught.value.status, caught.value.code, caught.value.message) == (400, code, message)


def test_a_url_modification_carries_its_methods_and_fallback():
    params = {
        "Url": " http://a.test/next ", "Method": "get", "FallbackUrl": "http://a.test/fb",
        "FallbackMethod": "Get", "StatusCallback": "http://a.test/cb",
        "StatusCallbackMethod": "get", "MoveConnectedCallLeg": "TRUE", "TimeLimit": "30",
    }  # fmt: skip
    assert parse_modification(params) == Modification(
        start=FetchStart("http://a.test/next", "GET", "http://a.test/fb", "GET"),
        status_callback="http://a.test/cb", status_callback_method="GET", move_connected=True,
        params=params,
    )  # fmt: skip


def test_a_repeated_parameter_counts_with_its_last_value():
    change = parse_modification({"Status": ["completed", "Canceled"], "Url": []})
    assert (change.status, change.start, change.params) == (
        "canceled",
        None,
        {"Status": "Canceled"},
    )


def test_twiml_and_its_rcml_alias_give_an_inline_document():
    change = parse_modification({"Rcml": "<Response><Say>hi</Say></Response>", "Method": "GET"})
    assert change.start == InlineStart(n.Response(verbs=(n.Say(text="hi"),)), None)
    assert change.redirects and change.status is None and not change.move_connected
    # Warnings (here 99002, an unreachable verb) do not reject a document.
    change = parse_modification({"Twiml": "<Response><Hangup/><Say>hi</Say></Response>"})
    assert change.start == InlineStart(n.Response(verbs=(n.Hangup(), n.Say(text="hi"))), None)


def test_status_alone_and_status_callback_alone_are_modifications():
    assert parse_modification({"Status": "COMPLETED"}).status == "completed"
    change = parse_modification({"StatusCallback": "http://a.test/cb"})
    assert (change.start, change.status, change.status_callback) == (None, None, "http://a.test/cb")
    assert not change.redirects


def test_scenario_values_become_the_text_the_api_receives():
    given = {"Url": "http://a.test/x", "MoveConnectedCallLeg": True, "Method": None, "X": 3}
    assert modification_params(given) == {
        "Url": "http://a.test/x", "MoveConnectedCallLeg": "true", "X": "3"}  # fmt: skip
    assert modification_params({"Status": ["canceled", False]}) == {"Status": ["canceled", "false"]}
    with pytest.raises(ValueError, match=r"modify\.Url: expected text, a number or true/false"):
        modification_params({"Url": {"nested": 1}})


# --- the §8.5 timelines ---------------------------------------------------------------------------

SETUP = {
    f"{APP}/ivr": '<Response><Dial action="/after"><Client>alice</Client></Dial>'
    "<Say>never</Say></Response>",
    f"{APP}/after": "<Response><Say>after</Say></Response>",
    f"{APP}/bye": "<Response><Say>Goodbye</Say></Response>",
    f"{APP}/room": "<Response><Dial><Conference>hold</Conference></Dial></Response>",
}


def timeline(flows: dict[str, str] | None = None, alice: dict[str, Any] | None = None):
    sim = Simulation({**SETUP, **(flows or {})}, endpoints={"client:alice": alice or
                                                           {"answer_after": 2}})  # fmt: skip
    call = sim.call(url=f"{APP}/ivr")
    return sim, call


def api(sim: Simulation, sid: str, **params: str) -> tuple[str, str | None]:
    """What the API answers: the leg's status and end after the synchronous part."""
    answer: list[tuple[str, str | None]] = []

    def modify() -> None:
        leg = sim.engine.modify(sid, parse_modification(params))
        answer.append((str(leg.status), leg.ended_ms))

    sim.scheduler.call_soon(modify)
    sim.scheduler.run_due()
    return answer[0]


def requests(sim: Simulation, since: float = 0) -> list[tuple[float, str, str, str, str]]:
    return [
        (r["at"], r["call_sid"], r["kind"], r["method"], r["url"].removeprefix(APP))
        for r in sim.requests if r["at"] >= since
    ]  # fmt: skip


def only(params: dict[str, str], *names: str) -> dict[str, str]:
    return {name: params[name] for name in names if name in params}


def test_timeline_a_redirect_while_bridged():
    sim, call = timeline()
    sim.advance(10)
    assert api(sim, CA01, Url=f"{APP}/bye") == ("in-progress", None)
    assert sim.engine.by_sid[CA02].status == "completed"  # already, in the synchronous part
    sim.run()
    assert requests(sim) == [
        (0.0, CA01, "rcml", "POST", "/ivr"),
        (10.0, CA01, "action", "POST", "/after"),
        (10.0, CA01, "rcml", "POST", "/bye"),
    ]
    assert sim.requests[0]["params"]["CallStatus"] == "ringing"
    action = sim.requests[1]["params"]
    assert only(action, "CallStatus", "DialCallStatus", "DialCallSid", "DialCallDuration",
                "DialRingDuration") == {
        "CallStatus": "in-progress", "DialCallStatus": "completed", "DialCallSid": CA02,
        "DialCallDuration": "8", "DialRingDuration": "2"}  # fmt: skip
    assert sim.requests[2]["params"]["CallStatus"] == "in-progress"
    events = [(e["at"], e["call_sid"], e["type"], e.get("cause") or e.get("status"))
              for e in sim.events if e["at"] == 10 and e["type"] != "say"]  # fmt: skip
    assert events == [(10.0, CA01, "modify", None), (10.0, CA02, "hangup", "modify"),
                      (10.0, CA02, "status", "completed")]  # fmt: skip
    said = [(e["call_sid"], e["text"]) for e in sim.events if e["type"] == "say"]
    assert said == [(CA01, "Goodbye")]  # neither `after` (ignored) nor `never`
    assert [c.status for c in (call, sim.find(CA02))] == ["completed", "completed"]


def test_timeline_b_move_connected_leg():
    sim, call = timeline()
    sim.advance(10)
    assert api(sim, CA01, Url=f"{APP}/room", MoveConnectedCallLeg="true") == ("in-progress", None)
    sim.run(until=20)
    assert requests(sim, since=10) == [
        (10.0, CA01, "action", "POST", "/after"),
        (10.0, CA01, "rcml", "POST", "/room"),
        (10.0, CA02, "rcml", "POST", "/room"),
    ]
    child = sim.requests[-1]["params"]
    assert only(child, "Direction", "ParentCallSid", "CallStatus") == {
        "Direction": "outbound-dial",
        "ParentCallSid": CA01,
        "CallStatus": "in-progress",
    }
    assert sorted(
        leg.sid for leg in sim.engine.rooms.members(call.leg_object.account.sid, "hold")
    ) == [CA01, CA02]
    assert not [e for e in sim.events if e["type"] == "hangup"]
    assert (call.status, sim.find(CA02).status) == ("in-progress", "in-progress")


def test_timeline_c_hang_up_while_the_branch_rings():
    after = "<Response><Sms>bye</Sms><Say>x</Say></Response>"
    sim, call = timeline({f"{APP}/after": after}, {"no_answer": True})
    sim.advance(5)
    assert api(sim, CA01, Status="completed") == ("completed", 5000)
    sim.run()
    assert requests(sim, since=5) == [(5.0, CA01, "action", "POST", "/after")]
    action = sim.requests[-1]["params"]
    assert only(action, "CallStatus", "DialCallStatus", "DialCallSid", "DialCallDuration",
                "DialRingDuration") == {
        "CallStatus": "completed", "DialCallStatus": "canceled", "DialCallSid": CA02,
        "DialCallDuration": "0", "DialRingDuration": "5"}  # fmt: skip
    assert (call.status, sim.find(CA02).status) == ("completed", "canceled")
    assert [e["type"] for e in sim.events if e["at"] == 5] == [
        "modify",
        "hangup",
        "status",
        "status",
        "sms",
    ]  # the Say is skipped
    assert sim.events[-1]["body"] == "bye"


def test_timeline_d_redirect_of_the_child_leg():
    sim, call = timeline()
    sim.advance(10)
    assert api(sim, CA02, Url=f"{APP}/bye") == ("in-progress", None)
    sim.run()
    assert requests(sim, since=10) == [
        (10.0, CA01, "action", "POST", "/after"),
        (10.0, CA02, "rcml", "POST", "/bye"),
    ]
    action = sim.requests[-2]["params"]
    assert only(action, "DialCallStatus", "DialCallSid", "DialCallDuration") == {
        "DialCallStatus": "completed",
        "DialCallSid": CA02,
        "DialCallDuration": "8",
    }
    said = [(e["call_sid"], e["text"]) for e in sim.events if e["type"] == "say"]
    assert said == [(CA01, "after"), (CA02, "Goodbye")]  # the action's document runs on CA…01
    assert (call.status, sim.find(CA02).status) == ("completed", "completed")


def test_timeline_e_ringing_inbound_call_gets_an_inline_document():
    sim, call = timeline({f"{APP}/ivr": '<Response><Pause length="30"/><Say>hi</Say></Response>'})
    sim.advance(3)
    assert call.status == "ringing"
    # The new document starts at urgent priority right after the synchronous part (DESIGN law 7),
    # so the API's answer still shows the call ringing; its Say answers it in the same instant.
    assert api(sim, CA01, Twiml="<Response><Say>changed</Say></Response>") == ("ringing", None)
    sim.scheduler.run_due()
    assert (call.status, sim.now) == ("in-progress", 3.0)
    sim.run()
    assert [(e["at"], e["type"], e.get("status") or e.get("text")) for e in sim.events] == [
        (0.0, "status", "ringing"), (0.0, "pause", None), (3.0, "modify", None),
        (3.0, "status", "in-progress"), (3.0, "say", "changed"), (3.4, "hangup", None),
        (3.4, "status", "completed"),
    ]  # fmt: skip
    assert requests(sim) == [(0.0, CA01, "rcml", "POST", "/ivr")]


# --- Engine.modify: checks 7 and 8, and what it returns -------------------------------------------


def test_modifying_an_unknown_sid_raises_20404():
    sim = Simulation()
    with pytest.raises(ModifyError) as caught:
        sim.engine.modify("CA" + "f" * 32, parse_modification({"Status": "completed"}))
    assert (caught.value.status, caught.value.code) == (404, 20404)


def test_an_ended_call_or_a_ringing_branch_is_rejected_with_21220_and_nothing_is_recorded():
    sim, call = timeline(alice={"no_answer": True})
    with pytest.raises(ModifyError) as caught:
        sim.engine.modify(CA02, parse_modification({"Twiml": "<Response/>"}))
    assert (caught.value.status, caught.value.code, caught.value.message) == (
        400, 21220, NOT_IN_PROGRESS)  # fmt: skip
    call.hangup()
    for params in ({"Url": f"{APP}/bye"}, {"Status": "canceled"}, {"StatusCallback": f"{APP}/c"}):
        with pytest.raises(ModifyError, match=NOT_IN_PROGRESS.replace(".", r"\.")):
            sim.engine.modify(CA01, parse_modification(params))
    assert not [e for e in sim.events if e["type"] == "modify"]
    assert sim.errors == []  # the engine raises; recording is the caller's business


def test_a_rejected_simulation_modification_records_only_an_error():
    sim, call = timeline(alice={"no_answer": True})
    before = list(sim.events)
    call.leg("client:alice").modify(Url=f"{APP}/bye")
    call.modify(Url=f"{APP}/bye", Method="PUT")
    assert sim.events == before
    assert sim.errors == [
        {"at": 0.0, "call_sid": CA02, "code": 21220, "message": NOT_IN_PROGRESS},
        {"at": 0.0, "call_sid": CA01, "code": 21209,
         "message": "Invalid Method: must be GET or POST"},
    ]  # fmt: skip
    with pytest.raises(ValueError, match="modify.Url"):
        call.modify(Url=[{"a": 1}])


def test_status_canceled_on_an_answered_call_changes_nothing_but_is_recorded():
    sim, call = timeline()
    sim.advance(5)
    assert api(sim, CA01, Status="canceled") == ("in-progress", None)
    assert sim.events[-1] == {"at": 5.0, "call_sid": CA01, "type": "modify",
                              "params": {"Status": "canceled"}}  # fmt: skip
    assert sim.find(CA02).status == "in-progress"


# --- when the new document starts (§8.3 steps 2-4) ------------------------------------------------

SLOW_ACTION = {f"{APP}/after": {"delay": 4, "body": "<Response><Say>after</Say></Response>"}}


def test_a_url_is_requested_only_once_the_ignored_action_has_completed():
    sim = Simulation(SETUP, SLOW_ACTION, {"client:alice": {"answer_after": 2}})
    sim.call(url=f"{APP}/ivr")
    sim.advance(10)
    sim.find(CA01).modify(Url=f"{APP}/bye")
    sim.run()
    assert requests(sim, since=10) == [
        (10.0, CA01, "action", "POST", "/after"),
        (14.0, CA01, "rcml", "POST", "/bye"),
    ]
    assert sim.requests[1]["status"] == 200  # answered, and ignored


def test_twiml_runs_at_once_while_the_ignored_action_is_in_flight():
    sim = Simulation(SETUP, SLOW_ACTION, {"client:alice": {"answer_after": 2}})
    sim.call(url=f"{APP}/ivr")
    sim.advance(10)
    sim.find(CA01).modify(Twiml="<Response><Redirect>/bye</Redirect></Response>")
    sim.run()
    # The inline document's base is the abandoned document's URL (/ivr), so /bye resolves.
    assert requests(sim, since=10) == [
        (10.0, CA01, "action", "POST", "/after"),
        (10.0, CA01, "redirect", "POST", "/bye"),
    ]
    assert [e["text"] for e in sim.events if e["type"] == "say"] == ["Goodbye"]


def test_a_moved_leg_requests_after_the_modified_leg_even_when_that_waits():
    sim = Simulation(SETUP, SLOW_ACTION, {"client:alice": {"answer_after": 2}})
    sim.call(url=f"{APP}/ivr")
    sim.advance(10)
    sim.find(CA01).modify(Url=f"{APP}/bye", MoveConnectedCallLeg=True)
    sim.run()
    assert requests(sim, since=10) == [
        (10.0, CA01, "action", "POST", "/after"),
        (14.0, CA01, "rcml", "POST", "/bye"),
        (14.0, CA02, "rcml", "POST", "/bye"),
    ]


def test_a_failed_url_falls_back_and_a_failed_fallback_hangs_up():
    sim = Simulation(SETUP, {f"{APP}/broken": {"status": 500}},
                     {"client:alice": {"answer_after": 2}})  # fmt: skip
    call = sim.call(url=f"{APP}/ivr")
    sim.advance(10)
    call.modify(Url=f"{APP}/broken", FallbackUrl=f"{APP}/bye", FallbackMethod="GET")
    second = sim.call(from_="+15550002222", url=f"{APP}/ivr")  # CA…03, its child CA…04
    sim.advance(5)
    second.modify(Url=f"{APP}/broken", FallbackUrl=f"{APP}/broken")
    sim.run()
    fallback = [r for r in sim.requests if r["kind"] == "fallback"]
    assert [(r["call_sid"], r["method"], r["url"]) for r in fallback] == [
        (CA01, "GET", f"{APP}/bye"), (CA03, "POST", f"{APP}/broken")]  # fmt: skip
    assert only(fallback[0]["params"], "ErrorCode", "ErrorUrl") == {
        "ErrorCode": "11200", "ErrorUrl": f"{APP}/broken"}  # fmt: skip
    assert [e["text"] for e in sim.events if e["type"] == "say"] == ["Goodbye"]
    assert (call.status, second.status) == ("completed", "completed")
    assert sim.events_of(second, ["hangup"])[-1]["cause"] == "fetch-failure"


def test_a_ringing_call_whose_new_document_fails_ends_failed():
    sim = Simulation({f"{APP}/ring": "<Response><Pause length='20'/></Response>"})
    call = sim.call(url=f"{APP}/ring")
    sim.advance(2)
    call.modify(Url=f"{APP}/missing")
    sim.run()
    assert call.status == "failed"
    assert sim.errors[-1]["code"] == 11200


def test_a_second_modification_in_the_same_instant_replaces_the_first_document():
    sim = Simulation(SETUP, SLOW_ACTION, {"client:alice": {"answer_after": 2}})
    call = sim.call(url=f"{APP}/ivr")
    sim.advance(10)
    call.modify(Url=f"{APP}/room")
    sim.advance(1)  # the first document still waits for the ignored action
    call.modify(Url=f"{APP}/bye")
    sim.run()
    assert requests(sim, since=10) == [
        (10.0, CA01, "action", "POST", "/after"),
        (14.0, CA01, "rcml", "POST", "/bye"),
    ]
    assert [e["type"] for e in sim.events if e["type"] == "modify"] == ["modify", "modify"]


def test_ending_the_call_while_its_new_document_waits_starts_nothing():
    sim = Simulation(SETUP, SLOW_ACTION, {"client:alice": {"answer_after": 2}})
    call = sim.call(url=f"{APP}/ivr")
    sim.advance(10)
    call.modify(Url=f"{APP}/bye", MoveConnectedCallLeg=True)
    sim.advance(1)
    call.modify(Status="completed")
    sim.run()
    # The moved callee still follows: it was let go at 10, and runs /bye once CA…01 is settled.
    assert requests(sim, since=10) == [
        (10.0, CA01, "action", "POST", "/after"),
        (14.0, CA02, "rcml", "POST", "/bye"),
    ]
    assert call.status == "completed" and call.leg_object.handover is None


def test_a_modification_arriving_while_a_verb_is_resuming_cuts_its_next_effect():
    # The callee hangs up and, in the same callback, the caller is modified: its Dial has ended
    # but not resumed yet. The modification cuts the action request that follows: the action is
    # requested once, its document does not run, and the new document does.
    sim, call = timeline()
    sim.advance(10)

    def both() -> None:
        sim.engine.remote_hangup(sim.engine.by_sid[CA02])
        sim.engine.modify(CA01, parse_modification({"Url": f"{APP}/bye"}))

    sim.act(both)
    sim.run()
    assert requests(sim, since=10) == [
        (10.0, CA01, "action", "POST", "/after"),
        (10.0, CA01, "rcml", "POST", "/bye"),
    ]
    assert [e["text"] for e in sim.events if e["type"] == "say"] == ["Goodbye"]


# --- status callbacks (§8.3 StatusCallback) -------------------------------------------------------


def test_status_callback_replaces_the_inbound_application_callback():
    sim = Simulation({f"{APP}/p": "<Response><Pause length='9'/></Response>"})
    call = sim.call(url=f"{APP}/p", status_callback=f"{APP}/old")
    sim.advance(1)
    call.modify(StatusCallback=f"{APP}/new", StatusCallbackMethod="GET")
    sim.run()
    callbacks = [(r["method"], r["url"], r["params"]["CallStatus"]) for r in sim.requests
                 if r["kind"] == "status-callback"]  # fmt: skip
    assert callbacks == [("GET", f"{APP}/new", "completed")]


def test_status_callback_keeps_a_progress_registration_and_its_counter():
    sim = Simulation({f"{APP}/p": "<Response><Pause length='9'/></Response>"},
                     endpoints={"+15557770001": {"answer_after": 1}})  # fmt: skip
    call = sim.call(
        to="+15557770001",
        url=f"{APP}/p",
        direction="outbound-api",
        status_callback=f"{APP}/old",
        status_callback_event="initiated completed",
    )
    sim.advance(2)
    call.modify(StatusCallback=f"{APP}/new")
    sim.run()
    callbacks = [(r["url"], r["params"]["StatusCallbackEvent"], r["params"]["SequenceNumber"])
                 for r in sim.requests if r["kind"] == "status-callback"]  # fmt: skip
    assert callbacks == [(f"{APP}/old", "initiated", "0"), (f"{APP}/new", "completed", "1")]


def test_status_callback_gives_a_dial_branch_without_one_the_completed_event_only():
    sim, call = timeline()
    sim.advance(5)
    call.leg("client:alice").modify(StatusCallback=f"{APP}/cb")
    call.modify(Status="completed")
    sim.run()
    callbacks = [(r["call_sid"], r["params"]["StatusCallbackEvent"], r["params"]["CallStatus"])
                 for r in sim.requests if r["kind"] == "status-callback"]  # fmt: skip
    assert callbacks == [(CA02, "completed", "completed")]


def test_status_callback_does_not_follow_a_moved_leg():
    sim, call = timeline({f"{APP}/bye": "<Response><Pause length='1'/></Response>"})
    sim.advance(5)
    call.modify(Url=f"{APP}/bye", MoveConnectedCallLeg=True, StatusCallback=f"{APP}/cb")
    sim.run()
    callbacks = [r["call_sid"] for r in sim.requests if r["kind"] == "status-callback"]
    assert callbacks == [CA01]


# --- Dial branches canceled through the API (rule 3 of semantics §2.7.5) --------------------------


def test_a_sequential_dial_goes_on_with_the_next_noun_when_a_branch_is_canceled():
    flows = {f"{APP}/seq": "<Response><Dial sequential='true' action='/after'>"
             "<Client>alice</Client><Client>bob</Client></Dial></Response>",
             f"{APP}/after": "<Response/>"}  # fmt: skip
    sim = Simulation(flows, endpoints={"client:alice": {"no_answer": True},
                                       "client:bob": {"no_answer": True}})  # fmt: skip
    call = sim.call(url=f"{APP}/seq")
    sim.advance(2)
    call.leg("client:alice").modify(Status="canceled")
    sim.advance(1)
    assert call.leg("client:bob").status == "ringing"
    call.leg("client:bob").modify(Status="completed")
    sim.run()
    action = sim.requests[-1]["params"]
    assert only(action, "DialCallStatus", "DialCallSid", "DialRingDuration") == {
        "DialCallStatus": "canceled", "DialCallSid": CA03, "DialRingDuration": "1"}  # fmt: skip


def test_a_branch_ending_busy_after_another_was_canceled_gives_busy():
    flows = {
        f"{APP}/fork": "<Response><Dial action='/after'><Client>alice</Client>"
        "<Client>bob</Client></Dial></Response>",
        f"{APP}/after": "<Response/>",
    }
    sim = Simulation(
        flows,
        endpoints={
            "client:alice": {"no_answer": True},
            "client:bob": {"reject": True, "answer_after": 3},
        },
    )
    call = sim.call(url=f"{APP}/fork")
    sim.advance(1)
    call.leg("client:alice").modify(Status="canceled")
    sim.run()
    assert only(sim.requests[-1]["params"], "DialCallStatus", "DialCallSid") == {
        "DialCallStatus": "busy", "DialCallSid": CA03}  # fmt: skip


# --- scenario files and the transcript ------------------------------------------------------------


def test_a_modify_event_must_be_a_map_of_scalar_parameters():
    base = {"flows": {f"{APP}/a": "<Response/>"}, "call": {"url": f"{APP}/a"}}
    with pytest.raises(ScenarioError) as caught:
        load_scenario({**base, "events": [{"at": 1, "modify": "http://app.test/bye"}]})
    assert str(caught.value) == (
        "events[0].modify: expected a map of parameters such as {Url: http://app.test/bye}"
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario({**base, "events": [{"at": 1, "modify": {"Url": {"a": 1}}}]})
    assert str(caught.value) == (
        "events[0].modify.Url: expected text, a number or true/false, got {'a': 1}"
    )
    # Parameters the API rejects make a valid scenario: the rejection is recorded when it runs.
    _, result = load_scenario({**base, "events": [{"at": 0, "modify": {"Status": "busy"}}]}).run()
    assert result["errors"] == [
        {
            "at": 0.0,
            "call_sid": CA01,
            "code": 21218,
            "message": "Invalid Status: must be canceled or completed",
        }
    ]


def test_a_modify_event_for_a_call_not_placed_yet_is_an_unknown_call():
    scenario = {
        "flows": {f"{APP}/a": "<Response><Pause length='5'/></Response>"},
        "calls": [{"url": f"{APP}/a"}, {"name": "late", "at": 3, "url": f"{APP}/a"}],
        "events": [{"at": 1, "caller": "late", "modify": {"Status": "completed"}}],
    }
    _, result = load_scenario(scenario).run()
    assert result["errors"] == [
        {
            "at": 1.0,
            "call_sid": None,
            "code": 20404,
            "message": "The requested resource late was not found",
        }
    ]


def test_the_transcript_shows_the_modification_parameters():
    sim, call = timeline()
    sim.advance(10)
    call.modify(Url=f"{APP}/room", MoveConnectedCallLeg=True)
    lines = transcript(sim.engine.journal.timeline, sim.engine.legs).splitlines()
    assert (
        "    10.000  CA…0001  modify       Url=http://app.test/room MoveConnectedCallLeg=true"
        in lines
    )
