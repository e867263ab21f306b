"""Interrupting a leg's program at any effect (what live modification builds on, test_modify.py).

`Runner.interrupt(MODIFY)` cuts the pending effect short and lets the verb finish as a
modification requires (gather-end `modified`, a saved recording without action, a Dial's action
requested and ignored); `Runner.close()` abandons the program without verb semantics. Either way
nothing of the old effect may stay scheduled.
"""

from __future__ import annotations

import pytest

from rcml.effects import Interrupt
from rcml.testing import Simulation

APP = "http://app.test"
DOCUMENTS = {
    "say": "<Response><Say>one two three four five six seven eight</Say><Say>next</Say></Response>",
    "pause": "<Response><Pause length='30'/><Say>next</Say></Response>",
    "gather": "<Response><Gather action='/a'><Say>Press</Say></Gather><Say>next</Say></Response>",
    "record": "<Response><Record action='/a'/><Say>next</Say></Response>",
    "redirect": "<Response><Redirect>/slow</Redirect></Response>",
    "dial-ringing": "<Response><Dial action='/a'>client:never</Dial><Say>x</Say></Response>",
    "dial-bridged": "<Response><Dial action='/a'>client:soon</Dial><Say>x</Say></Response>",
    "dial-screening": (
        "<Response><Dial action='/a'><Client url='/screen'>soon</Client></Dial></Response>"
    ),
    "conference": "<Response><Dial action='/a'><Conference startConferenceOnEnter='false'>"
    "r</Conference></Dial></Response>",
    "enqueue": "<Response><Enqueue action='/a' waitUrl='/wait'>q</Enqueue></Response>",
    "dequeue": "<Response><Dial action='/a'><Queue>empty</Queue></Dial></Response>",
}
FLOWS = {
    f"{APP}/a": "<Response><Say>action document</Say></Response>",
    f"{APP}/screen": "<Response><Pause length='20'/></Response>",
    f"{APP}/wait": "<Response><Say>please wait</Say><Pause length='5'/></Response>",
}
HTTP = {f"{APP}/slow": {"delay": 10, "body": "<Response><Say>late</Say></Response>"}}
ENDPOINTS = {"client:never": {"no_answer": True}, "client:soon": {"answer_after": 1}}


def simulation(name: str) -> tuple[Simulation, object]:
    sim = Simulation({**FLOWS, f"{APP}/doc": DOCUMENTS[name]}, HTTP, ENDPOINTS)
    call = sim.call(url=f"{APP}/doc")
    sim.advance(3)
    return sim, call.leg_object


@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_modification_interrupt_leaves_nothing_running(name):
    sim, leg = simulation(name)
    runner = leg.runner
    assert runner.effect is not None
    assert runner.interrupt(Interrupt.MODIFY) is True
    sim.run()
    assert runner.closed
    assert not leg.final  # the leg waits for its new document
    assert sim.scheduler.pending == 0
    assert all(child.final for child in sim.engine.legs if child is not leg)
    assert not [e for e in sim.events if e["type"] == "say" and e["at"] > 3]


def test_a_modified_gather_reports_modified_and_requests_nothing():
    sim, leg = simulation("gather")
    leg.runner.interrupt(Interrupt.MODIFY)
    sim.run()
    assert sim.events[-1] == {"at": 3.0, "call_sid": leg.sid, "type": "gather-end",
                              "digits": "", "speech": None, "reason": "modified"}  # fmt: skip
    assert [r["kind"] for r in sim.requests] == ["rcml"]


def test_a_modified_record_is_saved_without_its_action():
    sim, leg = simulation("record")
    sim.engine.speak(leg, "hello")
    leg.runner.interrupt(Interrupt.MODIFY)
    sim.run()
    assert [r.duration for r in sim.engine.recordings] == [3]
    assert sim.events[-1]["type"] == "record-end"
    assert [r["kind"] for r in sim.requests] == ["rcml"]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("dial-ringing", {"DialCallStatus": "canceled", "DialCallDuration": "0",
                          "DialRingDuration": "3"}),
        ("dial-bridged", {"DialCallStatus": "completed", "DialCallDuration": "2",
                          "DialRingDuration": "1"}),
    ],
)  # fmt: skip
def test_a_modified_dial_requests_its_action_and_ignores_the_answer(name, params):
    sim, leg = simulation(name)
    leg.runner.interrupt(Interrupt.MODIFY)
    sim.run()
    action = [r for r in sim.requests if r["url"] == f"{APP}/a"]
    assert len(action) == 1
    assert {k: v for k, v in action[0]["params"].items() if k.startswith("Dial")} == {
        **params, "DialCallSid": sim.engine.legs[1].sid}  # fmt: skip
    assert not [e for e in sim.events if e["type"] == "say"]
    if name == "dial-bridged":
        assert [e["cause"] for e in sim.events if e["type"] == "hangup"] == ["modify"]


def test_a_modified_enqueue_reports_redirected():
    sim, leg = simulation("enqueue")
    leg.runner.interrupt(Interrupt.MODIFY)
    sim.run()
    assert sim.requests[-1]["params"]["QueueResult"] == "redirected"
    assert sim.engine.queues.size(leg.account.sid, "q") == 0


@pytest.mark.parametrize("name", DOCUMENTS)
def test_closing_a_program_abandons_its_effect(name):
    sim, leg = simulation(name)
    runner = leg.runner
    runner.close()
    sim.run()
    assert sim.scheduler.pending == 0
    assert not leg.final
    assert [r["kind"] for r in sim.requests if r["at"] > 3] == []


def test_a_late_answer_to_an_interrupted_request_is_discarded():
    sim, leg = simulation("redirect")
    leg.runner.interrupt(Interrupt.MODIFY)
    sim.run()
    slow = [r for r in sim.requests if r["url"] == f"{APP}/slow"][0]
    assert slow["status"] == 200  # answered at 10 s, but nothing ran
    assert [e["type"] for e in sim.events][-1] == "redirect"
