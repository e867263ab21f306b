"""The engine through Simulation: leg lifecycles, Dial outcomes, callbacks, input, recordings."""

from __future__ import annotations

import pytest

from rcml.engine.model import TRANSITIONS, Status
from rcml.testing import Simulation

APP = "http://app.test"
CA1, CA2, CA3 = (f"CA{n:032x}" for n in (1, 2, 3))


def sim_with(flows, endpoints=None, http=None):
    return Simulation({f"{APP}/{path}": xml for path, xml in flows.items()}, http, endpoints)


def kinds(sim, sid=None, types=None):
    return [
        (event["at"], event["type"])
        for event in sim.events
        if (sid is None or event["call_sid"] == sid) and (types is None or event["type"] in types)
    ]


def statuses(sim, sid):
    return [(e["at"], e["status"]) for e in sim.events if e["call_sid"] == sid
            and e["type"] == "status"]  # fmt: skip


def requests(sim):
    return [(r["at"], r["call_sid"], r["kind"], r["url"]) for r in sim.requests]


def action_params(sim, path="after"):
    found = [r["params"] for r in sim.requests if r["url"] == f"{APP}/{path}"]
    assert len(found) == 1, found
    return {k: v for k, v in found[0].items() if k.startswith(("Dial", "Recording", "Queue"))}


def test_status_transitions_are_the_table_of_the_spec():
    assert TRANSITIONS[Status.IN_PROGRESS] == {Status.COMPLETED}
    assert Status.COMPLETED not in TRANSITIONS


def test_an_inbound_call_rings_fetches_answers_and_ends(tmp_path):
    sim = sim_with({"ivr": "<Response><Say>Hello there</Say></Response>"})
    call = sim.call(url=f"{APP}/ivr", caller_name="Ann", forwarded_from="+15559990000")
    result = sim.run()
    assert statuses(sim, call.sid) == [(0.0, "ringing"), (0.0, "in-progress"), (0.8, "completed")]
    assert result["calls"] == [{
        "sid": CA1, "parent_call_sid": None, "from": "+15550001111", "to": "+15551112222",
        "direction": "inbound", "status": "completed", "start_time": 0.0, "answer_time": 0.0,
        "end_time": 0.8, "duration": 1,
    }]  # fmt: skip
    assert result["requests"][0]["params"] == {
        "CallSid": CA1, "AccountSid": "AC" + "0" * 32, "From": "+15550001111",
        "To": "+15551112222", "CallStatus": "ringing", "ApiVersion": "2012-04-24",
        "Direction": "inbound", "CallerName": "Ann", "ForwardedFrom": "+15559990000",
        "CallTimestamp": "2000-01-01T00:00:00.000Z",
    }  # fmt: skip


def test_a_document_that_never_answers_ends_the_call_unanswered():
    sim = sim_with({"ivr": "<Response><Pause length='2'/></Response>"})
    call = sim.call(url=f"{APP}/ivr")
    result = sim.run()
    assert statuses(sim, call.sid) == [(0.0, "ringing"), (2.0, "completed")]
    assert result["calls"][0]["answer_time"] is None
    assert result["calls"][0]["duration"] == 0


def test_keys_during_a_say_are_recorded_as_ignored():
    sim = sim_with({"ivr": "<Response><Say>one two three</Say></Response>"})
    call = sim.call(url=f"{APP}/ivr")
    sim.advance(0.5)
    call.press("12")
    sim.run()
    assert [e for e in sim.events if e["type"] == "digits"] == [
        {"at": 0.5, "call_sid": CA1, "type": "digits", "digits": "12", "ignored": True}
    ]


def test_gather_timer_runs_from_the_end_of_the_prompts_and_restarts_after_each_key():
    sim = sim_with({"ivr": "<Response><Gather timeout='3' action='/done'><Say>Press</Say></Gather>"
                           "<Say>none</Say></Response>",  # fmt: skip
                    "done": "<Response/>"})  # fmt: skip
    call = sim.call(url=f"{APP}/ivr")
    sim.advance(2)  # prompt ends at 0.4; the timer would fire at 3.4
    call.press("4")
    sim.advance(4)  # restarts: fires at 5.0
    sim.run()
    end = [e for e in sim.events if e["type"] == "gather-end"]
    assert end == [{"at": 5.0, "call_sid": CA1, "type": "gather-end", "digits": "4",
                    "speech": None, "reason": "timeout"}]  # fmt: skip
    assert sim.requests[1]["params"]["Digits"] == "4"


