"""The host's threads: the engine thread that owns every call, and the writer that commits
records to SQLite; plus the loader wrapper that tells when requests are still in flight.

DESIGN.md law 8: one thread mutates call state. Other threads hand it commands
(`EngineThread.call`) and wait for the reply; a reply waits until the records it may show are
committed (`StoreWriter.wait`), so a read that follows it sees them.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from rcml.host.errors import ApiError
from rcml.loaders import FetchResult, Loader, Request, RequestRecord
from rcml.scheduler import Scheduler
from rcml.store import CallLog, CallRecord, ErrorRecord, RecordingRecord, Store

log = logging.getLogger("rcml.host")

T = TypeVar("T")
REPLY_TIMEOUT_S = 60.0
RECORDS_REMEMBERED = 10_000


# --- requests in flight ------------------------------------------------------------------------


class _PostWatch:
    """A scheduler as a loader sees it, telling the engine thread when a loader posts."""

    def __init__(self, scheduler: Scheduler, posted: threading.Event) -> None:
        self._scheduler = scheduler
        self._posted = posted

    def post(self, callback: Callable[[], object]) -> None:
        self._scheduler.post(callback)
        self._posted.set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._scheduler, name)


class GaugedLoader:
    """A loader wrapper that knows which requests are in flight, overall and per call.

    On a virtual clock the host must finish real HTTP requests before it answers (they take no
    virtual time, calls-api §9); the count says when that is done, and a session is only moved
    out of memory when none of its requests is still out.
    """

    def __init__(self, inner: Loader, posted: threading.Event) -> None:
        self.inner = inner
        self.posted = posted
        self.in_flight = 0
        self.by_call: Counter[str | None] = Counter()
        self._watched: tuple[Scheduler, Scheduler] | None = None

    def fetch(
        self,
        request: Request,
        scheduler: Scheduler,
        log: list[RequestRecord],
        done: Callable[[FetchResult], None],
    ) -> None:
        self.in_flight += 1
        self.by_call[request.call_sid] += 1

        def finished(result: FetchResult) -> None:
            self.in_flight -= 1
            self.by_call[request.call_sid] -= 1
            if not self.by_call[request.call_sid]:
                del self.by_call[request.call_sid]
            done(result)

        self.inner.fetch(request, self._watch(scheduler), log, finished)

    def _watch(self, scheduler: Scheduler) -> Scheduler:
        if self._watched is None or self._watched[0] is not scheduler:
            self._watched = (scheduler, cast(Scheduler, _PostWatch(scheduler, self.posted)))
        return self._watched[1]


# --- the engine thread -------------------------------------------------------------------------


class _Job(Generic[T]):
    """One command: `action` changes state; `render` builds the reply once the change settled."""

    __slots__ = ("action", "render", "done", "value", "error", "ticket")

    def __init__(self, action: Callable[[], object], render: Callable[[object], T]) -> None:
        self.action = action
        self.render = render
        self.done = threading.Event()
        self.value: T | None = None
        self.error: BaseException | None = None
        self.ticket = 0


class EngineThread:
    """Runs the scheduler on its own thread and the commands other threads hand it.

    Wall clock: the scheduler serves in real time; a command is posted and answered right after
    its synchronous part. Virtual clock: time stands still; a command is answered once all work
    due now is done, requests in flight included; `advance` moves time.
    """

    def __init__(
        self,
        scheduler: Scheduler,
        gauge: GaugedLoader,
        flush: Callable[[], int],
    ) -> None:
        self.scheduler = scheduler
        self.gauge = gauge
        self.virtual = not scheduler.clock.realtime
        self._flush = flush
        self._signal = gauge.posted
        self._jobs: deque[_Job[Any]] = deque()
        self._waiting: list[_Job[Any]] = []
        self._stopping = False
        self._thread = threading.Thread(target=self._main, name="rcml-engine", daemon=True)
        self.failures = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping = True
        self.scheduler.stop()
        self._signal.set()
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def call(
        self, action: Callable[[], object], render: Callable[[object], T] | None = None
    ) -> tuple[T, int]:
        """Run `action` on the engine thread, then `render(its result)` when the reply is due;
        (the rendered reply, the writer ticket of the records it may show). Errors re-raise here.
        """
        job: _Job[T] = _Job(action, render or _identity)
        if threading.current_thread() is self._thread:
            raise RuntimeError("the engine thread cannot wait for itself")
        if self.virtual:
            self._jobs.append(job)
            self._signal.set()
        else:
            self.scheduler.post(lambda: self._run_wall(job))
        if not job.done.wait(REPLY_TIMEOUT_S):
            raise ApiError(503, 20500, "The engine did not answer in time")
        if job.error is not None:
            raise job.error
        return cast(T, job.value), job.ticket

    # --- on the engine thread ------------------------------------------------------------------

    def _main(self) -> None:
        while not self._stopping:
            try:
                if self.virtual:
                    self._serve_virtual()
                else:
                    self.scheduler.serve()
            except Exception:  # an engine bug must not take the host down with it
                self.failures += 1
                log.exception("engine failure; the engine thread goes on")
                self._signal.set()  # commands already waiting are answered on the next turn

    def _run_wall(self, job: _Job[Any]) -> None:
        if self._act(job):
            self._release([job])

    def _act(self, job: _Job[Any]) -> bool:
        """Run the job's action; False when it failed (and was answered with its error)."""
        try:
            job.value = job.action()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            job.error = exc
            job.done.set()
            return False
        return True

    def _release(self, jobs: list[_Job[Any]]) -> None:
        for job in jobs:
            try:
                job.value = job.render(job.value)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
                job.error = exc
        ticket = self._flush()
        for job in jobs:
            job.ticket = ticket
            job.done.set()

    def _serve_virtual(self) -> None:
        while not self._stopping:
            self._signal.wait()
            while not self._stopping:
                self._signal.clear()
                while self._jobs:
                    job = self._jobs.popleft()
                    if self._act(job):
                        self._waiting.append(job)
                self.scheduler.run_due()
                if self.gauge.in_flight:
                    self._signal.wait()
                    continue
                if not self._jobs:
                    waiting, self._waiting = self._waiting, []
                    self._release(waiting)
                    break

    def settle(self) -> None:
        """Virtual clock: run everything due now, waiting for requests in flight to come back."""
        while True:
            self._signal.clear()
            self.scheduler.run_due()
            if not self.gauge.in_flight or self._stopping:
                return
            self._signal.wait()

    def advance(self, ms: int) -> None:
        """Virtual clock: move time `ms` on, settling at every instant something happens."""
        reached: list[bool] = []
        self.scheduler.call_at(self.scheduler.now_ms + ms, lambda: reached.append(True))
        while True:
            self.settle()
            if reached or self._stopping:
                break
            self.scheduler.step()
        self.settle()


