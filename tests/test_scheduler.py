"""Tests of rcml.scheduler: ordering, cancellation, clamping, both clocks, posts and stopping."""

from __future__ import annotations

import gc
import itertools
import threading
import time
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rcml.scheduler import (
    NORMAL,
    URGENT,
    YOUNG_GC_INTERVAL_S,
    Scheduler,
    Timer,
    VirtualClock,
    WallClock,
)


class Recorder:
    """Callbacks that log (time, label) when they run."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.log: list[tuple[int, str]] = []

    def __call__(self, label: str) -> Callable[[], None]:
        return lambda: self.log.append((self.scheduler.now_ms, label))


@pytest.fixture
def sched() -> Scheduler:
    return Scheduler()


@pytest.fixture
def rec(sched: Scheduler) -> Recorder:
    return Recorder(sched)


def run_in_thread(target: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


# --- ordering ----------------------------------------------------------------------------------


def test_events_run_by_time_then_priority_then_scheduling_order(sched, rec):
    sched.call_at(20, rec("late"))
    sched.call_at(10, rec("normal-1"))
    sched.call_at(10, rec("urgent"), URGENT)
    sched.call_at(10, rec("normal-2"), NORMAL)
    sched.call_soon(rec("now"))
    sched.run()
    assert rec.log == [(0, "now"), (10, "urgent"), (10, "normal-1"), (10, "normal-2"), (20, "late")]
    assert sched.now_ms == 20


def test_events_scheduled_at_load_run_before_timers_set_during_the_run_at_the_same_instant(
    sched, rec
):
    """§3.8: a key press scripted at t = 8 beats a Gather timeout that falls at t = 8."""

    def start_gather() -> None:
        sched.call_later(5, rec("gather-timeout"))

    sched.call_at(3, start_gather)
    sched.call_at(8, rec("key-press"))
    sched.run()
    assert rec.log == [(8, "key-press"), (8, "gather-timeout")]


def test_a_callback_scheduling_at_its_own_instant_runs_after_the_others_already_due(sched, rec):
    sched.call_at(5, lambda: sched.call_soon(rec("chained")))
    sched.call_at(5, rec("second"))
    sched.run()
    assert rec.log == [(5, "second"), (5, "chained")]


def test_virtual_clock_starts_at_its_start_time():
    sched = Scheduler(VirtualClock(start_ms=1_000))
    rec = Recorder(sched)
    sched.call_later(250, rec("x"))
    assert sched.now_ms == 1_000
    sched.run()
    assert rec.log == [(1_250, "x")]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 50), st.sampled_from([URGENT, NORMAL]), st.booleans()),
        max_size=40,
    )
)
def test_run_order_is_time_priority_sequence_without_the_cancelled(plan):
    sched = Scheduler()
    ran: list[int] = []
    for index, (at_ms, priority, cancel) in enumerate(plan):
        timer = sched.call_at(at_ms, lambda index=index: ran.append(index), priority)
        if cancel:
            timer.cancel()
    sched.run()
    expected = sorted(
        (at_ms, priority, index)
        for index, (at_ms, priority, cancel) in enumerate(plan)
        if not cancel
    )
    assert ran == [index for _, _, index in expected]
    assert sched.pending == 0


# --- cancellation ------------------------------------------------------------------------------


def test_a_cancelled_timer_never_runs_and_cancel_is_idempotent(sched, rec):
    keep = sched.call_at(5, rec("keep"))
    drop = sched.call_at(5, rec("drop"))
    assert sched.pending == 2
    drop.cancel()
    drop.cancel()
    assert (drop.cancelled, keep.cancelled, sched.pending) == (True, False, 1)
    sched.run()
    assert rec.log == [(5, "keep")]
    assert sched.pending == 0


def test_cancel_from_a_callback_at_the_same_instant(sched, rec):
    timeout = sched.call_at(8, rec("timeout"))
    sched.call_at(8, timeout.cancel, URGENT)
    sched.run()
    assert rec.log == []
    assert timeout.cancelled


def test_cancelling_a_timer_that_already_ran_changes_nothing(sched, rec):
    timer = sched.call_at(1, rec("ran"))
    other = sched.call_at(2, rec("other"))
    sched.step()
    timer.cancel()
    assert (timer.cancelled, sched.pending) == (False, 1)
    sched.run()
    assert rec.log == [(1, "ran"), (2, "other")]
    assert not other.cancelled


def test_a_timer_knows_its_time_and_state(sched):
    timer = sched.call_later(30, lambda: None)
    assert isinstance(timer, Timer)
    assert timer.at_ms == 30
    assert repr(timer) == "<Timer at 30 ms pending>"
    timer.cancel()
    assert repr(timer) == "<Timer at 30 ms cancelled>"


def test_cancelled_timers_are_swept_from_the_heap(sched):
    timers = [sched.call_at(1_000 + i, lambda: None) for i in range(10_000)]
    for timer in timers[:9_000]:
        timer.cancel()
    assert sched.pending == 1_000
    assert len(sched._heap) < 2_000  # lazily deleted entries do not pile up
    ran = []
    sched.call_at(20_000, lambda: ran.append(sched.now_ms))
    sched.run()
    assert ran == [20_000]
    assert sched.pending == 0


# --- time --------------------------------------------------------------------------------------


def test_times_in_the_past_are_clamped_to_now(sched, rec):
    sched.advance(100)
    timer = sched.call_at(40, rec("past"))
    sched.call_later(-5, rec("negative"))
    assert timer.at_ms == 100
    sched.run()
    assert rec.log == [(100, "past"), (100, "negative")]


def test_times_are_integer_milliseconds(sched):
    with pytest.raises(TypeError, match=r"^times are integer milliseconds, got 1.5$"):
        sched.call_at(1.5, lambda: None)  # type: ignore[arg-type]


def test_run_until_stops_before_later_events_and_sets_the_time(sched, rec):
    sched.call_at(10, rec("a"))
    sched.call_at(20, rec("b"))
    sched.call_at(21, rec("c"))
    sched.run(until_ms=20)
    assert rec.log == [(10, "a"), (20, "b")]
    assert sched.now_ms == 20
    sched.run(until_ms=15)  # never backwards
    assert sched.now_ms == 20
    sched.advance(0)
    assert rec.log == [(10, "a"), (20, "b")]
    sched.advance(5)
    assert rec.log == [(10, "a"), (20, "b"), (21, "c")]
    assert sched.now_ms == 25


def test_advance_moves_time_even_when_nothing_is_pending(sched):
    sched.advance(3_000)
    assert sched.now_ms == 3_000


def test_run_without_limit_ends_at_the_last_event(sched, rec):
    sched.call_at(7, rec("x"))
    sched.run()
    assert sched.now_ms == 7
    sched.run()
    assert sched.now_ms == 7


def test_step_runs_one_event_and_says_when_nothing_is_left(sched, rec):
    sched.call_at(4, rec("a"))
    sched.call_at(9, rec("b"))
    assert sched.step() is True
    assert (rec.log, sched.now_ms) == ([(4, "a")], 4)
    assert sched.step() is True
    assert sched.step() is False
    assert rec.log == [(4, "a"), (9, "b")]


def test_run_due_runs_only_what_is_due_without_moving_time(sched, rec):
    sched.advance(50)
    sched.call_soon(rec("due"))
    sched.call_later(1, rec("later"))
    sched.run_due()
    assert rec.log == [(50, "due")]
    assert sched.now_ms == 50
    assert sched.pending == 1


def test_advance_needs_a_virtual_clock():
    sched = Scheduler(WallClock())
    with pytest.raises(TypeError, match=r"^advance\(\) needs a VirtualClock"):
        sched.advance(10)


# --- failures ----------------------------------------------------------------------------------


def test_an_exception_in_a_callback_propagates_and_the_scheduler_goes_on(sched, rec):
    def boom() -> None:
        raise RuntimeError("boom")

    sched.call_at(1, boom)
    sched.call_at(2, rec("after"))
    with pytest.raises(RuntimeError, match="^boom$"):
        sched.run()
    assert sched.now_ms == 1
    assert sched.pending == 1
    sched.run()
    assert rec.log == [(2, "after")]


# --- posts and stopping ------------------------------------------------------------------------


def test_posts_run_at_the_current_instant_before_normal_events(sched, rec):
    sched.advance(10)
    sched.call_soon(rec("timer"))
    sched.post(rec("posted-1"))
    sched.post(rec("posted-2"))
    assert sched.pending == 3
    sched.run()
    assert rec.log == [(10, "posted-1"), (10, "posted-2"), (10, "timer")]


def test_a_post_from_another_thread_runs_on_the_scheduler_thread(sched):
    threads: list[str] = []
    poster = run_in_thread(
        lambda: sched.post(lambda: threads.append(threading.current_thread().name))
    )
    poster.join()
    sched.run()
    assert threads == [threading.current_thread().name]


def test_stop_before_run_makes_the_next_run_return_at_once(sched, rec):
    sched.call_at(5, rec("x"))
    sched.stop()
    sched.run()
    assert rec.log == []
    sched.run()
    assert rec.log == [(5, "x")]


def test_stop_ends_one_step_too(sched, rec):
    sched.call_at(5, rec("x"))
    sched.stop()
    assert sched.step() is False
    assert sched.step() is True
    assert rec.log == [(5, "x")]


def test_stop_from_a_callback_ends_the_run_without_moving_to_until(sched, rec):
    sched.call_at(5, sched.stop)
    sched.call_at(6, rec("never-yet"))
    sched.run(until_ms=100)
    assert (rec.log, sched.now_ms) == ([], 5)


def test_serve_on_a_virtual_clock_waits_for_posts_and_never_moves_time_by_itself(sched, rec):
    sched.call_at(1_000, rec("timer"))
    server = run_in_thread(sched.serve)
    sched.post(rec("command"))
    time.sleep(0.05)
    assert rec.log == [(0, "command")]
    sched.post(lambda: (sched.advance(1_000), sched.stop()))
    server.join(timeout=5)
    assert not server.is_alive()
    assert rec.log == [(0, "command"), (1_000, "timer")]


def test_stop_inside_a_nested_run_ends_the_outer_serve(sched, rec):
    sched.call_at(10, sched.stop)
    server = run_in_thread(sched.serve)
    sched.post(lambda: sched.advance(20))
    server.join(timeout=5)
    assert not server.is_alive()
    assert sched.now_ms == 10


# --- the wall clock (real time: generous bounds) -------------------------------------------------


def test_wall_clock_reads_virtual_milliseconds_at_its_speed():
    clock = WallClock(speed=10.0, start_ms=5_000)
    time.sleep(0.05)
    assert 5_450 <= clock.read_ms() <= 7_000
    assert 0.0 < clock.seconds_until(clock.read_ms() + 1_000) <= 0.1
    with pytest.raises(ValueError, match=r"^speed must be positive, got 0$"):
        WallClock(speed=0)


def test_wall_clock_runs_timers_when_due_at_their_logical_time():
    clock = WallClock(speed=20.0)
    sched = Scheduler(clock)
    rec = Recorder(sched)
    lateness: list[float] = []

    def timed(label: str) -> Callable[[], None]:
        def run() -> None:
            rec(label)()
            lateness.append(-clock.seconds_until(sched.now_ms))

        return run

    base = sched.now_ms
    sched.call_at(base + 2_000, timed("b"))  # 100 ms real
    sched.call_at(base + 1_000, timed("a"))
    sched.call_at(base + 1_000, lambda: sched.call_later(500, timed("a+500")))
    start = time.monotonic()
    sched.run(until_ms=base + 2_000)
    elapsed = time.monotonic() - start
    assert rec.log == [(base + 1_000, "a"), (base + 1_500, "a+500"), (base + 2_000, "b")]
    assert sched.now_ms == base + 2_000
    # Never early; late only by scheduling noise (generous for a loaded machine).
    assert all(-1e-6 <= late < 0.15 for late in lateness), lateness
    assert 0.09 <= elapsed < 1.0


def test_wall_clock_run_until_waits_for_real_time_even_when_idle():
    sched = Scheduler(WallClock(speed=10.0))
    start = time.monotonic()
    sched.run(until_ms=sched.now_ms + 500)  # 50 ms real
    assert 0.045 <= time.monotonic() - start < 2.0


def test_a_post_wakes_a_sleeping_wall_clock_at_once():
    sched = Scheduler(WallClock())
    woke: list[float] = []
    sched.call_later(60_000, lambda: None)
    server = run_in_thread(sched.run)
    time.sleep(0.05)
    posted = time.monotonic()
    sched.post(lambda: woke.append(time.monotonic() - posted))
    sched.post(sched.stop)
    server.join(timeout=5)
    assert not server.is_alive()
    assert len(woke) == 1 and woke[0] < 0.5
    assert sched.pending == 1


def test_step_on_a_wall_clock_sleeps_until_due_but_wakes_for_a_post():
    sched = Scheduler(WallClock())
    rec = Recorder(sched)
    sched.call_later(60_000, rec("far"))
    threading.Timer(0.05, lambda: sched.post(rec("posted"))).start()
    start = time.monotonic()
    assert sched.step() is True
    assert time.monotonic() - start < 5
    assert [label for _, label in rec.log] == ["posted"]
    # A post runs at the real time it arrived, never before what ran earlier.
    assert rec.log[0][0] >= 50


def test_stop_from_another_thread_ends_an_idle_wall_clock_run():
    sched = Scheduler(WallClock())
    server = run_in_thread(sched.run)
    time.sleep(0.05)
    assert server.is_alive()
    sched.stop()
    server.join(timeout=5)
    assert not server.is_alive()


def test_step_with_nothing_pending_returns_false_on_a_wall_clock():
    assert Scheduler(WallClock()).step() is False


def test_a_wall_clock_collects_the_young_generations_on_its_cadence():
    """Young collections every YOUNG_GC_INTERVAL_S while timers run, none on a virtual clock."""
    young: list[float] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 1:
            young.append(time.monotonic())

    def tick(sched: Scheduler) -> None:
        sched.call_later(10, lambda: tick(sched))  # a timer every 10 ms, allocating little

    gc.collect()  # counts start from zero: no collection is due for what the test allocates
    gc.callbacks.append(seen)
    try:
        virtual = Scheduler()
        tick(virtual)
        virtual.run(until_ms=400)
        assert young == []
        wall = Scheduler(WallClock())
        tick(wall)
        wall.run(until_ms=wall.now_ms + 400)
    finally:
        gc.callbacks.remove(seen)
    # 400 ms at one collection per 50 ms: the first at once, then about 8 more.
    assert 6 <= len(young) <= 12
    gaps = [later - earlier for earlier, later in itertools.pairwise(young)]
    assert min(gaps) >= YOUNG_GC_INTERVAL_S - 0.005
