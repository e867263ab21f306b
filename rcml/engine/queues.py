"""Call queues per account: `<Enqueue>`, `<Leave>` and `<Dial><Queue>` (semantics §2.13, §2.7.8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rcml import effects as e
from rcml.engine.dialing import Bridge
from rcml.engine.model import Leg
from rcml.engine.runner import Activity
from rcml.interpreter import Ending, Mode, queue_url_program, seconds, wait_program
from rcml.scheduler import Timer

if TYPE_CHECKING:
    from rcml.engine.core import Engine
    from rcml.engine.runner import Runner

MAX_QUEUE_SIZE = 100


class CallQueue:
    """FIFO of waiting calls, and the dequeuers waiting for a call to arrive."""

    __slots__ = ("key", "name", "sid", "waiting", "dequeuers")

    def __init__(self, key: tuple[str, str], sid: str) -> None:
        self.key = key
        self.name = key[1]
        self.sid = sid
        self.waiting: list[QueueWait] = []
        self.dequeuers: list[Dequeuing] = []


class QueueWait(Activity):
    """A call's `<Enqueue>`: waiting in the queue, then being dequeued and bridged."""

    __slots__ = ("queues", "runner", "leg", "queue", "effect", "enqueued_ms", "waited_ms",
                 "wait", "dequeuer")  # fmt: skip

    def __init__(self, queues: Queues, runner: Runner, queue: CallQueue, effect: e.EnqueueCall):
        self.queues = queues
        self.runner = runner
        self.leg = runner.leg
        self.queue = queue
        self.effect = effect
        self.enqueued_ms = queues.engine.now_ms
        self.waited_ms: int | None = None  # set when dequeued
        self.wait: Runner | None = None  # the wait music program, or the Queue url document
        self.dequeuer: Dequeuing | None = None

    def result(self, result: str, cause: e.Interrupt | None = None) -> e.QueueResult:
        waited = self.waited_ms
        if waited is None:
            waited = self.queues.engine.now_ms - self.enqueued_ms
        return e.QueueResult(result, self.queue.sid, waited, cause)

    def wait_params(self) -> dict[str, str]:
        """Extra parameters of the wait document's requests (2.13 step 2)."""
        queue = self.queue
        position = queue.waiting.index(self) + 1 if self in queue.waiting else 0
        return {
            "QueueSid": queue.sid,
            "QueuePosition": str(position),
            "QueueTime": str(seconds(self.queues.engine.now_ms - self.enqueued_ms)),
            "CurrentQueueSize": str(len(queue.waiting)),
            "MaxQueueSize": str(MAX_QUEUE_SIZE),
        }

    def interrupt(self, cause: e.Interrupt) -> e.Outcome:
        self.queues.stop_waiting(self)
        dequeuer = self.dequeuer
        if dequeuer is not None:
            self.dequeuer = None
            if not dequeuer.moving:  # a moved connection: the modification cuts the dequeuer too
                dequeuer.partner_gone()
        if self.waited_ms is not None:  # dequeued: the wait ended with the bridge (2.13 step 3)
            return self.result("bridged", cause)
        self.queues.remove(self)
        return self.result("hangup" if cause is e.Interrupt.HANGUP else "redirected", cause)

    def abandon(self) -> None:
        self.interrupt(e.Interrupt.MODIFY)


