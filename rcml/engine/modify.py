"""Live call modification (calls-api §8): the parameter checks, and the change applied to a leg.

`parse_modification` runs the checks of §8.2 that need no call (steps 2-6) and gives a
`Modification`; `Engine.modify` (through `apply_modification`) runs the checks that need the leg
(steps 7-8) and applies §8.3-8.4 in the current scheduler step. A modification is an interrupt
(DESIGN.md law 7): the leg's pending effect is cut short with `Interrupt.MODIFY`, so the verb
releases what it held (timers, ringing branches, bridges, seats, queue positions) and requests
its action to ignore it; the new document then starts at urgent priority through a `Handover`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rcml.effects import Interrupt
from rcml.engine.dialing import Dialing
from rcml.engine.model import AppCallback, Direction, Leg, Progress
from rcml.engine.queues import Dequeuing, QueueWait
from rcml.errors import sort_problems
from rcml.http import UrlError, check_fetchable
from rcml.interpreter import Ending, FetchStart, InlineStart
from rcml.scheduler import URGENT

if TYPE_CHECKING:
    from rcml.engine.core import Engine
    from rcml.engine.runner import Runner

Params = Mapping[str, "str | list[str]"]
Start = FetchStart | InlineStart

MAX_TWIML = 4000
CANCELED, COMPLETED = "canceled", "completed"
NOT_IN_PROGRESS = "Call is not in-progress. Cannot redirect."
URL_PARAMS = ("Url", "FallbackUrl", "StatusCallback")
METHOD_PARAMS = ("Method", "FallbackMethod", "StatusCallbackMethod")
METHODS = ("GET", "POST")
BOOLEANS = {"true": True, "false": False}


class ModifyError(Exception):
    """A modification the API rejects: HTTP `status`, error `code` and the spec's `message`."""

    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"ModifyError({self.code}, {self.message!r}, status={self.status})"


@dataclass(frozen=True, slots=True)
class Modification:
    """A checked modification: a new document (`start`) or an end (`status`), and/or a new status
    callback; `params` are the parameters as given, last value of each (the `modify` event)."""

    start: Start | None = None
    status: str | None = None  # "canceled" or "completed"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    move_connected: bool = False
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def redirects(self) -> bool:
        return self.start is not None


# --- the checks that need no call (§8.2 steps 2-6) -----------------------------------------------


def _last(params: Params, name: str) -> str | None:
    """The last value given for `name`; None when absent or blank (calls-api §1)."""
    given = params.get(name)
    if isinstance(given, list):
        given = given[-1] if given else None
    if given is None or not given.strip():
        return None
    return given


def _as_given(params: Params) -> dict[str, str]:
    flat: dict[str, str] = {}
    for name, given in params.items():
        if isinstance(given, list):
            if given:
                flat[name] = given[-1]
        else:
            flat[name] = given
    return flat


def check_urls(params: Params) -> dict[str, str | None]:
    """`Url`, `FallbackUrl`, `StatusCallback`: absolute http(s) URLs or absent (21205).

    Shared by live modification and the REST create of the host, which check them alike.
    """
    urls: dict[str, str | None] = {}
    for name in URL_PARAMS:
        value = _last(params, name)
        if value is not None:
            value = value.strip()
            try:
                check_fetchable(value)
            except UrlError:
                raise ModifyError(21205, f"{name} is not a valid URL") from None
        urls[name] = value
    return urls


def check_methods(params: Params) -> dict[str, str]:
    """`Method`, `FallbackMethod`, `StatusCallbackMethod`: GET or POST, default POST (21209)."""
    methods: dict[str, str] = {}
    for name in METHOD_PARAMS:
        method = (_last(params, name) or "POST").strip().upper()
        if method not in METHODS:
            raise ModifyError(21209, f"Invalid {name}: must be GET or POST")
        methods[name] = method
    return methods


