"""Engine benchmarks: IVR calls per second in virtual time, and memory per call parked in a Pause.

    python bench/bench_engine.py [--calls 5000] [--parked 100000]

The IVR call: Say, Gather with one digit (pressed 3 s after the call starts, during the prompt),
the action fetch, Dial to a client who answers after 1 s and talks 60 s, hang up at the end of
the document. The
same run measures a bare generator loop with as many steps (effects yielded and outcomes sent)
as the IVR calls took, so the figure can be read against the machine's raw generator speed.
Goals (issue): >= 10,000 calls/s on one core; <= 10 KB per parked call.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

from rcml.engine import Endpoints, Engine
from rcml.interpreter import FetchStart
from rcml.loaders import ScenarioLoader
from rcml.scheduler import Scheduler

IVR_FLOWS = {
    "http://app.test/ivr": (
        '<Response><Say>Welcome to the test line</Say><Gather numDigits="1" action="/menu">'
        "<Say>Press one for sales</Say></Gather></Response>"
    ),
    "http://app.test/menu": "<Response><Dial><Client>alice</Client></Dial></Response>",
    "http://app.test/park": '<Response><Pause length="3600"/></Response>',
}
ENDPOINTS = {"client:alice": {"answer_after": 1, "hangup_after": 60}}


class _CountingPerformers(dict):  # type: ignore[type-arg]
    """Counts the effects performed (the steps a bare generator loop must match)."""

    def __init__(self, performers: dict) -> None:  # type: ignore[type-arg]
        super().__init__(performers)
        self.steps = 0

    def __getitem__(self, key: object) -> object:
        self.steps += 1
        return super().__getitem__(key)


def _engine() -> tuple[Scheduler, Engine]:
    scheduler = Scheduler()
    engine = Engine(scheduler, ScenarioLoader(IVR_FLOWS), endpoints=Endpoints(ENDPOINTS))
    return scheduler, engine


def _place_ivr_calls(scheduler: Scheduler, engine: Engine, calls: int) -> None:
    start = FetchStart("http://app.test/ivr")
    for index in range(calls):
        at = index * 10  # a new call every 10 ms of virtual time

        def place(at: int = at) -> None:
            leg = engine.place_inbound("+15550001111", "+15551112222", start)
            scheduler.call_at(at + 3000, lambda: engine.press(leg, "1"))

        scheduler.call_at(at, place)


def ivr_calls_per_second(calls: int) -> tuple[float, int, dict[str, int]]:
    """(calls per second, effects performed, final statuses) for `calls` IVR calls."""
    scheduler, engine = _engine()
    _place_ivr_calls(scheduler, engine, calls)
    gc.collect()
    began = time.process_time()
    scheduler.run()
    elapsed = time.process_time() - began
    statuses: dict[str, int] = {}
    for leg in engine.legs:
        statuses[str(leg.status)] = statuses.get(str(leg.status), 0) + 1
    return calls / elapsed, _count_steps(), statuses


def _count_steps() -> int:
    """Effects one IVR call performs (counted on a run of one call)."""
    scheduler, engine = _engine()
    counting = _CountingPerformers(engine.performers)
    engine.performers = counting
    _place_ivr_calls(scheduler, engine, 1)
    scheduler.run()
    return counting.steps


def bare_generator_calls_per_second(calls: int, steps: int) -> float:
    """The same number of yield/send round trips in a bare generator loop."""

    def program():  # type: ignore[no-untyped-def]
        outcome = None
        for _ in range(steps):
            outcome = yield outcome
        return outcome

    began = time.process_time()
    for _ in range(calls):
        gen = program()
        try:
            value = gen.send(None)
            while True:
                value = gen.send(value)
        except StopIteration:
            pass
    return calls / (time.process_time() - began)


def bytes_per_parked_call(calls: int) -> float:
    """Memory per call waiting in a 1-hour Pause (traced allocations, after the first step)."""
    scheduler, engine = _engine()
    start = FetchStart("http://app.test/park")
    engine.place_inbound("+15550001111", "+15551112222", start)  # warm the document cache
    scheduler.run(until_ms=0)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(calls):
        engine.place_inbound("+15550001111", "+15551112222", start)
    scheduler.run(until_ms=1)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    parked = sum(1 for leg in engine.legs if leg.runner is not None and leg.runner.effect)
    assert parked == calls + 1, parked
    return (after - before) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--parked", type=int, default=100_000)
    args = parser.parse_args()
    rate, steps, statuses = ivr_calls_per_second(args.calls)
    bare = bare_generator_calls_per_second(args.calls, steps)
    print(f"IVR calls: {args.calls} in virtual time, {steps} effects each, statuses {statuses}")
    print(f"  engine:          {rate:10,.0f} calls/s")
    print(f"  bare generators: {bare:10,.0f} calls/s (same number of steps)")
    print(f"  ratio:           {bare / rate:10.1f}x")
    per_call = bytes_per_parked_call(args.parked)
    print(f"parked calls: {args.parked:,} in a Pause: {per_call / 1024:.2f} KB per call")


if __name__ == "__main__":
    main()