class Dequeuing(Activity):
    """A `<Dial><Queue>`: waiting for a call, its Queue url document, then the bridge."""

    __slots__ = ("queues", "runner", "leg", "effect", "queue", "timer", "partner", "bridge",
                 "limit", "moving")  # fmt: skip

    def __init__(self, queues: Queues, runner: Runner, queue: CallQueue, effect: e.DialQueue):
        self.queues = queues
        self.runner = runner
        self.leg = runner.leg
        self.effect = effect
        self.queue = queue
        self.timer: Timer | None = None
        self.partner: QueueWait | None = None
        self.bridge: Bridge | None = None
        self.limit: Timer | None = None
        # A live modification with MoveConnectedCallLeg: the bridged call is let go, not hung up.
        self.moving = False

    def take(self, partner: QueueWait) -> None:
        """Take `partner` out of the queue: its wait ends; its Queue url document, then bridge."""
        queues = self.queues
        engine = queues.engine
        self._cancel(self.timer)
        self.timer = None
        self.partner = partner
        partner.dequeuer = self
        partner.waited_ms = engine.now_ms - partner.enqueued_ms
        queues.remove(partner, action="dequeue")
        queues.stop_waiting(partner)
        if self.effect.url is None:
            self.connect()
            return
        leg = partner.leg
        ctx = engine.context(leg, self.effect.base_url, Mode.QUEUE_URL)
        ref, method = self.effect.url, self.effect.method
        runner = engine.side_program(
            leg, lambda c: queue_url_program(c, ref, method), ctx, "queue-url", self._prepared
        )
        runner.extra_params = lambda: {
            "QueueSid": self.queue.sid,
            "QueueTime": str(seconds(partner.waited_ms or 0)),
            "DequeingCallSid": self.leg.sid,
        }
        partner.wait = runner
        leg.aux = runner
        runner.start()

    def _prepared(self, runner: Runner, ending: Ending) -> None:
        partner = self.partner
        if partner is not None and partner.wait is runner:
            partner.wait = None
            if partner.leg.aux is runner:
                partner.leg.aux = None
        if partner is not None and not partner.leg.final:
            self.connect()

    def connect(self) -> None:
        partner = self.partner
        assert partner is not None
        engine = self.queues.engine
        self.bridge = Bridge(self.leg, partner.leg, engine.now_ms)
        engine.event(self.leg, "bridge", {"with": partner.leg.sid})
        engine.event(partner.leg, "bridge", {"with": self.leg.sid})
        self.limit = engine.scheduler.call_later(self.effect.time_limit_ms, self._time_up)

    def _time_up(self) -> None:
        self.limit = None
        if self.partner is not None:
            self.queues.engine.hang_up(self.partner.leg, "time-limit")

    def timed_out(self) -> None:
        self.timer = None
        if self in self.queue.dequeuers:
            self.queue.dequeuers.remove(self)
        self.runner.complete(e.DialResult(e.DialEnd.TIMEOUT))

    def partner_gone(self) -> None:
        """The dequeued call hung up or was modified: the Dial ends."""
        self.runner.complete(self._result())

    def takes_keys(self, digits: str) -> bool:
        return self.bridge is not None and self.effect.hangup_on_star and "*" in digits

    def keys(self, digits: str) -> None:
        if self.partner is not None:
            self.queues.engine.hang_up(self.partner.leg, "hangup-on-star")

    def interrupt(self, cause: e.Interrupt) -> e.Outcome:
        """The dequeuer hung up or was modified. A dequeued caller still there continues after
        its Enqueue, except that a modification hangs up the bridged caller, or with
        MoveConnectedCallLeg lets it go to follow the modification (calls-api §8.4).
        """
        partner = self.partner
        bridged = self.bridge is not None
        result = self._result(cause)
        if partner is not None:
            self.partner = None
            partner.dequeuer = None
            self.queues.stop_waiting(partner)
            if bridged and cause is e.Interrupt.MODIFY:
                if not self.moving:
                    self.queues.engine.hang_up(partner.leg, "modify")
            else:
                # Not bridged yet (its Queue url document was running): there is no better
                # QueueResult in the spec's list than the one a bridge gives.
                partner.runner.complete(partner.result("bridged"))
        elif self in self.queue.dequeuers:
            self.queue.dequeuers.remove(self)
        return result

    def abandon(self) -> None:
        self.interrupt(e.Interrupt.MODIFY)

    def _result(self, cause: e.Interrupt | None = None) -> e.DialResult:
        self._cancel(self.timer)
        self._cancel(self.limit)
        self.timer = self.limit = None
        partner, bridge = self.partner, self.bridge
        self.partner = None
        if partner is None or bridge is None:
            return e.DialResult(e.DialEnd.CANCELED if cause else e.DialEnd.TIMEOUT, interrupt=cause)
        engine = self.queues.engine
        duration = engine.now_ms - bridge.started_ms
        recording = None
        if self.effect.record and seconds(duration) > 0:
            recording = engine.new_recording(self.leg, duration, bridge.started_ms)
        return e.DialResult(
            e.DialEnd.BRIDGED, winner=partner.leg.sid, interrupt=cause,
            recording_duration_ms=duration if recording else 0,
            recording_sid=recording.sid if recording else None,
            recording_url=recording.url if recording else None,
            queue_sid=self.queue.sid, queue_time_ms=partner.waited_ms, bridge_ms=duration,
        )  # fmt: skip

    @staticmethod
    def _cancel(timer: Timer | None) -> None:
        if timer is not None:
            timer.cancel()