def parse_modification(params: Params) -> Modification:
    """The modification parameters checked in the order of calls-api §8.2 (steps 2-6);
    ModifyError with the first failure. `Rcml` is an alias of `Twiml`.
    """
    url, status = _last(params, "Url"), _last(params, "Status")
    twiml = _last(params, "Twiml")
    if twiml is None:
        twiml = _last(params, "Rcml")
    if url is not None and twiml is not None:
        raise ModifyError(20001, "Url and Twiml are mutually exclusive")
    if status is not None and (url is not None or twiml is not None):
        raise ModifyError(20001, "Status cannot be combined with Url or Twiml")
    if url is None and twiml is None and status is None and _last(params, "StatusCallback") is None:
        raise ModifyError(
            20001, "No modification requested: give Url, Twiml, Status or StatusCallback"
        )
    if status is not None:
        status = status.strip().lower()
        if status not in (CANCELED, COMPLETED):
            raise ModifyError(21218, "Invalid Status: must be canceled or completed")
    urls = check_urls(params)
    methods = check_methods(params)
    move = _last(params, "MoveConnectedCallLeg")
    move_connected = BOOLEANS.get(move.strip().lower()) if move is not None else False
    if move_connected is None:
        raise ModifyError(20001, "MoveConnectedCallLeg must be true or false")
    start: Start | None = None
    if twiml is not None:
        start = parse_twiml(twiml)
    elif url is not None:
        start = FetchStart(
            url.strip(), methods["Method"], urls["FallbackUrl"], methods["FallbackMethod"]
        )
    return Modification(
        start, status, urls["StatusCallback"], methods["StatusCallbackMethod"], move_connected,
        _as_given(params),
    )  # fmt: skip


def parse_twiml(text: str) -> InlineStart:
    """An inline document: at most 4000 characters (32018) and valid (its first error's code)."""
    if len(text) > MAX_TWIML:
        raise ModifyError(32018, f"Twiml must be at most {MAX_TWIML} characters")
    from rcml.xml_reader import check_xml

    document, problems = check_xml(text, None)
    errors = sort_problems(problem for problem in problems if problem.is_error)
    if errors:
        first = errors[0]
        raise ModifyError(first.code, f"Twiml: line {first.line}: {first.message}")
    assert document is not None
    return InlineStart(document, None)


# --- applying a modification (§8.2 steps 7-8, §8.3, §8.4) ----------------------------------------


def apply_modification(engine: Engine, call_sid: str, change: Modification) -> Leg:
    """See `Engine.modify`."""
    leg = engine.by_sid.get(call_sid)
    if leg is None:
        raise ModifyError(20404, f"The requested resource {call_sid} was not found", 404)
    if leg.final:  # includes post-hang-up mode: the status is final before it starts
        raise ModifyError(21220, NOT_IN_PROGRESS)
    if change.start is not None and leg.direction is Direction.OUTBOUND_DIAL and not leg.answered:
        raise ModifyError(21220, NOT_IN_PROGRESS)  # a ringing branch can only be canceled
    engine.event(leg, "modify", {"params": dict(change.params)})
    if change.status_callback is not None:
        _replace_status_callback(leg, change.status_callback, change.status_callback_method)
    if change.status is not None:
        # Twilio: canceling an answered call changes nothing; otherwise as a remote hang-up.
        if change.status == COMPLETED or not leg.answered:
            engine.hang_up(leg, "modify")
    elif change.start is not None:
        _redirect(engine, leg, change.start, change.move_connected)
    return leg


def _replace_status_callback(leg: Leg, url: str, method: str) -> None:
    """§8.3 `StatusCallback`: an inbound call's application callback is replaced (semantics
    §6.2); a progress registration keeps its events and counter; none: `completed` only."""
    if leg.direction is Direction.INBOUND:
        leg.app_callback = AppCallback(url, method)
    elif leg.progress is not None:
        leg.progress.url, leg.progress.method = url, method
    else:
        leg.progress = Progress(url, method, frozenset({"completed"}))


def _redirect(engine: Engine, leg: Leg, start: Start, move: bool) -> None:
    """`Url`/`Twiml`: cut the leg's current verb (and with `move` its connected leg's), then
    hand each leg over to the new document (§8.3 steps 1-4)."""
    pending = leg.handover
    if pending is not None:
        # An earlier modification's document has not started yet: this one replaces it. The
        # leg's verb is already cut and its bridge gone, so there is nothing more to move.
        pending.start = start
        return
    if leg.direction is Direction.OUTBOUND_API and not leg.answered:
        # Nothing runs yet: this is the document the call will run once answered (§8.4).
        leg.start = start
        return
    owner, connected = _connection(leg) if move else (None, None)
    if owner is not None:
        owner.moving = True
    runner = leg.runner
    handover = Handover(engine, leg, start, runner.ctx.url if runner else None, runner)
    leg.handover = handover
    dialing = leg.activity
    if isinstance(dialing, Dialing) and connected is None:
        dialing.leave(leg)  # an answered branch; with Move, its caller's Dial is cut below
    if runner is not None:
        _cut(engine, runner, handover)
    if connected is not None:
        own = connected.runner
        follower = Handover(
            engine, connected, start, own.ctx.url if own else handover.base, own, handover
        )
        connected.handover = follower
        handover.followers.append(follower)
        if own is not None:
            _cut(engine, own, follower)
    if runner is None:
        # After the resumptions the cuts scheduled: their requests come first (§8.5 D).
        engine.scheduler.call_soon(handover.try_start, URGENT)


