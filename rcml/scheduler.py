"""The scheduler: one heap of timers in integer milliseconds, on a virtual or a wall clock."""

from __future__ import annotations

import gc
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from heapq import heapify, heappop, heappush

URGENT = 0
NORMAL = 1

Callback = Callable[[], object]

# Lazily deleted entries are swept out of the heap once they are both this many and a majority,
# so a flood of cancelled timeouts cannot grow the heap without bound.
_SWEEP_MIN = 512

# On a wall clock the young generations of the cyclic garbage collector are collected on this
# cadence (real seconds). CPython starts a young collection when allocations minus deallocations
# pass a threshold, and deallocations of *old* objects count too: with thousands of calls waiting,
# timers and callbacks that die old keep the count low while the young generation grows, until
# one collection walks ~90,000 objects and every timer due meanwhile runs ~50 ms late. Collecting
# the young generations every 50 ms bounds each pause to what 50 ms of work allocates (10,000
# waiting calls, bench/bench_wallclock.py: timer lateness p99 7-31 ms -> 1.5-6.6 ms, worst
# 56-137 ms -> 10-19 ms, with about the same total time spent collecting).
YOUNG_GC_INTERVAL_S = 0.05


class Timer:
    """The handle of one scheduled callback; `cancel()` it to make sure it never runs."""

    __slots__ = ("at_ms", "_callback", "_cancelled", "_scheduler")

    def __init__(self, at_ms: int, callback: Callback, scheduler: Scheduler) -> None:
        self.at_ms = at_ms
        self._callback: Callback | None = callback
        self._cancelled = False
        self._scheduler = scheduler

    def cancel(self) -> None:
        """Idempotent; a timer that already ran stays `cancelled == False`."""
        if self._callback is None:
            return
        self._callback = None
        self._cancelled = True
        self._scheduler._forget()

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def __repr__(self) -> str:
        state = "cancelled" if self._cancelled else "pending" if self._callback else "done"
        return f"<Timer at {self.at_ms} ms {state}>"


class VirtualClock:
    """Simulated time: the scheduler jumps straight to the next event; starts at `start_ms`."""

    realtime = False

    def __init__(self, start_ms: int = 0) -> None:
        self.start_ms = start_ms


class WallClock:
    """Real time, optionally sped up: `speed=10.0` runs 10 virtual ms per real ms.

    Virtual time `start_ms` is the moment the clock was created (`origin_s`, in `time.monotonic()`
    seconds).
    """

    realtime = True

    def __init__(self, speed: float = 1.0, start_ms: int = 0) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be positive, got {speed!r}")
        self.speed = speed
        self.start_ms = start_ms
        self.origin_s = time.monotonic()

    def read_ms(self, real_s: float | None = None) -> int:
        """The virtual millisecond the real clock has reached (at `time.monotonic()` `real_s`,
        default now)."""
        if real_s is None:
            real_s = time.monotonic()
        return self.start_ms + int((real_s - self.origin_s) * 1000.0 * self.speed)

    def seconds_until(self, at_ms: int) -> float:
        """Real seconds from now until virtual time `at_ms` (negative when it has passed)."""
        due_s = self.origin_s + (at_ms - self.start_ms) / (1000.0 * self.speed)
        return due_s - time.monotonic()