class Queues:
    """Every queue of the engine, by (account sid, queue name); created on demand."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.queues: dict[tuple[str, str], CallQueue] = {}

    def get(self, leg: Leg, name: str) -> CallQueue:
        key = (leg.account.sid, name)
        queue = self.queues.get(key)
        if queue is None:
            queue = self.queues[key] = CallQueue(key, self.engine.sids.new("QU"))
        return queue

    def enqueue(self, runner: Runner, effect: e.EnqueueCall) -> e.Outcome | None:
        engine = self.engine
        leg = runner.leg
        queue = self.get(leg, effect.name)
        if leg.final:
            return e.QueueResult("hangup", queue.sid, 0, e.Interrupt.HANGUP)
        if len(queue.waiting) >= MAX_QUEUE_SIZE:
            engine.event(leg, "queue", {"name": queue.name, "action": "full",
                                        "position": None})  # fmt: skip
            return e.QueueResult("queue-full", queue.sid, 0)
        waiting = QueueWait(self, runner, queue, effect)
        queue.waiting.append(waiting)
        engine.event(leg, "queue", {"name": queue.name, "action": "enqueue",
                                    "position": len(queue.waiting)})  # fmt: skip
        runner.pend(effect, waiting)
        if queue.dequeuers:
            queue.dequeuers.pop(0).take(waiting)
            return None
        ctx = engine.context(leg, effect.base_url, Mode.QUEUE_WAIT)
        ref, method = effect.wait_url, effect.wait_method
        music = engine.side_program(leg, lambda c: wait_program(c, ref, method), ctx, "wait")
        music.extra_params = waiting.wait_params
        waiting.wait = music
        leg.aux = music
        music.start()
        return None

    def stop_waiting(self, waiting: QueueWait) -> None:
        runner = waiting.wait
        if runner is None:
            return
        waiting.wait = None
        if waiting.leg.aux is runner:
            waiting.leg.aux = None
        runner.close()

    def remove(self, waiting: QueueWait, action: str = "leave") -> None:
        queue = waiting.queue
        if waiting not in queue.waiting:
            return
        position = queue.waiting.index(waiting) + 1
        queue.waiting.remove(waiting)
        self.engine.event(waiting.leg, "queue", {"name": queue.name, "action": action,
                                                 "position": position})  # fmt: skip

    def leave(self, runner: Runner, effect: e.LeaveQueue) -> e.Outcome | None:
        """`<Leave>` in the wait document: the call's Enqueue ends with `leave`."""
        main = runner.leg.runner
        waiting = main.activity if main is not None else None
        if not isinstance(waiting, QueueWait):
            return e.DONE
        self.remove(waiting)
        self.stop_waiting(waiting)
        waiting.runner.complete(waiting.result("leave"))
        return e.DONE

    def dequeue(self, runner: Runner, effect: e.DialQueue) -> e.Outcome | None:
        leg = runner.leg
        if leg.final:
            return e.DialResult(e.DialEnd.CANCELED, interrupt=e.Interrupt.HANGUP)
        queue = self.get(leg, effect.name)
        dequeuing = Dequeuing(self, runner, queue, effect)
        runner.pend(effect, dequeuing)
        if queue.waiting:
            dequeuing.take(queue.waiting[0])
        else:
            queue.dequeuers.append(dequeuing)
            dequeuing.timer = self.engine.scheduler.call_later(
                effect.timeout_ms, dequeuing.timed_out
            )
        return None

    def size(self, account_sid: str, name: str) -> int:
        queue = self.queues.get((account_sid, name))
        return len(queue.waiting) if queue else 0
