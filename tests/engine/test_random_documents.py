"""Random valid documents run against the engine: no crash, lawful statuses, nothing left over."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcml import nodes as n
from rcml.engine.endpoints import Behaviour
from rcml.engine.model import FINAL, TRANSITIONS, Status
from rcml.testing import Simulation
from rcml.xml_writer import to_xml
from tests.strategies import verbs

URL = "http://app.test/doc"
UNTIL = 900  # seconds: documents may wait in rooms, queues and long pauses
ANSWERING = Behaviour(answer_after_ms=1000, hangup_after_ms=20_000)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    document=st.lists(verbs(), min_size=1, max_size=4).map(lambda v: n.Response(verbs=tuple(v))),
    presses=st.lists(
        st.tuples(st.integers(0, 60), st.text("0123456789*#", min_size=1, max_size=4)),
        max_size=4,
    ),
    hangup_at=st.one_of(st.none(), st.integers(0, 120)),
    answer_all=st.booleans(),
)
def test_any_valid_document_runs_to_a_lawful_end(document, presses, hangup_at, answer_all):
    sim = Simulation({URL: to_xml(document)})
    if answer_all:
        sim.engine.endpoints.behaviour = lambda address: ANSWERING  # type: ignore[method-assign]
    call = sim.call(url=URL)
    leg = call.leg_object
    for at, keys in presses:
        sim.at(at, lambda keys=keys: sim.engine.press(leg, keys))
    if hangup_at is not None:
        sim.at(hangup_at, lambda: sim.engine.remote_hangup(leg))
    result = sim.run(until=UNTIL)

    for entry in result["calls"]:
        changes = [e["status"] for e in result["events"]
                   if e["call_sid"] == entry["sid"] and e["type"] == "status"]  # fmt: skip
        previous = None
        for status in changes:
            assert Status(status) in TRANSITIONS[previous]
            previous = Status(status)
        assert changes[-1] == entry["status"]
        if Status(entry["status"]) in FINAL:
            assert entry["end_time"] is not None
    # Every leg that ended left nothing running behind it.
    for other in sim.engine.legs:
        if other.final:
            assert other.aux is None and other.remote_timer is None
