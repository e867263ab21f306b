"""`<Dial>` to numbers, clients and SIP URIs: branches, first answer wins, screening, the bridge.

Semantics §2.7.3-2.7.5. The Dial's engine side reports what happened to each branch
(`BranchReport`) and what ended it (`DialEnd`); the interpreter turns that into DialCallStatus.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rcml import effects as e
from rcml.engine.endpoints import Behaviour, Reaction
from rcml.engine.model import Direction, Leg, Progress, Status
from rcml.engine.runner import Activity
from rcml.interpreter import Ending, Mode, screening_program
from rcml.scheduler import Timer

if TYPE_CHECKING:
    from rcml.engine.core import Engine
    from rcml.engine.runner import Runner

LIVE_UNANSWERED = (Status.QUEUED, Status.RINGING)


class Bridge:
    """Two legs connected by a Dial. Call Control can suspend its media (hold) and resume it."""

    __slots__ = ("caller", "callee", "started_ms", "suspended")

    def __init__(self, caller: Leg, callee: Leg, started_ms: int) -> None:
        self.caller = caller
        self.callee = callee
        self.started_ms = started_ms
        self.suspended = False

    def suspend(self) -> None:
        self.suspended = True

    def resume(self) -> None:
        self.suspended = False

    def other(self, leg: Leg) -> Leg:
        return self.callee if leg is self.caller else self.caller


class BranchState:
    """One dialed party: its spec, its leg, and when it was created, answered and let go."""

    __slots__ = ("spec", "leg", "answered_ms", "ended_ms", "ringing_at_end")

    def __init__(self, spec: e.Branch, leg: Leg) -> None:
        self.spec = spec
        self.leg = leg
        self.answered_ms: int | None = None
        self.ended_ms: int | None = None
        self.ringing_at_end = False

    def report(self, now_ms: int) -> e.BranchReport:
        leg = self.leg
        ended = self.ended_ms if self.ended_ms is not None else now_ms
        return e.BranchReport(
            leg.sid, str(leg.status), leg.created_ms, self.answered_ms, ended, self.ringing_at_end
        )


class Dialing(Activity):
    """One `DialOut` in progress for the dialing leg (`runner.leg`)."""

    __slots__ = (
        "engine", "runner", "caller", "effect", "branches", "waiting", "ring_timer", "winner",
        "bridge", "limit_timer", "done", "creating", "moving",
    )  # fmt: skip

    def __init__(self, engine: Engine, runner: Runner, effect: e.DialOut) -> None:
        self.engine = engine
        self.runner = runner
        self.caller = runner.leg
        self.effect = effect
        self.branches: list[BranchState] = []
        self.waiting = list(effect.branches)  # not dialed yet (all of them, or sequential ones)
        self.ring_timer: Timer | None = None
        self.winner: BranchState | None = None
        self.bridge: Bridge | None = None
        self.limit_timer: Timer | None = None
        self.done = False
        self.creating = False
        # A live modification with MoveConnectedCallLeg: the bridged callee is let go, not hung up.
        self.moving = False

    # --- ringing ---------------------------------------------------------------------------------

    def start(self) -> e.Outcome | None:
        """Create and ring the branches; a DialResult at once if none can ring."""
        self.creating = True
        if self.effect.sequential:
            ringing = self._ring_next()
        else:
            created = [self._create(spec) for spec in self.waiting]
            self.waiting = []
            for branch in created:
                if branch is not None:
                    self.engine.ring(branch.leg, self._behaviour(branch.spec))
            ringing = bool(self._ringing())
        self.creating = False
        if not ringing:
            self.done = True
            return self._result(e.DialEnd.EXHAUSTED)
        self.ring_timer = self.engine.scheduler.call_later(self.effect.timeout_ms, self._timeout)
        self.runner.pend(self.effect, self)
        return None

    def _behaviour(self, spec: e.Branch) -> Behaviour:
        return self.engine.endpoints.behaviour(spec.address)

    def _create(self, spec: e.Branch) -> BranchState | None:
        """A child leg for `spec`, queued; None for an unregistered client (no leg at all)."""
        behaviour = self._behaviour(spec)
        if spec.kind == "client" and behaviour.reaction is Reaction.UNREGISTERED:
            return None
        leg = self.engine.new_leg(
            Direction.OUTBOUND_DIAL, self.effect.caller_id, spec.address, Status.QUEUED,
            parent=self.caller, headers=spec.headers,
        )  # fmt: skip
        callback = spec.callback
        if callback is not None:
            leg.progress = Progress(callback.url, callback.method, frozenset(callback.events))
        if spec.parameters:
            leg.extra = {"parameters": dict(spec.parameters)}
        if spec.video is not None:
            self.engine.event(leg, "video", dict(spec.video))
        branch = BranchState(spec, leg)
        leg.activity = self
        self.branches.append(branch)
        return branch

    def _ring_next(self) -> bool:
        """Sequential dialing: ring the next noun that can ring; False when none is left."""
        while self.waiting:
            branch = self._create(self.waiting.pop(0))
            if branch is None:
                continue
            self.engine.ring(branch.leg, self._behaviour(branch.spec))
            if branch.leg.status in LIVE_UNANSWERED:
                return True
        return False

    def _ringing(self) -> list[BranchState]:
        return [b for b in self.branches if b.leg.status in LIVE_UNANSWERED]

    def _branch(self, leg: Leg) -> BranchState:
        return next(b for b in self.branches if b.leg is leg)

    def _timeout(self) -> None:
        self.ring_timer = None
        if self.done:
            return
        ringing = self._ringing()
        # While the branches that timed out end, nothing else may advance the Dial.
        self.creating = True
        for branch in ringing:
            branch.ringing_at_end = True
            branch.ended_ms = self.engine.now_ms
            self.engine.end_leg(branch.leg, Status.NO_ANSWER)
        more = self.effect.sequential and self._ring_next()
        self.creating = False
        if more:
            for branch in ringing:  # the Dial goes on with the next noun
                branch.ringing_at_end = False
            self.ring_timer = self.engine.scheduler.call_later(
                self.effect.timeout_ms, self._timeout
            )
            return
        self.done = True
        self._finish(e.DialEnd.TIMEOUT)

    # --- a branch answers or ends ----------------------------------------------------------------

    def leg_answered(self, leg: Leg) -> None:
        if self.done or self.winner is not None:
            return
        engine = self.engine
        now = engine.now_ms
        branch = self._branch(leg)
        branch.answered_ms = now
        self.winner = branch
        self._cancel_ring_timer()
        self.waiting = []
        for other in self.branches:
            if other is not branch and other.leg.status in LIVE_UNANSWERED:
                other.ended_ms = now
                engine.end_leg(other.leg, Status.CANCELED)
        spec = branch.spec
        if spec.send_digits:
            engine.event(leg, "send-digits", {"digits": spec.send_digits})
        if spec.screen_url is not None:
            ctx = engine.context(leg, self.effect.base_url, Mode.SCREENING)
            url, method = spec.screen_url, spec.screen_method
            runner = engine.side_program(
                leg, lambda c: screening_program(c, url, method), ctx, "screening", self._screened
            )
            leg.runner = runner
            runner.start()
        else:
            self._connect()

    def _screened(self, runner: Runner, ending: Ending) -> None:
        leg = runner.leg
        if leg.runner is runner:
            leg.runner = None
        if not self.done and not leg.final:
            self._connect()

    def _connect(self) -> None:
        assert self.winner is not None
        engine = self.engine
        caller, callee = self.caller, self.winner.leg
        if self.effect.answer_on_bridge and caller.status is Status.RINGING:
            engine.answer(caller)
        now = engine.now_ms
        self.bridge = Bridge(caller, callee, now)
        engine.event(caller, "bridge", {"with": callee.sid})
        engine.event(callee, "bridge", {"with": caller.sid})
        self.limit_timer = engine.scheduler.call_later(self.effect.time_limit_ms, self._time_up)

    def _time_up(self) -> None:
        self.limit_timer = None
        if self.winner is not None:
            self.engine.end_leg(self.winner.leg, Status.COMPLETED, "time-limit")

    def leg_ended(self, leg: Leg) -> None:
        branch = self._branch(leg)
        if branch.ended_ms is None:
            branch.ended_ms = self.engine.now_ms
        if self.done:
            return
        if self.winner is not None:
            if branch is self.winner:
                end = e.DialEnd.BRIDGED if self.bridge is not None else e.DialEnd.SCREENED_OUT
                self.done = True
                self._finish(end)
            return
        if self.creating:
            return
        # The Dial cancels branches only once it has a winner or has ended, so a branch canceled
        # while the Dial still rings was canceled through the API (calls-api §8.4).
        canceled = leg.status is Status.CANCELED
        if self.effect.sequential and not self._ringing():
            self.creating = True
            more = self._ring_next()
            self.creating = False
            if more:
                self._cancel_ring_timer()
                self.ring_timer = self.engine.scheduler.call_later(
                    self.effect.timeout_ms, self._timeout
                )
                return
        if self._ringing():
            return
        self.done = True
        if canceled:  # rule 3 of 2.7.5; DialCallSid per clarification 2 of semantics §8
            branch.ringing_at_end = True
            self._finish(e.DialEnd.CANCELED)
            return
        self._finish(e.DialEnd.EXHAUSTED)

    def leave(self, leg: Leg) -> None:
        """The answered branch `leg` was redirected by a live modification: it leaves the Dial
        (not hung up), which ends as if the branch had hung up; the caller continues
        (calls-api §8.4, child leg in screening or bridged).
        """
        branch = self._branch(leg)
        branch.ended_ms = self.engine.now_ms
        self.done = True
        self._finish(e.DialEnd.BRIDGED if self.bridge is not None else e.DialEnd.SCREENED_OUT)

    # --- the caller ------------------------------------------------------------------------------

    def takes_keys(self, digits: str) -> bool:
        return self.bridge is not None and self.effect.hangup_on_star and "*" in digits

    def keys(self, digits: str) -> None:
        if self.winner is not None:
            self.engine.end_leg(self.winner.leg, Status.COMPLETED, "hangup-on-star")

    def interrupt(self, cause: e.Interrupt) -> e.Outcome:
        """The caller hung up or was modified: let go of every branch (2.7.3, calls-api §8.4)."""
        self.done = True
        self._cancel_timers()
        engine = self.engine
        now = engine.now_ms
        hangup_cause = "dial-ended" if cause is e.Interrupt.HANGUP else "modify"
        winner = self.winner
        if winner is not None:
            winner.ended_ms = now
            end = e.DialEnd.BRIDGED if self.bridge is not None else e.DialEnd.CANCELED
            if end is e.DialEnd.BRIDGED and self.moving and cause is e.Interrupt.MODIFY:
                pass  # the callee leaves the bridge and follows the modification (§8.3 step 4)
            else:
                if winner.leg.runner is not None:
                    winner.leg.runner.close()
                    winner.leg.runner = None
                engine.hang_up(winner.leg, hangup_cause)
        else:
            end = e.DialEnd.CANCELED
            for branch in self._ringing():
                branch.ringing_at_end = True
                branch.ended_ms = now
                engine.end_leg(branch.leg, Status.CANCELED)
        self._release()
        return self._result(end, cause)

    def abandon(self) -> None:
        self.interrupt(e.Interrupt.MODIFY)

    # --- the end ---------------------------------------------------------------------------------

    def _finish(self, end: e.DialEnd) -> None:
        self._cancel_timers()
        self._release()
        self.runner.complete(self._result(end))

    def _release(self) -> None:
        for branch in self.branches:
            if branch.leg.activity is self:
                branch.leg.activity = None

    def _result(self, end: e.DialEnd, cause: e.Interrupt | None = None) -> e.DialResult:
        engine = self.engine
        now = engine.now_ms
        recording = None
        bridge = self.bridge
        if bridge is not None and self.effect.record:
            duration = now - bridge.started_ms
            if (duration + 500) // 1000 > 0:
                recording = engine.new_recording(self.caller, duration, bridge.started_ms)
        return e.DialResult(
            end,
            tuple(branch.report(now) for branch in self.branches),
            self.winner.leg.sid if self.winner is not None else None,
            cause,
            recording_duration_ms=(now - bridge.started_ms) if recording and bridge else 0,
            recording_sid=recording.sid if recording else None,
            recording_url=recording.url if recording else None,
        )

    def _cancel_ring_timer(self) -> None:
        if self.ring_timer is not None:
            self.ring_timer.cancel()
            self.ring_timer = None

    def _cancel_timers(self) -> None:
        self._cancel_ring_timer()
        if self.limit_timer is not None:
            self.limit_timer.cancel()
            self.limit_timer = None
