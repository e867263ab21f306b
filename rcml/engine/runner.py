"""A Runner drives one interpreter program: sends outcomes in, performs the effects it yields."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rcml.effects import DONE, HUNG_UP, MODIFIED, TIMED_OUT, AwaitInput, Effect, Interrupt, Outcome
from rcml.interpreter import Context, Ending, Program
from rcml.scheduler import URGENT, Timer

if TYPE_CHECKING:
    from rcml.engine.core import Engine
    from rcml.engine.model import Leg


class Activity:
    """The engine side of a long effect (Dial, conference, queue, recording): what to do when
    the caller's input arrives or when the effect must be cut short.
    """

    __slots__ = ()

    def takes_keys(self, digits: str) -> bool:
        """Whether a key event would be used (decides the `digits` event's `ignored`)."""
        return False

    def keys(self, digits: str) -> None:
        """Use a key event that `takes_keys` accepted."""

    def takes_speech(self) -> bool:
        return False

    def speech(self, text: str, confidence: float) -> None:
        """Use an utterance that `takes_speech` accepted."""

    def interrupt(self, cause: Interrupt) -> Outcome:
        """Stop now (the remote party hung up, or the call is modified): the outcome to send."""
        raise NotImplementedError

    def abandon(self) -> None:
        """Stop now without telling the program (it is being closed)."""


class Runner:
    """One program on one leg, and the effect it waits for.

    While an effect is pending, `effect` is set and exactly one of `timer` (media, input
    timeouts), `activity` (long effects) or neither (a request in flight, endless waits) holds
    the engine's side of it; `listen` says what input the effect accepts. `serial` tells a late
    answer (a request whose effect was cut short) from the current one.
    """

    __slots__ = (
        "engine", "leg", "program", "ctx", "role", "effect", "timer", "activity", "listen",
        "serial", "executing", "closed", "on_end", "extra_params",
    )  # fmt: skip

    def __init__(
        self,
        engine: Engine,
        leg: Leg,
        program: Program,
        ctx: Context,
        role: str,
        on_end: Callable[[Runner, Ending], None] | None = None,
    ) -> None:
        self.engine = engine
        self.leg = leg
        self.program = program
        self.ctx = ctx
        self.role = role  # "call", "screening", "wait", "queue-url"
        self.effect: Effect | None = None
        self.timer: Timer | None = None
        self.activity: Activity | None = None
        self.listen: Any = None
        self.serial = 0
        self.executing = False
        self.closed = False
        self.on_end = on_end
        # Parameters of this program's requests beyond the standard ones (queue waits, §2.13).
        self.extra_params: Callable[[], dict[str, str]] | None = None

    def start(self) -> None:
        self.resume(None)

    def resume(self, outcome: Outcome | None) -> None:
        """Send `outcome` in and perform effects until one has to wait or the program ends."""
        if self.closed:
            return
        program = self.program
        perform = self.engine.performers
        self.executing = True
        try:
            while True:
                try:
                    effect = program.send(outcome)  # type: ignore[arg-type]
                except StopIteration as stop:
                    self.closed = True
                    if self.on_end is not None:
                        self.on_end(self, stop.value)
                    return
                outcome = perform[type(effect)](self, effect)
                if self.closed:
                    program.close()
                    return
                if outcome is None:
                    return
        finally:
            self.executing = False

    def resume_soon(self, outcome: Outcome) -> None:
        """Resume once the change in progress is fully applied (same instant, urgent)."""
        self.engine.scheduler.call_soon(lambda: self.resume(outcome), URGENT)

    def wait(self, effect: Effect, delay_ms: int, listen: Any = None) -> None:
        """Pend `effect` for `delay_ms`; then Done (TimedOut for AwaitInput)."""
        self.effect = effect
        self.listen = listen
        self.serial += 1
        self.timer = self.engine.scheduler.call_later(delay_ms, self._elapsed)

    def _elapsed(self) -> None:
        effect = self.effect
        self.effect = self.timer = self.listen = None
        self.resume(TIMED_OUT if type(effect) is AwaitInput else DONE)

    def pend(self, effect: Effect, activity: Activity | None = None, listen: Any = None) -> int:
        """Pend `effect` until something completes it; the serial to check answers against."""
        self.effect = effect
        self.activity = activity
        self.listen = listen
        self.serial += 1
        return self.serial

    def settle(self) -> None:
        """The pending effect is over (the caller resumes the program with its outcome)."""
        self.effect = self.activity = self.listen = None
        timer = self.timer
        if timer is not None:
            self.timer = None
            timer.cancel()

    def complete(self, outcome: Outcome) -> None:
        """An activity's effect ended by itself: resume with its outcome after the change."""
        self.settle()
        if not self.closed:
            self.resume_soon(outcome)

    def interrupt(self, cause: Interrupt) -> bool:
        """Cut the pending effect short and resume with what the verb must know; False when no
        effect is pending (the program is running, or its resumption is already on its way).
        """
        if self.effect is None or self.closed:
            return False
        activity = self.activity
        self.settle()
        if activity is not None:
            outcome = activity.interrupt(cause)
        else:
            outcome = HUNG_UP if cause is Interrupt.HANGUP else MODIFIED
        self.resume_soon(outcome)
        return True

    def close(self) -> None:
        """Abandon the program: cancel what its pending effect holds, then close it."""
        if self.closed:
            return
        self.closed = True
        activity = self.activity
        self.settle()
        if activity is not None:
            activity.abandon()
        if not self.executing:
            self.program.close()

    def __repr__(self) -> str:
        return f"<Runner {self.role} {self.leg.sid} waiting for {self.effect!r}>"