def test_a_key_at_the_same_instant_as_the_gather_timeout_wins():
    sim = Simulation.from_scenario({
        "flows": {f"{APP}/ivr": "<Response><Gather timeout='2' action='/x'/></Response>",
                  f"{APP}/x": "<Response/>"},
        "call": {"url": f"{APP}/ivr"},
        "events": [{"at": 2, "digits": "5#"}],
    })  # fmt: skip
    sim.run()
    assert [e["reason"] for e in sim.events if e["type"] == "gather-end"] == ["finish-key"]


def test_dial_first_answer_wins_and_the_other_branches_are_canceled():
    sim = sim_with(
        {"ivr": "<Response><Dial action='/after'><Client>bob</Client><Number>+15557770001"
                "</Number><Client>alice</Client></Dial></Response>", "after": "<Response/>"},
        {"client:alice": {"answer_after": 2, "hangup_after": 10},
         "client:bob": {"answer_after": 5}},
    )  # fmt: skip
    sim.call(url=f"{APP}/ivr")
    sim.run()
    assert statuses(sim, CA2) == [(0.0, "queued"), (0.0, "ringing"), (2.0, "canceled")]
    assert statuses(sim, CA3) == [(0.0, "queued"), (0.0, "ringing"), (2.0, "canceled")]
    assert statuses(sim, f"CA{4:032x}") == [(0.0, "queued"), (0.0, "ringing"),
                                           (2.0, "in-progress"), (12.0, "completed")]  # fmt: skip
    assert action_params(sim) == {"DialCallStatus": "completed", "DialCallSid": f"CA{4:032x}",
                                  "DialCallDuration": "10", "DialRingDuration": "2"}  # fmt: skip


@pytest.mark.parametrize(
    ("endpoints", "expected"),
    [
        ({"client:bob": {"busy": True}},
         {"DialCallStatus": "busy", "DialCallSid": CA2, "DialCallDuration": "0",
          "DialRingDuration": "0"}),
        ({"client:bob": {"no_answer": True}},
         {"DialCallStatus": "no-answer", "DialCallSid": CA2, "DialCallDuration": "0",
          "DialRingDuration": "5"}),
        ({"client:bob": {"fail": True}},
         {"DialCallStatus": "failed", "DialCallSid": CA2, "DialCallDuration": "0",
          "DialRingDuration": "0"}),
        ({"client:bob": {"reject": True, "answer_after": 3}},
         {"DialCallStatus": "busy", "DialCallSid": CA2, "DialCallDuration": "0",
          "DialRingDuration": "3"}),
        ({}, {"DialCallStatus": "failed"}),
        ({"client:bob": {"unregistered": True}}, {"DialCallStatus": "failed"}),
    ],
)  # fmt: skip
def test_dial_outcomes(endpoints, expected):
    sim = sim_with({"ivr": "<Response><Dial action='/after' timeout='5'>client:bob</Dial>"
                           "</Response>", "after": "<Response/>"}, endpoints)  # fmt: skip
    sim.call(url=f"{APP}/ivr")
    sim.run()
    assert action_params(sim) == expected


def test_an_unregistered_client_creates_no_leg_and_fails_the_dial_at_once():
    sim = sim_with({"ivr": "<Response><Dial>client:ghost</Dial><Say>next</Say></Response>"})
    result = sim.run() if sim.call(url=f"{APP}/ivr") else None
    assert [call["sid"] for call in result["calls"]] == [CA1]
    assert kinds(sim, CA1, {"dial", "say"}) == [(0.0, "dial"), (0.0, "say")]


def test_time_limit_hangs_up_the_callee_and_the_caller_continues():
    sim = sim_with(
        {"ivr": "<Response><Dial timeLimit='5' action='/after'>+15557770001</Dial></Response>",
         "after": "<Response><Say>still here</Say></Response>"},
        {"+15557770001": {"answer_after": 1}},
    )  # fmt: skip
    sim.call(url=f"{APP}/ivr")
    sim.run()
    assert [e for e in sim.events if e["type"] == "hangup"][0] == {
        "at": 6.0,
        "call_sid": CA2,
        "type": "hangup",
        "cause": "time-limit",
    }
    assert action_params(sim)["DialCallDuration"] == "5"
    assert kinds(sim, CA1, {"say"}) == [(6.0, "say")]


