"""Recording the remote party: the media clock of a `<Record>` (semantics §2.5 steps 2-4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rcml import effects as e
from rcml.engine.runner import Activity
from rcml.scheduler import Timer

if TYPE_CHECKING:
    from rcml.engine.core import Engine
    from rcml.engine.runner import Runner


class Recorder(Activity):
    """One recording in progress: the length limit, the silence timer, finish keys, speech.

    The simulated caller is silent except at `speech` events, each of which marks sound at that
    instant. A silence timeout removes the trailing silence; no speech at all is an empty
    recording (duration 0, no Recording resource).
    """

    __slots__ = ("engine", "runner", "effect", "started_ms", "spoken_ms", "limit", "silence")

    def __init__(self, engine: Engine, runner: Runner, effect: e.RecordAudio) -> None:
        self.engine = engine
        self.runner = runner
        self.effect = effect
        self.started_ms = engine.now_ms
        self.spoken_ms: int | None = None
        self.limit: Timer | None = None
        self.silence: Timer | None = None

    def start(self) -> None:
        scheduler = self.engine.scheduler
        self.limit = scheduler.call_later(self.effect.max_length_ms, self._limit_reached)
        if self.effect.timeout_ms > 0:
            self.silence = scheduler.call_later(self.effect.timeout_ms, self._silent)
        self.runner.pend(self.effect, self)

    def _limit_reached(self) -> None:
        self.limit = None
        self.runner.complete(self._stop(self.engine.now_ms))

    def _silent(self) -> None:
        self.silence = None
        end = self.spoken_ms if self.spoken_ms is not None else self.engine.now_ms
        self.runner.complete(self._stop(end))

    def takes_keys(self, digits: str) -> bool:
        finish = self.effect.finish_keys
        return any(key in finish for key in digits)

    def keys(self, digits: str) -> None:
        finish = self.effect.finish_keys
        key = next(key for key in digits if key in finish)
        self.runner.complete(self._stop(self.engine.now_ms, key))

    def takes_speech(self) -> bool:
        return True

    def speech(self, text: str, confidence: float) -> None:
        now = self.engine.now_ms
        self.spoken_ms = now
        if self.silence is not None:
            self.silence.cancel()
            self.silence = self.engine.scheduler.call_later(self.effect.timeout_ms, self._silent)

    def interrupt(self, cause: e.Interrupt) -> e.Outcome:
        digits = "hangup" if cause is e.Interrupt.HANGUP else None
        return self._stop(self.engine.now_ms, digits, cause)

    def abandon(self) -> None:
        self._cancel_timers()

    def _cancel_timers(self) -> None:
        for timer in (self.limit, self.silence):
            if timer is not None:
                timer.cancel()
        self.limit = self.silence = None

    def _stop(
        self, end_ms: int, digits: str | None = None, cause: e.Interrupt | None = None
    ) -> e.Recorded:
        self._cancel_timers()
        if self.spoken_ms is None:
            return e.Recorded(0, digits, interrupt=cause)
        duration = end_ms - self.started_ms
        recording = self.engine.new_recording(self.runner.leg, duration, self.started_ms)
        return e.Recorded(duration, digits, recording.sid, recording.url, cause)
