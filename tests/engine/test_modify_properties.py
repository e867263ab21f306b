"""Random live modifications at random instants of random call flows (calls-api §8).

Hypothesis builds a small world: a library of documents that only refer forward (so every flow
ends), simulated parties that always hang up in the end, one to three calls, and scripted
modifications (Url, Twiml, Status, StatusCallback, MoveConnectedCallLeg, aimed at a call or at a
leg it dialed) mixed with key presses and hang-ups. After every scheduler step, and at the end:

1. every leg ends in a final status, with nothing left attached to it (runner, wait program,
   activity, pending handover), and the run ends by itself; until then, something drives every
   live leg (its program, the Dial or bridge it is part of, or its pending new document);
2. no leg stays bridged to an ended leg (Dial bridges and queue bridges, checked at every step);
3. no timer fires for an ended call: every timer callback of the engine is wrapped to check that
   its call is live when it fires (a meta-test keeps that list complete), and an ended leg keeps
   no remote-party timer;
4. no interpreter generator is left running: every runner ever created is closed at the end and
   its generator finished;
5. each Dial's action is requested at most once per run of that Dial (the Dial handler is wrapped
   to count the action requests it yields);
6. every conference seat and queue position is freed: members and waiting calls are live at every
   step, and no room, waiting call or dequeuer is left at the end.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcml import effects as e
from rcml import interpreter
from rcml import nodes as n
from rcml.engine import core, dialing, media, queues, rooms, runner
from rcml.engine.model import Leg
from rcml.scenario import load_scenario
from rcml.testing import Simulation

APP = "http://app.test"
DOCUMENTS = 5  # /f0 … /f4; /f5 is the last one
CLIENTS = ("client:a", "client:b", "client:c")
ENGINE_SOURCES = Path(core.__file__).parent


# --- the world ------------------------------------------------------------------------------------


def _later(draw: st.DrawFn, index: int) -> str:
    if draw(st.integers(0, 5)) == 0:
        return "/slow"  # answered 3 s later with the last document
    return f"/f{draw(st.integers(index + 1, DOCUMENTS))}"


def _action(draw: st.DrawFn, index: int) -> str:
    return f' action="{_later(draw, index)}"' if draw(st.booleans()) else ""


CONNECTING = ("dial", "dial", "dial", "conference", "dequeue", "enqueue")
ANY_VERB = CONNECTING + (
    "say", "play", "pause", "pause", "gather", "gather", "record", "conference", "enqueue",
    "redirect", "hangup", "sms", "reject",
)  # fmt: skip


@st.composite
def verbs(draw: st.DrawFn, index: int, kinds: tuple[str, ...] = ANY_VERB) -> str:
    """One verb of document `index`; every URL it names is a later document."""
    kind = draw(st.sampled_from(kinds))
    if kind == "say":
        return f"<Say>{' '.join(['word'] * draw(st.integers(1, 6)))}</Say>"
    if kind == "play":
        return "<Play>/music.mp3</Play>"
    if kind == "pause":
        return f'<Pause length="{draw(st.integers(1, 6))}"/>'
    if kind == "gather":
        digits, timeout = draw(st.integers(1, 3)), draw(st.integers(1, 5))
        return (f'<Gather numDigits="{digits}" timeout="{timeout}" action="{_later(draw, index)}">'
                "<Say>press some keys</Say></Gather>")  # fmt: skip
    if kind == "record":
        length, timeout = draw(st.integers(1, 6)), draw(st.integers(0, 3))
        return (f'<Record maxLength="{length}" timeout="{timeout}" '
                f'action="{_later(draw, index)}"/>')  # fmt: skip
    if kind == "dial":
        targets = draw(st.lists(st.sampled_from(CLIENTS), min_size=1, max_size=2, unique=True))
        screen = draw(st.sampled_from(("", "", ' url="/screen"')))
        nouns = "".join(
            f"<Client{screen if i == 0 else ''}>{t.removeprefix('client:')}</Client>"
            for i, t in enumerate(targets)
        )
        flags = " ".join(
            f'{name}="true"' for name in ("sequential", "answerOnBridge") if draw(st.booleans())
        )
        return (f'<Dial timeout="{draw(st.integers(1, 8))}" '
                f'timeLimit="{draw(st.integers(5, 30))}" {flags}{_action(draw, index)}>'
                f"{nouns}</Dial>")  # fmt: skip
    if kind == "conference":
        room = draw(st.sampled_from(("r1", "r2")))
        start = draw(st.booleans())
        end = draw(st.booleans())
        wait = draw(st.sampled_from(("", ' waitUrl="/hold"')))
        flags = f'startConferenceOnEnter="{str(start).lower()}" '
        flags += f'endConferenceOnExit="{str(end).lower()}"{wait}'
        return (f'<Dial timeLimit="{draw(st.integers(5, 30))}"{_action(draw, index)}>'
                f"<Conference {flags}>{room}</Conference></Dial>")  # fmt: skip
    if kind == "dequeue":
        url = draw(st.sampled_from(("", ' url="/announce"')))
        return (f'<Dial timeout="{draw(st.integers(1, 10))}" timeLimit="{draw(st.integers(5, 30))}"'
                f"{_action(draw, index)}><Queue{url}>q</Queue></Dial>")  # fmt: skip
    if kind == "enqueue":
        return f'<Enqueue waitUrl="/leave-soon"{_action(draw, index)}>q</Enqueue>'
    if kind == "redirect":
        return f"<Redirect>{_later(draw, index)}</Redirect>"
    if kind == "hangup":
        return "<Hangup/>"
    if kind == "sms":
        return f"<Sms{_action(draw, index)}>hello</Sms>"
    return "<Reject/>"


@st.composite
def flows(draw: st.DrawFn) -> dict[str, str]:
    library = {}
    for index in range(DOCUMENTS):
        # The calls start with the first documents: mostly with a Dial, a room or a queue.
        first = draw(verbs(index, CONNECTING if index < 2 else ANY_VERB))
        body = first + "".join(draw(st.lists(verbs(index), max_size=3)))
        library[f"{APP}/f{index}"] = f"<Response>{body}</Response>"
    library[f"{APP}/f{DOCUMENTS}"] = "<Response><Say>the end</Say></Response>"
    library[f"{APP}/screen"] = draw(st.sampled_from((
        "<Response><Say>screening</Say></Response>",
        '<Response><Gather numDigits="1" timeout="2"><Say>accept</Say></Gather></Response>',
        "<Response><Hangup/></Response>",
    )))  # fmt: skip
    library[f"{APP}/hold"] = '<Response><Say>please hold</Say><Pause length="3"/></Response>'
    library[f"{APP}/leave-soon"] = '<Response><Pause length="8"/><Leave/></Response>'
    library[f"{APP}/announce"] = "<Response><Say>connecting you</Say></Response>"
    return library


ANSWERING = st.builds(
    lambda answer, talk: {"answer_after": answer, "hangup_after": talk},
    st.integers(0, 4),
    st.integers(5, 40),
)
BEHAVIOURS = st.one_of(
    ANSWERING, ANSWERING, ANSWERING,
    st.sampled_from(({"no_answer": True}, {"busy": True}, {"fail": True},
                     {"reject": True, "answer_after": 2})),
)  # fmt: skip
SLOW = {f"{APP}/slow": {"delay": 3, "body": "<Response><Say>the end</Say></Response>"}}

TWIML = (
    "<Response><Say>changed</Say></Response>",
    '<Response><Pause length="3"/><Say>changed</Say></Response>',
    '<Response><Dial timeLimit="10"><Conference>hold</Conference></Dial></Response>',
    "<Response><Redirect>/f3</Redirect></Response>",
    '<Response><Gather numDigits="1" timeout="2" action="/f4"><Say>press</Say></Gather></Response>',
)


@st.composite
def modifications(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(
        ("url", "url", "url", "twiml", "twiml", "status", "status", "callback", "invalid")
    ))  # fmt: skip
    params: dict[str, Any]
    if kind == "url":
        params = {"Url": f"{APP}/f{draw(st.integers(0, DOCUMENTS))}"}
        if draw(st.booleans()):
            params["FallbackUrl"] = f"{APP}/f{DOCUMENTS}"
        if draw(st.integers(0, 3)) == 0:
            params["Url"] = f"{APP}/missing"  # fails: fallback or hang-up
    elif kind == "twiml":
        params = {"Twiml": draw(st.sampled_from(TWIML))}
    elif kind == "status":
        params = {"Status": draw(st.sampled_from(("canceled", "completed")))}
    elif kind == "callback":
        params = {"StatusCallback": f"{APP}/cb"}
    else:
        params = {"Url": f"{APP}/f1", "Status": "completed"}
    if kind in ("url", "twiml") and draw(st.booleans()):
        params["MoveConnectedCallLeg"] = True
    return params


NAMES = ("main", "second", "third")


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 3))
    calls = []
    for index in range(count):
        call: dict[str, Any] = {
            "name": NAMES[index],
            "from": f"+1555000{index}000",
            "url": f"{APP}/f{draw(st.sampled_from((0, 0, 1, 1, 2, 3)))}",
            "at": draw(st.sampled_from((0, 0, 0, 1, 2))),
        }
        if index == 2 and draw(st.booleans()):
            call.update(direction="outbound-api", to="client:c", timeout=10)
        calls.append(call)
    times = st.sampled_from((0, 1, 2, 2.5, 3, 4, 4, 5, 5, 6, 6, 7, 8, 9, 10, 12, 15, 20))
    events = []
    for _ in range(draw(st.integers(1, 8))):
        event: dict[str, Any] = {"at": draw(times), "caller": draw(st.sampled_from(NAMES[:count]))}
        if draw(st.integers(0, 3)) == 0:
            event["call"] = draw(st.sampled_from(CLIENTS))
        action = draw(st.sampled_from(("modify",) * 5 + ("digits", "digits", "hangup")))
        if action == "modify":
            event["modify"] = draw(modifications())
        elif action == "digits":
            event["digits"] = draw(st.sampled_from(("1", "12", "123#", "*")))
        else:
            event["hangup"] = True
        events.append(event)
    # client:a always answers, so that bridges (and moves across them) are common.
    endpoints = {client: draw(ANSWERING if client == "client:a" else BEHAVIOURS)
                 for client in CLIENTS}  # fmt: skip
    return {"flows": draw(flows()), "http": SLOW, "endpoints": endpoints, "calls": calls,
            "events": events}  # fmt: skip


# --- instrumentation ------------------------------------------------------------------------------


class Watch:
    """What the instrumented engine saw: runners created, violations of the invariants."""

    def __init__(self) -> None:
        self.runners: list[runner.Runner] = []
        self.violations: list[str] = []

    def live(self, leg: Leg | None, what: str) -> None:
        if leg is not None and leg.final:
            self.violations.append(f"{what} fired for {leg.sid}, already {leg.status}")


# Every timer the engine sets, as (class, callback name, the leg whose call it belongs to).
TIMERS: list[tuple[type, str, Callable[..., Leg | None]]] = [
    (runner.Runner, "_elapsed", lambda self: self.leg),
    (dialing.Dialing, "_timeout", lambda self: self.caller),
    (dialing.Dialing, "_time_up", lambda self: self.caller),
    (media.Recorder, "_limit_reached", lambda self: self.runner.leg),
    (media.Recorder, "_silent", lambda self: self.runner.leg),
    (rooms.Rooms, "_time_up", lambda self, member: member.leg),
    (queues.Dequeuing, "timed_out", lambda self: self.leg),
    (queues.Dequeuing, "_time_up", lambda self: self.leg),
    (core._Ringing, "_timeout", lambda self, leg: leg),
    (core.Engine, "_party_answers", lambda self, leg: leg),
    (core.Engine, "_party_declines", lambda self, leg: leg),
]
# Where those timers are set (`call_later` in the engine's modules); remote_hangup's timer is the
# leg's `remote_timer`, checked directly. Update both lists when the engine gains a timer.
TIMER_SITES = 15


def test_the_timer_list_covers_every_timer_of_the_engine():
    sites = sum(
        len(re.findall(r"\bcall_later\(", path.read_text(encoding="utf-8")))
        for path in ENGINE_SOURCES.glob("*.py")
    )
    assert sites == TIMER_SITES


def _instrument(patch: pytest.MonkeyPatch, watch: Watch) -> None:
    for cls, name, leg_of in TIMERS:
        original = getattr(cls, name)

        def checked(*args: Any, _original: Any = original, _leg_of: Any = leg_of,
                    _what: str = f"{cls.__name__}.{name}") -> Any:  # fmt: skip
            watch.live(_leg_of(*args), _what)
            return _original(*args)

        patch.setattr(cls, name, checked)

    build = runner.Runner.__init__

    def remembered(self: runner.Runner, *args: Any, **kwargs: Any) -> None:
        build(self, *args, **kwargs)
        watch.runners.append(self)

    patch.setattr(runner.Runner, "__init__", remembered)
    run_dial = interpreter.HANDLERS[n.Dial]

    def counted(verb: n.Dial, ctx: interpreter.Context) -> Generator[e.Effect, e.Outcome, Any]:
        program = run_dial(verb, ctx)
        actions = 0
        try:
            effect = program.send(None)  # type: ignore[arg-type]
            while True:
                if isinstance(effect, e.Fetch | e.FetchIgnored) and effect.kind == "action":
                    actions += 1
                    if actions > 1:
                        watch.violations.append(f"a Dial requested its action {actions} times")
                effect = program.send((yield effect))
        except StopIteration as stop:
            return stop.value
        finally:
            program.close()

    patch.setitem(interpreter.HANDLERS, n.Dial, counted)


def _check_step(sim: Simulation, watch: Watch) -> None:
    engine = sim.engine
    for leg in engine.legs:
        if leg.final and leg.remote_timer is not None:
            watch.violations.append(f"{leg.sid} ended with its party's timer set")
        if not leg.final and leg.runner is None and leg.activity is None and leg.handover is None:
            watch.violations.append(f"{leg.sid} is live but nothing drives it")
        main = leg.runner
        activity = main.activity if main is not None else None
        if isinstance(activity, dialing.Dialing) and activity.bridge and not activity.done:
            assert activity.winner is not None
            _bridged(watch, activity.caller, activity.winner.leg)
        if isinstance(activity, queues.Dequeuing) and activity.bridge and activity.partner:
            _bridged(watch, activity.leg, activity.partner.leg)
    for room in engine.rooms.rooms.values():
        for member in room.members:
            if member.leg.final:
                watch.violations.append(f"{member.leg.sid} keeps a seat in {room.name}")
    for queue in engine.queues.queues.values():
        for waiting in queue.waiting:
            if waiting.leg.final:
                watch.violations.append(f"{waiting.leg.sid} keeps its place in {queue.name}")
        for dequeuer in queue.dequeuers:
            if dequeuer.leg.final:
                watch.violations.append(f"{dequeuer.leg.sid} still waits to dequeue")


def _bridged(watch: Watch, one: Leg, other: Leg) -> None:
    if one.final or other.final:
        watch.violations.append(f"{one.sid} and {other.sid} bridged, one of them ended")


def _check_end(sim: Simulation, watch: Watch) -> None:
    engine = sim.engine
    assert sim.scheduler.pending == 0, "the run did not end by itself"
    for leg in engine.legs:
        assert leg.final, f"{leg!r} did not end"
        attached = (leg.runner, leg.aux, leg.activity, leg.handover)
        assert attached == (None, None, None, None), f"{leg!r} keeps {attached}"
    for each in watch.runners:
        assert each.closed and each.effect is None and each.timer is None, repr(each)
        assert each.program.gi_frame is None, f"{each!r}: its generator is still running"
    assert engine.rooms.rooms == {}
    assert all(not q.waiting and not q.dequeuers for q in engine.queues.queues.values())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_random_modifications_keep_the_invariants(scenario: dict[str, Any]) -> None:
    watch = Watch()
    with pytest.MonkeyPatch.context() as patch:
        _instrument(patch, watch)
        sim = load_scenario(scenario).simulation()
        scheduler = sim.scheduler
        while scheduler.pending and scheduler.now_ms < 3_600_000:
            scheduler.step()
            _check_step(sim, watch)
        assert watch.violations == []
        _check_end(sim, watch)