class Scheduler:
    """Runs callbacks in (time, priority, scheduling order); all of them on one thread.

    Inside a callback `now_ms` is the time the callback was due, on either clock: a wall clock
    only decides *when* a callback runs, so a late timer does not shift the ones it schedules
    (SimPy's real-time model). `post()` is the only entry from other threads.
    """

    def __init__(self, clock: VirtualClock | WallClock | None = None) -> None:
        self._clock: VirtualClock | WallClock = clock if clock is not None else VirtualClock()
        self._wall = self._clock if isinstance(self._clock, WallClock) else None
        self._now = self._wall.read_ms() if self._wall else self._clock.start_ms
        self._heap: list[tuple[int, int, int, Timer]] = []
        self._seq = itertools.count()
        self._live = 0
        self._dead = 0
        self._inbox: deque[Callback] = deque()
        self._wakeup = threading.Event()
        self._stopping = False
        self._depth = 0
        self._next_young_gc_s = 0.0

    @property
    def clock(self) -> VirtualClock | WallClock:
        return self._clock

    @property
    def now_ms(self) -> int:
        return self._now

    @property
    def pending(self) -> int:
        """Live timers, including posted callbacks not yet run."""
        return self._live + len(self._inbox)

    # --- scheduling (scheduler thread only) ---------------------------------------------------

    def call_at(self, at_ms: int, callback: Callback, priority: int = NORMAL) -> Timer:
        """Run `callback` at `at_ms` (a time already past means now)."""
        # The exact-type test first: it is the common case and cheaper than isinstance.
        if type(at_ms) is not int and not isinstance(at_ms, int):
            raise TypeError(f"times are integer milliseconds, got {at_ms!r}")
        if at_ms < self._now:
            at_ms = self._now
        timer = Timer(at_ms, callback, self)
        heappush(self._heap, (at_ms, priority, next(self._seq), timer))
        self._live += 1
        return timer

    def call_later(self, delay_ms: int, callback: Callback, priority: int = NORMAL) -> Timer:
        # call_at inlined: the engine schedules several timers per call (media, rings, hang-ups).
        if type(delay_ms) is not int and not isinstance(delay_ms, int):
            raise TypeError(f"times are integer milliseconds, got {self._now + delay_ms!r}")
        now = self._now
        at_ms = now + delay_ms if delay_ms > 0 else now
        timer = Timer(at_ms, callback, self)
        heappush(self._heap, (at_ms, priority, next(self._seq), timer))
        self._live += 1
        return timer

    def call_soon(self, callback: Callback, priority: int = NORMAL) -> Timer:
        at_ms = self._now
        timer = Timer(at_ms, callback, self)
        heappush(self._heap, (at_ms, priority, next(self._seq), timer))
        self._live += 1
        return timer

    def _forget(self) -> None:
        """A timer was cancelled: it stays in the heap until it surfaces or a sweep."""
        self._live -= 1
        self._dead += 1
        heap = self._heap
        if self._dead >= _SWEEP_MIN and self._dead * 2 > len(heap):
            # In place: a loop in progress holds a reference to this list.
            heap[:] = [entry for entry in heap if entry[3]._callback is not None]
            heapify(heap)
            self._dead = 0

    # --- other threads ------------------------------------------------------------------------

    def post(self, callback: Callback) -> None:
        """Thread-safe: run `callback` on the scheduler's thread as soon as possible, URGENT."""
        self._inbox.append(callback)
        self._wakeup.set()

    def stop(self) -> None:
        """Thread-safe: make the running `run()` return soon (or the next one, if none runs)."""
        self._stopping = True
        self._wakeup.set()

    # --- running ------------------------------------------------------------------------------

    def step(self) -> bool:
        """Run the next event; False when none is pending (a wall clock sleeps until it is due)."""
        callback = self._take(None, idle=False)
        if callback is None:
            if self._depth == 0:
                self._stopping = False  # a stop ends one step as it ends one run
            return False
        callback()
        return True

    def run(self, until_ms: int | None = None) -> None:
        """Run events in order until none are left or the next is later than `until_ms`.

        With a VirtualClock time then becomes `until_ms`. With a WallClock the run lasts until real
        time reaches `until_ms` (forever without it), serving posts while idle; `stop()` ends it.
        """
        stopped = self._loop(until_ms, idle=self._wall is not None)
        if until_ms is not None and until_ms > self._now and not stopped:
            self._now = until_ms

    def advance(self, ms: int) -> None:
        """VirtualClock only: run(until_ms=now_ms + ms)."""
        if self._wall is not None:
            raise TypeError("advance() needs a VirtualClock; a WallClock advances by itself")
        self.run(self._now + ms)

    def run_due(self) -> None:
        """Run everything due at or before now, without advancing virtual time."""
        horizon = self._wall.read_ms() if self._wall else self._now
        self._loop(horizon, idle=False)

    def serve(self) -> None:
        """Run until `stop()`, waiting for posts while idle; a VirtualClock never moves by itself.

        For a host on a virtual clock: posted commands run at the current instant, and only an
        explicit `advance()` (posted too) moves time. With a WallClock this is `run()`.
        """
        self._loop(None, idle=True)

    def _loop(self, until_ms: int | None, idle: bool) -> bool:
        """Run callbacks from `_take` until it says stop; True when `stop()` ended the loop."""
        self._depth += 1
        try:
            if self._wall is None and not idle:
                self._run_virtual(until_ms)
            else:
                take = self._take
                while (callback := take(until_ms, idle)) is not None:
                    callback()
            return self._stopping
        finally:
            self._depth -= 1
            # Only the outermost loop consumes a stop, so one nested in a callback passes it on.
            if self._depth == 0:
                self._stopping = False

    def _run_virtual(self, until_ms: int | None) -> None:
        """`_take` specialised for a virtual clock that may jump: the simulation's hot loop."""
        heap = self._heap
        inbox = self._inbox
        while True:
            if inbox:
                self._drain()
            if not heap or self._stopping:
                return
            at_ms, _, _, timer = heap[0]
            callback = timer._callback
            if callback is None:
                heappop(heap)
                self._dead -= 1
                continue
            if until_ms is not None and at_ms > until_ms:
                return
            heappop(heap)
            timer._callback = None
            self._now = at_ms
            self._live -= 1
            callback()

    def _take(self, until_ms: int | None, idle: bool) -> Callback | None:
        """Pop the next callback to run, sleeping for it on a wall clock; None ends the loop.

        `idle`: when nothing is due, wait for posts (or for real time to reach `until_ms`) instead
        of returning; on a virtual clock it also means time must not jump.
        """
        heap = self._heap
        wall = self._wall
        while True:
            if self._inbox:
                self._drain()
            while heap and heap[0][3]._callback is None:
                heappop(heap)
                self._dead -= 1
            if self._stopping:
                return None
            due = heap[0][0] if heap else None
            if due is not None and until_ms is not None and due > until_ms:
                due = None
            if wall is None:
                if due is not None and (not idle or due <= self._now):
                    return self._pop()
                if not idle:
                    return None
                wake_at = None
            else:
                real_s = time.monotonic()
                if real_s >= self._next_young_gc_s:
                    self._next_young_gc_s = real_s + YOUNG_GC_INTERVAL_S
                    gc.collect(1)
                    real_s = time.monotonic()  # the collection took time
                now = wall.read_ms(real_s)
                if due is not None and due <= now:
                    return self._pop()
                wake_at = due if due is not None else until_ms
                if wake_at is None and not idle:
                    return None
                if wake_at is not None and wake_at <= now:
                    return None
            self._wakeup.clear()
            if self._inbox or self._stopping:
                continue
            timeout = None if wake_at is None or wall is None else wall.seconds_until(wake_at)
            self._wakeup.wait(timeout)

    def _pop(self) -> Callback:
        at_ms, _, _, timer = heappop(self._heap)
        callback = timer._callback
        assert callback is not None
        timer._callback = None
        self._now = at_ms
        self._live -= 1
        return callback

    def _drain(self) -> None:
        """Move posted callbacks into the heap at the current instant, URGENT, in arrival order."""
        at_ms = self._now if self._wall is None else max(self._now, self._wall.read_ms())
        inbox = self._inbox
        while inbox:
            self.call_at(at_ms, inbox.popleft(), URGENT)