def _identity(value: object) -> Any:
    return value


# --- the writer thread -------------------------------------------------------------------------


@dataclass(slots=True)
class Batch:
    calls: list[CallRecord]
    recordings: list[RecordingRecord]
    errors: list[ErrorRecord]
    logs: list[CallLog]
    heartbeat_ms: int | None


class StoreWriter:
    """Commits batches on its own thread; `wait(ticket)` returns once a batch is committed."""

    def __init__(self, store: Store, remember: int = RECORDS_REMEMBERED) -> None:
        self.store = store
        # The latest committed record of recently written calls: a fetch reads it without
        # going to SQLite. Only this thread writes it; readers only `get`.
        self.recent: OrderedDict[str, CallRecord] = OrderedDict()
        self._remember = remember
        self._queue: queue.SimpleQueue[tuple[int, Batch] | None] = queue.SimpleQueue()
        self._submitted = 0
        self._committed = 0
        self._condition = threading.Condition()
        self._thread = threading.Thread(target=self._main, name="rcml-store", daemon=True)
        self._thread.start()

    def submit(self, batch: Batch) -> int:
        self._submitted += 1
        self._queue.put((self._submitted, batch))
        return self._submitted

    @property
    def last_ticket(self) -> int:
        return self._submitted

    def wait(self, ticket: int, timeout: float = REPLY_TIMEOUT_S) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self._committed >= ticket, timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _main(self) -> None:
        while True:
            item = self._queue.get()
            batches = [item]
            while item is not None:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                batches.append(item)
            done = [entry for entry in batches if entry is not None]
            if done:
                self._commit(done)
            if item is None:
                return

    def _commit(self, entries: list[tuple[int, Batch]]) -> None:
        calls: dict[str, CallRecord] = {}
        recordings, errors, logs = [], [], []
        heartbeat = None
        for _, batch in entries:
            for record in batch.calls:
                calls[record.sid] = record
            recordings += batch.recordings
            errors += batch.errors
            logs += batch.logs
            heartbeat = batch.heartbeat_ms or heartbeat
        try:
            self.store.save(calls.values(), recordings, errors, logs)
            if heartbeat is not None:
                self.store.heartbeat(heartbeat)
        except Exception:
            log.exception("could not write call records")
            calls = {}
        recent = self.recent
        for sid, record in calls.items():
            recent[sid] = record
            recent.move_to_end(sid)
        while len(recent) > self._remember:
            recent.popitem(last=False)
        with self._condition:
            self._committed = entries[-1][0]
            self._condition.notify_all()