def test_hangup_on_star_ends_the_bridge():
    sim = sim_with(
        {"ivr": "<Response><Dial hangupOnStar='true' action='/after'>+15557770001</Dial>"
                "</Response>", "after": "<Response/>"},
        {"+15557770001": {"answer_after": 1}},
    )  # fmt: skip
    call = sim.call(url=f"{APP}/ivr")
    sim.advance(3)
    call.press("1")
    call.press("*")
    sim.run()
    assert [(e["digits"], e["ignored"]) for e in sim.events if e["type"] == "digits"] == [
        ("1", True),
        ("*", False),
    ]
    assert kinds(sim, CA2, {"hangup"}) == [(3.0, "hangup")]
    assert action_params(sim)["DialCallStatus"] == "completed"


def test_caller_hang_up_while_ringing_cancels_branches_and_requests_the_action():
    sim = sim_with({"ivr": "<Response><Dial action='/after'>client:bob</Dial></Response>",
                    "after": "<Response><Sms>missed</Sms><Say>x</Say></Response>"},
                   {"client:bob": {"no_answer": True}})  # fmt: skip
    call = sim.call(url=f"{APP}/ivr")
    sim.advance(5)
    call.hangup()
    sim.run()
    assert statuses(sim, CA2)[-1] == (5.0, "canceled")
    after = [r for r in sim.requests if r["url"] == f"{APP}/after"][0]["params"]
    assert after["CallStatus"] == "completed"
    assert action_params(sim) == {"DialCallStatus": "canceled", "DialCallSid": CA2,
                                  "DialCallDuration": "0", "DialRingDuration": "5"}  # fmt: skip
    assert kinds(sim, CA1, {"sms", "say"}) == [(5.0, "sms")]


def test_screening_runs_on_the_callee_before_the_bridge():
    sim = sim_with(
        {"ivr": "<Response><Dial action='/after'><Number url='/screen'>+15557770001</Number>"
                "</Dial></Response>", "after": "<Response/>",
         "screen": "<Response><Say>You have a call</Say></Response>"},
        {"+15557770001": {"answer_after": 1, "hangup_after": 10}},
    )  # fmt: skip
    sim.call(url=f"{APP}/ivr")
    sim.run()
    screen = [r for r in sim.requests if r["kind"] == "screening"][0]
    assert (screen["at"], screen["call_sid"], screen["params"]["Direction"],
            screen["params"]["ParentCallSid"]) == (1.0, CA2, "outbound-dial", CA1)  # fmt: skip
    assert kinds(sim, types={"bridge"}) == [(2.6, "bridge"), (2.6, "bridge")]
    assert action_params(sim) == {"DialCallStatus": "completed", "DialCallSid": CA2,
                                  "DialCallDuration": "10", "DialRingDuration": "1"}  # fmt: skip


def test_a_screening_hangup_ends_the_dial_with_no_answer():
    sim = sim_with(
        {"ivr": "<Response><Dial action='/after'><Client url='/screen'>alice</Client></Dial>"
                "</Response>", "after": "<Response/>",
         "screen": "<Response><Hangup/></Response>"},
        {"client:alice": {"answer_after": 2}},
    )  # fmt: skip
    sim.call(url=f"{APP}/ivr")
    sim.run()
    assert action_params(sim) == {"DialCallStatus": "no-answer", "DialCallSid": CA2,
                                  "DialCallDuration": "0", "DialRingDuration": "2"}  # fmt: skip


def test_progress_callbacks_count_what_is_sent():
    sim = sim_with(
        {"ivr": "<Response><Dial><Number statusCallback='/cb' statusCallbackEvent="
                "'initiated answered completed'>+15557770001</Number></Dial></Response>"},
        {"+15557770001": {"answer_after": 1, "hangup_after": 2}},
    )  # fmt: skip
    sim.call(url=f"{APP}/ivr")
    sim.run()
    fields = ("StatusCallbackEvent", "CallStatus", "SequenceNumber", "Timestamp")
    sent = [(r["at"], *(r["params"][name] for name in fields), r["params"].get("CallDuration"))
            for r in sim.requests if r["kind"] == "status-callback"]  # fmt: skip
    assert sent == [
        (0.0, "initiated", "queued", "0", "Sat, 01 Jan 2000 00:00:00 +0000", None),
        (1.0, "answered", "in-progress", "1", "Sat, 01 Jan 2000 00:00:01 +0000", None),
        (3.0, "completed", "completed", "2", "Sat, 01 Jan 2000 00:00:03 +0000", "2"),
    ]