def _connection(leg: Leg) -> tuple[Dialing | Dequeuing, Leg] | tuple[None, None]:
    """The bridge `leg` is in: the activity owning it, and the other leg (§8.3 step 4)."""
    runner = leg.runner
    activity = runner.activity if runner is not None else None
    if isinstance(activity, Dialing) and activity.bridge is not None:
        assert activity.winner is not None
        return activity, activity.winner.leg
    if isinstance(activity, Dequeuing) and activity.bridge is not None:
        assert activity.partner is not None
        return activity, activity.partner.leg
    if isinstance(activity, QueueWait):
        dequeuer = activity.dequeuer
        if dequeuer is not None and dequeuer.bridge is not None:
            return dequeuer, dequeuer.leg
    dialing = leg.activity
    if isinstance(dialing, Dialing) and dialing.bridge is not None and not dialing.done:
        return dialing, dialing.caller
    return None, None


def _cut(engine: Engine, runner: Runner, handover: Handover) -> None:
    """Interrupt `runner`'s pending effect with MODIFY; the handover waits for its program to
    end (it requests its verb's action, to be ignored, on the way)."""
    previous = runner.on_end

    def ended(old: Runner, ending: Ending) -> None:
        if previous is not None:
            previous(old, ending)
        handover.try_start()

    runner.on_end = ended
    _interrupt(engine, runner, handover)


def _interrupt(engine: Engine, runner: Runner, handover: Handover) -> None:
    if runner.interrupt(Interrupt.MODIFY):
        return
    if runner.closed:
        engine.scheduler.call_soon(handover.try_start, URGENT)
    else:
        # Its resumption is already on its way (a command arriving from inside a change):
        # cut whatever it waits for next, still in this instant.
        engine.scheduler.call_soon(lambda: _interrupt(engine, runner, handover), URGENT)


class Handover:
    """A leg's new document after a modification, started when it may (§8.3 steps 3-4): once
    the leg's interrupted program has ended; for a `Url`, once the leg's ignored action request
    has completed; for a moved connected leg, once the modified leg's document has started.
    A leg that has ended meanwhile starts nothing.
    """

    __slots__ = ("engine", "leg", "start", "base", "old", "leader", "followers", "held", "done")

    def __init__(
        self,
        engine: Engine,
        leg: Leg,
        start: Start,
        base: str | None,
        old: Runner | None,
        leader: Handover | None = None,
    ) -> None:
        self.engine = engine
        self.leg = leg
        self.start = start
        self.base = base  # the abandoned document's URL: an inline document's base (§4.4)
        self.old = old
        self.leader = leader
        self.followers: list[Handover] = []
        self.held = 0  # ignored action requests still in flight
        self.done = False

    def hold(self) -> None:
        self.held += 1

    def release(self) -> None:
        self.held -= 1
        self.try_start()

    def try_start(self) -> None:
        if self.done:
            return
        if self.old is not None and not self.old.closed:
            return
        if self.leader is not None and not self.leader.done:
            return
        start = self.start
        if self.held and isinstance(start, FetchStart):
            return
        self.done = True
        leg = self.leg
        if leg.handover is self:
            leg.handover = None
        if not leg.final:
            if isinstance(start, InlineStart):
                start = InlineStart(start.document, self.base)
            self.engine.run_program(leg, start, answered=leg.answered)
        for follower in self.followers:
            follower.try_start()

    def __repr__(self) -> str:
        state = "done" if self.done else f"held {self.held}" if self.held else "waiting"
        return f"<Handover {self.leg.sid} {state}>"
