"""Benchmark: 10,000 concurrent calls waiting on WallClock timers; reports how late timers run.

Each call alternates Pause-like waits (one timer, 1-5 s) and Gather-like waits (a timeout timer
that a simulated key press usually cancels first), so the heap holds ~10,000 live timers plus
cancelled ones throughout. A second thread posts commands, as the host's REST views would, and
their post-to-run latency is reported too. Goal: timer lateness p99 <= 10 ms.

    python bench/bench_wallclock.py [--calls 10000] [--seconds 20] [--speed 1.0]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import threading
import time
from pathlib import Path

try:
    from rcml.scheduler import Scheduler, WallClock
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from rcml.scheduler import Scheduler, WallClock

GOAL_P99_MS = 10.0


class Bench:
    def __init__(self, calls: int, seconds: float, speed: float, seed: int) -> None:
        self.clock = WallClock(speed=speed)
        self.scheduler = Scheduler(self.clock)
        self.rng = random.Random(seed)
        self.calls = calls
        self.end_ms = self.scheduler.now_ms + int(seconds * 1000)
        self.lateness_ms: list[float] = []
        self.post_latency_ms: list[float] = []
        self.cancelled = 0

    def real_virtual_ms(self) -> float:
        """The virtual time the real clock has reached, with sub-millisecond precision."""
        elapsed_s = time.monotonic() - self.clock.origin_s
        return self.clock.start_ms + elapsed_s * 1000.0 * self.clock.speed

    def timer(self, at_ms: int, then: object) -> object:
        """A callback that records its own lateness (real ms), then runs `then`."""

        def fire() -> None:
            late = (self.real_virtual_ms() - at_ms) / self.clock.speed
            self.lateness_ms.append(late)
            then()  # type: ignore[operator]

        return self.scheduler.call_at(at_ms, fire)

    def next_wait(self) -> None:
        scheduler = self.scheduler
        if scheduler.now_ms + 5_000 > self.end_ms:
            return
        if self.rng.random() < 0.6:
            self.timer(scheduler.now_ms + self.rng.randint(1_000, 5_000), self.next_wait)
        else:
            self.gather()

    def gather(self) -> None:
        """A Gather: timeout after 5 s unless a key press (80 % of calls, after 1-4 s) wins."""
        now = self.scheduler.now_ms
        timeout = self.timer(now + 5_000, self.next_wait)
        if self.rng.random() < 0.8:

            def key_press() -> None:
                timeout.cancel()  # type: ignore[attr-defined]
                self.cancelled += 1
                self.next_wait()

            self.timer(now + self.rng.randint(1_000, 4_000), key_press)

    def start(self) -> None:
        now = self.scheduler.now_ms
        for _ in range(self.calls):
            # Calls arrive over the first second, then wait.
            self.scheduler.call_at(now + self.rng.randint(0, 1_000), self.next_wait)
        self.scheduler.call_at(self.end_ms, self.scheduler.stop)

    def post_commands(self, rate_per_s: float, stop: threading.Event) -> None:
        while not stop.wait(1.0 / rate_per_s):
            posted = time.monotonic()
            self.scheduler.post(
                lambda posted=posted: self.post_latency_ms.append((time.monotonic() - posted) * 1e3)
            )


class GcPauses:
    """Collector pauses, to tell them apart from scheduling delays in the figures."""

    def __init__(self) -> None:
        self.pauses_ms: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses_ms.append((time.perf_counter() - self._started) * 1e3)


def stolen_ms() -> float | None:
    """CPU time the hypervisor took from this machine so far (Linux /proc/stat), in ms.

    On a shared virtual machine the host may stop the guest for tens of milliseconds at a time;
    every timer due meanwhile runs late by as much, whatever the scheduler does.
    """
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if len(fields) < 9 or fields[0] != "cpu":
        return None
    return int(fields[8]) * 1000.0 / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(name: str, values: list[float]) -> str:
    return (
        f"{name}: n={len(values):,}  p50={percentile(values, 0.50):.2f} ms  "
        f"p99={percentile(values, 0.99):.2f} ms  max={max(values):.2f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--commands-per-s", type=float, default=100.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    bench = Bench(args.calls, args.seconds, args.speed, args.seed)
    bench.start()
    stop_posting = threading.Event()
    poster = threading.Thread(target=bench.post_commands, args=(args.commands_per_s, stop_posting))
    poster.start()
    gc_pauses = GcPauses()
    gc.callbacks.append(gc_pauses)
    started = time.monotonic(), time.process_time()
    stolen_before = stolen_ms()
    try:
        bench.scheduler.run()
    finally:
        stop_posting.set()
        poster.join()
        gc.callbacks.remove(gc_pauses)
    wall_s = time.monotonic() - started[0]
    cpu_s = time.process_time() - started[1]
    stolen_after = stolen_ms()

    print(f"{args.calls:,} calls for {args.seconds:g} s of virtual time at speed {args.speed:g}")
    print(f"ran in {wall_s:.1f} s real, {cpu_s:.1f} s CPU ({100 * cpu_s / wall_s:.0f} %)")
    fired = len(bench.lateness_ms)
    print(f"timers fired: {fired:,} ({fired / wall_s:,.0f}/s); cancelled by key presses: "
          f"{bench.cancelled:,}")  # fmt: skip
    print(summary("timer lateness", bench.lateness_ms))
    if bench.post_latency_ms:
        print(summary("post-to-run latency", bench.post_latency_ms))
    pauses = gc_pauses.pauses_ms
    print(f"gc: {len(pauses)} collections, longest pause {max(pauses, default=0):.2f} ms")
    if stolen_before is not None and stolen_after is not None:
        stolen = stolen_after - stolen_before
        print(f"cpu time stolen by the hypervisor during the run: {stolen:,.0f} ms over "
              f"{os.cpu_count()} cpus (while it is, every due timer runs late)")  # fmt: skip
    p99 = percentile(bench.lateness_ms, 0.99)
    verdict = "PASS" if p99 <= GOAL_P99_MS else "FAIL"
    print(f"{verdict}: timer lateness p99 {p99:.2f} ms (goal <= {GOAL_P99_MS:g} ms)")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