def test_record_ends_on_silence_and_drops_the_trailing_silence():
    sim = sim_with({"ivr": "<Response><Record timeout='3' action='/saved'/></Response>",
                    "saved": "<Response/>"})  # fmt: skip
    call = sim.call(url=f"{APP}/ivr")
    sim.advance(1)
    call.speak("hello")
    sim.advance(1.2)
    call.speak("world")
    sim.run()
    params = sim.requests[1]["params"]
    assert (
        sim.requests[1]["at"],
        params["RecordingDuration"],
        params["RecordingSid"],
        params["RecordingUrl"],
    ) == (5.2, "2", "RE" + "0" * 31 + "1", "http://rcml.invalid/recordings/RE" + "0" * 31 + "1.wav")
    assert "Digits" not in params
    assert [r.duration for r in sim.engine.recordings] == [2]


def test_record_finish_key_and_other_keys():
    sim = sim_with({"ivr": "<Response><Record finishOnKey='#' timeout='0'/></Response>"})
    call = sim.call(url=f"{APP}/ivr")
    sim.advance(1)
    call.speak("hi")
    sim.advance(1)
    call.press("5")
    call.press("9#")
    sim.run()
    assert [e["ignored"] for e in sim.events if e["type"] == "digits"] == [True, False]
    params = sim.requests[1]["params"]
    assert (params["RecordingDuration"], params["Digits"]) == ("2", "#")


def test_a_reject_makes_the_call_busy_without_answering():
    sim = sim_with({"ivr": "<Response><Reject reason='busy'/></Response>"})
    call = sim.call(url=f"{APP}/ivr", status_callback=f"{APP}/status")
    result = sim.run()
    assert statuses(sim, call.sid) == [(0.0, "ringing"), (0.0, "busy")]
    assert result["events"][-2] == {"at": 0.0, "call_sid": CA1, "type": "reject",
                                    "reason": "busy", "sip_code": 486}  # fmt: skip
    callback = result["requests"][-1]
    assert (callback["kind"], callback["params"]["CallStatus"],
            callback["params"]["CallDuration"]) == ("status-callback", "busy", "0")  # fmt: skip


def test_an_outbound_api_call_runs_its_document_only_once_answered():
    sim = sim_with({"hello": "<Response><Say>hello</Say></Response>"},
                   {"client:alice": {"answer_after": 4}})  # fmt: skip
    call = sim.call(
        "+15550001111",
        "client:alice",
        f"{APP}/hello",
        direction="outbound-api",
        status_callback=f"{APP}/cb",
        status_callback_event=["initiated", "answered"],
    )
    sim.run()
    assert statuses(sim, call.sid) == [(0.0, "queued"), (0.0, "ringing"), (4.0, "in-progress"),
                                       (4.4, "completed")]  # fmt: skip
    assert requests(sim) == [
        (0.0, CA1, "status-callback", f"{APP}/cb"),
        (4.0, CA1, "status-callback", f"{APP}/cb"),
        (4.0, CA1, "rcml", f"{APP}/hello"),
    ]
    assert sim.requests[2]["params"]["CallStatus"] == "in-progress"


def test_an_outbound_api_call_nobody_answers_ends_no_answer_after_its_timeout():
    sim = sim_with({"hello": "<Response/>"}, {"+15557770001": {"no_answer": True}})
    call = sim.call(to="+15557770001", url=f"{APP}/hello", direction="outbound-api", timeout=20)
    sim.run()
    assert statuses(sim, call.sid) == [(0.0, "queued"), (0.0, "ringing"), (20.0, "no-answer")]
    assert sim.requests == []


def test_call_leg_finds_the_dialed_leg_and_acts_as_its_party():
    sim = sim_with({"ivr": "<Response><Dial action='/after'>client:alice</Dial></Response>",
                    "after": "<Response/>"}, {"client:alice": {"answer_after": 1}})  # fmt: skip
    call = sim.call(url=f"{APP}/ivr")
    sim.advance(5)
    alice = call.leg("client:alice")
    assert (alice.sid, alice.status) == (CA2, "in-progress")
    alice.press("7")
    alice.hangup()
    sim.run()
    assert [e for e in sim.events if e["type"] == "digits"] == [
        {"at": 5.0, "call_sid": CA2, "type": "digits", "digits": "7", "ignored": True}
    ]
    assert call.status == "completed"
    with pytest.raises(LookupError, match="has not dialed client:bob"):
        call.leg("client:bob")


def test_every_leg_belongs_to_its_call_tree_session_in_party_order():
    sim = sim_with({"ivr": "<Response><Dial>client:a</Dial></Response>"}, {"client:a": {}})
    sim.call(url=f"{APP}/ivr")
    sim.run()
    root, child = sim.engine.legs
    assert root.session is child.session
    assert (root.party, child.party) == (1, 2)
    assert root.session.id == "s-" + "0" * 31 + "1"


def test_status_listeners_see_every_change_with_its_cause():
    sim = sim_with({"ivr": "<Response><Hangup/></Response>"})
    seen = []
    sim.engine.listeners.append(lambda leg, old, new, cause: seen.append((old, new, cause)))
    sim.call(url=f"{APP}/ivr")
    sim.run()
    assert seen == [(None, "ringing", None), ("ringing", "in-progress", None),
                    ("in-progress", "completed", "verb")]  # fmt: skip


def test_a_document_that_redirects_to_itself_at_one_instant_is_stopped():
    sim = sim_with({"loop": "<Response><Redirect>/loop</Redirect></Response>"})
    call = sim.call(url=f"{APP}/loop")
    result = sim.run()
    assert len(result["requests"]) == 100
    assert result["errors"] == [{
        "at": 0.0, "call_sid": CA1, "code": 11200,
        "message": "request loop: http://app.test/loop would be the call's request number 101 at "
        "one instant (at most 100)",
    }]  # fmt: skip
    assert call.status == "completed"


def test_forget_drops_ended_calls_with_their_entries_and_keeps_the_rest():
    sim = sim_with(
        {
            "rec": "<Response><Record timeout='1' action='/done'/></Response>",
            "done": "<Response/>",
            "ivr": "<Response><Pause length='9'/><Say>x</Say></Response>",
            "missing": "not a document",
        }
    )
    ended = sim.call(url=f"{APP}/rec")
    broken = sim.call(url=f"{APP}/missing")
    waiting = sim.call(url=f"{APP}/ivr")
    ended.speak("hello")
    sim.advance(5)
    engine = sim.engine
    assert engine.recordings and engine.journal.errors
    with pytest.raises(ValueError, match=f"cannot forget calls that have not ended: {waiting.sid}"):
        engine.forget({ended.sid, waiting.sid})
    assert len(engine.legs) == 3  # nothing was dropped by the refused call
    engine.forget({ended.sid, broken.sid})
    assert [leg.sid for leg in engine.legs] == list(engine.by_sid) == [waiting.sid]
    assert engine.recordings == [] and engine.journal.errors == []
    journal = engine.journal
    assert {event["call_sid"] for event in journal.events} == {waiting.sid}
    assert {record.call_sid for record in journal.requests} == {waiting.sid}
    ringing, paused = journal.events
    assert (ringing["status"], paused["type"]) == ("ringing", "pause")
    assert list(journal.timeline) == [
        ("event", ringing),
        ("request", journal.requests[0]),
        ("event", paused),
    ]
    sim.run()
    assert waiting.status == "completed"
    # The request log still feeds the timeline after forgetting: the shared lists stayed shared.
    assert len(journal.timeline) == len(journal.events) + len(journal.requests)


def test_a_call_url_urllib_refuses_is_a_recorded_error_not_an_exception():
    sim = sim_with({"ivr": "<Response/>"})
    call = sim.call(url="http://app[.test/ivr")
    result = sim.run()
    assert result["errors"] == [{
        "at": 0.0, "call_sid": call.sid, "code": 11100,
        "message": "invalid URL 'http://app[.test/ivr': Invalid IPv6 URL",
    }]  # fmt: skip
    assert call.status == "failed"
